/* pg_read: the PostgreSQL backend's row readers and its whole-list reads (store.h's scans and
 * streams) through server-side cursors: a batch of rows at a time whatever the size of the log,
 * one snapshot for the whole walk (pg_cursor_open), and a ticket's history from a second cursor
 * walked in step with the first (no query per ticket), as sqlite_store.c does with two
 * statements. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

st_code pg_ticket_from_row(store_backend *b, const PGresult *r, int row, st_ticket *t, st_err *err)
{
    memset(t, 0, sizeof *t);
    t->id = pg_int(r, row, 0);
    const char *status = PQgetvalue(r, row, 7);
    if (!tk_status_parse(status, &t->status))
        return st_fail(err, ST_INVALID, "%s: ticket %" PRId64 ": unknown status '%s'", b->name, t->id, status);
    t->ref = pg_str(r, row, 1);
    t->title = pg_str(r, row, 2);
    t->customer = pg_str(r, row, 3);
    t->channel = pg_str(r, row, 4);
    t->level = pg_str(r, row, 5);
    t->assignee = pg_str(r, row, 6);
    t->created = pg_time(r, row, 8);
    t->first_response = pg_time(r, row, 9);
    t->resolved = pg_time(r, row, 10);
    t->clock_start = pg_time(r, row, 11);
    t->due = pg_time(r, row, 12);
    t->response_due = pg_time(r, row, 13);
    t->breached_hist = pg_int(r, row, 14) != 0;
    t->policy_version = pg_int(r, row, 15);
    t->version = pg_int(r, row, 16);
    t->updated_by = pg_str(r, row, 17);
    t->updated_at = pg_time(r, row, 18);
    t->next.tier = pg_null(r, row, 19) ? -1 : (int)pg_int(r, row, 19);
    t->next.key = pg_int(r, row, 20);
    t->next.metric = pg_null(r, row, 21) ? -1 : (int)pg_int(r, row, 21);
    t->next.cycle = (int)pg_int(r, row, 22);
    t->next.target_s = pg_int(r, row, 23);
    t->next.clock = (int)pg_int(r, row, 24);
    t->next.due = pg_time(r, row, 25);
    t->next.remaining_s = pg_int(r, row, 26);
    t->next.paused_by = (int)pg_int(r, row, 27);
    t->next.at = pg_time(r, row, 28);
    return ST_OK;
}

/* A hash column into dst (65 bytes); an over-long or missing value becomes a string that can
 * never match a real hash, so verification reports it rather than truncating it into one. */
static void column_hash(const PGresult *r, int row, int col, char dst[65])
{
    const char *h = pg_null(r, row, col) ? NULL : PQgetvalue(r, row, col);
    snprintf(dst, 65, "%s", !h || strlen(h) > 64 ? "invalid" : h);
}

st_code pg_audit_from_row(const PGresult *r, int row, st_audit_entry *e, st_err *err)
{
    memset(e, 0, sizeof *e);
    e->seq = pg_int(r, row, 0);
    const char *kind = PQgetvalue(r, row, 4);
    if (!au_kind_parse(kind, &e->kind))
        return st_fail(err, ST_VERIFY, "audit entry %" PRId64 ": unknown kind '%.40s' (edited)", e->seq, kind);
    e->at = pg_time(r, row, 1);
    e->recorded_at = pg_time(r, row, 2);
    e->actor = pg_str(r, row, 3);
    e->ticket_id = pg_int(r, row, 5);
    e->from_level = pg_str(r, row, 6);
    e->to_level = pg_str(r, row, 7);
    e->old_due = pg_time(r, row, 8);
    e->new_due = pg_time(r, row, 9);
    e->reason = pg_str(r, row, 10);
    e->detail = pg_str(r, row, 11);
    column_hash(r, row, 12, e->prev_hash);
    column_hash(r, row, 13, e->hash);
    e->from_status = pg_str(r, row, 14);
    e->to_status = pg_str(r, row, 15);
    e->message_id = pg_int(r, row, 16); /* NULL reads as 0: no message */
    e->message_kind = pg_str(r, row, 17);
    e->body_sha256 = pg_str(r, row, 18);
    e->host = pg_str(r, row, 19);
    return ST_OK;
}

