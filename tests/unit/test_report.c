/* report: `slatop report` (SPEC §9) on a planted month (March 2026) of tickets with outcomes worked
 * out by hand below, through the real binary with --now-frozen commands: counts, percentages,
 * nearest-rank percentiles, the breach list with its causes, the next month, invariance under
 * later changes, JSON keys and types, CSV quoting, hostile text. Every level is 24x7 so that
 * counted time is wall time. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support_cli.h"

static const char *db;

/* P1: fr 60m, nr 30m, res 240m; P2: fr 120m, nr 60m, res 480m; P3: fr 240m only. */
static const char POLICY[] =
    "{\"name\":\"T\",\"levels\":["
    "{\"id\":\"P1\",\"targets\":{\"first_response\":{\"minutes\":60,\"clock\":\"24x7\"},"
    "\"next_response\":{\"minutes\":30,\"clock\":\"24x7\"},\"resolution\":{\"minutes\":240,\"clock\":"
    "\"24x7\"}}},"
    "{\"id\":\"P2\",\"targets\":{\"first_response\":{\"minutes\":120,\"clock\":\"24x7\"},"
    "\"next_response\":{\"minutes\":60,\"clock\":\"24x7\"},\"resolution\":{\"minutes\":480,\"clock\":"
    "\"24x7\"}}},"
    "{\"id\":\"P3\",\"response_minutes\":240,\"clock\":\"24x7\"}]}";

#define HOSTILE_TITLE "Login \"fails\", again\x1b[31m\nX\xe2\x80\xae"

static void setup(void)
{
    support_sandbox();
    db = support_path("t.db");
}

static void cleanup(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", support_path(""));
    cr_expect(system(cmd) == 0);
}

TestSuite(report, .init = setup, .fini = cleanup, .timeout = 120);

/* Runs slatop --db DB --now NOW ARGS... and requires success. */
static void ok(const char *now, ...)
{
    const char *argv[24] = {"--db", db, "--now", now};
    size_t n = 4;
    va_list ap;
    va_start(ap, now);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 23)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    support_result r;
    support_run_argv(&r, NULL, argv);
    cr_assert_eq(r.status, 0, "%s %s: exit %d: %s", argv[4], argv[5] ? argv[5] : "", r.status, r.err);
    support_result_done(&r);
}

#define D(day, hms) "2026-" day "T" hms "Z"

