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
#include "support_refcal.h"

#define SEED 20261122u

/* ---- the reference ---- */

static st_time next_minute(st_time t)
{
    st_time m = t - ((t % 60) + 60) % 60;
    return m == t ? t : m + 60;
}

#define REF_LIMIT ((st_time)120 * 86400)

static st_time ref_add(const support_refcal *r, st_time start, int64_t rem)
{
    st_time t = start, m = next_minute(t);
    if (m > t) {
        if (support_refcal_is_business(r, t)) {
            if (rem <= m - t)
                return t + rem;
            rem -= m - t;
        }
        t = m;
    }
    for (; t < start + REF_LIMIT; t += 60) {
        if (support_refcal_is_business(r, t)) {
            if (rem <= 60)
                return t + rem;
            rem -= 60;
        }
    }
    return ST_TIME_NONE;
}

static int64_t ref_seconds(const support_refcal *r, st_time a, st_time b)
{
    int64_t sum = 0;
    st_time t = a, m = next_minute(a);
    if (m > b)
        m = b;
    if (m > t) {
        if (support_refcal_is_business(r, t))
            sum += m - t;
        t = m;
    }
    for (; t + 60 <= b; t += 60)
        if (support_refcal_is_business(r, t))
            sum += 60;
    if (t < b && support_refcal_is_business(r, t))
        sum += b - t;
    return sum;
}

static void run_zone(const char *zone, const tz_zone *z, int cases)
{
    int checked_add = 0;
    for (int i = 0; i < cases; i++) {
        support_refcal r;
        support_refcal_random_week(&r);
        /* Starts between 2020 and 2045 (past 2037 the footer rule governs); two in three are
         * placed within a few days of an offset change. */
        st_time start = support_rnd(1577836800, 2366841600);
        if (support_rnd(0, 2) > 0) {
            st_time ch = tz_next_change(z, start);
            if (ch != ST_TIME_NONE)
                start = ch + support_rnd(-4 * 86400, 86400);
        }
        if (support_rnd(0, 1))
            start -= start % 60; /* half on the minute mark, half not */
        /* Holidays near the start, so some fall on change days. */
        support_refcal_random_holidays(&r, start, -1, 9);
        cal_calendar *c = support_refcal_build(&r, zone);

        int64_t target = support_rnd(1, 6 * 3600);
        st_time want = ref_add(&r, start, target);
        st_time got = cal_add_business(c, start, target);
        if (want != ST_TIME_NONE) {
            cr_assert_eq(got, want, "%s case %d: start %lld target %lld: got %lld want %lld", zone, i,
                         (long long)start, (long long)target, (long long)got, (long long)want);
            checked_add++;
        } else {
            cr_assert(got == ST_TIME_NONE || got >= start + REF_LIMIT, "%s case %d", zone, i);
        }

        st_time b = start + support_rnd(0, 2 * 86400);
        int64_t ws = ref_seconds(&r, start, b), gs = cal_business_seconds(c, start, b);
        cr_assert_eq(gs, ws, "%s case %d: seconds [%lld,%lld): got %lld want %lld", zone, i,
                     (long long)start, (long long)b, (long long)gs, (long long)ws);

        st_time probe = start + support_rnd(0, 86400);
        cr_assert_eq(cal_is_business(c, probe), support_refcal_is_business(&r, probe), "%s case %d: probe %lld", zone,
                     i, (long long)probe);
        /* The next opening is where one business second has accrued, minus that second. */
        st_time open = ref_add(&r, probe, 1);
        if (open != ST_TIME_NONE)
            cr_assert_eq(cal_next_open(c, probe), open - 1, "%s case %d: next_open(%lld)", zone, i,
                         (long long)probe);
        cal_free(c);
    }
    cr_assert_gt(checked_add, cases * 9 / 10, "%s: too few comparable cases (%d)", zone, checked_add);
}

SUPPORT_ZONE_TESTS(calendar_property, 120, SEED, 2000, run_zone)
