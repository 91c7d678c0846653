/* sla: due time, timer state, sticky breaches and the explain ledger (SPEC §2). Pure functions
 * of the policy, the inputs and `now`; nothing is cached, nothing allocated on the due path. */
#include "slatop/sla.h"

#include "sla_internal.h"

#include <stdlib.h>
#include <string.h>

const char *sla_state_name(sla_state s)
{
#define SLA_STATE_NAME(id, name, symbol, ascii, rank) name,
    static const char *const names[] = {SLA_STATES(SLA_STATE_NAME)};
#undef SLA_STATE_NAME
    return (unsigned)s < SLA_STATE_COUNT ? names[s] : "?";
}

const char *sla_state_symbol(sla_state s, bool ascii)
{
#define SLA_STATE_UTF8(id, name, symbol, ascii_symbol, rank) symbol,
#define SLA_STATE_ASCII(id, name, symbol, ascii_symbol, rank) ascii_symbol,
    static const char *const utf8[] = {SLA_STATES(SLA_STATE_UTF8)};
    static const char *const plain[] = {SLA_STATES(SLA_STATE_ASCII)};
#undef SLA_STATE_UTF8
#undef SLA_STATE_ASCII
    if ((unsigned)s >= SLA_STATE_COUNT)
        return "?";
    return ascii ? plain[s] : utf8[s];
}

sla_state sla_state_at_rank(int rank)
{
#define SLA_STATE_RANK(id, name, symbol, ascii, r) r,
    static const int ranks[] = {SLA_STATES(SLA_STATE_RANK)};
#undef SLA_STATE_RANK
    for (int s = 0; s < SLA_STATE_COUNT; s++)
        if (ranks[s] == rank)
            return (sla_state)s;
    return SLA_STATE_COUNT;
}

const char *sla_state_names(void)
{
    /* Each name with a space before it, joined at compile time; + 1 drops the first space. */
#define SLA_STATE_SPACED(id, name, symbol, ascii, rank) " " name
    return SLA_STATES(SLA_STATE_SPACED) + 1;
#undef SLA_STATE_SPACED
}

const char *sla_seg_kind_name(sla_seg_kind k)
{
    switch (k) {
    case SEG_COUNTED: return "counted";
    case SEG_WALL: return "wall";
    case SEG_CLOSED: return "closed";
    case SEG_HOLIDAY: return "holiday";
    case SEG_DST: return "dst";
    case SEG_LEVEL_CHANGE: return "level_change";
    case SEG_PAUSED: return "paused";
    case SEG_RESOLVED: return "resolved";
    }
    return "?";
}

/* Computed here rather than via policy_level_target_s so the engine depends on the policy
 * model only, not on the parser. */
static int64_t target_s(const st_policy *p, size_t level)
{
    return p->levels[level].response_minutes * 60;
}

/* The calendar a level counts on, or NULL for wall-clock levels. */
static const cal_calendar *level_cal(const st_policy *p, size_t level)
{
    return p->levels[level].clock == POL_CLOCK_BUSINESS ? p->calendar : NULL;
}

st_time sla_due(const st_policy *p, size_t level, st_time start)
{
    const cal_calendar *c = level_cal(p, level);
    if (!c)
        return start + target_s(p, level);
    return cal_add_business(c, start, target_s(p, level));
}

/* Signed time from a to b in the level's measure: business seconds for business levels, wall
 * seconds for 24x7. When b < a it is minus the measure over [b, a), so overdue time of a
 * business level is counted in business time too (an overdue countdown stands still while the
 * desk is closed, just like the countdown before it). */
static int64_t measure(const cal_calendar *c, st_time a, st_time b)
{
    if (!c)
        return b - a;
    return b >= a ? cal_business_seconds(c, a, b) : -cal_business_seconds(c, b, a);
}

