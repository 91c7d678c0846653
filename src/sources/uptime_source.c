/* uptime_source: one month of monitoring data, fetched (see uptime_source.h). */
#include "slatop/uptime_source.h"

#include <stdlib.h>
#include <string.h>

#include "slatop/policy.h"
#include "slatop/prometheus.h"
#include "slatop/statuspage.h"
#include "slatop/store_uptime.h"

struct uptime_job {
    st_time month_start;
    st_time from;
    uptime_minute *minutes;
    size_t n_minutes;
    size_t n_requests; /* Prometheus requests (the status page, if any, is index n_requests) */
    size_t n_pending;
    bool has_statuspage;
    bool partial;
    st_err err; /* first Prometheus failure */
    st_err sp_err;
    uptime_window *windows;
    size_t n_windows;
};

char *uptime_source_key(const cfg_prometheus *p)
{
    char *u = fetch_redact_url(p->url);
    char *k = xasprintf("%s %s", u, p->query ? p->query : PROM_DEFAULT_QUERY);
    free(u);
    return k;
}

static char *join_url(const char *base, const char *tail)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    return xasprintf("%.*s%s", (int)n, base, tail);
}

st_code uptime_job_start(fetcher *f, const cfg_prometheus *p, const char *statuspage_url, st_time month_start,
                         st_time month_end, st_time now, uptime_job **out, st_err *err)
{
    return uptime_job_start_from(f, p, statuspage_url, month_start, month_end, month_start, now, out, err);
}

st_time uptime_job_from(const uptime_job *j)
{
    return j->from;
}

st_code uptime_job_start_from(fetcher *f, const cfg_prometheus *p, const char *statuspage_url,
                              st_time month_start, st_time month_end, st_time from, st_time now,
                              uptime_job **out, st_err *err)
{
    *out = NULL;
    if (!p || !p->url)
        return st_fail(err, ST_INVALID,
                       "no monitoring source configured (config: monitoring.prometheus.url)");
    st_time end = now / 60 * 60;
    if (end > month_end)
        end = month_end;
    if (end < month_start)
        end = month_start;
    fetch_auth auth;
    st_code rc = fetch_auth_load(p->username, p->password_file, p->bearer_token_file, &auth, err);
    if (rc)
        return rc;
    uptime_job *j = xcalloc(1, sizeof *j);
    j->month_start = month_start;
    from = from / 60 * 60;
    j->from = from < month_start ? month_start : (from > end ? end : from);
    j->n_minutes = (size_t)((end - month_start) / 60);
    j->minutes = xcalloc(j->n_minutes ? j->n_minutes : 1, sizeof *j->minutes); /* all UPTIME_NODATA */
    fetch_request req = {.username = auth.username,
                         .password = auth.password,
                         .bearer = auth.bearer,
                         .ca_file = p->ca_file,
                         .timeout_s = p->timeout_s,
                         .max_retries = 2,
                         .owner = j};
    bool is_file = strncmp(p->url, "file://", 7) == 0;
    if (is_file) {
        char month[8];
        st_time ms, me;
        uptime_month_of(month_start, month, &ms, &me);
        char tail[16];
        memcpy(tail, "/", 2);
        strcat(tail, month);
        strcat(tail, ".json");
        char *url = join_url(p->url, tail);
        req.url = url;
        req.index = 0;
        req.max_retries = 0;
        rc = fetcher_add(f, &req, err);
        free(url);
        j->n_requests = rc == ST_OK ? 1 : 0;
    } else if (j->from < end) {
        prom_chunk *chunks;
        size_t n = prom_chunks(j->from, end, PROM_MAX_POINTS, &chunks);
        char *url = join_url(p->url, "/api/v1/query_range");
        for (size_t i = 0; i < n && rc == ST_OK; i++) {
            char *body = prom_form_body(p->query ? p->query : PROM_DEFAULT_QUERY, &chunks[i]);
            req.url = url;
            req.post_body = body;
            req.index = i;
            rc = fetcher_add(f, &req, err);
            free(body);
            if (rc == ST_OK)
                j->n_requests++;
        }
        free(url);
        free(chunks);
    }
    j->n_pending = j->n_requests;
    if (rc == ST_OK && statuspage_url) {
        fetch_request sp = {.url = statuspage_url,
                            .timeout_s = p->timeout_s,
                            .max_retries = 2,
                            .owner = j,
                            .index = j->n_requests};
        rc = fetcher_add(f, &sp, err);
        if (rc == ST_OK) {
            j->has_statuspage = true;
            j->n_pending++;
        }
    }
    fetch_auth_done(&auth);
    if (rc) {
        /* Transfers already queued still name this job: drop it only when none is. */
        j->err = *err;
        if (j->n_pending == 0) {
            uptime_job_free(j);
            return rc;
        }
    }
    *out = j;
    return ST_OK;
}

bool uptime_job_offer(uptime_job *j, fetch_result *r)
{
    if (!j || r->owner != j)
        return false;
    j->n_pending--;
    bool is_sp = j->has_statuspage && r->index == j->n_requests;
    st_err e;
    st_err_clear(&e);
    if (r->err.code != ST_OK) {
        e = r->err;
    } else if (is_sp) {
        if (statuspage_parse(r->body, r->len, r->http_status, r->content_type, &j->windows, &j->n_windows,
                             &e))
            st_err_prefix(&e, "%s", r->url);
    } else {
        prom_result pr;
        if (prom_parse_query_range(r->body, r->len, r->http_status, r->content_type, j->month_start,
                                   j->minutes, j->n_minutes, &pr, &e))
            st_err_prefix(&e, "%s", r->url);
        if (pr.partial)
            j->partial = true;
        prom_result_done(&pr);
    }
    if (e.code != ST_OK) {
        st_err *dst = is_sp ? &j->sp_err : &j->err;
        if (dst->code == ST_OK)
            *dst = e;
    }
    fetch_result_done(r);
    return true;
}

