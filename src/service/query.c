/* query: the read side (see query.h). Each read is what the command line and the console used to
 * assemble on their own: the same store calls, once. */
#include "slatop/query.h"

#include <stdlib.h>
#include <string.h>

#include "slatop/store.h"
#include "slatop/store_uptime.h"
#include "slatop/uptime_source.h"

#include "audit_replay.h"

const char *query_sort_name(query_sort s)
{
    switch (s) {
    case QUERY_SORT_URGENCY:
        return "urgency";
    case QUERY_SORT_LEVEL:
        return "level";
    case QUERY_SORT_CREATED:
        return "created";
    case QUERY_SORT_CUSTOMER:
        return "customer";
    }
    return "?";
}

static store_sort store_sort_of(query_sort s)
{
    switch (s) {
    case QUERY_SORT_LEVEL:
        return STORE_SORT_LEVEL;
    case QUERY_SORT_CREATED:
        return STORE_SORT_CREATED;
    case QUERY_SORT_CUSTOMER:
        return STORE_SORT_CUSTOMER;
    case QUERY_SORT_URGENCY:
        break;
    }
    return STORE_SORT_URGENCY;
}

st_code query_tickets(st_ops *o, const query_list_req *q, st_ticket **out, size_t *n, st_err *err)
{
    store_list_query sq = {.include_resolved = q->include_resolved,
                           .sort = store_sort_of(q->sort),
                           .offset = q->offset,
                           .limit = q->limit};
    return store_ticket_list(ops_store(o), &sq, out, n, err);
}

st_code query_ticket_count(st_ops *o, bool include_resolved, int64_t *n, st_err *err)
{
    return store_ticket_count(ops_store(o), include_resolved, n, err);
}

void query_page_done(query_page *p)
{
    for (size_t i = 0; i < p->n; i++)
        ops_view_done(&p->rows[i]);
    free(p->rows);
    p->rows = NULL;
    p->n = 0;
}

st_code query_views_of(st_ops *o, const st_ticket *tickets, size_t n, st_time now, query_page *out,
                       st_err *err)
{
    out->rows = xcalloc(n ? n : 1, sizeof *out->rows);
    out->n = 0;
    st_code rc = ST_OK;
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        rc = ops_view_of(o, &tickets[i], now, &out->rows[out->n], err);
        if (rc == ST_OK)
            out->n++;
    }
    return rc;
}

st_code query_list_page(st_ops *o, const query_list_req *q, st_time now, query_page *out, st_err *err)
{
    st_ticket *t = NULL;
    size_t n = 0;
    out->rows = NULL;
    out->n = 0;
    st_code rc = query_tickets(o, q, &t, &n, err);
    if (rc != ST_OK)
        return rc;
    rc = query_views_of(o, t, n, now, out, err);
    for (size_t i = 0; i < n; i++)
        ticket_done(&t[i]);
    free(t);
    if (rc != ST_OK)
        query_page_done(out);
    return rc;
}

static void entries_free(st_audit_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        audit_entry_done(&e[i]);
    free(e);
}

void query_detail_done(query_detail *d)
{
    ops_view_done(&d->v);
    entries_free(d->history, d->n_history);
    sla_segments_free(d->segs, d->n_segs);
    for (size_t i = 0; i < d->n_messages; i++)
        message_done(&d->messages[i]);
    free(d->messages);
    free(d->events);
    clocks_result_done(&d->clocks);
    d->history = NULL;
    d->segs = NULL;
    d->messages = NULL;
    d->events = NULL;
    d->n_history = d->n_segs = d->n_messages = d->n_events = 0;
}

void query_detail_retime(query_detail *d, st_time now)
{
    ops_view *v = &d->v;
    sla_input in = {
        .level = v->level_index, .due = v->t.due, .first_response = v->t.first_response, .response_due = v->t.response_due};
    sla_timer_at(v->policy, &in, now, &v->timer);
    ops_view_retime_next(v, now);
    if (d->history_rc != ST_OK)
        return; /* no history: no clocks (clocks_rc says why) */
    st_err_clear(&d->clocks_err);
    d->clocks_rc = clocks_compute(v->policy, d->events, d->n_events, now, &d->clocks, &d->clocks_err);
    if (d->clocks_rc != ST_OK)
        st_err_prefix(&d->clocks_err, "ticket %lld: clocks", (long long)v->t.id);
}

st_code query_ticket_detail(st_ops *o, int64_t id, st_time now, query_detail *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    st_err_clear(&out->history_err);
    st_code rc = ops_get_view(o, id, now, &out->v, err);
    if (rc != ST_OK)
        return rc;
    out->history_rc = store_audit_list(ops_store(o), id, &out->history, &out->n_history, &out->history_err);
    sla_event *ev = NULL;
    size_t n_ev = 0;
    ops_events_from_audit(out->history, out->n_history, &ev, &n_ev);
    sla_explain(out->v.policy, out->v.level_index, out->v.t.clock_start, out->v.t.due, ev, n_ev, &out->segs,
                &out->n_segs);
    free(ev);
    st_err_clear(&out->messages_err);
    out->messages_rc =
        store_message_list(ops_store(o), id, &out->messages, &out->n_messages, &out->messages_err);
    clocks_result_init(&out->clocks);
    ops_clock_events(out->v.policy, out->v.t.created, out->history, out->n_history, &out->events, &out->n_events);
    out->clocks_rc = out->history_rc;
    out->clocks_err = out->history_err;
    query_detail_retime(out, now);
    return ST_OK;
}

