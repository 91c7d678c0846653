/* list_model: the console's ticket list as an opaque model: the ordering (sort), the filter, the
 * selection, the window of rows in view with their timers, the per-state counts and the policy in
 * force. Views and the status bars read it through these functions; the event loop reloads it.
 * Reads go through query.h; curses-free and store-free. */
#ifndef SLATOP_LIST_MODEL_H
#define SLATOP_LIST_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slatop/ops.h"
#include "slatop/policy.h"
#include "slatop/util.h"

typedef struct list_model list_model; /* opaque */

/* Which statuses the list holds (SPEC §8: resolved tickets leave the list unless the f filter
 * asks for them): unresolved ones (the default), every one, or the resolved ones only. */
typedef enum { LM_STATUSES_OPEN, LM_STATUSES_ALL, LM_STATUSES_RESOLVED } lm_statuses;

/* ops is borrowed and must outlive the model. The list starts empty, sorted by urgency, unfiltered,
 * with a page of 0 rows (lm_set_page). Caller owns the result (lm_free). */
list_model *lm_new(st_ops *ops);
void lm_free(list_model *m);

/* ---- what the loop does ---- */

/* The rows that fit the list's window (the window's height less its header row). */
void lm_set_page(list_model *m, int rows);
/* Reads the rows of the window lm_set_page sized, the ordering and the counts as the last reload
 * left them (the first screen: its size is known only after the first reload). Errors: the
 * store's (the window stays as it was). */
st_code lm_fill_page(list_model *m, st_err *err);
/* Reads the latest policy, the ordering (every match, when filtered) and the window in view, at
 * now; the selection follows its ticket when it moves. Errors: the store's (the model keeps what
 * it could load). */
st_code lm_reload(list_model *m, st_time now, st_err *err);
/* Recomputes every row's timer at now (once a second) and re-reads the per-state counts when
 * that is cheap (else every 10 s). */
void lm_retime(list_model *m, st_time now);
/* Runs the list's background work for about budget_ns: a text search's count and per-state
 * counts, a scan's matches (a state filter, or resolved tickets listed: only their ids are kept,
 * the window read by id) or its recount (SPEC §11: read in slices between ticks, never in one
 * read that holds the countdowns). *more while some is left; *changed when what the views
 * show moved (the total, the counts, the window's rows). Errors: the store's (the work stops, the
 * model keeps what it had). */
st_code lm_work(list_model *m, int64_t budget_ns, bool *more, bool *changed, st_err *err);
/* Up to small_list open tickets (default 10,000) a reload runs that work whole; above, it runs
 * first_slice_ns of it (default 30 ms: a search with few matches is counted before its first
 * screen) and leaves the rest to lm_work. Tests lower both to see the slices on a small list. */
void lm_set_slicing(list_model *m, int64_t small_list, int64_t first_slice_ns);
/* A list above small_list reads its counts from the indexes before its screen only when that
 * takes under budget_ns (default 1 ms), else counts them with lm_work (lm_counts_partial until
 * done). 0: always with lm_work (tests). */
void lm_set_count_budget(list_model *m, int64_t budget_ns);
/* A text search's page is read before its screen only when that takes under budget_ns (default
 * 70 ms, counted from lm_reload's start on a large list) on a store that can abandon a read that
 * soon; past it the list reads its matches in order with lm_work, as a state filter's (the window
 * fills as they come, from the top), until the filter or the sort changes. 0: always with lm_work
 * (tests). */
void lm_set_page_budget(list_model *m, int64_t budget_ns);
/* True while the total (and the counts) are still being counted (lm_work): lm_total is then the
 * rows seen so far, a lower bound. */
bool lm_counting(const list_model *m);
/* True while lm_count's figures are a count's tally so far (a new search's, or a large list's
 * whose counts the indexes could not give before its first screen): each is then a lower bound. */
bool lm_counts_partial(const list_model *m);
/* While lm_reload reads, cancel(ctx) is asked now and then; when it says true (a key is
 * waiting) the reads stop and lm_reload returns ST_BUSY, the model keeping what it had; the
 * caller reloads again later. NULL: never. */
void lm_set_cancel(list_model *m, bool (*cancel)(void *ctx), void *ctx);

/* ---- what the views do ---- */

/* Moves the selection to `index` of the ordering (clamped), or by delta rows, loading the window
 * when it scrolls. Errors: loading the window. */
st_code lm_move_to(list_model *m, int64_t index, st_err *err);
st_code lm_move(list_model *m, int64_t delta, st_err *err);
/* The index of ticket `id` in the ordering when it is in the loaded part (the window, or every
 * match of a scan read so far: their ids); false otherwise (the ordering is paged: no scan). */
bool lm_find(const list_model *m, int64_t id, int64_t *index);
/* Filter and sort changes start the new ordering at its top; the caller reloads (lm_reload). */
void lm_set_filter_text(list_model *m, const char *text); /* NULL or "" clears the text filter */
/* A level id (of the latest policy), a state name (of the rows' next clocks), or which statuses
 * list: "all" (resolved tickets too), "resolved" (only them), "open" (the default); false when
 * `what` is none of these (nothing changes). */
bool lm_set_filter_level_or_state(list_model *m, const char *what);
void lm_clear_filter_level(list_model *m); /* the level-or-state filter and the statuses only */
void lm_clear_filter(list_model *m);       /* every filter */
void lm_cycle_sort(list_model *m);

/* ---- reading ---- */

int lm_page(const list_model *m);
int64_t lm_total(const list_model *m); /* rows in the ordering (open tickets, or the matches) */
int64_t lm_top(const list_model *m);   /* the window's first row, an index in the ordering */
int64_t lm_sel(const list_model *m);   /* the selection, an index in the ordering */
size_t lm_n_rows(const list_model *m); /* rows loaded in the window */
/* Row i of the window (i < lm_n_rows). Borrowed until the next reload, move or retime. */
const ops_view *lm_row(const list_model *m, size_t i);
/* The selected row, NULL when the list is empty. Borrowed as lm_row. */
const ops_view *lm_selected(const list_model *m);
/* Open tickets of the whole (filtered) list in sla_state s, as of the last reload or retime. */
int64_t lm_count(const list_model *m, int s);
bool lm_filtered(const list_model *m);            /* a filter was in force at the last reload */
const char *lm_filter_text(const list_model *m);  /* NULL: none. Borrowed */
const char *lm_filter_level(const list_model *m); /* NULL: none. Borrowed */
int lm_filter_state(const list_model *m);         /* -1: none, else an sla_state */
lm_statuses lm_filter_statuses(const list_model *m);
const char *lm_sort_name(const list_model *m);    /* static */
/* The latest policy as of the last reload (borrowed from the ops' cache), NULL when it could not
 * be read, and its version. */
const st_policy *lm_policy(const list_model *m);
int64_t lm_policy_version(const list_model *m);

#endif
