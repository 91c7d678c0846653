/* query: the read side. What the console's views and the command line show is assembled here once:
 * a ticket's detail (its view with timers, its history, the explain ledger), a page of the ticket
 * list, the audit log with its verification, and a month of uptime from the cache. Writes stay
 * with ops. Readers need not include store.h: the store appears only as the ops it sits behind. */
#ifndef SLATOP_QUERY_H
#define SLATOP_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/clocks.h"
#include "slatop/model.h"
#include "slatop/ops.h"
#include "slatop/sla.h"
#include "slatop/uptime.h"
#include "slatop/util.h"

/* ---- the ticket list ---- */

/* The orderings of the list (store.h's, in the same order). */
typedef enum { QUERY_SORT_URGENCY, QUERY_SORT_LEVEL, QUERY_SORT_CREATED, QUERY_SORT_CUSTOMER } query_sort;
#define QUERY_SORT_COUNT 4
/* "urgency", "level", "created", "customer"; a static string. */
const char *query_sort_name(query_sort s);

typedef struct {
    bool include_resolved;
    query_sort sort;
    int64_t offset;
    int64_t limit; /* 0 = no limit */
} query_list_req;

/* Tickets in the request's order, as stored (no timers). Caller owns *out (ticket_done each, then
 * free the array). Errors: the store's. */
st_code query_tickets(st_ops *o, const query_list_req *q, st_ticket **out, size_t *n, st_err *err);
/* How many tickets the ordering holds (open ones, or all). */
st_code query_ticket_count(st_ops *o, bool include_resolved, int64_t *n, st_err *err);

/* A page of the list: each ticket as the user sees it at `now`. */
typedef struct {
    ops_view *rows; /* owned (query_page_done) */
    size_t n;
} query_page;
void query_page_done(query_page *p);
/* The views of tickets[0..n) at now (deep copies; the tickets stay the caller's). On an error
 * (a ticket's policy version unreadable) *out keeps the views built before it. Caller owns *out. */
st_code query_views_of(st_ops *o, const st_ticket *tickets, size_t n, st_time now, query_page *out,
                       st_err *err);
/* query_tickets + query_views_of: one page of the list at now. Caller owns *out. */
st_code query_list_page(st_ops *o, const query_list_req *q, st_time now, query_page *out, st_err *err);

/* ---- one ticket ---- */

typedef struct {
    ops_view v;              /* owned */
    st_audit_entry *history; /* owned, oldest first */
    size_t n_history;
    st_code history_rc; /* ST_OK, or why the history could not be read (history_err) */
    st_err history_err;
    sla_segment *segs; /* owned: the explain ledger of the current level (from the history
                        * that could be read) */
    size_t n_segs;
    st_message *messages; /* owned: the conversation, oldest first (SPEC §8) */
    size_t n_messages;
    st_code messages_rc; /* ST_OK, or why the messages could not be read (messages_err) */
    st_err messages_err;
    clk_event *events; /* owned array (strings borrowed from history): the clocks' history */
    size_t n_events;
    clk_result clocks;  /* owned: every clock at the last query_detail_retime */
    st_code clocks_rc;  /* ST_OK, or why the clocks could not be computed (clocks_err) */
    st_err clocks_err;
} query_detail;
void query_detail_done(query_detail *d);
/* Ticket `id` at now with its history, explain ledger, conversation and every clock. Errors:
 * reading the ticket (ST_NOTFOUND ...); a history or conversation that cannot be read, or clocks
 * that cannot be computed, are not (history_rc, messages_rc, clocks_rc say so) so that the
 * console still shows the ticket. Caller owns *out (query_detail_done) when ST_OK. */
st_code query_ticket_detail(st_ops *o, int64_t id, st_time now, query_detail *out, st_err *err);
/* Recomputes d's clocks (and its view's timer) at now from what it holds: no I/O, for a view
 * that redraws every second. */
void query_detail_retime(query_detail *d, st_time now);

/* ---- the audit log ---- */

typedef struct {
    int64_t ticket_id; /* 0 = every entry */
    bool must_exist;   /* an unknown ticket is an error (ST_NOTFOUND), not an empty history */
    bool verify;       /* also walk the whole chain */
} query_audit_req;
typedef struct {
    st_audit_entry *entries; /* owned, oldest first */
    size_t n;
    bool verified;     /* with req.verify: the chain verifies */
    int64_t checked;   /* entries checked */
    st_err verify_err; /* why it does not */
} query_audit;
void query_audit_done(query_audit *a);
/* The entries of req->ticket_id (and, with req->verify, query_audit_verify's verdict, which is filled
 * in even when listing fails so that a console can show both). Caller owns *out
 * (query_audit_done, also after an error). Errors: listing, or the unknown ticket. */
st_code query_audit_page(st_ops *o, const query_audit_req *req, query_audit *out, st_err *err);

