/* store_backend: the seam between the store's facade (store.c, store_uptime.c: read-only refusal,
 * transactions' bookkeeping, audit chaining and verification, syslog after commit) and a storage
 * engine. One const ops table per backend, as dovecot's lib-sql has one per driver; SQLite
 * (src/store/sqlite/) is the first. Not a public header: only the store's sources and the
 * backends' own tests include it.
 *
 * The facade calls a write op only inside a transaction it opened (ops->begin) on a store opened
 * read-write, so backends neither refuse read-only writes nor check for a transaction. Errors
 * follow store.h's conventions and name the locator. */
#ifndef SLATOP_STORE_BACKEND_H
#define SLATOP_STORE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slatop/audit.h"
#include "slatop/model.h"
#include "slatop/store.h"
#include "slatop/store_search.h"
#include "slatop/uptime.h"
#include "slatop/util.h"

/* A backend's connection. Each backend defines the struct in its own private header; the facade
 * only holds the pointer. */
typedef struct store_backend store_backend;
typedef struct store_clock_memo store_clock_memo;

/* Called by ticket_histories for each ticket with its history (store_history.h's visitor). */
typedef st_code (*store_history_visit)(void *ctx, const st_ticket *t, const st_audit_entry *h, size_t n,
                                       st_err *err);

/* Called by dump for each row of table: ncols columns named names[i], values[i] the value as text
 * (NULL for SQL NULL; a real number with every digit it has). All the backend's, valid during the
 * call. */
typedef st_code (*store_row_visit)(void *ctx, const char *table, int ncols, const char *const *names,
                                   const char *const *values, st_err *err);

