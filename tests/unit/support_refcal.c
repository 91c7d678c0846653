/* support_refcal: the property tests' reference calendar (see the header). */
#include "support_refcal.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng_state;

void support_seed(uint64_t seed)
{
    rng_state = seed;
}

uint64_t support_rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng_state >> 17;
}

int64_t support_rnd(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(support_rng() % (uint64_t)(hi - lo + 1));
}

bool support_refcal_is_business(const support_refcal *r, st_time t)
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

void support_refcal_random_week(support_refcal *r)
{
    memset(r, 0, sizeof *r);
    int open_days = 0;
    while (open_days < 2) {
        open_days = 0;
        for (int d = 0; d < 7; d++) {
            r->n[d] = 0;
            if (support_rnd(0, 3) == 0)
                continue; /* closed day */
            int want = (int)support_rnd(1, 3);
            int32_t cur = 0;
            for (int k = 0; k < want && cur < 1440; k++) {
                int32_t s, e;
                if (k == 0 && support_rnd(0, 3) == 0)
                    s = 0; /* from midnight */
                else if (k == 0 && support_rnd(0, 2) == 0)
                    s = (int32_t)support_rnd(0, 180); /* early: covers the usual change hours */
                else
                    s = (int32_t)support_rnd(cur, cur + (1440 - cur) / 2);
                if (s >= 1440)
                    break;
                e = support_rnd(0, 3) == 0 ? 1440 : (int32_t)support_rnd(s + 1, s + 1 + (1440 - s - 1) * 2 / 3);
                if (e > 1440)
                    e = 1440;
                r->start[d][r->n[d]] = s * 60;
                r->end[d][r->n[d]] = e * 60;
                r->n[d]++;
                cur = e + (int32_t)support_rnd(1, 120);
            }
            if (r->n[d] > 0)
                open_days++;
        }
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void support_refcal_random_holidays(support_refcal *r, st_time start, int64_t lo, int64_t hi)
{
    r->n_hol = (int)support_rnd(0, SUPPORT_MAX_HOL);
    int64_t sd = start / 86400;
    for (int h = 0; h < r->n_hol; h++)
        r->hol[h] = sd + support_rnd(lo, hi);
    qsort(r->hol, (size_t)r->n_hol, sizeof r->hol[0], cmp_i64);
    int u = 0; /* dedupe: the calendar's list is strictly sorted */
    for (int h = 0; h < r->n_hol; h++)
        if (u == 0 || r->hol[u - 1] != r->hol[h])
            r->hol[u++] = r->hol[h];
    r->n_hol = u;
}

cal_calendar *support_refcal_build(const support_refcal *r, const char *zone)
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
    c->holidays = calloc(SUPPORT_MAX_HOL, sizeof(int64_t));
    c->n_holidays = (size_t)r->n_hol;
    memcpy(c->holidays, r->hol, sizeof(int64_t) * (size_t)r->n_hol);
    return c;
}

tz_zone *support_zone_begin(const char *name, const char *zone, unsigned seed, int cases)
{
    printf("%s: %s seed %u, %d cases\n", name, zone, seed, cases);
    fflush(stdout);
    support_seed(seed);
    setenv("TZ", zone, 1);
    tzset();
    tz_zone *z;
    st_err err;
    cr_assert_eq(tz_load(zone, &z, &err), ST_OK, "%s", err.msg);
    return z;
}
