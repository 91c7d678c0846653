/* uptime: the pure engine behind `slatop uptime` and the dashboard panel (SPEC §2). */
#include "slatop/uptime.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void uptime_window_done(uptime_window *w)
{
    if (!w)
        return;
    free(w->id);
    free(w->name);
    free(w->status);
    memset(w, 0, sizeof *w);
}

void uptime_windows_free(uptime_window *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        uptime_window_done(&w[i]);
    free(w);
}

bool uptime_month_parse(const char *s, st_time *start, st_time *end)
{
    if (!s || strlen(s) != 7 || s[4] != '-')
        return false;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return false;
    int64_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    if (m < 1 || m > 12 || y < 1970)
        return false;
    *start = days_from_civil(y, m, 1) * 86400;
    *end = (m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1)) * 86400;
    return true;
}

void uptime_month_of(st_time t, char buf[static 8], st_time *start, st_time *end)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    unsigned yy = (unsigned)(y < 0 ? 0 : y % 10000);
    buf[0] = (char)('0' + yy / 1000);
    buf[1] = (char)('0' + yy / 100 % 10);
    buf[2] = (char)('0' + yy / 10 % 10);
    buf[3] = (char)('0' + yy % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '\0';
    *start = days_from_civil(y, m, 1) * 86400;
    *end = (m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1)) * 86400;
}

bool uptime_is_downtime(const uptime_minute *m, double threshold)
{
    if (m->kind != UPTIME_VALUE || isnan(m->value))
        return false;            /* NaN > x is false anyway; explicit so nobody "simplifies" it away */
    return m->value > threshold; /* +Inf is downtime */
}

void uptime_report_done(uptime_report *r)
{
    if (!r)
        return;
    free(r->periods);
    free(r->maintenance);
    memset(r, 0, sizeof *r);
}

/* Per-minute state derived in one pass. */
enum { M_FUTURE, M_NODATA, M_UP, M_DOWN, M_EXCLUDED };

/* Index of an eligible window that wholly contains minute [m, m+60), or -1. */
static long covering_window(const uptime_input *in, const uptime_maint *maint, size_t n_maint, st_time m)
{
    for (size_t i = 0; i < n_maint; i++) {
        const uptime_window *w = &in->windows[maint[i].window];
        if (maint[i].excluded && m >= w->start && m + 60 <= w->end)
            return (long)i;
    }
    return -1;
}

static double burn_rate(const unsigned char *state, int64_t elapsed, int64_t window, double budget_fraction)
{
    if (elapsed <= 0 || budget_fraction <= 0)
        return 0;
    int64_t from = elapsed > window ? elapsed - window : 0;
    int64_t down = 0;
    for (int64_t i = from; i < elapsed; i++)
        if (state[i] == M_DOWN)
            down++;
    return ((double)down / (double)(elapsed - from)) / budget_fraction;
}

