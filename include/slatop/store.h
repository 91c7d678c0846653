/* store: the one door to persistent data. Its interface speaks in tickets, changes, audit entries
 * and policy versions, never SQL or files, so that backends can differ: a facade keeps what is
 * engine-neutral (read-only refusal, audit chaining and verification, syslog after commit) and
 * a backend does the rest, chosen by the locator given to store_open (a file path: SQLite,
 * src/store/sqlite/). Every write happens in a transaction; the schema is versioned and migrated
 * forward on open; a database is shared by the support team's group and never world-writable. */
#ifndef SLATOP_STORE_H
#define SLATOP_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/audit.h"
#include "slatop/model.h"
#include "slatop/util.h"

typedef struct st_store st_store; /* opaque */

typedef enum {
    STORE_OPEN_RW,     /* must exist */
    STORE_OPEN_RO,     /* must exist; every write refused (ST_CONFLICT "read-only"); an older schema
                        * is still migrated when this user may write the file (SPEC §8) */
    STORE_OPEN_CREATE, /* must not exist (ST_CONFLICT "already exists"); creates dirs as needed */
} store_mode;

/* Opens (and migrates) the database at locator (today a file path). Caller owns *out
 * (store_close). Errors name the locator: ST_NOTFOUND (missing), ST_CONFLICT (exists for CREATE),
 * ST_IO, ST_INVALID (not a slatop database / newer schema), ST_USAGE (empty, or no backend for it). */
st_code store_open(const char *locator, store_mode mode, st_store **out, st_err *err);
void store_close(st_store *s);
/* The locator s was opened with (owned by s). */
const char *store_path(const st_store *s);
/* The locator as messages show it: a PostgreSQL URI's password (user:PASSWORD@, password=)
 * replaced by *** (SPEC §10), anything else as it is. Caller owns the result (free). */
char *store_locator_shown(const char *locator);
/* Removes the database at locator and whatever its backend keeps beside it (no store may have it
 * open). ST_OK when there was none; ST_IO naming what could not be removed. */
st_code store_remove(const char *locator, st_err *err);

/* Transactions: every write happens between store_begin (which takes the write lock at once) and
 * store_commit. store_commit sends the entries appended in the transaction to syslog after the
 * commit. store_rollback is safe to call when no transaction is open. */
st_code store_begin(st_store *s, st_err *err);
st_code store_commit(st_store *s, st_err *err);
void store_rollback(st_store *s);
/* store_begin, then ticket id read inside the new transaction (store_ticket_get's *out, caller
 * owns it: ticket_done): how every change of one ticket starts. A backend may do both in one
 * round trip and read ahead what such a change reads next (the ticket's clock history, the audit
 * head), so a change on a server costs the round trips of its writes. On failure (ST_NOTFOUND for
 * a missing ticket) no transaction is left open and *out is zeroed. */
st_code store_begin_ticket(st_store *s, int64_t id, st_ticket *out, st_err *err);

/* Maintenance (the backend's housekeeping, ~1-3 ms with an fsync) normally runs in the commit that
 * makes it due. store_defer_maintenance moves it to store_idle, which the console calls once the
 * screen is drawn, so that no keypress waits for it; a commit still runs it when it is long
 * overdue. */
void store_defer_maintenance(st_store *s);
/* Runs maintenance deferred by store_defer_maintenance when some is due (never waits for other
 * connections). Returns true when it ran some. */
bool store_idle(st_store *s);

/* Change notification: other connections' commits, for a loop that waits on descriptors.
 * store_watch_fd: a descriptor (owned by the store, opened by the first call) that becomes
 * readable when another connection may have committed; -1 when the backend has none, in which
 * case store_watch_due polls on its own schedule (store_watch_timeout_ms says when).
 * store_watch_due: drains the descriptor; true when store_changes_since is worth asking now.
 * store_watch_timeout_ms: caps the caller's wait (timeout_ms, -1 = none) so that re-reads and
 * polls happen on time. */
int store_watch_fd(st_store *s);
bool store_watch_due(st_store *s);
int store_watch_timeout_ms(st_store *s, int timeout_ms);
/* True while the store's database server is out of reach (SPEC §10: PostgreSQL; never for a
 * SQLite file): msg (size bytes, the caller's) then says "database unreachable since HH:MM:SS,
 * retrying" (local time of the first failure). Meanwhile every call fails at once with ST_IO and
 * that message, and store_watch_due reconnects with backoff without blocking; it returns true
 * when the connection is back (listening again): then re-read everything. */
bool store_unreachable(st_store *s, char *msg, size_t size);
/* What changed since *version (a counter that moves when another connection commits; this
 * connection's own commits do not move it): *changed is true when anything did (every ticket may
 * have changed), and *version becomes the current value. Start with *version = -1. */
st_code store_changes_since(st_store *s, int64_t *version, bool *changed, st_err *err);
/* The page cache a long-running reader keeps between reads, in KiB (the default, 32 MiB, is for
 * imports that touch every index); a backend whose server keeps the cache ignores it. */
