/* view_report: `:report [YYYY-MM]` (SPEC §9 in the console): the month's compliance rows, each
 * with a bar; Enter on a row lists its missed and breached tickets, Enter on one opens its
 * detail. The report is computed in a child process (its own read-only connection to the same
 * database) that writes the figures the view shows down a pipe; the view reads the pipe without
 * blocking each second, so a month of 100,000 tickets never stops the countdowns. The child also
 * fetches the month's uptime from the monitoring source (uptime_month, as `slatop report` does),
 * shown under the rows, or the reason there is none. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "slatop/bar.h"
#include "slatop/report_query.h"
#include "slatop/uptime.h"
#include "slatop/uptime_month.h"
#include "slatop/view.h"

enum { BAR_WIDTH = 20 };

typedef struct {
    char *metric, *level; /* owned */
    int64_t target_s, met, missed, open;
    bool has_percent;
    double percent;
} rv_row;

/* What shaped a breach: a level change (what = "FROM -> TO") or a pause (what = its status; to
 * ST_TIME_NONE while still paused). Strings owned. */
typedef struct {
    int64_t at, to;
    bool pause;
    char *what, *actor, *reason;
} rv_cause;

typedef struct {
    int64_t id, cycle, due, stopped, over_s; /* stopped: ST_TIME_NONE while open at the end */
    char *metric, *level, *title; /* owned */
    rv_cause *causes;             /* owned: the level changes, then the pauses */
    size_t n_causes;
} rv_ticket;

/* The month's uptime, as the child computed it (uptime.h's figures), or why there is none. */
typedef struct {
    bool have; /* false: error says why */
    int64_t minutes, elapsed, data, downtime, excluded, no_data;
    bool has_target, complete, partial;
    double percent, mtd_percent, target;
    char *error; /* owned */
} rv_uptime;

typedef struct {
    char month[8];
    st_time started; /* when the child was started (the "computing" line counts from it) */
    pid_t pid; /* the computing child, 0 when none */
    int fd;    /* its pipe, -1 when closed */
    strbuf in; /* what the child wrote so far */
    bool done;
    char err[400];
    rv_row *rows;
    size_t n_rows;
    rv_row totals[POL_METRIC_COUNT]; /* per metric over every level (level "all", no target) */
    size_t n_totals;
    rv_ticket *tickets;
    size_t n_tickets;
    rv_uptime up;
    pager p;
    int64_t row; /* -1: the rows; else the row whose tickets are listed */
} report_view;

/* ---- the child's side: the figures as "key\n"-separated fields, strings length-prefixed ---- */

static void put_str(strbuf *sb, const char *s)
{
    s = s ? s : "";
    sb_printf(sb, "%zu:", strlen(s));
    sb_append(sb, s);
}

/* One row's figures (a total is a row of level "all" and no target). */
static void put_row(strbuf *sb, pol_metric m, const char *level, int64_t target_s, int64_t met, int64_t missed,
                    int64_t open, bool has_percent, double percent)
{
    put_str(sb, policy_metric_name(m));
    put_str(sb, level);
    sb_printf(sb, "%lld %lld %lld %lld %d %.6f\n", (long long)target_s, (long long)met, (long long)missed,
              (long long)open, has_percent ? 1 : 0, has_percent ? percent : 0.0);
}

