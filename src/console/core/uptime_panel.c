/* uptime_panel: the dashboard panel's model (see uptime_panel.h). */
#include "slatop/uptime_panel.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/fetcher.h"
#include "slatop/ops.h"
#include "slatop/query.h"
#include "slatop/text.h"
#include "slatop/uptime.h"
#include "slatop/uptime_source.h"

struct uptime_panel {
    const st_config *cfg; /* borrowed */
    st_store *store;      /* borrowed */
    st_ops *ops;          /* owned, over store: the read side (query.h) reads the cached month */
    st_clock clock;       /* ops' clock (frozen; the reads do not use it) */
    bool read_only;
    bool configured;
    fetcher *f;
    reactor *r; /* borrowed (uptime_panel_attach); NULL: transfers wait */
    int *fds;   /* the descriptors curl asked r to watch, so a detach forgets them all */
    size_t n_fds;
    int64_t timer; /* curl's timer in r; 0: none */
    uptime_job *job;
    char *key, *sp_key;
    uptime_settings set;
    char month[8];
    st_time ms, me;
    uptime_minute *minutes; /* the month's minutes, all of it (unfetched ones no-data) */
    size_t n_minutes;
    bool partial;
    uptime_window *win;
    size_t n_win;
    st_time fetched_at; /* ST_TIME_NONE: never */
    st_time next_poll;
    st_time fetched_to;   /* end of the minutes the last fetch covered; ST_TIME_NONE: none yet */
    st_time last_full;    /* when the whole month was last fetched */
    st_time computed_for; /* the minute the report was computed for */
    char last_error[600]; /* empty when the last fetch worked */
    /* A fetch's minutes go to the cache a slice at a time (save_slice), one short transaction per
     * turn of the console's loop: a whole month in one transaction held the database's write lock
     * for a quarter of a second or more, and every other console sharing the database waited in
     * its busy handler, its clock stopped (tests/e2e/console_faults.sh). */
    bool saving;
    size_t save_from, save_n; /* next minute index to save; the fetch's end */
    st_time save_now;         /* when the fetch finished */
    uptime_window *save_sp;   /* the status page's windows, saved with the last slice */
    size_t save_nsp;
    bool have_report;
    uptime_report rep;
};

static void load_month(uptime_panel *p, st_time now)
{
    uptime_month_of(now, p->month, &p->ms, &p->me);
    free(p->minutes);
    p->n_minutes = (size_t)((p->me - p->ms) / 60);
    p->minutes = NULL;
    p->partial = false;
    p->fetched_at = ST_TIME_NONE;
    p->fetched_to = ST_TIME_NONE;
    st_err err;
    bool complete = false;
    st_time at = ST_TIME_NONE;
    /* The last known picture; a cache that cannot be read only means starting empty. */
    if (query_uptime_cached(p->ops, p->key, p->month, &complete, &at, &err) == ST_OK)
        p->fetched_at = at;
    query_uptime_req req = {.key = p->key, .sp_key = p->sp_key, .month_start = p->ms, .month_end = p->me, .now = now};
    query_uptime u;
    if (query_uptime_month(p->ops, &req, &u, &err) == ST_OK) {
        p->minutes = u.cached; /* the month's minutes are the panel's from here on */
        u.cached = NULL;
        u.n_cached = 0;
        query_uptime_done(&u);
    } else {
        snprintf(p->last_error, sizeof p->last_error, "%s", err.msg);
    }
    if (!p->minutes)
        p->minutes = xcalloc(p->n_minutes, sizeof *p->minutes);
}

static void recompute(uptime_panel *p, st_time now)
{
    if (p->have_report)
        uptime_report_done(&p->rep);
    p->have_report = false;
    uptime_input in = {.month_start = p->ms,
                       .month_end = p->me,
                       .now = now,
                       .minutes = p->minutes,
                       .n_minutes = p->n_minutes,
                       .has_target = p->set.has_target,
                       .target_percent = p->set.target_percent,
                       .threshold = p->set.threshold,
                       .notice_days = p->set.notice_days,
                       .windows = p->win,
                       .n_windows = p->n_win,
                       .partial = p->partial};
    st_err err;
    if (uptime_compute(&in, &p->rep, &err) == ST_OK)
        p->have_report = true;
    else
        snprintf(p->last_error, sizeof p->last_error, "%s", err.msg);
    p->computed_for = now / 60;
}

