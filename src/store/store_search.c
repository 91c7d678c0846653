/* store_search: the facade's half of store_search.h; the backend does the work. */
#include "slatop/store_search.h"

#include <stdlib.h>

#include "slatop/util.h"

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
                                int64_t after_id, int64_t limit, st_ticket **out, size_t *n, st_err *err)
{
    return s->ops->ticket_group_rows(s->be, g, from, to, due_none, after_id, limit, out, n, err);
}

bool store_set_cancel(st_store *s, bool (*cancel)(void *ctx), void *ctx)
{
    if (!s->ops->set_cancel) /* NULL: the backend's reads are not abandoned mid-way */
        return false;
    s->ops->set_cancel(s->be, cancel, ctx);
    return true;
}

int64_t store_abandon_ns(const st_store *s)
{
    return s->ops->abandon_ns;
}

struct store_ticket_cursor {
    st_store *s;
    void *be;          /* the backend's cursor, or NULL: paging through ticket_search */
    char *text, *level; /* owned copies of the filter (paging) */
    store_sort sort;
    bool all; /* resolved tickets too, unfiltered */
    int64_t offset;
    bool done;
};

static st_code cursor_open(st_store *s, const store_filter *f, store_sort sort, bool any_order, bool all,
                           store_ticket_cursor **out, st_err *err)
{
    *out = NULL;
    store_ticket_cursor *c = xcalloc(1, sizeof *c);
    c->s = s;
    c->sort = sort;
    c->all = all;
    if (s->ops->ticket_cursor_open) {
        st_code rc = s->ops->ticket_cursor_open(s->be, f, sort, any_order, all, &c->be, err);
        if (rc != ST_OK) {
            free(c);
            return rc;
        }
    } else {
        c->text = f && f->text ? xstrdup(f->text) : NULL;
        c->level = f && f->level ? xstrdup(f->level) : NULL;
    }
    *out = c;
    return ST_OK;
}

st_code store_ticket_cursor_open(st_store *s, const store_filter *f, store_sort sort, bool any_order,
                                 store_ticket_cursor **out, st_err *err)
{
    return cursor_open(s, f, sort, any_order, false, out, err);
}

st_code store_ticket_cursor_open_all(st_store *s, store_sort sort, store_ticket_cursor **out, st_err *err)
{
    return cursor_open(s, NULL, sort, false, true, out, err);
}

st_code store_ticket_cursor_next(store_ticket_cursor *c, st_ticket *out, size_t max, size_t *n, bool *done,
                                 st_err *err)
{
    *n = 0;
    if (c->be)
        return c->s->ops->ticket_cursor_next(c->be, out, max, n, done, err);
    *done = c->done;
    if (c->done || max == 0)
        return ST_OK;
    store_filter f = {.text = c->text, .level = c->level};
    st_ticket *rows = NULL;
    st_code rc;
    if (c->all) {
        store_list_query q = {.include_resolved = true, .sort = c->sort, .offset = c->offset, .limit = (int64_t)max};
        rc = c->s->ops->ticket_list(c->s->be, &q, &rows, n, err);
    } else {
        rc = c->s->ops->ticket_search(c->s->be, &f, c->sort, c->offset, (int64_t)max, &rows, n, err);
    }
    if (rc != ST_OK)
        return rc;
    for (size_t i = 0; i < *n; i++)
        out[i] = rows[i]; /* moved */
    free(rows);
    c->offset += (int64_t)*n;
    *done = c->done = *n < max;
    return ST_OK;
}

void store_ticket_cursor_close(store_ticket_cursor *c)
{
    if (!c)
        return;
    if (c->be)
        c->s->ops->ticket_cursor_close(c->be);
    free(c->text);
    free(c->level);
    free(c);
}
