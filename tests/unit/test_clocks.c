/* clocks: each rule of SPEC §8's clocks on hand-made histories (a policy in UTC, Mon-Fri
 * 09:00-17:00, so expected instants can be read off), and the first_response clock agreeing with
 * sla_due/sla_timer_at on the shipped policies when nothing pauses. 2026-11-16 is a Monday. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/clocks.h"

#define NONE ST_TIME_NONE
#define H 3600
#define M 60
#define N(a) (sizeof(a) / sizeof((a)[0]))

enum { P1, P2, P3, P4 };

/* P1 all metrics 24x7; P2 all business; P3 first_response only; P4 no next_response. */
static st_policy *policy(const char *reprio, const char *pause_on)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"name\":\"T\",\"levels\":["
             "{\"id\":\"P1\",\"targets\":{\"first_response\":{\"minutes\":60,\"clock\":\"24x7\"},"
             "\"next_response\":{\"minutes\":30,\"clock\":\"24x7\"},\"resolution\":{\"minutes\":240,\"clock\":\"24x7\"}}},"
             "{\"id\":\"P2\",\"targets\":{\"first_response\":{\"minutes\":120,\"clock\":\"business\"},"
             "\"next_response\":{\"minutes\":60,\"clock\":\"business\"},"
             "\"resolution\":{\"minutes\":480,\"clock\":\"business\"}}},"
             "{\"id\":\"P3\",\"response_minutes\":240,\"clock\":\"24x7\"},"
             "{\"id\":\"P4\",\"targets\":{\"first_response\":{\"minutes\":480,\"clock\":\"24x7\"},"
             "\"resolution\":{\"minutes\":600,\"clock\":\"24x7\"}}}],"
             "\"business_hours\":{\"timezone\":\"UTC\",\"week\":{\"mon\":[[\"09:00\",\"17:00\"]],"
             "\"tue\":[[\"09:00\",\"17:00\"]],\"wed\":[[\"09:00\",\"17:00\"]],\"thu\":[[\"09:00\",\"17:00\"]],"
             "\"fri\":[[\"09:00\",\"17:00\"]]}},\"reprioritize_from\":\"%s\"%s%s}",
             reprio, pause_on ? ",\"pause_on\":" : "", pause_on ? pause_on : "");
    st_policy *p = NULL;
    st_err err;
    cr_assert_eq(policy_parse(text, strlen(text), "t.json", &p, &err), ST_OK, "%s", err.msg);
    return p;
}

static st_time T(const char *hm) /* "HH:MM" on Monday 2026-11-16, or a full ISO time */
{
    char buf[64];
    if (strlen(hm) == 5)
        snprintf(buf, sizeof buf, "2026-11-16T%s:00Z", hm);
    else
        snprintf(buf, sizeof buf, "%s", hm);
    st_time t;
    cr_assert(time_parse_iso(buf, &t), "bad time %s", hm);
    return t;
}

static clk_event E(clk_ev_kind k, const char *at)
{
    return (clk_event){.kind = k, .at = T(at), .actor = "alice"};
}
static clk_event CREATED(const char *at, size_t level)
{
    return (clk_event){.kind = CLK_EV_CREATED, .at = T(at), .level = level, .actor = "alice"};
}
static clk_event LEVEL(const char *at, size_t level)
{
    return (clk_event){.kind = CLK_EV_LEVEL, .at = T(at), .level = level, .actor = "alice", .reason = "r"};
}
static clk_event STATUS(const char *at, pol_status s, const char *actor, const char *reason)
{
    return (clk_event){.kind = CLK_EV_STATUS, .at = T(at), .status = s, .actor = actor, .reason = reason};
}

static clk_result R;

static void run(const st_policy *p, const clk_event *ev, size_t n, const char *now)
{
    st_err err;
    cr_assert_eq(clocks_compute(p, ev, n, T(now), &R, &err), ST_OK, "%s", err.msg);
}

static const clk_clock *get(pol_metric m, int cycle)
{
    for (size_t i = 0; i < R.n; i++)
        if (R.clocks[i].metric == m && R.clocks[i].cycle == cycle)
            return &R.clocks[i];
    return NULL;
}

static const clk_clock *must(pol_metric m, int cycle)
{
    const clk_clock *c = get(m, cycle);
    cr_assert_not_null(c, "no %s clock cycle %d", policy_metric_name(m), cycle);
    return c;
}

