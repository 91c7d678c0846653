/* The uptime engine, rule by rule (SPEC §2 "Uptime"). Month 2026-11 (30 days, 43,200 minutes). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "slatop/uptime.h"

#define MS 1793491200 /* 2026-11-01T00:00:00Z */
#define ME 1796083200 /* 2026-12-01T00:00:00Z */
#define NMIN 43200

static uptime_minute *all_up(void)
{
    uptime_minute *m = calloc(NMIN, sizeof *m);
    for (size_t i = 0; i < NMIN; i++) {
        m[i].kind = UPTIME_VALUE;
        m[i].value = 0.001;
    }
    return m;
}

static uptime_input input(const uptime_minute *m)
{
    uptime_input in = {.month_start = MS,
                       .month_end = ME,
                       .now = ME + 3600,
                       .minutes = m,
                       .n_minutes = NMIN,
                       .has_target = true,
                       .target_percent = 99.9,
                       .threshold = 0.05,
                       .notice_days = 7};
    return in;
}

static uptime_report run(const uptime_input *in)
{
    uptime_report r;
    st_err err;
    cr_assert_eq(uptime_compute(in, &r, &err), ST_OK, "%s", err.msg);
    return r;
}

Test(uptime, month_bounds)
{
    st_time s, e;
    cr_assert(uptime_month_parse("2026-11", &s, &e));
    cr_assert_eq(s, MS);
    cr_assert_eq(e, ME);
    cr_assert(uptime_month_parse("2028-02", &s, &e));
    cr_assert_eq((e - s) / 60, 29 * 1440); /* leap year */
    cr_assert_not(uptime_month_parse("2026-13", &s, &e));
    cr_assert_not(uptime_month_parse("2026-1", &s, &e));
    char buf[8];
    uptime_month_of(MS + 86400 * 12 + 5, buf, &s, &e);
    cr_assert_str_eq(buf, "2026-11");
    cr_assert_eq(s, MS);
    uptime_month_of(ME - 1, buf, &s, &e);
    cr_assert_str_eq(buf, "2026-11");
}

Test(uptime, clean_month)
{
    uptime_minute *m = all_up();
    uptime_input in = input(m);
    uptime_report r = run(&in);
    cr_assert_eq(r.minutes, NMIN);
    cr_assert_eq(r.downtime_minutes, 0);
    cr_assert_eq(r.n_periods, 0);
    cr_assert_float_eq(r.uptime_percent, 100.0, 1e-12);
    cr_assert_float_eq(r.budget_minutes, 43.2, 1e-9);
    cr_assert_float_eq(r.budget_left_minutes, 43.2, 1e-9);
    cr_assert(r.complete);
    uptime_report_done(&r);
    free(m);
}

Test(uptime, threshold_is_strict_and_special_values)
{
    uptime_minute *m = all_up();
    m[10].value = 0.05;         /* exactly 5%: not downtime */
    m[20].value = 0.0500000001; /* just above */
    m[30].value = NAN;          /* no valid requests */
    m[40].value = INFINITY;     /* errors, no counted requests */
    uptime_input in = input(m);
    uptime_report r = run(&in);
    cr_assert_eq(r.downtime_minutes, 2);
    cr_assert_eq(r.n_periods, 2);
    cr_assert_eq(r.periods[0].start, MS + 20 * 60);
    cr_assert_eq(r.periods[0].end, MS + 21 * 60);
    cr_assert_float_eq(r.periods[0].peak_error_rate, 0.0500000001, 1e-15);
    cr_assert_eq(r.periods[1].start, MS + 40 * 60);
    cr_assert(isinf(r.periods[1].peak_error_rate));
    cr_assert_eq(r.no_data_minutes, 0);
    cr_assert_float_eq(r.uptime_percent, (NMIN - 2) * 100.0 / NMIN, 1e-12);
    uptime_report_done(&r);
    free(m);
}

Test(uptime, two_periods_split_by_one_clean_minute)
{
    uptime_minute *m = all_up();
    for (int i = 100; i < 105; i++)
        m[i].value = 0.5;
    for (int i = 106; i < 109; i++)
        m[i].value = 0.9;
    m[107].value = 1.0;
    uptime_input in = input(m);
    uptime_report r = run(&in);
    cr_assert_eq(r.n_periods, 2);
    cr_assert_eq(r.periods[0].minutes, 5);
    cr_assert_eq(r.periods[0].end, MS + 105 * 60);
    cr_assert_eq(r.periods[1].start, MS + 106 * 60);
    cr_assert_eq(r.periods[1].minutes, 3);
    cr_assert_float_eq(r.periods[1].peak_error_rate, 1.0, 1e-15);
    cr_assert_eq(r.downtime_minutes, 8);
    uptime_report_done(&r);
    free(m);
}