void sla_timer_at(const st_policy *p, const sla_input *in, st_time now, sla_timer *out)
{
    const cal_calendar *c = level_cal(p, in->level);
    out->resumes_at = ST_TIME_NONE;
    if (in->first_response != ST_TIME_NONE) {
        bool met = in->response_due == ST_TIME_NONE || in->first_response <= in->response_due;
        out->state = met ? SLA_MET : SLA_MISSED;
        out->remaining_s = in->response_due == ST_TIME_NONE
                               ? 0
                               : measure(c, in->first_response, in->response_due);
        return;
    }
    if (in->due == ST_TIME_NONE) { /* a calendar that never opens: the clock never runs */
        out->state = SLA_PAUSED;
        out->remaining_s = target_s(p, in->level);
        return;
    }
    out->remaining_s = measure(c, now, in->due);
    if (now >= in->due) {
        out->state = SLA_BREACHED;
        return;
    }
    if (c && !cal_is_business(c, now)) {
        out->state = SLA_PAUSED;
        out->resumes_at = cal_next_open(c, now);
        return;
    }
    double warn_at = p->warn_fraction * (double)target_s(p, in->level);
    out->state = (double)out->remaining_s <= warn_at ? SLA_WARN : SLA_OK;
}

bool sla_breached_ever(const sla_event *ev, size_t n, st_time now)
{
    st_time due = ST_TIME_NONE, seg_start = 0;
    for (size_t i = 0; i < n && ev[i].at <= now; i++) {
        /* Close the segment [seg_start, ev[i].at) under the due then in force. A zero-length
         * segment (raised then undone the same second) still counts when already due. */
        if (due != ST_TIME_NONE && (due <= seg_start || due < ev[i].at))
            return true;
        if (ev[i].first_response)
            return false; /* nothing after the first response can breach */
        if (ev[i].sets_due) {
            due = ev[i].new_due;
            seg_start = ev[i].at;
        }
    }
    return due != ST_TIME_NONE && now >= due;
}

/* ---- explain ---- */

void ledger_push(sla_ledger *l, st_time start, st_time end, sla_seg_kind kind, int64_t counted, char *rule)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (sla_segment){start, end, kind, counted, rule};
}

static const char *const wd_names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

/* "HH:MM" (or "HH:MM:SS" off the minute); 86400 reads "24:00". */
static void fmt_hm(strbuf *sb, int32_t s)
{
    if (s % 60)
        sb_printf(sb, "%02d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
    else
        sb_printf(sb, "%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60));
}

static char *fmt_date(int64_t days)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    return xasprintf("%04lld-%02u-%02u", (long long)y, m, d);
}

static void fmt_dur(strbuf *sb, int64_t s)
{
    if (s >= 3600)
        sb_printf(sb, "%lldh", (long long)(s / 3600));
    if (s % 3600 / 60)
        sb_printf(sb, "%lldm", (long long)(s % 3600 / 60));
    if (s % 60)
        sb_printf(sb, "%llds", (long long)(s % 60));
}

static char *dst_rule(const tz_zone *z, st_time at)
{
    const char *a0, *a1;
    int32_t o0 = tz_offset_at(z, at - 1, &a0), o1 = tz_offset_at(z, at, &a1);
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, o1 > o0 ? "clocks go forward " : "clocks go back ");
    fmt_dur(&sb, o1 > o0 ? (int64_t)o1 - o0 : (int64_t)o0 - o1);
    sb_printf(&sb, ": %s -> %s", a0, a1);
    return sb_steal(&sb);
}

static char *level_rule(const sla_event *e)
{
    return xasprintf("level %s -> %s", e->from_level, e->to_level);
}

/* A re-prioritization names both levels; creation (no from_level) is not one. */
static bool is_level_change(const sla_event *e)
{
    return e->from_level && e->to_level;
}

/* Rule text of a closed stretch: "weekend" when it reaches into a weekday that has no hours
 * at all, otherwise "closed (outside <weekly hours>)". */
