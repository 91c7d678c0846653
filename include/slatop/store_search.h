/* store_search: the ticket list's search, filters and per-state counts without a scan (SPEC §11).
 * The backend keeps a text index over title, customer, assignee, ref, level and message bodies
 * in step with every write, indexed orders for every sort key, and per-(level, policy version)
 * counts; these calls read them. Open tickets only (the list's). */
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

/* Open tickets of one level under one policy version, by kind (the timer state they can have). */
typedef struct {
    char *level; /* owned */
    int64_t policy_version;
    int64_t n_unanswered; /* no first response: ok, warn, paused or breached by the time */
    int64_t n_met, n_missed;
} store_group;
/* Every group with open tickets (only `level`'s when not NULL), from counts kept by the backend:
 * no scan. Caller owns *out (store_groups_free). */
st_code store_ticket_groups(st_store *s, const char *level, store_group **out, size_t *n, st_err *err);
void store_groups_free(store_group *g, size_t n);
/* Unanswered open tickets of (level, policy_version) with due in [from, to) (ST_TIME_NONE:
 * unbounded): a range of an index. */
st_code store_ticket_count_due(st_store *s, const char *level, int64_t policy_version, st_time from,
                               st_time to, int64_t *n, st_err *err);
/* Calls visit with the timer inputs of every open ticket matching f (level borrowed for the call);
 * a non-OK return stops the scan and is returned. */
typedef st_code (*store_state_visit)(void *ctx, const char *level, int64_t policy_version,
                                     st_time first_response, st_time response_due, st_time due, st_err *err);
st_code store_ticket_scan_states(st_store *s, const store_filter *f, store_state_visit visit, void *ctx,
                                 st_err *err);

/* Reads made while a cancel callback is set ask cancel(ctx) every few thousand steps and stop with
 * ST_BUSY "...: interrupted" when it says true (a console abandons a search when a key arrives).
 * Set it around reads only: a write it interrupted would fail. NULL clears it. */
void store_set_cancel(st_store *s, bool (*cancel)(void *ctx), void *ctx);

#endif