st_code uptime_compute(const uptime_input *in, uptime_report *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    if (in->month_start % 60 != 0 || in->month_end % 60 != 0 || in->month_end <= in->month_start)
        return st_fail(err, ST_INVALID, "uptime: month bounds must be whole minutes");
    if (!(in->threshold >= 0) || !isfinite(in->threshold))
        return st_fail(err, ST_INVALID, "uptime: error_rate_threshold must be a finite ratio >= 0");
    if (in->has_target && !(in->target_percent > 0 && in->target_percent <= 100))
        return st_fail(err, ST_INVALID, "uptime: target_percent must be in (0, 100]");

    int64_t minutes = (in->month_end - in->month_start) / 60;
    st_time now_min = in->now >= 0 ? in->now / 60 * 60 : -((-in->now + 59) / 60 * 60);
    int64_t elapsed = (now_min - in->month_start) / 60;
    if (now_min <= in->month_start)
        elapsed = 0;
    if (elapsed > minutes)
        elapsed = minutes;
    out->minutes = minutes;
    out->elapsed_minutes = elapsed;

    /* Windows overlapping the month, judged once: excluded when announced early enough. */
    out->maintenance = xcalloc(in->n_windows ? in->n_windows : 1, sizeof *out->maintenance);
    for (size_t i = 0; i < in->n_windows; i++) {
        const uptime_window *w = &in->windows[i];
        if (w->end <= in->month_start || w->start >= in->month_end || w->end <= w->start)
            continue;
        uptime_maint *mt = &out->maintenance[out->n_maintenance++];
        mt->window = i;
        if (w->announced != ST_TIME_NONE) {
            mt->has_notice = true;
            mt->notice_days = (double)(w->start - w->announced) / 86400.0;
            mt->excluded = w->start - w->announced >= (int64_t)in->notice_days * 86400;
        }
    }

    unsigned char *state = xcalloc((size_t)minutes, 1);
    double *ratio = xcalloc((size_t)minutes, sizeof *ratio);
    for (int64_t i = 0; i < minutes; i++) {
        if (i >= elapsed) {
            state[i] = M_FUTURE;
            continue;
        }
        const uptime_minute *m = (size_t)i < in->n_minutes ? &in->minutes[i] : NULL;
        if (!m || m->kind != UPTIME_VALUE) {
            state[i] = M_NODATA;
            out->no_data_minutes++;
            continue;
        }
        ratio[i] = m->value;
        if (!uptime_is_downtime(m, in->threshold)) {
            state[i] = M_UP;
            continue;
        }
        long w = covering_window(in, out->maintenance, out->n_maintenance, in->month_start + 60 * i);
        if (w >= 0) {
            state[i] = M_EXCLUDED;
            out->maintenance[w].excluded_minutes++;
            out->excluded_minutes++;
        } else {
            state[i] = M_DOWN;
            out->downtime_minutes++;
        }
    }

    /* Periods: maximal runs of M_DOWN; an excluded minute, an up minute or a no-data minute ends
     * a run. */
    size_t cap = 8;
    out->periods = xmalloc(cap * sizeof *out->periods);
    for (int64_t i = 0; i < elapsed;) {
        if (state[i] != M_DOWN) {
            i++;
            continue;
        }
        int64_t j = i;
        double peak = ratio[i];
        while (j < elapsed && state[j] == M_DOWN) {
            if (ratio[j] > peak)
                peak = ratio[j];
            j++;
        }
        if (out->n_periods == cap) {
            cap *= 2;
            out->periods = xrealloc(out->periods, cap * sizeof *out->periods);
        }
        uptime_period *p = &out->periods[out->n_periods++];
        p->start = in->month_start + 60 * i;
        p->end = in->month_start + 60 * j;
        p->minutes = j - i;
        p->peak_error_rate = peak;
        p->no_data_before = i > 0 && state[i - 1] == M_NODATA;
        p->no_data_after = j < elapsed && state[j] == M_NODATA;
        i = j;
    }

    /* Current state: the last elapsed minute that has data, if it is recent enough. */
    out->data_minutes = elapsed - out->no_data_minutes;
    out->last_data_end = ST_TIME_NONE;
    for (int64_t i = elapsed - 1; i >= 0; i--) {
        if (state[i] == M_NODATA)
            continue;
        out->last_data_end = in->month_start + 60 * (i + 1);
        out->state_known = elapsed - 1 - i <= UPTIME_STATE_FRESH_MINUTES;
        if (state[i] == M_DOWN) {
            out->down_now = true;
            int64_t k = i;
            while (k > 0 && state[k - 1] == M_DOWN)
                k--;
            out->down_since = in->month_start + 60 * k;
        }
        break;
    }

    double down = (double)out->downtime_minutes;
    /* The contract's formula, over the whole month (for a running month: what it would be with no
     * more downtime); month-to-date over the minutes elapsed. */
    out->uptime_percent = ((double)minutes - down) / (double)minutes * 100.0;
    out->mtd_uptime_percent = elapsed > 0 ? ((double)elapsed - down) / (double)elapsed * 100.0 : 100.0;
    if (elapsed == minutes)
        out->mtd_uptime_percent = out->uptime_percent; /* same value, same rounding */
    /* Month end at the month-to-date rate of downtime per elapsed minute. */
    out->projected_uptime_percent = out->mtd_uptime_percent;

    out->has_target = in->has_target;
    if (in->has_target) {
        double frac = 1.0 - in->target_percent / 100.0;
        out->target_percent = in->target_percent;
        /* To the micro-minute: 1 - 99.99/100 is not exact in binary, and 4.32000000000432 minutes
         * is noise, not precision. */
        out->budget_minutes = round(frac * (double)minutes * 1e6) / 1e6;
        out->budget_left_minutes = round((out->budget_minutes - down) * 1e6) / 1e6;
        out->burn_rate_1h = burn_rate(state, elapsed, 60, frac);
        out->burn_rate_6h = burn_rate(state, elapsed, 360, frac);
    }
    out->complete = elapsed == minutes && out->no_data_minutes == 0 && !in->partial;
    free(state);
    free(ratio);
    return ST_OK;
}
