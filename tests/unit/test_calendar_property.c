/* calendar property test: cal_add_business, cal_business_seconds, cal_is_business and
 * cal_next_open against a slow, obviously correct reference over random calendars, zones,
 * starts and targets, concentrated around daylight-saving changes.
 *
 * The reference converts each instant with glibc's localtime_r (TZ set here, in the test only)
 * and asks per instant: holiday? weekday? inside an interval? It steps one minute at a time.
 * That is exact because every random interval bound is a whole minute, and every offset and
 * offset change of the zones used here (after 1970) is a whole minute, so business status is
 * constant on each [m, m + 60) with m a minute mark. Starts and ends off the minute mark are
 * handled by an explicit partial first/last minute whose status is that of its first second. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "slatop/calendar.h"

#define SEED 20261122u
#define MAX_HOL 6

static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng_state >> 17;
}
static int64_t rnd(int64_t lo, int64_t hi) /* inclusive */
{
    return lo + (int64_t)(rng() % (uint64_t)(hi - lo + 1));
}

/* ---- the reference ---- */

typedef struct {
    int32_t start[7][3], end[7][3];
    int n[7];
    int64_t hol[MAX_HOL];
    int n_hol;
} ref_cal;

static bool ref_is_business(const ref_cal *r, st_time t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    cr_assert_not_null(localtime_r(&tt, &tm));
    int64_t day = days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
    for (int i = 0; i < r->n_hol; i++)
        if (r->hol[i] == day)
            return false;
    int wd = (tm.tm_wday + 6) % 7; /* Monday = 0 */
    int32_t sec = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    for (int k = 0; k < r->n[wd]; k++)
        if (sec >= r->start[wd][k] && sec < r->end[wd][k])
            return true;
    return false;
}

static st_time next_minute(st_time t)
{
    st_time m = t - ((t % 60) + 60) % 60;
    return m == t ? t : m + 60;
}

#define REF_LIMIT ((st_time)120 * 86400)

static st_time ref_add(const ref_cal *r, st_time start, int64_t rem)
{
    st_time t = start, m = next_minute(t);
    if (m > t) {
        if (ref_is_business(r, t)) {
            if (rem <= m - t)
                return t + rem;
            rem -= m - t;
        }
        t = m;
    }
    for (; t < start + REF_LIMIT; t += 60) {
        if (ref_is_business(r, t)) {
            if (rem <= 60)
                return t + rem;
            rem -= 60;
        }
    }
    return ST_TIME_NONE;
}

static int64_t ref_seconds(const ref_cal *r, st_time a, st_time b)
{
    int64_t sum = 0;
    st_time t = a, m = next_minute(a);
    if (m > b)
        m = b;
    if (m > t) {
        if (ref_is_business(r, t))
            sum += m - t;
        t = m;
    }
    for (; t + 60 <= b; t += 60)
        if (ref_is_business(r, t))
            sum += 60;
    if (t < b && ref_is_business(r, t))
        sum += b - t;
    return sum;
}

/* ---- random calendars ---- */

static void random_week(ref_cal *r)
{
    memset(r, 0, sizeof *r);
    int open_days = 0;
    while (open_days < 2) {
        open_days = 0;
        for (int d = 0; d < 7; d++) {
            r->n[d] = 0;
            if (rnd(0, 3) == 0)
                continue; /* closed day */
            int want = (int)rnd(1, 3);
            int32_t cur = 0;
            for (int k = 0; k < want && cur < 1440; k++) {
                int32_t s, e;
                if (k == 0 && rnd(0, 3) == 0)
                    s = 0; /* from midnight */
                else if (k == 0 && rnd(0, 2) == 0)
                    s = (int32_t)rnd(0, 180); /* early: covers the usual change hours */
                else
                    s = (int32_t)rnd(cur, cur + (1440 - cur) / 2);
                if (s >= 1440)
                    break;
                e = rnd(0, 3) == 0 ? 1440 : (int32_t)rnd(s + 1, s + 1 + (1440 - s - 1) * 2 / 3);
                if (e > 1440)
                    e = 1440;
                r->start[d][r->n[d]] = s * 60;
                r->end[d][r->n[d]] = e * 60;
                r->n[d]++;
                cur = e + (int32_t)rnd(1, 120);
            }
            if (r->n[d] > 0)
                open_days++;
        }
    }
}