/* The orders of sqlite_store.c's list, with SQLite's NULL placement (first) and byte order for
 * text (COLLATE "C"), so both backends list alike. */
#define URGENCY "next_tier NULLS FIRST, next_key NULLS FIRST, id"
#define BY_CUSTOMER "customer IS NULL, customer COLLATE \"C\", " URGENCY
#define LIST_SQL(where, order)                                                                               \
    "SELECT " PG_TICKET_COLUMNS " FROM tickets " where " ORDER BY " order " LIMIT $1 OFFSET $2"
#define OPEN_ONLY "WHERE status <> 'resolved'"

const char *pg_ticket_list_sql(store_sort sort, bool include_resolved)
{
    static const char *const sql[4][2] = {
        {LIST_SQL(OPEN_ONLY, URGENCY), LIST_SQL("", URGENCY)},
        {LIST_SQL(OPEN_ONLY, "level_rank, " URGENCY), LIST_SQL("", "level_rank, " URGENCY)},
        {LIST_SQL(OPEN_ONLY, "created, id"), LIST_SQL("", "created, id")},
        {LIST_SQL(OPEN_ONLY, BY_CUSTOMER), LIST_SQL("", BY_CUSTOMER)},
    };
    unsigned k = (unsigned)sort < 4 ? (unsigned)sort : 0;
    return sql[k][include_resolved ? 1 : 0];
}

/* ---- scans -------------------------------------------------------------------------------- */

/* Every entry of sql (selecting PG_AUDIT_COLUMNS), one at a time, to visit. */
static st_code visit_entries(store_backend *b, const char *sql, const pg_params *p, store_audit_visit visit,
                             void *ctx, st_err *err)
{
    pg_cursor c;
    st_code code = pg_cursor_open(b, &c, sql, p, err);
    if (code != ST_OK)
        return code;
    for (;;) {
        const PGresult *r;
        int row;
        if ((code = pg_cursor_next(&c, &r, &row, err)) != ST_OK || !r)
            break;
        st_audit_entry e;
        code = pg_audit_from_row(r, row, &e, err);
        if (code == ST_OK)
            code = visit(ctx, &e, err);
        audit_entry_done(&e);
        if (code != ST_OK)
            break;
    }
    return pg_cursor_close(&c, code, err);
}

st_code pg_audit_scan(store_backend *b, store_audit_visit visit, void *ctx, st_err *err)
{
    return visit_entries(b, "SELECT " PG_AUDIT_COLUMNS " FROM audit ORDER BY seq", NULL, visit, ctx, err);
}

st_code pg_audit_range(store_backend *b, const store_audit_range *r, store_audit_visit visit, void *ctx,
                       st_err *err)
{
    /* Keyset on seq (with a ticket, audit_ticket(ticket_id, seq)). */
    static const char *const sql[2][2] = {
        {"SELECT " PG_AUDIT_COLUMNS " FROM audit WHERE seq > $1 AND seq < $2 ORDER BY seq LIMIT $3",
         "SELECT " PG_AUDIT_COLUMNS " FROM audit WHERE seq > $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"},
        {"SELECT " PG_AUDIT_COLUMNS " FROM audit WHERE ticket_id = $4 AND seq > $1 AND seq < $2 ORDER BY seq LIMIT $3",
         "SELECT " PG_AUDIT_COLUMNS
         " FROM audit WHERE ticket_id = $4 AND seq > $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"},
    };
    pg_params p = {0};
    pgp_int(&p, r->after_seq);
    pgp_int(&p, r->before_seq > 0 ? r->before_seq : INT64_MAX);
    if (r->limit > 0)
        pgp_int(&p, r->limit);
    else
        pgp_null(&p);
    if (r->ticket_id > 0)
        pgp_int(&p, r->ticket_id);
    /* Without a ticket $4 is not sent; the parameter types come from the query. */
    return visit_entries(b, sql[r->ticket_id > 0][r->newest_first], &p, visit, ctx, err);
}

