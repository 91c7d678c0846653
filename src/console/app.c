/* app: the console's event loop and the list logic (SPEC §4). One thread: each turn waits for the
 * next second boundary, a key or the store's change descriptor (app_wait, db_watch), drains
 * keys, re-times the visible countdowns once a second, picks up other engineers' changes through
 * store_changes_since, and lets ui send only what changed with one doupdate. Signals only set
 * flags. No curses here: see ui.c. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "slatop/app.h"
#include "slatop/console.h"
#include "slatop/sla.h"
#include "slatop/text.h"
#include "slatop/theme.h"
#include "slatop/ui.h"

#define SCAN_BATCH 4096
#define KEYS_FILE_MAX (1024 * 1024)

static volatile sig_atomic_t quit_signal;

static void on_quit_signal(int sig)
{
    quit_signal = sig;
}

/* ---- key scripts (--keys FILE and the screen tests) ---- */

void con_script_free(con_script_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i].name);
    free(items);
}

st_code con_script_parse(const char *text, const char *source, con_script_item **out, size_t *n, st_err *err)
{
    size_t cap = 64, len = 0;
    con_script_item *it = xcalloc(cap, sizeof *it);
    int line = 1;
    bool line_start = true;
    const char *p = text;
    size_t left = strlen(text);
    while (left > 0) {
        if (line_start && *p == '#') { /* comment line */
            while (left > 0 && *p != '\n')
                p++, left--;
            continue;
        }
        if (*p == '\n' || *p == '\r') {
            if (*p == '\n')
                line++;
            line_start = true;
            p++, left--;
            continue;
        }
        line_start = false;
        if (len == cap) {
            cap *= 2;
            it = xrealloc(it, cap * sizeof *it);
        }
        con_script_item *x = &it[len];
        memset(x, 0, sizeof *x);
        if (*p == '<') {
            const char *close = memchr(p, '>', left);
            const char *nl = memchr(p, '\n', left);
            if (!close || (nl && nl < close)) {
                con_script_free(it, len);
                return st_fail(err, ST_USAGE, "%s: line %d: '<' without '>' (write <lt> for a literal '<')",
                               source, line);
            }
            char *tok = xstrndup(p + 1, (size_t)(close - p - 1));
            size_t used = (size_t)(close - p + 1);
            double secs;
            int cols, rows;
            char extra;
            bool ok = true;
            if (strncmp(tok, "sleep ", 6) == 0) {
                ok = sscanf(tok + 6, "%lf%c", &secs, &extra) == 1 && secs >= 0 && secs <= 3600;
                x->kind = SCR_SLEEP;
                x->ms = (int64_t)(secs * 1000.0 + 0.5);
            } else if (strcmp(tok, "idle") == 0) {
                x->kind = SCR_IDLE;
            } else if (strncmp(tok, "snap ", 5) == 0) {
                x->kind = SCR_SNAP;
                x->name = xstrdup(tok + 5);
                ok = tok[5] != '\0';
            } else if (strncmp(tok, "resize ", 7) == 0) {
                ok = sscanf(tok + 7, "%dx%d%c", &cols, &rows, &extra) == 2 && cols > 0 && rows > 0 &&
                     cols <= 1000 && rows <= 1000;
                x->kind = SCR_RESIZE;
                x->cols = cols;
                x->rows = rows;
            } else {
                x->kind = SCR_KEY;
                ok = km_parse_key(tok, &x->key) && strlen(tok) > 1;
            }
            if (!ok) {
                st_fail(err, ST_USAGE, "%s: line %d: <%s>: unknown key or directive", source, line, tok);
                free(tok);
                free(x->name);
                con_script_free(it, len);
                return ST_USAGE;
            }
            free(tok);
            p += used, left -= used;
        } else {
            int32_t cp;
            size_t used = utf8_decode(p, left, &cp);
            if (cp < 0 || cp < 0x20 || cp == 0x7f) {
                con_script_free(it, len);
                return st_fail(err, ST_USAGE,
                               "%s: line %d: control or invalid byte (use <Enter>, <Esc>, <C-x>)", source,
                               line);
            }
            x->kind = SCR_KEY;
            x->key = cp;
            p += used, left -= used;
        }
        len++;
    }
    *out = it;
    *n = len;
    return ST_OK;
}

