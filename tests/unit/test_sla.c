/* sla: due times, every timer state with its remaining-time measure, met/missed boundaries,
 * sticky breach derivation from history, and the explain ledger. Policies are built by hand
 * here (policy loading is another module). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/sla.h"

typedef struct {
    const char *id;
    int64_t minutes;
    pol_clock clock;
} lvl;

/* A policy with levels `lv` and a Mon-Fri calendar open [open_min, close_min) local minutes in
 * `zone`, with `n_hol` holidays given as YYYY-MM-DD. */
static st_policy *mkpolicy(const lvl *lv, size_t n, const char *zone, int open_min, int close_min,
                           const char *const *hol, size_t n_hol)
{
    st_policy *p = calloc(1, sizeof *p);
    p->levels = calloc(n, sizeof *p->levels);
    p->n_levels = n;
    for (size_t i = 0; i < n; i++) {
        p->levels[i].id = (char *)lv[i].id;
        p->levels[i].response_minutes = lv[i].minutes;
        p->levels[i].clock = lv[i].clock;
    }
    p->warn_fraction = 0.25;
    cal_calendar *c = calloc(1, sizeof *c);
    st_err err;
    cr_assert_eq(tz_load(zone, &c->zone, &err), ST_OK, "%s", err.msg);
    for (int d = 0; d < 5; d++) {
        c->week[d] = malloc(sizeof(cal_interval));
        c->week[d][0] = (cal_interval){open_min * 60, close_min * 60};
        c->n_week[d] = 1;
    }
    c->holidays = calloc(n_hol + 1, sizeof(int64_t));
    for (size_t i = 0; i < n_hol; i++)
        cr_assert(date_parse(hol[i], &c->holidays[i]));
    c->n_holidays = n_hol;
    p->calendar = c;
    return p;
}

static void freepolicy(st_policy *p)
{
    cal_free(p->calendar);
    free(p->levels);
    free(p);
}

static const lvl HAPTIK_LEVELS[] = {
    {"S0", 60, POL_CLOCK_24X7}, {"S1", 60, POL_CLOCK_BUSINESS},
    {"S2", 240, POL_CLOCK_BUSINESS}, {"S3", 240, POL_CLOCK_BUSINESS}};
static const char *const HAPTIK_HOL[] = {"2026-01-26", "2026-08-15", "2026-10-02", "2027-01-26"};

static st_policy *haptik(void)
{
    return mkpolicy(HAPTIK_LEVELS, 4, "Asia/Kolkata", 10 * 60, 19 * 60, HAPTIK_HOL, 4);
}

static st_policy *chatti(void)
{
    static const lvl levels[] = {{"URGENT", 30, POL_CLOCK_24X7}, {"HIGH", 120, POL_CLOCK_24X7},
                                 {"NORMAL", 480, POL_CLOCK_BUSINESS}, {"LOW", 1440, POL_CLOCK_BUSINESS}};
    static const char *const hol[] = {"2026-12-25", "2026-12-28", "2027-01-01"};
    return mkpolicy(levels, 4, "Europe/London", 9 * 60, 17 * 60 + 30, hol, 3);
}

static st_time T(const char *iso)
{
    st_time t;
    cr_assert(time_parse_iso(iso, &t), "bad time %s", iso);
    return t;
}

static sla_timer timer(const st_policy *p, size_t level, st_time due, st_time fr, st_time rdue, st_time now)
{
    sla_input in = {level, due, fr, rdue};
    sla_timer t;
    sla_timer_at(p, &in, now, &t);
    return t;
}

#define NONE ST_TIME_NONE

/* The one table of states: every rank 0..count-1 names exactly one state, each state has a
 * symbol in both forms and the ASCII one is one plain character, the list for messages holds
 * every name once in table order, and out-of-range values are "?" rather than a crash. */
