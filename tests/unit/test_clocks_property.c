/* clocks property test: clocks_compute against a slow, obviously correct reference over random
 * calendars, zones, targets, pause_on sets and histories (status changes that pause, level
 * changes under both reprioritize_from rules, resolves, reopenings, customer messages, replies,
 * notes), concentrated around daylight-saving changes and holidays.
 *
 * The reference shares nothing with the engine but the policy's plain fields. It asks glibc's
 * localtime_r (TZ set here, in the test only) whether each minute is business time, and walks a
 * clock forward one minute at a time, applying the history's events as it meets them: a minute
 * counts when the ticket's status then neither pauses the metric nor is resolved. Every event,
 * `now`, interval bound and zone offset here is a whole minute, so each minute [m, m + 60) has
 * one status and one business flag and the walk is exact. Lives (what starts and stops each
 * clock), due times, the sticky breach (checked at every state the history passes through,
 * including states that last no time), states, paused_by and the next clock are derived again
 * from SPEC §8's words. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "slatop/clocks.h"
#include "support_refcal.h"

#define SEED 20261201u
#define MAX_EV 14
#define N_LEVELS 3
#define HORIZON_MIN (45 * 1440) /* how far the reference walks past the creation */

/* ---- one random case ---- */

typedef struct {
    support_refcal cal;
    /* policy */
    int64_t minutes[N_LEVELS][POL_METRIC_COUNT]; /* 0: undefined */
    pol_clock clock[N_LEVELS][POL_METRIC_COUNT];
    unsigned pause[POL_METRIC_COUNT];
    bool change_rule;
    double warn;
    /* history */
    clk_event ev[MAX_EV];
    size_t n_ev;
    st_time now;
    /* business flag per minute since the creation, filled lazily: -1 unknown */
    signed char *biz;
} rcase;

/* Business flag of the minute starting at t (a minute mark at or after the creation). */
static bool biz(rcase *r, st_time t)
{
    int64_t k = (t - r->ev[0].at) / 60;
    cr_assert(k >= 0 && k < HORIZON_MIN);
    if (r->biz[k] < 0)
        r->biz[k] = support_refcal_is_business(&r->cal, t) ? 1 : 0;
    return r->biz[k];
}

/* ---- the reference ---- */

static bool ref_counts(const rcase *r, pol_metric m, pol_status s)
{
    return s != POL_STATUS_RESOLVED && !(r->pause[m] & (1u << s));
}

static pol_status ref_next_status(pol_status s, const clk_event *e)
{
    if (e->kind == CLK_EV_STATUS)
        return e->status;
    return e->kind == CLK_EV_CUSTOMER ? POL_STATUS_OPEN : s;
}

/* A clock's life: events [i0, i1) belong to it; stopped when i1 < n. */
typedef struct {
    pol_metric m;
    int cycle;
    size_t i0, i1;
} rlife;