void store_set_cache_kib(st_store *s, int kib);

/* Key/value metadata (e.g. "demo" = "1"). *value is caller-owned, NULL when absent. */
st_code store_meta_get(st_store *s, const char *key, char **value, st_err *err);
st_code store_meta_set(st_store *s, const char *key, const char *value, st_err *err); /* in a txn */

/* Policy versions. put stores the next version (1, 2, ...) in the current transaction. */
st_code store_policy_put(st_store *s, const char *json, const char *sha256_hex, st_time at,
                         const char *actor, const char *reason, int64_t *version_out, st_err *err);
/* version 0 means the latest. *json caller-owned. ST_NOTFOUND when absent. */
st_code store_policy_get(st_store *s, int64_t version, char **json, int64_t *version_out, st_err *err);

/* Tickets. insert fills t->id and sets t->version = 1. update writes every mutable field of t
 * (its next clock included) when the stored version equals expect_version, then sets
 * t->version = expect_version + 1;
 * otherwise ST_CONFLICT "ticket N changed since version V: by ACTOR at TIME (now version W)". */
st_code store_ticket_insert(st_store *s, st_ticket *t, st_err *err);
st_code store_ticket_update(st_store *s, st_ticket *t, int64_t expect_version, st_err *err);
st_code store_ticket_get(st_store *s, int64_t id, st_ticket *out, st_err *err); /* ST_NOTFOUND */
st_code store_ticket_find_ref(st_store *s, const char *ref, int64_t *id_out, st_err *err);
/* Ids of open tickets (not resolved) using `level` under policy versions other than the latest. */
st_code store_tickets_using_level(st_store *s, const char *level, int64_t **ids, size_t *n, st_err *err);

typedef enum { STORE_SORT_URGENCY, STORE_SORT_LEVEL, STORE_SORT_CREATED, STORE_SORT_CUSTOMER } store_sort;
typedef struct {
    bool include_resolved;
    store_sort sort;      /* URGENCY = the stored next clock's (tier, key), then id (SPEC §8) */
    int64_t offset;
    int64_t limit;        /* 0 = no limit */
} store_list_query;
/* Tickets in order. Caller owns *out (free each with ticket_done, then free the array). */
st_code store_ticket_list(st_store *s, const store_list_query *q, st_ticket **out, size_t *n, st_err *err);
st_code store_ticket_count(st_store *s, bool include_resolved, int64_t *n, st_err *err);
/* Every ticket in id order, one at a time from one statement (the store may hold millions); t is
 * the store's (freed after the call). A non-OK return from visit stops the scan and is returned. */
typedef st_code (*store_ticket_visit)(void *ctx, const st_ticket *t, st_err *err);
st_code store_ticket_scan(st_store *s, store_ticket_visit visit, void *ctx, st_err *err);
/* Schema 3: writes ticket id's next clock (the ops layer computes it, in the transaction of the
 * change that touched the ticket) without changing its version: it is derived, not a change. */
st_code store_ticket_set_next(st_store *s, int64_t id, const tk_next *next, st_err *err);
/* Up to `limit` ids (ascending) of tickets whose next clock was never computed (rows migrated from
 * schema 2). Caller owns *ids (free). */
st_code store_tickets_next_missing(st_store *s, size_t limit, int64_t **ids, size_t *n, st_err *err);
/* Whether s was opened STORE_OPEN_RO. */
bool store_read_only(const st_store *s);

/* Audit log. append assigns seq, prev_hash, recorded_at and hash, and host when it is NULL (this
 * machine's name, allocated: e owns it, audit_entry_done frees it); must be in a transaction. */
st_code store_audit_append(st_store *s, st_audit_entry *e, st_err *err);
/* store_audit_append, then store_commit: a change's last entry. A backend may send both in one
 * round trip. On any failure (the append's own, e.g. ST_CONFLICT, or the commit's) the transaction
 * is rolled back. */
st_code store_audit_append_commit(st_store *s, st_audit_entry *e, st_err *err);
/* store_ticket_update(t, expect_version), then store_audit_append_commit(e): a change's row and
 * its last entry. A backend may send all three in one round trip. On any failure (each step's own,
 * as the two calls report them) the transaction is rolled back. */
st_code store_ticket_update_append_commit(st_store *s, st_ticket *t, int64_t expect_version, st_audit_entry *e,
                                          st_err *err);
/* Entries oldest first; ticket_id 0 = all. Caller owns *out (audit_entry_done each, free array). */
st_code store_audit_list(st_store *s, int64_t ticket_id, st_audit_entry **out, size_t *n, st_err *err);
/* Conversation (SPEC §8). insert assigns m->id and m->recorded_at (must be in a transaction); the
 * caller has validated the body (utf8_repair). */
