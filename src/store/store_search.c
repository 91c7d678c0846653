/* store_search: the facade's half of store_search.h; the backend does the work. */
#include "slatop/store_search.h"

#include <stdlib.h>

#include "store_backend.h"

st_code store_ticket_search(st_store *s, const store_filter *f, store_sort sort, int64_t offset,
                            int64_t limit, st_ticket **out, size_t *n, st_err *err)
{
    return s->ops->ticket_search(s->be, f, sort, offset, limit, out, n, err);
}

st_code store_ticket_search_count(st_store *s, const store_filter *f, int64_t *n, st_err *err)
{
    return s->ops->ticket_search_count(s->be, f, n, err);
}

st_code store_ticket_groups(st_store *s, const char *level, store_group **out, size_t *n, st_err *err)
{
    return s->ops->ticket_groups(s->be, level, out, n, err);
}

void store_groups_free(store_group *g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(g[i].level);
    free(g);
}

st_code store_ticket_count_due(st_store *s, const store_group *g, st_time from, st_time to, bool due_none,
                               int64_t *n, st_err *err)
{
    return s->ops->ticket_count_due(s->be, g, from, to, due_none, n, err);
}

st_code store_ticket_group_rows(st_store *s, const store_group *g, st_time from, st_time to, bool due_none,
                                st_ticket **out, size_t *n, st_err *err)
{
    return s->ops->ticket_group_rows(s->be, g, from, to, due_none, out, n, err);
}

void store_set_cancel(st_store *s, bool (*cancel)(void *ctx), void *ctx)
{
    s->ops->set_cancel(s->be, cancel, ctx);
}