/* Walks the whole chain and, when anchor_seq > 0, checks the anchor (store_audit_verify's
 * errors: ST_VERIFY naming the first bad entry or the anchor problem), then replays the log
 * against the ticket rows (ST_VERIFY naming the first ticket that disagrees: "ticket 12: level is
 * S1 but the log says S2"; an emptied log with tickets left fails); *checked gets the entries
 * checked. head_seq/head_hash (may be NULL) get the latest entry's seq and hash. */
st_code query_audit_verify(st_ops *o, int64_t anchor_seq, const char *anchor_hash, int64_t *checked,
                           int64_t *head_seq, char head_hash[65], st_err *err);

/* The latest entry's seq and hash: the anchor `audit head` prints (store_audit_head's answer on
 * an empty log). */
st_code query_audit_head(st_ops *o, int64_t *seq, char hash[65], st_err *err);

/* ---- streaming: whole lists one row at a time, in constant memory (SPEC §11) ---- */

/* Called for each ticket of query_list_scan: its view at the scan's now and, when the scan asked
 * for it, its audit history oldest first with the fields that bear on its clocks
 * (store_ticket_stream's; NULL, 0 otherwise); both valid during the call only.
 * A non-OK return stops the scan and is returned by it. */
typedef st_code (*query_view_visit)(void *ctx, const ops_view *v, const st_audit_entry *h, size_t nh,
                                    st_err *err);
/* The tickets of q (query_tickets' order, offset and limit) as views at now, one at a time from
 * one snapshot; with_history reads every history in the same pass. Errors: the store's, a
 * ticket's policy version unreadable, or the visitor's. */
st_code query_list_scan(st_ops *o, const query_list_req *q, st_time now, bool with_history, query_view_visit visit,
                        void *ctx, st_err *err);
/* Called for each audit entry of a scan (e valid during the call only). */
typedef st_code (*query_entry_visit)(void *ctx, const st_audit_entry *e, st_err *err);
/* The entries of req->ticket_id (0: all) oldest first, one at a time from one snapshot; an unknown
 * ticket is ST_NOTFOUND when req->must_exist (req->verify is not used). */
st_code query_audit_scan(st_ops *o, const query_audit_req *req, query_entry_visit visit, void *ctx, st_err *err);

/* A stretch of the log by keyset on seq (a screenful of the audit view). */
typedef struct {
    int64_t ticket_id;  /* 0 = every entry */
    int64_t after_seq;  /* entries with seq > after_seq */
    int64_t before_seq; /* and seq < before_seq (0: no bound) */
    int64_t limit;      /* at most this many (0: all) */
    bool newest_first;
} query_audit_range_req;
st_code query_audit_range(st_ops *o, const query_audit_range_req *r, query_entry_visit visit, void *ctx,
                          st_err *err);
/* The chain's verification in slices (a console keeps ticking meanwhile). Caller owns the walk
 * (query_verify_free). step: the next max_entries entries; ST_VERIFY naming the first bad one. */
typedef struct query_verify query_verify;
query_verify *query_verify_new(void);
void query_verify_free(query_verify *w);
st_code query_verify_step(st_ops *o, query_verify *w, int64_t max_entries, st_err *err);
bool query_verify_done(const query_verify *w);     /* the log's end was reached */
int64_t query_verify_through(const query_verify *w); /* the last seq checked */
int64_t query_verify_checked(const query_verify *w); /* entries checked */

/* ---- the policy ---- */

/* The stored text of policy version `version` (0 = the latest) as it was applied, for `policy
 * show --json`; *version_out gets its version. Caller owns *json (free). ST_NOTFOUND when absent. */
st_code query_policy_json(st_ops *o, int64_t version, char **json, int64_t *version_out, st_err *err);

/* ---- uptime ---- */

typedef struct {
    const char *key;    /* the monitoring source's cache key (uptime_source_key) */
    const char *sp_key; /* the status page's cache key, NULL: none */
    st_time month_start, month_end, now;
    /* The month's minutes when the caller has them (fetched); NULL: read them from the cache. */
    const uptime_minute *minutes;
    size_t n_minutes;
    bool partial;
    /* Status page windows fetched but not cached (a read-only database); borrowed. */
    const uptime_window *fresh_windows;
    size_t n_fresh_windows;
} query_uptime_req;
typedef struct {
    uptime_report report;   /* owned */
    uptime_window *windows; /* owned: the maintenance windows the report's indices refer to */
    size_t n_windows;
    uptime_minute *cached; /* owned: the minutes read from the cache (req.minutes NULL) */
    size_t n_cached;
} query_uptime;
void query_uptime_done(query_uptime *u);
/* Whether the cache holds month `month` ("YYYY-MM") of source `key` complete, and when it was
 * fetched (ST_TIME_NONE: not cached at all): a past month cached complete is never fetched again. */
st_code query_uptime_cached(st_ops *o, const char *key, const char *month, bool *complete,
                            st_time *fetched_at, st_err *err);
/* The month's report under the latest policy's target, threshold and maintenance rules (defaults
 * without a policy). Caller owns *out (query_uptime_done) when ST_OK. */
st_code query_uptime_month(st_ops *o, const query_uptime_req *req, query_uptime *out, st_err *err);

#endif