/* ---- the list ---- */

void con_msg(con_state *c, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    c->msg_error = error;
}

const char *con_sort_name(store_sort s)
{
    switch (s) {
    case STORE_SORT_URGENCY:
        return "urgency";
    case STORE_SORT_LEVEL:
        return "level";
    case STORE_SORT_CREATED:
        return "created";
    case STORE_SORT_CUSTOMER:
        return "customer";
    }
    return "?";
}

/* ASCII case-insensitive substring test (untrusted text may hold anything; bytes compared). */
static bool contains_ci(const char *hay, const char *needle)
{
    if (!hay)
        return false;
    size_t nl = strlen(needle);
    for (const char *h = hay; *h; h++) {
        size_t i = 0;
        while (i < nl && h[i]) {
            char a = h[i], b = needle[i];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z')
                b = (char)(b - 'A' + 'a');
            if (a != b)
                break;
            i++;
        }
        if (i == nl)
            return true;
    }
    return false;
}

static bool filter_on(const con_filter *f)
{
    return f->text || f->level || f->state >= 0;
}

static bool ticket_matches(con_state *c, const st_ticket *t)
{
    const con_filter *f = &c->filter;
    if (f->level && strcmp(t->level, f->level) != 0)
        return false;
    if (f->text) {
        char id[32];
        snprintf(id, sizeof id, "%lld", (long long)t->id);
        if (!contains_ci(t->title, f->text) && !contains_ci(t->customer, f->text) &&
            !contains_ci(t->assignee, f->text) && !contains_ci(t->level, f->text) &&
            !contains_ci(t->ref, f->text) && strcmp(id, f->text) != 0)
            return false;
    }
    if (f->state >= 0) {
        ops_view v;
        st_err e;
        if (ops_view_of(c->ops, t, c->now, &v, &e) != ST_OK)
            return false;
        bool ok = (int)v.timer.state == f->state;
        ops_view_done(&v);
        return ok;
    }
    return true;
}

static void free_rows(con_state *c)
{
    for (size_t i = 0; i < c->n_rows; i++)
        ops_view_done(&c->rows[i].v);
    free(c->rows);
    c->rows = NULL;
    c->n_rows = 0;
}

static void free_matches(con_state *c)
{
    for (size_t i = 0; i < c->n_matches; i++)
        ticket_done(&c->matches[i]);
    free(c->matches);
    c->matches = NULL;
    c->n_matches = 0;
}

/* Filtered mode scans the whole ordering in batches and keeps the matches: filters are rare and
 * the scan is linear (about a second per million tickets); the unfiltered list pages instead. */
static st_code load_matches(con_state *c, st_err *err)
{
    free_matches(c);
    size_t cap = 0;
    for (int64_t off = 0;; off += SCAN_BATCH) {
        store_list_query q = {.include_resolved = false, .sort = c->sort, .offset = off, .limit = SCAN_BATCH};
        st_ticket *batch = NULL;
        size_t n = 0;
        st_code rc = store_ticket_list(c->store, &q, &batch, &n, err);
        if (rc != ST_OK)
            return rc;
        for (size_t i = 0; i < n; i++) {
            if (ticket_matches(c, &batch[i])) {
                if (c->n_matches == cap) {
                    cap = cap ? cap * 2 : 64;
                    c->matches = xrealloc(c->matches, cap * sizeof *c->matches);
                }
                c->matches[c->n_matches++] = batch[i]; /* moved */
            } else {
                ticket_done(&batch[i]);
            }
        }
        free(batch);
        if (n < SCAN_BATCH)
            break;
    }
    return ST_OK;
}

static void clamp_window(con_state *c)
{
    int page = c->page > 0 ? c->page : 1;
    if (c->sel >= c->total)
        c->sel = c->total - 1;
    if (c->sel < 0)
        c->sel = 0;
    if (c->sel < c->top)
        c->top = c->sel;
    if (c->sel >= c->top + page)
        c->top = c->sel - page + 1;
    if (c->top > c->total - page)
        c->top = c->total - page;
    if (c->top < 0)
        c->top = 0;
}

