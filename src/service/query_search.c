/* query_search: see query_search.h. */
#include "slatop/query_search.h"

#include <stdlib.h>
#include <string.h>

#include "slatop/calendar.h"
#include "slatop/policy.h"
#include "slatop/store.h"
#include "slatop/store_search.h"

static store_sort store_sort_of(query_sort s)
{
    static const store_sort map[QUERY_SORT_COUNT] = {
        [QUERY_SORT_URGENCY] = STORE_SORT_URGENCY,
        [QUERY_SORT_LEVEL] = STORE_SORT_LEVEL,
        [QUERY_SORT_CREATED] = STORE_SORT_CREATED,
        [QUERY_SORT_CUSTOMER] = STORE_SORT_CUSTOMER,
    };
    return (unsigned)s < QUERY_SORT_COUNT ? map[s] : STORE_SORT_URGENCY;
}

static store_filter store_filter_of(const query_filter *f)
{
    store_filter sf = {0};
    if (f) {
        sf.text = f->text && *f->text ? f->text : NULL;
        sf.level = f->level;
    }
    return sf;
}

st_code query_search(st_ops *o, const query_filter *f, query_sort sort, int64_t offset, int64_t limit,
                     st_ticket **out, size_t *n, st_err *err)
{
    store_filter sf = store_filter_of(f);
    return store_ticket_search(ops_store(o), &sf, store_sort_of(sort), offset, limit, out, n, err);
}

st_code query_search_count(st_ops *o, const query_filter *f, int64_t *n, st_err *err)
{
    store_filter sf = store_filter_of(f);
    if (!sf.text && !sf.level) /* the counts table: no index walk at all */
        return store_ticket_count(ops_store(o), false, n, err);
    return store_ticket_search_count(ops_store(o), &sf, n, err);
}

st_code query_tickets_by_id(st_ops *o, const int64_t *ids, size_t n, st_ticket **out, size_t *n_out,
                            st_err *err)
{
    return store_tickets_by_id(ops_store(o), ids, n, out, n_out, err);
}

bool query_set_cancel(st_ops *o, bool (*cancel)(void *ctx), void *ctx)
{
    return store_set_cancel(ops_store(o), cancel, ctx);
}

int64_t query_abandon_ns(st_ops *o)
{
    return store_abandon_ns(ops_store(o));
}

/* The counts (SPEC §8: each row's state is its next clock's, ops_view_state, as the list shows it).
 * A row the list cannot show (its level not in its policy version) counts nowhere. */
typedef struct {
    st_ops *o;
    st_time now;
    int64_t counts[SLA_STATE_COUNT];
} state_counter;

void query_state_tally(st_ops *o, const st_ticket *ts, size_t n, st_time now, int64_t counts[SLA_STATE_COUNT])
{
    for (size_t i = 0; i < n; i++) {
        sla_state s;
        st_err e;
        if (ops_state_of(o, &ts[i], now, &s, &e) == ST_OK && (unsigned)s < SLA_STATE_COUNT)
            counts[s]++;
    }
}

/* Each row's state as the list computes it, for the few rows no range decides; frees ts. */
static st_code count_rows(state_counter *sc, st_ticket *ts, size_t n, st_err *err)
{
    (void)err;
    query_state_tally(sc->o, ts, n, sc->now, sc->counts);
    for (size_t i = 0; i < n; i++)
        ticket_done(&ts[i]);
    free(ts);
    return ST_OK;
}

/* The rows no range decides, a page at a time (a group may be every ticket: rows whose next clock
 * is not computed yet). */
#define GROUP_PAGE 2048
static st_code count_group_rows(state_counter *sc, const store_group *g, st_time from, st_time to, bool due_none,
                                st_err *err)
{
    for (int64_t after = INT64_MIN;;) {
        st_ticket *ts = NULL;
        size_t n = 0;
        st_code rc = store_ticket_group_rows(ops_store(sc->o), g, from, to, due_none, after, GROUP_PAGE, &ts, &n, err);
        if (rc != ST_OK)
            return rc;
        if (n > 0)
            after = ts[n - 1].id;
        bool last = n < GROUP_PAGE;
        if ((rc = count_rows(sc, ts, n, err)) != ST_OK || last)
            return rc;
    }
}

/* One group of a running clock (tier 0), by clocks_running_state's rule at now (clocks_next_at
 * re-times remaining_s from the write: remaining(now) = remaining(at) - span(at, now)):
 * - breached: now >= due, the range due <= now;
 * - a 24x7 clock runs in step with the wall: remaining(now) = due - now, so warn, remaining <=
 *   warn_fraction x target, is the range due in (now, now + W] with W = floor(fraction x target)
 *   (an integer r is <= x exactly when r <= floor(x)); the rest ok;
 * - a business clock outside business hours is paused (by hours) unless breached; inside them
 *   remaining(now) = business seconds from now to due, which exceeds W for every due at or after
 *   cal_add_business(now, W + 1): only the rows due before that are re-timed one by one;
 * - a running clock with no due is paused. */
