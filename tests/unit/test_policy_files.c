/* The two shipped policies (share/policies) load and carry exactly the values of SPEC §1. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/policy.h"
#include "slatop/text.h"

static st_policy *load(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/share/policies/%s", SLATOP_SOURCE_DIR, name);
    st_policy *p = NULL;
    st_err err;
    st_err_clear(&err);
    st_code rc = policy_load_file(path, &p, &err);
    cr_assert_eq(rc, ST_OK, "%s: %s", name, err.msg);
    cr_assert_not_null(p);
    return p;
}

static void check_level(const pol_level *lv, const char *id, const char *label, int64_t minutes,
                        pol_clock clock, const char *const *examples, size_t n_examples)
{
    cr_assert_str_eq(lv->id, id);
    cr_assert_str_eq(lv->label, label);
    cr_assert_eq(lv->response_minutes, minutes, "%s", id);
    cr_assert_eq(lv->clock, clock, "%s", id);
    cr_assert_not_null(lv->description, "%s has a description", id);
    cr_assert_eq(lv->n_examples, n_examples, "%s", id);
    for (size_t i = 0; i < n_examples; i++)
        cr_assert_str_eq(lv->examples[i], examples[i]);
}

static void check_criteria(const pol_level *lv, pol_crit_mode mode, const char *const *items, size_t n)
{
    cr_assert(lv->has_criteria, "%s has criteria", lv->id);
    cr_assert_eq(lv->criteria_mode, mode, "%s", lv->id);
    cr_assert_eq(lv->n_criteria, n, "%s", lv->id);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(lv->criteria[i], items[i]);
}

static void check_week(const cal_calendar *cal, int32_t open, int32_t close)
{
    for (int d = 0; d < 5; d++) {
        cr_assert_eq(cal->n_week[d], 1, "weekday %d", d);
        cr_assert_eq(cal->week[d][0].start, open);
        cr_assert_eq(cal->week[d][0].end, close);
    }
    cr_assert_eq(cal->n_week[5], 0);
    cr_assert_eq(cal->n_week[6], 0);
}

static int64_t day(const char *ymd)
{
    int64_t d = 0;
    cr_assert(date_parse(ymd, &d));
    return d;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

Test(policy_files, haptik)
{
    st_policy *p = load("haptik.json");
    cr_assert_str_eq(p->name, "Haptik");
    cr_assert_not_null(p->description);
    cr_assert_not_null(strstr(p->description, "2 hour"), "mentions the second edition's S1 target");
    cr_assert_not_null(strstr(p->description, "xample"), "marks the example values");
    cr_assert_eq(p->n_levels, 4);
    static const char *const ex0[] = {"Bot response delayed by 20 s", "Chats not assigned to agents"};
    static const char *const ex1[] = {"Analytics report not downloading", "Bot transfer not working"};
    static const char *const ex2[] = {"UI issues on the tool", "Business changes not reflecting on staging bot"};
    static const char *const ex3[] = {"Entities not captured on bot", "Test bot not giving logs"};
    check_level(&p->levels[0], "S0", "Blocker", 60, POL_CLOCK_24X7, ex0, N(ex0));
    check_level(&p->levels[1], "S1", "High", 60, POL_CLOCK_BUSINESS, ex1, N(ex1));
    check_level(&p->levels[2], "S2", "Medium", 240, POL_CLOCK_BUSINESS, ex2, N(ex2));
    check_level(&p->levels[3], "S3", "Low", 240, POL_CLOCK_BUSINESS, ex3, N(ex3));
    cr_assert_str_eq(p->levels[0].description, "Critical functionality stopped, serious business impact");
    cr_assert_str_eq(p->levels[1].description, "Major functionality stopped, moderate impact");
    cr_assert_str_eq(p->levels[2].description, "Minor functionality stopped, limited impact");
    cr_assert_str_eq(p->levels[3].description, "Issue with the setup, no business impact");
    static const char *const c0[] = {"Critical functionality stopped", "Serious business impact"};
    check_criteria(&p->levels[0], POL_CRIT_ALL, c0, N(c0));
    cr_assert_eq(policy_level_target_s(p, 0), 3600);
    cr_assert_eq(policy_level_target_s(p, 2), 14400);

    cr_assert_not_null(p->calendar);
    cr_assert_str_eq(p->zone_name, "Asia/Kolkata");
    cr_assert_str_eq(tz_name(p->calendar->zone), "Asia/Kolkata");
    check_week(p->calendar, 10 * 3600, 19 * 3600);
    cr_assert_eq(p->calendar->n_holidays, 4);
    cr_assert_eq(p->calendar->holidays[0], day("2026-01-26"));
    cr_assert_eq(p->calendar->holidays[1], day("2026-08-15"));
    cr_assert_eq(p->calendar->holidays[2], day("2026-10-02"));
    cr_assert_eq(p->calendar->holidays[3], day("2027-01-26"));

    cr_assert_eq(p->n_channels, 0);
    cr_assert_null(policy_channel_level(p, "email"));
    cr_assert_float_eq(p->warn_fraction, 0.25, 1e-12);
    cr_assert_eq(p->reprioritize_from, POL_REPRIO_CREATED);
    cr_assert(p->uptime.has_target);
    cr_assert_float_eq(p->uptime.target_percent, 99.9, 1e-12);
    cr_assert_float_eq(p->uptime.error_rate_threshold, 0.05, 1e-12);
    cr_assert_eq(p->uptime.notice_days, 7);
    cr_assert_eq(p->uptime.n_maintenance, 0);
    policy_free(p);
}

Test(policy_files, chatti)
{
    st_policy *p = load("chatti.json");
    cr_assert_str_eq(p->name, "Chatti");
    cr_assert_not_null(p->description);
    cr_assert_not_null(strstr(p->description, "publishes no response times"));
    cr_assert_not_null(strstr(p->description, "email"));
    cr_assert_eq(p->n_levels, 4);
    cr_assert_str_eq(p->levels[0].description, "Critical services unavailable; applies when all of its criteria hold");
    cr_assert_str_eq(p->levels[2].description, "Other problem; applies when any of its criteria holds");
    static const char *const ex0[] = {"Platform unavailable or severely impacted",
                                      "Technical or account issue preventing any API call",
                                      "Supplier outage preventing service for many countries"};
    static const char *const ex1[] = {"Reach lost to a single major country",
                                      "Latency for delivery receipts globally", "Dashboard unavailable"};
    static const char *const ex2[] = {"Non-delivery to specific numbers",
                                      "Sender ID changed for country but message delivered",
                                      "Encoding issue changing specific characters"};
    static const char *const ex3[] = {"Request for enhancement", "Account queries", "Usage questions"};
    check_level(&p->levels[0], "URGENT", "Critical services unavailable", 30, POL_CLOCK_24X7, ex0, N(ex0));
    check_level(&p->levels[1], "HIGH", "Serious service disruption", 120, POL_CLOCK_24X7, ex1, N(ex1));
    check_level(&p->levels[2], "NORMAL", "Other problem", 480, POL_CLOCK_BUSINESS, ex2, N(ex2));
    check_level(&p->levels[3], "LOW", "Minor or scheduled", 1440, POL_CLOCK_BUSINESS, ex3, N(ex3));
    static const char *const c0[] = {"All or many countries for this customer", "In production",
                                     "Prevents critical customer functionality", "No viable workaround"};
    static const char *const c1[] = {"In production", "Reduces functionality for customer",
                                     "No viable workaround"};
    static const char *const c2[] = {"In production, no serious impact in functionality",
                                     "Production issue, viable workaround exists",
                                     "Production is not impacted"};
    static const char *const c3[] = {"Work can be scheduled", "Not impacting development or production"};
    check_criteria(&p->levels[0], POL_CRIT_ALL, c0, N(c0));
    check_criteria(&p->levels[1], POL_CRIT_ALL, c1, N(c1));
    check_criteria(&p->levels[2], POL_CRIT_ANY, c2, N(c2));
    check_criteria(&p->levels[3], POL_CRIT_ANY, c3, N(c3));

    cr_assert_not_null(p->calendar);
    cr_assert_str_eq(p->zone_name, "Europe/London");
    check_week(p->calendar, 9 * 3600, 17 * 3600 + 30 * 60);
    cr_assert_eq(p->calendar->n_holidays, 3);
    cr_assert_eq(p->calendar->holidays[0], day("2026-12-25"));
    cr_assert_eq(p->calendar->holidays[1], day("2026-12-28"));
    cr_assert_eq(p->calendar->holidays[2], day("2027-01-01"));

    cr_assert_eq(p->n_channels, 1);
    cr_assert_str_eq(policy_channel_level(p, "email"), "NORMAL");
    cr_assert_null(policy_channel_level(p, "phone"));
    cr_assert_eq(policy_level_index(p, "NORMAL"), 2);
    cr_assert_eq(policy_level_index(p, "normal"), -1);
    cr_assert(p->uptime.has_target);
    cr_assert_float_eq(p->uptime.target_percent, 99.99, 1e-12);
    cr_assert_float_eq(p->uptime.error_rate_threshold, 0.05, 1e-12);
    cr_assert_eq(p->uptime.notice_days, 7);
    policy_free(p);
}

/* The embedded copies (compiled in by share/cmake/embed.cmake) are the same files. */
extern const char embedded_haptik[];
extern const size_t embedded_haptik_len;
extern const char embedded_chatti[];
extern const size_t embedded_chatti_len;

