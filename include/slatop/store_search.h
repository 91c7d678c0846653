/* store_search: the ticket list's search, filters and per-state counts without a scan (SPEC §11).
 * The backend keeps a text index over title, customer, assignee, ref and message bodies (on
 * PostgreSQL the level too; SQLite finds a level's tickets through its counts) in step with every
 * write, indexed orders for every sort key, and per-(level, policy version) counts; these calls
 * read them. Open tickets only (the list's). */
#ifndef SLATOP_STORE_SEARCH_H
#define SLATOP_STORE_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slatop/model.h"
#include "slatop/store.h"
#include "slatop/util.h"

/* A filter; every field borrowed, NULL = none. A ticket matches the text when the text equals
 * its id or is a substring, ASCII case-insensitive (bytes otherwise equal), of its title,
 * customer, assignee, level, ref or the body of any of its messages. Texts of three characters
 * and more go through the index; shorter ones scan the open tickets (cancellable). */
typedef struct {
    const char *text;
    const char *level; /* a level id, exactly */
} store_filter;

/* Open tickets matching f (NULL: all) in `sort`'s order, rows [offset, offset + limit) (limit 0:
 * all). Caller owns *out (ticket_done each, then free). */
st_code store_ticket_search(st_store *s, const store_filter *f, store_sort sort, int64_t offset,
                            int64_t limit, st_ticket **out, size_t *n, st_err *err);
/* How many open tickets match f. */
st_code store_ticket_search_count(st_store *s, const store_filter *f, int64_t *n, st_err *err);

/* Open tickets grouped by what decides their list state (SPEC §8 "The ticket's next clock"): the
 * level and policy version, the stored next clock's tier, clock kind and target (model.h
 * tk_next; tier -1 also for a row not computed yet, clock and target -1 when none) and the
 * first response's outcome (kind: 0 none yet, 1 met, 2 missed, as sla_timer_at decides it). */
typedef struct {
    char *level; /* owned */
    int64_t policy_version;
    int tier, clock;
    int64_t target_s;
    int kind;
    int64_t n;
} store_group;
/* Every group with open tickets (only `level`'s when not NULL), from counts kept by the backend:
 * no scan. Caller owns *out (store_groups_free). */
st_code store_ticket_groups(st_store *s, const char *level, store_group **out, size_t *n, st_err *err);
void store_groups_free(store_group *g, size_t n);
/* Open tickets of g's (level, policy version, tier, clock, target), any kind, whose stored next
 * due is in [from, to) (ST_TIME_NONE: unbounded), or is none when due_none: a range of an index.
 * For tiers 0 and 1 only (the others have no due to range on). */
st_code store_ticket_count_due(st_store *s, const store_group *g, st_time from, st_time to, bool due_none,
                               int64_t *n, st_err *err);
/* The same rows as store_ticket_count_due, read; or, for tiers -1 and 2, the rows of g itself
 * (its kind too; from, to and due_none unused): those with an id above after_id, in id order, at
 * most limit (a group may hold every ticket: the caller reads it a page at a time). Caller owns
 * *out (ticket_done each, then free). */
st_code store_ticket_group_rows(st_store *s, const store_group *g, st_time from, st_time to, bool due_none,
                                int64_t after_id, int64_t limit, st_ticket **out, size_t *n, st_err *err);

/* A cursor over the open tickets matching f, read a few rows at a time, so that a console can
 * count or collect a search's every match in slices between its ticks (SPEC §11) instead of in one
 * read. In sort's order, or with any_order in the order cheapest to read (for a count). The rows
 * are those of one snapshot (SQLite's; on PostgreSQL, in sort's order, a server-side cursor's
 * on a second connection of the store's own; any_order pages by id). Close it before the
 * store, and before a write on the
 * same store when it can (a cursor keeps its snapshot open). Caller owns *out (close). */
typedef struct store_ticket_cursor store_ticket_cursor;
st_code store_ticket_cursor_open(st_store *s, const store_filter *f, store_sort sort, bool any_order,
                                 store_ticket_cursor **out, st_err *err);
/* Every ticket, resolved ones too, in sort's order (no filter: the caller tests its rows). */
st_code store_ticket_cursor_open_all(st_store *s, store_sort sort, store_ticket_cursor **out, st_err *err);
/* Up to max rows into out[0..*n) (caller owns each: ticket_done); *done once every row is read
 * (then *n may be 0). A call may also return no row while not done (on PostgreSQL: its second
 * connection still connecting, a batch of the scan's markers only, an id window without a match;
 * on both, a walk whose filter no index decides, after a few thousand rows without a match): each
 * call is short, so the caller reads again, in a slice of its own. */
st_code store_ticket_cursor_next(store_ticket_cursor *c, st_ticket *out, size_t max, size_t *n, bool *done,
                                 st_err *err);
void store_ticket_cursor_close(store_ticket_cursor *c);

/* The tickets of ids[0..n) (distinct) as stored now, in ids' order; an id no ticket has (any more)
 * is skipped, so *n_out <= n. One batched read where the backend has one, else a read per id. A
 * console's window over a scan's matches, which it keeps as ids only (SPEC §11). Caller owns *out
 * (ticket_done each, then free). */
st_code store_tickets_by_id(st_store *s, const int64_t *ids, size_t n, st_ticket **out, size_t *n_out,
                            st_err *err);

/* Reads made while a cancel callback is set ask cancel(ctx) every few thousand steps (SQLite) or
 * every few ms of waiting for the server (PostgreSQL, which then cancels the statement; only a
 * statement outside a transaction: a ticket cursor's batches run to their end) and stop with
 * ST_BUSY "...: interrupted" when it says true (a console abandons a search when a key
 * arrives). Set it around reads only: a write it interrupted would fail. NULL clears it. False
 * when the backend's reads cannot be abandoned: they then run to their end. */
bool store_set_cancel(st_store *s, bool (*cancel)(void *ctx), void *ctx);
/* About how long an abandoned read still takes to end, in ns: 0 on SQLite (in this process), a
 * cancel request's connection on PostgreSQL. A read tried under a shorter budget costs more than
 * it can save. */
int64_t store_abandon_ns(const st_store *s);

#endif