/* The planted history. Ticket ids in creation order: 1 = T0 ... 10 = T9. */
static void plant(void)
{
    const char *pol = support_path("p.json");
    support_write_file(pol, POLICY, strlen(POLICY));
    ok(D("02-01", "00:00:00"), "init", "--policy", pol, NULL);
    /* T0 (1): all of it in February: not in March's report. */
    ok(D("02-27", "10:00:00"), "add", "--title", "T0 february", "--level", "P2", NULL);
    ok(D("02-27", "10:30:00"), "reply", "1", "--body", "hi", NULL);
    ok(D("02-27", "11:00:00"), "resolve", "1", NULL);
    /* T1 (2): first response met exactly at its due second (12:00:00); resolved after 3 h. */
    ok(D("03-02", "10:00:00"), "add", "--title", "T1 exact", "--level", "P2", "--customer", "Acme", NULL);
    ok(D("03-02", "12:00:00"), "reply", "2", "--body", "on it", NULL);
    ok(D("03-02", "13:00:00"), "resolve", "2", NULL);
    /* T2 (3): missed by one second; resolved after 4 h. */
    ok(D("03-03", "10:00:00"), "add", "--title", HOSTILE_TITLE, "--level", "P2", "--customer", "Acme, Inc.",
       NULL);
    ok(D("03-03", "12:00:01"), "reply", "3", "--body", "late", NULL);
    ok(D("03-03", "14:00:00"), "resolve", "3", NULL);
    /* T3 (4): P1 from 19:00 on the 31st, untouched: first response (due 20:00) and resolution
     * (due 23:00) breached and open at the month's end. */
    ok(D("03-31", "19:00:00"), "add", "--title", "T3 open", "--level", "P1", NULL);
    /* T4 (5): answered, then pending from 10:00 on the 31st into April: its resolution clock
     * (2 h counted) stands still across the boundary, not breached: not in March. */
    ok(D("03-31", "08:00:00"), "add", "--title", "T4 pending", "--level", "P2", NULL);
    ok(D("03-31", "09:00:00"), "reply", "5", "--body", "need logs", NULL);
    ok(D("03-31", "10:00:00"), "set-status", "5", "pending", "--reason", "asked for logs", NULL);
    /* T5 (6): P3, breached at 14:00, raised to P2 at 14:30 (due 12:00), answered 15:00: missed at
     * P2, 5 h counted, 3 h over; resolution (P2, 480 m) met after 6 h. */
    ok(D("03-05", "10:00:00"), "add", "--title", "T5 raised", "--level", "P3", NULL);
    ok(D("03-05", "14:30:00"), "raise", "6", "--reason", "customer escalated", NULL);
    ok(D("03-05", "15:00:00"), "reply", "6", "--body", "sorry", NULL);
    ok(D("03-05", "16:00:00"), "resolve", "6", NULL);
    /* T6 (7): P1 breached at 11:00, lowered to P2 at 11:30 (due 12:00), answered 11:45: in time
     * for P2, but the breach is sticky: missed at P2, 0 s over; resolution met after 2 h. */
    ok(D("03-06", "10:00:00"), "add", "--title", "T6 lowered", "--level", "P1", NULL);
    ok(D("03-06", "11:30:00"), "lower", "7", "--reason", "workaround given", NULL);
    ok(D("03-06", "11:45:00"), "reply", "7", "--body", "try this", NULL);
    ok(D("03-06", "12:00:00"), "resolve", "7", NULL);
    /* T7 (8): P1 answered 10:30; resolved 11:00, reopened 12:00, resolved 15:30: resolution
     * 1 h + 3.5 h = 4.5 h, due 15:00 (the resolved hour not counted): missed by 30 min. */
    ok(D("03-10", "10:00:00"), "add", "--title", "T7 reopened", "--level", "P1", NULL);
    ok(D("03-10", "10:30:00"), "reply", "8", "--body", "fixed", NULL);
    ok(D("03-10", "11:00:00"), "resolve", "8", NULL);
    ok(D("03-10", "12:00:00"), "reopen", "8", "--reason", "came back", NULL);
    ok(D("03-10", "15:30:00"), "resolve", "8", NULL);
    /* T8 (9): P1 answered 10:10; customer messages at 11:00, 12:00, 13:00 arm next_response
     * cycles 1-3: answered after 20 min (met), 45 min (missed by 15), and stopped by the resolve
     * at 13:10 (10 min, met); resolution 3 h 10 met. */
    ok(D("03-12", "10:00:00"), "add", "--title", "T8 conversation", "--level", "P1", NULL);
    ok(D("03-12", "10:10:00"), "reply", "9", "--body", "a", NULL);
    ok(D("03-12", "11:00:00"), "message", "9", "--from", "cust", "--body", "q1", NULL);
    ok(D("03-12", "11:20:00"), "reply", "9", "--body", "a1", NULL);
    ok(D("03-12", "12:00:00"), "message", "9", "--from", "cust", "--body", "q2", NULL);
    ok(D("03-12", "12:45:00"), "reply", "9", "--body", "a2", NULL);
    ok(D("03-12", "13:00:00"), "message", "9", "--from", "cust", "--body", "q3", NULL);
    ok(D("03-12", "13:10:00"), "resolve", "9", NULL);
    /* T9 (10): P1 answered 10:10, pending 10:30-12:00, resolved 15:40: 30 min + 3 h 40 = 4 h 10
     * counted, due 15:30: missed by 10 min, with the pending stretch as its pause. */
    ok(D("03-20", "10:00:00"), "add", "--title", "T9 paused", "--level", "P1", NULL);
    ok(D("03-20", "10:10:00"), "reply", "10", "--body", "b", NULL);
    ok(D("03-20", "10:30:00"), "set-status", "10", "pending", "--reason", "asked for logs", NULL);
    ok(D("03-20", "12:00:00"), "set-status", "10", "open", NULL);
    ok(D("03-20", "15:40:00"), "resolve", "10", NULL);
}

