/* app: the console's event loop (SPEC §4), the only place where the effects views return are
 * applied (the list itself is list_model.c). One thread: each turn waits in the reactor for the
 * next second boundary, a key or the store's change descriptor (app_wait), drains
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
#include <time.h>
#include <unistd.h>

#include "slatop/app.h"
#include "slatop/con_alerts.h"
#include "slatop/console.h"
#include "slatop/editor.h"
#include "slatop/reactor.h"
#include "slatop/sla.h"
#include "slatop/store.h"
#include "slatop/text.h"
#include "slatop/theme.h"
#include "slatop/ui.h"

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

/* ---- applying effects: the one place where what the views ask for happens ---- */

static void set_msg(con_state *c, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_msg(con_state *c, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    c->msg_error = error;
    ui_status_changed();
}

/* Reloads the list from the store (and its matches when a filter is on). */
static st_code con_reload(con_state *c, st_err *err)
{
    c->reload_needed = false;
    char down[128];
    if (store_unreachable(c->store, down, sizeof down))
        return ST_OK; /* keep what was read: the clocks tick on from it; reloaded once back */
    bool changed;
    if (store_changes_since(c->store, &c->data_version, &changed, err) != ST_OK)
        return err->code;
    st_code rc = lm_reload(c->list, c->now, err);
    if (rc != ST_OK && c->search_abandoned) { /* a key came first: it is read, then this again */
        c->reload_needed = true;
        rc = ST_OK;
    }
    c->search_abandoned = false;
    return rc;
}

/* The list's cancel callback (lm_set_cancel): typing is never held up by a search, which is
 * abandoned when a key is waiting and read again after it (SPEC §11). */
static bool key_waiting(void *ctx)
{
    con_state *c = ctx;
    struct pollfd p = {.fd = ui_input_fd(), .events = POLLIN};
    if (p.fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
        c->search_abandoned = true;
        return true;
    }
    return false;
}

/* The list's background work (a search's count, a filter's matches): a slice of a few ms
 * between keys and ticks. True while some is left. */
#define LIST_WORK_NS 8000000LL
static bool list_work(con_state *c)
{
    bool more = false, changed = false;
    st_err e;
    st_err_clear(&e);
    if (lm_work(c->list, LIST_WORK_NS, &more, &changed, &e) != ST_OK) {
        set_msg(c, true, "search failed: %s", e.msg);
        changed = true;
    }
    if (changed)
        ui_data_changed(c);
    return more;
}

static void reload_or_report(con_state *c)
{
    st_err e;
    st_err_clear(&e);
    if (con_reload(c, &e) != ST_OK)
        set_msg(c, true, "reload failed: %s", e.msg);
    ui_data_changed(c);
}

/* The screen's size or the dashboard changed: lay out, size the list's window, reload. */
static void relayout(con_state *c)
{
    lm_set_page(c->list, ui_relayout(c));
    reload_or_report(c);
}

/* A reply or a note written in the user's editor (editor.h). The terminal is the editor's until it
 * exits: this waits for it, so the loop neither ticks nor draws meanwhile; then the screen is laid
 * out afresh (its size may have changed) and redrawn whole. The message is recorded with the
 * version the user saw; when that is refused, the text stays in its file, named in the status
 * line, rather than being lost. */
static void compose(con_state *c, const con_edit *ed)
{
    const char *what = msg_kind_name(ed->kind);
    long long id = (long long)ed->id;
    st_err e;
    st_err_clear(&e);
    char *header = ed_header(ed->id, ed->title, ed->kind);
    ed_file f = {0};
    st_code rc = ed_file_new(header, &f, &e);
    free(header);
    if (rc != ST_OK) {
        set_msg(c, true, "%s #%lld: %s", what, id, e.msg);
        return;
    }
    char **argv = ed_argv_new(ed_command(getenv("VISUAL"), getenv("EDITOR")), f.path);
    int status = -1;
    rc = ed_run(argv, ui_input_fd() >= 0, &status, &e);
    ed_argv_free(argv);
    char *body = NULL;
    size_t len = 0;
    bool keep = false;
    if (rc != ST_OK)
        set_msg(c, true, "%s #%lld: %s", what, id, e.msg);
    else if (status != 0)
        set_msg(c, true, "%s #%lld cancelled: the editor exited with status %d", what, id, status);
    else if (ed_file_read(&f, &body, &len, &e) != ST_OK)
        set_msg(c, true, "%s #%lld: %s", what, id, e.msg);
    else if (!body)
        set_msg(c, false, "%s #%lld cancelled: empty message", what, id);
    else if (ops_message(c->ops, ed->id, ed->kind, NULL, body, len, ed->version, NULL, &e) != ST_OK) {
        keep = true;
        set_msg(c, true, "%s #%lld not recorded, kept in %s: %s", what, id, f.path, e.msg);
    } else
        set_msg(c, false, "#%lld: %s recorded", id, what);
    free(body);
    ed_file_done(&f, keep);
    relayout(c); /* also reloads: the message (a reply may stop a clock) shows at once */
}

static void apply(con_state *c, con_effect *fx)
{
    if (fx->r == VR_CLOSE && !ui_close_view(fx->from))
        c->quit = true; /* the list closes by quitting */
    if (fx->r == VR_QUIT || fx->quit)
        c->quit = true;
    if (fx->push)
        ui_push(fx->push);
    fx->push = NULL;
    if (fx->has_msg)
        set_msg(c, fx->msg_error, "%s", fx->msg);
    if (fx->edit && !c->quit)
        compose(c, fx->edit);
    if (fx->edit)
        free(fx->edit->title);
    free(fx->edit);
    fx->edit = NULL;
    if (fx->dashboard)
        c->dash_on = !c->dash_on;
    if (fx->relayout || fx->dashboard)
        relayout(c);
    else if (fx->reload)
        reload_or_report(c);
}

/* A key: the message of the previous one goes, the views answer, the loop applies. */
static void handle_key(con_state *c, km_key k)
{
    if (k != KM_NONE && k != KM_RESIZE && c->msg[0]) {
        c->msg[0] = '\0';
        ui_status_changed();
    }
    con_effect fx = ui_handle_key(c, k);
    apply(c, &fx);
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
    con_alerts_free(c->alerts);
    lm_free(c->list);
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
            rc = st_fail(err, ST_INVALID,
                         "theme.%s: unknown element (normal %s selected header status error badge dim)",
                         config->colors[i].element, sla_state_names());
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
    /* A shift-long reader: its pages stay in the kernel's cache anyway; 6 MiB of its own keeps a
     * console on 1,000,000 tickets near one on 10,000 (console_rss_1m, SPEC §11). */
    if (rc == ST_OK)
        store_set_cache_kib(c->store, 6144);
    if (rc == ST_OK) {
        c->list = lm_new(c->ops);
        ops_set_read_only(c->ops, read_only);
        store_defer_maintenance(c->store); /* to app_loop's idle moments, after the screen */
    }
    if (rc != ST_OK)
        con_done(c);
    return rc;
}

/* The dashboard's model (a failure there must not stop the list), made after the first reload,
 * whose latest policy it takes (lm_policy): reading it here too cost PostgreSQL a round trip
 * before the first screen. Asked again only when that reload found none or could not read it,
 * to say why. */
static void panel_open(con_state *c)
{
    if (!c->config)
        return;
    st_err pe;
    st_err_clear(&pe);
    const st_policy *pol = lm_policy(c->list);
    st_code prc = ST_OK;
    if (!pol && (prc = ops_policy(c->ops, 0, &pol, NULL, &pe)) == ST_NOTFOUND)
        st_err_clear(&pe);
    if ((prc != ST_OK && prc != ST_NOTFOUND) ||
        uptime_panel_new(c->config, c->store, pol, c->read_only, c->now, &c->panel, &pe) != ST_OK) {
        c->panel = NULL;
        snprintf(c->panel_err, sizeof c->panel_err, "%s", pe.msg);
    }
}

/* ---- the event loop ---- */

/* Milliseconds until the wall clock's next second boundary (countdowns tick on it). */
static int ms_to_next_second(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int)(1000 - ts.tv_nsec / 1000000) + 2;
}