static void serialise(strbuf *sb, const rpt_report *r)
{
    sb_printf(sb, "R%zu\n", r->n_rows);
    for (size_t i = 0; i < r->n_rows; i++) {
        const rpt_row *x = &r->rows[i];
        put_row(sb, x->metric, x->level, x->target_s, x->met, x->missed, x->breached_open, x->has_percent,
                x->compliance_percent);
    }
    sb_printf(sb, "T%d\n", POL_METRIC_COUNT);
    for (int m = 0; m < POL_METRIC_COUNT; m++) {
        const rpt_total *t = &r->totals[m];
        put_row(sb, (pol_metric)m, "all", 0, t->met, t->missed, t->breached_open, t->has_percent,
                t->compliance_percent);
    }
    sb_printf(sb, "B%zu\n", r->n_breaches);
    for (size_t i = 0; i < r->n_breaches; i++) {
        const rpt_breach *b = &r->breaches[i];
        put_str(sb, policy_metric_name(b->metric));
        put_str(sb, b->level);
        put_str(sb, b->title);
        sb_printf(sb, "%lld %d %lld %lld %lld %zu\n", (long long)b->ticket_id, b->cycle, (long long)b->due,
                  (long long)b->stopped, (long long)b->over_s, b->n_changes + b->n_pauses);
        for (size_t k = 0; k < b->n_changes; k++) {
            const rpt_level_change *x = &b->changes[k];
            sb_printf(sb, "L%lld ", (long long)x->at);
            put_str(sb, x->from_level);
            put_str(sb, x->to_level);
            put_str(sb, x->actor);
            put_str(sb, x->reason);
            sb_append_c(sb, '\n');
        }
        for (size_t k = 0; k < b->n_pauses; k++) {
            const rpt_pause *x = &b->pauses[k];
            sb_printf(sb, "P%lld %lld ", (long long)x->from, (long long)x->to);
            put_str(sb, policy_status_name(x->status));
            put_str(sb, x->actor);
            put_str(sb, x->reason);
            sb_append_c(sb, '\n');
        }
    }
}

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* In the child: computes and writes the report, then leaves without running the parent's exit
 * handlers (curses, the store it shares descriptors with). */
static void on_report(const rpt_report *r, void *ctx)
{
    sb_append(ctx, "OK\n");
    serialise(ctx, r);
}

/* The month's uptime after the report: "U1 figures\n", or "U0" and the reason. */
static void serialise_uptime(strbuf *sb, st_ops *o, const st_config *cfg, const st_clock *clock,
                             const char *month)
{
    st_time ms, me;
    uptime_month m;
    st_err e;
    st_err_clear(&e);
    /* Read-only: the child caches nothing (the parent's connection is the writer). */
    if (!uptime_month_parse(month, &ms, &me) ||
        uptime_month_get_fresh(o, cfg, clock, month, ms, me, &m, &e) != ST_OK) {
        sb_append(sb, "U0 ");
        put_str(sb, e.msg[0] ? e.msg : "no such month");
        sb_append_c(sb, '\n');
        return;
    }
    const uptime_report *u = &m.u.report;
    sb_printf(sb, "U1 %lld %lld %lld %lld %lld %lld %d %d %d %.6f %.6f %.6f\n", (long long)u->minutes,
              (long long)u->elapsed_minutes, (long long)u->data_minutes, (long long)u->downtime_minutes,
              (long long)u->excluded_minutes, (long long)u->no_data_minutes, u->has_target ? 1 : 0,
              u->complete ? 1 : 0, m.partial ? 1 : 0, u->uptime_percent, u->mtd_uptime_percent,
              u->has_target ? u->target_percent : 0.0);
    uptime_month_done(&m);
}

static _Noreturn void child_run(int fd, st_ops *o, const st_config *cfg, st_clock clock, const char *month,
                                st_time from, st_time to)
{
    strbuf sb;
    sb_init(&sb);
    st_err e;
    st_err_clear(&e);
    st_code rc = report_query_fresh(o, &clock, from, to, on_report, &sb, &e);
    if (rc != ST_OK) {
        sb_reset(&sb);
        sb_append(&sb, "ER");
        put_str(&sb, e.msg);
    } else {
        serialise_uptime(&sb, o, cfg, &clock, month);
    }
    write_all(fd, sb.buf, sb.len);
    _exit(rc == ST_OK ? 0 : 1);
}

/* ---- the parent's side ---- */

typedef struct {
    const char *p, *end;
    bool bad;
} rd;