/* What happens in April: T3 answered and resolved, T4 resumed and resolved, T1 reopened, T9
 * lowered, a new ticket. */
static void april(void)
{
    ok(D("04-01", "09:00:00"), "reply", "4", "--body", "late", NULL);
    ok(D("04-01", "10:00:00"), "resolve", "4", NULL);
    ok(D("04-02", "10:00:00"), "set-status", "5", "open", NULL);
    ok(D("04-02", "12:00:00"), "resolve", "5", NULL);
    ok(D("04-03", "09:00:00"), "reopen", "2", "--reason", "again", NULL);
    ok(D("04-03", "09:30:00"), "add", "--title", "April", "--level", "P1", NULL);
}

static char *run_report(const char *now, const char *month, const char *format)
{
    const char *argv[12] = {"--db", db, "--now", now, "report", "--month", month, format, NULL};
    support_result r;
    support_run_argv(&r, NULL, argv);
    cr_assert_eq(r.status, 0, "report: exit %d: %s", r.status, r.err);
    cr_expect_eq(r.err_len, 0, "stderr: %s", r.err);
    char *out = r.out;
    r.out = NULL;
    support_result_done(&r);
    return out;
}

static cJSON *report_json(const char *now, const char *month)
{
    char *out = run_report(now, month, "--json");
    cJSON *j = cJSON_Parse(out);
    cr_assert(j, "not JSON: %s", out);
    free(out);
    return j;
}

static const cJSON *row(const cJSON *j, const char *metric, const char *level)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(j, "rows"))
    {
        if (strcmp(cJSON_GetObjectItem(r, "metric")->valuestring, metric) == 0 &&
            strcmp(cJSON_GetObjectItem(r, "level")->valuestring, level) == 0)
            return r;
    }
    cr_assert_fail("no row %s %s", metric, level);
    return NULL;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    cr_assert(cJSON_IsNumber(v), "%s is not a number", key);
    return v->valuedouble;
}

/* met, missed, breached_open, percent (NAN: null), median, p90, max (-1: all null). */
static void expect_row(const cJSON *j, const char *metric, const char *level, int met, int missed, int open,
                       double pct, long median, long p90, long max)
{
    const cJSON *r = row(j, metric, level);
    cr_expect_eq(num(r, "met"), met, "%s %s met", metric, level);
    cr_expect_eq(num(r, "missed"), missed, "%s %s missed", metric, level);
    cr_expect_eq(num(r, "breached_open"), open, "%s %s breached_open", metric, level);
    const cJSON *p = cJSON_GetObjectItem(r, "compliance_percent");
    if (isnan(pct))
        cr_expect(cJSON_IsNull(p), "%s %s percent not null", metric, level);
    else
        cr_expect(cJSON_IsNumber(p) && fabs(p->valuedouble - pct) < 1e-9, "%s %s percent %g, expected %g",
                  metric, level, cJSON_IsNumber(p) ? p->valuedouble : -1.0, pct);
    if (median < 0) {
        cr_expect(cJSON_IsNull(cJSON_GetObjectItem(r, "median_s")));
        cr_expect(cJSON_IsNull(cJSON_GetObjectItem(r, "p90_s")));
        cr_expect(cJSON_IsNull(cJSON_GetObjectItem(r, "max_s")));
        return;
    }
    cr_expect_eq(num(r, "median_s"), median, "%s %s median %g", metric, level, num(r, "median_s"));
    cr_expect_eq(num(r, "p90_s"), p90, "%s %s p90 %g", metric, level, num(r, "p90_s"));
    cr_expect_eq(num(r, "max_s"), max, "%s %s max %g", metric, level, num(r, "max_s"));
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    cr_assert(cJSON_IsString(v), "%s is not a string", key);
    return v->valuestring;
}