void query_audit_done(query_audit *a)
{
    entries_free(a->entries, a->n);
    a->entries = NULL;
    a->n = 0;
}

st_code query_audit_page(st_ops *o, const query_audit_req *req, query_audit *out, st_err *err)
{
    st_store *s = ops_store(o);
    memset(out, 0, sizeof *out);
    st_err_clear(&out->verify_err);
    st_code rc = ST_OK;
    if (req->ticket_id > 0 && req->must_exist) {
        st_ticket t;
        rc = store_ticket_get(s, req->ticket_id, &t, err);
        if (rc == ST_OK)
            ticket_done(&t);
    }
    if (rc == ST_OK)
        rc = store_audit_list(s, req->ticket_id, &out->entries, &out->n, err);
    if (req->verify)
        out->verified = audit_replay_verify(s, 0, NULL, &out->checked, &out->verify_err) == ST_OK;
    return rc;
}

st_code query_audit_verify(st_ops *o, int64_t anchor_seq, const char *anchor_hash, int64_t *checked,
                           int64_t *head_seq, char head_hash[65], st_err *err)
{
    st_store *s = ops_store(o);
    st_code rc = audit_replay_verify(s, anchor_seq, anchor_hash, checked, err);
    if (rc == ST_OK && head_seq) {
        char scratch[65];
        rc = query_audit_head(o, head_seq, head_hash ? head_hash : scratch, err);
    }
    return rc;
}

st_code query_audit_head(st_ops *o, int64_t *seq, char hash[65], st_err *err)
{
    return store_audit_head(ops_store(o), seq, hash, err);
}

st_code query_policy_json(st_ops *o, int64_t version, char **json, int64_t *version_out, st_err *err)
{
    return store_policy_get(ops_store(o), version, json, version_out, err);
}

void query_uptime_done(query_uptime *u)
{
    uptime_report_done(&u->report);
    uptime_windows_free(u->windows, u->n_windows);
    free(u->cached);
    memset(u, 0, sizeof *u);
}

st_code query_uptime_cached(st_ops *o, const char *key, const char *month, bool *complete,
                            st_time *fetched_at, st_err *err)
{
    bool known = false;
    *complete = false;
    st_code rc = store_uptime_month_get(ops_store(o), key, month, &known, fetched_at, complete, err);
    if (rc == ST_OK && !known) {
        *complete = false;
        *fetched_at = ST_TIME_NONE;
    }
    return rc;
}

st_code query_uptime_month(st_ops *o, const query_uptime_req *req, query_uptime *out, st_err *err)
{
    st_store *s = ops_store(o);
    memset(out, 0, sizeof *out);
    uptime_settings set;
    const st_policy *pol = NULL;
    st_code rc = ops_policy(o, 0, &pol, NULL, err);
    if (rc == ST_NOTFOUND) { /* no policy stored: the defaults */
        st_err_clear(err);
        pol = NULL;
        rc = ST_OK;
    }
    if (rc != ST_OK)
        return rc;
    uptime_settings_of(pol, &set);
    const uptime_minute *minutes = req->minutes;
    size_t n_minutes = req->n_minutes;
    if (!minutes) {
        out->n_cached = (size_t)((req->month_end - req->month_start) / 60);
        out->cached = xcalloc(out->n_cached ? out->n_cached : 1, sizeof *out->cached);
        size_t found = 0;
        rc = store_uptime_get_minutes(s, req->key, req->month_start, out->cached, out->n_cached, &found, err);
        minutes = out->cached;
        n_minutes = out->n_cached;
    }
    if (rc == ST_OK)
        rc = uptime_windows_collect(s, &set, req->sp_key, req->fresh_windows, req->n_fresh_windows,
                                    &out->windows, &out->n_windows, err);
    if (rc == ST_OK) {
        uptime_input in = {.month_start = req->month_start,
                           .month_end = req->month_end,
                           .now = req->now,
                           .minutes = minutes,
                           .n_minutes = n_minutes,
                           .has_target = set.has_target,
                           .target_percent = set.target_percent,
                           .threshold = set.threshold,
                           .notice_days = set.notice_days,
                           .windows = out->windows,
                           .n_windows = out->n_windows,
                           .partial = req->partial};
        rc = uptime_compute(&in, &out->report, err);
    }
    uptime_settings_done(&set);
    if (rc != ST_OK) {
        uptime_windows_free(out->windows, out->n_windows);
        free(out->cached);
        memset(out, 0, sizeof *out);
    }
    return rc;
}
