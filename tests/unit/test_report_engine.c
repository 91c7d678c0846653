/* report engine (report.h) without a database: hand-made histories fed straight to it, and the
 * classification, nearest-rank percentiles, sticky breaches, breach causes and row order
 * checked against values worked out by hand. The period is March 2026 (UTC); every level is
 * 24x7, so counted time is wall time. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "slatop/report.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static st_policy *P;

static void setup(void)
{
    static const char text[] =
        "{\"name\":\"T\",\"levels\":["
        "{\"id\":\"P1\",\"targets\":{\"first_response\":{\"minutes\":60,\"clock\":\"24x7\"},"
        "\"resolution\":{\"minutes\":240,\"clock\":\"24x7\"}}},"
        "{\"id\":\"P2\",\"targets\":{\"first_response\":{\"minutes\":120,\"clock\":\"24x7\"},"
        "\"resolution\":{\"minutes\":480,\"clock\":\"24x7\"}}}]}";
    st_err err;
    cr_assert_eq(policy_parse(text, strlen(text), "t.json", &P, &err), ST_OK, "%s", err.msg);
}

static void teardown(void)
{
    policy_free(P);
}

TestSuite(report_engine, .init = setup, .fini = teardown);

static st_time T(const char *iso)
{
    char buf[40];
    snprintf(buf, sizeof buf, "2026-%sZ", iso);
    st_time t;
    cr_assert(time_parse_iso(buf, &t), "bad time %s", buf);
    return t;
}

static clk_event created(const char *at, size_t level)
{
    return (clk_event){.kind = CLK_EV_CREATED, .at = T(at), .level = level, .actor = "ann"};
}
static clk_event ev(clk_ev_kind k, const char *at)
{
    return (clk_event){.kind = k, .at = T(at), .actor = "ann"};
}
static clk_event status(const char *at, pol_status s, const char *reason)
{
    return (clk_event){.kind = CLK_EV_STATUS, .at = T(at), .status = s, .actor = "bob", .reason = reason};
}
static clk_event level(const char *at, size_t l, const char *reason)
{
    return (clk_event){.kind = CLK_EV_LEVEL, .at = T(at), .level = l, .actor = "cy", .reason = reason};
}

static void add(rpt_report *r, int64_t id, const clk_event *e, size_t n)
{
    rpt_ticket t = {.id = id, .title = "t", .customer = NULL, .policy_version = 1};
    st_err err;
    cr_assert_eq(report_add_ticket(r, P, &t, e, n, &err), ST_OK, "%s", err.msg);
}

static const rpt_row *row(const rpt_report *r, pol_metric m, const char *lv)
{
    for (size_t i = 0; i < r->n_rows; i++)
        if (r->rows[i].metric == m && strcmp(r->rows[i].level, lv) == 0)
            return &r->rows[i];
    cr_assert_fail("no row");
    return NULL;
}

Test(report_engine, percentiles_nearest_rank)
{
    rpt_report r;
    report_init(&r, T("03-01T00:00:00"), T("04-01T00:00:00"));
    /* Ten P2 tickets answered after 10, 20, ..., 100 minutes (all met: target 120). */
    for (int i = 1; i <= 10; i++) {
        char at[32];
        snprintf(at, sizeof at, "03-02T%02d:%02d:00", 10 + i * 10 / 60, i * 10 % 60);
        clk_event h[] = {created("03-02T10:00:00", 1), ev(CLK_EV_REPLY, at)};
        add(&r, i, h, N(h));
    }
    report_finish(&r);
    const rpt_row *w = row(&r, POL_METRIC_FIRST_RESPONSE, "P2");
    cr_expect_eq(w->met, 10);
    cr_expect(w->has_percent && w->compliance_percent == 100.0);
    /* Nearest rank: median = 5th of 10 (50 min), p90 = 9th (90 min), max 100 min. */
    cr_expect_eq(w->median_s, 50 * 60);
    cr_expect_eq(w->p90_s, 90 * 60);
    cr_expect_eq(w->max_s, 100 * 60);
    /* The resolution clocks still run at the month's end, long past their due (03-02T18:00):
     * breached open, 0% compliance, no counted times. */
    w = row(&r, POL_METRIC_RESOLUTION, "P2");
    cr_expect(w->met == 0 && w->missed == 0 && w->breached_open == 10 && w->has_percent && !w->has_times);
    cr_expect(w->compliance_percent == 0.0);
    cr_expect_eq(r.n_breaches, 10);
    cr_expect_eq(r.breaches[0].over_s, T("04-01T00:00:00") - T("03-02T18:00:00"));
    cr_expect_eq(r.n_versions, 1);
    report_done(&r);
}