static void setup(void)
{
    clocks_result_init(&R);
}
static void teardown(void)
{
    clocks_result_done(&R);
}
TestSuite(clocks, .init = setup, .fini = teardown);

#define FR POL_METRIC_FIRST_RESPONSE
#define NR POL_METRIC_NEXT_RESPONSE
#define RES POL_METRIC_RESOLUTION

Test(clocks, first_response_stops_at_reply_or_respond_never_at_a_note)
{
    st_policy *p = policy("created", NULL);
    clk_event ev[] = {CREATED("10:00", P1), E(CLK_EV_NOTE, "10:10"), E(CLK_EV_CUSTOMER, "10:20"),
                      E(CLK_EV_NOTE, "10:30"), E(CLK_EV_REPLY, "10:40"), E(CLK_EV_RESPOND, "10:50")};
    run(p, ev, 4, "10:35");
    const clk_clock *c = must(FR, 1);
    cr_assert_eq(c->stopped, NONE, "notes never stop it");
    cr_assert_eq(c->due, T("11:00"));
    cr_assert_eq(c->remaining_s, 25 * M);
    cr_assert_eq(c->state, SLA_OK);
    cr_assert_null(get(NR, 1), "a customer message before the first response arms nothing");
    cr_assert_eq(R.first_response, NONE);
    run(p, ev, 6, "12:00");
    c = must(FR, 1);
    cr_assert_eq(c->stopped, T("10:40"));
    cr_assert_eq(c->state, SLA_MET);
    cr_assert_eq(c->remaining_s, 20 * M, "the margin at the reply");
    cr_assert_eq(R.first_response, T("10:40"));
    cr_assert_null(get(NR, 1), "respond after the reply arms nothing");
    /* respond (a response outside slatop) stops it as a reply does */
    clk_event ev2[] = {CREATED("10:00", P1), E(CLK_EV_RESPOND, "11:30")};
    run(p, ev2, 2, "12:00");
    cr_assert_eq(must(FR, 1)->state, SLA_MISSED);
    cr_assert_eq(must(FR, 1)->remaining_s, -30 * M);
    cr_assert(must(FR, 1)->breached_ever);
    policy_free(p);
}

Test(clocks, next_response_is_armed_by_the_oldest_unanswered_customer_message)
{
    st_policy *p = policy("created", NULL);
    clk_event ev[] = {CREATED("10:00", P1),        E(CLK_EV_REPLY, "10:20"),    E(CLK_EV_CUSTOMER, "10:30"),
                      E(CLK_EV_CUSTOMER, "10:40"), E(CLK_EV_NOTE, "10:45"),     E(CLK_EV_REPLY, "10:50"),
                      E(CLK_EV_CUSTOMER, "11:10"), E(CLK_EV_NOTE, "11:15"),     E(CLK_EV_RESPOND, "11:50")};
    run(p, ev, 5, "10:50");
    const clk_clock *c = must(NR, 1);
    cr_assert_eq(c->started, T("10:30"), "from the oldest unanswered message");
    cr_assert_eq(c->due, T("11:00"));
    cr_assert_eq(c->state, SLA_OK);
    cr_assert_null(get(NR, 2), "the second message arms nothing while the first is unanswered");
    run(p, ev, 8, "11:20");
    cr_assert_eq(must(NR, 1)->stopped, T("10:50"));
    cr_assert_eq(must(NR, 1)->state, SLA_MET);
    c = must(NR, 2);
    cr_assert_eq(c->started, T("11:10"));
    cr_assert_eq(c->due, T("11:40"));
    cr_assert_eq(c->stopped, NONE, "a note does not stop it");
    cr_assert_eq(c->remaining_s, 20 * M);
    cr_assert_eq(c->target_s, 30 * M);
    cr_assert_eq(R.next, (int)(c - R.clocks), "the earliest due among running clocks");
    run(p, ev, 9, "12:00");
    c = must(NR, 2);
    cr_assert_eq(c->stopped, T("11:50"));
    cr_assert_eq(c->state, SLA_MISSED);
    cr_assert(c->breached_ever);
    cr_assert_not(must(NR, 1)->breached_ever);
    cr_assert_eq(R.n, 4, "first_response, two next_response cycles, resolution");
    cr_assert_eq(R.clocks[3].metric, RES);
    policy_free(p);
}

