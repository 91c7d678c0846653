/* sqlite_internal: what the SQLite backend's source files (sqlite_store.c, sqlite_uptime.c) share.
 * Not a public header: only the backend and its own tests (tests/store/test_store_sqlite.c)
 * include it, since it exposes sqlite3.h. The facade reaches the backend through store_sqlite_ops
 * (store_backend.h) alone. */
#ifndef SLATOP_STORE_SQLITE_INTERNAL_H
#define SLATOP_STORE_SQLITE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "slatop/audit.h"
#include "slatop/model.h"
#include "slatop/store.h"
#include "slatop/util.h"

#include "../store_backend.h"

/* The schema version this build writes; sq_open migrates older files up to it. */
#define STORE_SCHEMA_VERSION 7
/* PRAGMA application_id of a slatop database ("SLAT"), so a foreign SQLite file is recognised. */
#define STORE_APPLICATION_ID 0x534c4154
/* How long a writer waits for another one before ST_BUSY. */
#define STORE_BUSY_TIMEOUT_MS 5000

/* A whole-table scan reads every page once: with the connection's 32 MiB cache (sized for big
 * imports) it would fill it and resident memory with pages never read again. Scans run with
 * SQLite's default 2 MiB and give the cache back its size afterwards (SPEC §11: output and chain
 * walks in constant, small memory). */
#define SCAN_CACHE "PRAGMA cache_size = -2048"
/* Puts the page cache back to s->cache_kib after a long read that lowered it. */
void sq_cache_restore(store_backend *s);

/* One cached prepared statement, keyed by its SQL text. */
typedef struct {
    const char *sql; /* borrowed: callers pass string literals or other static text */
    sqlite3_stmt *stmt;
} sq_cached_stmt;

struct store_backend {
    sqlite3 *db;
    char *path;               /* owned */
    bool read_only;           /* STORE_OPEN_RO: opened with PRAGMA query_only */
    bool in_txn;              /* between sq_begin and sq_commit/sq_rollback */
    bool defer_checkpoints;   /* sq_defer_maintenance: sq_idle runs them */
    bool watch_opened;        /* sq_watch_fd was called */
    int watch_fd;             /* inotify on the -wal; -1: none (polling) */
    st_mono watch_recheck_until, watch_next_poll; /* sq_watch_due's schedule */
    int wal_frames;           /* pages in the -wal after this connection's last commit */
    st_mono busy_since;       /* start of the current busy wait (the busy handler's clock) */
    sq_cached_stmt *stmts;    /* owned, finalized by sq_close */
    size_t n_stmts, cap_stmts;
    bool (*cancel)(void *ctx); /* sq_set_cancel: asked by the progress handler; NULL: none */
    void *cancel_ctx;
    struct sq_cursor *cursors; /* open ticket cursors (sqlite_search.c), ended by a write */
    int cache_kib;             /* the page cache between long reads (WORK_CACHE; store_set_cache_kib) */
};

/* The cached statement for sql (a string with static lifetime), reset and with its bindings
 * cleared, in *out (owned by the store: do not finalize; sqlite3_reset it when done so that no
 * read transaction stays open). */
st_code sq_stmt(store_backend *s, const char *sql, sqlite3_stmt **out, st_err *err);

/* Maps an SQLite failure rc (while doing `what`) to an st_err naming the database path:
 * SQLITE_BUSY/LOCKED -> ST_BUSY, SQLITE_FULL -> ST_IO "database or disk is full",
 * SQLITE_CONSTRAINT -> ST_CONFLICT, SQLITE_READONLY -> ST_IO, SQLITE_NOTADB -> ST_INVALID,
 * anything else ST_IO with SQLite's message. */
st_code sq_fail(store_backend *s, int rc, const char *what, st_err *err);

/* Runs sql (no results, no parameters) through the statement cache. */
st_code sq_exec(store_backend *s, const char *sql, st_err *err);
/* Steps stmt once expecting SQLITE_DONE, then resets it. */
st_code sq_step_done(store_backend *s, sqlite3_stmt *stmt, const char *what, st_err *err);

/* Binding and reading with the model's conventions: NULL strings and ST_TIME_NONE are SQL NULL. */
void sq_bind_text(sqlite3_stmt *stmt, int idx, const char *text);
void sq_bind_time(sqlite3_stmt *stmt, int idx, st_time t);
char *sq_column_strdup(sqlite3_stmt *stmt, int col); /* caller frees; NULL for SQL NULL */
st_time sq_column_time(sqlite3_stmt *stmt, int col);

/* Reads the current row of stmt into *item (zeroed beforehand). */
typedef st_code (*sq_row_reader)(store_backend *s, sqlite3_stmt *stmt, void *item, st_err *err);
/* Steps stmt (already bound) to the end, reading each row into a new array of item_size-byte items;
 * resets stmt. Caller owns *out (item_done each, if given, then free). On error nothing is
 * returned (what is read so far is freed) and err names `what`. */