static st_code load_window(con_state *c, st_err *err)
{
    free_rows(c);
    if (c->total == 0 || c->page <= 0)
        return ST_OK;
    st_ticket *ts = NULL;
    size_t n = 0;
    bool borrowed = false;
    if (c->filtered) {
        ts = c->matches + c->top;
        int64_t left = (int64_t)c->n_matches - c->top;
        n = (size_t)(left < c->page ? (left > 0 ? left : 0) : c->page);
        borrowed = true;
    } else {
        store_list_query q = {.include_resolved = false, .sort = c->sort, .offset = c->top, .limit = c->page};
        st_code rc = store_ticket_list(c->store, &q, &ts, &n, err);
        if (rc != ST_OK)
            return rc;
    }
    c->rows = xcalloc(n ? n : 1, sizeof *c->rows);
    st_code rc = ST_OK;
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        rc = ops_view_of(c->ops, &ts[i], c->now, &c->rows[c->n_rows].v, err);
        if (rc == ST_OK)
            c->n_rows++;
    }
    if (!borrowed) {
        for (size_t i = 0; i < n; i++)
            ticket_done(&ts[i]);
        free(ts);
    }
    return rc;
}

static void count_states(con_state *c)
{
    memset(c->count_state, 0, sizeof c->count_state);
    for (size_t i = 0; i < c->n_rows; i++) {
        int s = (int)c->rows[i].v.timer.state;
        if (s >= 0 && s < 6)
            c->count_state[s]++;
    }
}

st_code con_reload(con_state *c, st_err *err)
{
    st_code rc;
    con_row *was = con_selected(c);
    int64_t keep_id = was ? was->v.t.id : 0; /* the selection follows its ticket when it moves */
    c->reload_needed = false;
    bool changed;
    if (store_changes_since(c->store, &c->data_version, &changed, err) != ST_OK)
        return err->code;
    st_err pe;
    if (ops_policy(c->ops, 0, &c->policy, &c->policy_version, &pe) != ST_OK)
        c->policy = NULL; /* the list does not need it; the header says "?" */
    c->filtered = filter_on(&c->filter);
    if (c->filtered) {
        rc = load_matches(c, err);
        if (rc != ST_OK)
            return rc;
        c->total = (int64_t)c->n_matches;
    } else {
        free_matches(c);
        rc = store_ticket_count(c->store, false, &c->total, err);
        if (rc != ST_OK)
            return rc;
    }
    clamp_window(c);
    rc = load_window(c, err);
    for (size_t i = 0; keep_id && i < c->n_rows; i++)
        if (c->rows[i].v.t.id == keep_id) {
            c->sel = c->top + (int64_t)i;
            break;
        }
    count_states(c);
    return rc;
}

static void reload_or_report(con_state *c)
{
    st_err e;
    st_err_clear(&e);
    if (con_reload(c, &e) != ST_OK)
        con_msg(c, true, "reload failed: %s", e.msg);
    ui_data_changed(c);
}

void con_retime(con_state *c)
{
    for (size_t i = 0; i < c->n_rows; i++) {
        ops_view *v = &c->rows[i].v;
        sla_input in = {.level = v->level_index,
                        .due = v->t.due,
                        .first_response = v->t.first_response,
                        .response_due = v->t.response_due};
        sla_timer_at(v->policy, &in, c->now, &v->timer);
        if (v->timer.state == SLA_BREACHED)
            v->breached_ever = true;
    }
    count_states(c);
}

void con_move_to(con_state *c, int64_t index)
{
    int64_t old_top = c->top;
    c->sel = index;
    clamp_window(c);
    if (c->top != old_top) {
        st_err e;
        st_err_clear(&e);
        if (load_window(c, &e) != ST_OK)
            con_msg(c, true, "%s", e.msg);
        count_states(c);
    }
}

void con_move(con_state *c, int64_t delta)
{
    con_move_to(c, c->sel + delta);
}

con_row *con_selected(con_state *c)
{
    int64_t i = c->sel - c->top;
    if (c->total == 0 || i < 0 || i >= (int64_t)c->n_rows)
        return NULL;
    return &c->rows[i];
}

void con_set_filter_text(con_state *c, const char *text)
{
    char *copy = (text && *text) ? xstrdup(text) : NULL; /* text may be c->filter.text itself */
    free(c->filter.text);
    c->filter.text = copy;
    c->sel = c->top = 0;
    free_rows(c); /* a new ordering starts at its top */
    reload_or_report(c);
}