Test(report_engine, scope_stop_month_and_open_at_end)
{
    rpt_report r;
    report_init(&r, T("03-01T00:00:00"), T("04-01T00:00:00"));
    /* 1: stopped in February: not in March. */
    clk_event a[] = {created("02-27T10:00:00", 0), ev(CLK_EV_REPLY, "02-27T10:30:00"),
                     status("02-27T11:00:00", POL_STATUS_RESOLVED, NULL)};
    add(&r, 1, a, N(a));
    /* 2: breached in February, still open at March's end: breached_open, over to the end only. */
    clk_event b[] = {created("02-28T22:00:00", 0)};
    add(&r, 2, b, N(b));
    /* 3: pending from before its due across the end: paused, not breached: not counted. */
    clk_event c[] = {created("03-31T22:00:00", 0), ev(CLK_EV_REPLY, "03-31T22:10:00"),
                     status("03-31T22:20:00", POL_STATUS_PENDING, "logs")};
    add(&r, 3, c, N(c));
    report_finish(&r);
    const rpt_row *fr = row(&r, POL_METRIC_FIRST_RESPONSE, "P1"), *res = row(&r, POL_METRIC_RESOLUTION, "P1");
    cr_expect(fr->met == 1 && fr->missed == 0 && fr->breached_open == 1, "%lld %lld %lld", (long long)fr->met,
              (long long)fr->missed, (long long)fr->breached_open);
    cr_expect(fr->compliance_percent == 50.0);
    cr_expect_eq(fr->median_s, 600, "only ticket 3's 10 minutes stopped in March");
    cr_expect(res->met == 0 && res->missed == 0 && res->breached_open == 1);
    cr_assert_eq(r.n_breaches, 2);
    cr_expect_eq(r.breaches[0].ticket_id, 2);
    cr_expect_eq(r.breaches[0].stopped, ST_TIME_NONE);
    cr_expect_eq(r.breaches[0].over_s, T("04-01T00:00:00") - T("02-28T23:00:00"));
    cr_expect_eq(r.breaches[1].over_s, T("04-01T00:00:00") - T("03-01T02:00:00"));
    /* Rows: metric order, then level order; P1 and P2 both shown. */
    cr_assert_eq(r.n_rows, 4);
    cr_expect(r.rows[0].metric == POL_METRIC_FIRST_RESPONSE && strcmp(r.rows[0].level, "P1") == 0);
    cr_expect(r.rows[1].metric == POL_METRIC_FIRST_RESPONSE && strcmp(r.rows[1].level, "P2") == 0);
    cr_expect(r.rows[2].metric == POL_METRIC_RESOLUTION && strcmp(r.rows[2].level, "P1") == 0);
    report_done(&r);
}