Test(clocks, resolve_stops_every_clock_and_records_the_first_response)
{
    st_policy *p = policy("created", NULL);
    clk_event ev[] = {CREATED("10:00", P1), E(CLK_EV_CUSTOMER, "10:05"), E(CLK_EV_REPLY, "10:20"),
                      E(CLK_EV_CUSTOMER, "10:30"), E(CLK_EV_CUSTOMER, "10:40"),
                      STATUS("11:30", POL_STATUS_RESOLVED, "bob", "fixed")};
    run(p, ev, N(ev), "12:00");
    cr_assert_eq(R.status, POL_STATUS_RESOLVED);
    cr_assert_eq(must(FR, 1)->state, SLA_MET);
    cr_assert_eq(must(NR, 1)->stopped, T("11:30"));
    cr_assert_eq(must(NR, 1)->state, SLA_MISSED);
    cr_assert_eq(must(RES, 1)->stopped, T("11:30"));
    cr_assert_eq(must(RES, 1)->state, SLA_MET);
    cr_assert_eq(must(RES, 1)->remaining_s, 150 * M);
    cr_assert_eq(R.next, -1, "nothing runs");
    cr_assert_eq(clocks_order(&R).tier, 2);
    /* No first response: the resolve records it at the same instant. */
    clk_event ev2[] = {CREATED("10:00", P1), STATUS("12:00", POL_STATUS_RESOLVED, "bob", NULL)};
    run(p, ev2, 2, "13:00");
    cr_assert_eq(R.first_response, T("12:00"));
    cr_assert_eq(must(FR, 1)->stopped, T("12:00"));
    cr_assert_eq(must(FR, 1)->state, SLA_MISSED);
    policy_free(p);
}

Test(clocks, reopen_resumes_resolution_without_the_time_resolved)
{
    st_policy *p = policy("created", NULL);
    clk_event ev[] = {CREATED("10:00", P1), E(CLK_EV_REPLY, "10:10"),
                      STATUS("11:00", POL_STATUS_RESOLVED, "bob", NULL),
                      STATUS("13:00", POL_STATUS_OPEN, "bob", "not fixed"),
                      STATUS("17:00", POL_STATUS_RESOLVED, "bob", NULL)};
    run(p, ev, 3, "12:00");
    const clk_clock *c = must(RES, 1);
    cr_assert_eq(c->state, SLA_MET);
    cr_assert_eq(c->stopped, T("11:00"));
    cr_assert_eq(c->remaining_s, 3 * H);
    run(p, ev, 4, "14:00");
    c = must(RES, 1);
    cr_assert_eq(c->stopped, NONE, "running again");
    cr_assert_eq(c->started, T("10:00"), "the same clock");
    cr_assert_eq(c->remaining_s, 2 * H, "1 h before the resolve and 1 h since the reopen");
    cr_assert_eq(c->due, T("16:00"));
    cr_assert_eq(c->state, SLA_OK);
    cr_assert_eq(must(FR, 1)->stopped, T("10:10"), "reopen does not restart first_response");
    cr_assert_null(get(NR, 1));
    run(p, ev, 5, "18:00");
    c = must(RES, 1);
    cr_assert_eq(c->stopped, T("17:00"));
    cr_assert_eq(c->state, SLA_MISSED, "judged afresh at the second resolve");
    cr_assert_eq(c->remaining_s, -1 * H);
    cr_assert(c->breached_ever);
    policy_free(p);
}

