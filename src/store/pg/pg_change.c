/* pg_change: a change of one ticket in as few round trips as its writes need. Every change begins
 * a write transaction (BEGIN, the head row's lock, the notification), reads the ticket, then reads
 * its clock history (the next clock is recomputed from it) and the audit head (the new entry
 * chains to it). pg_begin_ticket sends all of that as one simple query: one round trip where there
 * were eight (a cursor's DECLARE, FETCH, FETCH and CLOSE among them). What it read ahead stays
 * valid until the transaction ends, because the head row's lock keeps every other writer out;
 * the transaction's own appends keep the head current and drop the history page they make stale. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

bool pg_retryable(const st_err *err, st_code code)
{
    return code == ST_BUSY && (strstr(err->msg, "deadlock") || strstr(err->msg, "serialization"));
}

void pg_txn_clear(store_backend *b)
{
    b->txn_ticket = 0;
    free(b->txn_ref);
    b->txn_ref = NULL;
    PQclear(b->txn_clock);
    b->txn_clock = NULL;
    b->txn_head = false;
}

void pg_head_from(const PGresult *r, int64_t *seq, char hash[65])
{
    if (PQntuples(r) == 1) {
        *seq = pg_int(r, 0, 0);
        const char *h = PQgetvalue(r, 0, 1);
        snprintf(hash, 65, "%s", strlen(h) == 64 ? h : "invalid");
    } else {
        *seq = 0;
        memcpy(hash, AUDIT_GENESIS_HASH, 65);
    }
}

/* The committed clock history of the ticket changed last, as read from the server. The log is
 * append-only and a change reads it holding the writers' lock, so the entries up to its last seq
 * stay that ticket's whole history up to there: the next change of the same ticket (a console's
 * engineer raising it again, a burst of changes) reads only the entries after it, plus that last
 * one again to check the memo still matches the database. Never the open transaction's own
 * appends (a rollback would leave them here). At most MEMO_MAX entries are kept. */
typedef struct {
    int64_t seq;
    st_time at;
    au_kind kind;
    char *to_level, *reason, *to_status, *message_kind; /* owned */
} memo_row;

struct pg_clock_memo {
    int64_t ticket; /* 0: none */
    memo_row *rows;
    size_t n, cap;
};

#define MEMO_MAX 50000

static void memo_reset(store_backend *b, int64_t ticket)
{
    struct pg_clock_memo *m = b->memo;
    if (!m)
        m = b->memo = xcalloc(1, sizeof *m);
    for (size_t i = 0; i < m->n; i++) {
        free(m->rows[i].to_level);
        free(m->rows[i].reason);
        free(m->rows[i].to_status);
        free(m->rows[i].message_kind);
    }
    m->n = 0;
    m->ticket = ticket;
}

void pg_clock_memo_free(store_backend *b)
{
    if (!b->memo)
        return;
    memo_reset(b, 0);
    free(b->memo->rows);
    free(b->memo);
    b->memo = NULL;
}

/* The seq the memo of ticket id ends at (0: no memo of it). */
static int64_t memo_last(const store_backend *b, int64_t id)
{
    const struct pg_clock_memo *m = b->memo;
    return m && m->ticket == id && m->n > 0 ? m->rows[m->n - 1].seq : 0;
}

static void memo_add(store_backend *b, const st_audit_entry *e)
{
    struct pg_clock_memo *m = b->memo;
    if (!m || m->ticket != e->ticket_id)
        return;
    if (m->n == MEMO_MAX) { /* a history this long is read from the server each time */
        memo_reset(b, 0);
        return;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 64;
        m->rows = xrealloc(m->rows, m->cap * sizeof *m->rows);
    }
    m->rows[m->n++] = (memo_row){e->seq, e->at, e->kind, xstrdup(e->to_level), xstrdup(e->reason),
                                 xstrdup(e->to_status), xstrdup(e->message_kind)};
}

/* The results of the one query: BEGIN, the lock, NOTIFY, then the three reads. */
enum { R_BEGIN, R_LOCK, R_NOTIFY, R_TICKET, R_HEAD, R_CLOCK, R_N };