/* SPEC §8's starts and stops, metric by metric. */
static size_t ref_lives(const rcase *r, size_t n, rlife *out)
{
    size_t k = 0;
    /* first_response: to the first reply or respond, or the first resolve. */
    size_t fr_end = n;
    pol_status s = POL_STATUS_OPEN;
    for (size_t i = 1; i < n && fr_end == n; i++) {
        pol_status ns = ref_next_status(s, &r->ev[i]);
        if (r->ev[i].kind == CLK_EV_REPLY || r->ev[i].kind == CLK_EV_RESPOND
            || (ns == POL_STATUS_RESOLVED && s != POL_STATUS_RESOLVED))
            fr_end = i;
        s = ns;
    }
    out[k++] = (rlife){POL_METRIC_FIRST_RESPONSE, 1, 0, fr_end};
    /* next_response: after the first response, a customer message with none unanswered arms a
     * cycle; a reply, respond or resolve answers it. */
    s = POL_STATUS_OPEN;
    int cycle = 0;
    bool running = false;
    for (size_t i = 1; i < n; i++) {
        pol_status ns = ref_next_status(s, &r->ev[i]);
        bool stop = r->ev[i].kind == CLK_EV_REPLY || r->ev[i].kind == CLK_EV_RESPOND
                    || (ns == POL_STATUS_RESOLVED && s != POL_STATUS_RESOLVED);
        if (running && stop) {
            out[k - 1].i1 = i;
            running = false;
        } else if (i > fr_end && !running && r->ev[i].kind == CLK_EV_CUSTOMER) {
            out[k++] = (rlife){POL_METRIC_NEXT_RESPONSE, ++cycle, i, n};
            running = true;
        }
        s = ns;
    }
    /* resolution: stopped at the last resolve when the ticket ends resolved. */
    s = POL_STATUS_OPEN;
    size_t last_resolve = n;
    for (size_t i = 1; i < n; i++) {
        pol_status ns = ref_next_status(s, &r->ev[i]);
        if (ns == POL_STATUS_RESOLVED && s != POL_STATUS_RESOLVED)
            last_resolve = i;
        s = ns;
    }
    out[k++] = (rlife){POL_METRIC_RESOLUTION, 1, 0, s == POL_STATUS_RESOLVED ? last_resolve : n};
    return k;
}

/* Walks the clock of life `lf` minute by minute from `base` with the given target, applying the
 * life's events as it meets them and keeping the last status after them. Sets *due (NONE when
 * the status then stops counting for good) and *counted (counted seconds in [base, end)).
 * Returns false when the walk reaches the horizon without an answer. */
static bool ref_walk(rcase *r, const rlife *lf, st_time base, int64_t target_s, pol_clock kind, st_time end,
                     st_time *due, int64_t *counted)
{
    size_t j = 0;
    pol_status s = POL_STATUS_OPEN;
    *due = ST_TIME_NONE;
    *counted = 0;
    int64_t acc = 0;
    bool due_found = false;
    for (st_time t = base;; t += 60) {
        while (j < lf->i1 && r->ev[j].at <= t)
            s = ref_next_status(s, &r->ev[j++]);
        if (t >= end && (due_found || (j == lf->i1 && !ref_counts(r, lf->m, s))))
            return true; /* past the end, and the due known or never coming */
        if ((t - r->ev[0].at) / 60 >= HORIZON_MIN)
            return false;
        bool counts = ref_counts(r, lf->m, s) && (kind == POL_CLOCK_24X7 || biz(r, t));
        if (counts) {
            acc += 60;
            if (t < end)
                *counted += 60;
            if (!due_found && acc >= target_s) {
                *due = t + 60 - (acc - target_s); /* targets are whole minutes: acc == target */
                due_found = true;
            }
        }
    }
}

/* The level and the status after events [0, i) of the history. */
static void ref_state_after(const rcase *r, size_t i, size_t *level, pol_status *s)
{
    *level = r->ev[0].level;
    *s = POL_STATUS_OPEN;
    for (size_t j = 0; j < i; j++) {
        if (r->ev[j].kind == CLK_EV_LEVEL)
            *level = r->ev[j].level;
        *s = ref_next_status(*s, &r->ev[j]);
    }
}

/* Where the measure in force after event j of the life starts. */
static st_time ref_base(const rcase *r, const rlife *lf, size_t j)
{
    st_time base = r->ev[lf->i0].at;
    if (!r->change_rule)
        return base;
    pol_status s = POL_STATUS_OPEN;
    for (size_t i = 0; i <= j; i++) {
        s = ref_next_status(s, &r->ev[i]);
        if (i > lf->i0 && r->ev[i].kind == CLK_EV_LEVEL && s != POL_STATUS_RESOLVED)
            base = r->ev[i].at;
    }
    return base;
}

typedef struct {
    bool exists;
    clk_clock c;
} rclock;

