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

/* The results of the one query: BEGIN, the lock, NOTIFY, then the three reads. */
enum { R_BEGIN, R_LOCK, R_NOTIFY, R_TICKET, R_HEAD, R_CLOCK, R_N };

#define WHAT "starting a change"

/* One attempt. On failure the caller rolls back (the results are freed here). */
static st_code begin_attempt(store_backend *b, int64_t id, int64_t from, st_ticket *out, st_err *err)
{
    char sql[512];
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
        b->txn_head = true;
        b->txn_clock_from = from;
        b->txn_clock = res[R_CLOCK];
        res[R_CLOCK] = NULL;
    }
    for (int i = 0; i < R_N; i++)
        PQclear(res[i]);
    return code;
}

st_code pg_begin_ticket(store_backend *b, int64_t id, int64_t clock_from, st_ticket *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    pg_ahead_clear(b); /* what opening read may be this change's to change */
    st_code code = pg_prepare(b, err); /* once per connection */
    if (code != ST_OK)
        return code;
    for (int attempt = 0; attempt < 5; attempt++) {
        pg_txn_clear(b);
        if ((code = begin_attempt(b, id, clock_from, out, err)) == ST_OK) {
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

/* The rows of a clock page to visit. *last is the last row's seq. */
static st_code visit_page(const PGresult *r, int64_t ticket_id, store_audit_visit visit, void *ctx, int64_t *last,
                          st_err *err)
{
    int rows = PQntuples(r);
    st_code code = ST_OK;
    for (int i = 0; code == ST_OK && i < rows; i++) {
        st_audit_entry e;
        if ((code = clock_entry(r, i, ticket_id, &e, err)) != ST_OK)
            break;
        code = visit(ctx, &e, err);
    }
    if (rows > 0)
        *last = pg_int(r, rows - 1, 0);
    return code;
}

/* Pages of PG_CLOCK_PAGE_ROWS by seq from from_seq on: plain statements (a cursor costs four round
 * trips where a ticket's history is one page). In the change pg_begin_ticket began, the first page
 * is the one it read ahead when it began at the same seq. The log is append-only and a change holds
 * the writers' lock, so the pages continue each other. */
st_code pg_audit_clock_scan(store_backend *b, int64_t ticket_id, int64_t from_seq, store_audit_visit visit,
                            void *ctx, st_err *err)
{
    int64_t after = from_seq > 0 ? from_seq - 1 : 0;
    st_code code = ST_OK;
    bool full = true;
    if (b->txn_clock && b->txn_ticket == ticket_id) {
        PGresult *r = b->txn_clock; /* read once: a second scan asks again */
        b->txn_clock = NULL;
        if (b->txn_clock_from == from_seq) {
            code = visit_page(r, ticket_id, visit, ctx, &after, err);
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
        code = visit_page(r, ticket_id, visit, ctx, &after, err);
        full = PQntuples(r) == PG_CLOCK_PAGE_ROWS;
        PQclear(r);
    }
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

st_code pg_prep_then_commit(store_backend *b, const char *name, const pg_params *p, const char *what,
                            pg_explain explain, void *ctx, bool *ran, st_err *err)
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
    if (n >= 1 && !result_ok(res[0])) /* the statement's own failure (a UNIQUE backstop, ...) */
        code = explain ? explain(b, res[0], ctx, err) : pg_fail(b, res[0], what, err);
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