bool con_set_filter_level_or_state(con_state *c, const char *what)
{
    const st_policy *p = c->policy;
    if (p) {
        for (size_t i = 0; i < p->n_levels; i++)
            if (strcasecmp(p->levels[i].id, what) == 0) {
                free(c->filter.level);
                c->filter.level = xstrdup(p->levels[i].id);
                c->filter.state = -1;
                c->sel = c->top = 0;
                free_rows(c); /* a new ordering starts at its top */
                reload_or_report(c);
                return true;
            }
    }
    for (int s = SLA_OK; s <= SLA_MISSED; s++)
        if (strcasecmp(sla_state_name((sla_state)s), what) == 0) {
            free(c->filter.level);
            c->filter.level = NULL;
            c->filter.state = s;
            c->sel = c->top = 0;
            free_rows(c); /* a new ordering starts at its top */
            reload_or_report(c);
            return true;
        }
    con_msg(c, true, "filter: '%.60s' is neither a level nor a state (ok warn paused breached met missed)",
            what);
    return false;
}

void con_clear_filter(con_state *c)
{
    free(c->filter.text);
    free(c->filter.level);
    c->filter.text = c->filter.level = NULL;
    c->filter.state = -1;
    c->sel = c->top = 0;
    free_rows(c);
    reload_or_report(c);
}

void con_cycle_sort(con_state *c)
{
    c->sort = (store_sort)((c->sort + 1) % 4);
    c->sel = c->top = 0;
    free_rows(c); /* a new ordering starts at its top */
    reload_or_report(c);
    con_msg(c, false, "sorted by %s", con_sort_name(c->sort));
}

void con_changed(con_state *c)
{
    reload_or_report(c);
}

/* ---- set-up ---- */

/* The display zone: config display_timezone, else $TZ, else /etc/timezone, else UTC. */
static st_code load_display_zone(con_state *c, st_err *err)
{
    const char *name = c->config ? c->config->display_timezone : NULL;
    char buf[128] = "";
    if (!name) {
        const char *tz = getenv("TZ");
        if (tz && *tz == ':')
            tz++;
        if (tz && *tz && *tz != '/')
            name = tz;
    }
    if (!name) {
        FILE *f = fopen("/etc/timezone", "r");
        if (f) {
            if (fgets(buf, sizeof buf, f)) {
                buf[strcspn(buf, "\r\n")] = '\0';
                if (buf[0])
                    name = buf;
            }
            fclose(f);
        }
    }
    if (!name)
        name = "UTC";
    st_code rc = tz_load(name, &c->display_zone, err);
    if (rc != ST_OK && c->config && c->config->display_timezone) {
        st_err_prefix(err, "display_timezone");
        return rc;
    }
    if (rc != ST_OK) /* a strange $TZ: fall back rather than refuse to start */
        return tz_load("UTC", &c->display_zone, err);
    return ST_OK;
}

static void con_done(con_state *c)
{
    free_rows(c);
    free_matches(c);
    free(c->filter.text);
    free(c->filter.level);
    if (c->panel)
        uptime_panel_free(c->panel);
    if (c->ops)
        ops_free(c->ops);
    if (c->store)
        store_close(c->store);
    tz_free(c->display_zone);
    memset(c, 0, sizeof *c);
}

st_code app_config_check(const st_config *config, km_map *keys, st_err *err)
{
    km_map scratch;
    if (!keys) {
        km_init_defaults(&scratch);
        keys = &scratch;
    }
    st_code rc = ST_OK;
    if (config && config->n_keys)
        rc = km_apply_config(keys, config->keys, config->n_keys, err);
    for (size_t i = 0; rc == ST_OK && config && i < config->n_colors; i++) {
        ui_element e;
        if (!theme_element_parse(config->colors[i].element, &e))
            rc = st_fail(err, ST_INVALID, "theme.%s: unknown element (%s)", config->colors[i].element,
                         theme_element_list());
    }
    if (rc != ST_OK)
        st_err_prefix(err, "%s", config->path ? config->path : "config");
    return rc;
}