/* One clock by the reference; false when not comparable (the horizon was reached). */
static bool ref_clock(rcase *r, size_t n, const rlife *lf, rclock *out)
{
    bool stopped = lf->i1 < n;
    st_time end = stopped ? r->ev[lf->i1].at : r->now;
    size_t level;
    pol_status st;
    ref_state_after(r, lf->i1, &level, &st);
    out->exists = r->minutes[level][lf->m] > 0;
    if (!out->exists)
        return true;
    clk_clock *c = &out->c;
    int64_t target_s = r->minutes[level][lf->m] * 60;
    pol_clock kind = r->clock[level][lf->m];
    st_time base = ref_base(r, lf, lf->i1 - 1);
    int64_t counted;
    st_time due;
    if (!ref_walk(r, lf, base, target_s, kind, end, &due, &counted))
        return false;
    *c = (clk_clock){.metric = lf->m, .cycle = lf->cycle, .level = level, .target_s = target_s, .clock = kind,
                     .started = r->ev[lf->i0].at, .due = due, .remaining_s = target_s - counted,
                     .paused_by = CLK_PAUSED_NONE, .resumes_at = ST_TIME_NONE,
                     .stopped = stopped ? end : ST_TIME_NONE};
    /* Sticky breach: each state the life passes through, [after event j, the next event). */
    for (size_t j = lf->i0; j < lf->i1 && !c->breached_ever; j++) {
        size_t lj;
        pol_status sj;
        ref_state_after(r, j + 1, &lj, &sj);
        if (r->minutes[lj][lf->m] == 0 || sj == POL_STATUS_RESOLVED)
            continue;
        st_time a = r->ev[j].at, b = j + 1 < lf->i1 ? r->ev[j + 1].at : end;
        st_time dj;
        int64_t unused;
        if (!ref_walk(r, lf, ref_base(r, lf, j), r->minutes[lj][lf->m] * 60, r->clock[lj][lf->m], end, &dj,
                      &unused))
            return false;
        if (dj == ST_TIME_NONE)
            continue;
        if (j + 1 == lf->i1 && !stopped)
            c->breached_ever = dj <= r->now;
        else
            c->breached_ever = dj < b || dj <= a;
    }
    if (stopped) {
        c->state = due == ST_TIME_NONE || end <= due ? SLA_MET : SLA_MISSED;
        return true;
    }
    if (st == POL_STATUS_PENDING && (r->pause[lf->m] & (1u << st)))
        c->paused_by = CLK_PAUSED_PENDING;
    else if (st == POL_STATUS_ON_HOLD && (r->pause[lf->m] & (1u << st)))
        c->paused_by = CLK_PAUSED_ON_HOLD;
    else if (kind == POL_CLOCK_BUSINESS && !biz(r, r->now)) {
        c->paused_by = CLK_PAUSED_HOURS;
        st_time t = r->now + 60;
        while (!biz(r, t))
            t += 60;
        c->resumes_at = t;
    }
    if (due != ST_TIME_NONE && r->now >= due)
        c->state = SLA_BREACHED;
    else if (c->paused_by != CLK_PAUSED_NONE)
        c->state = SLA_PAUSED;
    else
        c->state = (double)c->remaining_s <= r->warn * (double)target_s ? SLA_WARN : SLA_OK;
    return true;
}

/* ---- random cases ---- */

