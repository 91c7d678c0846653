/* clocks: every SLA clock of a ticket's whole life (SPEC §8). Two passes: the first walks the
 * history once and finds each clock's life (where it starts and what stops it); the second,
 * per clock, cuts that life into pieces where its status lets it count or not, and into level
 * segments, then measures counted time piece by piece with the calendar's business-time
 * arithmetic. Nothing steps through minutes. */
#include "slatop/clocks.h"

#include <stdlib.h>
#include <string.h>

#include "sla_internal.h"

#define T_INF INT64_MAX

/* A stretch of a clock's life with one status behaviour: counting (active) or standing still
 * (paused by a status of pause_on, or resolved). The last active piece is open (b = T_INF):
 * the due is projected past the history as if the status stayed. */
typedef struct {
    st_time a, b;
    bool active;
    pol_status status; /* the status that began it */
    int ev;            /* the event that began it, -1 at the clock's start */
} piece;

/* A stretch under one level, from `at` to the next segment (or the end of the history). */
typedef struct {
    st_time at;
    size_t level;
    int ev;        /* the level change, -1 for the level at the clock's start */
    bool live;     /* the clock was not stopped by resolve at `at` */
    bool live_any; /* ... at some instant of the segment */
} lseg;

/* A clock's life: its metric and cycle, the event that starts it and the one that stops it
 * (n when it runs). */
typedef struct {
    pol_metric m;
    int cycle;
    size_t start, end;
} life;

typedef struct {
    piece *pc;
    size_t n_pc, cap_pc;
    lseg *sg;
    size_t n_sg, cap_sg;
    life *lf;
    size_t n_lf, cap_lf;
} scratch;

#define GROW(v, n, cap)                                                                            \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            (cap) = (cap) ? (cap) * 2 : 8;                                                         \
            (v) = xrealloc((v), (cap) * sizeof *(v));                                              \
        }                                                                                          \
    } while (0)

const char *clocks_paused_by_name(clk_paused_by p)
{
    switch (p) {
    case CLK_PAUSED_NONE: return "none";
    case CLK_PAUSED_HOURS: return "hours";
    case CLK_PAUSED_PENDING: return "pending";
    case CLK_PAUSED_ON_HOLD: return "on_hold";
    }
    return "?";
}

void clocks_result_init(clk_result *r)
{
    memset(r, 0, sizeof *r);
    r->next = -1;
    r->first_response = ST_TIME_NONE;
}

void clocks_result_done(clk_result *r)
{
    scratch *s = r->scratch;
    if (s) {
        free(s->pc);
        free(s->sg);
        free(s->lf);
        free(s);
    }
    free(r->clocks);
    clocks_result_init(r);
}

/* The status after event e (a customer message opens a pending, on_hold or resolved ticket). */
static pol_status status_after(pol_status s, const clk_event *e)
{
    if (e->kind == CLK_EV_STATUS)
        return e->status;
    if (e->kind == CLK_EV_CUSTOMER)
        return POL_STATUS_OPEN;
    return s;
}

static st_code check_history(const st_policy *p, const clk_event *ev, size_t n, st_err *err)
{
    if (n == 0)
        return st_fail(err, ST_INVALID, "ticket history: empty");
    for (size_t i = 0; i < n; i++) {
        const clk_event *e = &ev[i];
        if ((e->kind == CLK_EV_CREATED) != (i == 0))
            return st_fail(err, ST_INVALID, "ticket history: event %zu: %s", i,
                           i ? "a second creation" : "does not start with the creation");
        if (i > 0 && e->at < ev[i - 1].at)
            return st_fail(err, ST_INVALID, "ticket history: event %zu: earlier than the event before it", i);
        if ((e->kind == CLK_EV_CREATED || e->kind == CLK_EV_LEVEL) && e->level >= p->n_levels)
            return st_fail(err, ST_INVALID, "ticket history: event %zu: level %zu out of range", i, e->level);
        if (e->kind == CLK_EV_STATUS && (unsigned)e->status >= POL_STATUS_COUNT)
            return st_fail(err, ST_INVALID, "ticket history: event %zu: status out of range", i);
        if ((unsigned)e->kind > CLK_EV_RESPOND)
            return st_fail(err, ST_INVALID, "ticket history: event %zu: unknown kind", i);
    }
    return ST_OK;
}

