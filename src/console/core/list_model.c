/* list_model: the console's ticket list (see list_model.h). The list, filtered by text or level
 * or not, pages through the store's indexed ordering (query_search); only a scan (a state filter:
 * a state depends on the time; resolved tickets listed; or a text whose page missed its budget)
 * reads the ordering once per reload, in slices between ticks, and keeps the matches' ids alone
 * (id_list: ~4 bytes a match), the window's tickets read by id when it moves (SPEC §11: constant
 * memory whatever the list). The per-state counts are the whole list's (query_state_counts, or
 * tallied as a scan reads). */
#include "slatop/list_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "slatop/id_list.h"
#include "slatop/query.h"
#include "slatop/query_search.h"
#include "slatop/sla.h"

#define SCAN_BATCH 4096
#define JOB_BATCH 64                   /* rows per cursor read in lm_work: a read of a sparse match
                                          (a word in one body in eight) stays within a slice */
#define FIRST_SLICE_NS 30000000LL      /* 30 ms of a new job run by lm_reload: a search with few
                                          matches is counted before its first screen */
#define SMALL_LIST 10000               /* up to this many open tickets a job runs whole in lm_reload:
                                          a small list is exact at once, whatever the machine */
#define FIRST_COUNT_NS 1000000LL       /* 1 ms for a large list's counts from the indexes before its
                                          first screen (SPEC §11's first paint: <= 2x the query's) */
#define PAGE_BUDGET_NS 70000000LL      /* 70 ms for a text search's page, from the reload's start
                                          (its count's first slice included), past which its matches
                                          are read by a scan between ticks: the screen within SPEC
                                          §11's 100 ms, the scan's start and drawing included */
enum { JOB_NONE, JOB_COUNT, JOB_MATCHES };
#define RECOUNT_CHEAP_NS 20000000LL    /* 20 ms: counts this quick are re-read every second */
#define RECOUNT_SLOW_NS 10000000000LL  /* else every 10 s */
#define SCAN_RECOUNT_NS 1000000000LL  /* counts slower than 1 s (rows no index range decides) are
                                          recounted by a cursor over the list instead */
#define RECOUNT_SHARE 4                /* and at most a fifth of the time: the next starts no sooner
                                          than 4x the last one's run after it (idle CPU at 1,000,000) */

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
    id_list ids;      /* owned, a scan only: every match's id, in order */
    bool filtered;    /* a filter is in force (statuses other than the default included) */
    bool scan;        /* the filter needs a scan (text, level, state, resolved only) */
    int64_t total;    /* rows in the ordering (all open tickets, or the matches) */
    int64_t top, sel; /* absolute indices in the ordering */
    int page;         /* visible rows */
    query_page rows;
    int64_t count_state[SLA_STATE_COUNT]; /* per sla_state, over the whole (filtered) list */
    st_mono counted_at;                   /* when count_state was last read, and how long that */
    st_mono count_ns;                     /* took: lm_retime re-reads cheap counts every second */
    bool keep_counts;                     /* lm_cycle_sort: the next reload's counts are the same */
    bool recount_due;                     /* lm_retime: lm_work counts again, after the screen */
    int64_t small_list, first_slice_ns;   /* lm_set_slicing */
    int64_t count_budget_ns;              /* lm_set_count_budget */
    int64_t page_budget_ns;               /* lm_set_page_budget */
    bool total_known;                     /* false while a text search's count runs (lm_work) */
    bool counts_partial;                  /* the counts are a job's tally so far (lm_counts_partial) */
    st_mono recount_every;                /* how long the counts stand before lm_work recounts */
    /* Background work (lm_work): a text search's count and per-state counts, a scan's matches
     * (their ids into m->ids, their counts tallied as they are read) or a scan's recount, read
     * through a cursor a slice at a time between ticks (SPEC §11), never in one read that would
     * hold the countdowns. */
    struct {
        int kind; /* JOB_* */
        query_cursor *cur;
        st_time now;
        int64_t total, counts[SLA_STATE_COUNT];
        st_mono started; /* for the recount's period */
    } job;
    bool (*cancel)(void *ctx);            /* lm_set_cancel: asked during the reload's reads */
    void *cancel_ctx;
    /* A text search whose page missed its budget (page_budget_ns): its matches are read by a scan
     * (JOB_MATCHES) between ticks, as a state filter's, until the filter or the sort changes. */
    bool text_scan;
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
    m->small_list = SMALL_LIST;
    m->first_slice_ns = FIRST_SLICE_NS;
    m->recount_every = RECOUNT_SLOW_NS;
    m->count_budget_ns = FIRST_COUNT_NS;
    m->page_budget_ns = PAGE_BUDGET_NS;
    return m;
}

