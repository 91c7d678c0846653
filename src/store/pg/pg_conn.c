/* pg_conn: the PostgreSQL backend's plumbing: statements with text parameters, failures as
 * values naming the locator (never its credentials), column readers, and server-side cursors for
 * the scans. */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

void pgp_text(pg_params *p, const char *text)
{
    p->v[p->n++] = text;
}

void pgp_int(pg_params *p, int64_t v)
{
    snprintf(p->num[p->n], sizeof p->num[p->n], "%" PRId64, v);
    p->v[p->n] = p->num[p->n];
    p->n++;
}

void pgp_time(pg_params *p, st_time t)
{
    if (t == ST_TIME_NONE)
        pgp_null(p);
    else
        pgp_int(p, t);
}

void pgp_null(pg_params *p)
{
    p->v[p->n++] = NULL;
}

const char *pg_state(const PGresult *res)
{
    const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return s ? s : "";
}

/* The server's primary message (or libpq's own), first line only, control characters replaced:
 * it is shown on a terminal. Written into buf. */
static const char *clean_message(const store_backend *b, const PGresult *res, char *buf, size_t size)
{
    const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!m)
        m = PQerrorMessage(b->conn);
    size_t i = 0;
    for (; m && *m && *m != '\n' && i + 1 < size; m++)
        buf[i++] = (unsigned char)*m < 0x20 || *m == 0x7f ? '?' : *m;
    buf[i] = '\0';
    return i ? buf : "unknown error";
}

st_code pg_fail(store_backend *b, const PGresult *res, const char *what, st_err *err)
{
    char msg[300];
    if (pg_down_text(b, msg, sizeof msg))
        return st_fail(err, ST_IO, "%s: %s", b->name, msg);
    clean_message(b, res, msg, sizeof msg);
    const char *state = pg_state(res);
    if (PQstatus(b->conn) == CONNECTION_BAD) {
        pg_mark_down(b); /* the console reconnects (pg_reconnect.c); a command ends here */
        return st_fail(err, ST_IO, "%s: database unreachable while %s: %s", b->name, what, msg);
    }
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
        return st_fail(err, ST_BUSY, "%s: database is busy (%s) while %s", b->name,
                       state[3] == '0' ? "serialization failure" : "deadlock", what);
    if (strcmp(state, "55P03") == 0)
        return st_fail(err, ST_BUSY, "%s: database is busy (another writer held it for more than %d s) while %s",
                       b->name, PG_LOCK_TIMEOUT_MS / 1000, what);
    if (strcmp(state, "53100") == 0)
        return st_fail(err, ST_IO, "%s: database or disk is full while %s", b->name, what);
    if (strncmp(state, "23", 2) == 0)
        return st_fail(err, ST_CONFLICT, "%s: %s refused: %s", b->name, what, msg);
    if (strcmp(state, "25006") == 0)
        return st_fail(err, ST_IO, "%s: database is read-only for this role while %s (%s)", b->name, what, msg);
    return st_fail(err, ST_IO, "%s: %s failed: %s", b->name, what, msg);
}

/* ---- reads the caller may abandon (pg_set_cancel) ------------------------------------------ */

/* The libpq functions only the watched statement uses (pg_lib_sym), resolved on first use. */
static struct {
    int (*sendQueryParams)(PGconn *, const char *, int, const Oid *, const char *const *, const int *,
                           const int *, int);
    int (*isBusy)(PGconn *);
    PGcancel *(*getCancel)(PGconn *);
    int (*cancel)(PGcancel *, char *, int);
    void (*freeCancel)(PGcancel *);
} watch;
static bool watch_loaded;

static bool watch_load(void)
{
    static const char *const names[] = {"PQsendQueryParams", "PQisBusy", "PQgetCancel", "PQcancel",
                                        "PQfreeCancel"};
    _Static_assert(sizeof watch == sizeof names / sizeof *names * sizeof(void (*)(void)), "one pointer per name");
    if (watch_loaded)
        return true;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        void (*f)(void) = pg_lib_sym(names[i]);
        if (!f)
            return false; /* (libpq has had them since 7.x) statements run as before, to their end */
        memcpy((char *)&watch + i * sizeof f, &f, sizeof f);
    }
    return watch_loaded = true;
}

