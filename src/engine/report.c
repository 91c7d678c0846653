/* report: see report.h. */
#include "slatop/report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void report_init(rpt_report *r, st_time from, st_time to)
{
    memset(r, 0, sizeof *r);
    r->from = from;
    r->to = to;
    clocks_result_init(&r->clk);
}

static void breach_done(rpt_breach *b)
{
    free(b->title);
    free(b->customer);
    free(b->level);
    for (size_t i = 0; i < b->n_changes; i++) {
        rpt_level_change *c = &b->changes[i];
        free(c->actor);
        free(c->from_level);
        free(c->to_level);
        free(c->reason);
    }
    free(b->changes);
    for (size_t i = 0; i < b->n_pauses; i++) {
        free(b->pauses[i].actor);
        free(b->pauses[i].reason);
    }
    free(b->pauses);
}

void report_done(rpt_report *r)
{
    for (size_t i = 0; i < r->n_rows; i++) {
        free(r->rows[i].level);
        free(r->rows[i].times);
    }
    free(r->rows);
    for (size_t i = 0; i < r->n_breaches; i++)
        breach_done(&r->breaches[i]);
    free(r->breaches);
    free(r->policy_versions);
    free(r->row_of);
    clocks_result_done(&r->clk);
    memset(r, 0, sizeof *r);
}

/* The row of (metric, level id, target, clock), made when new; it remembers the lowest policy
 * version (and its level's index) that has it, the order report_finish puts rows in. */
static size_t row_for(rpt_report *r, pol_metric m, const char *level, const pol_target *t, int64_t version,
                      size_t level_ix)
{
    int64_t target_s = t->minutes * 60;
    for (size_t i = 0; i < r->n_rows; i++) {
        rpt_row *w = &r->rows[i];
        if (w->metric == m && w->target_s == target_s && w->clock == t->clock && strcmp(w->level, level) == 0) {
            if (version < w->version) {
                w->version = version;
                w->level_ix = level_ix;
            }
            return i;
        }
    }
    if (r->n_rows == r->cap_rows) {
        r->cap_rows = r->cap_rows ? r->cap_rows * 2 : 16;
        r->rows = xrealloc(r->rows, r->cap_rows * sizeof *r->rows);
    }
    rpt_row *w = &r->rows[r->n_rows];
    memset(w, 0, sizeof *w);
    w->metric = m;
    w->level = xstrdup(level);
    w->target_s = target_s;
    w->clock = t->clock;
    w->version = version;
    w->level_ix = level_ix;
    return r->n_rows++;
}

/* Makes p's rows (every level and metric it defines, so a promise nobody tested still shows)
 * and its level x metric -> row map current. The map is rebuilt when the policy changes, which
 * in a log happens once per policy version run. */
static void use_policy(rpt_report *r, const st_policy *p, int64_t version)
{
    if (r->seeded_p == p)
        return;
    size_t need = p->n_levels * POL_METRIC_COUNT;
    if (need > r->cap_row_of) {
        r->row_of = xrealloc(r->row_of, need * sizeof *r->row_of);
        r->cap_row_of = need;
    }
    for (int m = 0; m < POL_METRIC_COUNT; m++)
        for (size_t l = 0; l < p->n_levels; l++) {
            pol_target t;
            r->row_of[l * POL_METRIC_COUNT + (size_t)m] =
                policy_level_target(p, l, (pol_metric)m, &t)
                    ? row_for(r, (pol_metric)m, p->levels[l].id, &t, version, l) + 1
                    : 0;
        }
    r->seeded_p = p;
}

static void note_version(rpt_report *r, int64_t v)
{
    size_t i = 0;
    while (i < r->n_versions && r->policy_versions[i] < v)
        i++;
    if (i < r->n_versions && r->policy_versions[i] == v)
        return;
    r->policy_versions = xrealloc(r->policy_versions, (r->n_versions + 1) * sizeof *r->policy_versions);
    memmove(&r->policy_versions[i + 1], &r->policy_versions[i],
            (r->n_versions - i) * sizeof *r->policy_versions);
    r->policy_versions[i] = v;
    r->n_versions++;
}

static void push_time(rpt_row *w, int64_t t)
{
    if (w->n_times == w->cap_times) {
        w->cap_times = w->cap_times ? w->cap_times * 2 : 64;
        w->times = xrealloc(w->times, w->cap_times * sizeof *w->times);
    }
    w->times[w->n_times++] = t;
}