static void add_life(scratch *s, pol_metric m, int cycle, size_t start, size_t end)
{
    GROW(s->lf, s->n_lf, s->cap_lf);
    s->lf[s->n_lf++] = (life){m, cycle, start, end};
}

/* Pass 1: every clock's life, in output order (first_response, next_response cycles,
 * resolution). */
static void find_lives(const clk_event *ev, size_t n, scratch *s, clk_result *out)
{
    s->n_lf = 0;
    add_life(s, POL_METRIC_FIRST_RESPONSE, 1, 0, n);
    size_t nr = SIZE_MAX, last_resolve = n; /* the running next_response life; the last resolve */
    int cycles = 0;
    pol_status st = POL_STATUS_OPEN;
    bool fr_running = true;
    for (size_t i = 1; i < n; i++) {
        const clk_event *e = &ev[i];
        pol_status ns = status_after(st, e);
        bool stops = e->kind == CLK_EV_REPLY || e->kind == CLK_EV_RESPOND;
        if (ns == POL_STATUS_RESOLVED && st != POL_STATUS_RESOLVED) {
            last_resolve = i;
            if (fr_running) /* resolving records the first response at the same instant */
                s->lf[0].end = i;
            fr_running = false;
            if (nr != SIZE_MAX)
                s->lf[nr].end = i;
            nr = SIZE_MAX;
        } else if (stops && fr_running) {
            s->lf[0].end = i;
            fr_running = false;
        } else if (stops && nr != SIZE_MAX) {
            s->lf[nr].end = i;
            nr = SIZE_MAX;
        } else if (e->kind == CLK_EV_CUSTOMER && !fr_running && nr == SIZE_MAX) {
            add_life(s, POL_METRIC_NEXT_RESPONSE, ++cycles, i, n);
            nr = s->n_lf - 1;
        }
        st = ns;
    }
    add_life(s, POL_METRIC_RESOLUTION, 1, 0, st == POL_STATUS_RESOLVED ? last_resolve : n);
    out->status = st;
    out->first_response = fr_running ? ST_TIME_NONE : ev[s->lf[0].end].at;
}

static bool is_active(const st_policy *p, pol_metric m, pol_status st)
{
    return st != POL_STATUS_RESOLVED && !(p->pause_on[m] & (1u << st));
}

static void push_piece(scratch *s, st_time a, bool active, pol_status st, int ev)
{
    if (s->n_pc)
        s->pc[s->n_pc - 1].b = a;
    GROW(s->pc, s->n_pc, s->cap_pc);
    s->pc[s->n_pc++] = (piece){a, T_INF, active, st, ev};
}

static void push_seg(scratch *s, st_time at, size_t level, int ev, bool live)
{
    GROW(s->sg, s->n_sg, s->cap_sg);
    s->sg[s->n_sg++] = (lseg){at, level, ev, live, live};
}

/* Pass 2a: a life's pieces and level segments. Returns T, the end of its history: the stop, or
 * now for a running clock. */
static st_time cut_life(const st_policy *p, const clk_event *ev, size_t n, const life *lf, st_time now, scratch *s)
{
    pol_status st = POL_STATUS_OPEN;
    size_t level = 0;
    for (size_t i = 0; i <= lf->start; i++) {
        st = status_after(st, &ev[i]);
        if (ev[i].kind == CLK_EV_CREATED || ev[i].kind == CLK_EV_LEVEL)
            level = ev[i].level;
    }
    s->n_pc = s->n_sg = 0;
    st_time t0 = ev[lf->start].at;
    push_piece(s, t0, is_active(p, lf->m, st), st, -1);
    push_seg(s, t0, level, -1, st != POL_STATUS_RESOLVED);
    for (size_t i = lf->start + 1; i < lf->end; i++) {
        const clk_event *e = &ev[i];
        pol_status ns = status_after(st, e);
        if (e->kind == CLK_EV_LEVEL)
            push_seg(s, e->at, e->level, (int)i, ns != POL_STATUS_RESOLVED);
        if (ns == st)
            continue;
        bool na = is_active(p, lf->m, ns);
        /* Counting runs on through status changes that keep it counting; a pause starts a
         * piece per status, so the ledger names each. */
        if (!na || !s->pc[s->n_pc - 1].active)
            push_piece(s, e->at, na, ns, (int)i);
        if (ns != POL_STATUS_RESOLVED)
            s->sg[s->n_sg - 1].live_any = true;
        st = ns;
    }
    st_time T = lf->end < n ? ev[lf->end].at : now;
    piece *last = &s->pc[s->n_pc - 1];
    if (!last->active)
        last->b = T < last->a ? last->a : T; /* a pause lasts to the end of the history */
    return T;
}