/* Breach i: ticket, metric, cycle, level, due, stopped (NULL: null), over_s. */
static const cJSON *expect_breach(const cJSON *j, int i, int ticket, const char *metric, int cycle,
                                  const char *level, const char *due, const char *stopped, long over)
{
    const cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "breaches"), i);
    cr_assert(b, "no breach %d", i);
    cr_expect_eq(num(b, "ticket_id"), ticket, "breach %d ticket %g", i, num(b, "ticket_id"));
    cr_expect_str_eq(str(b, "metric"), metric, "breach %d", i);
    cr_expect_eq(num(b, "cycle"), cycle, "breach %d cycle", i);
    cr_expect_str_eq(str(b, "level"), level, "breach %d", i);
    cr_expect_str_eq(str(b, "due"), due, "breach %d", i);
    if (stopped)
        cr_expect_str_eq(str(b, "stopped"), stopped, "breach %d", i);
    else
        cr_expect(cJSON_IsNull(cJSON_GetObjectItem(b, "stopped")), "breach %d stopped not null", i);
    cr_expect_eq(num(b, "over_s"), over, "breach %d over_s %g", i, num(b, "over_s"));
    return b;
}

Test(report, planted_march)
{
    plant();
    cJSON *j = report_json(D("04-01", "00:30:00"), "2026-03");
    cr_expect_str_eq(str(j, "month"), "2026-03");
    cr_expect_str_eq(str(j, "from"), "2026-03-01T00:00:00Z");
    cr_expect_str_eq(str(j, "to"), "2026-04-01T00:00:00Z");
    cr_expect_str_eq(str(j, "generated_at"), "2026-04-01T00:30:00Z");
    /* first_response. P1: T7 1800, T8 600, T9 600 met; T3 open. Sorted 600 600 1800: median rank
     * ceil(1.5) = 2, p90 rank ceil(2.7) = 3. */
    expect_row(j, "first_response", "P1", 3, 0, 1, 75.0, 600, 1800, 1800);
    /* P2: T1 7200 and T4 3600 met; T2 7201, T5 18000, T6 6300 (sticky) missed. Sorted 3600 6300
     * 7200 7201 18000: median rank 3, p90 rank ceil(4.5) = 5. */
    expect_row(j, "first_response", "P2", 2, 3, 0, 40.0, 7200, 18000, 18000);
    expect_row(j, "first_response", "P3", 0, 0, 0, NAN, -1, -1, -1);
    /* next_response P1: T8's cycles 1200 met, 2700 missed, 600 met. */
    expect_row(j, "next_response", "P1", 2, 1, 0, 200.0 / 3.0, 1200, 2700, 2700);
    expect_row(j, "next_response", "P2", 0, 0, 0, NAN, -1, -1, -1);
    /* resolution P1: T8 11400 met; T7 16200, T9 15000 missed; T3 open. */
    expect_row(j, "resolution", "P1", 1, 2, 1, 25.0, 15000, 16200, 16200);
    /* P2: T1 10800, T2 14400, T5 21600, T6 7200; T4 paused across the boundary is not counted.
     * Sorted 7200 10800 14400 21600: median rank 2, p90 rank ceil(3.6) = 4. */
    expect_row(j, "resolution", "P2", 4, 0, 0, 100.0, 10800, 21600, 21600);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "rows")), 7, "P3 defines first_response only");
    /* Rows in metric order, levels in policy order. */
    const char *order[7][2] = {{"first_response", "P1"}, {"first_response", "P2"}, {"first_response", "P3"},
                               {"next_response", "P1"},  {"next_response", "P2"},  {"resolution", "P1"},
                               {"resolution", "P2"}};
    for (int i = 0; i < 7; i++) {
        const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "rows"), i);
        cr_expect_str_eq(str(r, "metric"), order[i][0]);
        cr_expect_str_eq(str(r, "level"), order[i][1]);
    }
    const cJSON *tot = cJSON_GetObjectItem(j, "totals");
    const cJSON *fr = cJSON_GetObjectItem(tot, "first_response"),
                *nr = cJSON_GetObjectItem(tot, "next_response"),
                *res = cJSON_GetObjectItem(tot, "resolution");
    cr_expect(num(fr, "met") == 5 && num(fr, "missed") == 3 && num(fr, "breached_open") == 1);
    cr_expect(fabs(num(fr, "compliance_percent") - 500.0 / 9.0) < 1e-9);
    cr_expect(num(nr, "met") == 2 && num(nr, "missed") == 1 && num(nr, "breached_open") == 0);
    cr_expect(num(res, "met") == 5 && num(res, "missed") == 2 && num(res, "breached_open") == 1);
    cr_expect(fabs(num(res, "compliance_percent") - 62.5) < 1e-9);

    /* The breaches, by ticket, then first_response, next_response cycles, resolution. */
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "breaches")), 8);
    const cJSON *b =
        expect_breach(j, 0, 3, "first_response", 1, "P2", D("03-03", "12:00:00"), D("03-03", "12:00:01"), 1);
    cr_expect_str_eq(str(b, "title"), HOSTILE_TITLE, "JSON keeps the title, escaped");
    cr_expect_str_eq(str(b, "customer"), "Acme, Inc.");
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(b, "level_changes")), 0);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(b, "pauses")), 0);
    expect_breach(j, 1, 4, "first_response", 1, "P1", D("03-31", "20:00:00"), NULL, 14400);
    expect_breach(j, 2, 4, "resolution", 1, "P1", D("03-31", "23:00:00"), NULL, 3600);
    b = expect_breach(j, 3, 6, "first_response", 1, "P2", D("03-05", "12:00:00"), D("03-05", "15:00:00"),
                      10800);
    const cJSON *lc = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "level_changes"), 0);
    cr_assert(lc);
    cr_expect_str_eq(str(lc, "at"), D("03-05", "14:30:00"));
    cr_expect_str_eq(str(lc, "from_level"), "P3");
    cr_expect_str_eq(str(lc, "to_level"), "P2");
    cr_expect_str_eq(str(lc, "reason"), "customer escalated");
    cr_expect(strlen(str(lc, "actor")) > 0);
    b = expect_breach(j, 4, 7, "first_response", 1, "P2", D("03-06", "12:00:00"), D("03-06", "11:45:00"), 0);
    lc = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "level_changes"), 0);
    cr_assert(lc);
    cr_expect_str_eq(str(lc, "from_level"), "P1");
    cr_expect_str_eq(str(lc, "to_level"), "P2");
    cr_expect_str_eq(str(lc, "reason"), "workaround given");
    b = expect_breach(j, 5, 8, "resolution", 1, "P1", D("03-10", "15:00:00"), D("03-10", "15:30:00"), 1800);
    const cJSON *pz = cJSON_GetObjectItem(b, "pauses");
    cr_assert_eq(cJSON_GetArraySize(pz), 1);
    cr_expect_str_eq(str(cJSON_GetArrayItem(pz, 0), "from"), D("03-10", "11:00:00"));
    cr_expect_str_eq(str(cJSON_GetArrayItem(pz, 0), "to"), D("03-10", "12:00:00"));
    cr_expect_str_eq(str(cJSON_GetArrayItem(pz, 0), "status"), "resolved");
    expect_breach(j, 6, 9, "next_response", 2, "P1", D("03-12", "12:30:00"), D("03-12", "12:45:00"), 900);
    b = expect_breach(j, 7, 10, "resolution", 1, "P1", D("03-20", "15:30:00"), D("03-20", "15:40:00"), 600);
    pz = cJSON_GetObjectItem(b, "pauses");
    cr_assert_eq(cJSON_GetArraySize(pz), 1);
    cr_expect_str_eq(str(cJSON_GetArrayItem(pz, 0), "from"), D("03-20", "10:30:00"));
    cr_expect_str_eq(str(cJSON_GetArrayItem(pz, 0), "to"), D("03-20", "12:00:00"));
    cr_expect_str_eq(str(cJSON_GetArrayItem(pz, 0), "status"), "pending");
    cr_expect_str_eq(str(cJSON_GetArrayItem(pz, 0), "reason"), "asked for logs");

    /* policy_versions, uptime (no monitoring source: null and why), audit_head. */
    const cJSON *pv = cJSON_GetObjectItem(j, "policy_versions");
    cr_expect(cJSON_GetArraySize(pv) == 1 && cJSON_GetArrayItem(pv, 0)->valuedouble == 1);
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(j, "uptime")));
    cr_expect(strstr(str(j, "uptime_error"), "no monitoring source") != NULL);
    const cJSON *head = cJSON_GetObjectItem(j, "audit_head");
    cr_expect_eq(num(head, "seq"), 40, "the 40 entries planted");
    cr_expect_eq(strlen(str(head, "hash")), 64);
    cJSON_Delete(j);
}