/* The status after event e, as clocks.c reads it: a customer message sets it to open. */
static pol_status status_after(pol_status st, const clk_event *e)
{
    if (e->kind == CLK_EV_STATUS)
        return e->status;
    if (e->kind == CLK_EV_CUSTOMER)
        return POL_STATUS_OPEN;
    return st;
}

/* Whether status st stops metric m's clock (resolved stops the resolution clock until reopen). */
static bool pauses(const st_policy *p, pol_metric m, pol_status st)
{
    if (st == POL_STATUS_RESOLVED)
        return m == POL_METRIC_RESOLUTION;
    return (p->pause_on[m] & (1u << st)) != 0;
}

/* The level changes and status pauses of the cycle c over [c->started, end]: what shaped it. */
static void breach_causes(const st_policy *p, const clk_clock *c, st_time end, const clk_event *ev, size_t n,
                          rpt_breach *b)
{
    size_t level = ev[0].level;
    pol_status st = POL_STATUS_OPEN;
    size_t cap_c = 0, cap_p = 0;
    size_t open = SIZE_MAX; /* the pause running (index), when it overlaps the cycle */
    for (size_t i = 0; i < n && ev[i].at <= end; i++) {
        const clk_event *e = &ev[i];
        if (e->kind == CLK_EV_LEVEL) {
            if (e->at >= c->started) {
                if (b->n_changes == cap_c) {
                    cap_c = cap_c ? cap_c * 2 : 4;
                    b->changes = xrealloc(b->changes, cap_c * sizeof *b->changes);
                }
                b->changes[b->n_changes++] = (rpt_level_change){
                    .at = e->at,
                    .actor = xstrdup(e->actor),
                    .from_level = xstrdup(p->levels[level].id),
                    .to_level = xstrdup(p->levels[e->level].id),
                    .reason = xstrdup(e->reason),
                };
            }
            level = e->level;
        }
        pol_status ns = status_after(st, e);
        if (ns == st || i == 0)
            continue;
        if (open != SIZE_MAX) { /* every status change ends the stretch; a new one starts if it pauses */
            b->pauses[open].to = e->at;
            open = SIZE_MAX;
        }
        st = ns;
        if (!pauses(p, c->metric, ns) || e->at >= end)
            continue;
        if (b->n_pauses == cap_p) {
            cap_p = cap_p ? cap_p * 2 : 4;
            b->pauses = xrealloc(b->pauses, cap_p * sizeof *b->pauses);
        }
        b->pauses[b->n_pauses] = (rpt_pause){.from = e->at < c->started ? c->started : e->at,
                                             .to = ST_TIME_NONE,
                                             .status = ns,
                                             .actor = xstrdup(e->actor),
                                             .reason = xstrdup(e->reason)};
        open = b->n_pauses++;
    }
    /* A pause that ended before the cycle started did not shape it. */
    size_t k = 0;
    for (size_t i = 0; i < b->n_pauses; i++) {
        rpt_pause *x = &b->pauses[i];
        if (x->to != ST_TIME_NONE && x->to <= c->started) {
            free(x->actor);
            free(x->reason);
            continue;
        }
        b->pauses[k++] = *x;
    }
    b->n_pauses = k;
}

void report_set_sink(rpt_report *r, st_code (*fn)(void *ctx, const rpt_breach *b, st_err *err), void *ctx)
{
    r->sink = fn;
    r->sink_ctx = ctx;
}

/* Makes the breach of cycle c: kept in the report, or handed to the sink and freed. */
static st_code add_breach(rpt_report *r, const st_policy *p, const rpt_ticket *t, const clk_clock *c,
                          const clk_event *ev, size_t n, st_err *err)
{
    rpt_breach one, *b = &one;
    if (!r->sink) {
        if (r->n_breaches == r->cap_breaches) {
            r->cap_breaches = r->cap_breaches ? r->cap_breaches * 2 : 16;
            r->breaches = xrealloc(r->breaches, r->cap_breaches * sizeof *r->breaches);
        }
        b = &r->breaches[r->n_breaches];
    }
    memset(b, 0, sizeof *b);
    b->ord = r->sink ? 0 : r->n_breaches++;
    b->ticket_id = t->id;
    b->title = xstrdup(t->title);
    b->customer = xstrdup(t->customer);
    b->metric = c->metric;
    b->cycle = c->cycle;
    b->level = xstrdup(p->levels[c->level].id);
    b->due = c->due;
    b->stopped = c->stopped;
    b->over_s = c->remaining_s < 0 ? -c->remaining_s : 0;
    breach_causes(p, c, c->stopped == ST_TIME_NONE ? r->to : c->stopped, ev, n, b);
    if (!r->sink)
        return ST_OK;
    st_code rc = r->sink(r->sink_ctx, b, err);
    breach_done(b);
    return rc;
}