Test(sla, state_table)
{
    bool seen[SLA_STATE_COUNT] = {false};
    for (int r = 0; r < SLA_STATE_COUNT; r++) {
        sla_state s = sla_state_at_rank(r);
        cr_assert_lt((int)s, SLA_STATE_COUNT, "no state at rank %d", r);
        cr_assert_not(seen[s], "two states at one rank");
        seen[s] = true;
    }
    cr_assert_eq(sla_state_at_rank(SLA_STATE_COUNT), SLA_STATE_COUNT);
    cr_assert_eq(sla_state_at_rank(0), SLA_BREACHED, "the most urgent state leads the counts");
    cr_assert_str_eq(sla_state_names(), "ok warn paused breached met missed");
    for (int s = 0; s < SLA_STATE_COUNT; s++) {
        const char *a = sla_state_symbol((sla_state)s, true);
        cr_assert(strlen(a) == 1 && a[0] > ' ' && a[0] < 0x7f, "ASCII symbol of %s",
                  sla_state_name((sla_state)s));
        cr_assert_gt(strlen(sla_state_symbol((sla_state)s, false)), 1, "UTF-8 symbol");
        for (int t = 0; t < s; t++)
            cr_assert_str_neq(a, sla_state_symbol((sla_state)t, true), "two states share a symbol");
    }
    cr_assert_str_eq(sla_state_symbol(SLA_BREACHED, false), "\xe2\x9c\x96");
    cr_assert_str_eq(sla_state_symbol(SLA_STATE_COUNT, true), "?");
    cr_assert_str_eq(sla_state_name(SLA_STATE_COUNT), "?");
}

Test(sla, names)
{
    cr_assert_str_eq(sla_state_name(SLA_OK), "ok");
    cr_assert_str_eq(sla_state_name(SLA_WARN), "warn");
    cr_assert_str_eq(sla_state_name(SLA_PAUSED), "paused");
    cr_assert_str_eq(sla_state_name(SLA_BREACHED), "breached");
    cr_assert_str_eq(sla_state_name(SLA_MET), "met");
    cr_assert_str_eq(sla_state_name(SLA_MISSED), "missed");
    cr_assert_str_eq(sla_seg_kind_name(SEG_COUNTED), "counted");
    cr_assert_str_eq(sla_seg_kind_name(SEG_WALL), "wall");
    cr_assert_str_eq(sla_seg_kind_name(SEG_CLOSED), "closed");
    cr_assert_str_eq(sla_seg_kind_name(SEG_HOLIDAY), "holiday");
    cr_assert_str_eq(sla_seg_kind_name(SEG_DST), "dst");
    cr_assert_str_eq(sla_seg_kind_name(SEG_LEVEL_CHANGE), "level_change");
}

Test(sla, due_times)
{
    st_policy *p = haptik();
    /* S0 is 24x7: Saturday night + 1h. */
    cr_assert_eq(sla_due(p, 0, T("2026-01-24T23:30:00+05:30")), T("2026-01-25T00:30:00+05:30"));
    /* S2 Fri 17:00: 2h Friday, weekend, Monday holiday, 2h Tuesday -> Tue 12:00. */
    cr_assert_eq(sla_due(p, 2, T("2026-01-23T17:00:00+05:30")), T("2026-01-27T12:00:00+05:30"));
    /* S1 at 18:00 runs out exactly at 19:00 closing. */
    cr_assert_eq(sla_due(p, 1, T("2026-11-16T18:00:00+05:30")), T("2026-11-16T19:00:00+05:30"));
    freepolicy(p);
    p = chatti();
    /* NORMAL Thu 2026-12-24 16:00: 1.5h, Christmas, weekend, 28th holiday, 6.5h Tue -> 15:30. */
    cr_assert_eq(sla_due(p, 2, T("2026-12-24T16:00:00Z")), T("2026-12-29T15:30:00Z"));
    cr_assert_eq(sla_due(p, 0, T("2026-12-24T16:00:00Z")), T("2026-12-24T16:30:00Z"));
    freepolicy(p);
}

