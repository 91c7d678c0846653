/* list_model: the console's ticket list (see list_model.h). The list, filtered by text or level
 * or not, pages through the store's indexed ordering (query_search); only a state filter (a
 * state depends on the time) reads the text- and level-filtered ordering once per reload and
 * keeps the matches. The per-state counts are the whole list's (query_state_counts). */
#include "slatop/list_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "slatop/query.h"
#include "slatop/query_search.h"
#include "slatop/sla.h"

#define SCAN_BATCH 4096
#define RECOUNT_CHEAP_NS 20000000LL    /* 20 ms: counts this quick are re-read every second */
#define RECOUNT_SLOW_NS 10000000000LL  /* else every 10 s */

/* The list filter: a text filter and a level-or-state filter. */
typedef struct {
    char *text;  /* owned, NULL = none: matched case-insensitively against id, level, title,
                    customer, assignee, ref */
    char *level; /* owned, NULL = none: a level id */
    int state;   /* -1 = none, else an sla_state (of the row's next clock, ops_view_state) */
    lm_statuses statuses; /* which statuses list: resolved tickets leave the list unless asked */
} lm_filter;

struct list_model {
    st_ops *ops; /* borrowed */
    st_time now; /* of the last reload or retime */
    /* rows[] are the visible window [top, top + n_rows) of the ordering */
    query_sort sort;
    lm_filter filter;
    st_ticket *matches; /* owned, filtered mode only: every matching ticket in order */
    size_t n_matches;
    bool filtered;    /* a filter is in force (statuses other than the default included) */
    bool scan;        /* the filter needs a scan (text, level, state, resolved only) */
    int64_t total;    /* rows in the ordering (all open tickets, or the matches) */
    int64_t top, sel; /* absolute indices in the ordering */
    int page;         /* visible rows */
    query_page rows;
    int64_t count_state[SLA_STATE_COUNT]; /* per sla_state, over the whole (filtered) list */
    st_mono counted_at;                   /* when count_state was last read, and how long that */
    st_mono count_ns;                     /* took: lm_retime re-reads cheap counts every second */
    bool (*cancel)(void *ctx);            /* lm_set_cancel: asked during the reload's reads */
    void *cancel_ctx;
    /* The latest policy (borrowed from ops' cache, which keeps every version it loaded) and its
     * version, read at each reload (another engineer may apply one), not at each key or second:
     * ops_policy(0) reads the store. NULL when it cannot be read. */
    const st_policy *policy;
    int64_t policy_version;
};

list_model *lm_new(st_ops *ops)
{
    list_model *m = xcalloc(1, sizeof *m);
    m->ops = ops;
    m->filter.state = -1;
    m->sort = QUERY_SORT_URGENCY;
    return m;
}

static void free_matches(list_model *m)
{
    for (size_t i = 0; i < m->n_matches; i++)
        ticket_done(&m->matches[i]);
    free(m->matches);
    m->matches = NULL;
    m->n_matches = 0;
}

void lm_free(list_model *m)
{
    if (!m)
        return;
    query_page_done(&m->rows);
    free_matches(m);
    free(m->filter.text);
    free(m->filter.level);
    free(m);
}

static bool filter_on(const lm_filter *f)
{
    return f->text || f->level || f->state >= 0 || f->statuses != LM_STATUSES_OPEN;
}

/* Whether the ordering is read once and the matches kept rather than paged: a state filter (a
 * state moves with the time, no index holds it) and the lists with resolved tickets (the search
 * index orders and counts open tickets only). */
static bool filter_scans(const lm_filter *f)
{
    return f->state >= 0 || f->statuses != LM_STATUSES_OPEN;
}

static bool with_resolved(const lm_filter *f)
{
    return f->statuses != LM_STATUSES_OPEN;
}

static query_filter query_filter_of(const list_model *m)
{
    return (query_filter){.text = m->filter.text, .level = m->filter.level};
}

/* ASCII case-insensitive substring test (untrusted text may hold anything; bytes compared). */
static bool contains_ci(const char *hay, const char *needle)
{
    if (!hay)
        return false;
    size_t nl = strlen(needle);
    for (const char *h = hay; *h; h++) {
        size_t i = 0;
        while (i < nl && h[i]) {
            char a = h[i], b = needle[i];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z')
                b = (char)(b - 'A' + 'a');
            if (a != b)
                break;
            i++;
        }
        if (i == nl)
            return true;
    }
    return false;
}