Test(uptime, no_data_ends_a_run_and_is_flagged)
{
    uptime_minute *m = all_up();
    for (int i = 200; i < 203; i++)
        m[i].value = 0.5;
    m[203].kind = UPTIME_NODATA; /* -Inf, missing or unparsable */
    for (int i = 204; i < 206; i++)
        m[i].value = 0.5;
    m[500].kind = UPTIME_NODATA;
    uptime_input in = input(m);
    uptime_report r = run(&in);
    cr_assert_eq(r.n_periods, 2);
    cr_assert(r.periods[0].no_data_after);
    cr_assert_not(r.periods[0].no_data_before);
    cr_assert(r.periods[1].no_data_before);
    cr_assert_eq(r.no_data_minutes, 2);
    cr_assert_eq(r.downtime_minutes, 5);
    /* no-data is not subtracted, but the month is incomplete */
    cr_assert_float_eq(r.uptime_percent, (NMIN - 5) * 100.0 / NMIN, 1e-12);
    cr_assert_not(r.complete);
    uptime_report_done(&r);
    free(m);
}

Test(uptime, missing_minutes_past_array_are_no_data)
{
    uptime_minute *m = all_up();
    uptime_input in = input(m);
    in.n_minutes = NMIN - 10;
    uptime_report r = run(&in);
    cr_assert_eq(r.no_data_minutes, 10);
    cr_assert_not(r.complete);
    uptime_report_done(&r);
    free(m);
}

Test(uptime, warnings_make_it_incomplete)
{
    uptime_minute *m = all_up();
    uptime_input in = input(m);
    in.partial = true;
    uptime_report r = run(&in);
    cr_assert_not(r.complete);
    uptime_report_done(&r);
    free(m);
}

Test(uptime, maintenance_announced_in_time_vs_late_and_overrun)
{
    uptime_minute *m = all_up();
    /* Window A [1000, 1010) minutes, announced 7 days before: excluded. Outage 1000..1012: the two
     * minutes past the window (overrun) count. */
    for (int i = 1000; i < 1012; i++)
        m[i].value = 1.0;
    /* Window B [2000, 2010), announced 6.9 days before: listed, flagged, counted. */
    for (int i = 2000; i < 2003; i++)
        m[i].value = 1.0;
    uptime_window w[3] = {
        {.id = "A",
         .name = "db upgrade",
         .start = MS + 1000 * 60,
         .end = MS + 1010 * 60,
         .announced = MS + 1000 * 60 - 7 * 86400},
        {.id = "B",
         .name = "late",
         .start = MS + 2000 * 60,
         .end = MS + 2010 * 60,
         .announced = MS + 2000 * 60 - 7 * 86400 + 1},
        {.id = "C", .name = "other month", .start = ME + 100, .end = ME + 200, .announced = 0},
    };
    uptime_input in = input(m);
    in.windows = w;
    in.n_windows = 3;
    uptime_report r = run(&in);
    cr_assert_eq(r.excluded_minutes, 10);
    cr_assert_eq(r.downtime_minutes, 2 + 3);
    cr_assert_eq(r.n_periods, 2);
    cr_assert_eq(r.periods[0].start, MS + 1010 * 60);
    cr_assert_eq(r.periods[0].minutes, 2);
    cr_assert_eq(r.periods[1].minutes, 3);
    cr_assert_eq(r.n_maintenance, 2);
    cr_assert(r.maintenance[0].excluded);
    cr_assert_float_eq(r.maintenance[0].notice_days, 7.0, 1e-12);
    cr_assert_eq(r.maintenance[0].excluded_minutes, 10);
    cr_assert_not(r.maintenance[1].excluded);
    cr_assert(r.maintenance[1].notice_days < 7.0);
    uptime_report_done(&r);
    free(m);
}

Test(uptime, partial_minute_at_window_edge_is_not_excluded)
{
    uptime_minute *m = all_up();
    m[300].value = 1.0;
    m[301].value = 1.0;
    /* the window starts 30 s into minute 300: that minute is not entirely inside */
    uptime_window w = {.id = "W", .start = MS + 300 * 60 + 30, .end = MS + 400 * 60, .announced = 0};
    uptime_input in = input(m);
    in.windows = &w;
    in.n_windows = 1;
    uptime_report r = run(&in);
    cr_assert_eq(r.excluded_minutes, 1);
    cr_assert_eq(r.downtime_minutes, 1);
    uptime_report_done(&r);
    free(m);
}