Test(report, april_counts_what_stopped_in_april)
{
    plant();
    april();
    cJSON *j = report_json(D("04-05", "00:00:00"), "2026-04");
    cr_expect_str_eq(str(j, "to"), D("04-05", "00:00:00"), "the current month ends now");
    /* T3 breached open in March, missed in April: first response 19:00-09:00 = 14 h counted,
     * 13 h over; resolution 15 h counted, 11 h over. The new ticket 11 (P1, 04-03T09:30) is
     * breached and open at now. */
    expect_row(j, "first_response", "P1", 0, 1, 1, 0.0, 50400, 50400, 50400);
    expect_row(j, "resolution", "P1", 0, 1, 1, 0.0, 54000, 54000, 54000);
    /* T4: 2 h before the pause, 2 h after: met at P2 with 4 h. T1 reopened 04-03T09:00 with 3 h
     * counted in March: due 5 h later, 14:00, and at now 3 h + 39 h - 8 h = 34 h over. */
    expect_row(j, "resolution", "P2", 1, 0, 1, 50.0, 14400, 14400, 14400);
    const cJSON *b = expect_breach(j, 0, 2, "resolution", 1, "P2", D("04-03", "14:00:00"), NULL, 34 * 3600);
    const cJSON *pz = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "pauses"), 0);
    cr_assert(pz);
    cr_expect_str_eq(str(pz, "from"), D("03-02", "13:00:00"));
    cr_expect_str_eq(str(pz, "to"), D("04-03", "09:00:00"));
    expect_breach(j, 1, 4, "first_response", 1, "P1", D("03-31", "20:00:00"), D("04-01", "09:00:00"), 46800);
    expect_breach(j, 2, 4, "resolution", 1, "P1", D("03-31", "23:00:00"), D("04-01", "10:00:00"), 39600);
    expect_breach(j, 3, 11, "first_response", 1, "P1", D("04-03", "10:30:00"), NULL, 135000);
    expect_breach(j, 4, 11, "resolution", 1, "P1", D("04-03", "13:30:00"), NULL, 124200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "breaches")), 5);
    cJSON_Delete(j);
}