Test(report_engine, sticky_breach_and_its_causes)
{
    rpt_report r;
    report_init(&r, T("03-01T00:00:00"), T("04-01T00:00:00"));
    /* P1 due 11:00, lowered at 11:30 to P2 (due 12:00), pending 11:40-11:50, answered 11:55:
     * met for P2 by its stop, missed by the sticky breach; resolution (P2, 8 h; pending pauses
     * it) met at 13:00 with 2 h 50 counted. */
    clk_event h[] = {created("03-06T10:00:00", 0),
                     level("03-06T11:30:00", 1, "workaround"),
                     status("03-06T11:40:00", POL_STATUS_PENDING, "asked"),
                     status("03-06T11:50:00", POL_STATUS_OPEN, NULL),
                     ev(CLK_EV_REPLY, "03-06T11:55:00"),
                     status("03-06T13:00:00", POL_STATUS_RESOLVED, NULL)};
    add(&r, 7, h, N(h));
    report_finish(&r);
    const rpt_row *fr = row(&r, POL_METRIC_FIRST_RESPONSE, "P2");
    cr_expect(fr->met == 0 && fr->missed == 1, "sticky: missed");
    cr_expect_eq(fr->max_s, 115 * 60, "first_response does not pause on pending");
    const rpt_row *res = row(&r, POL_METRIC_RESOLUTION, "P2");
    cr_expect(res->met == 1 && res->max_s == 170 * 60);
    cr_assert_eq(r.n_breaches, 1);
    const rpt_breach *b = &r.breaches[0];
    cr_expect_eq(b->over_s, 0, "stopped before the due in force");
    cr_expect_eq(b->stopped, T("03-06T11:55:00"));
    cr_assert_eq(b->n_changes, 1);
    cr_expect_str_eq(b->changes[0].from_level, "P1");
    cr_expect_str_eq(b->changes[0].to_level, "P2");
    cr_expect_str_eq(b->changes[0].actor, "cy");
    cr_expect_str_eq(b->changes[0].reason, "workaround");
    /* first_response does not pause on pending: no pause shaped it. */
    cr_expect_eq(b->n_pauses, 0);
    report_done(&r);
}

Test(report_engine, pause_still_running_at_the_end)
{
    rpt_report r;
    report_init(&r, T("03-01T00:00:00"), T("04-01T00:00:00"));
    /* P1 resolution due 14:00; pending from 15:00 (already overdue: stays breached) to the end. */
    clk_event h[] = {created("03-09T10:00:00", 0), ev(CLK_EV_REPLY, "03-09T10:10:00"),
                     status("03-09T15:00:00", POL_STATUS_PENDING, "waiting")};
    add(&r, 9, h, N(h));
    report_finish(&r);
    cr_assert_eq(r.n_breaches, 1);
    const rpt_breach *b = &r.breaches[0];
    cr_expect_eq(b->metric, POL_METRIC_RESOLUTION);
    cr_expect_eq(b->over_s, 3600, "counted 5 h against 4 h: the pause stops the overrun");
    cr_assert_eq(b->n_pauses, 1);
    cr_expect_eq(b->pauses[0].from, T("03-09T15:00:00"));
    cr_expect_eq(b->pauses[0].to, ST_TIME_NONE, "still paused at the end");
    cr_expect_eq(b->pauses[0].status, POL_STATUS_PENDING);
    cr_expect_str_eq(b->pauses[0].reason, "waiting");
    report_done(&r);
}

/* The store's log pass hands tickets over as their histories end, not by id: the rows and breaches
 * come out in the by-id order whatever order the tickets came in (here reversed, over two policy
 * versions, the second with a new level P0 and a longer P1 first-response target). */