Test(sla, ok_warn_breached_with_remaining)
{
    st_policy *p = haptik();
    st_time created = T("2026-11-16T10:00:00+05:30"); /* Monday */
    st_time due = sla_due(p, 2, created);
    cr_assert_eq(due, T("2026-11-16T14:00:00+05:30"));
    sla_timer t = timer(p, 2, due, NONE, NONE, T("2026-11-16T11:00:00+05:30"));
    cr_assert_eq(t.state, SLA_OK);
    cr_assert_eq(t.remaining_s, 3 * 3600);
    cr_assert_eq(t.resumes_at, NONE);
    /* warn at remaining <= 0.25 * 4h = 3600 s: 3601 s left is ok, 3600 is warn. */
    t = timer(p, 2, due, NONE, NONE, T("2026-11-16T12:59:59+05:30"));
    cr_assert_eq(t.state, SLA_OK);
    cr_assert_eq(t.remaining_s, 3601);
    t = timer(p, 2, due, NONE, NONE, T("2026-11-16T13:00:00+05:30"));
    cr_assert_eq(t.state, SLA_WARN);
    cr_assert_eq(t.remaining_s, 3600);
    /* breached from the due instant on (now >= due). */
    t = timer(p, 2, due, NONE, NONE, due - 1);
    cr_assert_eq(t.state, SLA_WARN);
    cr_assert_eq(t.remaining_s, 1);
    t = timer(p, 2, due, NONE, NONE, due);
    cr_assert_eq(t.state, SLA_BREACHED);
    cr_assert_eq(t.remaining_s, 0);
    t = timer(p, 2, due, NONE, NONE, T("2026-11-16T15:00:00+05:30"));
    cr_assert_eq(t.state, SLA_BREACHED);
    cr_assert_eq(t.remaining_s, -3600);
    freepolicy(p);
}

Test(sla, overdue_is_measured_in_business_time)
{
    st_policy *p = haptik();
    /* Due Mon 18:00; at Tue 11:00 it is overdue by 1h Monday + 1h Tuesday of business time. */
    sla_timer t = timer(p, 2, T("2026-11-16T18:00:00+05:30"), NONE, NONE, T("2026-11-17T11:00:00+05:30"));
    cr_assert_eq(t.state, SLA_BREACHED);
    cr_assert_eq(t.remaining_s, -7200);
    /* A 24x7 level counts wall time: 17 hours. */
    t = timer(p, 0, T("2026-11-16T18:00:00+05:30"), NONE, NONE, T("2026-11-17T11:00:00+05:30"));
    cr_assert_eq(t.state, SLA_BREACHED);
    cr_assert_eq(t.remaining_s, -17 * 3600);
    freepolicy(p);
}

Test(sla, paused_outside_hours_with_resume)
{
    st_policy *p = haptik();
    st_time due = sla_due(p, 2, T("2026-01-23T17:00:00+05:30"));
    /* Saturday: paused; resumes Tuesday 10:00 (Monday is Republic Day); 2h left. */
    sla_timer t = timer(p, 2, due, NONE, NONE, T("2026-01-24T12:00:00+05:30"));
    cr_assert_eq(t.state, SLA_PAUSED);
    cr_assert_eq(t.resumes_at, T("2026-01-27T10:00:00+05:30"));
    cr_assert_eq(t.remaining_s, 7200);
    /* Paused outranks warn: opened Fri 15:30, 30 min left over the weekend. */
    due = sla_due(p, 2, T("2026-11-20T15:30:00+05:30"));
    cr_assert_eq(due, T("2026-11-23T10:30:00+05:30"));
    t = timer(p, 2, due, NONE, NONE, T("2026-11-21T09:00:00+05:30"));
    cr_assert_eq(t.state, SLA_PAUSED);
    cr_assert_eq(t.remaining_s, 1800);
    cr_assert_eq(t.resumes_at, T("2026-11-23T10:00:00+05:30"));
    /* At the opening instant it runs again (and is in warn). */
    t = timer(p, 2, due, NONE, NONE, T("2026-11-23T10:00:00+05:30"));
    cr_assert_eq(t.state, SLA_WARN);
    cr_assert_eq(t.resumes_at, NONE);
    /* A 24x7 level never pauses. */
    t = timer(p, 0, T("2026-11-21T10:00:00+05:30"), NONE, NONE, T("2026-11-21T09:00:00+05:30"));
    cr_assert_eq(t.state, SLA_OK);
    cr_assert_eq(t.remaining_s, 3600);
    freepolicy(p);
}