void pg_set_cancel(store_backend *b, bool (*cancel)(void *ctx), void *ctx)
{
    b->cancel = cancel;
    b->cancel_ctx = ctx;
}

/* How often a running statement asks the caller whether to go on: a key waits at most this long
 * plus the cancel request's own round trip. */
#define WATCH_MS 2

/* Why exec_watched had the statement cancelled. */
typedef enum { WATCH_DONE, WATCH_ABANDONED, WATCH_LATE } watch_end;

/* sql sent, then waited for while asking b->cancel (when set) and watching deadline (a mono_now
 * instant; 0: none); at the caller's word or once deadline has passed, the server is asked to
 * cancel the statement (PQcancel: a short connection of its own, as psql's Ctrl-C, made on this
 * thread: an unreachable server holds it until the connect fails). A string of several
 * statements is watched until its first result only. The result as PQexec gives it (its first
 * failure, else its last result; NULL when sending failed); *end says whether the statement was
 * cancelled, and why (a cancel that came too late leaves the statement's own result). */
static PGresult *exec_watched(store_backend *b, const char *sql, const pg_params *p, st_mono deadline,
                              watch_end *end)
{
    *end = WATCH_DONE;
    int sent = p ? watch.sendQueryParams(b->conn, sql, p->n, NULL, p->v, NULL, NULL, 0) : PQsendQuery(b->conn, sql);
    if (!sent)
        return NULL;
    watch_end asked = WATCH_DONE;
    while (watch.isBusy(b->conn)) {
        struct pollfd pfd = {.fd = PQsocket(b->conn), .events = POLLIN};
        if (poll(&pfd, 1, WATCH_MS) > 0 && !PQconsumeInput(b->conn))
            break; /* the connection failed: PQgetResult says how */
        if (asked != WATCH_DONE || !watch.isBusy(b->conn))
            continue;
        if (b->cancel && b->cancel(b->cancel_ctx))
            asked = WATCH_ABANDONED;
        else if (deadline && mono_now() >= deadline)
            asked = WATCH_LATE;
        else
            continue;
        PGcancel *c = watch.getCancel(b->conn);
        char msg[256];
        if (c) { /* a failed request leaves the statement to finish: its result is used */
            watch.cancel(c, msg, (int)sizeof msg);
            watch.freeCancel(c);
        }
    }
    PGresult *keep = NULL, *r;
    bool failed = false;
    while ((r = PQgetResult(b->conn)) != NULL) {
        if (failed) { /* the first failure is the one to explain */
            PQclear(r);
            continue;
        }
        PQclear(keep);
        keep = r;
        failed = PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK;
    }
    if (asked != WATCH_DONE && keep && strcmp(pg_state(keep), "57014") == 0) { /* query_canceled */
        PQclear(keep);
        *end = asked;
        return NULL;
    }
    return keep;
}

st_code pg_run(store_backend *b, const char *sql, const pg_params *p, PGresult **out, const char *what,
               st_err *err)
{
    if (out)
        *out = NULL;
    if (!b->conn) /* lost: refused at once, with the outage's message, until reconnected */
        return pg_fail(b, NULL, what, err);
    /* A read outside a transaction may be abandoned (inside one, a cancel would end it). */
    if (b->cancel && !b->in_txn && PQtransactionStatus(b->conn) == PQTRANS_IDLE && watch_load()) {
        watch_end end;
        PGresult *r = exec_watched(b, sql, p, 0, &end);
        if (end == WATCH_ABANDONED)
            return st_fail(err, ST_BUSY, "%s: %s: interrupted", b->name, what);
        return pg_take(b, r, out, what, err);
    }
    /* A statement without parameters may hold several (the schema); PQexec runs those. */
    PGresult *r = p ? PQexecParams(b->conn, sql, p->n, NULL, p->v, NULL, NULL, 0) : PQexec(b->conn, sql);
    return pg_take(b, r, out, what, err);
}