/* The report without its two moving keys, as text. */
static char *stable(cJSON *j)
{
    cr_assert(j);
    cJSON_DeleteItemFromObject(j, "generated_at");
    cJSON_DeleteItemFromObject(j, "audit_head");
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

Test(report, past_month_unchanged_by_later_changes)
{
    plant();
    char *before_raw = run_report(D("04-01", "00:30:00"), "2026-03", "--json");
    char *csv_before = run_report(D("04-01", "00:30:00"), "2026-03", "--csv");
    april();
    char *after_raw = run_report(D("04-06", "00:00:00"), "2026-03", "--json");
    char *csv_after = run_report(D("04-06", "00:00:00"), "2026-03", "--csv");
    char *a = stable(cJSON_Parse(before_raw)), *b = stable(cJSON_Parse(after_raw));
    cr_expect_str_eq(a, b);
    free(a);
    free(b);
    /* Byte for byte apart from generated_at and audit_head: cut both out of the raw text. */
    const char *cut[2][2] = {{"\"generated_at\":", ","}, {",\"audit_head\":", "}"}};
    char *raws[2] = {before_raw, after_raw};
    for (int k = 0; k < 2; k++)
        for (int c = 0; c < 2; c++) {
            char *p = strstr(raws[k], cut[c][0]);
            cr_assert(p);
            char *e = strstr(p, cut[c][1]);
            cr_assert(e);
            memmove(p, e + 1, strlen(e + 1) + 1);
        }
    cr_expect_str_eq(before_raw, after_raw);
    cr_expect_str_eq(csv_before, csv_after);
    free(before_raw);
    free(after_raw);
    free(csv_before);
    free(csv_after);
}

Test(report, json_keys_and_types)
{
    plant();
    cJSON *j = report_json(D("04-01", "00:30:00"), "2026-03");
    const char *top[] = {"month",  "from",     "to",     "generated_at", "policy_versions", "rows",
                         "totals", "breaches", "uptime", "uptime_error", "audit_head"};
    cr_expect_eq(cJSON_GetArraySize(j), (int)(sizeof top / sizeof top[0]));
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
        cr_expect(cJSON_GetObjectItem(j, top[i]) != NULL, "missing %s", top[i]);
    cr_expect(cJSON_IsArray(cJSON_GetObjectItem(j, "policy_versions")));
    const char *rk[] = {"metric",   "level",  "target_s",      "clock",
                        "met",      "missed", "breached_open", "compliance_percent",
                        "median_s", "p90_s",  "max_s"};
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(j, "rows"))
    {
        cr_expect_eq(cJSON_GetArraySize(r), 11);
        for (size_t i = 0; i < 11; i++)
            cr_expect(cJSON_GetObjectItem(r, rk[i]) != NULL, "row lacks %s", rk[i]);
        cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(r, "target_s")));
        cr_expect_str_eq(str(r, "clock"), "24x7");
    }
    cr_expect_eq(num(row(j, "first_response", "P3"), "target_s"), 240 * 60);
    const char *bk[] = {"ticket_id", "title",   "customer", "metric",        "cycle", "level",
                        "due",       "stopped", "over_s",   "level_changes", "pauses"};
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(j, "breaches"))
    {
        cr_expect_eq(cJSON_GetArraySize(r), 11);
        for (size_t i = 0; i < 11; i++)
            cr_expect(cJSON_GetObjectItem(r, bk[i]) != NULL, "breach lacks %s", bk[i]);
        cr_expect(cJSON_IsArray(cJSON_GetObjectItem(r, "level_changes")));
        cr_expect(cJSON_IsArray(cJSON_GetObjectItem(r, "pauses")));
        const cJSON *c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(r, "level_changes"))
        {
            const char *ck[] = {"at", "actor", "from_level", "to_level", "reason"};
            for (size_t i = 0; i < 5; i++)
                cr_expect(cJSON_GetObjectItem(c, ck[i]) != NULL, "level change lacks %s", ck[i]);
        }
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(r, "pauses"))
        {
            const char *pk[] = {"from", "to", "status", "actor", "reason"};
            for (size_t i = 0; i < 5; i++)
                cr_expect(cJSON_GetObjectItem(c, pk[i]) != NULL, "pause lacks %s", pk[i]);
        }
    }
    cJSON_Delete(j);
}