Test(sla, met_and_missed_boundaries)
{
    st_policy *p = haptik();
    st_time due = T("2026-11-16T14:00:00+05:30");
    /* Response exactly at due: met, margin 0; even later the state stays met. */
    sla_timer t = timer(p, 0, due, due, due, due + 86400);
    cr_assert_eq(t.state, SLA_MET);
    cr_assert_eq(t.remaining_s, 0);
    t = timer(p, 0, due, due + 1, due, due + 86400);
    cr_assert_eq(t.state, SLA_MISSED);
    cr_assert_eq(t.remaining_s, -1);
    /* Business margin: due Tue 2026-01-27 12:00, answered Fri 01-23 18:00 -> 1h + 2h left. */
    st_time rdue = T("2026-01-27T12:00:00+05:30");
    t = timer(p, 2, rdue, T("2026-01-23T18:00:00+05:30"), rdue, T("2026-02-10T00:00:00Z"));
    cr_assert_eq(t.state, SLA_MET);
    cr_assert_eq(t.remaining_s, 3 * 3600);
    /* Missed in business time: due Mon 18:00, answered Tue 10:30 -> 1h30m late. */
    rdue = T("2026-11-16T18:00:00+05:30");
    t = timer(p, 2, rdue, T("2026-11-17T10:30:00+05:30"), rdue, T("2026-11-20T00:00:00Z"));
    cr_assert_eq(t.state, SLA_MISSED);
    cr_assert_eq(t.remaining_s, -5400);
    /* The due in force when responding decides, not today's due. */
    t = timer(p, 2, rdue - 86400 * 7, T("2026-11-16T17:00:00+05:30"), rdue, T("2026-11-20T00:00:00Z"));
    cr_assert_eq(t.state, SLA_MET);
    cr_assert_eq(t.resumes_at, NONE);
    freepolicy(p);
}

static sla_event ev_due(st_time at, st_time due)
{
    return (sla_event){at, true, due, false, NULL, NULL};
}
static sla_event ev_resp(st_time at)
{
    return (sla_event){at, false, NONE, true, NULL, NULL};
}

Test(sla, breached_ever_basic)
{
    cr_assert_not(sla_breached_ever(NULL, 0, 1000));
    sla_event ev[2] = {ev_due(0, 3600)};
    cr_assert_not(sla_breached_ever(ev, 1, 3599));
    cr_assert(sla_breached_ever(ev, 1, 3600));
    /* Answered before or exactly at due: never breached, however late `now` is. */
    ev[1] = ev_resp(3000);
    cr_assert_not(sla_breached_ever(ev, 2, 100000));
    ev[1] = ev_resp(3600);
    cr_assert_not(sla_breached_ever(ev, 2, 100000));
    ev[1] = ev_resp(3601);
    cr_assert(sla_breached_ever(ev, 2, 100000));
    /* An event in the future of `now` does not count yet. */
    cr_assert_not(sla_breached_ever(ev, 2, 100));
}

Test(sla, breached_ever_raise_and_undo_same_second)
{
    /* Created at 0 due 10000; raised at 5000 with a due already past (4000), undone at 5000. */
    sla_event ev[3] = {ev_due(0, 10000), ev_due(5000, 4000), ev_due(5000, 10000)};
    cr_assert(sla_breached_ever(ev, 3, 6000));
    /* Raised to a due exactly at the change instant: due from that second on. */
    ev[1] = ev_due(5000, 5000);
    cr_assert(sla_breached_ever(ev, 3, 6000));
    /* Raised to a due one second later, undone the same second: never at or past it. */
    ev[1] = ev_due(5000, 5001);
    cr_assert_not(sla_breached_ever(ev, 3, 6000));
}