static char *closed_rule(const cal_calendar *c, st_time a, st_time b, const char *hours)
{
    tz_local la, lb;
    tz_to_local(c->zone, a, &la);
    tz_to_local(c->zone, b - 1, &lb);
    for (int64_t d = la.days; d <= lb.days; d++)
        if (c->n_week[weekday_from_days(d)] == 0)
            return xstrdup("weekend");
    return xasprintf("closed (outside %s)", hours);
}

/* Weekly hours in short form, e.g. "Mon-Fri 10:00-19:00": runs of weekdays with identical
 * intervals are joined. */
static char *week_summary(const cal_calendar *c)
{
    strbuf sb;
    sb_init(&sb);
    for (int d = 0; d < 7;) {
        if (c->n_week[d] == 0) {
            d++;
            continue;
        }
        int e = d;
        while (e + 1 < 7 && c->n_week[e + 1] == c->n_week[d] &&
               memcmp(c->week[e + 1], c->week[d], c->n_week[d] * sizeof(cal_interval)) == 0)
            e++;
        if (sb.len)
            sb_append(&sb, ", ");
        sb_append(&sb, wd_names[d]);
        if (e > d)
            sb_printf(&sb, "-%s", wd_names[e]);
        for (size_t k = 0; k < c->n_week[d]; k++) {
            sb_append(&sb, k ? "," : " ");
            fmt_hm(&sb, c->week[d][k].start);
            sb_append_c(&sb, '-');
            fmt_hm(&sb, c->week[d][k].end);
        }
        d = e + 1;
    }
    sb_append(&sb, " hours");
    return sb_steal(&sb);
}

/* The counted piece starting at t: its end (end of the local interval containing t) and rule. */
static st_time counted_piece(const cal_calendar *c, st_time t, char **rule)
{
    tz_local l;
    tz_to_local(c->zone, t, &l);
    const cal_interval *iv = c->week[l.weekday];
    for (size_t k = 0; k < c->n_week[l.weekday]; k++) {
        if (l.sec_of_day >= iv[k].start && l.sec_of_day < iv[k].end) {
            strbuf sb;
            sb_init(&sb);
            sb_printf(&sb, "%s ", wd_names[l.weekday]);
            fmt_hm(&sb, iv[k].start);
            sb_append_c(&sb, '-');
            fmt_hm(&sb, iv[k].end);
            sb_printf(&sb, " %s", tz_name(c->zone));
            *rule = sb_steal(&sb);
            return t + (iv[k].end - l.sec_of_day);
        }
    }
    *rule = xstrdup("?"); /* not reached: t is business time */
    return t + 1;
}

/* The end of the non-business stretch piece at t (clipped to `limit`): a holiday piece ends at
 * the local midnight, a closed one at the next holiday's midnight. Offset constant on [t,limit). */
static st_time closed_piece(const cal_calendar *c, st_time t, st_time limit, bool *holiday,
                            int64_t *day)
{
    tz_local l;
    tz_to_local(c->zone, t, &l);
    *day = l.days;
    st_time midnight = t + (86400 - l.sec_of_day);
    *holiday = false;
    for (size_t i = 0; i < c->n_holidays; i++) {
        if (c->holidays[i] == l.days) {
            *holiday = true;
            return midnight < limit ? midnight : limit;
        }
    }
    for (size_t i = 0; i < c->n_holidays; i++) {
        st_time hstart = midnight + (c->holidays[i] - l.days - 1) * 86400;
        if (c->holidays[i] > l.days && hstart < limit)
            limit = hstart;
    }
    return limit;
}

void ledger_markers(sla_ledger *l, const sla_event *ev, size_t n_ev, size_t *k, st_time upto)
{
    size_t before = l->n;
    for (; *k < n_ev && ev[*k].at <= upto; (*k)++)
        if (is_level_change(&ev[*k]))
            ledger_push(l, ev[*k].at, ev[*k].at, SEG_LEVEL_CHANGE, 0, level_rule(&ev[*k]));
    if (l->n != before)
        l->closed_from = SIZE_MAX; /* a marker splits the closed run */
}