/* Copies the number at r->p (digits, sign, point, exponent; at most 39 characters) into out and
 * returns where it ends, after moving r->p past leading white space. The strto* functions then read a short string, not the rest of a
 * megabyte of result (which the sanitizer build's string checks would scan at every call). */
static const char *number_at(rd *r, char out[40])
{
    while (r->p < r->end && isspace((unsigned char)*r->p)) /* as strto* skip it */
        r->p++;
    size_t k = 0;
    const char *p = r->p;
    while (p < r->end && k < 39 && *p && (isdigit((unsigned char)*p) || strchr("+-.eE", *p)))
        out[k++] = *p++;
    out[k] = '\0';
    return p;
}

static char *get_str(rd *r)
{
    char num[40];
    const char *colon = number_at(r, num);
    char *end;
    unsigned long long n = strtoull(num, &end, 10);
    if (r->bad || !num[0] || *end || colon >= r->end || *colon != ':' ||
        n > (unsigned long long)(r->end - colon - 1)) {
        r->bad = true;
        return xstrdup("");
    }
    char *s = xmalloc((size_t)n + 1);
    memcpy(s, colon + 1, (size_t)n);
    s[n] = '\0';
    r->p = colon + 1 + n;
    return s;
}

static int64_t get_int(rd *r)
{
    char num[40], *end;
    (void)number_at(r, num);
    long long v = strtoll(num, &end, 10);
    if (end == num)
        r->bad = true;
    r->p += end - num;
    return v;
}

static double get_double(rd *r)
{
    char num[40], *end;
    (void)number_at(r, num);
    double v = strtod(num, &end);
    if (end == num)
        r->bad = true;
    r->p += end - num;
    return v;
}

/* One "L..." or "P..." line of a breach's causes. */
static void get_cause(rd *r, rv_ticket *t)
{
    t->causes = xrealloc(t->causes, (t->n_causes + 1) * sizeof *t->causes);
    rv_cause *x = &t->causes[t->n_causes++];
    memset(x, 0, sizeof *x);
    x->pause = *r->p == 'P';
    if (*r->p != 'L' && *r->p != 'P')
        r->bad = true;
    r->p++;
    x->at = get_int(r);
    if (x->pause) {
        x->to = get_int(r);
        r->p++;
        x->what = get_str(r);
    } else {
        r->p++;
        char *from = get_str(r), *to = get_str(r);
        strbuf w;
        sb_init(&w);
        sb_printf(&w, "%s -> %s", from, to);
        x->what = xstrdup(w.buf);
        sb_done(&w);
        free(from);
        free(to);
    }
    x->actor = get_str(r);
    x->reason = get_str(r);
    r->p++;
}

/* The "U..." line (serialise_uptime). */
static void get_uptime(rd *r, rv_uptime *u)
{
    r->p++;
    u->have = get_int(r) != 0;
    if (!u->have) {
        r->p++;
        u->error = get_str(r);
        return;
    }
    u->minutes = get_int(r);
    u->elapsed = get_int(r);
    u->data = get_int(r);
    u->downtime = get_int(r);
    u->excluded = get_int(r);
    u->no_data = get_int(r);
    u->has_target = get_int(r) != 0;
    u->complete = get_int(r) != 0;
    u->partial = get_int(r) != 0;
    u->percent = get_double(r);
    u->mtd_percent = get_double(r);
    u->target = get_double(r);
}

/* One line of put_row's. */
static void get_row(rd *r, rv_row *x)
{
    x->metric = get_str(r);
    x->level = get_str(r);
    x->target_s = get_int(r);
    x->met = get_int(r);
    x->missed = get_int(r);
    x->open = get_int(r);
    x->has_percent = get_int(r) != 0;
    x->percent = get_double(r);
    r->p++;
}

static void rv_row_done(rv_row *x)
{
    free(x->metric);
    free(x->level);
}

