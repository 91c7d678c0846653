/* id_list: see id_list.h. */
#include "slatop/id_list.h"

#include <stdlib.h>
#include <string.h>

#include "slatop/util.h"

#define CHUNK_IDS 16384 /* 64 KiB narrow: 61 chunks a million */

struct id_chunk {
    bool wide; /* int64_t ids; else uint32_t */
    void *ids; /* owned: CHUNK_IDS of them */
};

static bool fits_narrow(int64_t id)
{
    return id >= 0 && id <= (int64_t)UINT32_MAX;
}

/* A chunk that met an id above 32 bits becomes wide: one chunk copied, never the list. */
static void widen(id_chunk *c, size_t used)
{
    int64_t *w = xmalloc(CHUNK_IDS * sizeof *w);
    const uint32_t *n = c->ids;
    for (size_t i = 0; i < used; i++)
        w[i] = n[i];
    free(c->ids);
    c->ids = w;
    c->wide = true;
}

void id_list_push(id_list *l, int64_t id)
{
    size_t k = (size_t)(l->n / CHUNK_IDS), at = (size_t)(l->n % CHUNK_IDS);
    if (k == l->n_chunks) {
        if (l->n_chunks == l->cap_chunks) { /* the chunk table alone grows: 16 bytes a chunk */
            l->cap_chunks = l->cap_chunks ? 2 * l->cap_chunks : 16;
            l->chunks = xrealloc(l->chunks, l->cap_chunks * sizeof *l->chunks);
        }
        bool wide = !fits_narrow(id);
        l->chunks[k] = (id_chunk){.wide = wide, .ids = xmalloc(CHUNK_IDS * (wide ? 8 : 4))};
        l->n_chunks++;
    }
    id_chunk *c = &l->chunks[k];
    if (!c->wide && !fits_narrow(id))
        widen(c, at);
    if (c->wide)
        ((int64_t *)c->ids)[at] = id;
    else
        ((uint32_t *)c->ids)[at] = (uint32_t)id;
    l->n++;
}

int64_t id_list_get(const id_list *l, int64_t i)
{
    const id_chunk *c = &l->chunks[i / CHUNK_IDS];
    size_t at = (size_t)(i % CHUNK_IDS);
    return c->wide ? ((const int64_t *)c->ids)[at] : (int64_t)((const uint32_t *)c->ids)[at];
}

size_t id_list_read(const id_list *l, int64_t from, int64_t *out, size_t max)
{
    size_t n = 0;
    for (int64_t i = from < 0 ? 0 : from; i < l->n && n < max; i++)
        out[n++] = id_list_get(l, i);
    return n;
}

bool id_list_find(const id_list *l, int64_t id, int64_t *index)
{
    for (size_t k = 0; k < l->n_chunks; k++) {
        const id_chunk *c = &l->chunks[k];
        int64_t base = (int64_t)k * CHUNK_IDS;
        size_t used = (size_t)(l->n - base < CHUNK_IDS ? l->n - base : CHUNK_IDS);
        if (!c->wide && !fits_narrow(id))
            continue;
        for (size_t i = 0; i < used; i++) {
            int64_t v = c->wide ? ((const int64_t *)c->ids)[i] : (int64_t)((const uint32_t *)c->ids)[i];
            if (v == id) {
                *index = base + (int64_t)i;
                return true;
            }
        }
    }
    return false;
}

void id_list_clear(id_list *l)
{
    for (size_t k = 0; k < l->n_chunks; k++)
        free(l->chunks[k].ids);
    free(l->chunks);
    memset(l, 0, sizeof *l);
}

size_t id_list_bytes(const id_list *l)
{
    size_t b = l->cap_chunks * sizeof *l->chunks;
    for (size_t k = 0; k < l->n_chunks; k++)
        b += CHUNK_IDS * (l->chunks[k].wide ? 8u : 4u);
    return b;
}