static void refresh_windows(uptime_panel *p, const uptime_window *fresh, size_t n_fresh)
{
    uptime_window *w;
    size_t n;
    st_err err;
    if (uptime_windows_collect(p->store, &p->set, p->sp_key, fresh, n_fresh, &w, &n, &err) == ST_OK) {
        uptime_windows_free(p->win, p->n_win);
        p->win = w;
        p->n_win = n;
    }
}

st_code uptime_panel_new(const st_config *cfg, st_store *store, const st_policy *policy, bool read_only,
                         st_time now, uptime_panel **out, st_err *err)
{
    *out = NULL;
    uptime_panel *p = xcalloc(1, sizeof *p);
    p->cfg = cfg;
    p->store = store;
    p->read_only = read_only;
    p->configured = cfg && cfg->has_prometheus && cfg->prometheus.url;
    p->fetched_at = ST_TIME_NONE;
    uptime_settings_of(policy, &p->set);
    clock_freeze(&p->clock, now);
    st_code rc = ST_OK;
    if (p->configured)
        rc = ops_new(store, &p->clock, &p->ops, err);
    if (rc == ST_OK && p->configured) {
        p->key = uptime_source_key(&cfg->prometheus);
        p->sp_key = cfg->statuspage_url ? fetch_redact_url(cfg->statuspage_url) : NULL;
        rc = fetcher_new(&p->f, err);
    }
    if (rc) {
        uptime_panel_free(p);
        return rc;
    }
    if (p->configured) {
        load_month(p, now);
        refresh_windows(p, NULL, 0);
    } else {
        uptime_month_of(now, p->month, &p->ms, &p->me);
    }
    p->next_poll = now; /* fetch at once */
    if (p->configured)
        recompute(p, now);
    *out = p;
    return ST_OK;
}

void uptime_panel_free(uptime_panel *p)
{
    if (!p)
        return;
    uptime_job_free(p->job);
    uptime_windows_free(p->save_sp, p->save_nsp);
    fetcher_free(p->f); /* still attached: curl's last calls unwatch its sockets */
    if (p->r)
        reactor_timer_del(p->r, p->timer);
    for (size_t i = 0; p->r && i < p->n_fds; i++)
        reactor_unwatch(p->r, p->fds[i]);
    free(p->fds);
    ops_free(p->ops);
    free(p->key);
    free(p->sp_key);
    uptime_settings_done(&p->set);
    free(p->minutes);
    uptime_windows_free(p->win, p->n_win);
    if (p->have_report)
        uptime_report_done(&p->rep);
    free(p);
}

/* ---- the fetcher wired to the loop's reactor ---- */

static void fetch_failed(uptime_panel *p, const st_err *err)
{
    snprintf(p->last_error, sizeof p->last_error, "%s", err->msg);
}

static void on_fetch_fd(reactor *r, int fd, int mask, void *data)
{
    (void)r;
    uptime_panel *p = data;
    st_err err;
    int ev = (mask & REACTOR_READABLE ? FETCH_IO_IN : 0) | (mask & REACTOR_WRITABLE ? FETCH_IO_OUT : 0);
    if (fetcher_socket_action(p->f, fd, ev, &err) != ST_OK)
        fetch_failed(p, &err);
}

static void on_fetch_timer(reactor *r, int64_t id, void *data)
{
    (void)r;
    (void)id;
    uptime_panel *p = data;
    p->timer = 0; /* fired; fetcher_timeout may ask for the next one */
    st_err err;
    if (fetcher_timeout(p->f, &err) != ST_OK)
        fetch_failed(p, &err);
}