Test(report, csv_and_text_are_inert)
{
    plant();
    char *csv = run_report(D("04-01", "00:30:00"), "2026-03", "--csv");
    size_t at = 0;
    cr_expect(!support_has_unsafe_bytes(csv, strlen(csv), &at), "unsafe byte at %zu", at);
    static const char header[] =
        "ticket_id,title,customer,metric,cycle,level,due,stopped,over_s,level_changes,pauses\n";
    cr_expect(strncmp(csv, header, sizeof header - 1) == 0, "header: %.90s", csv);
    cr_expect_eq(support_count_lines(csv), 9, "a header and 8 breaches: %s", csv);
    /* The hostile title: one quoted field, quotes doubled, its controls shown, not obeyed. */
    const char *line = strstr(csv, "\n3,");
    cr_assert(line, "%s", csv);
    static const char title[] = "\"Login \"\"fails\"\", again";
    cr_expect(strncmp(line + 3, title, sizeof title - 1) == 0, "%.80s", line + 3);
    cr_expect(
        strstr(line, ",\"Acme, Inc.\",first_response,1,P2,2026-03-03T12:00:00Z,2026-03-03T12:00:01Z,1,,\n") !=
            NULL,
        "%.200s", line);
    cr_expect(strstr(csv, "\n4,T3 open,,first_response,1,P1,2026-03-31T20:00:00Z,,14400,,\n") != NULL, "%s",
              csv);
    free(csv);
    char *text = run_report(D("04-01", "00:30:00"), "2026-03", NULL);
    cr_expect(!support_has_unsafe_bytes(text, strlen(text), &at), "unsafe byte at %zu", at);
    cr_expect(strstr(text, "Breaches: 8\n") != NULL, "%s", text);
    cr_expect(strstr(text, "first_response P2          2:00:00 24x7          2      3      0      40.00%") !=
                  NULL,
              "%s", text);
    cr_expect(strstr(text, "not available: no monitoring source") != NULL, "%s", text);
    free(text);
}