/* The scan's test. Open tickets only come filtered by text and level from the store already
 * (query_search); with resolved ones the text is matched here, on the ticket's own fields. */
static bool ticket_matches(list_model *m, const st_ticket *t)
{
    const lm_filter *f = &m->filter;
    if (with_resolved(f)) {
        if (f->statuses == LM_STATUSES_RESOLVED && t->status != TK_RESOLVED)
            return false;
        if (f->level && strcmp(t->level, f->level) != 0)
            return false;
        if (f->text) {
            char id[32];
            snprintf(id, sizeof id, "%lld", (long long)t->id);
            if (!contains_ci(t->title, f->text) && !contains_ci(t->customer, f->text) &&
                !contains_ci(t->assignee, f->text) && !contains_ci(t->level, f->text) &&
                !contains_ci(t->ref, f->text) && strcmp(id, f->text) != 0)
                return false;
        }
    }
    if (f->state >= 0) {
        ops_view v;
        st_err e;
        if (ops_view_of(m->ops, t, m->now, &v, &e) != ST_OK)
            return false;
        bool ok = (int)ops_view_state(&v) == f->state;
        ops_view_done(&v);
        return ok;
    }
    return true;
}

/* A scan reads the ordering in batches and keeps the matches (linear: about a second per million
 * tickets read). */
static st_code load_matches(list_model *m, st_err *err)
{
    free_matches(m);
    size_t cap = 0;
    query_filter qf = query_filter_of(m);
    for (int64_t off = 0;; off += SCAN_BATCH) {
        st_ticket *batch = NULL;
        size_t n = 0;
        st_code rc;
        if (with_resolved(&m->filter)) {
            query_list_req q = {.include_resolved = true, .sort = m->sort, .offset = off, .limit = SCAN_BATCH};
            rc = query_tickets(m->ops, &q, &batch, &n, err);
        } else {
            rc = query_search(m->ops, &qf, m->sort, off, SCAN_BATCH, &batch, &n, err);
        }
        if (rc != ST_OK)
            return rc;
        for (size_t i = 0; i < n; i++) {
            if (ticket_matches(m, &batch[i])) {
                if (m->n_matches == cap) {
                    cap = cap ? cap * 2 : 64;
                    m->matches = xrealloc(m->matches, cap * sizeof *m->matches);
                }
                m->matches[m->n_matches++] = batch[i]; /* moved */
            } else {
                ticket_done(&batch[i]);
            }
        }
        free(batch);
        if (n < SCAN_BATCH)
            break;
    }
    return ST_OK;
}

static void clamp_window(list_model *m)
{
    int page = m->page > 0 ? m->page : 1;
    if (m->sel >= m->total)
        m->sel = m->total - 1;
    if (m->sel < 0)
        m->sel = 0;
    if (m->sel < m->top)
        m->top = m->sel;
    if (m->sel >= m->top + page)
        m->top = m->sel - page + 1;
    if (m->top > m->total - page)
        m->top = m->total - page;
    if (m->top < 0)
        m->top = 0;
}

static st_code load_window(list_model *m, st_err *err)
{
    if (m->total == 0 || m->page <= 0) {
        query_page_done(&m->rows);
        return ST_OK;
    }
    if (m->scan) {
        int64_t left = (int64_t)m->n_matches - m->top;
        size_t n = (size_t)(left < m->page ? (left > 0 ? left : 0) : m->page);
        query_page_done(&m->rows);
        return query_views_of(m->ops, m->matches + m->top, n, m->now, &m->rows, err);
    }
    query_filter qf = query_filter_of(m);
    st_ticket *ts = NULL;
    size_t n = 0;
    st_code rc = query_search(m->ops, &qf, m->sort, m->top, m->page, &ts, &n, err);
    if (rc != ST_OK)
        return rc; /* the old rows stay (a cancelled read is tried again) */
    query_page_done(&m->rows);
    rc = query_views_of(m->ops, ts, n, m->now, &m->rows, err);
    for (size_t i = 0; i < n; i++)
        ticket_done(&ts[i]);
    free(ts);
    return rc;
}

