/* store_scan: the streaming reads of store.h (store_audit_scan_range, store_ticket_stream), passed to
 * the backend: nothing engine-neutral happens on the way, but the range is checked here once. A
 * ticket's clock history (store_audit_clock_scan) keeps a memo: store_clock.c. */
#include "slatop/store.h"

#include "store_backend.h"

st_code store_audit_scan_range(st_store *s, const store_audit_range *r, store_audit_visit visit, void *ctx,
                               st_err *err)
{
    if (r->after_seq < 0 || r->before_seq < 0 || r->limit < 0 || r->ticket_id < 0)
        return st_fail(err, ST_USAGE, "%s: audit range with a negative bound", s->locator);
    return s->ops->audit_range(s->be, r, visit, ctx, err);
}

st_code store_ticket_stream(st_store *s, const store_list_query *q, bool with_history,
                            store_ticket_stream_visit visit, void *ctx, st_err *err)
{
    return s->ops->ticket_stream(s->be, q, with_history, visit, ctx, err);
}