st_code sq_collect_rows(store_backend *s, sqlite3_stmt *stmt, size_t item_size, sq_row_reader read,
                        void (*item_done)(void *item), const char *what, void **out, size_t *n, st_err *err);

/* The uptime cache ops (sqlite_uptime.c), for store_sqlite_ops. */
st_code sq_uptime_put_minutes(store_backend *s, const char *source, st_time month_start,
                              const uptime_minute *minutes, size_t n, st_err *err);
st_code sq_uptime_get_minutes(store_backend *s, const char *source, st_time month_start, uptime_minute *out,
                              size_t n, size_t *found, st_err *err);
st_code sq_uptime_month_get(store_backend *s, const char *source, const char *month, bool *known,
                            st_time *fetched_at, bool *complete, st_err *err);
st_code sq_uptime_month_put(store_backend *s, const char *source, const char *month, st_time fetched_at,
                            bool complete, st_err *err);
st_code sq_uptime_windows_put(store_backend *s, const char *source, const uptime_window *w, size_t n,
                              st_err *err);
st_code sq_uptime_windows_get(store_backend *s, const char *source, uptime_window **out, size_t *n,
                              st_err *err);

/* A ticket row of the columns SQ_TICKET_COLUMNS names into *item (an st_ticket), for
 * sq_collect_rows; sq_free_ticket_item frees one. */
#define SQ_TICKET_COLUMNS                                                                                    \
    "id, ref, title, customer, channel, level, assignee, status, created, first_response, resolved, "        \
    "clock_start, due, response_due, breached_hist, policy_version, version, updated_by, updated_at, "       \
    "next_tier, next_key, next_metric, next_cycle, next_target_s, next_clock, next_due, next_remaining_s, "  \
    "next_paused_by, next_at"
st_code sq_read_ticket_item(store_backend *s, sqlite3_stmt *stmt, void *item, st_err *err);
void sq_free_ticket_item(void *item);

/* The search (sqlite_search.c): its schema step (run inside the migration's transaction) and
 * the store_search.h ops. */
st_code sq_schema_search(store_backend *s, st_err *err);
/* Schema 6: the resolved tickets' orders (sq_ticket_list_sql's lists with resolved tickets). */
st_code sq_schema_resolved_order(store_backend *s, st_err *err);
/* Schema 7: the tickets' FTS index without the level, its update trigger only on a change. */
st_code sq_schema_fts_without_level(store_backend *s, st_err *err);
void sq_set_cancel(store_backend *s, bool (*cancel)(void *ctx), void *ctx);
st_code sq_ticket_search(store_backend *s, const store_filter *f, store_sort sort, int64_t offset,
                         int64_t limit, st_ticket **out, size_t *n, st_err *err);
st_code sq_ticket_search_count(store_backend *s, const store_filter *f, int64_t *n, st_err *err);
st_code sq_ticket_groups(store_backend *s, const char *level, store_group **out, size_t *n, st_err *err);
st_code sq_ticket_count_due(store_backend *s, const store_group *g, st_time from, st_time to, bool due_none,
                            int64_t *n, st_err *err);
st_code sq_ticket_group_rows(store_backend *s, const store_group *g, st_time from, st_time to, bool due_none,
                             int64_t after_id, int64_t limit,
                             st_ticket **out, size_t *n, st_err *err);
/* The SQL of a search (text through the index, level) and of a due-range count, for query-plan
 * tests. */
st_code sq_ticket_cursor_open(store_backend *s, const store_filter *f, store_sort sort, bool any_order, bool all,
                              void **out, st_err *err);
st_code sq_ticket_cursor_next(void *cur, st_ticket *out, size_t max, size_t *n, bool *done, st_err *err);
void sq_ticket_cursor_close(void *cur);
/* store_tickets_by_id's batched read (sqlite_by_id.c). */
st_code sq_tickets_by_id(store_backend *s, const char *ids, st_ticket **out, size_t *n_out, st_err *err);
/* Ends the snapshot of every open cursor: their next read says "interrupted by a write" (ST_BUSY),
 * and the caller opens a new one on the data as written. */
void sq_cursors_end(store_backend *s);
/* The SQL of a listing, of a text search's count, and of the counts by due, for the query-plan
 * tests (static strings). */
const char *sq_ticket_search_sql(store_sort sort, bool text, bool level);
const char *sq_ticket_search_count_sql(bool level);
const char *sq_ticket_count_due_sql(void);

/* The SQL of sq_ticket_list for a sort key (static text), so tests can check its query plan
 * uses an index rather than a sort. */
const char *sq_ticket_list_sql(store_sort sort, bool include_resolved);

/* store_backend.h's dump (sqlite_dump.c). */
st_code sq_dump(store_backend *s, const char *const *tables, size_t n_tables, store_row_visit visit, void *ctx,
                int64_t *head_seq, char head_hash[65], st_err *err);

#endif
