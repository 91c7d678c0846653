/* pg_uptime: the PostgreSQL backend's uptime cache (see store_uptime.h; the facade opens the
 * transaction a write runs in). The tables are pg_schema.c's, as SQLite's sqlite_uptime.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

st_code pg_uptime_put_minutes(store_backend *b, const char *source, st_time month_start,
                              const uptime_minute *minutes, size_t n, st_err *err)
{
    st_code rc = ST_OK;
    for (size_t i = 0; rc == ST_OK && i < n; i++) {
        pg_params p = {0};
        pgp_text(&p, source);
        pgp_int(&p, month_start + 60 * (st_time)i);
        /* NULL with kind 1 reads back as NaN, as on SQLite. */
        char value[40];
        if (minutes[i].kind == UPTIME_VALUE && !isnan(minutes[i].value)) {
            snprintf(value, sizeof value, "%.17g", minutes[i].value);
            pgp_text(&p, value);
        } else {
            pgp_null(&p);
        }
        pgp_int(&p, (int64_t)minutes[i].kind);
        rc = pg_run(b,
                    "INSERT INTO uptime_minutes(source, minute, value, kind) VALUES ($1, $2, $3, $4)"
                    " ON CONFLICT(source, minute) DO UPDATE SET value = excluded.value, kind = excluded.kind",
                    &p, NULL, "caching uptime minutes", err);
    }
    return rc;
}

st_code pg_uptime_get_minutes(store_backend *b, const char *source, st_time month_start, uptime_minute *out,
                              size_t n, size_t *found, st_err *err)
{
    *found = 0;
    pg_params p = {0};
    pgp_text(&p, source);
    pgp_int(&p, month_start);
    pgp_int(&p, month_start + 60 * (st_time)n);
    PGresult *r = NULL;
    st_code rc = pg_run(b,
                        "SELECT minute, value, kind FROM uptime_minutes WHERE source = $1 AND minute >= $2"
                        " AND minute < $3 ORDER BY minute",
                        &p, &r, "reading cached uptime minutes", err);
    if (rc)
        return rc;
    for (int row = 0; row < PQntuples(r); row++) {
        st_time m = pg_int(r, row, 0);
        if ((m - month_start) % 60 != 0)
            continue;
        size_t i = (size_t)((m - month_start) / 60);
        if (pg_int(r, row, 2) == UPTIME_VALUE) {
            out[i].kind = UPTIME_VALUE;
            out[i].value = pg_null(r, row, 1) ? NAN : strtod(PQgetvalue(r, row, 1), NULL);
        } else {
            out[i].kind = UPTIME_NODATA;
            out[i].value = 0;
        }
        (*found)++;
    }
    PQclear(r);
    return ST_OK;
}

st_code pg_uptime_month_get(store_backend *b, const char *source, const char *month, bool *known,
                            st_time *fetched_at, bool *complete, st_err *err)
{
    *known = false;
    *complete = false;
    *fetched_at = ST_TIME_NONE;
    pg_params p = {0};
    pgp_text(&p, source);
    pgp_text(&p, month);
    PGresult *r = NULL;
    st_code rc = pg_run(b, "SELECT fetched_at, complete FROM uptime_months WHERE source = $1 AND month = $2", &p,
                        &r, "reading uptime months", err);
    if (rc)
        return rc;
    if (PQntuples(r) == 1) {
        *known = true;
        *fetched_at = pg_int(r, 0, 0);
        *complete = pg_int(r, 0, 1) != 0;
    }
    PQclear(r);
    return ST_OK;
}

st_code pg_uptime_month_put(store_backend *b, const char *source, const char *month, st_time fetched_at,
                            bool complete, st_err *err)
{
    pg_params p = {0};
    pgp_text(&p, source);
    pgp_text(&p, month);
    pgp_int(&p, fetched_at);
    pgp_int(&p, complete ? 1 : 0);
    return pg_run(b,
                  "INSERT INTO uptime_months(source, month, fetched_at, complete) VALUES ($1, $2, $3, $4)"
                  " ON CONFLICT(source, month) DO UPDATE SET fetched_at = excluded.fetched_at,"
                  " complete = excluded.complete",
                  &p, NULL, "caching an uptime month", err);
}

st_code pg_uptime_windows_put(store_backend *b, const char *source, const uptime_window *w, size_t n,
                              st_err *err)
{
    st_code rc = ST_OK;
    for (size_t i = 0; rc == ST_OK && i < n; i++) {
        pg_params p = {0};
        pgp_text(&p, source);
        pgp_text(&p, w[i].id);
        pgp_text(&p, w[i].name);
        pgp_time(&p, w[i].start);
        pgp_time(&p, w[i].end);
        pgp_time(&p, w[i].announced);
        pgp_text(&p, w[i].status);
        rc = pg_run(b,
                    "INSERT INTO maintenance_windows(source, id, name, \"start\", \"end\", announced, status)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(source, id) DO UPDATE SET"
                    " name = excluded.name, \"start\" = excluded.\"start\", \"end\" = excluded.\"end\","
                    " announced = excluded.announced, status = excluded.status",
                    &p, NULL, "caching maintenance windows", err);
    }
    return rc;
}

st_code pg_uptime_windows_get(store_backend *b, const char *source, uptime_window **out, size_t *n, st_err *err)
{
    *out = NULL;
    *n = 0;
    pg_params p = {0};
    pgp_text(&p, source);
    PGresult *r = NULL;
    st_code rc = pg_run(b,
                        "SELECT id, name, \"start\", \"end\", announced, status FROM maintenance_windows"
                        " WHERE source = $1 ORDER BY \"start\", id COLLATE \"C\"",
                        &p, &r, "reading maintenance windows", err);
    if (rc)
        return rc;
    int rows = PQntuples(r);
    uptime_window *w = rows > 0 ? xcalloc((size_t)rows, sizeof *w) : NULL;
    for (int i = 0; i < rows; i++) {
        w[i].id = pg_str(r, i, 0);
        w[i].name = pg_str(r, i, 1);
        w[i].start = pg_time(r, i, 2);
        w[i].end = pg_time(r, i, 3);
        w[i].announced = pg_time(r, i, 4);
        w[i].status = pg_str(r, i, 5);
    }
    PQclear(r);
    *out = w;
    *n = (size_t)rows;
    return ST_OK;
}