/* A free of the ids' chunks: instant whatever the list (no ticket is kept). */
static void free_matches(list_model *m)
{
    id_list_clear(&m->ids);
}

void lm_free(list_model *m)
{
    if (!m)
        return;
    query_cursor_close(m->job.cur);
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
 * index orders and counts open tickets only). A text whose page missed its budget scans too
 * (text_scan: the model's, not the filter's). */
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

/* The scan's test at now; *state: t's state then (its next clock's, as the list shows it), -1
 * when the list cannot show it (its level not in its policy version: it counts nowhere). Open
 * tickets only come filtered by text and level from the store already (query_search); with
 * resolved ones the text is matched here, on the ticket's own fields. */
static bool ticket_matches(list_model *m, const st_ticket *t, st_time now, int *state)
{
    *state = -1;
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
    sla_state s;
    st_err e;
    if (ops_state_of(m->ops, t, now, &s, &e) == ST_OK && (unsigned)s < SLA_STATE_COUNT)
        *state = (int)s;
    return f->state < 0 || *state == f->state;
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

/* A read with a budget (count_bounded's counts, a text's page): its cancel is the one the read had
 * without the budget (a key waiting, or none) or the budget spent. */
typedef struct {
    bool (*outer)(void *ctx);
    void *outer_ctx;
    st_mono deadline;
    bool expired;
} read_budget;

static bool cancel_or_expired(void *ctx)
{
    read_budget *b = ctx;
    if (b->outer && b->outer(b->outer_ctx))
        return true;
    if (mono_now() >= b->deadline)
        b->expired = true;
    return b->expired;
}

static st_code start_text_scan(list_model *m, st_err *err);

/* Reads the window's rows. A text's page is read by page_by (0: within page_budget_ns from now);
 * keys: a key abandons the read (lm_reload's reads), else nothing does. */
static st_code load_window(list_model *m, st_mono page_by, bool keys, st_err *err)
{
    if (m->total == 0 || m->page <= 0) {
        query_page_done(&m->rows);
        return ST_OK;
    }
    st_ticket *ts = NULL;
    size_t n = 0;
    st_code rc;
    if (m->scan) { /* the window's ids, read as the store has them now (a vanished one skipped) */
        int64_t *ids = xmalloc((size_t)m->page * sizeof *ids);
        size_t k = id_list_read(&m->ids, m->top, ids, (size_t)m->page);
        rc = query_tickets_by_id(m->ops, ids, k, &ts, &n, err);
        free(ids);
    } else {
        query_filter qf = query_filter_of(m);
        /* A text's page has page_budget_ns where the store can abandon a read that soon: a text the
         * indexes cannot narrow in the list's order (a rare two-letter one, a level's name under
         * the urgency sort) walked the order in this read, the countdowns held (40 s for "zq" at
         * 1,000,000). Past the budget its matches are read by a scan between ticks. */
        if (m->filter.text && m->page_budget_ns <= 0)
            return start_text_scan(m, err);
        read_budget b = {.outer = keys ? m->cancel : NULL, .outer_ctx = keys ? m->cancel_ctx : NULL,
                         .deadline = page_by ? page_by : mono_now() + m->page_budget_ns};
        bool tried = m->filter.text && query_abandon_ns(m->ops) < m->page_budget_ns;
        bool bounded = tried && query_set_cancel(m->ops, cancel_or_expired, &b);
        rc = query_search(m->ops, &qf, m->sort, m->top, m->page, &ts, &n, err);
        if (tried) /* the cancel the read had without its budget */
            query_set_cancel(m->ops, b.outer, b.outer_ctx);
        if (rc == ST_BUSY && bounded && b.expired) /* abandoned for the budget, not a key or a fault */
            return start_text_scan(m, err);
    }
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
 * filter's are its matches (all in that state when they were read); another scan's are tallied
 * by its job as it reads and recounted by a job (recount), never here; an unfiltered or
 * level-filtered list's are the store's (query_state_counts, from indexes). A text search's come
 * from its count (lm_work). */
static st_code count_states(list_model *m, st_err *err)
{
    st_mono t0 = mono_now();
    st_code rc = ST_OK;
    if (m->filter.state >= 0) {
        memset(m->count_state, 0, sizeof m->count_state);
        m->count_state[m->filter.state] = m->total;
    } else if (m->scan) {
        return ST_OK;
    } else {
        query_filter qf = query_filter_of(m);
        rc = query_state_counts(m->ops, &qf, m->now, m->count_state, err);
    }
    m->counted_at = mono_now();
    m->count_ns = m->counted_at - t0;
    return rc;
}

/* ---- background work ------------------------------------------------------------------------ */

static void job_stop(list_model *m)
{
    query_cursor_close(m->job.cur);
    m->job.cur = NULL;
    m->job.kind = JOB_NONE;
}

/* Opens the job's cursor at m->now: a search's count reads the matches in the cheapest order; a
 * scan (and its recount) reads the ordering (every ticket when resolved ones list), its matches'
 * ids into m->ids, emptied here. */
static st_code job_start(list_model *m, int kind, st_err *err)
{
    job_stop(m);
    query_filter qf = query_filter_of(m);
    bool all = m->scan && with_resolved(&m->filter);
    query_cursor *c = NULL;
    st_code rc = query_cursor_open(m->ops, all ? NULL : &qf, m->sort, kind == JOB_COUNT, all, &c, err);
    if (rc != ST_OK)
        return rc;
    m->job.kind = kind;
    m->job.cur = c;
    m->job.now = m->now;
    m->job.started = mono_now();
    m->job.total = 0;
    memset(m->job.counts, 0, sizeof m->job.counts);
    if (kind == JOB_MATCHES)
        free_matches(m);
    return ST_OK;
}

/* A text search's page missed its budget: the list becomes a scan from here (its matches' ids read
 * in order by a job between ticks, its counts tallied as they are read), the window at the top and
 * empty until lm_work has read its first matches. */
static st_code start_text_scan(list_model *m, st_err *err)
{
    m->text_scan = m->scan = true;
    m->sel = m->top = 0; /* the scan reads from the top: a window deep in the list would follow it */
    m->total = 0;
    m->total_known = false;
    query_page_done(&m->rows);
    st_code rc = job_start(m, JOB_MATCHES, err);
    if (rc == ST_OK) {
        memset(m->count_state, 0, sizeof m->count_state);
        m->counts_partial = true;
    }
    return rc;
}

/* The total while a text search's count runs: at least the rows seen, in the window and by the
 * count so far. */
static void provisional_total(list_model *m)
{
    int64_t seen = m->top + (int64_t)m->rows.n + (m->page > 0 && m->rows.n == (size_t)m->page ? 1 : 0);
    if (m->total < seen)
        m->total = seen;
    if (m->total < m->job.total)
        m->total = m->job.total;
}

/* One cursor read of the job: a search's count tallies the rows (at the job's now); a scan tests
 * them, tallies its matches and keeps their ids (a recount only tallies). No ticket is kept.
 * *done when the cursor is at its end. */
static st_code job_step(list_model *m, bool *done, st_err *err)
{
    st_ticket batch[JOB_BATCH];
    size_t n = 0;
    st_code rc = query_cursor_next(m->job.cur, batch, JOB_BATCH, &n, done, err);
    if (rc != ST_OK)
        return rc;
    if (!m->scan) {
        m->job.total += (int64_t)n;
        query_state_tally(m->ops, batch, n, m->job.now, m->job.counts);
    } else {
        for (size_t i = 0; i < n; i++) {
            int s;
            if (!ticket_matches(m, &batch[i], m->job.now, &s))
                continue;
            m->job.total++;
            if (s >= 0)
                m->job.counts[s]++;
            if (m->job.kind == JOB_MATCHES)
                id_list_push(&m->ids, batch[i].id);
        }
    }
    for (size_t i = 0; i < n; i++)
        ticket_done(&batch[i]);
    return ST_OK;
}

/* A job's counts are done: the next recount starts no sooner than RECOUNT_SHARE times its run. */
static void counted_by_job(list_model *m)
{
    m->counted_at = mono_now();
    st_mono took = m->counted_at - m->job.started;
    m->recount_every = took * RECOUNT_SHARE > RECOUNT_SLOW_NS ? took * RECOUNT_SHARE : RECOUNT_SLOW_NS;
}

/* Publishes what the job has: the total (final once *done) and the counts (a scan's so far, never
 * the old list's; a count's when done). A scan's total is its ids, which a recount leaves alone. */
static void job_publish(list_model *m, bool done)
{
    if (m->job.kind == JOB_MATCHES) {
        m->total = m->ids.n;
        m->total_known = done;
        memcpy(m->count_state, m->job.counts, sizeof m->count_state);
        m->counts_partial = !done;
        if (done) { /* a state filter's are its total (count_states, in the tick); the others' are
                       recounted by a cursor job */
            counted_by_job(m);
            m->count_ns = m->filter.state >= 0 ? 0 : RECOUNT_SLOW_NS;
        }
    } else if (done) {
        if (!m->scan)
            m->total = m->job.total;
        m->total_known = true;
        m->counts_partial = false;
        memcpy(m->count_state, m->job.counts, sizeof m->count_state);
        counted_by_job(m);
        m->count_ns = RECOUNT_SLOW_NS; /* a count is recounted in the background */
    } else if (!m->total_known || m->counts_partial) { /* a new list: its counts so far, never the old's */
        if (!m->total_known)
            provisional_total(m);
        memcpy(m->count_state, m->job.counts, sizeof m->count_state);
    }
    if (done)
        job_stop(m);
}

/* Runs the job for about budget_ns (0: to its end). *grew: the matches reached rows the window was
 * missing. A write in between ends the cursor (ST_BUSY): the job starts again on the data as
 * written. */
static st_code job_run(list_model *m, int64_t budget_ns, bool *grew, st_err *err)
{
    *grew = false;
    st_mono end = mono_now() + budget_ns;
    int64_t had = m->ids.n;
    bool done = false, restarted = false;
    st_code rc = ST_OK;
    /* its slices are short by themselves: a key waits at most one of them */
    query_set_cancel(m->ops, NULL, NULL);
    while (m->job.kind != JOB_NONE && !done && rc == ST_OK) {
        rc = job_step(m, &done, err);
        if (rc == ST_BUSY && !restarted) { /* interrupted by a write: read the new data */
            restarted = true;
            rc = job_start(m, m->job.kind, err);
        }
        if (budget_ns > 0 && mono_now() >= end)
            break;
    }
    if (rc != ST_OK) {
        job_stop(m);
        return rc;
    }
    if (m->job.kind != JOB_NONE)
        job_publish(m, done);
    *grew = m->ids.n > had && had < m->top + m->page;
    return ST_OK;
}

/* A large list's counts read anew (its first screen, a new level filter): from the indexes when
 * that takes under budget_ns, else by a count job between ticks, the first screen drawn at once
 * with the tally so far (lm_counts_partial). Some hours need the rows of business clocks near
 * their warning re-timed one by one: 1.8 s at 1,000,000 open tickets. */
static st_code count_bounded(list_model *m, int64_t budget_ns, st_err *err)
{
    read_budget b = {.outer = m->cancel, .outer_ctx = m->cancel_ctx, .deadline = mono_now() + budget_ns,
                     .expired = budget_ns <= 0};
    /* a store whose reads cannot be abandoned, or not within the budget (PostgreSQL's cancel is a
     * connection of its own), counts by the job */
    if (!b.expired && (budget_ns < query_abandon_ns(m->ops) || !query_set_cancel(m->ops, cancel_or_expired, &b)))
        b.expired = true;
    if (!b.expired) {
        st_code rc = count_states(m, err);
        query_set_cancel(m->ops, m->cancel, m->cancel_ctx);
        if (rc == ST_OK || !b.expired)
            return rc;
    }
    memset(m->count_state, 0, sizeof m->count_state);
    st_code rc = job_start(m, JOB_COUNT, err);
    m->counts_partial = rc == ST_OK;
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

st_code lm_fill_page(list_model *m, st_err *err)
{
    clamp_window(m);
    st_code rc = load_window(m, 0, false, err);
    if (rc == ST_OK && !m->total_known && !m->scan)
        provisional_total(m);
    return rc;
}

st_code lm_reload(list_model *m, st_time now, st_err *err)
{
    st_mono page_by = mono_now() + m->page_budget_ns; /* a text's page: its count's first slice included */
    st_code rc = ST_OK;
    const ops_view *was = lm_selected(m);
    int64_t keep_id = was ? was->t.id : 0; /* the selection follows its ticket when it moves */
    m->now = now;
    st_err pe;
    if (ops_policy(m->ops, 0, &m->policy, &m->policy_version, &pe) != ST_OK)
        m->policy = NULL; /* the list does not need it; the header says "?" */
    /* a new sort of the same list: its total and counts stand (a count of the breached range
     * at 1,000,000 tickets is most of a sort key's time) */
    bool keep = m->keep_counts && m->total_known && m->job.kind == JOB_NONE;
    /* the same list again (another engineer's change) whose counts took long: counted between ticks */
    bool slow_counts = m->total_known && m->count_ns >= SCAN_RECOUNT_NS;
    m->keep_counts = false;
    m->filtered = filter_on(&m->filter);
    m->scan = filter_scans(&m->filter) || m->text_scan;
    query_set_cancel(m->ops, m->cancel, m->cancel_ctx); /* a key that arrives abandons the reads */
    bool grew;
    int64_t open = -1; /* from the counts table: no scan (the unfiltered list's total too) */
    st_err ce;
    if (query_search_count(m->ops, NULL, &open, &ce) != ST_OK)
        open = -1;
    int64_t first = open >= 0 && open <= m->small_list ? 0 : m->first_slice_ns;
    if (first == 0)
        page_by = 0; /* a small list's count runs whole first: its page has a budget of its own */
    if (m->scan) { /* the matches are read between ticks, the first of them now */
        rc = job_start(m, JOB_MATCHES, err);
        if (rc == ST_OK)
            rc = job_run(m, first, &grew, err);
        int64_t at;
        if (rc == ST_OK && keep_id && id_list_find(&m->ids, keep_id, &at))
            m->sel = at; /* wherever it moved among the matches read so far */
    } else if (m->filter.text) { /* the page now, the count between ticks */
        free_matches(m);
        if (!keep) {
            m->total_known = false;
            rc = job_start(m, JOB_COUNT, err);
            if (rc == ST_OK)
                rc = job_run(m, first, &grew, err);
        }
    } else {
        job_stop(m);
        free_matches(m);
        query_filter qf = query_filter_of(m);
        int64_t total = open;
        if (!keep && (m->filter.level || open < 0))
            rc = query_search_count(m->ops, &qf, &total, err);
        if (rc == ST_OK && !keep) {
            m->total = total;
            m->total_known = true;
        }
    }
    query_set_cancel(m->ops, m->cancel, m->cancel_ctx);
    if (rc == ST_OK) {
        clamp_window(m);
        rc = load_window(m, page_by, true, err);
        if (!m->total_known && !m->scan)
            provisional_total(m);
        for (size_t i = 0; keep_id && i < m->rows.n; i++)
            if (m->rows.rows[i].t.id == keep_id) {
                m->sel = m->top + (int64_t)i;
                break;
            }
    }
    if (rc == ST_OK && !keep && !m->scan && !m->filter.text) {
        if (slow_counts) /* the old counts stand until lm_work has new ones */
            rc = job_start(m, JOB_COUNT, err);
        else if (open > m->small_list)
            rc = count_bounded(m, m->count_budget_ns, err);
        else
            rc = count_states(m, err);
    }
    query_set_cancel(m->ops, NULL, NULL);
    return rc;
}

/* lm_retime's recount: a search's, a scan's (but a state filter's, its total) and counts too slow
 * for the indexes by a cursor job; the others now, abandoned when a key arrives (lm_set_cancel)
 * and tried again on the next call. */
static st_code recount(list_model *m, bool *changed, st_err *err)
{
    if (m->scan ? m->filter.state < 0 : (m->filter.text || m->count_ns >= SCAN_RECOUNT_NS)) {
        m->recount_due = false;
        m->counted_at = mono_now(); /* a failed start is not retried before the next period */
        return job_start(m, JOB_COUNT, err);
    }
    int64_t was[SLA_STATE_COUNT];
    memcpy(was, m->count_state, sizeof was);
    query_set_cancel(m->ops, m->cancel, m->cancel_ctx);
    st_err e;
    st_code rc = count_states(m, &e);
    query_set_cancel(m->ops, NULL, NULL);
    if (rc == ST_BUSY)
        return ST_OK; /* a key came first: counted on a later call */
    m->recount_due = false;
    *changed = memcmp(was, m->count_state, sizeof was) != 0;
    if (rc != ST_OK)
        *err = e;
    return rc;
}

st_code lm_work(list_model *m, int64_t budget_ns, bool *more, bool *changed, st_err *err)
{
    *changed = false;
    *more = false;
    if (m->job.kind == JOB_NONE && m->recount_due)
        return recount(m, changed, err);
    if (m->job.kind == JOB_NONE)
        return ST_OK;
    bool had_total = m->total_known;
    int64_t total = m->total, counts[SLA_STATE_COUNT];
    memcpy(counts, m->count_state, sizeof counts);
    bool grew;
    st_code rc = job_run(m, budget_ns, &grew, err);
    if (rc == ST_OK && grew) {
        clamp_window(m);
        rc = load_window(m, 0, false, err);
    }
    *more = m->job.kind != JOB_NONE;
    *changed = grew || had_total != m->total_known || total != m->total ||
               memcmp(counts, m->count_state, sizeof counts) != 0;
    return rc;
}

void lm_set_slicing(list_model *m, int64_t small_list, int64_t first_slice_ns)
{
    m->small_list = small_list;
    m->first_slice_ns = first_slice_ns;
}

void lm_set_page_budget(list_model *m, int64_t budget_ns)
{
    m->page_budget_ns = budget_ns;
}

void lm_set_count_budget(list_model *m, int64_t budget_ns)
{
    m->count_budget_ns = budget_ns;
}

bool lm_counting(const list_model *m)
{
    return !m->total_known;
}

bool lm_counts_partial(const list_model *m)
{
    return m->counts_partial || (!m->total_known && m->job.kind == JOB_COUNT);
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
    /* The counts move with the time too: re-read them in the tick while that is cheap (the
     * unfiltered list's are index ranges: the rows and counts drawn agree), else every
     * RECOUNT_SLOW_NS by lm_work after the tick is drawn (a slow count never delays the tick),
     * the old ones shown meanwhile. */
    if (m->job.kind != JOB_NONE)
        return;
    /* every row of the list is in the window (a team's usual day): its counts are its rows'
     * states, just re-timed, with no read each second (idle_cpu) */
    if (!m->scan && !m->filter.text && m->total_known && m->top == 0 && (int64_t)m->rows.n == m->total) {
        memset(m->count_state, 0, sizeof m->count_state);
        for (size_t i = 0; i < m->rows.n; i++) {
            sla_state st = ops_view_state(&m->rows.rows[i]);
            if ((unsigned)st < SLA_STATE_COUNT)
                m->count_state[st]++;
        }
        m->counts_partial = false;
        return;
    }
    st_mono since = mono_now() - m->counted_at;
    if (m->count_ns < RECOUNT_CHEAP_NS && !m->filter.text) {
        st_err e;
        (void)count_states(m, &e); /* on an error the counts stay as they were */
    } else if (since >= m->recount_every) {
        m->recount_due = true; /* lm_work does it once the tick is on the screen */
    }
}

st_code lm_move_to(list_model *m, int64_t index, st_err *err)
{
    int64_t old_top = m->top;
    m->sel = index;
    clamp_window(m);
    st_code rc = ST_OK;
    if (m->top != old_top)
        rc = load_window(m, 0, false, err);
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
    return m->scan && id_list_find(&m->ids, id, index);
}

/* A new ordering starts at its top: the old window's rows must not pull the selection back. */
static void restart(list_model *m)
{
    m->text_scan = false; /* a new filter or sort: its page is tried again */
    m->sel = m->top = 0;
    m->total = 0;
    m->total_known = false;
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
    int64_t total = m->total;
    bool known = m->total_known;
    m->sort = (query_sort)((m->sort + 1) % QUERY_SORT_COUNT);
    restart(m);
    m->total = total; /* the same tickets in another order */
    m->total_known = known;
    m->keep_counts = true;
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
