/* store_uptime: the uptime cache tables (see store_uptime.h). Tables are created by the store's
 * schema v1: uptime_minutes, uptime_months, maintenance_windows. */
#include "slatop/store_uptime.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"

/* Runs fn inside a transaction of its own unless the caller already opened one. */
static st_code begin_if_needed(st_store *s, bool *own, st_err *err)
{
    *own = !s->in_txn;
    return *own ? store_begin(s, err) : ST_OK;
}

static st_code end_txn(st_store *s, bool own, st_code rc, st_err *err);

/* The common start of a write: a transaction (own when none was open), the write check, and the
 * statement for sql. On failure nothing is left open. */
static st_code write_begin(st_store *s, const char *sql, bool *own, sqlite3_stmt **st, st_err *err)
{
    st_code rc = begin_if_needed(s, own, err);
    if (rc)
        return rc;
    rc = store_require_write(s, err);
    if (rc == ST_OK)
        rc = store_stmt(s, sql, st, err);
    return rc ? end_txn(s, *own, rc, err) : ST_OK;
}

static st_code end_txn(st_store *s, bool own, st_code rc, st_err *err)
{
    if (!own)
        return rc;
    if (rc == ST_OK)
        return store_commit(s, err);
    store_rollback(s);
    return rc;
}

st_code store_uptime_put_minutes(st_store *s, const char *source, st_time month_start,
                                 const uptime_minute *minutes, size_t n, st_err *err)
{
    bool own;
    sqlite3_stmt *st = NULL;
    st_code rc = write_begin(
        s, "INSERT OR REPLACE INTO uptime_minutes(source, minute, value, kind) VALUES (?1, ?2, ?3, ?4)", &own,
        &st, err);
    if (rc)
        return rc;
    for (size_t i = 0; rc == ST_OK && i < n; i++) {
        sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, month_start + 60 * (st_time)i);
        /* SQLite stores NaN as NULL: NULL with kind 1 reads back as NaN. */
        if (minutes[i].kind == UPTIME_VALUE && !isnan(minutes[i].value))
            sqlite3_bind_double(st, 3, minutes[i].value);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_int(st, 4, (int)minutes[i].kind);
        rc = store_step_done(s, st, "caching uptime minutes", err);
    }
    return end_txn(s, own, rc, err);
}

st_code store_uptime_get_minutes(st_store *s, const char *source, st_time month_start, uptime_minute *out,
                                 size_t n, size_t *found, st_err *err)
{
    *found = 0;
    sqlite3_stmt *st;
    st_code rc =
        store_stmt(s,
                   "SELECT minute, value, kind FROM uptime_minutes WHERE source = ?1 AND minute >= ?2 "
                   "AND minute < ?3 ORDER BY minute",
                   &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, month_start);
    sqlite3_bind_int64(st, 3, month_start + 60 * (st_time)n);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        st_time m = sqlite3_column_int64(st, 0);
        if ((m - month_start) % 60 != 0)
            continue;
        size_t i = (size_t)((m - month_start) / 60);
        if (sqlite3_column_int(st, 2) == UPTIME_VALUE) {
            out[i].kind = UPTIME_VALUE;
            out[i].value = sqlite3_column_type(st, 1) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 1);
        } else {
            out[i].kind = UPTIME_NODATA;
            out[i].value = 0;
        }
        (*found)++;
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE)
        return store_sqlite_fail(s, r, "reading cached uptime minutes", err);
    return ST_OK;
}

st_code store_uptime_month_get(st_store *s, const char *source, const char *month, bool *known,
                               st_time *fetched_at, bool *complete, st_err *err)
{
    *known = false;
    *complete = false;
    *fetched_at = ST_TIME_NONE;
    sqlite3_stmt *st;
    st_code rc = store_stmt(
        s, "SELECT fetched_at, complete FROM uptime_months WHERE source = ?1 AND month = ?2", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, month, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *known = true;
        *fetched_at = sqlite3_column_int64(st, 0);
        *complete = sqlite3_column_int(st, 1) != 0;
    }
    sqlite3_reset(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_sqlite_fail(s, r, "reading uptime months", err);
    return ST_OK;
}

st_code store_uptime_month_put(st_store *s, const char *source, const char *month, st_time fetched_at,
                               bool complete, st_err *err)
{
    bool own;
    sqlite3_stmt *st = NULL;
    st_code rc = write_begin(s,
                             "INSERT OR REPLACE INTO uptime_months(source, month, fetched_at, complete) "
                             "VALUES (?1, ?2, ?3, ?4)",
                             &own, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, month, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, fetched_at);
    sqlite3_bind_int(st, 4, complete ? 1 : 0);
    rc = store_step_done(s, st, "caching an uptime month", err);
    return end_txn(s, own, rc, err);
}

st_code store_uptime_windows_put(st_store *s, const char *source, const uptime_window *w, size_t n,
                                 st_err *err)
{
    bool own;
    sqlite3_stmt *st = NULL;
    st_code rc = write_begin(
        s,
        "INSERT OR REPLACE INTO maintenance_windows(source, id, name, \"start\", \"end\", announced, "
        "status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &own, &st, err);
    if (rc)
        return rc;
    for (size_t i = 0; rc == ST_OK && i < n; i++) {
        sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
        store_bind_text(st, 2, w[i].id);
        store_bind_text(st, 3, w[i].name);
        store_bind_time(st, 4, w[i].start);
        store_bind_time(st, 5, w[i].end);
        store_bind_time(st, 6, w[i].announced);
        store_bind_text(st, 7, w[i].status);
        rc = store_step_done(s, st, "caching maintenance windows", err);
    }
    return end_txn(s, own, rc, err);
}

st_code store_uptime_windows_get(st_store *s, const char *source, uptime_window **out, size_t *n, st_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    st_code rc = store_stmt(s,
                            "SELECT id, name, \"start\", \"end\", announced, status FROM maintenance_windows "
                            "WHERE source = ?1 ORDER BY \"start\", id",
                            &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    size_t cap = 0;
    uptime_window *w = NULL;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            w = xrealloc(w, cap * sizeof *w);
        }
        uptime_window *x = &w[(*n)++];
        x->id = store_column_strdup(st, 0);
        x->name = store_column_strdup(st, 1);
        x->start = store_column_time(st, 2);
        x->end = store_column_time(st, 3);
        x->announced = store_column_time(st, 4);
        x->status = store_column_strdup(st, 5);
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE) {
        uptime_windows_free(w, *n);
        *n = 0;
        return store_sqlite_fail(s, r, "reading maintenance windows", err);
    }
    *out = w;
    return ST_OK;
}
