/* query_stream: the streaming reads of query.h (query_list_scan, query_audit_scan): the store's
 * scans with each ticket turned into its view on the way, so that a million tickets never sit in
 * memory at once. */
#include "slatop/query.h"

#include <stdlib.h>

#include "slatop/store.h"

_Static_assert((int)QUERY_SORT_URGENCY == (int)STORE_SORT_URGENCY && (int)QUERY_SORT_LEVEL == (int)STORE_SORT_LEVEL &&
                   (int)QUERY_SORT_CREATED == (int)STORE_SORT_CREATED &&
                   (int)QUERY_SORT_CUSTOMER == (int)STORE_SORT_CUSTOMER,
               "query_sort mirrors store_sort");

typedef struct {
    st_ops *o;
    st_time now;
    query_view_visit visit;
    void *ctx;
} list_scan;

static st_code list_visit(void *ctx, const st_ticket *t, const st_audit_entry *h, size_t nh, st_err *err)
{
    list_scan *ls = ctx;
    ops_view v;
    st_code rc = ops_view_of(ls->o, t, ls->now, &v, err);
    if (rc != ST_OK)
        return rc;
    rc = ls->visit(ls->ctx, &v, h, nh, err);
    ops_view_done(&v);
    return rc;
}

st_code query_list_scan(st_ops *o, const query_list_req *q, st_time now, bool with_history, query_view_visit visit,
                        void *ctx, st_err *err)
{
    store_list_query sq = {.include_resolved = q->include_resolved,
                           .sort = (store_sort)q->sort,
                           .offset = q->offset,
                           .limit = q->limit};
    list_scan ls = {.o = o, .now = now, .visit = visit, .ctx = ctx};
    return store_ticket_stream(ops_store(o), &sq, with_history, list_visit, &ls, err);
}

st_code query_audit_range(st_ops *o, const query_audit_range_req *r, query_entry_visit visit, void *ctx,
                          st_err *err);

st_code query_audit_scan(st_ops *o, const query_audit_req *req, query_entry_visit visit, void *ctx, st_err *err)
{
    st_store *s = ops_store(o);
    if (req->ticket_id > 0 && req->must_exist) {
        st_ticket t;
        st_code rc = store_ticket_get(s, req->ticket_id, &t, err);
        if (rc != ST_OK)
            return rc;
        ticket_done(&t);
    }
    query_audit_range_req r = {.ticket_id = req->ticket_id};
    return query_audit_range(o, &r, visit, ctx, err);
}

st_code query_audit_range(st_ops *o, const query_audit_range_req *r, query_entry_visit visit, void *ctx,
                          st_err *err)
{
    store_audit_range sr = {.ticket_id = r->ticket_id,
                            .after_seq = r->after_seq,
                            .before_seq = r->before_seq,
                            .limit = r->limit,
                            .newest_first = r->newest_first};
    return store_audit_scan_range(ops_store(o), &sr, visit, ctx, err);
}

struct query_verify {
    store_verify_walk w;
};

query_verify *query_verify_new(void)
{
    query_verify *q = xcalloc(1, sizeof *q);
    store_verify_walk_init(&q->w);
    return q;
}

void query_verify_free(query_verify *w)
{
    free(w);
}

st_code query_verify_step(st_ops *o, query_verify *w, int64_t max_entries, st_err *err)
{
    return store_audit_verify_step(ops_store(o), &w->w, max_entries, err);
}

bool query_verify_done(const query_verify *w)
{
    return w->w.done;
}

int64_t query_verify_through(const query_verify *w)
{
    return w->w.through;
}

int64_t query_verify_checked(const query_verify *w)
{
    return w->w.v.checked;
}