bool uptime_job_done(const uptime_job *j)
{
    return j->n_pending == 0;
}

st_code uptime_job_result(uptime_job *j, const uptime_minute **minutes, size_t *n_minutes, bool *partial,
                          uptime_window **windows, size_t *n_windows, st_err *statuspage_err, st_err *err)
{
    *minutes = j->minutes;
    *n_minutes = j->n_minutes;
    *partial = j->partial;
    *windows = j->windows;
    *n_windows = j->n_windows;
    j->windows = NULL;
    j->n_windows = 0;
    if (statuspage_err)
        *statuspage_err = j->sp_err;
    if (j->err.code != ST_OK) {
        if (err)
            *err = j->err;
        return j->err.code;
    }
    return ST_OK;
}

void uptime_job_free(uptime_job *j)
{
    if (!j)
        return;
    free(j->minutes);
    uptime_windows_free(j->windows, j->n_windows);
    free(j);
}

void uptime_settings_of(const st_policy *p, uptime_settings *out)
{
    memset(out, 0, sizeof *out);
    out->threshold = 0.05;
    out->notice_days = 7;
    if (!p)
        return;
    out->has_target = p->uptime.has_target;
    out->target_percent = p->uptime.target_percent;
    out->threshold = p->uptime.error_rate_threshold;
    out->notice_days = p->uptime.notice_days;
    out->windows = xcalloc(p->uptime.n_maintenance ? p->uptime.n_maintenance : 1, sizeof *out->windows);
    for (size_t i = 0; i < p->uptime.n_maintenance; i++) {
        const pol_maintenance *m = &p->uptime.maintenance[i];
        uptime_window *w = &out->windows[out->n_windows++];
        w->id = xstrdup(m->id);
        w->name = xstrdup(m->name);
        w->start = m->start;
        w->end = m->end;
        w->announced = m->announced;
    }
}

void uptime_settings_done(uptime_settings *u)
{
    if (!u)
        return;
    uptime_windows_free(u->windows, u->n_windows);
    memset(u, 0, sizeof *u);
}

st_code uptime_cache_save_next(st_store *s, const char *key, const char *sp_key, st_time month_start,
                               st_time month_end, st_time now, const uptime_minute *minutes, size_t n,
                               size_t *from, bool partial, const uptime_window *sp, size_t n_sp, bool *last,
                               st_err *err)
{
    size_t from_index = *from;
    size_t end = n - from_index > UPTIME_CACHE_SLICE_MINUTES ? from_index + UPTIME_CACHE_SLICE_MINUTES : n;
    bool is_last = end == n;
    if (!is_last) /* the month record says incomplete until the last slice */
        sp = NULL, n_sp = 0;
    n = end;
    bool complete = is_last && month_end <= now && !partial && n == (size_t)((month_end - month_start) / 60);
    for (size_t i = 0; complete && i < n; i++)
        if (minutes[i].kind != UPTIME_VALUE)
            complete = false;
    char month[8];
    st_time ms, me;
    uptime_month_of(month_start, month, &ms, &me);
    st_code rc = store_begin(s, err);
    if (rc == ST_OK)
        rc = from_index < n ? store_uptime_put_minutes(s, key, month_start + 60 * (st_time)from_index,
                                                       minutes + from_index, n - from_index, err)
                            : ST_OK;
    if (rc == ST_OK)
        rc = store_uptime_month_put(s, key, month, now, complete, err);
    if (rc == ST_OK && sp_key && n_sp)
        rc = store_uptime_windows_put(s, sp_key, sp, n_sp, err);
    if (rc == ST_OK)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    if (rc == ST_OK) {
        *from = end;
        *last = is_last;
    }
    return rc;
}

static void push_copy(uptime_window **w, size_t *n, size_t *cap, const uptime_window *src)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        *w = xrealloc(*w, *cap * sizeof **w);
    }
    uptime_window *x = &(*w)[(*n)++];
    x->id = xstrdup(src->id);
    x->name = xstrdup(src->name);
    x->status = xstrdup(src->status);
    x->start = src->start;
    x->end = src->end;
    x->announced = src->announced;
}

st_code uptime_windows_collect(st_store *s, const uptime_settings *u, const char *sp_key,
                               const uptime_window *fresh, size_t n_fresh, uptime_window **out, size_t *n,
                               st_err *err)
{
    uptime_window *w = NULL;
    size_t nw = 0, cap = 0;
    for (size_t i = 0; u && i < u->n_windows; i++)
        push_copy(&w, &nw, &cap, &u->windows[i]);
    uptime_window *cw = NULL;
    size_t ncw = 0;
    st_code rc = sp_key ? store_uptime_windows_get(s, sp_key, &cw, &ncw, err) : ST_OK;
    for (size_t i = 0; rc == ST_OK && i < ncw; i++)
        push_copy(&w, &nw, &cap, &cw[i]);
    for (size_t i = 0; rc == ST_OK && i < n_fresh; i++) {
        bool cached = false;
        for (size_t k = 0; k < ncw && !cached; k++)
            cached = cw[k].id && fresh[i].id && strcmp(cw[k].id, fresh[i].id) == 0;
        if (!cached)
            push_copy(&w, &nw, &cap, &fresh[i]);
    }
    uptime_windows_free(cw, ncw);
    if (rc) {
        uptime_windows_free(w, nw);
        return rc;
    }
    *out = w;
    *n = nw;
    return ST_OK;
}
