/* query_search: the ticket list's search, filters and per-state counts for the whole (filtered)
 * list, read through the store's indexes (store_search.h) rather than by scanning (SPEC §11). */
#ifndef SLATOP_QUERY_SEARCH_H
#define SLATOP_QUERY_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slatop/model.h"
#include "slatop/ops.h"
#include "slatop/query.h"
#include "slatop/sla.h"
#include "slatop/util.h"

/* The list's filter over open tickets; strings borrowed, NULL = none. text: the ticket's id, or a
 * substring (ASCII case-insensitive) of its title, customer, assignee, level, ref or a message
 * body. level: a level id. */
typedef struct {
    const char *text;
    const char *level;
} query_filter;

/* Open tickets matching f in sort's order, rows [offset, offset + limit) (limit 0: all), as
 * stored. Caller owns *out (ticket_done each, then free). */
st_code query_search(st_ops *o, const query_filter *f, query_sort sort, int64_t offset, int64_t limit,
                     st_ticket **out, size_t *n, st_err *err);
/* How many open tickets match f. */
st_code query_search_count(st_ops *o, const query_filter *f, int64_t *n, st_err *err);
/* counts[s]: open tickets matching f whose timer is in state s at now, over the whole list.
 * Without a text, from the store's per-level counts and index ranges of due (time grows with the
 * breached and warn tickets, never with the list); with one, one pass over the matches. A
 * ticket whose level is not in its policy version counts nowhere (the list cannot show it).
 * On error counts[] is left as it was. */
st_code query_state_counts(st_ops *o, const query_filter *f, st_time now, int64_t counts[SLA_STATE_COUNT],
                           st_err *err);
/* A cursor over the matches of f (open tickets), or with all every ticket, resolved ones too,
 * unfiltered (f NULL), read a few rows at a time between ticks (store_search.h's cursor): in sort's
 * order, or with any_order in the cheapest (a count's). Caller owns *out (query_cursor_close,
 * before the ops). */
typedef struct query_cursor query_cursor;
st_code query_cursor_open(st_ops *o, const query_filter *f, query_sort sort, bool any_order, bool all,
                          query_cursor **out, st_err *err);
/* Up to max rows into out[0..*n) (caller owns each: ticket_done); *done once all are read. A
 * write on the same store in between ends a cursor: its next read fails with ST_BUSY. */
st_code query_cursor_next(query_cursor *c, st_ticket *out, size_t max, size_t *n, bool *done, st_err *err);
void query_cursor_close(query_cursor *c);
/* Adds the state at now of each of ts[0..n) (its next clock's, as the list shows it) to counts;
 * a ticket the list cannot show (its level not in its policy version) counts nowhere. */
void query_state_tally(st_ops *o, const st_ticket *ts, size_t n, st_time now, int64_t counts[SLA_STATE_COUNT]);

/* The tickets of ids[0..n) (distinct) as stored now, in ids' order, an id no ticket has any more
 * skipped (store_tickets_by_id: one batched read). Caller owns *out (ticket_done each, then free). */
st_code query_tickets_by_id(st_ops *o, const int64_t *ids, size_t n, st_ticket **out, size_t *n_out,
                            st_err *err);

/* Reads after this ask cancel(ctx) now and then and stop with ST_BUSY when it says true (see
 * store_set_cancel); NULL clears it. Set it around reads only. False when the store's reads
 * cannot be abandoned. */
bool query_set_cancel(st_ops *o, bool (*cancel)(void *ctx), void *ctx);
/* store_abandon_ns of the store: what abandoning a read still costs, in ns. */
int64_t query_abandon_ns(st_ops *o);

#endif