/* Counted time (the clock's measure) of the pieces inside [base, T). */
static int64_t counted(const cal_calendar *c, const scratch *s, st_time base, st_time T)
{
    int64_t sum = 0;
    for (size_t k = 0; k < s->n_pc; k++) {
        const piece *pc = &s->pc[k];
        st_time a = pc->a > base ? pc->a : base, b = pc->b < T ? pc->b : T;
        if (!pc->active || b <= a)
            continue;
        sum += c ? cal_business_seconds(c, a, b) : b - a;
    }
    return sum;
}

/* The instant counted time from base reaches target_s (> 0), or ST_TIME_NONE when the pieces
 * end first (paused) or the calendar never opens. */
static st_time find_due(const cal_calendar *c, const scratch *s, st_time base, int64_t target_s)
{
    int64_t r = target_s;
    for (size_t k = 0; k < s->n_pc; k++) {
        const piece *pc = &s->pc[k];
        st_time a = pc->a > base ? pc->a : base, b = pc->b;
        if (!pc->active || b <= a)
            continue;
        if (b == T_INF)
            return c ? cal_add_business(c, a, r) : a + r;
        int64_t m = c ? cal_business_seconds(c, a, b) : b - a;
        if (m >= r)
            return c ? cal_add_business(c, a, r) : a + r;
        r -= m;
    }
    return ST_TIME_NONE;
}

/* Where each level segment's measure starts: the clock's start, or under
 * reprioritize_from=change the last level change that met the clock running. */
static st_time seg_base(const st_policy *p, const scratch *s, size_t k)
{
    st_time base = s->sg[0].at;
    if (p->reprioritize_from == POL_REPRIO_CHANGE)
        for (size_t j = 1; j <= k; j++)
            if (s->sg[j].live)
                base = s->sg[j].at;
    return base;
}

static const cal_calendar *target_cal(const st_policy *p, const pol_target *t)
{
    return t->clock == POL_CLOCK_BUSINESS ? p->calendar : NULL;
}

/* Pass 2b: one clock from its cut life. False when the level in force defines no target. */
static bool eval_clock(const st_policy *p, const life *lf, st_time T, bool stopped, pol_status st_now, st_time now,
                       const scratch *s, clk_clock *out)
{
    size_t last = s->n_sg - 1;
    pol_target tg;
    if (!policy_level_target(p, s->sg[last].level, lf->m, &tg))
        return false;
    /* Sticky breach: any instant of a segment, with the clock live, at or past that segment's
     * due; a segment that starts already past due counts even when it lasts no time. */
    const cal_calendar *c = target_cal(p, &tg);
    st_time base = seg_base(p, s, last);
    int64_t target_s = tg.minutes * 60;
    st_time due_now = find_due(c, s, base, target_s);
    bool breached = false;
    for (size_t k = 0; k <= last && !breached; k++) {
        pol_target t;
        if (!policy_level_target(p, s->sg[k].level, lf->m, &t))
            continue;
        st_time a = s->sg[k].at, b = k < last ? s->sg[k + 1].at : T;
        st_time due = k == last ? due_now : find_due(target_cal(p, &t), s, seg_base(p, s, k), t.minutes * 60);
        if (due == ST_TIME_NONE)
            continue;
        if (k == last && !stopped)
            breached = due <= T;
        else
            breached = (due > a && due < b) || (due <= a && s->sg[k].live_any);
    }
    *out = (clk_clock){.metric = lf->m, .cycle = lf->cycle, .level = s->sg[last].level, .target_s = target_s,
                       .clock = tg.clock, .started = s->sg[0].at, .due = due_now,
                       .remaining_s = target_s - counted(c, s, base, T), .paused_by = CLK_PAUSED_NONE,
                       .resumes_at = ST_TIME_NONE, .stopped = stopped ? T : ST_TIME_NONE,
                       .breached_ever = breached};
    if (stopped) {
        out->state = out->due == ST_TIME_NONE || T <= out->due ? SLA_MET : SLA_MISSED;
        return true;
    }
    if (st_now == POL_STATUS_PENDING && (p->pause_on[lf->m] & (1u << st_now)))
        out->paused_by = CLK_PAUSED_PENDING;
    else if (st_now == POL_STATUS_ON_HOLD && (p->pause_on[lf->m] & (1u << st_now)))
        out->paused_by = CLK_PAUSED_ON_HOLD;
    else if (c && !cal_is_business(c, now)) {
        out->paused_by = CLK_PAUSED_HOURS;
        out->resumes_at = cal_next_open(c, now);
    }
    out->state = clocks_running_state(p, out->due, out->paused_by, out->remaining_s, target_s, now);
    return true;
}