/* The loop's reactor: the keyboard and the store's change descriptor wake it (another process's
 * commit shows at once instead of at the next second), curl's sockets move the dashboard's
 * transfers (uptime_panel_attach), and timers wake it for the second tick, the store's re-read
 * schedule, the dashboard's polls and a script's sleep. These callbacks only end the wait: the
 * loop's turn then decides what is due, in one place. */
#define WATCH_SAFETY_S 5 /* with a watch descriptor: ask on every 5th second too, just in case */

typedef enum { WAKE_TICK, WAKE_STORE, WAKE_PANEL, WAKE_SCRIPT, WAKE_N } wake_kind;

typedef struct {
    reactor *r;
    int key_fd;           /* the keyboard's; -1: none (a null terminal) */
    int store_fd;         /* the store's watch descriptor (owned by the store); -1: it polls */
    int64_t wake[WAKE_N]; /* the wake-up timers' ids; 0: none */
} loop_io;

static void on_ready(reactor *r, int fd, int mask, void *data)
{
    (void)r; /* the loop's turn drains the keys and the store's descriptor */
    (void)fd;
    (void)mask;
    (void)data;
}

static void on_wake(reactor *r, int64_t id, void *data)
{
    (void)r;
    (void)id;
    (void)data;
}

/* (Re-)arms wake-up k in ms milliseconds; -1: none. */
static void wake_in(loop_io *io, wake_kind k, int ms)
{
    reactor_timer_del(io->r, io->wake[k]);
    io->wake[k] = ms < 0 ? 0 : reactor_timer_in(io->r, ms, on_wake, NULL);
}