Test(clocks, a_customer_message_reopens_and_arms_a_cycle)
{
    st_policy *p = policy("created", NULL);
    clk_event ev[] = {CREATED("10:00", P1), E(CLK_EV_REPLY, "10:10"),
                      STATUS("11:00", POL_STATUS_RESOLVED, "bob", NULL), E(CLK_EV_CUSTOMER, "12:00")};
    /* ... with the status change the store records beside it, before or after the message */
    clk_event ev2[] = {CREATED("10:00", P1), E(CLK_EV_REPLY, "10:10"),
                       STATUS("11:00", POL_STATUS_RESOLVED, "bob", NULL),
                       STATUS("12:00", POL_STATUS_OPEN, "carol", "customer message"), E(CLK_EV_CUSTOMER, "12:00")};
    clk_event ev3[] = {CREATED("10:00", P1), E(CLK_EV_REPLY, "10:10"),
                       STATUS("11:00", POL_STATUS_RESOLVED, "bob", NULL), E(CLK_EV_CUSTOMER, "12:00"),
                       STATUS("12:00", POL_STATUS_OPEN, "carol", "customer message")};
    const clk_event *hist[] = {ev, ev2, ev3};
    size_t lens[] = {N(ev), N(ev2), N(ev3)};
    for (int k = 0; k < 3; k++) {
        run(p, hist[k], lens[k], "12:10");
        cr_assert_eq(R.status, POL_STATUS_OPEN, "history %d", k);
        const clk_clock *c = must(NR, 1);
        cr_assert_eq(c->started, T("12:00"));
        cr_assert_eq(c->due, T("12:30"));
        cr_assert_eq(c->state, SLA_OK);
        c = must(RES, 1);
        cr_assert_eq(c->stopped, NONE);
        cr_assert_eq(c->remaining_s, 4 * H - 70 * M);
        cr_assert_eq(c->due, T("15:00"));
    }
    /* A customer message on a pending ticket opens it: resolution counts again. */
    clk_event ev4[] = {CREATED("10:00", P1), E(CLK_EV_REPLY, "10:10"),
                       STATUS("10:30", POL_STATUS_PENDING, "bob", "waiting for logs"), E(CLK_EV_CUSTOMER, "11:30")};
    run(p, ev4, N(ev4), "12:00");
    cr_assert_eq(R.status, POL_STATUS_OPEN);
    cr_assert_eq(must(RES, 1)->remaining_s, 4 * H - 60 * M);
    cr_assert_eq(must(RES, 1)->paused_by, CLK_PAUSED_NONE);
    policy_free(p);
}

Test(clocks, pauses_survive_a_level_change)
{
    st_policy *p = policy("created", NULL);
    clk_event ev[] = {CREATED("10:00", P1), STATUS("11:00", POL_STATUS_PENDING, "bob", "waiting for logs"),
                      STATUS("13:00", POL_STATUS_OPEN, "bob", NULL), LEVEL("14:00", P4)};
    run(p, ev, N(ev), "15:00");
    const clk_clock *c = must(RES, 1);
    cr_assert_eq(c->level, P4);
    cr_assert_eq(c->target_s, 600 * M);
    cr_assert_eq(c->remaining_s, 7 * H, "3 h counted: the 2 h pending before the change stay out");
    cr_assert_eq(c->due, T("22:00"));
    /* first_response does not pause on pending (pause_on default): P1's due 11:00 had passed
     * before the change, so it was breached, and stays so in its history. */
    c = must(FR, 1);
    cr_assert_eq(c->due, T("18:00"));
    cr_assert_eq(c->state, SLA_OK);
    cr_assert(c->breached_ever);
    cr_assert_not(must(RES, 1)->breached_ever);
    policy_free(p);
    /* Under reprioritize_from=change the new target starts at the change; a pause after the
     * change is still left out. */
    p = policy("change", NULL);
    clk_event ev2[] = {CREATED("10:00", P1), STATUS("11:00", POL_STATUS_PENDING, "bob", "waiting for logs"),
                       STATUS("13:00", POL_STATUS_OPEN, "bob", NULL), LEVEL("14:00", P4),
                       STATUS("15:00", POL_STATUS_ON_HOLD, "bob", "vendor"),
                       STATUS("16:00", POL_STATUS_OPEN, "bob", NULL)};
    run(p, ev2, N(ev2), "17:00");
    c = must(RES, 1);
    cr_assert_eq(c->remaining_s, 8 * H);
    cr_assert_eq(c->due, T("2026-11-17T01:00:00Z"));
    policy_free(p);
}

Test(clocks, reprioritize_from_created_and_change_across_clocks)
{
    clk_event ev[] = {CREATED("10:00", P4), E(CLK_EV_REPLY, "10:30"), E(CLK_EV_CUSTOMER, "11:00"),
                      LEVEL("12:00", P1)};
    st_policy *p = policy("created", NULL);
    run(p, ev, 3, "11:30");
    cr_assert_null(get(NR, 1), "P4 defines no next_response: no clock");
    run(p, ev, N(ev), "12:10");
    const clk_clock *c = must(NR, 1);
    cr_assert_eq(c->started, T("11:00"), "measured from its arming");
    cr_assert_eq(c->due, T("11:30"));
    cr_assert_eq(c->state, SLA_BREACHED);
    cr_assert_eq(c->remaining_s, -40 * M);
    cr_assert(c->breached_ever, "due before the change: breached from the change on");
    c = must(RES, 1);
    cr_assert_eq(c->due, T("14:00"), "measured from creation");
    c = must(FR, 1);
    cr_assert_eq(c->level, P4, "a stopped clock keeps the target in force when it stopped");
    cr_assert_eq(c->target_s, 480 * M);
    cr_assert_eq(c->state, SLA_MET);
    policy_free(p);

    p = policy("change", NULL);
    run(p, ev, N(ev), "12:10");
    c = must(NR, 1);
    cr_assert_eq(c->due, T("12:30"), "the full target from the change");
    cr_assert_eq(c->remaining_s, 20 * M);
    cr_assert_eq(c->state, SLA_OK);
    cr_assert_not(c->breached_ever);
    cr_assert_eq(must(RES, 1)->due, T("16:00"));
    cr_assert_eq(must(FR, 1)->target_s, 480 * M);
    policy_free(p);
}