st_code store_message_insert(st_store *s, st_message *m, st_err *err);
/* A ticket's messages, oldest first. Caller owns *out (message_done each, free array). */
st_code store_message_list(st_store *s, int64_t ticket_id, st_message **out, size_t *n, st_err *err);
/* One message; ST_NOTFOUND when none. Caller owns *out (message_done). */
st_code store_message_get(st_store *s, int64_t id, st_message *out, st_err *err);

/* Latest entry's seq and hash; seq 0 and the genesis hash when empty. */
st_code store_audit_head(st_store *s, int64_t *seq, char hash[65], st_err *err);
/* Walks the whole chain (and the anchor, when anchor_seq > 0). ST_VERIFY naming the first bad
 * entry, or the anchor problem ("anchor 12: log has only 9 entries (truncated)",
 * "anchor 12: hash differs (history rewritten)"). *checked gets the number of entries checked. */
st_code store_audit_verify(st_store *s, int64_t anchor_seq, const char *anchor_hash, int64_t *checked,
                           st_err *err);
/* As store_audit_verify, also handing observe each entry the chain has proven, oldest first, in
 * the same pass (e is the store's, valid during the call): the service's replay of the log
 * against the ticket rows rides on it. */
typedef void (*store_audit_observer)(void *ctx, const st_audit_entry *e);
st_code store_audit_verify_observed(st_store *s, int64_t anchor_seq, const char *anchor_hash,
                                    store_audit_observer observe, void *ctx, int64_t *checked, st_err *err);

/* ---- streaming reads: whole lists one row at a time, in constant memory (SPEC §11) ---- */

/* Called for each entry of a scan, in the scan's order; e is the store's (its fields are freed
 * after the call). A non-OK return stops the scan and is returned by it. */
typedef st_code (*store_audit_visit)(void *ctx, const st_audit_entry *e, st_err *err);
/* A stretch of the audit log by keyset on seq, for paging (a screenful at a time) and streaming. */
typedef struct {
    int64_t ticket_id;  /* 0 = every entry */
    int64_t after_seq;  /* only entries with seq > after_seq (0: from the first) */
    int64_t before_seq; /* only entries with seq < before_seq (0: to the last) */
    int64_t limit;      /* at most this many (0: all) */
    bool newest_first;  /* descending seq (from before_seq down) */
    bool walk;          /* a slice of a whole-log walk: read without filling the cache */
} store_audit_range;
/* The entries of r, one at a time, from one consistent snapshot. Errors: the store's, an
 * unreadable entry (ST_VERIFY naming it), or the visitor's. */
st_code store_audit_scan_range(st_store *s, const store_audit_range *r, store_audit_visit visit, void *ctx,
                               st_err *err);

/* Ticket ticket_id's entries oldest first with only the fields that bear on its clocks filled
 * (seq, at, kind, ticket_id, to_level, reason, to_status, message_kind; the others zero or NULL),
 * one at a time without copies: e and its strings are the store's, valid during the call. For
 * the writes that recompute a ticket's next clock in their transaction. */
st_code store_audit_clock_scan(st_store *s, int64_t ticket_id, store_audit_visit visit, void *ctx, st_err *err);

/* Called for each ticket of store_ticket_stream in the query's order; with the scan's with_history,
 * h[0..nh) is the ticket's audit history oldest first with at least the fields that bear on its
 * clocks (store_audit_clock_scan's; a backend may fill more), NULL, 0 otherwise. t and h are the
 * store's, valid during the call. A non-OK return stops the scan and is returned by it. */
typedef st_code (*store_ticket_stream_visit)(void *ctx, const st_ticket *t, const st_audit_entry *h,
                                             size_t nh, st_err *err);
/* The tickets of q (store_ticket_list's order, offset and limit), one at a time, from one
 * consistent snapshot; with_history reads every history in the same pass (no query per ticket).
 * The whole list (no limit, no offset) may be read in storage order and sorted through temporary
 * files: constant memory, disk in proportion to the list. */
st_code store_ticket_stream(st_store *s, const store_list_query *q, bool with_history,
                            store_ticket_stream_visit visit, void *ctx, st_err *err);

/* store_audit_verify in slices, for a console that must keep ticking while a long log is walked:
 * each step feeds the entries after `through` (at most max_entries, 0: all) to the verifier, with
 * message bodies checked as store_audit_verify checks them. done: the log's end was reached.
 * Embedded by value; start with store_verify_walk_init. */
typedef struct {
    audit_verifier v;
    int64_t through; /* the last seq checked (0: none yet) */
    bool done;
} store_verify_walk;
void store_verify_walk_init(store_verify_walk *w);
/* One slice. ST_VERIFY naming the first bad entry (w->through stays before it); the store's
 * errors. */
st_code store_audit_verify_step(st_store *s, store_verify_walk *w, int64_t max_entries, st_err *err);

/* Tests only: makes the next store_ticket_update or store_audit_append in this connection fail
 * with ST_IO, to prove that a failure mid-change leaves no trace. */
void store_test_fail_next_write(st_store *s);

#endif