Test(report, refuses_bad_arguments)
{
    plant();
    struct {
        const char *a, *b, *c, *needle;
        int status;
    } cases[] = {
        {"--json", "--csv", NULL, "report: give --json or --csv, not both", 2},
        {"--month", "2026-13", NULL, "--month 2026-13: expected YYYY-MM", 2},
        {"--month", "2026-05", NULL, "--month 2026-05: the month has not started yet", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[] = {"--db",     db,         "--now", D("04-05", "00:00:00"), "report", cases[i].a,
                              cases[i].b, cases[i].c, NULL};
        support_result r;
        support_run_argv(&r, NULL, argv);
        cr_expect_eq(r.status, cases[i].status, "case %zu: exit %d: %s", i, r.status, r.err);
        cr_expect(strstr(r.err, cases[i].needle) != NULL, "case %zu: %s", i, r.err);
        cr_expect_eq(r.out_len, 0);
        support_result_done(&r);
    }
}

/* CSV injection: a cell a spreadsheet would run as a formula (= + - @ first, or a tab or carriage
 * return) starts with a single quote; other cells are unchanged. */
Test(report, csv_formula_cells_are_quoted_text)
{
    const char *pol = support_path("p.json");
    support_write_file(pol, POLICY, strlen(POLICY));
    ok(D("03-01", "00:00:00"), "init", "--policy", pol, NULL);
    /* Three tickets left unanswered: each first response breached and open at March's end. */
    ok(D("03-10", "10:00:00"), "add", "--title", "=HYPERLINK(\"http://x\",\"y\")", "--customer", "@SUM(A1)",
       "--level", "P3", NULL);
    /* (A leading tab or carriage return never reaches a title: `add` trims it.) */
    ok(D("03-10", "11:00:00"), "add", "--title", "+cmd|' /C calc'!A0", "--customer", "-2+3", "--level", "P3",
       NULL);
    ok(D("03-10", "12:00:00"), "add", "--title", "Plain a=b", "--customer", "+1 555", "--level", "P3", NULL);
    char *csv = run_report(D("04-01", "00:30:00"), "2026-03", "--csv");
    size_t at = 0;
    cr_expect(!support_has_unsafe_bytes(csv, strlen(csv), &at), "unsafe byte at %zu", at);
    cr_expect_eq(support_count_lines(csv), 4, "a header and 3 breaches: %s", csv);
    cr_expect(strstr(csv, "\n1,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'@SUM(A1),first_response,") != NULL,
              "%s", csv);
    cr_expect(strstr(csv, "\n2,'+cmd|' /C calc'!A0,'-2+3,first_response,") != NULL, "%s", csv);
    cr_expect(strstr(csv, "\n3,Plain a=b,'+1 555,first_response,") != NULL, "%s", csv);
    free(csv);
}