static st_time next_event_after(const sla_event *ev, size_t n_ev, size_t k, st_time t)
{
    for (; k < n_ev; k++)
        if (is_level_change(&ev[k]) && ev[k].at > t)
            return ev[k].at;
    return INT64_MAX;
}

void ledger_span(sla_ledger *l, const cal_calendar *c, st_time t, st_time end, const sla_event *ev, size_t n_ev,
                 size_t *k)
{
    while (t < end) {
        st_time ne = next_event_after(ev, n_ev, *k, t);
        st_time e = ne < end ? ne : end;
        if (!c) {
            ledger_push(l, t, e, SEG_WALL, e - t, xstrdup("24x7 (wall clock)"));
        } else {
            st_time dst = tz_next_change(c->zone, t);
            if (dst != ST_TIME_NONE && dst < e)
                e = dst;
            if (cal_is_business(c, t)) {
                char *rule;
                /* The interval's end bounds the piece: a holiday can only begin at midnight,
                 * and offset changes were clipped above. */
                st_time pe = counted_piece(c, t, &rule);
                if (pe < e)
                    e = pe;
                ledger_push(l, t, e, SEG_COUNTED, e - t, rule);
                l->closed_from = SIZE_MAX;
            } else {
                st_time nb = cal_next_boundary(c, t);
                if (nb != ST_TIME_NONE && nb < e)
                    e = nb;
                bool hol;
                int64_t day;
                e = closed_piece(c, t, e, &hol, &day);
                if (hol) {
                    sla_segment *last = l->n ? &l->v[l->n - 1] : NULL;
                    char *date = fmt_date(day);
                    if (last && last->kind == SEG_HOLIDAY && last->end == t &&
                        strcmp(last->rule + 8, date) == 0) {
                        last->end = e;
                        free(date);
                    } else {
                        ledger_push(l, t, e, SEG_HOLIDAY, 0, xasprintf("holiday %s", date));
                        free(date);
                    }
                    l->closed_from = SIZE_MAX;
                } else if (l->closed_from != SIZE_MAX && l->v[l->closed_from].end == t) {
                    l->v[l->closed_from].end = e; /* one closed segment per night or weekend */
                } else {
                    ledger_push(l, t, e, SEG_CLOSED, 0, NULL);
                    l->closed_from = l->n - 1;
                }
            }
            if (e == dst && e < end) {
                ledger_push(l, e, e, SEG_DST, 0, dst_rule(c->zone, e));
                l->closed_from = SIZE_MAX;
            }
        }
        ledger_markers(l, ev, n_ev, k, e);
        t = e;
    }
}

void ledger_finish(sla_ledger *l, const cal_calendar *c, sla_segment **out, size_t *n_out)
{
    char *hours = c ? week_summary(c) : NULL;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].kind == SEG_CLOSED && !l->v[i].rule)
            l->v[i].rule = closed_rule(c, l->v[i].start, l->v[i].end, hours);
    free(hours);
    *out = l->v;
    *n_out = l->n;
}

void sla_explain(const st_policy *p, size_t level, st_time start, st_time due, const sla_event *ev,
                 size_t n_ev, sla_segment **out, size_t *n_out)
{
    sla_ledger l = {.closed_from = SIZE_MAX};
    const cal_calendar *c = level_cal(p, level);
    size_t k = 0;
    while (k < n_ev && ev[k].at < start) /* markers before the range are not shown */
        k++;
    ledger_markers(&l, ev, n_ev, &k, start);
    if (due != ST_TIME_NONE)
        ledger_span(&l, c, start, due, ev, n_ev, &k);
    ledger_finish(&l, c, out, n_out);
}

void sla_segments_free(sla_segment *s, size_t n)
{
    if (!s)
        return;
    for (size_t i = 0; i < n; i++)
        free(s[i].rule);
    free(s);
}