static void random_case(rcase *r, const tz_zone *z)
{
    signed char *keep = r->biz;
    memset(r, 0, sizeof *r);
    r->biz = keep;
    memset(r->biz, -1, HORIZON_MIN);
    support_refcal_random_week(&r->cal);
    for (int l = 0; l < N_LEVELS; l++) {
        r->minutes[l][POL_METRIC_FIRST_RESPONSE] = support_rnd(1, 480);
        r->minutes[l][POL_METRIC_NEXT_RESPONSE] = support_rnd(0, 1) ? support_rnd(1, 240) : 0;
        r->minutes[l][POL_METRIC_RESOLUTION] = support_rnd(0, 9) < 7 ? support_rnd(30, 1440) : 0;
        for (int m = 0; m < POL_METRIC_COUNT; m++)
            r->clock[l][m] = support_rnd(0, 9) < 6 ? POL_CLOCK_BUSINESS : POL_CLOCK_24X7;
    }
    for (int m = 0; m < POL_METRIC_COUNT; m++)
        r->pause[m] = (unsigned)support_rnd(0, 3) << POL_STATUS_PENDING; /* none, pending, on_hold, both */
    r->change_rule = support_rnd(0, 1);
    r->warn = 0.25;
    /* Created on a minute mark between 2020 and 2040, two in three within days of a change. */
    st_time created = support_rnd(1577836800, 2208988800);
    if (support_rnd(0, 2) > 0) {
        st_time ch = tz_next_change(z, created);
        if (ch != ST_TIME_NONE)
            created = ch + support_rnd(-3 * 86400, 86400);
    }
    created -= ((created % 60) + 60) % 60;
    support_refcal_random_holidays(&r->cal, created, -1, 6);

    r->ev[0] = (clk_event){.kind = CLK_EV_CREATED, .at = created, .level = (size_t)support_rnd(0, N_LEVELS - 1)};
    r->n_ev = 1 + (size_t)support_rnd(0, MAX_EV - 1);
    st_time t = created;
    for (size_t i = 1; i < r->n_ev; i++) {
        int64_t g = support_rnd(0, 9);
        t += g < 2 ? 0 : g < 5 ? support_rnd(1, 30) * 60 : support_rnd(30, 600) * 60;
        clk_event *e = &r->ev[i];
        *e = (clk_event){.at = t, .actor = "eve"};
        int64_t k = support_rnd(0, 99);
        if (k < 25) {
            e->kind = CLK_EV_CUSTOMER;
        } else if (k < 40) {
            e->kind = CLK_EV_REPLY;
        } else if (k < 47) {
            e->kind = CLK_EV_NOTE;
        } else if (k < 53) {
            e->kind = CLK_EV_RESPOND;
        } else if (k < 68) {
            e->kind = CLK_EV_LEVEL;
            e->level = (size_t)support_rnd(0, N_LEVELS - 1);
        } else {
            e->kind = CLK_EV_STATUS;
            e->status = (pol_status)support_rnd(0, POL_STATUS_COUNT - 1);
        }
    }
    /* Mostly after the history; one in ten in its middle (later events are not there yet). */
    r->now = support_rnd(0, 9) ? t + support_rnd(0, 1500) * 60 : created + support_rnd(0, (t - created) / 60) * 60;
}

static st_policy *build_policy(const rcase *r, const char *zone)
{
    st_policy *p = calloc(1, sizeof *p);
    p->n_levels = N_LEVELS;
    p->levels = calloc(N_LEVELS, sizeof *p->levels);
    static char *ids[N_LEVELS] = {"L0", "L1", "L2"};
    for (int l = 0; l < N_LEVELS; l++) {
        p->levels[l].id = ids[l];
        p->levels[l].response_minutes = r->minutes[l][POL_METRIC_FIRST_RESPONSE];
        p->levels[l].clock = r->clock[l][POL_METRIC_FIRST_RESPONSE];
        for (int m = 0; m < POL_METRIC_COUNT; m++)
            p->levels[l].targets[m] = (pol_target){r->minutes[l][m], r->clock[l][m]};
    }
    memcpy(p->pause_on, r->pause, sizeof p->pause_on);
    p->reprioritize_from = r->change_rule ? POL_REPRIO_CHANGE : POL_REPRIO_CREATED;
    p->warn_fraction = r->warn;
    p->calendar = support_refcal_build(&r->cal, zone);
    return p;
}

static void free_policy(st_policy *p)
{
    cal_free(p->calendar);
    free(p->levels);
    free(p);
}