static st_code con_init(con_state *c, const char *db_path, const st_config *config, const st_clock *clock,
                        bool read_only, st_err *err)
{
    memset(c, 0, sizeof *c);
    c->config = config;
    c->clock = *clock;
    c->read_only = read_only;
    c->filter.state = -1;
    c->sort = STORE_SORT_URGENCY;
    c->now = clock_now(&c->clock);
    km_init_defaults(&c->keys);
    st_code rc = app_config_check(config, &c->keys, err);
    if (rc != ST_OK)
        return rc;
    rc = load_display_zone(c, err);
    if (rc == ST_OK)
        rc = store_open(db_path, read_only ? STORE_OPEN_RO : STORE_OPEN_RW, &c->store, err);
    if (rc == ST_OK)
        rc = ops_new(c->store, &c->clock, &c->ops, err);
    if (rc == ST_OK) {
        ops_set_read_only(c->ops, read_only);
        store_defer_maintenance(c->store); /* to app_loop's idle moments, after the screen */
    }
    if (rc == ST_OK && config) { /* the dashboard's model: a failure there must not stop the list */
        st_err pe;
        st_err_clear(&pe);
        const st_policy *pol = NULL; /* parsed once: the list's first page finds it in the cache */
        st_code prc = ops_policy(c->ops, 0, &pol, NULL, &pe);
        if (prc == ST_NOTFOUND)
            st_err_clear(&pe);
        if ((prc != ST_OK && prc != ST_NOTFOUND) ||
            uptime_panel_new(config, c->store, pol, read_only, c->now, &c->panel, &pe) != ST_OK) {
            c->panel = NULL;
            snprintf(c->panel_err, sizeof c->panel_err, "%s", pe.msg);
        }
    }
    if (rc != ST_OK)
        con_done(c);
    return rc;
}

/* ---- the event loop ---- */

/* Milliseconds until the wall clock's next second boundary (countdowns tick on it). */
static int ms_to_next_second(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int)(1000 - ts.tv_nsec / 1000000) + 2;
}

/* Another process's commit wakes the loop at once instead of at the next second: the store's
 * watch descriptor, joined with the keyboard in one epoll descriptor because the fetcher's wait
 * takes a single extra descriptor. */
#define WATCH_SAFETY_S 5 /* with a watch descriptor: ask on every 5th second too, just in case */

typedef struct {
    int store_fd; /* the store's watch descriptor (owned by the store); -1: it polls */
    int ep;       /* epoll over the keyboard and store_fd; -1: none (no keyboard: store_fd alone) */
} db_watch;

static void watch_open(db_watch *w, con_state *c, int key_fd)
{
    w->ep = -1;
    w->store_fd = store_watch_fd(c->store);
    if (w->store_fd < 0 || key_fd < 0)
        return;
    struct epoll_event ke = {.events = EPOLLIN, .data.fd = key_fd};
    struct epoll_event ie = {.events = EPOLLIN, .data.fd = w->store_fd};
    w->ep = epoll_create1(EPOLL_CLOEXEC);
    if (w->ep < 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, key_fd, &ke) < 0 ||
        epoll_ctl(w->ep, EPOLL_CTL_ADD, w->store_fd, &ie) < 0) { /* e.g. a keyboard epoll refuses */
        if (w->ep >= 0)
            close(w->ep);
        w->ep = -1;
    }
}

static void watch_close(db_watch *w)
{
    if (w->ep >= 0)
        close(w->ep);
    w->ep = -1;
}

/* The descriptor the loop waits on: the keyboard's, or the epoll/store one that includes it. */
static int watch_fd(const db_watch *w, int key_fd)
{
    return w->ep >= 0 ? w->ep : w->store_fd >= 0 && key_fd < 0 ? w->store_fd : key_fd;
}

/* The one place the loop sleeps: until a key arrives on fd, the dashboard's transfers move, or
 * timeout_ms passes (-1: forever, 0: poll). With a panel the wait is the fetcher's
 * (curl_multi_poll with the keyboard as an extra descriptor), so fetching never blocks keys. */