Test(sla, breached_ever_lowered_before_and_after)
{
    /* Lowered before the due: no breach. */
    sla_event ev[3] = {ev_due(0, 3600), ev_due(1000, 7200)};
    cr_assert_not(sla_breached_ever(ev, 2, 5000));
    cr_assert(sla_breached_ever(ev, 2, 7200));
    /* Lowered exactly at the old due instant: from that second the new due is in force, so the
     * old one was never reached (as a response exactly at due is met). One second later: breached. */
    ev[1] = ev_due(3600, 7200);
    cr_assert_not(sla_breached_ever(ev, 2, 5000));
    ev[1] = ev_due(3601, 7200);
    cr_assert(sla_breached_ever(ev, 2, 5000));
    /* Breached, then lowered: still breached (sticky). */
    ev[1] = ev_due(4000, 10000);
    cr_assert(sla_breached_ever(ev, 2, 5000));
    /* ... even after a first response under the new level. */
    ev[2] = ev_resp(4500);
    cr_assert(sla_breached_ever(ev, 3, 5000));
    /* Nothing after the first response counts. */
    sla_event ev2[3] = {ev_due(0, 3600), ev_resp(100), ev_due(200, 150)};
    cr_assert_not(sla_breached_ever(ev2, 3, 100000));
}

static int64_t ledger_total(const sla_segment *s, size_t n)
{
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_geq(s[i].end, s[i].start);
        if (i > 0)
            cr_assert_geq(s[i].start, s[i - 1].start, "segments in order");
        cr_assert_not_null(s[i].rule);
        sum += s[i].counted_s;
    }
    return sum;
}

static void expect_seg(const sla_segment *s, sla_seg_kind kind, st_time a, st_time b, int64_t counted,
                       const char *rule)
{
    cr_assert_eq(s->kind, kind, "kind %s, want %s (%s)", sla_seg_kind_name(s->kind), sla_seg_kind_name(kind),
                 s->rule);
    cr_assert_eq(s->start, a, "%s: start %lld want %lld", s->rule, (long long)s->start, (long long)a);
    cr_assert_eq(s->end, b, "%s: end %lld want %lld", s->rule, (long long)s->end, (long long)b);
    cr_assert_eq(s->counted_s, counted, "%s", s->rule);
    cr_assert_str_eq(s->rule, rule);
}

/* Explains `level` of `p` from `start` to its due time; returns the due time. */
static st_time explain(const st_policy *p, size_t level, st_time start, const sla_event *ev, size_t n_ev,
                       sla_segment **s, size_t *n)
{
    st_time due = sla_due(p, level, start);
    sla_explain(p, level, start, due, ev, n_ev, s, n);
    cr_assert_not_null(*s);
    return due;
}

Test(sla, explain_haptik_holiday_and_weekend)
{
    st_policy *p = haptik();
    st_time start = T("2026-01-23T17:00:00+05:30");
    sla_segment *s;
    size_t n;
    st_time due = explain(p, 2, start, NULL, 0, &s, &n);
    cr_assert_eq(n, 5);
    expect_seg(&s[0], SEG_COUNTED, start, T("2026-01-23T19:00:00+05:30"), 7200, "Fri 10:00-19:00 Asia/Kolkata");
    expect_seg(&s[1], SEG_CLOSED, T("2026-01-23T19:00:00+05:30"), T("2026-01-26T00:00:00+05:30"), 0, "weekend");
    expect_seg(&s[2], SEG_HOLIDAY, T("2026-01-26T00:00:00+05:30"), T("2026-01-27T00:00:00+05:30"), 0,
               "holiday 2026-01-26");
    expect_seg(&s[3], SEG_CLOSED, T("2026-01-27T00:00:00+05:30"), T("2026-01-27T10:00:00+05:30"), 0,
               "closed (outside Mon-Fri 10:00-19:00 hours)");
    expect_seg(&s[4], SEG_COUNTED, T("2026-01-27T10:00:00+05:30"), due, 7200, "Tue 10:00-19:00 Asia/Kolkata");
    cr_assert_eq(ledger_total(s, n), 240 * 60);
    sla_segments_free(s, n);
    freepolicy(p);
}

