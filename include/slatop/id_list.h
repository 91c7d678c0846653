/* id_list: a long list of ticket ids in order (a scan's matches: up to every ticket), in
 * fixed-size chunks that are never reallocated and copied, so the peak is the ids themselves;
 * an id that fits 32 bits (every SQLite rowid below 2^32) takes 4 bytes, a chunk holding a
 * larger one 8. Clearing it is a free of the chunks. Curses-free and store-free. */
#ifndef SLATOP_ID_LIST_H
#define SLATOP_ID_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct id_chunk id_chunk;
/* Zero-initialised is empty. Owns its chunks (id_list_clear). */
typedef struct {
    id_chunk *chunks;
    size_t n_chunks, cap_chunks;
    int64_t n; /* ids held */
} id_list;

void id_list_push(id_list *l, int64_t id);
/* The id at index i (0 <= i < l->n). */
int64_t id_list_get(const id_list *l, int64_t i);
/* Copies ids [from, from + max) (fewer at the end) into out; returns how many. */
size_t id_list_read(const id_list *l, int64_t from, int64_t *out, size_t max);
/* The first index of id; false when absent (a walk of the list: ~1 ms a million). */
bool id_list_find(const id_list *l, int64_t id, int64_t *index);
/* Frees every chunk; the list is empty again. */
void id_list_clear(id_list *l);
/* Bytes the chunks hold (for tests and the benchmark's reasoning). */
size_t id_list_bytes(const id_list *l);

#endif