static void forget_fd(uptime_panel *p, int fd)
{
    for (size_t i = 0; i < p->n_fds; i++)
        if (p->fds[i] == fd) {
            p->fds[i] = p->fds[--p->n_fds];
            return;
        }
}

static void io_watch(void *data, int fd, int events)
{
    uptime_panel *p = data;
    forget_fd(p, fd);
    if (!events) {
        reactor_unwatch(p->r, fd);
        return;
    }
    int mask = (events & FETCH_IO_IN ? REACTOR_READABLE : 0) | (events & FETCH_IO_OUT ? REACTOR_WRITABLE : 0);
    st_err err;
    if (reactor_watch(p->r, fd, mask, on_fetch_fd, p, &err) != ST_OK) {
        fetch_failed(p, &err);
        return;
    }
    p->fds = xrealloc(p->fds, (p->n_fds + 1) * sizeof *p->fds);
    p->fds[p->n_fds++] = fd;
}

static void io_timer(void *data, int ms)
{
    uptime_panel *p = data;
    reactor_timer_del(p->r, p->timer);
    p->timer = ms < 0 ? 0 : reactor_timer_in(p->r, ms, on_fetch_timer, p);
}

void uptime_panel_attach(uptime_panel *p, reactor *r)
{
    if (!p || !p->f || r == p->r)
        return;
    if (p->r) { /* detach: the transfers stop moving until the next attach */
        st_err err;
        fetcher_set_io(p->f, NULL, &err);
        for (size_t i = 0; i < p->n_fds; i++)
            reactor_unwatch(p->r, p->fds[i]);
        p->n_fds = 0;
        reactor_timer_del(p->r, p->timer);
        p->timer = 0;
        p->r = NULL;
    }
    if (!r)
        return;
    fetch_io io = {.watch = io_watch, .timer = io_timer, .data = p};
    st_err err;
    p->r = r;
    if (fetcher_set_io(p->f, &io, &err) != ST_OK) {
        fetch_failed(p, &err);
        p->r = NULL;
    }
}

bool uptime_panel_busy(const uptime_panel *p)
{
    return p && (p->job || p->saving);
}

int uptime_panel_timeout_ms(const uptime_panel *p, st_time now)
{
    if (!p || !p->configured)
        return 60000;
    if (p->saving)
        return 0; /* the next slice on the next turn, after the keys and the clock */
    if (p->job)
        return 100;
    st_time next_minute = (now / 60 + 1) * 60;
    st_time t = p->next_poll < next_minute ? p->next_poll : next_minute;
    return t <= now ? 0 : (int)((t - now) * 1000);
}

static void finish_job(uptime_panel *p, st_time now)
{
    const uptime_minute *m;
    size_t n, nsp;
    bool partial;
    uptime_window *sp = NULL;
    st_err sp_err, err;
    st_err_clear(&err);
    st_code rc = uptime_job_result(p->job, &m, &n, &partial, &sp, &nsp, &sp_err, &err);
    if (rc == ST_OK) {
        /* Merge what this job fetched (from its first minute on) into the month. */
        size_t from = (size_t)((uptime_job_from(p->job) - p->ms) / 60);
        for (size_t i = from; i < n && i < p->n_minutes; i++)
            p->minutes[i] = m[i];
        if (from == 0) {
            p->last_full = now;
            p->partial = partial;
        } else {
            p->partial = p->partial || partial;
        }
        p->fetched_at = now;
        p->fetched_to = p->ms + 60 * (st_time)n;
        p->last_error[0] = '\0';
        if (sp_err.code != ST_OK)
            snprintf(p->last_error, sizeof p->last_error, "status page: %.480s", sp_err.msg);
        if (!p->read_only) {
            p->saving = true;
            p->save_from = from;
            p->save_n = n < p->n_minutes ? n : p->n_minutes;
            p->save_now = now;
            uptime_windows_free(p->save_sp, p->save_nsp);
            p->save_sp = sp; /* saved (and freed) with the last slice */
            p->save_nsp = nsp;
            sp = NULL;
            nsp = 0;
        } else {
            refresh_windows(p, sp, nsp);
        }
    } else {
        snprintf(p->last_error, sizeof p->last_error, "%s", err.msg);
    }
    uptime_windows_free(sp, nsp);
    uptime_job_free(p->job);
    p->job = NULL;
}