/* n items to read, at most one per byte left (each item takes more), at least 1. */
static size_t capped(const rd *r, int64_t n)
{
    int64_t left = r->end - r->p;
    return (size_t)(n < 1 ? 1 : n > left ? (left > 0 ? left : 1) : n);
}

static void parse(report_view *v)
{
    rd r = {.p = v->in.buf ? v->in.buf : "", .end = (v->in.buf ? v->in.buf : "") + v->in.len};
    if (strncmp(r.p, "ER", 2) == 0) {
        r.p += 2;
        char *m = get_str(&r);
        snprintf(v->err, sizeof v->err, "report: %s", m);
        free(m);
        return;
    }
    if (strncmp(r.p, "OK\nR", 4) != 0) {
        snprintf(v->err, sizeof v->err, "report: the computing process ended without a result");
        return;
    }
    r.p += 4;
    int64_t n = get_int(&r);
    r.p++;
    /* Each array sized once from its count (bounded by the bytes left, as every item takes some):
     * growing one item at a time copies the whole array each time (a 100,000-ticket month has
     * tens of thousands of breaches). */
    v->rows = xcalloc(capped(&r, n), sizeof *v->rows);
    for (int64_t i = 0; i < n && !r.bad && r.p < r.end; i++)
        get_row(&r, &v->rows[v->n_rows++]);
    if (!r.bad && r.p < r.end && *r.p == 'T') {
        r.p++;
        n = get_int(&r);
        r.p++;
        for (int64_t i = 0; i < n && !r.bad && r.p < r.end; i++) {
            rv_row x;
            get_row(&r, &x);
            if (v->n_totals < POL_METRIC_COUNT)
                v->totals[v->n_totals++] = x;
            else
                rv_row_done(&x);
        }
    }
    if (!r.bad && r.p < r.end && *r.p == 'B') {
        r.p++;
        n = get_int(&r);
        r.p++;
        v->tickets = xcalloc(capped(&r, n), sizeof *v->tickets);
        for (int64_t i = 0; i < n && !r.bad && r.p < r.end; i++) {
            rv_ticket *t = &v->tickets[v->n_tickets++];
            t->metric = get_str(&r);
            t->level = get_str(&r);
            t->title = get_str(&r);
            t->causes = NULL;
            t->n_causes = 0;
            t->id = get_int(&r);
            t->cycle = get_int(&r);
            t->due = get_int(&r);
            t->stopped = get_int(&r);
            t->over_s = get_int(&r);
            int64_t nc = get_int(&r);
            r.p++;
            for (int64_t k = 0; k < nc && !r.bad && r.p < r.end; k++)
                get_cause(&r, t);
        }
    }
    if (!r.bad && r.p < r.end && *r.p == 'U')
        get_uptime(&r, &v->up);
    if (r.bad)
        snprintf(v->err, sizeof v->err, "report: the computing process wrote a malformed result");
}