Test(clocks, due_is_null_while_paused_before_the_target_and_stays_past_when_overdue)
{
    st_policy *p = policy("created", NULL);
    clk_event ev[] = {CREATED("10:00", P1), E(CLK_EV_REPLY, "10:05"),
                      STATUS("11:00", POL_STATUS_PENDING, "bob", "waiting for logs")};
    run(p, ev, N(ev), "12:00");
    const clk_clock *c = must(RES, 1);
    cr_assert_eq(c->due, NONE);
    cr_assert_eq(c->state, SLA_PAUSED);
    cr_assert_eq(c->paused_by, CLK_PAUSED_PENDING);
    cr_assert_eq(c->remaining_s, 3 * H, "stands still");
    cr_assert_eq(R.next, (int)(c - R.clocks), "every running clock is paused: the least remaining");
    clk_order o = clocks_order(&R);
    cr_assert_eq(o.tier, 1);
    cr_assert_eq(o.key, 3 * H);

    clk_event ev2[] = {CREATED("10:00", P1), E(CLK_EV_REPLY, "10:05"),
                       STATUS("15:00", POL_STATUS_ON_HOLD, "bob", "vendor")};
    run(p, ev2, N(ev2), "16:00");
    c = must(RES, 1);
    cr_assert_eq(c->due, T("14:00"), "the past instant it was reached");
    cr_assert_eq(c->state, SLA_BREACHED);
    cr_assert_eq(c->paused_by, CLK_PAUSED_ON_HOLD);
    cr_assert_eq(c->remaining_s, -1 * H, "overdue time stands still too");
    cr_assert(c->breached_ever);
    policy_free(p);
}

Test(clocks, paused_by_hours_versus_status)
{
    st_policy *p = policy("created", NULL);
    clk_event ev[] = {CREATED("16:00", P2), STATUS("16:30", POL_STATUS_PENDING, "bob", "waiting for logs")};
    run(p, ev, N(ev), "20:00");
    const clk_clock *c = must(FR, 1);
    cr_assert_eq(c->paused_by, CLK_PAUSED_HOURS, "first_response does not pause on pending");
    cr_assert_eq(c->resumes_at, T("2026-11-17T09:00:00Z"));
    cr_assert_eq(c->state, SLA_PAUSED);
    cr_assert_eq(c->remaining_s, 60 * M);
    cr_assert_eq(c->due, T("2026-11-17T10:00:00Z"));
    c = must(RES, 1);
    cr_assert_eq(c->paused_by, CLK_PAUSED_PENDING, "status before hours");
    cr_assert_eq(c->resumes_at, NONE);
    cr_assert_eq(c->due, NONE);
    cr_assert_eq(c->remaining_s, 450 * M);
    cr_assert_eq(R.next, 0, "first_response: running and not paused by status");
    cr_assert_eq(clocks_order(&R).tier, 0);
    cr_assert_eq(clocks_order(&R).key, T("2026-11-17T10:00:00Z"));
    /* pause_on can pause first_response too */
    policy_free(p);
    p = policy("created", "{\"first_response\":[\"pending\"]}");
    run(p, ev, N(ev), "20:00");
    cr_assert_eq(must(FR, 1)->paused_by, CLK_PAUSED_PENDING);
    cr_assert_eq(must(FR, 1)->due, NONE);
    cr_assert_eq(must(FR, 1)->remaining_s, 90 * M);
    policy_free(p);
}