/* One day of minutes per transaction: a few milliseconds of the write lock. */
static void save_slice(uptime_panel *p)
{
    bool last = false;
    st_err err;
    st_err_clear(&err);
    if (uptime_cache_save_next(p->store, p->key, p->sp_key, p->ms, p->me, p->save_now, p->minutes, p->save_n,
                               &p->save_from, p->partial, p->save_sp, p->save_nsp, &last, &err) != ST_OK) {
        snprintf(p->last_error, sizeof p->last_error, "cache: %.480s", err.msg);
        last = true; /* the cache is only a cache: the next fetch saves again */
    }
    if (last) {
        p->saving = false;
        refresh_windows(p, NULL, 0);
        uptime_windows_free(p->save_sp, p->save_nsp);
        p->save_sp = NULL;
        p->save_nsp = 0;
    }
}

bool uptime_panel_tick(uptime_panel *p, st_time now)
{
    if (!p || !p->configured)
        return false;
    bool changed = false;
    char month[8];
    st_time ms, me;
    uptime_month_of(now, month, &ms, &me);
    if (p->saving) {
        save_slice(p);
        changed = !p->saving || p->last_error[0];
    }
    if (ms != p->ms && !p->job && !p->saving) { /* a new month began */
        load_month(p, now);
        changed = true;
    }
    if (!p->job && !p->saving && now >= p->next_poll) {
        st_err err;
        int poll_s = p->cfg->prometheus.poll_s > 0 ? p->cfg->prometheus.poll_s : 60;
        p->next_poll = now + poll_s;
        /* Incremental polls re-read the last 10 minutes (late samples); the whole month hourly. */
        st_time from = p->ms;
        if (p->fetched_to != ST_TIME_NONE && now - p->last_full < 3600)
            from = p->fetched_to - 600;
        if (uptime_job_start_from(p->f, &p->cfg->prometheus, p->cfg->statuspage_url, p->ms, p->me, from, now,
                                  &p->job, &err) != ST_OK) {
            snprintf(p->last_error, sizeof p->last_error, "%s", err.msg);
            p->job = NULL;
            changed = true;
        }
    }
    if (p->job) {
        /* The transfers move in the reactor's callbacks; this step without waiting also starts
         * the job's new ones and finishes file:// ones in the same turn, as before the reactor. */
        st_err err;
        if (fetcher_timeout(p->f, &err) != ST_OK)
            fetch_failed(p, &err);
        fetch_result r;
        while (fetcher_take_finished(p->f, &r))
            if (!uptime_job_offer(p->job, &r))
                fetch_result_done(&r);
        if (uptime_job_done(p->job)) {
            finish_job(p, now);
            changed = true;
        }
    }
    if (changed || now / 60 != p->computed_for) {
        recompute(p, now);
        changed = true;
    }
    return changed;
}

/* ---- rendering ------------------------------------------------------------------------------ */

typedef struct {
    uptime_line *l;
    size_t n, cap;
    int cols;
    bool ascii;
} lines;