st_code pg_ticket_scan(store_backend *b, store_ticket_visit visit, void *ctx, st_err *err)
{
    pg_cursor c;
    st_code code = pg_cursor_open(b, &c, "SELECT " PG_TICKET_COLUMNS " FROM tickets ORDER BY id", NULL, err);
    if (code != ST_OK)
        return code;
    for (;;) {
        const PGresult *r;
        int row;
        if ((code = pg_cursor_next(&c, &r, &row, err)) != ST_OK || !r)
            break;
        st_ticket t;
        code = pg_ticket_from_row(b, r, row, &t, err);
        if (code == ST_OK)
            code = visit(ctx, &t, err);
        ticket_done(&t);
        if (code != ST_OK)
            break;
    }
    return pg_cursor_close(&c, code, err);
}

/* ---- histories beside tickets ------------------------------------------------------------- */

/* A history cursor: rows of (audit columns..., ticket id at column 19), ordered by ticket in the
 * ticket cursor's order, then seq; a ticket without entries gives one row of NULLs. */
typedef struct {
    pg_cursor c;
    const PGresult *r; /* the row not yet consumed, or NULL */
    int row;
    bool end;
    st_audit_entry *h;
    size_t n, cap;
} hist_cursor;

static void hist_clear(hist_cursor *hc)
{
    for (size_t i = 0; i < hc->n; i++)
        audit_entry_done(&hc->h[i]);
    hc->n = 0;
}

/* Reads ticket id's entries into hc->h; rows of tickets before it are passed over. */
static st_code hist_read(hist_cursor *hc, int64_t id, st_err *err)
{
    hist_clear(hc);
    bool seen = false;
    for (;;) {
        if (!hc->r && !hc->end) {
            st_code code = pg_cursor_next(&hc->c, &hc->r, &hc->row, err);
            if (code != ST_OK)
                return code;
            hc->end = !hc->r;
        }
        if (!hc->r)
            return ST_OK;
        int64_t row_id = pg_int(hc->r, hc->row, 20); /* tickets.id, after PG_AUDIT_COLUMNS */
        if (row_id != id) {
            if (seen)
                return ST_OK;
            hc->r = NULL;
            continue;
        }
        seen = true;
        const PGresult *r = hc->r;
        int row = hc->row;
        hc->r = NULL;
        if (pg_null(r, row, 0))
            continue; /* no entries */
        if (hc->n == hc->cap) {
            hc->cap = hc->cap ? 2 * hc->cap : 16;
            hc->h = xrealloc(hc->h, hc->cap * sizeof *hc->h);
        }
        st_code code = pg_audit_from_row(r, row, &hc->h[hc->n], err);
        if (code != ST_OK) {
            audit_entry_done(&hc->h[hc->n]);
            return code;
        }
        hc->n++;
    }
}

/* Walks tickets (sql, p) and, with history, hist_sql's rows beside them: both cursors in one
 * snapshot. Each ticket goes to visit with its entries (store_ticket_stream_visit has the same
 * shape as store_history_visit). */