st_code pg_run_within(store_backend *b, const char *sql, const pg_params *p, int budget_ms, PGresult **out,
                      bool *late, const char *what, st_err *err)
{
    *late = false;
    if (out)
        *out = NULL;
    if (!b->conn)
        return pg_fail(b, NULL, what, err);
    if (b->in_txn || PQtransactionStatus(b->conn) != PQTRANS_IDLE || !watch_load())
        return pg_run(b, sql, p, out, what, err); /* (a cancel would end the transaction) to its end */
    watch_end end;
    PGresult *r = exec_watched(b, sql, p, mono_now() + (st_mono)budget_ms * 1000000, &end);
    if (end == WATCH_ABANDONED)
        return st_fail(err, ST_BUSY, "%s: %s: interrupted", b->name, what);
    if (end == WATCH_LATE) {
        *late = true;
        return ST_OK;
    }
    return pg_take(b, r, out, what, err);
}

st_code pg_take(store_backend *b, PGresult *r, PGresult **out, const char *what, st_err *err)
{
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        st_code code = pg_fail(b, r, what, err);
        PQclear(r);
        return code;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return ST_OK;
}

bool pg_null(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) != 0;
}

char *pg_str(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return xstrndup(PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

int64_t pg_int(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return 0;
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

st_time pg_time(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? ST_TIME_NONE : pg_int(r, row, col);
}

/* ---- cursors ------------------------------------------------------------------------------ */

#define CURSOR_BATCH 500

st_code pg_cursor_open(store_backend *b, pg_cursor *c, const char *sql, const pg_params *p, st_err *err)
{
    memset(c, 0, sizeof *c);
    c->b = b;
    snprintf(c->name, sizeof c->name, "slatop_c%u", b->cursors++);
    st_code code = ST_OK;
    if (PQtransactionStatus(b->conn) == PQTRANS_IDLE) {
        code = pg_run(b, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, NULL, "starting a read", err);
        if (code != ST_OK)
            return code;
        c->own_txn = true;
    }
    char *declare = xasprintf("DECLARE %s NO SCROLL CURSOR FOR %s", c->name, sql);
    pg_params none = {0};
    code = pg_run(b, declare, p ? p : &none, NULL, "starting a read", err);
    free(declare);
    if (code != ST_OK && c->own_txn)
        PQclear(PQexec(b->conn, "ROLLBACK"));
    if (code == ST_OK)
        c->rows = 0, c->row = 0;
    return code;
}

st_code pg_cursor_next(pg_cursor *c, const PGresult **res, int *row, st_err *err)
{
    *res = NULL;
    if (c->row >= c->rows && !c->done) {
        PQclear(c->res);
        c->res = NULL;
        char *fetch = xasprintf("FETCH %d FROM %s", c->batch > 0 ? c->batch : CURSOR_BATCH, c->name);
        st_code code = pg_run(c->b, fetch, NULL, &c->res, "reading", err);
        free(fetch);
        if (code != ST_OK) {
            c->done = true;
            return code;
        }
        c->rows = PQntuples(c->res);
        c->row = 0;
        if (c->rows == 0)
            c->done = true;
    }
    if (c->row >= c->rows)
        return ST_OK;
    *res = c->res;
    *row = c->row++;
    return ST_OK;
}

st_code pg_cursor_close(pg_cursor *c, st_code rc, st_err *err)
{
    PQclear(c->res);
    c->res = NULL;
    st_err ignored;
    st_code code;
    if (c->own_txn) /* a failed read leaves its transaction aborted: end it either way */
        code = pg_run(c->b, rc == ST_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, "ending a read",
                      rc == ST_OK ? err : &ignored);
    else if (PQtransactionStatus(c->b->conn) == PQTRANS_INTRANS) {
        char *close = xasprintf("CLOSE %s", c->name);
        code = pg_run(c->b, close, NULL, NULL, "ending a read", rc == ST_OK ? err : &ignored);
        free(close);
    } else {
        code = ST_OK;
    }
    return rc != ST_OK ? rc : code;
}