Test(policy_files, embedded_copies_parse)
{
    st_policy *p = NULL;
    st_err err;
    cr_assert_eq(policy_parse(embedded_haptik, embedded_haptik_len, "haptik.json", &p, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(p->name, "Haptik");
    policy_free(p);
    cr_assert_eq(policy_parse(embedded_chatti, embedded_chatti_len, "chatti.json", &p, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(p->name, "Chatti");
    policy_free(p);
}

Test(policy_files, shipped_text_is_terminal_safe)
{
    const char *names[] = {"haptik.json", "chatti.json"};
    for (size_t k = 0; k < 2; k++) {
        st_policy *p = load(names[k]);
        for (size_t i = 0; i < p->n_levels; i++) {
            char *s = text_sanitize(p->levels[i].description, false);
            cr_assert_str_eq(s, p->levels[i].description);
            free(s);
        }
        policy_free(p);
    }
}

/* SPEC §8's example targets, per level: next_response and resolution (minutes, clock), and the
 * default pause_on written out. */
static void check_targets(const st_policy *p, const int64_t nr[][2], const int64_t res[][2])
{
    for (size_t i = 0; i < p->n_levels; i++) {
        pol_target t;
        cr_assert(policy_level_target(p, i, POL_METRIC_NEXT_RESPONSE, &t), "%s", p->levels[i].id);
        cr_assert_eq(t.minutes, nr[i][0], "%s", p->levels[i].id);
        cr_assert_eq(t.clock, (pol_clock)nr[i][1], "%s", p->levels[i].id);
        cr_assert(policy_level_target(p, i, POL_METRIC_RESOLUTION, &t), "%s", p->levels[i].id);
        cr_assert_eq(t.minutes, res[i][0], "%s", p->levels[i].id);
        cr_assert_eq(t.clock, (pol_clock)res[i][1], "%s", p->levels[i].id);
    }
    cr_assert_eq(p->pause_on[POL_METRIC_FIRST_RESPONSE], 0);
    cr_assert_eq(p->pause_on[POL_METRIC_NEXT_RESPONSE], 0);
    cr_assert_eq(p->pause_on[POL_METRIC_RESOLUTION], 1u << POL_STATUS_PENDING | 1u << POL_STATUS_ON_HOLD);
    cr_assert_not_null(strstr(p->description, "resolution targets"), "the examples are marked as such");
}

Test(policy_files, example_targets_of_spec_8)
{
    enum { W = POL_CLOCK_24X7, B = POL_CLOCK_BUSINESS };
    st_policy *p = load("haptik.json");
    static const int64_t hnr[][2] = {{60, W}, {60, B}, {240, B}, {240, B}};
    static const int64_t hres[][2] = {{480, W}, {1620, B}, {2700, B}, {5400, B}};
    check_targets(p, hnr, hres);
    policy_free(p);
    p = load("chatti.json");
    static const int64_t cnr[][2] = {{30, W}, {120, W}, {480, B}, {1440, B}};
    static const int64_t cres[][2] = {{240, W}, {1440, W}, {2550, B}, {5100, B}};
    check_targets(p, cnr, cres);
    policy_free(p);
}