st_code report_add_ticket(rpt_report *r, const st_policy *p, const rpt_ticket *t, const clk_event *ev,
                          size_t n, st_err *err)
{
    st_code rc = clocks_compute(p, ev, n, r->to, &r->clk, err);
    if (rc != ST_OK) {
        st_err_prefix(err, "ticket %lld", (long long)t->id);
        return rc;
    }
    bool appears = false;
    for (size_t i = 0; i < r->clk.n; i++) {
        const clk_clock *c = &r->clk.clocks[i];
        bool stopped = c->stopped != ST_TIME_NONE;
        if (stopped ? c->stopped < r->from : !(c->state == SLA_BREACHED || c->breached_ever))
            continue; /* stopped before the period, or running and not breached at its end */
        if (!appears) {
            use_policy(r, p, t->policy_version);
            note_version(r, t->policy_version);
            appears = true;
        }
        size_t slot = r->row_of[c->level * POL_METRIC_COUNT + (size_t)c->metric];
        if (!slot)
            continue; /* cannot happen: a clock exists only where its level defines the metric */
        rpt_row *w = &r->rows[slot - 1];
        bool breach = true;
        if (!stopped) {
            w->breached_open++;
        } else {
            if (!r->sink) /* a sink's report keeps nothing per cycle */
                push_time(w, c->target_s - c->remaining_s);
            /* Sticky: a cycle once breached stays missed even when a lowered level's later due
             * let it stop "in time". */
            breach = c->state == SLA_MISSED || c->breached_ever;
            if (breach)
                w->missed++;
            else
                w->met++;
        }
        if (breach && (rc = add_breach(r, p, t, c, ev, n, err)) != ST_OK)
            return rc;
    }
    return ST_OK;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_row(const void *a, const void *b)
{
    const rpt_row *x = a, *y = b;
    if (x->metric != y->metric)
        return x->metric < y->metric ? -1 : 1;
    if (x->version != y->version)
        return x->version < y->version ? -1 : 1;
    return (x->level_ix > y->level_ix) - (x->level_ix < y->level_ix);
}

/* By ticket, then the order they were made in (a ticket's clocks' order). */
static int cmp_breach(const void *a, const void *b)
{
    const rpt_breach *x = a, *y = b;
    if (x->ticket_id != y->ticket_id)
        return x->ticket_id < y->ticket_id ? -1 : 1;
    return (x->ord > y->ord) - (x->ord < y->ord);
}

/* Nearest rank: the smallest value with at least pct% of the values at or below it. */
static int64_t nearest_rank(const int64_t *v, size_t n, unsigned pct)
{
    size_t rank = (pct * n + 99) / 100;
    return v[rank ? rank - 1 : 0];
}

static void percent(int64_t met, int64_t missed, int64_t open, bool *has, double *out)
{
    int64_t all = met + missed + open;
    *has = all > 0;
    *out = all > 0 ? (double)met * 100.0 / (double)all : 0.0;
}

void report_finish(rpt_report *r)
{
    memset(r->totals, 0, sizeof r->totals);
    for (size_t i = 0; i < r->n_rows; i++) {
        rpt_row *w = &r->rows[i];
        percent(w->met, w->missed, w->breached_open, &w->has_percent, &w->compliance_percent);
        w->has_times = w->n_times > 0;
        if (w->has_times) {
            qsort(w->times, w->n_times, sizeof *w->times, cmp_i64);
            w->median_s = nearest_rank(w->times, w->n_times, 50);
            w->p90_s = nearest_rank(w->times, w->n_times, 90);
            w->max_s = w->times[w->n_times - 1];
        }
        rpt_total *t = &r->totals[w->metric];
        t->met += w->met;
        t->missed += w->missed;
        t->breached_open += w->breached_open;
    }
    for (int m = 0; m < POL_METRIC_COUNT; m++) {
        rpt_total *t = &r->totals[m];
        percent(t->met, t->missed, t->breached_open, &t->has_percent, &t->compliance_percent);
    }
    /* Metric order, then the policy versions ascending, then each version's level order: the
     * order the tickets taken by id would have made them in, whatever order they came in. */
    qsort(r->rows, r->n_rows, sizeof *r->rows, cmp_row);
    r->seeded_p = NULL; /* the row map indexes the old order */
    qsort(r->breaches, r->n_breaches, sizeof *r->breaches, cmp_breach);
}