static void keys_watch(loop_io *io, bool on)
{
    st_err e;
    if (io->key_fd >= 0 && on)
        (void)reactor_watch(io->r, io->key_fd, REACTOR_READABLE, on_ready, NULL, &e);
    else if (io->key_fd >= 0)
        reactor_unwatch(io->r, io->key_fd);
}

static void loop_io_open(loop_io *io, con_state *c)
{
    *io = (loop_io){.r = reactor_new(), .key_fd = ui_input_fd(), .store_fd = -1};
    keys_watch(io, true);
    uptime_panel_attach(c->panel, io->r);
}

static void watch_open(loop_io *io, con_state *c)
{
    st_err e;
    io->store_fd = store_watch_fd(c->store);
    if (io->store_fd >= 0 &&
        reactor_watch(io->r, io->store_fd, REACTOR_READABLE, on_ready, NULL, &e) != ST_OK)
        io->store_fd = -1;
}

/* The store's descriptor changes when its connection is lost (-1: the backend closed it) and made
 * again: re-watched before every wait, so the reactor never polls a closed descriptor. */
static void watch_sync(loop_io *io, con_state *c)
{
    if (store_watch_fd(c->store) == io->store_fd)
        return;
    if (io->store_fd >= 0)
        reactor_unwatch(io->r, io->store_fd);
    watch_open(io, c);
}

/* A lost database connection (SPEC §10): the status line names it while it lasts (again after a
 * key clears the line; changes are refused with the same text by the store), and everything is
 * re-read once it is back. text (size bytes) holds the outage's line, "" when none. */
static bool track_outage(con_state *c, char *text, size_t size)
{
    char now[128];
    bool down = store_unreachable(c->store, now, sizeof now);
    if (down && (!text[0] || !c->msg[0])) {
        snprintf(text, size, "%s", now);
        set_msg(c, true, "%s", text);
    } else if (!down && text[0]) {
        if (strstr(c->msg, text)) { /* the outage's line, or a change refused during it */
            c->msg[0] = '\0';
            ui_status_changed();
        }
        text[0] = '\0';
        c->reload_needed = true;
    }
    return down;
}

static void loop_io_close(loop_io *io, con_state *c)
{
    uptime_panel_attach(c->panel, NULL);
    reactor_free(io->r);
    io->r = NULL;
}

/* The one place the loop sleeps: until a wake-up above falls due, a key arrives, the store's
 * descriptor or one of curl's sockets is ready, or max_ms passes (-1: no limit). A signal
 * (SIGWINCH, a quit) just ends the wait. Fetching never blocks keys: both are the reactor's. */