typedef struct store_backend_ops {
    const char *name; /* "sqlite" */

    /* Opens (creating when mode is STORE_OPEN_CREATE) and migrates the database at locator.
     * Caller owns *out (close). On failure a half-made new database is removed. */
    st_code (*open)(const char *locator, store_mode mode, store_backend **out, st_err *err);
    void (*close)(store_backend *b);
    /* Removes the database at locator and whatever the backend keeps beside it; ST_OK when none. */
    st_code (*remove)(const char *locator, st_err *err);

    st_code (*begin)(store_backend *b, st_err *err);
    /* store_begin_ticket: begin, then ticket_get of id, leaving no transaction open on failure.
     * clock_from: the from_seq of the audit_clock_scan of id that will follow (the facade's memo),
     * for a backend that reads it ahead. NULL: the facade calls begin and ticket_get. */
    st_code (*begin_ticket)(store_backend *b, int64_t id, int64_t clock_from, st_ticket *out, st_err *err);
    st_code (*commit)(store_backend *b, st_err *err);
    void (*rollback)(store_backend *b); /* safe with no transaction open */

    void (*defer_maintenance)(store_backend *b);
    bool (*idle)(store_backend *b);

    int (*watch_fd)(store_backend *b);
    bool (*watch_due)(store_backend *b);
    int (*watch_timeout_ms)(store_backend *b, int timeout_ms);
    /* store_unreachable (store.h); NULL in a backend whose database cannot go away (SQLite). */
    bool (*unreachable)(store_backend *b, char *msg, size_t size);
    st_code (*changes_since)(store_backend *b, int64_t *version, bool *changed, st_err *err);

    st_code (*meta_get)(store_backend *b, const char *key, char **value, st_err *err);
    st_code (*meta_set)(store_backend *b, const char *key, const char *value, st_err *err);
    st_code (*policy_put)(store_backend *b, const char *json, const char *sha256_hex, st_time at,
                          const char *actor, const char *reason, int64_t *version_out, st_err *err);
    st_code (*policy_get)(store_backend *b, int64_t version, char **json, int64_t *version_out, st_err *err);

    st_code (*ticket_insert)(store_backend *b, st_ticket *t, st_err *err);
    st_code (*ticket_update)(store_backend *b, st_ticket *t, int64_t expect_version, st_err *err);
    st_code (*ticket_get)(store_backend *b, int64_t id, st_ticket *out, st_err *err);
    st_code (*ticket_find_ref)(store_backend *b, const char *ref, int64_t *id_out, st_err *err);
    st_code (*tickets_using_level)(store_backend *b, const char *level, int64_t **ids, size_t *n,
                                   st_err *err);
    st_code (*ticket_list)(store_backend *b, const store_list_query *q, st_ticket **out, size_t *n,
                           st_err *err);
    st_code (*ticket_count)(store_backend *b, bool include_resolved, int64_t *n, st_err *err);
    /* Every ticket in id order, one at a time (store_ticket_scan). */
    st_code (*ticket_scan)(store_backend *b, store_ticket_visit visit, void *ctx, st_err *err);
    st_code (*ticket_set_next)(store_backend *b, int64_t id, const tk_next *next, st_err *err);
    st_code (*tickets_next_missing)(store_backend *b, size_t limit, int64_t **ids, size_t *n, st_err *err);

    /* Stores m, setting m->id (the facade has set recorded_at). */
    st_code (*message_insert)(store_backend *b, st_message *m, st_err *err);
    st_code (*message_list)(store_backend *b, int64_t ticket_id, st_message **out, size_t *n, st_err *err);
    st_code (*message_get)(store_backend *b, int64_t id, st_message *out, st_err *err);

    /* Stores e as it is (the facade has assigned seq, prev_hash, recorded_at and hash). */
    st_code (*audit_insert)(store_backend *b, const st_audit_entry *e, st_err *err);
    /* audit_insert, then commit (store_audit_append_commit); on failure the facade rolls back.
     * NULL: the facade calls the two. */
    st_code (*audit_insert_commit)(store_backend *b, const st_audit_entry *e, st_err *err);
    /* ticket_update(t, expect_version), audit_insert(e), then commit: one round trip on a server
     * (store_ticket_update_append_commit); on failure the facade rolls back. NULL: the facade
     * calls them one by one. */
    st_code (*ticket_update_audit_commit)(store_backend *b, st_ticket *t, int64_t expect_version,
                                          const st_audit_entry *e, st_err *err);
    st_code (*audit_list)(store_backend *b, int64_t ticket_id, st_audit_entry **out, size_t *n, st_err *err);
    st_code (*audit_head)(store_backend *b, int64_t *seq, char hash[65], st_err *err);
    /* Every entry, oldest first, from one consistent snapshot, one at a time (the log may hold
     * millions). An entry that cannot be read (unknown kind) is ST_VERIFY naming it. */
    st_code (*audit_scan)(store_backend *b, store_audit_visit visit, void *ctx, st_err *err);
    /* Every ticket created before `before`, by id, each with its audit entries (oldest first),
     * from one consistent snapshot, one ticket at a time; the entries without their hashes
     * (prev_hash, hash and body_sha256 empty). NULL in a backend that lacks it. */
    st_code (*ticket_histories)(store_backend *b, st_time before, store_history_visit visit, void *ctx,
                                st_err *err);
    /* The same tickets, each visited once its last entry is read in one pass over the log in seq
     * order (not by id), holding only the histories begun and not ended. NULL when lacking. */
    st_code (*ticket_histories_log)(store_backend *b, st_time before, store_history_visit visit, void *ctx,
                                    st_err *err);
    /* store_audit_scan_range and store_ticket_stream (store.h): one row at a time from one
     * consistent snapshot, never the whole list in memory; a ticket's history comes from the same
     * pass (no query per ticket). */
    st_code (*audit_range)(store_backend *b, const store_audit_range *r, store_audit_visit visit, void *ctx,
                           st_err *err);
    st_code (*ticket_stream)(store_backend *b, const store_list_query *q, bool with_history,
                             store_ticket_stream_visit visit, void *ctx, st_err *err);
    /* store_audit_clock_scan (store.h) from the entry with seq from_seq on (0: the whole history;
     * store_clock.c keeps what came before). NULL in a backend that lacks it: the facade reads the
     * ticket's range through audit_range instead, whole each time. */
    st_code (*audit_clock_scan)(store_backend *b, int64_t ticket_id, int64_t from_seq, store_audit_visit visit,
                                void *ctx, st_err *err);

    /* The uptime cache (store_uptime.h); the puts run inside the facade's transaction. */
    st_code (*uptime_put_minutes)(store_backend *b, const char *source, st_time month_start,
                                  const uptime_minute *minutes, size_t n, st_err *err);
    st_code (*uptime_get_minutes)(store_backend *b, const char *source, st_time month_start,
                                  uptime_minute *out, size_t n, size_t *found, st_err *err);
    st_code (*uptime_month_get)(store_backend *b, const char *source, const char *month, bool *known,
                                st_time *fetched_at, bool *complete, st_err *err);
    st_code (*uptime_month_put)(store_backend *b, const char *source, const char *month, st_time fetched_at,
                                bool complete, st_err *err);
    st_code (*uptime_windows_put)(store_backend *b, const char *source, const uptime_window *w, size_t n,
                                  st_err *err);
    st_code (*uptime_windows_get)(store_backend *b, const char *source, uptime_window **out, size_t *n,
                                  st_err *err);

    /* Search, filters and per-state counts (store_search.h). */
    st_code (*ticket_search)(store_backend *b, const store_filter *f, store_sort sort, int64_t offset,
                             int64_t limit, st_ticket **out, size_t *n, st_err *err);
    st_code (*ticket_search_count)(store_backend *b, const store_filter *f, int64_t *n, st_err *err);
    st_code (*ticket_groups)(store_backend *b, const char *level, store_group **out, size_t *n, st_err *err);
    st_code (*ticket_count_due)(store_backend *b, const store_group *g, st_time from, st_time to, bool due_none,
                                int64_t *n, st_err *err);
    st_code (*ticket_group_rows)(store_backend *b, const store_group *g, st_time from, st_time to, bool due_none,
                                 int64_t after_id, int64_t limit,
                                 st_ticket **out, size_t *n, st_err *err);
    /* NULL: a read runs to its end. */
    void (*set_cancel)(store_backend *b, bool (*cancel)(void *ctx), void *ctx);
    /* What abandoning a read costs, in ns (store_abandon_ns): 0 for a read in this process. */
    int64_t abandon_ns;
    /* store_ticket_cursor_*; NULL: the facade pages through ticket_search (ticket_list when all)
     * instead. all: store_ticket_cursor_open_all (f NULL). *out is the backend's, ended by
     * ticket_cursor_close. */
    st_code (*ticket_cursor_open)(store_backend *b, const store_filter *f, store_sort sort, bool any_order,
                                  bool all, void **out, st_err *err);
    st_code (*ticket_cursor_next)(void *cur, st_ticket *out, size_t max, size_t *n, bool *done, st_err *err);
    void (*ticket_cursor_close)(void *cur);
    /* store_migrate (store_migrate.c): every row of each table in tables (in that order), from
     * one consistent snapshot, one row at a time, as text; and the audit head of that snapshot. */
    st_code (*dump)(store_backend *b, const char *const *tables, size_t n_tables, store_row_visit visit,
                    void *ctx, int64_t *head_seq, char head_hash[65], st_err *err);
    /* store_set_cache_kib; NULL: the backend keeps no page cache of its own (the server does). */
    void (*set_cache_kib)(store_backend *b, int kib);
    /* store_tickets_by_id: the tickets among ids (decimal numbers separated by commas, at least
     * one) that exist, in any order (the facade puts them in the caller's), in one read. NULL: the
     * facade reads them one by one (ticket_get). */
    st_code (*tickets_by_id)(store_backend *b, const char *ids, st_ticket **out, size_t *n_out, st_err *err);
} store_backend_ops;