Test(clocks, next_clock_and_order)
{
    st_policy *p = policy("created", NULL);
    /* first_response due 11:00 and resolution due 14:00: the earliest wins. */
    clk_event a[] = {CREATED("10:00", P1)};
    run(p, a, 1, "10:30");
    cr_assert_eq(R.clocks[R.next].metric, FR);
    clk_order oa = clocks_order(&R);
    /* A next_response cycle due 11:40 before resolution's 14:00. */
    clk_event b[] = {CREATED("10:00", P1), E(CLK_EV_REPLY, "10:05"), E(CLK_EV_CUSTOMER, "11:10")};
    run(p, b, N(b), "11:20");
    cr_assert_eq(R.clocks[R.next].metric, NR);
    clk_order ob = clocks_order(&R);
    /* A breached clock sorts first (its due is the earliest). */
    clk_event a0[] = {CREATED("09:00", P1)};
    run(p, a0, 1, "12:00");
    clk_order obr = clocks_order(&R);
    cr_assert_eq(R.clocks[R.next].state, SLA_BREACHED);
    /* Everything paused by status. */
    clk_event c[] = {CREATED("10:00", P1), E(CLK_EV_REPLY, "10:05"), STATUS("10:10", POL_STATUS_PENDING, "bob", "x")};
    run(p, c, N(c), "12:00");
    clk_order oc = clocks_order(&R);
    /* Nothing running. */
    clk_event d[] = {CREATED("10:00", P1), STATUS("10:10", POL_STATUS_RESOLVED, "bob", NULL)};
    run(p, d, N(d), "12:00");
    clk_order od = clocks_order(&R);
    cr_assert_eq(R.next, -1);
    cr_assert_lt(clocks_order_cmp(obr, oa), 0);
    cr_assert_lt(clocks_order_cmp(oa, ob), 0);
    cr_assert_lt(clocks_order_cmp(ob, oc), 0);
    cr_assert_lt(clocks_order_cmp(oc, od), 0);
    cr_assert_eq(clocks_order_cmp(od, od), 0);
    policy_free(p);
}

Test(clocks, a_raise_undone_the_same_second_stays_breached)
{
    st_policy *p = policy("created", NULL);
    clk_event ev[] = {CREATED("10:00", P3), LEVEL("12:00", P1), LEVEL("12:00", P3)};
    run(p, ev, N(ev), "12:30");
    const clk_clock *c = must(FR, 1);
    cr_assert_eq(c->due, T("14:00"));
    cr_assert_eq(c->state, SLA_OK);
    cr_assert(c->breached_ever);
    cr_assert_null(get(RES, 1), "P3 defines no resolution");
    run(p, ev, 1, "12:30");
    cr_assert_not(must(FR, 1)->breached_ever);
    policy_free(p);
}