sla_state clocks_running_state(const st_policy *p, st_time due, clk_paused_by paused_by, int64_t remaining_s,
                               int64_t target_s, st_time now)
{
    if (due != ST_TIME_NONE && now >= due)
        return SLA_BREACHED;
    if (paused_by != CLK_PAUSED_NONE || due == ST_TIME_NONE)
        return SLA_PAUSED;
    return (double)remaining_s <= p->warn_fraction * (double)target_s ? SLA_WARN : SLA_OK;
}

static bool paused_by_status(const clk_clock *c)
{
    return c->paused_by == CLK_PAUSED_PENDING || c->paused_by == CLK_PAUSED_ON_HOLD;
}

static st_time due_key(const clk_clock *c)
{
    return c->due == ST_TIME_NONE ? INT64_MAX : c->due;
}

/* SPEC §8: among running clocks not paused by status, the earliest due; else, when every
 * running clock is paused by status, the least remaining time; else none. */
static int next_clock(const clk_result *r)
{
    int best = -1, best_paused = -1;
    for (size_t i = 0; i < r->n; i++) {
        const clk_clock *c = &r->clocks[i];
        if (c->stopped != ST_TIME_NONE)
            continue;
        if (!paused_by_status(c)) {
            if (best < 0 || due_key(c) < due_key(&r->clocks[best]))
                best = (int)i;
        } else if (best_paused < 0 || c->remaining_s < r->clocks[best_paused].remaining_s) {
            best_paused = (int)i;
        }
    }
    return best >= 0 ? best : best_paused;
}

/* Events up to now; the creation always counts (a ticket created after now has not started). */
static size_t events_until(const clk_event *ev, size_t n, st_time now)
{
    size_t k = 1;
    while (k < n && ev[k].at <= now)
        k++;
    return n ? k : 0;
}

st_code clocks_compute(const st_policy *p, const clk_event *ev, size_t n, st_time now, clk_result *out,
                       st_err *err)
{
    out->n = 0;
    out->next = -1;
    out->first_response = ST_TIME_NONE;
    st_code rc = check_history(p, ev, n, err);
    if (rc != ST_OK)
        return rc;
    n = events_until(ev, n, now);
    if (!out->scratch)
        out->scratch = xcalloc(1, sizeof(scratch));
    scratch *s = out->scratch;
    find_lives(ev, n, s, out);
    for (size_t i = 0; i < s->n_lf; i++) {
        const life *lf = &s->lf[i];
        st_time T = cut_life(p, ev, n, lf, now, s);
        GROW(out->clocks, out->n, out->cap);
        if (eval_clock(p, lf, T, lf->end < n, out->status, now, s, &out->clocks[out->n]))
            out->n++;
    }
    out->next = next_clock(out);
    return ST_OK;
}

clk_order clocks_order(const clk_result *r)
{
    if (r->next < 0)
        return (clk_order){2, 0};
    const clk_clock *c = &r->clocks[r->next];
    if (paused_by_status(c))
        return (clk_order){1, c->remaining_s};
    return (clk_order){0, due_key(c)};
}