/* The SQLite backend (src/store/sqlite/sqlite_store.c). */
extern const store_backend_ops store_sqlite_ops;
/* The PostgreSQL backend (src/store/pg/pg_store.c). */
extern const store_backend_ops store_pg_ops;
/* A PostgreSQL locator with its password replaced by *** (store_locator_shown). Caller frees. */
char *store_pg_redact(const char *locator);

/* store_migrate's target (src/store/pg/pg_migrate.c): a PostgreSQL database that must be empty
 * (created as 'init' would when missing), filled in one transaction. store_pg_import_begin
 * connects, refuses a database holding any table (ST_CONFLICT naming it; nothing touched), and
 * creates slatop's tables in a transaction left open; caller owns *out (finish or abort).
 * store_pg_import_row copies one row (dump's visitor shape); store_pg_import_finish checks the
 * copied audit head equals head_seq/head_hash and commits; abort rolls back. Both free im. */
typedef struct store_pg_import store_pg_import;
st_code store_pg_import_begin(const char *locator, store_pg_import **out, st_err *err);
st_code store_pg_import_row(store_pg_import *im, const char *table, int ncols, const char *const *names,
                            const char *const *values, st_err *err);
st_code store_pg_import_finish(store_pg_import *im, int64_t head_seq, const char *head_hash, st_err *err);
void store_pg_import_abort(store_pg_import *im);

/* The facade's state, shared by store.c and store_uptime.c (and a backend's own tests, which reach
 * the backend's connection through be). */
struct st_store {
    const store_backend_ops *ops;  /* static */
    store_backend *be;             /* owned: ops->close */
    char *locator;                 /* owned */
    bool read_only;                /* STORE_OPEN_RO: every write refused */
    bool in_txn;                   /* between store_begin and store_commit/store_rollback */
    bool fail_next_write;          /* store_test_fail_next_write */
    st_audit_entry *pending;       /* owned copies of the entries appended in the open transaction, */
    size_t n_pending, cap_pending; /* sent to syslog by store_commit */
    store_clock_memo *memo;        /* owned (store_clock.c): the history of the ticket scanned last */
};

/* store_clock.c. The seq of the last entry the memo holds of ticket (0: none: a scan reads the whole
 * history); store_clock_memo_drop empties it and keeps it for ticket (0: none), as a rollback must;
 * store_clock_memo_free frees it (store_close). */
int64_t store_clock_memo_last(const st_store *s, int64_t ticket);
void store_clock_memo_drop(st_store *s, int64_t ticket);
void store_clock_memo_free(st_store *s);

#endif
