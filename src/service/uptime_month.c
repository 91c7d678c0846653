/* uptime_month: see uptime_month.h. Moved here from cli_uptime.c so the console's report view
 * computes the month's uptime exactly as `slatop uptime` does. */
#include "slatop/uptime_month.h"

#include <stdlib.h>
#include <string.h>

#include "slatop/fetcher.h"
#include "slatop/ops.h"
#include "slatop/store.h"
#include "slatop/uptime_source.h"

struct uptime_month_state {
    st_store *store;
    st_ops *ops;
    fetcher *f;
    uptime_job *job;
    char *key, *sp_key;
    uptime_window *sp_win;
    size_t n_sp_win;
};

static void state_free(uptime_month_state *r)
{
    if (!r)
        return;
    uptime_job_free(r->job);
    fetcher_free(r->f);
    ops_free(r->ops);
    if (r->store)
        store_close(r->store);
    free(r->key);
    free(r->sp_key);
    uptime_windows_free(r->sp_win, r->n_sp_win);
    free(r);
}

void uptime_month_done(uptime_month *m)
{
    query_uptime_done(&m->u);
    free(m->source);
    state_free(m->state);
    memset(m, 0, sizeof *m);
}

/* Fetches the month from the source (all chunks, to completion) and caches it unless read-only. */
static st_code fetch_month(uptime_month_state *r, const st_config *cfg, bool read_only, st_time ms, st_time me,
                           st_time now, const uptime_minute **minutes, size_t *n, uptime_month *out, st_err *err)
{
    st_code rc = fetcher_new(&r->f, err);
    if (rc == ST_OK)
        rc = uptime_job_start(r->f, &cfg->prometheus, cfg->statuspage_url, ms, me, now, &r->job, err);
    if (rc == ST_OK)
        rc = fetcher_run(r->f, err);
    fetch_result fr;
    while (rc == ST_OK && fetcher_take_finished(r->f, &fr))
        if (!uptime_job_offer(r->job, &fr))
            fetch_result_done(&fr);
    st_err sp_err;
    st_err_clear(&sp_err);
    if (rc == ST_OK)
        rc = uptime_job_result(r->job, minutes, n, &out->partial, &r->sp_win, &r->n_sp_win, &sp_err, err);
    if (rc == ST_OK)
        out->status_page_warning = sp_err;
    /* The report does not depend on the cache: a database that cannot be written (locked, full,
     * read-only file) costs only the caching, said once. A day per transaction, as the panel. */
    size_t from = 0;
    for (bool last = false; rc == ST_OK && !read_only && !last;)
        if (uptime_cache_save_next(r->store, r->key, r->sp_key, ms, me, now, *minutes, *n, &from, out->partial,
                                   r->sp_win, r->n_sp_win, &last, &out->cache_warning) != ST_OK)
            break;
    return rc;
}

st_code uptime_month_get(const char *db_path, bool read_only, const st_config *cfg, const st_clock *clock,
                         const char *month, st_time ms, st_time me, uptime_month *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    st_err_clear(&out->status_page_warning);
    st_err_clear(&out->cache_warning);
    st_time now = clock_now(clock);
    if (!cfg || !cfg->has_prometheus || !cfg->prometheus.url)
        return st_fail(err, ST_INVALID, "no monitoring source configured (config: monitoring.prometheus.url)");
    if (ms > now)
        return st_fail(err, ST_INVALID, "--month %s: the month has not started yet", month);

    uptime_month_state *r = xcalloc(1, sizeof *r);
    out->state = r;
    st_code rc = store_open(db_path, read_only ? STORE_OPEN_RO : STORE_OPEN_RW, &r->store, err);
    if (rc == ST_OK)
        rc = ops_new(r->store, clock, &r->ops, err);
    if (rc) {
        uptime_month_done(out);
        return rc;
    }
    const cfg_prometheus *p = &cfg->prometheus;
    r->key = uptime_source_key(p);
    out->source = fetch_redact_url(p->url);
    r->sp_key = cfg->statuspage_url ? fetch_redact_url(cfg->statuspage_url) : NULL;
    bool cached_complete = false;
    out->fetched_at = now;
    st_time cached_at;
    rc = query_uptime_cached(r->ops, r->key, month, &cached_complete, &cached_at, err);
    query_uptime_req req = {.key = r->key,
                            .sp_key = r->sp_key,
                            .month_start = ms,
                            .month_end = me,
                            .now = now,
                            .minutes = NULL,
                            .n_minutes = 0};
    if (rc == ST_OK && cached_complete && me <= now) {
        /* A past month cached complete: never fetched twice (query_uptime_month reads it). */
        out->fetched_at = cached_at;
    } else if (rc == ST_OK) {
        rc = fetch_month(r, cfg, read_only, ms, me, now, &req.minutes, &req.n_minutes, out, err);
        req.partial = out->partial;
        /* A read-only database did not cache the status page's windows: use them as fetched. */
        if (read_only) {
            req.fresh_windows = r->sp_win;
            req.n_fresh_windows = r->n_sp_win;
        }
    }
    if (rc == ST_OK)
        rc = query_uptime_month(r->ops, &req, &out->u, err);
    if (rc)
        uptime_month_done(out);
    return rc;
}

st_code uptime_month_get_fresh(st_ops *o, const st_config *cfg, const st_clock *clock, const char *month,
                               st_time ms, st_time me, uptime_month *out, st_err *err)
{
    return uptime_month_get(store_path(ops_store(o)), true, cfg, clock, month, ms, me, out, err);
}
