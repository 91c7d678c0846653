/* sqlite_uptime: the SQLite backend's uptime cache (see store_uptime.h; the facade,
 * src/store/store_uptime.c, opens the transaction a write runs in). Tables are created by the
 * schema v1: uptime_minutes, uptime_months, maintenance_windows. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"

st_code sq_uptime_put_minutes(store_backend *s, const char *source, st_time month_start,
                              const uptime_minute *minutes, size_t n, st_err *err)
{
    sqlite3_stmt *st = NULL;
    st_code rc = sq_stmt(
        s, "INSERT OR REPLACE INTO uptime_minutes(source, minute, value, kind) VALUES (?1, ?2, ?3, ?4)", &st,
        err);
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
        rc = sq_step_done(s, st, "caching uptime minutes", err);
    }
    return rc;
}

st_code sq_uptime_get_minutes(store_backend *s, const char *source, st_time month_start, uptime_minute *out,
                              size_t n, size_t *found, st_err *err)
{
    *found = 0;
    sqlite3_stmt *st;
    st_code rc = sq_stmt(s,
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
        return sq_fail(s, r, "reading cached uptime minutes", err);
    return ST_OK;
}

st_code sq_uptime_month_get(store_backend *s, const char *source, const char *month, bool *known,
                            st_time *fetched_at, bool *complete, st_err *err)
{
    *known = false;
    *complete = false;
    *fetched_at = ST_TIME_NONE;
    sqlite3_stmt *st;
    st_code rc = sq_stmt(s, "SELECT fetched_at, complete FROM uptime_months WHERE source = ?1 AND month = ?2",
                         &st, err);
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
        return sq_fail(s, r, "reading uptime months", err);
    return ST_OK;
}

st_code sq_uptime_month_put(store_backend *s, const char *source, const char *month, st_time fetched_at,
                            bool complete, st_err *err)
{
    sqlite3_stmt *st = NULL;
    st_code rc = sq_stmt(s,
                         "INSERT OR REPLACE INTO uptime_months(source, month, fetched_at, complete) "
                         "VALUES (?1, ?2, ?3, ?4)",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, month, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, fetched_at);
    sqlite3_bind_int(st, 4, complete ? 1 : 0);
    rc = sq_step_done(s, st, "caching an uptime month", err);
    return rc;
}

st_code sq_uptime_windows_put(store_backend *s, const char *source, const uptime_window *w, size_t n,
                              st_err *err)
{
    sqlite3_stmt *st = NULL;
    st_code rc =
        sq_stmt(s,
                "INSERT OR REPLACE INTO maintenance_windows(source, id, name, \"start\", \"end\", announced, "
                "status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                &st, err);
    if (rc)
        return rc;
    for (size_t i = 0; rc == ST_OK && i < n; i++) {
        sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
        sq_bind_text(st, 2, w[i].id);
        sq_bind_text(st, 3, w[i].name);
        sq_bind_time(st, 4, w[i].start);
        sq_bind_time(st, 5, w[i].end);
        sq_bind_time(st, 6, w[i].announced);
        sq_bind_text(st, 7, w[i].status);
        rc = sq_step_done(s, st, "caching maintenance windows", err);
    }
    return rc;
}

st_code sq_uptime_windows_get(store_backend *s, const char *source, uptime_window **out, size_t *n,
                              st_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    st_code rc = sq_stmt(s,
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
        x->id = sq_column_strdup(st, 0);
        x->name = sq_column_strdup(st, 1);
        x->start = sq_column_time(st, 2);
        x->end = sq_column_time(st, 3);
        x->announced = sq_column_time(st, 4);
        x->status = sq_column_strdup(st, 5);
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE) {
        uptime_windows_free(w, *n);
        *n = 0;
        return sq_fail(s, r, "reading maintenance windows", err);
    }
    *out = w;
    return ST_OK;
}
