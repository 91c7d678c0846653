/* store_uptime: the facade of the uptime cache (see store_uptime.h). A write runs in the caller's
 * transaction, or in one of its own when none is open; the tables are the backend's (SQLite:
 * src/store/sqlite/sqlite_uptime.c). */
#include "slatop/store_uptime.h"

#include "store_backend.h"

/* Opens a transaction of its own (*own) unless the caller already has one. */
static st_code begin_if_needed(st_store *s, bool *own, st_err *err)
{
    *own = !s->in_txn;
    return *own ? store_begin(s, err) : ST_OK;
}

/* Ends what begin_if_needed opened: commits on success, rolls back on failure. */
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
    st_code rc = begin_if_needed(s, &own, err);
    if (rc)
        return rc;
    rc = s->ops->uptime_put_minutes(s->be, source, month_start, minutes, n, err);
    return end_txn(s, own, rc, err);
}

st_code store_uptime_get_minutes(st_store *s, const char *source, st_time month_start, uptime_minute *out,
                                 size_t n, size_t *found, st_err *err)
{
    return s->ops->uptime_get_minutes(s->be, source, month_start, out, n, found, err);
}

st_code store_uptime_month_get(st_store *s, const char *source, const char *month, bool *known,
                               st_time *fetched_at, bool *complete, st_err *err)
{
    return s->ops->uptime_month_get(s->be, source, month, known, fetched_at, complete, err);
}

st_code store_uptime_month_put(st_store *s, const char *source, const char *month, st_time fetched_at,
                               bool complete, st_err *err)
{
    bool own;
    st_code rc = begin_if_needed(s, &own, err);
    if (rc)
        return rc;
    rc = s->ops->uptime_month_put(s->be, source, month, fetched_at, complete, err);
    return end_txn(s, own, rc, err);
}

st_code store_uptime_windows_put(st_store *s, const char *source, const uptime_window *w, size_t n,
                                 st_err *err)
{
    bool own;
    st_code rc = begin_if_needed(s, &own, err);
    if (rc)
        return rc;
    rc = s->ops->uptime_windows_put(s->be, source, w, n, err);
    return end_txn(s, own, rc, err);
}

st_code store_uptime_windows_get(st_store *s, const char *source, uptime_window **out, size_t *n, st_err *err)
{
    return s->ops->uptime_windows_get(s->be, source, out, n, err);
}
