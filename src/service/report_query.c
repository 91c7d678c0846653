/* report_query: see report_query.h. */
#include "slatop/report_query.h"

#include <stdlib.h>

#include "slatop/store.h"
#include "slatop/store_history.h"

typedef struct {
    st_ops *o;
    rpt_report *r;
    st_audit_entry *kept; /* reused: shallow copies of the entries before the period's end */
    size_t cap;
} feed;

static st_code feed_ticket(void *ctx, const st_ticket *t, const st_audit_entry *h, size_t n, st_err *err)
{
    feed *f = ctx;
    if (n == 0)
        return ST_OK; /* no history: nothing to replay (the store writes both together) */
    const st_policy *p = NULL;
    st_code rc = ops_policy(f->o, t->policy_version, &p, NULL, err);
    if (rc != ST_OK)
        return rc;
    if (n > f->cap) {
        f->cap = n * 2;
        f->kept = xrealloc(f->kept, f->cap * sizeof *f->kept);
    }
    /* As of the period's end: what was recorded later does not exist yet. The creation stays (the
     * ticket was created before the end: its entry may carry a later process time). */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || h[i].at < f->r->to)
            f->kept[k++] = h[i];
    clk_event *ev = NULL;
    size_t nev = 0;
    ops_clock_events(p, t->created, f->kept, k, &ev, &nev);
    rpt_ticket rt = {
        .id = t->id, .title = t->title, .customer = t->customer, .policy_version = t->policy_version};
    rc = report_add_ticket(f->r, p, &rt, ev, nev, err);
    free(ev);
    return rc;
}

st_code report_query_period(st_ops *o, st_time from, st_time to, rpt_report *out, st_err *err)
{
    report_init(out, from, to);
    feed f = {.o = o, .r = out, .kept = NULL, .cap = 0};
    st_code rc = store_ticket_histories_log(ops_store(o), to, feed_ticket, &f, err);
    free(f.kept);
    if (rc != ST_OK) {
        report_done(out);
        return rc;
    }
    report_finish(out);
    return ST_OK;
}

st_code report_query_breaches(st_ops *o, st_time from, st_time to,
                              st_code (*fn)(void *ctx, const rpt_breach *b, st_err *err), void *ctx, st_err *err)
{
    rpt_report r;
    report_init(&r, from, to);
    report_set_sink(&r, fn, ctx);
    feed f = {.o = o, .r = &r, .kept = NULL, .cap = 0};
    /* By id, one ticket in memory at a time: the breaches come out in the report's order. */
    st_code rc = store_ticket_histories(ops_store(o), to, feed_ticket, &f, err);
    free(f.kept);
    report_done(&r);
    return rc;
}