static cal_calendar *build(const ref_cal *r, const char *zone)
{
    cal_calendar *c = calloc(1, sizeof *c);
    st_err err;
    cr_assert_eq(tz_load(zone, &c->zone, &err), ST_OK, "%s", err.msg);
    for (int d = 0; d < 7; d++) {
        c->week[d] = calloc(4, sizeof(cal_interval));
        c->n_week[d] = (size_t)r->n[d];
        for (int k = 0; k < r->n[d]; k++)
            c->week[d][k] = (cal_interval){r->start[d][k], r->end[d][k]};
    }
    c->holidays = calloc(MAX_HOL, sizeof(int64_t));
    c->n_holidays = (size_t)r->n_hol;
    memcpy(c->holidays, r->hol, sizeof(int64_t) * (size_t)r->n_hol);
    return c;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void run_zone(const char *zone, int cases)
{
    setenv("TZ", zone, 1);
    tzset();
    tz_zone *z;
    st_err err;
    cr_assert_eq(tz_load(zone, &z, &err), ST_OK);
    int checked_add = 0;
    for (int i = 0; i < cases; i++) {
        ref_cal r;
        random_week(&r);
        /* Starts between 2020 and 2045 (past 2037 the footer rule governs); two in three are
         * placed within a few days of an offset change. */
        st_time start = rnd(1577836800, 2366841600);
        if (rnd(0, 2) > 0) {
            st_time ch = tz_next_change(z, start);
            if (ch != ST_TIME_NONE)
                start = ch + rnd(-4 * 86400, 86400);
        }
        if (rnd(0, 1))
            start -= start % 60; /* half on the minute mark, half not */
        /* Holidays near the start, so some fall on change days. */
        r.n_hol = (int)rnd(0, MAX_HOL);
        int64_t sd = start / 86400;
        for (int h = 0; h < r.n_hol; h++)
            r.hol[h] = sd + rnd(-1, 9);
        qsort(r.hol, (size_t)r.n_hol, sizeof r.hol[0], cmp_i64);
        int u = 0; /* dedupe: the calendar's list is strictly sorted */
        for (int h = 0; h < r.n_hol; h++)
            if (u == 0 || r.hol[u - 1] != r.hol[h])
                r.hol[u++] = r.hol[h];
        r.n_hol = u;
        cal_calendar *c = build(&r, zone);

        int64_t target = rnd(1, 6 * 3600);
        st_time want = ref_add(&r, start, target);
        st_time got = cal_add_business(c, start, target);
        if (want != ST_TIME_NONE) {
            cr_assert_eq(got, want, "%s case %d: start %lld target %lld: got %lld want %lld", zone, i,
                         (long long)start, (long long)target, (long long)got, (long long)want);
            checked_add++;
        } else {
            cr_assert(got == ST_TIME_NONE || got >= start + REF_LIMIT, "%s case %d", zone, i);
        }

        st_time b = start + rnd(0, 2 * 86400);
        int64_t ws = ref_seconds(&r, start, b), gs = cal_business_seconds(c, start, b);
        cr_assert_eq(gs, ws, "%s case %d: seconds [%lld,%lld): got %lld want %lld", zone, i,
                     (long long)start, (long long)b, (long long)gs, (long long)ws);

        st_time probe = start + rnd(0, 86400);
        cr_assert_eq(cal_is_business(c, probe), ref_is_business(&r, probe), "%s case %d: probe %lld", zone,
                     i, (long long)probe);
        /* The next opening is where one business second has accrued, minus that second. */
        st_time open = ref_add(&r, probe, 1);
        if (open != ST_TIME_NONE)
            cr_assert_eq(cal_next_open(c, probe), open - 1, "%s case %d: next_open(%lld)", zone, i,
                         (long long)probe);
        cal_free(c);
    }
    cr_assert_gt(checked_add, cases * 9 / 10, "%s: too few comparable cases (%d)", zone, checked_add);
    tz_free(z);
}

#define CASES 2000

/* One test per zone (Criterion runs them in parallel); the seed is fixed and printed. */
static void zone_test(unsigned idx, const char *zone)
{
    printf("calendar_property: %s seed %u, %d cases\n", zone, SEED + idx, CASES);
    fflush(stdout);
    rng_state = SEED + idx;
    run_zone(zone, CASES);
}

Test(calendar_property, london, .timeout = 120) { zone_test(0, "Europe/London"); }
Test(calendar_property, new_york, .timeout = 120) { zone_test(1, "America/New_York"); }
Test(calendar_property, lord_howe, .timeout = 120) { zone_test(2, "Australia/Lord_Howe"); }
Test(calendar_property, kolkata, .timeout = 120) { zone_test(3, "Asia/Kolkata"); }
Test(calendar_property, st_johns, .timeout = 120) { zone_test(4, "America/St_Johns"); }
Test(calendar_property, kathmandu, .timeout = 120) { zone_test(5, "Asia/Kathmandu"); }
