/* calendar: business time per instant (SPEC §2). The UTC axis is cut at the zone's offset
 * changes; inside one constant-offset span, local time is utc + offset, so the weekly intervals
 * are laid out on the local axis day by day and mapped back by subtracting the offset. Skipped
 * local times therefore never occur and repeated ones occur twice, with no special cases. The
 * cost is per calendar day crossed (plus a binary search per span and holiday check). */
#include "slatop/calendar.h"

#include <stdlib.h>

/* cal_add_business gives up after this long without finding enough open time. */
#define CAL_HORIZON_S ((int64_t)100 * 366 * 86400)

void cal_free(cal_calendar *c)
{
    if (!c)
        return;
    tz_free(c->zone);
    for (int i = 0; i < 7; i++)
        free(c->week[i]);
    free(c->holidays);
    free(c);
}

bool cal_has_open_time(const cal_calendar *c)
{
    for (int i = 0; i < 7; i++)
        for (size_t k = 0; k < c->n_week[i]; k++)
            if (c->week[i][k].end > c->week[i][k].start)
                return true;
    return false;
}

static bool is_holiday(const cal_calendar *c, int64_t day)
{
    size_t lo = 0, hi = c->n_holidays;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->holidays[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n_holidays && c->holidays[lo] == day;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

bool cal_is_business(const cal_calendar *c, st_time t)
{
    tz_local l;
    tz_to_local(c->zone, t, &l);
    if (is_holiday(c, l.days))
        return false;
    const cal_interval *iv = c->week[l.weekday];
    for (size_t k = 0; k < c->n_week[l.weekday]; k++)
        if (l.sec_of_day >= iv[k].start && l.sec_of_day < iv[k].end)
            return true;
    return false;
}

/* Walks the business pieces [lo, hi) (UTC) in order from a starting instant. A piece is one
 * interval of one local day clipped to one constant-offset span, so adjacent pieces may touch. */
typedef struct {
    const cal_calendar *c;
    st_time t;        /* pieces start at or after t */
    int32_t off;      /* offset in force over [t, span_end) */
    st_time span_end; /* next offset change, or INT64_MAX */
    int64_t day;      /* local day being scanned */
    size_t idx;       /* next interval of that day */
    /* Whether day is a holiday, looked up once per day: one field, so that no state can read a
     * verdict never made (two flags did, as far as GCC -O2 could tell: -Wmaybe-uninitialized). */
    enum { DAY_UNKNOWN, DAY_OPEN, DAY_HOLIDAY } day_kind;
} piece_iter;

static void iter_span(piece_iter *it, st_time t)
{
    it->t = t;
    it->off = tz_offset_at(it->c->zone, t, NULL);
    st_time nx = tz_next_change(it->c->zone, t);
    it->span_end = nx == ST_TIME_NONE ? INT64_MAX : nx;
    it->day = floor_div(t + it->off, 86400);
    it->idx = 0;
    it->day_kind = DAY_UNKNOWN;
}

static void iter_init(piece_iter *it, const cal_calendar *c, st_time t)
{
    it->c = c;
    iter_span(it, t);
}

/* Next piece starting before `limit`; false when there is none. */
static bool iter_next(piece_iter *it, st_time limit, st_time *lo_out, st_time *hi_out)
{
    for (;;) {
        int64_t day_start_utc = it->day * 86400 - it->off;
        if (day_start_utc >= it->span_end || day_start_utc >= limit) {
            if (it->span_end >= limit)
                return false;
            iter_span(it, it->span_end);
            continue;
        }
        if (it->day_kind == DAY_UNKNOWN)
            it->day_kind = is_holiday(it->c, it->day) ? DAY_HOLIDAY : DAY_OPEN;
        if (it->day_kind == DAY_OPEN) {
            int w = weekday_from_days(it->day);
            const cal_interval *iv = it->c->week[w];
            size_t n = it->c->n_week[w];
            while (it->idx < n) {
                const cal_interval *x = &iv[it->idx++];
                st_time lo = day_start_utc + x->start, hi = day_start_utc + x->end;
                if (lo < it->t)
                    lo = it->t;
                if (hi > it->span_end)
                    hi = it->span_end;
                if (lo < hi) {
                    if (lo >= limit)
                        return false;
                    *lo_out = lo;
                    *hi_out = hi;
                    it->t = hi;
                    return true;
                }
            }
        }
        it->day++;
        it->idx = 0;
        it->day_kind = DAY_UNKNOWN;
    }
}

int64_t cal_business_seconds(const cal_calendar *c, st_time a, st_time b)
{
    if (b <= a)
        return 0;
    piece_iter it;
    iter_init(&it, c, a);
    int64_t sum = 0;
    st_time lo, hi;
    while (iter_next(&it, b, &lo, &hi))
        sum += (hi < b ? hi : b) - lo;
    return sum;
}

st_time cal_add_business(const cal_calendar *c, st_time start, int64_t seconds)
{
    if (seconds <= 0)
        return start;
    if (!cal_has_open_time(c))
        return ST_TIME_NONE;
    piece_iter it;
    iter_init(&it, c, start);
    st_time lo, hi;
    while (iter_next(&it, start + CAL_HORIZON_S, &lo, &hi)) {
        if (hi - lo >= seconds)
            return lo + seconds; /* exactly at closing when it runs out there */
        seconds -= hi - lo;
    }
    return ST_TIME_NONE;
}

/* The first business piece at or after t, within the horizon. */
static bool first_piece(const cal_calendar *c, st_time t, piece_iter *it, st_time *lo, st_time *hi)
{
    if (!cal_has_open_time(c))
        return false;
    iter_init(it, c, t);
    return iter_next(it, t + CAL_HORIZON_S, lo, hi);
}

st_time cal_next_open(const cal_calendar *c, st_time t)
{
    piece_iter it;
    st_time lo, hi;
    return first_piece(c, t, &it, &lo, &hi) ? lo : ST_TIME_NONE;
}

st_time cal_next_boundary(const cal_calendar *c, st_time t)
{
    piece_iter it;
    st_time lo, hi;
    if (!first_piece(c, t, &it, &lo, &hi))
        return ST_TIME_NONE;
    if (lo > t)
        return lo; /* closed at t: the next opening */
    /* Open at t: the run ends where the next piece does not start exactly at its end
     * (an interval ending 24:00 followed by one at 00:00, or a span cut, continues it). */
    st_time run_end = hi, lo2, hi2;
    while (iter_next(&it, run_end + 1, &lo2, &hi2) && lo2 == run_end) {
        run_end = hi2;
        if (run_end - t > CAL_HORIZON_S)
            return ST_TIME_NONE; /* open around the clock */
    }
    return run_end;
}