static st_code walk_with_history(store_backend *b, const char *sql, const pg_params *p, const char *hist_sql,
                                 const pg_params *hp, store_history_visit visit, void *ctx, st_err *err)
{
    bool own = PQtransactionStatus(b->conn) == PQTRANS_IDLE;
    st_code code = own ? pg_run(b, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, NULL, "starting a read", err)
                       : ST_OK;
    if (code != ST_OK)
        return code;
    pg_cursor c;
    hist_cursor hc = {0};
    bool c_open = false, h_open = false;
    if ((code = pg_cursor_open(b, &c, sql, p, err)) == ST_OK)
        c_open = true;
    if (code == ST_OK && hist_sql && (code = pg_cursor_open(b, &hc.c, hist_sql, hp, err)) == ST_OK)
        h_open = true;
    while (code == ST_OK) {
        const PGresult *r;
        int row;
        if ((code = pg_cursor_next(&c, &r, &row, err)) != ST_OK || !r)
            break;
        st_ticket t;
        code = pg_ticket_from_row(b, r, row, &t, err);
        if (code == ST_OK && hist_sql)
            code = hist_read(&hc, t.id, err);
        if (code == ST_OK)
            code = visit(ctx, &t, hist_sql ? hc.h : NULL, hist_sql ? hc.n : 0, err);
        ticket_done(&t);
    }
    hist_clear(&hc);
    free(hc.h);
    if (h_open)
        code = pg_cursor_close(&hc.c, code, err);
    if (c_open)
        code = pg_cursor_close(&c, code, err);
    if (own) {
        st_err ignored;
        st_code end = pg_run(b, code == ST_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, "ending a read",
                             code == ST_OK ? err : &ignored);
        if (code == ST_OK)
            code = end;
    }
    return code;
}

/* The audit columns, then the ticket's id: every ticket's history in the list's own order. */
#define HIST_SQL(where, order)                                                                               \
    "SELECT " PG_AUDIT_COLUMNS ", tickets.id FROM tickets LEFT JOIN audit ON audit.ticket_id = tickets.id "  \
    where " ORDER BY " order ", seq"
#define HIST_OPEN_ONLY "WHERE tickets.status <> 'resolved'"
#define T_URGENCY "tickets.next_tier NULLS FIRST, tickets.next_key NULLS FIRST, tickets.id"
#define T_CUSTOMER "tickets.customer IS NULL, tickets.customer COLLATE \"C\", " T_URGENCY

static const char *hist_sql(store_sort sort, bool include_resolved)
{
    static const char *const sql[4][2] = {
        {HIST_SQL(HIST_OPEN_ONLY, T_URGENCY), HIST_SQL("", T_URGENCY)},
        {HIST_SQL(HIST_OPEN_ONLY, "tickets.level_rank, " T_URGENCY), HIST_SQL("", "tickets.level_rank, " T_URGENCY)},
        {HIST_SQL(HIST_OPEN_ONLY, "tickets.created, tickets.id"), HIST_SQL("", "tickets.created, tickets.id")},
        {HIST_SQL(HIST_OPEN_ONLY, T_CUSTOMER), HIST_SQL("", T_CUSTOMER)},
    };
    unsigned k = (unsigned)sort < 4 ? (unsigned)sort : 0;
    return sql[k][include_resolved ? 1 : 0];
}

st_code pg_ticket_stream(store_backend *b, const store_list_query *q, bool with_history,
                         store_ticket_stream_visit visit, void *ctx, st_err *err)
{
    pg_params p = {0};
    if (q->limit > 0)
        pgp_int(&p, q->limit);
    else
        pgp_null(&p);
    pgp_int(&p, q->offset > 0 ? q->offset : 0);
    return walk_with_history(b, pg_ticket_list_sql(q->sort, q->include_resolved), &p,
                             with_history ? hist_sql(q->sort, q->include_resolved) : NULL, NULL, visit, ctx,
                             err);
}

st_code pg_ticket_histories(store_backend *b, st_time before, store_history_visit visit, void *ctx, st_err *err)
{
    pg_params p = {0};
    pgp_int(&p, before);
    /* The entries without their hashes (a replay does not read them), as sqlite_store.c. */
    return walk_with_history(b, "SELECT " PG_TICKET_COLUMNS " FROM tickets WHERE created < $1 ORDER BY id", &p,
                             "SELECT seq, at, recorded_at, actor, kind, ticket_id, from_level, to_level, old_due,"
                             " new_due, reason, detail, '', '', from_status, to_status, message_id, message_kind,"
                             " NULL, host, tickets.id FROM tickets LEFT JOIN audit ON audit.ticket_id = tickets.id"
                             " WHERE tickets.created < $1 ORDER BY tickets.id, seq",
                             &p, visit, ctx, err);
}