#define SAME(field, fmt)                                                                           \
    cr_assert_eq(got->field, want->field, "%s case %d: %s cycle %d: " #field " got " fmt " want " fmt, zone, \
                 i, policy_metric_name(want->metric), want->cycle, (long long)got->field, (long long)want->field)

static void run_zone(const char *zone, const tz_zone *z, int cases)
{
    st_err err;
    rcase r = {.biz = malloc(HORIZON_MIN)};
    clk_result res;
    clocks_result_init(&res);
    int compared = 0, paused_seen = 0, clocks_seen = 0;
    for (int i = 0; i < cases; i++) {
        random_case(&r, z);
        st_policy *p = build_policy(&r, zone);
        cr_assert_eq(clocks_compute(p, r.ev, r.n_ev, r.now, &res, &err), ST_OK, "%s", err.msg);
        size_t n = 1;
        while (n < r.n_ev && r.ev[n].at <= r.now)
            n++;
        rlife lives[MAX_EV + 2];
        size_t nl = ref_lives(&r, n, lives);
        rclock want_v[MAX_EV + 2];
        size_t nw = 0;
        bool ok = true;
        for (size_t k = 0; k < nl && ok; k++) {
            ok = ref_clock(&r, n, &lives[k], &want_v[nw]);
            if (ok && want_v[nw].exists)
                nw++;
        }
        if (ok) {
            compared++;
            cr_assert_eq(res.n, nw, "%s case %d: %zu clocks, want %zu", zone, i, res.n, nw);
            int want_next = -1;
            for (size_t k = 0; k < nw; k++) {
                const clk_clock *got = &res.clocks[k], *want = &want_v[k].c;
                SAME(metric, "%lld");
                SAME(cycle, "%lld");
                SAME(level, "%lld");
                SAME(target_s, "%lld");
                SAME(clock, "%lld");
                SAME(started, "%lld");
                SAME(stopped, "%lld");
                SAME(due, "%lld");
                SAME(remaining_s, "%lld");
                SAME(paused_by, "%lld");
                SAME(resumes_at, "%lld");
                SAME(state, "%lld");
                SAME(breached_ever, "%lld");
                clocks_seen++;
                paused_seen += want->paused_by == CLK_PAUSED_PENDING || want->paused_by == CLK_PAUSED_ON_HOLD;
                /* The next clock, from §8's words. */
                if (want->stopped != ST_TIME_NONE)
                    continue;
                bool ps = want->paused_by == CLK_PAUSED_PENDING || want->paused_by == CLK_PAUSED_ON_HOLD;
                if (want_next < 0) {
                    want_next = (int)k;
                    continue;
                }
                const clk_clock *b = &want_v[want_next].c;
                bool bps = b->paused_by == CLK_PAUSED_PENDING || b->paused_by == CLK_PAUSED_ON_HOLD;
                st_time dk = want->due == ST_TIME_NONE ? INT64_MAX : want->due;
                st_time db = b->due == ST_TIME_NONE ? INT64_MAX : b->due;
                if ((bps && !ps) || (!bps && !ps && dk < db) || (bps && ps && want->remaining_s < b->remaining_s))
                    want_next = (int)k;
            }
            cr_assert_eq(res.next, want_next, "%s case %d: next clock", zone, i);
        }
        free_policy(p);
    }
    cr_assert_gt(compared, cases * 9 / 10, "%s: too few comparable cases (%d)", zone, compared);
    cr_assert_gt(paused_seen, cases / 20, "%s: too few clocks paused by status (%d)", zone, paused_seen);
    printf("clocks_property: %s: %d cases compared, %d clocks, %d paused by status\n", zone, compared, clocks_seen,
           paused_seen);
    fflush(stdout);
    clocks_result_done(&res);
    free(r.biz);
}

SUPPORT_ZONE_TESTS(clocks_property, 240, SEED, 2000, run_zone)