static void app_wait(loop_io *io, int max_ms)
{
    st_err e;
    (void)reactor_wait_once(io->r, max_ms, NULL, &e);
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
    loop_io io;
    loop_io_open(&io, c);
    if (!lo->script) /* scripted, the keyboard only resizes: its bytes must not stop a search */
        lm_set_cancel(c->list, key_waiting, c);
    bool watching = false; /* the store's descriptor: opened before the first wait, below */
    /* The first frame shows what con_reload read just before the loop; whether anything changed
     * since is asked right after it, not before it (a round trip on a server, before the first
     * screen, over every link). */
    bool drawn = false, recheck = true;
    char outage[128] = "";
    for (;;) {
        if (quit_signal) {
            c->quit = true;
            break;
        }
        c->now = clock_now(&c->clock);
        bool second = c->now != last_sec, db_due = watching && store_watch_due(c->store);
        bool down = track_outage(c, outage, sizeof outage);
        if (second || c->reload_needed || db_due || (drawn && recheck && !down)) {
            last_sec = c->now;
            st_err_clear(&e);
            /* with the watch, a second alone seldom asks (a store read: ~10% of a tick's CPU) */
            bool ask = !down && (db_due || c->reload_needed ||
                                 (drawn && (recheck || (second && (io.store_fd < 0 ||
                                                                   c->now % WATCH_SAFETY_S == 0)))));
            recheck &= !(ask && drawn);
            bool other = false;
            if (ask && store_changes_since(c->store, &c->data_version, &other, &e) != ST_OK)
                other = false;
            bool reload = !down && (c->reload_needed || other);
            if (reload)
                reload_or_report(c); /* another engineer's change: within milliseconds (inotify) */
            else if (second)
                lm_retime(c->list, c->now);
            if (second || reload) {
                ui_tick(c);
                con_alerts_tick(c); /* the bell and alerts.command (SPEC §8) */
            }
        }
        if (c->panel && uptime_panel_tick(c->panel, c->now))
            ui_panel_changed();
        if (ui_render(c)) {
            frames++;
            if (lo->max_frames >= 0 && frames >= lo->max_frames)
                break;
        }
        drawn = true;
        if (c->quit)
            break;
        store_idle(c->store); /* the screen is drawn: maintenance due now delays no keypress */
        bool busy = ui_idle(c); /* a view's background work: a slice of a few ms */
        busy |= list_work(c);
        busy |= recheck && !down; /* asked at once, not at the next second */
        if (!watching) { /* after the first frame, so that a --max-frames run (first paint) never
                          * pays for it: closing an inotify descriptor waits ~15 ms for the kernel */
            watch_open(&io, c);
            watching = true;
        } else {
            watch_sync(&io, c);
        }
        wake_in(&io, WAKE_TICK, c->clock.frozen ? -1 : ms_to_next_second());
        wake_in(&io, WAKE_STORE, store_watch_timeout_ms(c->store, -1));
        if (c->panel) {
            int pt = uptime_panel_timeout_ms(c->panel, c->now);
            if (c->clock.frozen && uptime_panel_busy(c->panel) && pt > 50)
                pt = 50; /* a frozen clock: keep collecting the transfers in flight */
            wake_in(&io, WAKE_PANEL, pt);
        }
        if (lo->script) {
            st_mono now_m = mono_now();
            if (sleep_until && now_m < sleep_until) {
                wake_in(&io, WAKE_SCRIPT, (int)((sleep_until - now_m) / 1000000) + 1);
            } else {
                sleep_until = 0;
                if (si == lo->n_script) {
                    c->quit = true; /* the script's end quits */
                    break;
                }
                con_script_item *it = &lo->script[si++];
                switch (it->kind) {
                case SCR_KEY:
                    handle_key(c, it->key);
                    break;
                case SCR_SNAP:
                    if (lo->capture)
                        snap(lo, it->name);
                    break;
                case SCR_RESIZE:
                    ui_resize(it->cols, it->rows);
                    relayout(c);
                    break;
                case SCR_IDLE:
                    keys_watch(&io, false); /* the wait is the transfers' alone, as keys are ignored */
                    for (st_mono end = mono_now() + 10000000000LL; c->panel && mono_now() < end;) {
                        if (uptime_panel_tick(c->panel, c->now))
                            ui_panel_changed();
                        if (!uptime_panel_busy(c->panel))
                            break;
                        app_wait(&io, 20);
                    }
                    keys_watch(&io, true);
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
        /* a key typed before the first frame waits in ncurses, not on the descriptor: read it now,
         * not at the next tick (up to a second late: the audit_open_1m bench's `a`) */
        app_wait(&io, busy || ui_key_held() ? 0 : -1);
        km_key k;
        while (ui_read_key(&k)) {
            if (lo->script && k != KM_RESIZE)
                continue; /* scripted: the keyboard only resizes */
            handle_key(c, k);
            if (c->quit)
                break;
        }
    }
    loop_io_close(&io, c);
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
    panel_open(c);
    rc = ui_open(c, null_cols, null_rows, term, err);
    if (rc != ST_OK)
        return st_exit_status(rc);
    /* the ordering and counts are read; the first page, its size known only now, is all that is
     * left (a second reload would count again: SPEC §11's first paint) */
    lm_set_page(c->list, ui_relayout(c));
    st_err pe;
    if (lm_fill_page(c->list, &pe) != ST_OK)
        set_msg(c, true, "reload failed: %s", pe.msg);
    ui_data_changed(c);
    install_signals(old);
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
