/* store_by_id: the facade's half of store_tickets_by_id (store_search.h): the backend's batched
 * read in any order, put in the caller's order here; or, for a backend without one, a read per id. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/store_search.h"
#include "slatop/util.h"

#include "store_backend.h"

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const st_ticket *)a)->id, y = ((const st_ticket *)b)->id;
    return (x > y) - (x < y);
}

/* rows[0..n) (any order) into ids' order in *out; frees rows. */
static void in_ids_order(st_ticket *rows, size_t n, const int64_t *ids, size_t n_ids, st_ticket **out,
                         size_t *n_out)
{
    qsort(rows, n, sizeof *rows, by_id);
    bool *taken = xcalloc(n ? n : 1, sizeof *taken);
    st_ticket *o = xcalloc(n ? n : 1, sizeof *o);
    size_t k = 0;
    for (size_t i = 0; i < n_ids; i++) {
        st_ticket key = {.id = ids[i]};
        st_ticket *hit = bsearch(&key, rows, n, sizeof *rows, by_id);
        if (!hit || taken[hit - rows])
            continue;
        taken[hit - rows] = true;
        o[k++] = *hit; /* moved */
    }
    for (size_t i = 0; i < n; i++) /* rows the backend gave that ids did not ask for twice */
        if (!taken[i])
            ticket_done(&rows[i]);
    free(taken);
    free(rows);
    *out = o;
    *n_out = k;
}

st_code store_tickets_by_id(st_store *s, const int64_t *ids, size_t n, st_ticket **out, size_t *n_out,
                            st_err *err)
{
    *out = NULL;
    *n_out = 0;
    if (n == 0)
        return ST_OK;
    if (s->ops->tickets_by_id) {
        strbuf list; /* the ids as one parameter: one statement whatever the window's height */
        sb_init(&list);
        for (size_t i = 0; i < n; i++)
            sb_printf(&list, "%s%" PRId64, i ? "," : "", ids[i]);
        st_ticket *rows = NULL;
        size_t got = 0;
        st_code rc = s->ops->tickets_by_id(s->be, list.buf, &rows, &got, err);
        sb_done(&list);
        if (rc != ST_OK)
            return rc;
        in_ids_order(rows, got, ids, n, out, n_out);
        return ST_OK;
    }
    st_ticket *o = xcalloc(n ? n : 1, sizeof *o);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        st_code rc = s->ops->ticket_get(s->be, ids[i], &o[k], err);
        if (rc == ST_OK) {
            k++;
        } else if (rc != ST_NOTFOUND) { /* nothing half-returned */
            for (size_t j = 0; j < k; j++)
                ticket_done(&o[j]);
            free(o);
            return rc;
        }
    }
    *out = o;
    *n_out = k;
    return ST_OK;
}