Test(sla, explain_chatti_dst_and_level_change)
{
    st_policy *p = chatti();
    /* LOW (1440 min) from Thu 2026-03-26 09:00 GMT: 8.5h Thu, 8.5h Fri, clocks go forward
     * Sunday 01:00 UTC, 7h Monday from 09:00 BST (08:00Z) -> due Mon 16:00 BST = 15:00Z. */
    st_time start = T("2026-03-26T09:00:00Z"), due = sla_due(p, 3, start);
    cr_assert_eq(due, T("2026-03-30T15:00:00Z"));
    sla_event ev[2] = {{start, true, due, false, NULL, "LOW"},
                       {T("2026-03-27T12:00:00Z"), true, due, false, "NORMAL", "LOW"}};
    sla_segment *s;
    size_t n;
    sla_explain(p, 3, start, due, ev, 2, &s, &n);
    cr_assert_eq(ledger_total(s, n), 1440 * 60);
    size_t dst = 0, lc = 0, closed = 0, counted = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].kind == SEG_DST) {
            dst++;
            cr_assert_eq(s[i].start, T("2026-03-29T01:00:00Z"));
            cr_assert_eq(s[i].end, s[i].start);
            cr_assert_str_eq(s[i].rule, "clocks go forward 1h: GMT -> BST");
            /* The marker sits between the closed pieces of the weekend. */
            cr_assert_eq(s[i - 1].kind, SEG_CLOSED);
            cr_assert_eq(s[i - 1].end, s[i].start);
            cr_assert_eq(s[i + 1].kind, SEG_CLOSED);
        } else if (s[i].kind == SEG_LEVEL_CHANGE) {
            lc++;
            cr_assert_eq(s[i].end, s[i].start);
        } else if (s[i].kind == SEG_CLOSED) {
            closed++;
        } else if (s[i].kind == SEG_COUNTED) {
            counted++;
        }
    }
    cr_assert_eq(dst, 1);
    /* One marker: creation (no from_level) is not a level change; the change at Fri 12:00
     * splits Friday's hours. */
    cr_assert_eq(lc, 1);
    cr_assert_eq(s[0].kind, SEG_COUNTED);
    cr_assert_eq(counted, 4); /* Thu, Fri until 12:00, Fri after, Mon */
    cr_assert_eq(closed, 3);  /* Thu night, weekend before and after the shift */
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (s[i].kind == SEG_LEVEL_CHANGE && s[i].start == T("2026-03-27T12:00:00Z")) {
            found = true;
            cr_assert_str_eq(s[i].rule, "level NORMAL -> LOW");
            cr_assert_eq(s[i - 1].kind, SEG_COUNTED);
            cr_assert_eq(s[i - 1].end, s[i].start);
            cr_assert_str_eq(s[i - 1].rule, "Fri 09:00-17:30 Europe/London");
        }
    cr_assert(found);
    sla_segments_free(s, n);
    freepolicy(p);
}

