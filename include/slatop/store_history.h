/* store_history: every ticket with its audit history, streamed one ticket at a time, for readers
 * that replay the whole log (the SLA compliance report, SPEC §9) in constant memory per ticket. */
#ifndef SLATOP_STORE_HISTORY_H
#define SLATOP_STORE_HISTORY_H

#include <stddef.h>

#include "slatop/model.h"
#include "slatop/store.h"
#include "slatop/util.h"

/* Called once per ticket; t and h[0..n) (its entries, oldest first, without their hashes:
 * prev_hash, hash and body_sha256 are empty) are the store's and are freed after the call. A non-OK return
 * stops the walk and is returned by it. */
typedef st_code (*store_history_fn)(void *ctx, const st_ticket *t, const st_audit_entry *h, size_t n,
                                    st_err *err);

/* Visits every ticket created before `before` (ST_TIME_NONE: every ticket), by id, with its
 * history, from one consistent snapshot. Errors: the backend's reading errors; ST_USAGE when the
 * database's backend cannot stream histories. */
st_code store_ticket_histories(st_store *s, st_time before, store_history_fn visit, void *ctx, st_err *err);

/* The same tickets and histories, each visited as soon as its last entry is read in one pass over
 * the log in seq order, so in the order the histories end (not by id): the log's pages are read in
 * file order, and only the tickets whose history has begun and not ended are held. A ticket without
 * entries is visited with n = 0. Only what a clock replay reads is filled in (the rest is empty:
 * NULL, 0, ST_TIME_NONE): of t, id, title, customer, created and policy_version (what never changes
 * after creation); of each entry, seq, at, kind, ticket_id, actor, to_level, reason, to_status and
 * message_kind. Errors: as store_ticket_histories. */
st_code store_ticket_histories_log(st_store *s, st_time before, store_history_fn visit, void *ctx, st_err *err);

#endif