#define WHAT "starting a change"

/* One attempt. On failure the caller rolls back (the results are freed here). */
static st_code begin_attempt(store_backend *b, int64_t id, st_ticket *out, st_err *err)
{
    char sql[512];
    int64_t from = memo_last(b, id); /* that entry again, then what came after it */
    snprintf(sql, sizeof sql,
             PG_BEGIN_SQL "; EXECUTE " PG_P_TICKET_GET "(%" PRId64 "); EXECUTE " PG_P_AUDIT_HEAD
                          "; EXECUTE " PG_P_CLOCK_PAGE "(%" PRId64 ", %" PRId64 ", %d)",
             id, id, from > 0 ? from - 1 : 0, PG_CLOCK_PAGE_ROWS);
    if (!b->conn || !PQsendQuery(b->conn, sql))
        return pg_fail(b, NULL, WHAT, err);
    PGresult *res[R_N] = {0}, *r;
    st_code code = ST_OK;
    int n = 0;
    /* Every result is read (libpq's rule before the next query), the first failure kept. */
    while (b->conn && (r = PQgetResult(b->conn)) != NULL) {
        ExecStatusType st = PQresultStatus(r);
        if (code == ST_OK && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
            code = pg_fail(b, r, WHAT, err); /* may find the connection lost: b->conn NULL */
        if (code == ST_OK && n < R_N)
            res[n] = r;
        else
            PQclear(r);
        n++;
    }
    if (code == ST_OK && n != R_N)
        code = b->conn ? st_fail(err, ST_IO, "%s: %s failed: %d results where %d were expected", b->name, WHAT, n, R_N)
                       : pg_fail(b, NULL, WHAT, err);
    if (code == ST_OK && PQntuples(res[R_TICKET]) != 1)
        code = st_fail(err, ST_NOTFOUND, "ticket %" PRId64 " not found", id);
    if (code == ST_OK && (code = pg_ticket_from_row(b, res[R_TICKET], 0, out, err)) != ST_OK)
        ticket_done(out);
    if (code == ST_OK) {
        b->txn_ticket = id;
        b->txn_ref = xstrdup(out->ref);
        pg_head_from(res[R_HEAD], &b->head_seq, b->head_hash);
        b->begin_head = b->head_seq;
        b->txn_head = true;
        b->txn_clock_from = from;
        b->txn_clock = res[R_CLOCK];
        res[R_CLOCK] = NULL;
    }
    for (int i = 0; i < R_N; i++)
        PQclear(res[i]);
    return code;
}

st_code pg_begin_ticket(store_backend *b, int64_t id, st_ticket *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    pg_ahead_clear(b); /* what opening read may be this change's to change */
    st_code code = pg_prepare(b, err); /* once per connection */
    if (code != ST_OK)
        return code;
    for (int attempt = 0; attempt < 5; attempt++) {
        pg_txn_clear(b);
        if ((code = begin_attempt(b, id, out, err)) == ST_OK) {
            b->in_txn = true;
            return ST_OK;
        }
        memset(out, 0, sizeof *out);
        pg_txn_clear(b);
        if (b->conn)
            PQclear(PQexec(b->conn, "ROLLBACK"));
        if (!pg_retryable(err, code))
            break;
    }
    return code;
}

/* A NULL column as NULL, any other borrowed from the result. */
static char *borrowed(const PGresult *r, int row, int col)
{
    return pg_null(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

/* Row `row` of a clock page (PG_CLOCK_COLUMNS) into *e, its strings borrowed from r. */
static st_code clock_entry(const PGresult *r, int row, int64_t ticket_id, st_audit_entry *e, st_err *err)
{
    memset(e, 0, sizeof *e);
    e->seq = pg_int(r, row, 0);
    e->ticket_id = ticket_id;
    const char *kind = PQgetvalue(r, row, 2);
    if (!au_kind_parse(kind, &e->kind))
        return st_fail(err, ST_VERIFY, "audit entry %" PRId64 ": unknown kind '%.40s' (edited)", e->seq, kind);
    e->at = pg_time(r, row, 1);
    e->to_level = borrowed(r, row, 3);
    e->reason = borrowed(r, row, 4);
    e->to_status = borrowed(r, row, 5);
    e->message_kind = borrowed(r, row, 6);
    return ST_OK;
}

/* The rows of a clock page from `start` on to visit; those of the committed log (up to the head
 * at BEGIN) into the memo when memoize. *last is the last row's seq. */
static st_code visit_page(store_backend *b, const PGresult *r, int start, int64_t ticket_id, bool memoize,
                          store_audit_visit visit, void *ctx, int64_t *last, st_err *err)
{
    int rows = PQntuples(r);
    st_code code = ST_OK;
    for (int i = start; code == ST_OK && i < rows; i++) {
        st_audit_entry e;
        if ((code = clock_entry(r, i, ticket_id, &e, err)) != ST_OK)
            break;
        if (memoize && e.seq <= b->begin_head)
            memo_add(b, &e);
        code = visit(ctx, &e, err);
    }
    if (rows > 0)
        *last = pg_int(r, rows - 1, 0);
    return code;
}

/* The memo's entries to visit, then true; false (the memo dropped) when the page read ahead does
 * not begin with its last entry: the database is not the one it was read from. */
static bool visit_memo(store_backend *b, const PGresult *r, store_audit_visit visit, void *ctx, st_code *code,
                       st_err *err)
{
    struct pg_clock_memo *m = b->memo;
    const memo_row *last = &m->rows[m->n - 1];
    if (PQntuples(r) == 0 || pg_int(r, 0, 0) != last->seq || pg_time(r, 0, 1) != last->at ||
        strcmp(PQgetvalue(r, 0, 2), au_kind_name(last->kind)) != 0) {
        memo_reset(b, 0);
        return false;
    }
    for (size_t i = 0; *code == ST_OK && i < m->n; i++) {
        const memo_row *w = &m->rows[i];
        st_audit_entry e = {.seq = w->seq, .at = w->at, .kind = w->kind, .ticket_id = m->ticket,
                            .to_level = w->to_level, .reason = w->reason, .to_status = w->to_status,
                            .message_kind = w->message_kind};
        *code = visit(ctx, &e, err);
    }
    return true;
}

/* Pages of PG_CLOCK_PAGE_ROWS by seq: plain statements (a cursor costs four round trips where a
 * ticket's history is one page). In the change pg_begin_ticket began, the first page is the one it
 * read ahead, after the memo's entries when it began at the memo's end. The log is append-only and
 * a change holds the writers' lock, so the pages continue each other. */
st_code pg_audit_clock_scan(store_backend *b, int64_t ticket_id, store_audit_visit visit, void *ctx, st_err *err)
{
    int64_t after = 0;
    st_code code = ST_OK;
    bool memoize = false, full = true;
    if (b->txn_clock && b->txn_ticket == ticket_id) {
        PGresult *r = b->txn_clock; /* read once: a second scan asks again */
        b->txn_clock = NULL;
        int start = 0;
        if (b->txn_clock_from > 0 && visit_memo(b, r, visit, ctx, &code, err))
            start = 1; /* the memo's last entry, read again */
        else if (b->txn_clock_from > 0) /* no longer the database's: from the start, memo anew */
            PQclear(r), r = NULL;
        if (start == 0)
            memo_reset(b, ticket_id);
        memoize = true;
        if (r && code == ST_OK) {
            code = visit_page(b, r, start, ticket_id, memoize, visit, ctx, &after, err);
            full = PQntuples(r) == PG_CLOCK_PAGE_ROWS;
        }
        PQclear(r);
    }
    while (code == ST_OK && full) {
        pg_params p = {0};
        pgp_int(&p, ticket_id);
        pgp_int(&p, after);
        pgp_int(&p, PG_CLOCK_PAGE_ROWS);
        PGresult *r = NULL;
        if ((code = pg_run_prep(b, PG_P_CLOCK_PAGE, &p, &r, "reading a ticket's history", err)) != ST_OK)
            break;
        code = visit_page(b, r, 0, ticket_id, memoize, visit, ctx, &after, err);
        full = PQntuples(r) == PG_CLOCK_PAGE_ROWS;
        PQclear(r);
    }
    if (code != ST_OK && memoize)
        memo_reset(b, 0); /* a scan cut short leaves no partial history behind */
    return code;
}

/* ---- the last statement and COMMIT in one round trip ---------------------------------------- */

/* libpq's pipeline mode (libpq 14 or newer), looked up rather than required: an older libpq
 * sends the two one after the other. */
typedef struct {
    int (*enter)(PGconn *);
    int (*leave)(PGconn *);
    int (*sync)(PGconn *);
    int (*send_prepared)(PGconn *, const char *, int, const char *const *, const int *, const int *, int);
    int (*send_params)(PGconn *, const char *, int, const Oid *, const char *const *, const int *, const int *,
                       int);
    bool ok;
} pipeline_fns;
static pipeline_fns pl;

static void pipeline_load(void)
{
    pl.enter = (int (*)(PGconn *))pg_lib_sym("PQenterPipelineMode");
    pl.leave = (int (*)(PGconn *))pg_lib_sym("PQexitPipelineMode");
    pl.sync = (int (*)(PGconn *))pg_lib_sym("PQpipelineSync");
    pl.send_prepared = (int (*)(PGconn *, const char *, int, const char *const *, const int *, const int *,
                                int))pg_lib_sym("PQsendQueryPrepared");
    pl.send_params = (int (*)(PGconn *, const char *, int, const Oid *, const char *const *, const int *,
                              const int *, int))pg_lib_sym("PQsendQueryParams");
    pl.ok = pl.enter && pl.leave && pl.sync && pl.send_prepared && pl.send_params;
}

st_code pg_commit_result(store_backend *b, const PGresult *r, st_err *err)
{
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        return pg_fail(b, r, "committing", err);
    /* A COMMIT of a transaction that failed earlier reports ROLLBACK, not an error. */
    if (strcmp(PQcmdStatus((PGresult *)r), "COMMIT") != 0)
        return st_fail(err, ST_IO, "%s: committing failed: the transaction was rolled back", b->name);
    return ST_OK;
}

static bool result_ok(const PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

st_code pg_prep_then_commit(store_backend *b, const char *name, const pg_params *p, const char *what, bool *ran,
                            st_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, pipeline_load);
    *ran = pl.ok;
    if (!pl.ok)
        return ST_OK;
    st_code code = pg_prepare(b, err);
    if (code != ST_OK)
        return code;
    PGconn *c = b->conn;
    if (!c || !pl.enter(c))
        return pg_fail(b, NULL, what, err);
    /* Once the statement fails the server skips the COMMIT (PGRES_PIPELINE_ABORTED): nothing is
     * half-applied, and the caller's rollback ends the failed transaction. */
    bool sent = pl.send_prepared(c, name, p->n, p->v, NULL, NULL, 0) &&
                pl.send_params(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) && pl.sync(c);
    PGresult *res[2] = {0};
    int n = 0, nulls = 0;
    for (int reads = 0; sent && reads < 8; reads++) { /* result, NULL, result, NULL, sync */
        PGresult *r = PQgetResult(c);
        if (!r && (++nulls > 2 || PQstatus(c) == CONNECTION_BAD))
            break;
        if (r && PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (r && n < 2)
            res[n++] = r;
        else
            PQclear(r);
    }
    bool left = PQstatus(c) == CONNECTION_OK && pl.leave(c);
    if (n >= 1 && !result_ok(res[0]))
        code = pg_fail(b, res[0], what, err); /* the statement's own failure (a UNIQUE backstop, ...) */
    else if (sent && left && n == 2)
        code = pg_commit_result(b, res[1], err);
    else
        code = pg_fail(b, NULL, what, err);
    if (!left && b->conn) /* still in pipeline mode: no statement could run on it; connect anew */
        pg_mark_down(b);
    PQclear(res[0]);
    PQclear(res[1]);
    return code;
}