static void reap(report_view *v, bool kill_it)
{
    if (v->fd >= 0)
        close(v->fd);
    v->fd = -1;
    if (v->pid > 0) {
        if (kill_it)
            kill(v->pid, SIGKILL);
        while (waitpid(v->pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
    v->pid = 0;
}

static void fill(report_view *v, con_state *c);
static bool pump_some(report_view *v, con_state *c, bool *moved);

static bool pump(report_view *v, con_state *c)
{
    return pump_some(v, c, NULL);
}

/* Reads what the child wrote; true when the result arrived (the view must be redrawn). *moved
 * (may be NULL) tells whether any bytes came. */
static bool pump_some(report_view *v, con_state *c, bool *moved)
{
    if (v->done || v->fd < 0)
        return false;
    char buf[65536];
    for (;;) {
        ssize_t k = read(v->fd, buf, sizeof buf);
        if (k > 0) {
            sb_append_n(&v->in, buf, (size_t)k);
            if (moved)
                *moved = true;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return false;
        break; /* end of file or an error: the child is finished */
    }
    reap(v, false);
    parse(v);
    sb_done(&v->in);
    v->done = true;
    fill(v, c);
    return true;
}

/* The month's uptime under the rows, in the words of `slatop report`'s Uptime section. */
static void fill_uptime(report_view *v)
{
    const rv_uptime *u = &v->up;
    pager_add(&v->p, EL_DIM, 0, false, "%s", "");
    if (!u->have) {
        pager_add(&v->p, EL_DIM, 0, false, "uptime        not available: %s",
                  u->error ? u->error : "the computing process did not say");
        return;
    }
    char pct[96] = "", tgt[40] = "";
    bool running = u->elapsed < u->minutes;
    if (u->data == 0)
        snprintf(pct, sizeof pct, "unknown: no minute has data");
    else if (running)
        snprintf(pct, sizeof pct, "%.3f%% of the month (month to date %.3f%%)", u->percent, u->mtd_percent);
    else
        snprintf(pct, sizeof pct, "%.3f%%", u->percent);
    if (u->has_target)
        snprintf(tgt, sizeof tgt, " (target %.3f%%)", u->target);
    ui_element el = !u->has_target || u->data == 0 ? EL_DIM : u->percent >= u->target ? EL_MET : EL_BREACHED;
    pager_add(&v->p, el, 0, false, "uptime        %s%s%s", pct, tgt, u->complete ? "" : "  [incomplete]");
    pager_add(&v->p, EL_DIM, 0, false, "              downtime %lld min   excluded by maintenance %lld min   no data %lld min%s",
              (long long)u->downtime, (long long)u->excluded, (long long)u->no_data,
              u->partial ? "   partial: the monitoring API answered with warnings" : "");
}

/* A row's line with its bar; a total (no target) leaves the target blank and is not selectable. */
static void add_row(report_view *v, const con_state *c, const rv_row *x, int64_t tag, bool selectable)
{
    char bar[BAR_WIDTH * 4 + 1], pct[16], tgt[24] = "";
    bar_draw(x->has_percent ? x->percent : 0, BAR_WIDTH, c->ascii, bar, sizeof bar);
    if (x->has_percent)
        snprintf(pct, sizeof pct, "%6.2f%%", x->percent);
    else
        snprintf(pct, sizeof pct, "%7s", "-");
    if (selectable)
        duration_format_hms(x->target_s, tgt);
    ui_element el = !x->has_percent ? EL_DIM : (x->missed || x->open) ? EL_BREACHED : EL_MET;
    pager_add(&v->p, el, tag, selectable, "%-14s %-8s %9s %6lld %6lld %6lld %s %s", x->metric, x->level, tgt,
              (long long)x->met, (long long)x->missed, (long long)x->open, pct, bar);
}

/* The pager's lines for the rows or the selected row's tickets. */
static void fill(report_view *v, con_state *c)
{
    pager_clear(&v->p);
    if (v->err[0]) {
        pager_add(&v->p, EL_ERROR, 0, false, "%s", v->err);
        return;
    }
    if (v->row < 0) {
        for (size_t i = 0; i < v->n_rows; i++)
            add_row(v, c, &v->rows[i], (int64_t)i, true);
        if (v->n_rows == 0)
            pager_add(&v->p, EL_DIM, 0, false, "no clock stopped or breached in %s", v->month);
        for (size_t i = 0; i < v->n_totals; i++) /* as the text report: each metric over all levels */
            add_row(v, c, &v->totals[i], 0, false);
        fill_uptime(v);
        return;
    }
    const rv_row *x = &v->rows[v->row];
    size_t shown = 0;
    for (size_t i = 0; i < v->n_tickets; i++) {
        const rv_ticket *t = &v->tickets[i];
        if (strcmp(t->metric, x->metric) != 0 || strcmp(t->level, x->level) != 0)
            continue;
        char due[64] = "-", stopped[64] = "open at the end", over[24];
        if (t->due != ST_TIME_NONE)
            tz_format(c->display_zone, t->due, due, sizeof due);
        if (t->stopped != ST_TIME_NONE) /* missed, or still breached and open (as `report` says) */
            tz_format(c->display_zone, t->stopped, stopped, sizeof stopped);
        duration_format_hms(t->over_s, over);
        pager_add(&v->p, EL_BREACHED, t->id, true, "#%-6lld %5lld  %-25s %-25s %10s  %s", (long long)t->id,
                  (long long)t->cycle, due, stopped, over, t->title);
        for (size_t k = 0; k < t->n_causes; k++) { /* what shaped its clock: who, when, why */
            const rv_cause *y = &t->causes[k];
            char at[64], to[64] = "the end";
            tz_format(c->display_zone, y->at, at, sizeof at);
            if (y->pause && y->to != ST_TIME_NONE)
                tz_format(c->display_zone, y->to, to, sizeof to);
            if (y->pause)
                pager_add(&v->p, EL_DIM, t->id, false, "        %s %s to %s by %s: %s", y->what, at, to,
                          y->actor[0] ? y->actor : "-", y->reason[0] ? y->reason : "-");
            else
                pager_add(&v->p, EL_DIM, t->id, false, "        level %s %s by %s: %s", at, y->what,
                          y->actor[0] ? y->actor : "-", y->reason[0] ? y->reason : "-");
        }
        shown++;
    }
    if (shown == 0)
        pager_add(&v->p, EL_DIM, 0, false, "no ticket missed or breached");
}

/* The seconds since the start tick on this line while the child computes: the loop that draws
 * them each second is the one that ticks every countdown, so it shows the clocks never stop. */
static void draw_computing(const report_view *v, const con_state *c, WINDOW *w)
{
    ui_putf(w, 2, 0, getmaxx(w), ui_attr(EL_DIM), "computing report... %lld s",
            (long long)(c->now - v->started));
}

static void draw(view *vw, con_state *c)
{
    report_view *v = vw->priv;
    pump(v, c);
    WINDOW *w = vw->win;
    int cols = getmaxx(w);
    werase(w);
    if (!v->done) {
        ui_putf(w, 0, 0, cols, ui_attr(EL_HEADER), "SLA compliance %s", v->month);
        draw_computing(v, c, w);
        return;
    }
    if (v->row < 0) {
        ui_putf(w, 0, 0, cols, ui_attr(EL_HEADER),
                "SLA compliance %s: Enter lists a row's missed and breached tickets", v->month);
        ui_putf(w, 1, 0, cols, ui_attr(EL_DIM), "%-14s %-8s %9s %6s %6s %6s %7s", "metric", "level", "target",
                "met", "missed", "open", "compl.");
    } else {
        const rv_row *x = &v->rows[v->row];
        ui_putf(w, 0, 0, cols, ui_attr(EL_HEADER),
                "SLA compliance %s: %s %s, missed and breached (Enter: detail)", v->month, x->metric,
                x->level);
        ui_putf(w, 1, 0, cols, ui_attr(EL_DIM), "%-7s %5s  %-25s %-25s %10s  %s", "ticket", "cycle", "due",
                "stopped", "over", "title");
    }
    pager_draw(&v->p, w, 2, getmaxy(w) - 2);
}

static bool tick(view *vw, con_state *c)
{
    report_view *v = vw->priv;
    if (pump(v, c))
        return false; /* the result arrived: a full draw */
    if (!v->done)
        draw_computing(v, c, vw->win);
    return true;
}

/* While the child writes its result (a month of 100,000 tickets: a megabyte or so, more than a
 * pipe holds), keep draining the pipe between keys instead of once a second; when nothing came,
 * the loop sleeps until the next tick or key as usual. */
static bool idle(view *vw, con_state *c)
{
    report_view *v = vw->priv;
    bool moved = false;
    if (pump_some(v, c, &moved))
        vw->dirty = true;
    return moved && !v->done;
}

static con_effect key(view *vw, con_state *c, st_action a, km_key k)
{
    (void)k;
    report_view *v = vw->priv;
    if (a == ACT_BACK || a == ACT_QUIT) {
        if (v->row >= 0) {
            v->p.sel = v->p.top = v->row;
            v->row = -1;
            fill(v, c);
            return con_fx(VR_REDRAW);
        }
        return con_fx(VR_CLOSE);
    }
    if (!v->done)
        return con_fx(view_pass_shared(a));
    view_result r = pager_key(&v->p, a, getmaxy(vw->win) - 2);
    if (r != VR_PASS)
        return con_fx(r);
    if (a == ACT_OPEN) {
        const pager_line *l = pager_selected(&v->p);
        if (!l)
            return con_fx(VR_NONE);
        if (v->row < 0) {
            v->row = l->tag;
            v->p.sel = v->p.top = 0;
            fill(v, c);
            return con_fx(VR_REDRAW);
        }
        return view_detail_open(c, l->tag, VR_NONE);
    }
    return con_fx(view_pass_shared(a));
}

static void destroy(view *vw)
{
    report_view *v = vw->priv;
    reap(v, true);
    sb_done(&v->in);
    for (size_t i = 0; i < v->n_rows; i++)
        rv_row_done(&v->rows[i]);
    for (size_t i = 0; i < v->n_totals; i++)
        rv_row_done(&v->totals[i]);
    for (size_t i = 0; i < v->n_tickets; i++) {
        free(v->tickets[i].metric);
        free(v->tickets[i].level);
        free(v->tickets[i].title);
        for (size_t k = 0; k < v->tickets[i].n_causes; k++) {
            free(v->tickets[i].causes[k].what);
            free(v->tickets[i].causes[k].actor);
            free(v->tickets[i].causes[k].reason);
        }
        free(v->tickets[i].causes);
    }
    free(v->rows);
    free(v->tickets);
    free(v->up.error);
    pager_done(&v->p);
    free(v);
}

static const view_ops report_ops = {
    .name = "report", .ticks = true, .draw = draw, .key = key, .tick = tick, .idle = idle, .destroy = destroy};

con_effect view_report_open(con_state *c, const char *month, view_result r)
{
    st_time ms, me;
    char m[8];
    if (month && *month) {
        if (!uptime_month_parse(month, &ms, &me))
            return con_fx_say(r, true, ":report: '%.20s' is not a month (YYYY-MM)", month);
        memcpy(m, month, 8);
    } else {
        uptime_month_of(c->now, m, &ms, &me);
    }
    if (ms > c->now)
        return con_fx_say(r, true, ":report: %s has not started yet", m);
    st_time to = me < c->now ? me : c->now; /* the current month: up to now */
    int fds[2];
    if (pipe(fds) != 0)
        return con_fx_say(r, true, ":report: pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        return con_fx_say(r, true, ":report: fork: %s", strerror(e));
    }
    if (pid == 0) {
        close(fds[0]);
        child_run(fds[1], c->ops, c->config, c->clock, m, ms, to);
    }
    close(fds[1]);
    (void)fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
#ifdef __linux__
    /* The result in one write where it fits: F_SETPIPE_SZ (fcntl.h shows it under _GNU_SOURCE only). */
    (void)fcntl(fds[0], 1031 /* F_SETPIPE_SZ */, 1 << 20);
#endif
    (void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    report_view *v = xcalloc(1, sizeof *v);
    memcpy(v->month, m, 8);
    v->started = c->now;
    v->pid = pid;
    v->fd = fds[0];
    v->row = -1;
    sb_init(&v->in);
    pager_init(&v->p);
    return con_fx_push(r, view_new(&report_ops, v));
}
