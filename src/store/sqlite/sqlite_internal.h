/* store_internal: what the store's own source files (store.c, store_uptime.c, ...) share. Not a
 * public header: only store_*.c and the store's tests include it, since it exposes sqlite3.h. */
#ifndef SLATOP_STORE_INTERNAL_H
#define SLATOP_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "slatop/audit.h"
#include "slatop/model.h"
#include "slatop/store.h"
#include "slatop/util.h"

/* The schema version this build writes; store_open migrates older files up to it. */
#define STORE_SCHEMA_VERSION 1
/* PRAGMA application_id of a slatop database ("SLAT"), so a foreign SQLite file is recognised. */
#define STORE_APPLICATION_ID 0x534c4154
/* How long a writer waits for another one before ST_BUSY. */
#define STORE_BUSY_TIMEOUT_MS 5000

/* One cached prepared statement, keyed by its SQL text. */
typedef struct {
    const char *sql; /* borrowed: callers pass string literals or other static text */
    sqlite3_stmt *stmt;
} store_cached_stmt;

struct st_store {
    sqlite3 *db;
    char *path;               /* owned */
    bool read_only;           /* STORE_OPEN_RO: every write refused */
    bool in_txn;              /* between store_begin and store_commit/store_rollback */
    bool fail_next_write;     /* store_test_fail_next_write */
    bool defer_checkpoints;   /* store_defer_maintenance: store_idle runs them */
    bool watch_opened;        /* store_watch_fd was called */
    int watch_fd;             /* inotify on the -wal; -1: none (polling) */
    st_mono watch_recheck_until, watch_next_poll; /* store_watch_due's schedule */
    int wal_frames;           /* pages in the -wal after this connection's last commit */
    st_mono busy_since;       /* start of the current busy wait (the busy handler's clock) */
    store_cached_stmt *stmts; /* owned, finalized by store_close */
    size_t n_stmts, cap_stmts;
    st_audit_entry *pending;       /* owned copies of the entries appended in the open transaction, */
    size_t n_pending, cap_pending; /* sent to syslog by store_commit */
};

/* The cached statement for sql (a string with static lifetime), reset and with its bindings
 * cleared, in *out (owned by the store: do not finalize; sqlite3_reset it when done so that no
 * read transaction stays open). */
st_code store_stmt(st_store *s, const char *sql, sqlite3_stmt **out, st_err *err);

/* Maps an SQLite failure rc (while doing `what`) to an st_err naming the database path:
 * SQLITE_BUSY/LOCKED -> ST_BUSY, SQLITE_FULL -> ST_IO "database or disk is full",
 * SQLITE_CONSTRAINT -> ST_CONFLICT, SQLITE_READONLY -> ST_IO, SQLITE_NOTADB -> ST_INVALID,
 * anything else ST_IO with SQLite's message. */
st_code store_sqlite_fail(st_store *s, int rc, const char *what, st_err *err);

/* ST_OK when a write may happen now: refuses read-only stores (ST_CONFLICT "read-only") and
 * writes outside store_begin/store_commit (ST_INVALID). */
st_code store_require_write(st_store *s, st_err *err);

/* Runs sql (no results, no parameters) through the statement cache. */
st_code store_exec(st_store *s, const char *sql, st_err *err);
/* Steps stmt once expecting SQLITE_DONE, then resets it. */
st_code store_step_done(st_store *s, sqlite3_stmt *stmt, const char *what, st_err *err);

/* Binding and reading with the model's conventions: NULL strings and ST_TIME_NONE are SQL NULL. */
void store_bind_text(sqlite3_stmt *stmt, int idx, const char *text);
void store_bind_time(sqlite3_stmt *stmt, int idx, st_time t);
char *store_column_strdup(sqlite3_stmt *stmt, int col); /* caller frees; NULL for SQL NULL */
st_time store_column_time(sqlite3_stmt *stmt, int col);

/* Reads the current row of stmt into *item (zeroed beforehand). */
typedef st_code (*store_row_reader)(st_store *s, sqlite3_stmt *stmt, void *item, st_err *err);
/* Steps stmt (already bound) to the end, reading each row into a new array of item_size-byte items;
 * resets stmt. Caller owns *out (item_done each, if given, then free). On error nothing is
 * returned (what is read so far is freed) and err names `what`. */
st_code store_collect_rows(st_store *s, sqlite3_stmt *stmt, size_t item_size, store_row_reader read,
                           void (*item_done)(void *item), const char *what, void **out, size_t *n,
                           st_err *err);

/* The SQL of store_ticket_list for a sort key (static text), so tests can check its query plan
 * uses an index rather than a sort. */
const char *store_ticket_list_sql(store_sort sort, bool include_resolved);

#endif