Test(report_engine, order_does_not_depend_on_the_order_tickets_come_in)
{
    static const char text2[] =
        "{\"name\":\"T2\",\"levels\":["
        "{\"id\":\"P0\",\"targets\":{\"first_response\":{\"minutes\":30,\"clock\":\"24x7\"}}},"
        "{\"id\":\"P1\",\"targets\":{\"first_response\":{\"minutes\":90,\"clock\":\"24x7\"},"
        "\"resolution\":{\"minutes\":240,\"clock\":\"24x7\"}}}]}";
    st_policy *p2;
    st_err err;
    cr_assert_eq(policy_parse(text2, strlen(text2), "t2.json", &p2, &err), ST_OK, "%s", err.msg);
    /* 1 (v1, P2) and 2 (v1, P1): both clocks breached open; 3 (v2, P1): first response missed,
     * resolution breached open. */
    clk_event a[] = {created("03-02T10:00:00", 1)};
    clk_event b[] = {created("03-03T10:00:00", 0)};
    clk_event c[] = {created("03-04T10:00:00", 1), ev(CLK_EV_REPLY, "03-04T12:00:00")};
    const char *want[2][8];
    size_t n_rows[2], n_breaches[2];
    int64_t ids[2][8];
    for (int pass = 0; pass < 2; pass++) {
        rpt_report r;
        report_init(&r, T("03-01T00:00:00"), T("04-01T00:00:00"));
        rpt_ticket t1 = {.id = 1, .title = "a", .policy_version = 1},
                   t2 = {.id = 2, .title = "b", .policy_version = 1},
                   t3 = {.id = 3, .title = "c", .policy_version = 2};
        if (pass == 0) { /* by id */
            cr_assert_eq(report_add_ticket(&r, P, &t1, a, N(a), &err), ST_OK, "%s", err.msg);
            cr_assert_eq(report_add_ticket(&r, P, &t2, b, N(b), &err), ST_OK, "%s", err.msg);
            cr_assert_eq(report_add_ticket(&r, p2, &t3, c, N(c), &err), ST_OK, "%s", err.msg);
        } else { /* reversed: the second version seen first */
            cr_assert_eq(report_add_ticket(&r, p2, &t3, c, N(c), &err), ST_OK, "%s", err.msg);
            cr_assert_eq(report_add_ticket(&r, P, &t2, b, N(b), &err), ST_OK, "%s", err.msg);
            cr_assert_eq(report_add_ticket(&r, P, &t1, a, N(a), &err), ST_OK, "%s", err.msg);
        }
        report_finish(&r);
        n_rows[pass] = r.n_rows;
        cr_assert_leq(r.n_rows, 8);
        for (size_t i = 0; i < r.n_rows; i++) {
            static char keep[2][8][40];
            snprintf(keep[pass][i], sizeof keep[pass][i], "%s %s %lld", policy_metric_name(r.rows[i].metric),
                     r.rows[i].level, (long long)r.rows[i].target_s);
            want[pass][i] = keep[pass][i];
        }
        n_breaches[pass] = r.n_breaches;
        cr_assert_leq(r.n_breaches, 8);
        for (size_t i = 0; i < r.n_breaches; i++)
            ids[pass][i] = r.breaches[i].ticket_id * 10 + (int64_t)r.breaches[i].metric;
        report_done(&r);
    }
    /* By id: v1's rows (P1, P2 per metric), then v2's new ones (P0; P1 at 90 minutes). */
    cr_assert_eq(n_rows[0], 6);
    cr_expect_str_eq(want[0][0], "first_response P1 3600");
    cr_expect_str_eq(want[0][1], "first_response P2 7200");
    cr_expect_str_eq(want[0][2], "first_response P0 1800");
    cr_expect_str_eq(want[0][3], "first_response P1 5400");
    cr_assert_eq(n_rows[1], n_rows[0]);
    for (size_t i = 0; i < n_rows[0]; i++)
        cr_expect_str_eq(want[1][i], want[0][i], "row %zu", i);
    cr_assert_eq(n_breaches[0], 6); /* every clock of the three */
    cr_assert_eq(n_breaches[1], n_breaches[0]);
    for (size_t i = 0; i < n_breaches[0]; i++)
        cr_expect_eq(ids[1][i], ids[0][i], "breach %zu", i);
    cr_expect(ids[0][0] < ids[0][1] && ids[0][3] < ids[0][4]);
    policy_free(p2);
}