Test(uptime, unknown_announcement_is_not_excluded)
{
    uptime_minute *m = all_up();
    m[300].value = 1.0;
    uptime_window w = {.id = "W", .start = MS, .end = MS + 400 * 60, .announced = ST_TIME_NONE};
    uptime_input in = input(m);
    in.windows = &w;
    in.n_windows = 1;
    uptime_report r = run(&in);
    cr_assert_eq(r.excluded_minutes, 0);
    cr_assert_eq(r.downtime_minutes, 1);
    cr_assert_not(r.maintenance[0].has_notice);
    uptime_report_done(&r);
    free(m);
}

Test(uptime, month_to_date_budget_burn_and_projection)
{
    uptime_minute *m = all_up();
    /* now = day 10 00:00:30: 14,400 elapsed minutes. 6 downtime minutes in the last hour (3 of
     * them also within...), 12 in the last 6 hours in all, 20 in the month so far. */
    for (int i = 1000; i < 1008; i++)
        m[i].value = 1.0; /* 8, long ago */
    for (int i = 14400 - 300; i < 14400 - 294; i++)
        m[i].value = 1.0; /* 6, within 6 h but not 1 h */
    for (int i = 14400 - 10; i < 14400 - 4; i++)
        m[i].value = 1.0; /* 6, within the last hour */
    uptime_input in = input(m);
    in.now = MS + 14400 * 60 + 30;
    uptime_report r = run(&in);
    cr_assert_eq(r.elapsed_minutes, 14400);
    cr_assert_eq(r.downtime_minutes, 20);
    cr_assert_eq(r.no_data_minutes, 0); /* future minutes are not no-data */
    cr_assert_not(r.complete);          /* the month is not over */
    cr_assert_float_eq(r.mtd_uptime_percent, (14400 - 20) * 100.0 / 14400, 1e-12);
    cr_assert_float_eq(r.uptime_percent, (NMIN - 20) * 100.0 / NMIN, 1e-12); /* SPEC formula */
    cr_assert_float_eq(r.projected_uptime_percent, 100.0 - 20.0 / 14400 * 100.0, 1e-9);
    cr_assert_float_eq(r.budget_minutes, 43.2, 1e-9);
    cr_assert_float_eq(r.budget_left_minutes, 23.2, 1e-9);
    cr_assert_float_eq(r.burn_rate_1h, (6.0 / 60) / 0.001, 1e-6);
    cr_assert_float_eq(r.burn_rate_6h, (12.0 / 360) / 0.001, 1e-6);
    cr_assert_not(r.down_now);
    uptime_report_done(&r);
    free(m);
}

Test(uptime, down_now_names_the_start)
{
    uptime_minute *m = all_up();
    for (int i = 95; i < 100; i++)
        m[i].value = 1.0;
    m[99].kind = UPTIME_NODATA; /* the latest minute has no data yet: look past it */
    uptime_input in = input(m);
    in.now = MS + 100 * 60;
    uptime_report r = run(&in);
    cr_assert(r.down_now);
    cr_assert_eq(r.down_since, MS + 95 * 60);
    uptime_report_done(&r);
    free(m);
}

Test(uptime, no_target_and_bad_input)
{
    uptime_minute *m = all_up();
    uptime_input in = input(m);
    in.has_target = false;
    uptime_report r = run(&in);
    cr_assert_not(r.has_target);
    cr_assert_eq(r.burn_rate_1h, 0);
    uptime_report_done(&r);
    st_err err;
    in.month_start = MS + 1;
    cr_assert_eq(uptime_compute(&in, &r, &err), ST_INVALID);
    in.month_start = MS;
    in.threshold = NAN;
    cr_assert_eq(uptime_compute(&in, &r, &err), ST_INVALID);
    free(m);
}

Test(uptime, is_downtime)
{
    uptime_minute a = {.kind = UPTIME_VALUE, .value = NAN};
    uptime_minute b = {.kind = UPTIME_NODATA, .value = 1.0};
    uptime_minute c = {.kind = UPTIME_VALUE, .value = INFINITY};
    cr_assert_not(uptime_is_downtime(&a, 0.05));
    cr_assert_not(uptime_is_downtime(&b, 0.05));
    cr_assert(uptime_is_downtime(&c, 0.05));
}