Test(sla, explain_wall_clock)
{
    st_policy *p = chatti();
    st_time start = T("2026-12-25T10:00:00Z");
    sla_segment *s;
    size_t n;
    st_time due = explain(p, 1, start, NULL, 0, &s, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(s[0].kind, SEG_WALL);
    cr_assert_eq(s[0].start, start);
    cr_assert_eq(s[0].end, due);
    cr_assert_eq(s[0].counted_s, 7200);
    sla_segments_free(s, n);
    freepolicy(p);
}

Test(sla, explain_holidays_christmas)
{
    st_policy *p = chatti();
    sla_segment *s;
    size_t n;
    st_time due = explain(p, 2, T("2026-12-24T16:00:00Z"), NULL, 0, &s, &n);
    cr_assert_eq(ledger_total(s, n), 480 * 60);
    /* counted Thu, night, holiday 25th, weekend, holiday 28th, early Tuesday, counted Tue. */
    cr_assert_eq(n, 7);
    cr_assert_eq(s[1].kind, SEG_CLOSED);
    cr_assert_str_eq(s[2].rule, "holiday 2026-12-25");
    cr_assert_str_eq(s[3].rule, "weekend");
    cr_assert_str_eq(s[4].rule, "holiday 2026-12-28");
    cr_assert_eq(s[5].kind, SEG_CLOSED);
    cr_assert_eq(s[6].end, due);
    sla_segments_free(s, n);
    freepolicy(p);
}

/* Every ledger tiles [start, due) without gaps, markers aside, and its counted time adds up to
 * the target; counted pieces are business time and the others are not. */
static void check_ledger(const st_policy *p, size_t level, st_time start)
{
    sla_segment *s;
    size_t n;
    st_time due = explain(p, level, start, NULL, 0, &s, &n);
    cr_assert_eq(ledger_total(s, n), p->levels[level].response_minutes * 60, "start %lld", (long long)start);
    st_time at = start;
    for (size_t i = 0; i < n; i++) {
        if (s[i].kind == SEG_DST || s[i].kind == SEG_LEVEL_CHANGE) {
            cr_assert_eq(s[i].start, at);
            continue;
        }
        cr_assert_eq(s[i].start, at, "gap before %s at %lld", s[i].rule, (long long)s[i].start);
        cr_assert_gt(s[i].end, s[i].start);
        bool counted = s[i].kind == SEG_COUNTED || s[i].kind == SEG_WALL;
        cr_assert_eq(s[i].counted_s, counted ? s[i].end - s[i].start : 0);
        if (s[i].kind != SEG_WALL) {
            cr_assert_eq(cal_is_business(p->calendar, s[i].start), counted, "%s", s[i].rule);
            cr_assert_eq(cal_is_business(p->calendar, s[i].end - 1), counted, "%s", s[i].rule);
        }
        at = s[i].end;
    }
    cr_assert_eq(at, due);
    sla_segments_free(s, n);
}

Test(sla, explain_ledgers_tile_and_sum)
{
    st_policy *hp = haptik(), *cp = chatti();
    uint64_t x = 12345;
    for (int i = 0; i < 3000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        st_time start = T("2026-01-01T00:00:00Z") + (st_time)((x >> 20) % (730ULL * 86400));
        size_t level = (size_t)(x >> 60) % 4;
        check_ledger(i % 2 ? hp : cp, level, start);
    }
    freepolicy(hp);
    freepolicy(cp);
}

Test(sla, explain_level_change_markers_in_wall_time)
{
    st_policy *p = chatti();
    st_time start = T("2026-12-25T10:00:00Z");
    /* Created as URGENT, lowered to HIGH 10 min later (clock from creation), plus a change
     * after the due time, which is outside the ledger. */
    sla_event ev[3] = {{start, true, start + 1800, false, NULL, "URGENT"},
                       {start + 600, true, start + 7200, false, "URGENT", "HIGH"},
                       {start + 9000, true, start + 9000, false, "HIGH", "URGENT"}};
    sla_segment *s;
    size_t n;
    st_time due = explain(p, 1, start, ev, 3, &s, &n);
    cr_assert_eq(n, 3);
    expect_seg(&s[0], SEG_WALL, start, start + 600, 600, "24x7 (wall clock)");
    expect_seg(&s[1], SEG_LEVEL_CHANGE, start + 600, start + 600, 0, "level URGENT -> HIGH");
    expect_seg(&s[2], SEG_WALL, start + 600, due, 6600, "24x7 (wall clock)");
    sla_segments_free(s, n);
    /* reprioritize_from=change: the clock starts at the change, whose marker leads. */
    due = explain(p, 1, start + 600, ev, 3, &s, &n);
    cr_assert_eq(n, 2);
    cr_assert_eq(s[0].kind, SEG_LEVEL_CHANGE);
    expect_seg(&s[1], SEG_WALL, start + 600, due, 7200, "24x7 (wall clock)");
    sla_segments_free(s, n);
    freepolicy(p);
}