static void app_wait(con_state *c, int fd, int timeout_ms)
{
    if (c->panel) {
        st_err e;
        if (uptime_panel_wait(c->panel, timeout_ms < 0 ? 60000 : timeout_ms, fd, NULL, &e) == ST_OK)
            return;
    }
    if (fd < 0) {
        if (timeout_ms > 0) {
            struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        return;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    (void)poll(&p, 1, timeout_ms); /* EINTR (a signal, SIGWINCH) just ends the wait */
}

typedef struct {
    con_script_item *script; /* borrowed; NULL: interactive */
    size_t n_script;
    long max_frames;
    bool capture; /* record <snap> screens */
    app_snapshot *snaps;
    size_t n_snaps;
} loop_opts;

static void snap(loop_opts *lo, const char *name)
{
    strbuf sb;
    sb_init(&sb);
    ui_screen_text(&sb);
    lo->snaps = xrealloc(lo->snaps, (lo->n_snaps + 1) * sizeof *lo->snaps);
    lo->snaps[lo->n_snaps].name = xstrdup(name);
    lo->snaps[lo->n_snaps].text = sb_steal(&sb);
    lo->n_snaps++;
}

static void app_loop(con_state *c, loop_opts *lo)
{
    long frames = 0;
    size_t si = 0;
    st_mono sleep_until = 0;
    int64_t frozen_ms = 0; /* sub-second remainder of <sleep> on a frozen clock */
    st_time last_sec = ST_TIME_NONE;
    st_err e;
    db_watch watch = {.store_fd = -1, .ep = -1}; /* opened before the first wait, below */
    bool watching = false;
    for (;;) {
        if (quit_signal) {
            c->quit = true;
            break;
        }
        c->now = clock_now(&c->clock);
        bool second = c->now != last_sec, db_due = watching && store_watch_due(c->store);
        if (second || c->reload_needed || db_due) {
            last_sec = c->now;
            st_err_clear(&e);
            /* with the watch, a second alone seldom asks (a store read: ~10% of a tick's CPU) */
            bool ask = db_due || c->reload_needed ||
                       (second && (watch.store_fd < 0 || c->now % WATCH_SAFETY_S == 0));
            bool other = false;
            if (ask && store_changes_since(c->store, &c->data_version, &other, &e) != ST_OK)
                other = false;
            bool reload = c->reload_needed || other;
            if (reload)
                reload_or_report(c); /* another engineer's change: within milliseconds (inotify) */
            else if (second)
                con_retime(c);
            if (second || reload)
                ui_tick(c);
        }
        if (c->panel && uptime_panel_tick(c->panel, c->now))
            ui_panel_changed();
        if (ui_render(c)) {
            frames++;
            if (lo->max_frames >= 0 && frames >= lo->max_frames)
                break;
        }
        if (c->quit)
            break;
        store_idle(c->store); /* the screen is drawn: maintenance due now delays no keypress */
        if (!watching) { /* after the first frame, so that a --max-frames run (first paint) never
                          * pays for it: closing an inotify descriptor waits ~15 ms for the kernel */
            watch_open(&watch, c, ui_input_fd());
            watching = true;
        }
        int timeout = store_watch_timeout_ms(c->store, c->clock.frozen ? -1 : ms_to_next_second());
        if (c->panel) {
            int pt = uptime_panel_timeout_ms(c->panel, c->now);
            if (timeout < 0 || pt < timeout)
                timeout = pt;
            if (c->clock.frozen && uptime_panel_busy(c->panel) && (timeout < 0 || timeout > 50))
                timeout = 50; /* a frozen clock: keep collecting the transfers in flight */
        }
        if (lo->script) {
            st_mono now_m = mono_now();
            if (sleep_until && now_m < sleep_until) {
                int left = (int)((sleep_until - now_m) / 1000000) + 1;
                if (timeout < 0 || left < timeout)
                    timeout = left;
            } else {
                sleep_until = 0;
                if (si == lo->n_script) {
                    c->quit = true; /* the script's end quits */
                    break;
                }
                con_script_item *it = &lo->script[si++];
                switch (it->kind) {
                case SCR_KEY:
                    ui_handle_key(c, it->key);
                    break;
                case SCR_SNAP:
                    if (lo->capture)
                        snap(lo, it->name);
                    break;
                case SCR_RESIZE:
                    ui_resize(c, it->cols, it->rows);
                    break;
                case SCR_IDLE:
                    for (st_mono end = mono_now() + 10000000000LL; c->panel && mono_now() < end;) {
                        if (uptime_panel_tick(c->panel, c->now))
                            ui_panel_changed();
                        if (!uptime_panel_busy(c->panel))
                            break;
                        app_wait(c, -1, 20);
                    }
                    break;
                case SCR_SLEEP:
                    if (c->clock.frozen) {
                        frozen_ms += it->ms;
                        c->clock.frozen_at += frozen_ms / 1000;
                        frozen_ms %= 1000;
                    } else {
                        sleep_until = mono_now() + it->ms * 1000000;
                    }
                    break;
                }
                continue;
            }
        }
        app_wait(c, watch_fd(&watch, ui_input_fd()), timeout);
        km_key k;
        while (ui_read_key(&k)) {
            if (lo->script && k != KM_RESIZE)
                continue; /* scripted: the keyboard only resizes */
            ui_handle_key(c, k);
            if (c->quit)
                break;
        }
    }
    watch_close(&watch);
}

static void install_signals(struct sigaction old[3])
{
    static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_quit_signal;
    sigemptyset(&sa.sa_mask);
    quit_signal = 0;
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &sa, &old[i]);
}

static void restore_signals(const struct sigaction old[3])
{
    static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &old[i], NULL);
}