Test(clocks, explain_lists_counted_paused_and_level_change)
{
    st_policy *p = policy("created", NULL);
    clk_event ev[] = {CREATED("10:00", P1), STATUS("11:00", POL_STATUS_PENDING, "bob", "waiting for logs"),
                      STATUS("13:00", POL_STATUS_OPEN, "bob", NULL), LEVEL("14:00", P4)};
    sla_segment *s;
    size_t n;
    st_err err;
    cr_assert_eq(clocks_explain(p, ev, N(ev), T("15:00"), RES, 1, &s, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 5);
    cr_assert_eq(s[0].kind, SEG_WALL);
    cr_assert_eq(s[0].start, T("10:00"));
    cr_assert_eq(s[0].counted_s, H);
    cr_assert_eq(s[1].kind, SEG_PAUSED);
    cr_assert_eq(s[1].start, T("11:00"));
    cr_assert_eq(s[1].end, T("13:00"));
    cr_assert_str_eq(s[1].rule, "pending (set by bob at 2026-11-16T11:00:00Z: waiting for logs)");
    cr_assert_eq(s[2].kind, SEG_WALL);
    cr_assert_eq(s[3].kind, SEG_LEVEL_CHANGE);
    cr_assert_str_eq(s[3].rule, "level P1 -> P4");
    cr_assert_eq(s[4].end, T("22:00"), "to the due");
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += s[i].counted_s;
    cr_assert_eq(sum, 600 * M, "the counted segments add up to the target");
    cr_assert_str_eq(sla_seg_kind_name(SEG_PAUSED), "paused");
    cr_assert_str_eq(sla_seg_kind_name(SEG_RESOLVED), "resolved");
    sla_segments_free(s, n);

    /* A business clock: counted, paused by status to now (no due), the nights named. */
    clk_event ev2[] = {CREATED("16:00", P2), STATUS("16:30", POL_STATUS_PENDING, "bob", NULL),
                       STATUS("2026-11-17T10:00:00Z", POL_STATUS_OPEN, "bob", NULL),
                       STATUS("2026-11-17T11:00:00Z", POL_STATUS_RESOLVED, "carol", "fixed"),
                       E(CLK_EV_CUSTOMER, "2026-11-17T12:00:00Z")};
    cr_assert_eq(clocks_explain(p, ev2, N(ev2), T("2026-11-17T12:30:00Z"), RES, 1, &s, &n, &err), ST_OK);
    cr_assert_eq(s[0].kind, SEG_COUNTED);
    cr_assert_eq(s[0].counted_s, 30 * M);
    cr_assert_eq(s[1].kind, SEG_PAUSED);
    cr_assert_str_eq(s[1].rule, "pending (set by bob at 2026-11-16T16:30:00Z)");
    cr_assert_eq(s[2].kind, SEG_COUNTED);
    cr_assert_eq(s[2].start, T("2026-11-17T10:00:00Z"));
    cr_assert_eq(s[3].kind, SEG_RESOLVED);
    cr_assert_str_eq(s[3].rule, "resolved (set by carol at 2026-11-17T11:00:00Z: fixed)");
    cr_assert_eq(s[4].kind, SEG_COUNTED, "resumed by the reopening customer message");
    cr_assert_eq(s[n - 1].end, T("2026-11-18T10:30:00Z"), "to the due: 1.5 h counted, 6.5 h to go");
    sla_segments_free(s, n);
    cr_assert_eq(clocks_explain(p, ev2, N(ev2), T("2026-11-17T12:30:00Z"), NR, 2, &s, &n, &err), ST_NOTFOUND);
    policy_free(p);
}

Test(clocks, history_errors)
{
    st_policy *p = policy("created", NULL);
    st_err err;
    cr_assert_eq(clocks_compute(p, NULL, 0, 0, &R, &err), ST_INVALID);
    clk_event a[] = {E(CLK_EV_REPLY, "10:00")};
    cr_assert_eq(clocks_compute(p, a, 1, T("11:00"), &R, &err), ST_INVALID);
    cr_assert_str_eq(err.msg, "ticket history: event 0: does not start with the creation");
    clk_event b[] = {CREATED("10:00", P1), E(CLK_EV_REPLY, "09:00")};
    cr_assert_eq(clocks_compute(p, b, 2, T("11:00"), &R, &err), ST_INVALID);
    cr_assert_str_eq(err.msg, "ticket history: event 1: earlier than the event before it");
    clk_event c[] = {CREATED("10:00", 9)};
    cr_assert_eq(clocks_compute(p, c, 1, T("11:00"), &R, &err), ST_INVALID);
    clk_event d[] = {CREATED("10:00", P1), CREATED("10:00", P1)};
    cr_assert_eq(clocks_compute(p, d, 2, T("11:00"), &R, &err), ST_INVALID);
    /* Events after now are not there yet. */
    clk_event e[] = {CREATED("10:00", P1), E(CLK_EV_REPLY, "12:00")};
    cr_assert_eq(clocks_compute(p, e, 2, T("11:00"), &R, &err), ST_OK);
    cr_assert_eq(must(FR, 1)->stopped, NONE);
    policy_free(p);
}

/* ---- agreement with today's first-response timer when nothing pauses ---- */

static st_policy *shipped(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/share/policies/%s", SLATOP_SOURCE_DIR, name);
    st_policy *p = NULL;
    st_err err;
    cr_assert_eq(policy_load_file(path, &p, &err), ST_OK, "%s", err.msg);
    return p;
}

Test(clocks, first_response_agrees_with_sla_due_timer_and_breach_history)
{
    const char *names[] = {"haptik.json", "chatti.json"};
    uint64_t rng = 42;
    for (int f = 0; f < 2; f++) {
        st_policy *p = shipped(names[f]);
        for (int i = 0; i < 3000; i++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            uint64_t x = rng >> 11;
            size_t lv = x % p->n_levels, lv2 = (x >> 3) % p->n_levels;
            st_time created = 1767225600 + (st_time)((x >> 6) % (2 * 365 * 86400));
            st_time change = created + (st_time)((x >> 9) % (3 * 86400));
            st_time now = created + (st_time)((x >> 13) % (5 * 86400));
            bool changed = (x >> 20) & 1, replied = (x >> 21) & 1;
            st_time reply = created + (st_time)((x >> 23) % (4 * 86400));
            clk_event ev[3] = {{.kind = CLK_EV_CREATED, .at = created, .level = lv}};
            size_t n = 1;
            if (changed)
                ev[n++] = (clk_event){.kind = CLK_EV_LEVEL, .at = change, .level = lv2};
            if (replied) {
                if (changed && reply < change)
                    reply = change;
                ev[n++] = (clk_event){.kind = CLK_EV_REPLY, .at = reply};
            }
            if (now < ev[n - 1].at)
                now = ev[n - 1].at;
            st_err err;
            cr_assert_eq(clocks_compute(p, ev, n, now, &R, &err), ST_OK);
            size_t level = changed ? lv2 : lv;
            st_time start = changed && p->reprioritize_from == POL_REPRIO_CHANGE ? change : created;
            st_time due = sla_due(p, level, start);
            sla_input in = {level, due, replied ? reply : NONE, replied ? due : NONE};
            sla_timer t;
            sla_timer_at(p, &in, now, &t);
            const clk_clock *c = must(FR, 1);
            cr_assert_eq(c->due, due, "%s case %d", names[f], i);
            cr_assert_eq(c->state, t.state, "%s case %d", names[f], i);
            cr_assert_eq(c->remaining_s, t.remaining_s, "%s case %d", names[f], i);
            if (t.state == SLA_PAUSED)
                cr_assert_eq(c->resumes_at, t.resumes_at, "%s case %d", names[f], i);
            /* The sticky breach as today's history derivation sees it. */
            sla_event h[3] = {{.at = created, .sets_due = true, .new_due = sla_due(p, lv, created)}};
            size_t nh = 1;
            if (changed)
                h[nh++] = (sla_event){.at = change, .sets_due = true, .new_due = due};
            if (replied)
                h[nh++] = (sla_event){.at = reply, .first_response = true};
            cr_assert_eq(c->breached_ever, sla_breached_ever(h, nh, now), "%s case %d: breached_ever", names[f], i);
        }
        policy_free(p);
    }
}

/* The ledger of a business clock on the shipped Chatti policy names closed hours, holidays,
 * the DST shift and the pause, and its counted time adds up to the target. */
static bool has_kind(const sla_segment *s, size_t n, sla_seg_kind k)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].kind == k)
            return true;
    return false;
}