int clocks_order_cmp(clk_order a, clk_order b)
{
    if (a.tier != b.tier)
        return a.tier < b.tier ? -1 : 1;
    return (a.key > b.key) - (a.key < b.key);
}

/* ---- explain ---- */

/* "pending (set by alice at 2026-11-21T10:00:00Z: waiting for logs)". */
static char *pause_rule(const clk_event *ev, const piece *pc)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, policy_status_name(pc->status));
    if (pc->ev >= 0) {
        const clk_event *e = &ev[pc->ev];
        char iso[21];
        sb_printf(&sb, " (set by %s at %s", e->actor ? e->actor : "?", time_format_iso(e->at, iso));
        if (e->kind == CLK_EV_CUSTOMER)
            sb_append(&sb, ": customer message");
        else if (e->reason)
            sb_printf(&sb, ": %s", e->reason);
        sb_append_c(&sb, ')');
    }
    return sb_steal(&sb);
}

st_code clocks_explain(const st_policy *p, const clk_event *ev, size_t n, st_time now, pol_metric m, int cycle,
                       sla_segment **out, size_t *n_out, st_err *err)
{
    *out = NULL;
    *n_out = 0;
    clk_result r;
    clocks_result_init(&r);
    st_code rc = clocks_compute(p, ev, n, now, &r, err);
    const clk_clock *ck = NULL;
    for (size_t i = 0; rc == ST_OK && i < r.n; i++)
        if (r.clocks[i].metric == m && r.clocks[i].cycle == cycle)
            ck = &r.clocks[i];
    if (rc == ST_OK && !ck)
        rc = st_fail(err, ST_NOTFOUND, "no %s clock, cycle %d", policy_metric_name(m), cycle);
    if (rc != ST_OK) {
        clocks_result_done(&r);
        return rc;
    }
    scratch *s = r.scratch;
    n = events_until(ev, n, now);
    const life *lf = NULL;
    for (size_t i = 0; i < s->n_lf && !lf; i++)
        if (s->lf[i].m == m && s->lf[i].cycle == cycle)
            lf = &s->lf[i];
    cut_life(p, ev, n, lf, now, s);
    st_time base = seg_base(p, s, s->n_sg - 1);
    st_time end = ck->stopped != ST_TIME_NONE ? ck->stopped : ck->due != ST_TIME_NONE ? ck->due : now;
    const cal_calendar *c = ck->clock == POL_CLOCK_BUSINESS ? p->calendar : NULL;

    /* Level changes as the ledger's markers. */
    sla_event *mk = xcalloc(s->n_sg, sizeof *mk);
    size_t n_mk = 0, k = 0;
    for (size_t j = 1; j < s->n_sg; j++)
        mk[n_mk++] = (sla_event){.at = s->sg[j].at, .from_level = p->levels[s->sg[j - 1].level].id,
                                 .to_level = p->levels[s->sg[j].level].id};
    while (k < n_mk && mk[k].at < base) /* markers before the range are not shown */
        k++;
    sla_ledger l = {.closed_from = SIZE_MAX};
    ledger_markers(&l, mk, n_mk, &k, base);
    for (size_t j = 0; j < s->n_pc; j++) {
        const piece *pc = &s->pc[j];
        st_time a = pc->a > base ? pc->a : base, b = pc->b < end ? pc->b : end;
        if (b <= a)
            continue;
        if (pc->active) {
            ledger_span(&l, c, a, b, mk, n_mk, &k);
            continue;
        }
        /* A pause, cut at the level changes inside it so the ledger stays in time order. */
        while (a < b) {
            st_time e = k < n_mk && mk[k].at < b ? mk[k].at : b;
            if (e > a) {
                ledger_push(&l, a, e, pc->status == POL_STATUS_RESOLVED ? SEG_RESOLVED : SEG_PAUSED, 0,
                            pause_rule(ev, pc));
                l.closed_from = SIZE_MAX;
            }
            ledger_markers(&l, mk, n_mk, &k, e);
            a = e;
        }
    }
    ledger_finish(&l, c, out, n_out);
    free(mk);
    clocks_result_done(&r);
    return ST_OK;
}