/* Random months against a minute-by-minute reference written straight from SPEC §2. */
Test(uptime, random_months_match_the_reference)
{
    unsigned seed = 12345;
    for (int round = 0; round < 200; round++) {
        size_t n = 600;
        uptime_minute *m = calloc(n, sizeof *m);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) % 100;
            m[i].kind = r < 8 ? UPTIME_NODATA : UPTIME_VALUE;
            m[i].value = r < 40 ? 0.9 : r < 45 ? 0.05 : r < 48 ? NAN : r < 50 ? INFINITY : 0.01;
        }
        uptime_window w[2];
        for (int k = 0; k < 2; k++) {
            seed = seed * 1103515245u + 12345u;
            st_time s = MS + (st_time)((seed >> 16) % 36000);
            w[k] = (uptime_window){.id = "w",
                                   .start = s,
                                   .end = s + (st_time)((seed >> 8) % 7200),
                                   .announced = s - (k ? 6 : 8) * 86400};
        }
        uptime_input in = input(m);
        in.n_minutes = n;
        in.now = MS + 700 * 60; /* 700 elapsed minutes: 100 past the array are no data */
        in.windows = w;
        in.n_windows = 2;
        uptime_report r = run(&in);
        int64_t down = 0, excl = 0, nodata = 100;
        for (size_t i = 0; i < n; i++) {
            st_time t = MS + 60 * (st_time)i;
            if (m[i].kind == UPTIME_NODATA) {
                nodata++;
                continue;
            }
            if (isnan(m[i].value) || !(m[i].value > 0.05))
                continue;
            bool inside = t >= w[0].start && t + 60 <= w[0].end; /* only w[0] had 7+ days' notice */
            if (inside)
                excl++;
            else
                down++;
        }
        cr_assert_eq(r.downtime_minutes, down);
        cr_assert_eq(r.excluded_minutes, excl);
        cr_assert_eq(r.no_data_minutes, nodata);
        int64_t sum = 0;
        for (size_t k = 0; k < r.n_periods; k++) {
            sum += r.periods[k].minutes;
            cr_assert_eq(r.periods[k].end - r.periods[k].start, 60 * r.periods[k].minutes);
            if (k > 0)
                cr_assert_gt(r.periods[k].start, r.periods[k - 1].end - 1);
        }
        cr_assert_eq(sum, down);
        cr_assert_float_eq(r.mtd_uptime_percent, (700.0 - (double)down) / 700.0 * 100.0, 1e-9);
        cr_assert_float_eq(r.uptime_percent, (NMIN - (double)down) / NMIN * 100.0, 1e-9);
        uptime_report_done(&r);
        free(m);
    }
}

/* Minutes without data are not "up": with no data at all (every fetch failed) the current state is
 * unknown, and so it is when the data stops for more than UPTIME_STATE_FRESH_MINUTES. */
Test(uptime, state_unknown_without_recent_data)
{
    uptime_minute *m = calloc(NMIN, sizeof *m); /* all UPTIME_NODATA */
    uptime_input in = input(m);
    in.now = MS + 1277 * 60 + 30;
    uptime_report r = run(&in);
    cr_assert_eq(r.no_data_minutes, 1277);
    cr_assert_eq(r.data_minutes, 0);
    cr_assert_not(r.state_known);
    cr_assert_not(r.down_now);
    cr_assert_eq(r.last_data_end, ST_TIME_NONE);
    uptime_report_done(&r);

    /* Data up to minute 1000, then none: unknown since 1000's end. */
    for (size_t i = 0; i < 1000; i++)
        m[i] = (uptime_minute){.kind = UPTIME_VALUE, .value = 0.001};
    r = run(&in);
    cr_assert_eq(r.data_minutes, 1000);
    cr_assert_not(r.state_known);
    cr_assert_eq(r.last_data_end, MS + 1000 * 60);
    uptime_report_done(&r);

    /* The last few minutes missing (a scrape or ingestion lag) still tell the state. */
    for (size_t i = 0; i < 1277 - UPTIME_STATE_FRESH_MINUTES; i++)
        m[i] = (uptime_minute){.kind = UPTIME_VALUE, .value = 0.001};
    r = run(&in);
    cr_assert(r.state_known);
    cr_assert_not(r.down_now);
    uptime_report_done(&r);
    m[1277 - UPTIME_STATE_FRESH_MINUTES - 1].value = 0.5;
    r = run(&in);
    cr_assert(r.state_known);
    cr_assert(r.down_now);
    uptime_report_done(&r);
    free(m);
}

/* 1 - 99.99/100 is not exact in binary: the budget is rounded to the micro-minute, so it prints as
 * 4.32, not 4.32000000000432. */
Test(uptime, budget_without_float_noise)
{
    uptime_minute *m = all_up();
    m[10].value = 0.9;
    m[11].value = 0.9;
    m[12].value = 0.9;
    uptime_input in = input(m);
    in.target_percent = 99.99;
    uptime_report r = run(&in);
    cr_assert_eq(r.budget_minutes, 4.32, "%.17g", r.budget_minutes);
    cr_assert_eq(r.budget_left_minutes, 1.32, "%.17g", r.budget_left_minutes);
    uptime_report_done(&r);
    free(m);
}