/* The whole list's counts at m->now, each row's next clock's state (ops_view_state): a state
 * filter's are its matches (all in that state when they were read); another scan's are counted
 * over its matches; otherwise the store's (query_state_counts, from indexes). */
static st_code count_states(list_model *m, st_err *err)
{
    st_mono t0 = mono_now();
    st_code rc = ST_OK;
    if (m->filter.state >= 0) {
        memset(m->count_state, 0, sizeof m->count_state);
        m->count_state[m->filter.state] = m->total;
    } else if (m->scan) {
        memset(m->count_state, 0, sizeof m->count_state);
        for (size_t i = 0; i < m->n_matches; i++) {
            ops_view v;
            st_err e;
            if (ops_view_of(m->ops, &m->matches[i], m->now, &v, &e) != ST_OK)
                continue; /* the list cannot show it either */
            int s = (int)ops_view_state(&v);
            if (s >= 0 && s < SLA_STATE_COUNT)
                m->count_state[s]++;
            ops_view_done(&v);
        }
    } else {
        query_filter qf = query_filter_of(m);
        rc = query_state_counts(m->ops, &qf, m->now, m->count_state, err);
    }
    m->counted_at = mono_now();
    m->count_ns = m->counted_at - t0;
    return rc;
}

void lm_set_cancel(list_model *m, bool (*cancel)(void *ctx), void *ctx)
{
    m->cancel = cancel;
    m->cancel_ctx = ctx;
}

void lm_set_page(list_model *m, int rows)
{
    m->page = rows;
}

st_code lm_reload(list_model *m, st_time now, st_err *err)
{
    st_code rc;
    const ops_view *was = lm_selected(m);
    int64_t keep_id = was ? was->t.id : 0; /* the selection follows its ticket when it moves */
    m->now = now;
    st_err pe;
    if (ops_policy(m->ops, 0, &m->policy, &m->policy_version, &pe) != ST_OK)
        m->policy = NULL; /* the list does not need it; the header says "?" */
    m->filtered = filter_on(&m->filter);
    m->scan = filter_scans(&m->filter);
    query_set_cancel(m->ops, m->cancel, m->cancel_ctx); /* a key that arrives abandons the reads */
    if (m->scan) {
        rc = load_matches(m, err);
        if (rc == ST_OK)
            m->total = (int64_t)m->n_matches;
    } else {
        free_matches(m);
        query_filter qf = query_filter_of(m);
        int64_t total = 0;
        rc = query_search_count(m->ops, &qf, &total, err);
        if (rc == ST_OK)
            m->total = total;
    }
    if (rc == ST_OK) {
        clamp_window(m);
        rc = load_window(m, err);
        for (size_t i = 0; keep_id && i < m->rows.n; i++)
            if (m->rows.rows[i].t.id == keep_id) {
                m->sel = m->top + (int64_t)i;
                break;
            }
    }
    if (rc == ST_OK)
        rc = count_states(m, err);
    query_set_cancel(m->ops, NULL, NULL);
    return rc;
}

void lm_retime(list_model *m, st_time now)
{
    m->now = now;
    for (size_t i = 0; i < m->rows.n; i++) {
        ops_view *v = &m->rows.rows[i];
        sla_input in = {.level = v->level_index,
                        .due = v->t.due,
                        .first_response = v->t.first_response,
                        .response_due = v->t.response_due};
        sla_timer_at(v->policy, &in, now, &v->timer);
        if (v->timer.state == SLA_BREACHED)
            v->breached_ever = true;
        ops_view_retime_next(v, now);
    }
    /* The counts move with the time too: re-read them each second while that is cheap (the
     * unfiltered list's are index ranges), else every RECOUNT_SLOW_NS. Never cancelled: no key
     * waits on a tick's few milliseconds, and the counts must not stay stale. */
    st_mono since = mono_now() - m->counted_at;
    if (m->count_ns < RECOUNT_CHEAP_NS || since >= RECOUNT_SLOW_NS) {
        st_err e;
        (void)count_states(m, &e); /* on an error the counts stay as they were */
    }
}

st_code lm_move_to(list_model *m, int64_t index, st_err *err)
{
    int64_t old_top = m->top;
    m->sel = index;
    clamp_window(m);
    st_code rc = ST_OK;
    if (m->top != old_top)
        rc = load_window(m, err);
    return rc;
}

