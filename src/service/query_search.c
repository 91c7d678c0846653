/* query_search: see query_search.h. */
#include "slatop/query_search.h"

#include <stdlib.h>
#include <string.h>

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

void query_set_cancel(st_ops *o, bool (*cancel)(void *ctx), void *ctx)
{
    store_set_cancel(ops_store(o), cancel, ctx);
}

/* One (level, policy version)'s bounds at now (sla_state_bounds), or !known when its level is
 * not in its policy version. */
typedef struct {
    char *level; /* owned */
    int64_t policy_version;
    bool known, paused;
    st_time warn_before;
} group_bounds;

typedef struct {
    st_ops *o;
    st_time now;
    group_bounds *g; /* owned; a handful: levels times policy versions in use */
    size_t n;
    int64_t counts[SLA_STATE_COUNT];
} state_counter;

static const group_bounds *bounds_of(state_counter *sc, const char *level, int64_t pv)
{
    for (size_t i = 0; i < sc->n; i++)
        if (sc->g[i].policy_version == pv && strcmp(sc->g[i].level, level) == 0)
            return &sc->g[i];
    sc->g = xrealloc(sc->g, (sc->n + 1) * sizeof *sc->g);
    group_bounds *b = &sc->g[sc->n++];
    memset(b, 0, sizeof *b);
    b->level = xstrdup(level);
    b->policy_version = pv;
    const st_policy *p = NULL;
    st_err ignored;
    int idx = -1;
    if (ops_policy(sc->o, pv, &p, NULL, &ignored) == ST_OK && (idx = policy_level_index(p, level)) >= 0) {
        b->known = true;
        sla_state_bounds(p, (size_t)idx, sc->now, &b->paused, &b->warn_before);
    }
    return b;
}

static void counter_done(state_counter *sc)
{
    for (size_t i = 0; i < sc->n; i++)
        free(sc->g[i].level);
    free(sc->g);
}

/* sla_timer_at's decision for one ticket, from its group's bounds. */
static st_code count_one(void *ctx, const char *level, int64_t pv, st_time first_response, st_time response_due,
                         st_time due, st_err *err)
{
    (void)err;
    state_counter *sc = ctx;
    const group_bounds *b = bounds_of(sc, level ? level : "", pv);
    if (!b->known)
        return ST_OK;
    sla_state s;
    if (first_response != ST_TIME_NONE)
        s = response_due == ST_TIME_NONE || first_response <= response_due ? SLA_MET : SLA_MISSED;
    else if (due == ST_TIME_NONE || b->paused)
        s = due != ST_TIME_NONE && due <= sc->now ? SLA_BREACHED : SLA_PAUSED;
    else if (due <= sc->now)
        s = SLA_BREACHED;
    else
        s = due < b->warn_before ? SLA_WARN : SLA_OK;
    sc->counts[s]++;
    return ST_OK;
}

/* The unfiltered (or level-filtered) list: per group, the kept counts and two index ranges. */
static st_code count_groups(state_counter *sc, const char *level, st_err *err)
{
    st_store *st = ops_store(sc->o);
    store_group *g = NULL;
    size_t n = 0;
    st_code rc = store_ticket_groups(st, level, &g, &n, err);
    for (size_t i = 0; rc == ST_OK && i < n; i++) {
        const group_bounds *b = bounds_of(sc, g[i].level, g[i].policy_version);
        if (!b->known)
            continue;
        sc->counts[SLA_MET] += g[i].n_met;
        sc->counts[SLA_MISSED] += g[i].n_missed;
        int64_t breached = 0, warn = 0;
        rc = store_ticket_count_due(st, g[i].level, g[i].policy_version, ST_TIME_NONE, sc->now + 1, &breached, err);
        if (rc == ST_OK && !b->paused && b->warn_before > sc->now + 1)
            rc = store_ticket_count_due(st, g[i].level, g[i].policy_version, sc->now + 1, b->warn_before, &warn,
                                        err);
        sc->counts[SLA_BREACHED] += breached;
        if (b->paused) {
            sc->counts[SLA_PAUSED] += g[i].n_unanswered - breached;
        } else {
            sc->counts[SLA_WARN] += warn;
            sc->counts[SLA_OK] += g[i].n_unanswered - breached - warn;
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
    st_code rc = sf.text ? store_ticket_scan_states(ops_store(o), &sf, count_one, &sc, err)
                         : count_groups(&sc, sf.level, err);
    if (rc == ST_OK)
        memcpy(counts, sc.counts, sizeof sc.counts);
    counter_done(&sc);
    return rc;
}