static st_code count_running(state_counter *sc, const store_group *g, const st_policy *p, st_err *err)
{
    st_store *st = ops_store(sc->o);
    st_time now = sc->now;
    int64_t breached = 0, none = 0;
    st_code rc = store_ticket_count_due(st, g, ST_TIME_NONE, now + 1, false, &breached, err);
    if (rc == ST_OK)
        rc = store_ticket_count_due(st, g, ST_TIME_NONE, ST_TIME_NONE, true, &none, err);
    if (rc != ST_OK)
        return rc;
    sc->counts[SLA_BREACHED] += breached;
    sc->counts[SLA_PAUSED] += none;
    int64_t rest = g->n - breached - none;
    double w = p->warn_fraction * (double)g->target_s;
    int64_t wmax = w < 0 ? -1 : (int64_t)w;
    if (g->clock != POL_CLOCK_BUSINESS || !p->calendar) {
        int64_t warn = 0;
        if (wmax >= 1)
            rc = store_ticket_count_due(st, g, now + 1, now + wmax + 1, false, &warn, err);
        sc->counts[SLA_WARN] += warn;
        sc->counts[SLA_OK] += rest - warn;
        return rc;
    }
    if (!cal_is_business(p->calendar, now)) {
        sc->counts[SLA_PAUSED] += rest;
        return ST_OK;
    }
    st_time bound = cal_add_business(p->calendar, now, wmax + 1);
    if (bound == ST_TIME_NONE || bound <= now + 1)
        bound = bound == ST_TIME_NONE ? INT64_MAX : now + 1;
    int64_t near = 0;
    rc = store_ticket_count_due(st, g, now + 1, bound, false, &near, err);
    if (rc == ST_OK && near > 0)
        rc = count_group_rows(sc, g, now + 1, bound, false, err);
    sc->counts[SLA_OK] += rest - near;
    return rc;
}

/* The unfiltered (or level-filtered) list: per group, the kept counts and index ranges. */
static st_code count_groups(state_counter *sc, const char *level, st_err *err)
{
    store_group *g = NULL;
    size_t n = 0;
    st_code rc = store_ticket_groups(ops_store(sc->o), level, &g, &n, err);
    for (size_t i = 0; rc == ST_OK && i < n; i++) {
        const st_policy *p = NULL;
        st_err ignored;
        if (ops_policy(sc->o, g[i].policy_version, &p, NULL, &ignored) != ST_OK ||
            policy_level_index(p, g[i].level) < 0)
            continue; /* the list cannot show these rows */
        switch (g[i].tier) {
        case 0:
            rc = count_running(sc, &g[i], p, err);
            break;
        case 1: { /* paused by status: breached once overdue (clocks_next_at) */
            int64_t breached = 0;
            rc = store_ticket_count_due(ops_store(sc->o), &g[i], ST_TIME_NONE, sc->now + 1, false, &breached, err);
            sc->counts[SLA_BREACHED] += breached;
            sc->counts[SLA_PAUSED] += g[i].n - breached;
            break;
        }
        default: /* no next clock: the first response's timer (met or missed from the facts) */
            if (g[i].tier == 2 && g[i].kind == 1)
                sc->counts[SLA_MET] += g[i].n;
            else if (g[i].tier == 2 && g[i].kind == 2)
                sc->counts[SLA_MISSED] += g[i].n;
            else /* unanswered with no clock, or not computed yet: as the list computes them */
                rc = count_group_rows(sc, &g[i], ST_TIME_NONE, ST_TIME_NONE, false, err);
            break;
        }
    }
    store_groups_free(g, n);
    return rc;
}

st_code query_state_counts(st_ops *o, const query_filter *f, st_time now, int64_t counts[SLA_STATE_COUNT],
                           st_err *err)
{
    state_counter sc = {.o = o, .now = now};
    store_filter sf = store_filter_of(f);
    st_code rc;
    if (sf.text) { /* one pass over the matches, each as the list computes it */
        st_ticket *ts = NULL;
        size_t n = 0;
        rc = store_ticket_search(ops_store(o), &sf, STORE_SORT_CREATED, 0, 0, &ts, &n, err);
        if (rc == ST_OK)
            rc = count_rows(&sc, ts, n, err);
    } else {
        rc = count_groups(&sc, sf.level, err);
    }
    if (rc == ST_OK)
        memcpy(counts, sc.counts, sizeof sc.counts);
    return rc;
}

struct query_cursor {
    store_ticket_cursor *c;
};

st_code query_cursor_open(st_ops *o, const query_filter *f, query_sort sort, bool any_order, bool all,
                          query_cursor **out, st_err *err)
{
    *out = NULL;
    store_filter sf = store_filter_of(f);
    store_ticket_cursor *c = NULL;
    st_code rc = all ? store_ticket_cursor_open_all(ops_store(o), store_sort_of(sort), &c, err)
                     : store_ticket_cursor_open(ops_store(o), &sf, store_sort_of(sort), any_order, &c, err);
    if (rc != ST_OK)
        return rc;
    *out = xmalloc(sizeof **out);
    (*out)->c = c;
    return ST_OK;
}

st_code query_cursor_next(query_cursor *c, st_ticket *out, size_t max, size_t *n, bool *done, st_err *err)
{
    return store_ticket_cursor_next(c->c, out, max, n, done, err);
}

void query_cursor_close(query_cursor *c)
{
    if (!c)
        return;
    store_ticket_cursor_close(c->c);
    free(c);
}
