/* pg_reconnect: a lost connection to the server never stops the console (SPEC §10). The console's
 * loop keeps ticking from the rows it has; every statement meanwhile is refused at once with
 * "database unreachable since HH:MM:SS, retrying" (nothing is half-applied: the server rolls back
 * what it never saw committed); and the loop's watch calls step a new connection without ever
 * blocking it: PQconnectStartParams, then PQconnectPoll only when a zero-timeout poll says the
 * socket is ready in the direction libpq asked for (dovecot's driver-pgsql does the same, re-reading
 * PQsocket each step), once the host's name is resolved without blocking too (pg_net.c: libpq
 * would resolve it synchronously). Attempts back off from 0.1 s doubling to 5 s. Once connected
 * the session is set up and LISTENs before it is handed back, so the caller's reload that follows misses nothing
 * (POSTGRES.md: notifications sent while not listening are lost). A reader (pg_reader_new, the
 * scans' second connection) is connected the same way, from its first attempt, without LISTEN. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pg_internal.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000
#define ATTEMPT_LIMIT_MS 5000 /* one attempt's whole handshake, then it counts as failed */
#define STEP_MS 10            /* while an attempt is under way: how soon the loop steps it again */

/* b "down" from now, its first attempt due in first_ms (a lost connection's, and a reader's from
 * its start: one place for what an outage begins with). */
static void set_down(store_backend *b, int first_ms)
{
    b->down = true;
    b->down_since = (st_time)time(NULL);
    b->backoff_ms = BACKOFF_FIRST_MS;
    b->retry_at = mono_now() + (st_mono)first_ms * 1000000;
}

void pg_mark_down(store_backend *b)
{
    if (b->conn)
        PQfinish(b->conn); /* its descriptor is closed: the caller stops watching it (watch_fd -1) */
    b->conn = NULL;
    b->in_txn = false;
    b->prepared = false; /* the next connection prepares pg_prep.c's statements again */
    if (!b->down)
        set_down(b, BACKOFF_FIRST_MS);
}

bool pg_down_text(const store_backend *b, char *buf, size_t size)
{
    if (!b->down)
        return false;
    time_t t = (time_t)b->down_since;
    struct tm tm;
    if (!localtime_r(&t, &tm))
        tm = (struct tm){0};
    snprintf(buf, size, "database unreachable since %02d:%02d:%02d, retrying", tm.tm_hour, tm.tm_min, tm.tm_sec);
    return true;
}

static void attempt_failed(store_backend *b)
{
    PQfinish(b->pending);
    b->pending = NULL;
    pg_lookup_free(b->lookup);
    b->lookup = NULL;
    b->retry_at = mono_now() + (st_mono)b->backoff_ms * 1000000;
    b->backoff_ms = b->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : b->backoff_ms * 2;
}

/* The new connection is up: the session's settings and LISTEN in one round trip (a local server
 * answers in well under a millisecond), then it replaces the lost one. */
static bool set_up(store_backend *b)
{
    char *sql = xasprintf("%s%s%s", PG_SESSION_SQL, b->no_listen ? "" : "; LISTEN " PG_CHANNEL,
                          b->read_only ? "; SET default_transaction_read_only = on" : "");
    PGresult *r = PQserverVersion(b->pending) >= 130000 ? PQexec(b->pending, sql) : NULL;
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    free(sql);
    if (!ok) {
        attempt_failed(b); /* e.g. gone again: the same outage, the next attempt later */
        return false;
    }
    b->conn = b->pending;
    b->pending = NULL;
    b->down = false;
    b->next_poll = 0;
    return true;
}

bool pg_reconnect_step(store_backend *b)
{
    if (!b->down)
        return false;
    st_mono now = mono_now();
    if (!b->pending) {
        /* First the host's name, resolved without blocking (libpq would resolve it inside
         * PQconnectStartParams); a locator without one goes straight on. */
        if (!b->lookup) {
            if (now < b->retry_at)
                return false;
            b->lookup = pg_lookup_start(b->locator);
            b->pending_deadline = now + (st_mono)ATTEMPT_LIMIT_MS * 1000000;
        }
        int resolved = b->lookup ? pg_lookup_poll(b->lookup) : 1;
        if (resolved < 0 || (resolved == 0 && now >= b->pending_deadline))
            attempt_failed(b);
        if (resolved <= 0)
            return false;
        pg_conn_params cp;
        pg_conn_params_init(&cp, b->locator);
        pg_lookup_params(b->lookup, &cp);
        b->pending = PQconnectStartParams(cp.keys, cp.vals, 1);
        pg_lookup_free(b->lookup); /* libpq copied the values */
        b->lookup = NULL;
        if (!b->pending || PQstatus(b->pending) == CONNECTION_BAD) {
            attempt_failed(b);
            return false;
        }
        PQsetNoticeProcessor(b->pending, pg_no_notices, NULL);
        b->pending_wants = PGRES_POLLING_WRITING; /* libpq's rule for the first step */
    }
    for (;;) {
        struct pollfd p = {.fd = PQsocket(b->pending),
                           .events = b->pending_wants == PGRES_POLLING_READING ? POLLIN : POLLOUT};
        if (p.fd < 0) {
            attempt_failed(b);
            return false;
        }
        if (poll(&p, 1, 0) <= 0) { /* not ready: the loop comes back in STEP_MS */
            if (mono_now() >= b->pending_deadline)
                attempt_failed(b);
            return false;
        }
        PostgresPollingStatusType st = PQconnectPoll(b->pending);
        if (st == PGRES_POLLING_OK)
            return set_up(b);
        if (st == PGRES_POLLING_FAILED) {
            attempt_failed(b);
            return false;
        }
        b->pending_wants = st;
    }
}

int pg_reconnect_timeout_ms(const store_backend *b)
{
    if (!b->down)
        return -1;
    if (b->pending || b->lookup)
        return STEP_MS;
    st_mono now = mono_now();
    return b->retry_at > now ? (int)((b->retry_at - now) / 1000000) + 1 : 0;
}

void pg_reconnect_done(store_backend *b)
{
    PQfinish(b->pending);
    b->pending = NULL;
    pg_lookup_free(b->lookup);
    b->lookup = NULL;
}

store_backend *pg_reader_new(const store_backend *b)
{
    store_backend *r = xcalloc(1, sizeof *r);
    r->name = xstrdup(b->name);
    r->locator = xstrdup(b->locator);
    r->read_only = true;
    r->no_listen = true;
    set_down(r, 0); /* "down" from the start, its first attempt due now */
    return r;
}

bool pg_reader_wait(store_backend *r, int ms)
{
    if (!r->pending && !r->lookup)
        return false; /* the attempt failed (attempt_failed dropped both) */
    if (r->pending) {
        struct pollfd p = {.fd = PQsocket(r->pending),
                           .events = r->pending_wants == PGRES_POLLING_READING ? POLLIN : POLLOUT};
        if (p.fd >= 0)
            (void)poll(&p, 1, ms);
    } else {
        struct timespec ts = {0, (long)ms * 1000000L}; /* a name being resolved: no descriptor */
        nanosleep(&ts, NULL);
    }
    return true;
}