st_code lm_move(list_model *m, int64_t delta, st_err *err)
{
    return lm_move_to(m, m->sel + delta, err);
}

bool lm_find(const list_model *m, int64_t id, int64_t *index)
{
    for (size_t i = 0; i < m->rows.n; i++)
        if (m->rows.rows[i].t.id == id) {
            *index = m->top + (int64_t)i;
            return true;
        }
    for (size_t i = 0; i < m->n_matches; i++)
        if (m->matches[i].id == id) {
            *index = (int64_t)i;
            return true;
        }
    return false;
}

/* A new ordering starts at its top: the old window's rows must not pull the selection back. */
static void restart(list_model *m)
{
    m->sel = m->top = 0;
    query_page_done(&m->rows);
}

void lm_set_filter_text(list_model *m, const char *text)
{
    char *copy = (text && *text) ? xstrdup(text) : NULL; /* text may be m->filter.text itself */
    free(m->filter.text);
    m->filter.text = copy;
    restart(m);
}

bool lm_set_filter_level_or_state(list_model *m, const char *what)
{
    static const char *const statuses[] = {"open", "all", "resolved"}; /* lm_statuses order */
    for (int k = 0; k < 3; k++)
        if (strcasecmp(what, statuses[k]) == 0) {
            m->filter.statuses = (lm_statuses)k;
            restart(m);
            return true;
        }
    const st_policy *p = m->policy;
    if (p) {
        for (size_t i = 0; i < p->n_levels; i++)
            if (strcasecmp(p->levels[i].id, what) == 0) {
                free(m->filter.level);
                m->filter.level = xstrdup(p->levels[i].id);
                m->filter.state = -1;
                restart(m);
                return true;
            }
    }
    for (int s = 0; s < SLA_STATE_COUNT; s++)
        if (strcasecmp(sla_state_name((sla_state)s), what) == 0) {
            free(m->filter.level);
            m->filter.level = NULL;
            m->filter.state = s;
            restart(m);
            return true;
        }
    return false;
}

void lm_clear_filter_level(list_model *m)
{
    free(m->filter.level);
    m->filter.level = NULL;
    m->filter.state = -1;
    m->filter.statuses = LM_STATUSES_OPEN;
    restart(m);
}

void lm_clear_filter(list_model *m)
{
    free(m->filter.text);
    m->filter.text = NULL;
    lm_clear_filter_level(m);
}

void lm_cycle_sort(list_model *m)
{
    m->sort = (query_sort)((m->sort + 1) % QUERY_SORT_COUNT);
    restart(m);
}

int lm_page(const list_model *m)
{
    return m->page;
}

int64_t lm_total(const list_model *m)
{
    return m->total;
}

int64_t lm_top(const list_model *m)
{
    return m->top;
}

int64_t lm_sel(const list_model *m)
{
    return m->sel;
}

size_t lm_n_rows(const list_model *m)
{
    return m->rows.n;
}

const ops_view *lm_row(const list_model *m, size_t i)
{
    return i < m->rows.n ? &m->rows.rows[i] : NULL;
}

const ops_view *lm_selected(const list_model *m)
{
    int64_t i = m->sel - m->top;
    if (m->total == 0 || i < 0 || i >= (int64_t)m->rows.n)
        return NULL;
    return &m->rows.rows[i];
}

int64_t lm_count(const list_model *m, int s)
{
    return s >= 0 && s < SLA_STATE_COUNT ? m->count_state[s] : 0;
}

bool lm_filtered(const list_model *m)
{
    return m->filtered;
}

const char *lm_filter_text(const list_model *m)
{
    return m->filter.text;
}

const char *lm_filter_level(const list_model *m)
{
    return m->filter.level;
}

int lm_filter_state(const list_model *m)
{
    return m->filter.state;
}

lm_statuses lm_filter_statuses(const list_model *m)
{
    return m->filter.statuses;
}

const char *lm_sort_name(const list_model *m)
{
    return query_sort_name(m->sort);
}

const st_policy *lm_policy(const list_model *m)
{
    return m->policy;
}

int64_t lm_policy_version(const list_model *m)
{
    return m->policy_version;
}