static int run(con_state *c, loop_opts *lo, int null_cols, int null_rows, const char *term, st_err *err)
{
    struct sigaction old[3];
    st_code rc = con_reload(c, err);
    if (rc != ST_OK)
        return st_exit_status(rc);
    rc = ui_open(c, null_cols, null_rows, term, err);
    if (rc != ST_OK)
        return st_exit_status(rc);
    install_signals(old); /* ui_open's layout has loaded the first page (its size known only then) */
    app_loop(c, lo);
    ui_close();
    restore_signals(old);
    if (quit_signal && quit_signal != SIGINT) {
        st_fail(err, ST_IO, "console: stopped by signal %d", (int)quit_signal);
        return 1;
    }
    return c->exit_status;
}

int app_run(const cli_globals *g, st_err *err)
{
    con_state c;
    con_script_item *script = NULL;
    size_t n_script = 0;
    if (g->keys_file) {
        char *text = NULL;
        size_t len;
        st_code rc = read_file_all(g->keys_file, KEYS_FILE_MAX, &text, &len, err);
        if (rc == ST_OK)
            rc = con_script_parse(text, g->keys_file, &script, &n_script, err);
        free(text);
        if (rc != ST_OK)
            return st_exit_status(rc);
    }
    st_code rc = con_init(&c, g->db_path, g->config, &g->clock, g->read_only, err);
    if (rc != ST_OK) {
        con_script_free(script, n_script);
        return st_exit_status(rc);
    }
    c.ascii = g->ascii;
    c.color = !g->no_color;
    loop_opts lo = {.script = script, .n_script = n_script, .max_frames = g->max_frames};
    if (g->keys_file && !script)
        lo.script = xcalloc(1, sizeof *script); /* an empty script quits at once */
    int status = run(&c, &lo, 0, 0, NULL, err);
    if (lo.script != script)
        free(lo.script);
    con_script_free(script, n_script);
    con_done(&c);
    return status;
}

int app_run_scripted(const app_script_opts *o, app_snapshot **snaps, size_t *n_snaps, st_err *err)
{
    bool utf8 = st_locale_init();
    *snaps = NULL;
    *n_snaps = 0;
    con_script_item *script = NULL;
    size_t n_script = 0;
    st_code rc = con_script_parse(o->script ? o->script : "", "script", &script, &n_script, err);
    if (rc != ST_OK)
        return st_exit_status(rc);
    con_state c;
    rc = con_init(&c, o->db_path, o->config, &o->clock, o->read_only, err);
    if (rc != ST_OK) {
        con_script_free(script, n_script);
        return st_exit_status(rc);
    }
    c.ascii = o->ascii || !utf8;
    c.color = !o->no_color;
    con_script_item empty = {.kind = SCR_SLEEP};
    loop_opts lo = {.script = script ? script : &empty,
                    .n_script = n_script,
                    .max_frames = o->max_frames,
                    .capture = true};
    int status = run(&c, &lo, o->cols > 0 ? o->cols : 80, o->rows > 0 ? o->rows : 24,
                     o->term ? o->term : "xterm-256color", err);
    con_script_free(script, n_script);
    con_done(&c);
    *snaps = lo.snaps;
    *n_snaps = lo.n_snaps;
    return status;
}

void app_snapshots_free(app_snapshot *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].name);
        free(s[i].text);
    }
    free(s);
}
