/* import: the ticket file of `slatop import FILE` (SPEC §3): a JSON array of objects, or JSON
 * lines (one object per line, blank lines skipped). Keys exactly those of `add`: title, level,
 * customer, channel, ref, created (ISO 8601). Parsing checks the file on its own (keys, types,
 * dates, duplicate refs); levels and refs already in the database are checked by ops_add_many in
 * the same all-or-nothing transaction. Only this parser includes cJSON.h among the ops modules. */
#ifndef SLATOP_IMPORT_H
#define SLATOP_IMPORT_H

#include <stddef.h>

#include "slatop/ops.h"
#include "slatop/util.h"

#define IMPORT_MAX_BYTES (64u * 1024u * 1024u)
#define IMPORT_MAX_RECORDS 1000000u

/* Parsed records, ready for ops_add_many. Embedded by value: import_batch_init / _done. The
 * batch owns the array and every string inside the records. */
typedef struct {
    ops_new_ticket *records;
    size_t n;
} import_batch;

void import_batch_init(import_batch *b);
void import_batch_done(import_batch *b);

/* Parses text[0..len) (need not be NUL-terminated). `source` (the file name) starts every error:
 * "SOURCE: record N: KEY: reason" (N 1-based), "SOURCE: record N: ref: duplicate 'R' (also
 * record M)". An empty file is zero records. On success *out (initialised by this call) owns the
 * records; on error it is left empty. Errors: ST_INVALID. */
st_code import_parse(const char *text, size_t len, const char *source, import_batch *out, st_err *err);

/* Reads the file (at most IMPORT_MAX_BYTES) and parses it. Errors name the path. */
st_code import_load_file(const char *path, import_batch *out, st_err *err);

/* `slatop import FILE`: parses the file and adds every record in one transaction (all or
 * nothing). Errors name the path and record: "FILE: record 3: level: unknown level 'S9' (...)".
 * *first_id gets the first new ticket's id (ids are consecutive), *n_added the count. */
st_code import_file(st_ops *o, const char *path, int64_t *first_id, size_t *n_added, st_err *err);

#endif