Test(clocks, explain_names_holidays_dst_and_pauses_on_a_business_clock)
{
    st_policy *p = shipped("chatti.json");
    size_t normal = (size_t)policy_level_index(p, "NORMAL");
    const struct {
        const char *created, *pend, *open;
        sla_seg_kind want;
    } cases[] = {{"2026-12-24T16:00:00Z", "2026-12-29T10:00:00Z", "2026-12-30T10:00:00Z", SEG_HOLIDAY},
                 {"2026-10-23T16:00:00Z", "2026-10-26T10:00:00Z", "2026-10-26T12:00:00Z", SEG_DST}};
    for (size_t i = 0; i < N(cases); i++) {
        clk_event ev[] = {{.kind = CLK_EV_CREATED, .at = T(cases[i].created), .level = normal},
                          STATUS(cases[i].pend, POL_STATUS_PENDING, "bob", "logs"),
                          STATUS(cases[i].open, POL_STATUS_OPEN, "bob", NULL)};
        sla_segment *s;
        size_t n;
        st_err err;
        cr_assert_eq(clocks_explain(p, ev, N(ev), T(cases[i].open), RES, 1, &s, &n, &err), ST_OK, "%s", err.msg);
        int64_t sum = 0;
        for (size_t k = 0; k < n; k++)
            sum += s[k].counted_s;
        cr_assert_eq(sum, 2550 * M, "case %zu", i);
        cr_assert(has_kind(s, n, SEG_COUNTED) && has_kind(s, n, SEG_CLOSED) && has_kind(s, n, SEG_PAUSED));
        cr_assert(has_kind(s, n, cases[i].want), "case %zu: %s", i, sla_seg_kind_name(cases[i].want));
        for (size_t k = 1; k < n; k++)
            cr_assert_geq(s[k].start, s[k - 1].end, "case %zu: in time order", i);
        run(p, ev, N(ev), cases[i].open);
        cr_assert_eq(s[n - 1].end, must(RES, 1)->due, "case %zu: to the due", i);
        sla_segments_free(s, n);
    }
    policy_free(p);
}