static void add(lines *ls, uptime_line_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(lines *ls, uptime_line_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *raw = xvasprintf(fmt, ap);
    va_end(ap);
    char *safe = text_sanitize(raw, ls->ascii);
    free(raw);
    if (ls->n == ls->cap) {
        ls->cap = ls->cap ? 2 * ls->cap : 16;
        ls->l = xrealloc(ls->l, ls->cap * sizeof *ls->l);
    }
    ls->l[ls->n].text = text_fit(safe, ls->cols, ls->ascii ? "~" : "\xe2\x80\xa6", false);
    ls->l[ls->n].kind = kind;
    ls->n++;
    free(safe);
}

/* "11-20 10:05" from a time (UTC). */
static const char *short_time(st_time t, char buf[static 21])
{
    char iso[21];
    time_format_iso(t, iso);
    snprintf(buf, 21, "%.5s %.5s", iso + 5, iso + 11);
    return buf;
}

static void age_text(st_time now, st_time then, char *buf, size_t n)
{
    int64_t s = now - then;
    if (s < 0)
        s = 0;
    if (s < 120)
        snprintf(buf, n, "%llds ago", (long long)s);
    else if (s < 7200)
        snprintf(buf, n, "%lld min ago", (long long)(s / 60));
    else if (s < 172800)
        snprintf(buf, n, "%lld h ago", (long long)(s / 3600));
    else
        snprintf(buf, n, "%lld days ago", (long long)(s / 86400));
}

size_t uptime_panel_render(const uptime_panel *p, st_time now, int cols, bool ascii, uptime_line **out)
{
    lines ls = {.cols = cols < 20 ? 20 : cols, .ascii = ascii};
    char a[21], b[21];
    if (!p || !p->configured) {
        add(&ls, UPL_WARN, "no monitoring source");
        add(&ls, UPL_DIM, "configure \"monitoring\" in the config file (see FILES in man slatop) to see uptime here");
        *out = ls.l;
        return ls.n;
    }
    const uptime_report *r = &p->rep;
    bool running = p->have_report && r->elapsed_minutes < r->minutes;
    add(&ls, UPL_HEADER, "Uptime %s%s%s%s", p->month, running ? " (month to date)" : "",
        p->partial ? "  [partial]" : "", p->job ? "  [fetching]" : "");
    if (p->fetched_at == ST_TIME_NONE && !p->have_report) {
        add(&ls, UPL_DIM, "no data yet");
    } else if (p->have_report) {
        if (!r->state_known) { /* minutes without data are not "up": say so, and why */
            char since[32] = "this month";
            if (r->last_data_end != ST_TIME_NONE)
                snprintf(since, sizeof since, "since %s UTC", short_time(r->last_data_end, a));
            add(&ls, UPL_WARN, "State: unknown: no data %s%s%s%s", since,
                p->last_error[0] ? " (fetch failed: " : "", p->last_error, p->last_error[0] ? ")" : "");
        } else if (r->down_now)
            add(&ls, UPL_ERROR, "State: DOWN since %s UTC", short_time(r->down_since, a));
        else
            add(&ls, UPL_OK, "State: up");
        if (r->data_minutes == 0)
            add(&ls, UPL_WARN, "Month to date unknown (no minute has data)");
        else if (r->has_target)
            add(&ls, r->mtd_uptime_percent >= r->target_percent ? UPL_OK : UPL_ERROR,
                "Month to date %.3f%%  target %.3f%%  projected %.3f%%", r->mtd_uptime_percent,
                r->target_percent, r->projected_uptime_percent);
        else
            add(&ls, UPL_NORMAL, "Month to date %.3f%%  (the policy sets no uptime target)",
                r->mtd_uptime_percent);
        if (r->has_target) {
            int width = ls.cols - 40;
            if (width > 30)
                width = 30;
            if (width < 5)
                width = 5;
            double frac = r->budget_minutes > 0 ? r->budget_left_minutes / r->budget_minutes : 0;
            if (frac < 0)
                frac = 0;
            int full = (int)lround(frac * width);
            strbuf g;
            sb_init(&g);
            for (int i = 0; i < width; i++)
                sb_append(&g, i < full ? (ascii ? "#" : "\xe2\x96\x88") : (ascii ? "." : "\xe2\x96\x91"));
            add(&ls, frac > 0.25 ? UPL_OK : (frac > 0 ? UPL_WARN : UPL_ERROR),
                "Budget [%s] %.1f of %.1f min left (%lld spent)", g.buf, r->budget_left_minutes,
                r->budget_minutes, (long long)r->downtime_minutes);
            sb_done(&g);
            add(&ls, r->burn_rate_1h >= 14.4 || r->burn_rate_6h >= 6 ? UPL_ERROR : UPL_NORMAL,
                "Burn rate 1h %.1fx  6h %.1fx  (pages at 14.4x / 6x)", r->burn_rate_1h, r->burn_rate_6h);
        }
        add(&ls, UPL_NORMAL, "Downtime %lld min  excluded %lld min  no data %lld min",
            (long long)r->downtime_minutes, (long long)r->excluded_minutes, (long long)r->no_data_minutes);
        /* Per-day strip: one cell per day of the month. */
        strbuf strip;
        sb_init(&strip);
        int64_t days = r->minutes / 1440;
        for (int64_t d = 0; d < days; d++) {
            st_time ds = p->ms + d * 86400;
            int64_t down = 0;
            for (size_t i = 0; i < r->n_periods; i++) {
                st_time s = r->periods[i].start > ds ? r->periods[i].start : ds;
                st_time e = r->periods[i].end < ds + 86400 ? r->periods[i].end : ds + 86400;
                if (e > s)
                    down += (e - s) / 60;
            }
            const char *cell;
            if (ds > now)
                cell = " ";
            else if (down == 0)
                cell = ascii ? "." : "\xe2\x96\x81";
            else if (down < 5)
                cell = ascii ? ":" : "\xe2\x96\x83";
            else if (down < 15)
                cell = ascii ? "+" : "\xe2\x96\x85";
            else
                cell = ascii ? "#" : "\xe2\x96\x88";
            sb_append(&strip, cell);
        }
        add(&ls, UPL_NORMAL, "Days  %s", strip.buf);
        sb_done(&strip);
        if (r->n_periods == 0)
            add(&ls, UPL_DIM, "No downtime periods this month");
        else
            add(&ls, UPL_NORMAL, "Downtime periods (%zu):", r->n_periods);
        size_t from = r->n_periods > 5 ? r->n_periods - 5 : 0; /* the latest five */
        for (size_t i = from; i < r->n_periods; i++) {
            const uptime_period *pe = &r->periods[i];
            char peak[32];
            if (isfinite(pe->peak_error_rate))
                snprintf(peak, sizeof peak, "%.1f%%", pe->peak_error_rate * 100);
            else
                snprintf(peak, sizeof peak, "errors only");
            add(&ls, UPL_WARN, "  %s-%s  %lld min  peak %s%s", short_time(pe->start, a),
                short_time(pe->end, b) + 6, (long long)pe->minutes, peak,
                pe->no_data_before || pe->no_data_after ? "  (no data next to it)" : "");
        }
    }
    /* Upcoming maintenance: windows ending after now. */
    bool header = false;
    for (size_t i = 0; i < p->n_win; i++) {
        const uptime_window *w = &p->win[i];
        if (w->end <= now)
            continue;
        if (!header)
            add(&ls, UPL_NORMAL, "Upcoming maintenance:");
        header = true;
        bool in_time =
            w->announced != ST_TIME_NONE && w->start - w->announced >= (int64_t)p->set.notice_days * 86400;
        add(&ls, in_time ? UPL_NORMAL : UPL_WARN, "  %s-%s  %s  %s", short_time(w->start, a),
            short_time(w->end, b), w->name ? w->name : (w->id ? w->id : ""),
            in_time ? "(announced in time)" : "(announced late: counts)");
    }
    if (p->fetched_at != ST_TIME_NONE) {
        char age[48];
        age_text(now, p->fetched_at, age, sizeof age);
        add(&ls, UPL_DIM, "Data fetched %s (per-minute estimate from counters)", age);
    }
    if (p->last_error[0])
        add(&ls, UPL_ERROR, "Fetch failed: %s", p->last_error);
    *out = ls.l;
    return ls.n;
}

void uptime_lines_free(uptime_line *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i].text);
    free(l);
}
