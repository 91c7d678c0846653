/* pg_internal: what the PostgreSQL backend's source files (pg_store.c, pg_schema.c, pg_read.c,
 * pg_uptime.c) share. Not a public header: it exposes libpq-fe.h, which only src/store/pg/ may
 * include (layers_includes). The facade reaches the backend through store_pg_ops alone. */
#ifndef SLATOP_STORE_PG_INTERNAL_H
#define SLATOP_STORE_PG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "slatop/audit.h"
#include "slatop/model.h"
#include "slatop/store.h"
#include "slatop/util.h"

#include "../store_backend.h"

/* libpq's functions, resolved by pg_lib.c (dlopen on first use); the macros below send the
 * backend's PQ* calls through them. */
typedef struct {
    PGconn * (*connectdbParams)(const char *const *, const char *const *, int);
    PQnoticeProcessor (*setNoticeProcessor)(PGconn *, PQnoticeProcessor, void *);
    ConnStatusType (*status)(const PGconn *);
    char * (*errorMessage)(const PGconn *);
    int (*serverVersion)(const PGconn *);
    void (*finish)(PGconn *);
    PGresult * (*exec)(PGconn *, const char *);
    PGresult * (*execParams)(PGconn *, const char *, int, const Oid *, const char *const *, const int *, const int *, int);
    ExecStatusType (*resultStatus)(const PGresult *);
    char * (*resultErrorField)(const PGresult *, int);
    void (*clear)(PGresult *);
    int (*ntuples)(const PGresult *);
    char * (*getvalue)(const PGresult *, int, int);
    int (*getlength)(const PGresult *, int, int);
    int (*getisnull)(const PGresult *, int, int);
    char * (*cmdStatus)(PGresult *);
    char * (*cmdTuples)(PGresult *);
    PGTransactionStatusType (*transactionStatus)(const PGconn *);
    int (*socket)(const PGconn *);
    int (*consumeInput)(PGconn *);
    PGnotify * (*notifies)(PGconn *);
    void (*freemem)(void *);
    int (*backendPID)(const PGconn *);
    PQconninfoOption * (*conninfoParse)(const char *, char **);
    void (*conninfoFree)(PQconninfoOption *);
    char * (*escapeIdentifier)(PGconn *, const char *, size_t);
    PGconn * (*connectStartParams)(const char *const *, const char *const *, int);
    PostgresPollingStatusType (*connectPoll)(PGconn *);
    PGresult * (*execPrepared)(PGconn *, const char *, int, const char *const *, const int *, const int *, int);
    int (*sendQuery)(PGconn *, const char *);
    PGresult * (*getResult)(PGconn *);
} pg_lib_fns;
extern pg_lib_fns pg_lib;
#define PG_LIB_NAMES \
    "PQconnectdbParams", "PQsetNoticeProcessor", "PQstatus", "PQerrorMessage", "PQserverVersion", \
    "PQfinish", "PQexec", "PQexecParams", "PQresultStatus", "PQresultErrorField", "PQclear", \
    "PQntuples", "PQgetvalue", "PQgetlength", "PQgetisnull", "PQcmdStatus", "PQcmdTuples", \
    "PQtransactionStatus", "PQsocket", "PQconsumeInput", "PQnotifies", "PQfreemem", "PQbackendPID", \
    "PQconninfoParse", "PQconninfoFree", "PQescapeIdentifier", "PQconnectStartParams", "PQconnectPoll", \
    "PQexecPrepared", "PQsendQuery", "PQgetResult"
#define PQconnectdbParams (pg_lib.connectdbParams)
#define PQsetNoticeProcessor (pg_lib.setNoticeProcessor)
#define PQstatus (pg_lib.status)
#define PQerrorMessage (pg_lib.errorMessage)
#define PQserverVersion (pg_lib.serverVersion)
#define PQfinish (pg_lib.finish)
#define PQexec (pg_lib.exec)
#define PQexecParams (pg_lib.execParams)
#define PQresultStatus (pg_lib.resultStatus)
#define PQresultErrorField (pg_lib.resultErrorField)
#define PQclear (pg_lib.clear)
#define PQntuples (pg_lib.ntuples)
#define PQgetvalue (pg_lib.getvalue)
#define PQgetlength (pg_lib.getlength)
#define PQgetisnull (pg_lib.getisnull)
#define PQcmdStatus (pg_lib.cmdStatus)
#define PQcmdTuples (pg_lib.cmdTuples)
#define PQtransactionStatus (pg_lib.transactionStatus)
#define PQsocket (pg_lib.socket)
#define PQconsumeInput (pg_lib.consumeInput)
#define PQnotifies (pg_lib.notifies)
#define PQfreemem (pg_lib.freemem)
#define PQbackendPID (pg_lib.backendPID)
#define PQconninfoParse (pg_lib.conninfoParse)
#define PQconninfoFree (pg_lib.conninfoFree)
#define PQescapeIdentifier (pg_lib.escapeIdentifier)
#define PQconnectStartParams (pg_lib.connectStartParams)
#define PQconnectPoll (pg_lib.connectPoll)
#define PQexecPrepared (pg_lib.execPrepared)
#define PQsendQuery (pg_lib.sendQuery)
#define PQgetResult (pg_lib.getResult)
/* Loads libpq once; ST_IO naming the locator (name) when it cannot. Every entry point of the
 * backend calls it before any PQ* function. */
st_code pg_lib_load(const char *name, st_err *err);
/* One more libpq function by name, for those only one file uses (pg_migrate.c's COPY), so the
 * table above stays what every connection needs; NULL before pg_lib_load or when libpq lacks it. */
void (*pg_lib_sym(const char *name))(void);

/* The schema version this build writes (PostgreSQL's own numbering: pg_schema.c). */
#define PG_SCHEMA_VERSION 6
/* How long a writer waits for another one before ST_BUSY (as SQLite's busy timeout). */
#define PG_LOCK_TIMEOUT_MS 5000
/* The channel every commit notifies (delivered at COMMIT only; a hint to re-read). */
#define PG_CHANNEL "slatop_changes"

/* pg_net.c: the network side of every connection (keepalives, timeouts, and host names resolved
 * without blocking). pg_conn_params_init: the keys and values for PQconnectdbParams or
 * PQconnectStartParams (expand_dbname 1) to connect to locator: slatop's network defaults where
 * neither the locator nor libpq's environment (PG* variables, the PGSERVICE file) sets them, then
 * the locator itself; pg_conn_params_add appends a key that overrides the locator's (val borrowed:
 * it must outlive the connect). The arrays are the struct's own, NULL-terminated. */
#define PG_CONN_MAX_PARAMS 16
typedef struct {
    const char *keys[PG_CONN_MAX_PARAMS];
    const char *vals[PG_CONN_MAX_PARAMS];
    int n;
} pg_conn_params;
void pg_conn_params_init(pg_conn_params *p, const char *locator);
void pg_conn_params_add(pg_conn_params *p, const char *key, const char *val);
/* A host name resolved with getaddrinfo_a, polled without blocking. pg_lookup_start: NULL when
 * the locator names nothing DNS is asked about (a socket directory, a numeric address, several
 * hosts, a hostaddr or a service: libpq's own way); caller owns the result (pg_lookup_free, which
 * also takes one still under way). pg_lookup_poll: 1 resolved, 0 under way, -1 failed.
 * pg_lookup_params: adds host (the name, once per address) and hostaddr (the addresses) to p;
 * their text stays l's. */
typedef struct pg_lookup pg_lookup;
pg_lookup *pg_lookup_start(const char *locator);
int pg_lookup_poll(pg_lookup *l);
void pg_lookup_params(const pg_lookup *l, pg_conn_params *p);
void pg_lookup_free(pg_lookup *l);

struct store_backend {
    PGconn *conn;        /* NULL while the connection is lost (pg_reconnect.c) */
    char *name;          /* owned: the locator with credentials removed, for every message */
    char *locator;       /* owned: as given (it holds no password: check_locator), to reconnect */
    bool read_only;      /* STORE_OPEN_RO */
    bool in_txn;         /* between pg_begin and pg_commit/pg_rollback */
    int64_t own_commits; /* commits of this connection (each moved slatop_schema.changes by one) */
    unsigned cursors;    /* names the next server-side cursor */
    st_mono next_poll;   /* pg_watch_timeout_ms's safety poll */
    /* A lost connection (pg_reconnect.c): the wall-clock time it was first noticed, the
     * connection being made (not yet usable: conn stays NULL until it is set up and listening),
     * and the backoff between attempts. */
    bool down;
    st_time down_since;
    PGconn *pending;
    pg_lookup *lookup; /* the host's name being resolved before the attempt (pg_net.c) */
    PostgresPollingStatusType pending_wants;
    st_mono retry_at, pending_deadline;
    int backoff_ms;
    bool no_listen; /* a reader (pg_reader_new): set up without LISTEN */
    /* pg_prep.c's statements exist on this connection (cleared with it: pg_mark_down). */
    bool prepared;
    /* What pg_begin_ticket read ahead for the change it began, valid until that transaction ends
     * (pg_txn_clear): the ticket's id and stored ref, the first page of its clock history (NULL
     * once an append of its own made it stale), and the audit head (kept by the transaction's own
     * appends: the head row's lock keeps every other writer out). */
    int64_t txn_ticket;
    char *txn_ref;
    PGresult *txn_clock;
    int64_t txn_clock_from; /* txn_clock starts at this seq, the facade memo's last (0: the whole history) */
    bool txn_head;
    int64_t head_seq; /* the head now */
    char head_hash[65];
    /* pg_ahead.c: what opening read for the first reads (each served once, then NULL/false). */
    PGresult *ahead_fill, *ahead_policy; /* meta's next_fill row; the latest policy (json, version) */
    bool ahead_changes_known, ahead_open_known;
    int64_t ahead_changes; /* slatop_schema.changes */
    int64_t ahead_open;    /* open tickets (ticket_counts) */
    bool search_indexed; /* the trigram indexes exist (pg_search.c) */
    bool (*cancel)(void *ctx); /* pg_set_cancel: asked while a read outside a transaction runs */
    void *cancel_ctx;
    store_backend *reader; /* owned, or NULL: the ordered ticket cursors' connection (pg_search.c) */
};

/* The settings every session of slatop's runs first: quiet, and a writer waits at most as long
 * as on SQLite (lock_timeout is PG_LOCK_TIMEOUT_MS); text as the bytes given; no JIT: it compiles
 * a scan's plan before the first row (100 ms and more at 1,000,000 tickets, each time), where a
 * console wants its first screen. */
#define PG_SESSION_SQL                                                                                       \
    "SET client_min_messages = warning; SET lock_timeout = 5000; SET client_encoding = 'SQL_ASCII';"          \
    " SET jit = off"
/* The notice processor of every connection: library code never prints, and the server's
 * notices are not slatop's. */
void pg_no_notices(void *arg, const char *message);

/* pg_reconnect.c: a lost connection never stops the console (SPEC §10). pg_mark_down closes a
 * connection found broken and schedules the first attempt; from then on every statement is
 * refused with pg_down_text's message until pg_reconnect_step, called from the console's loop
 * (pg_watch_due), has connected again without blocking (PQconnectStartParams/PQconnectPoll),
 * with backoff from 0.1 s doubling to 5 s. */
void pg_mark_down(store_backend *b);
/* "database unreachable since HH:MM:SS, retrying" (local time) into buf; false while connected. */
bool pg_down_text(const store_backend *b, char *buf, size_t size);
/* One non-blocking step of reconnecting; true when the connection is back, set up and listening
 * (the caller re-reads everything: notifications sent meanwhile are lost). */
bool pg_reconnect_step(store_backend *b);
/* How long the loop may sleep before the next step (ms). */
int pg_reconnect_timeout_ms(const store_backend *b);
/* Frees what reconnecting holds (pg_close). */
void pg_reconnect_done(store_backend *b);
/* A reader for b (its ordered cursors' connection, pg_search.c), not yet connected: the first
 * pg_reconnect_step starts the attempt, so that opening it never blocks the console either (a
 * host's name resolved, the handshake stepped). Without LISTEN: notifications would pile up on a
 * socket no one reads. Caller owns it (pg_close_bare). */
store_backend *pg_reader_new(const store_backend *b);
/* While r's attempt is under way: waits at most ms for its socket; false when the attempt has
 * failed (r stays down; drop it). */
bool pg_reader_wait(store_backend *r, int ms);

/* Parameters of one statement, all sent as text (NULL for SQL NULL). */
#define PG_MAX_PARAMS 64 /* a ticket update and its audit entry: 49 */
typedef struct {
    const char *v[PG_MAX_PARAMS];
    char num[PG_MAX_PARAMS][24];
    int n;
} pg_params;
void pgp_text(pg_params *p, const char *text); /* borrowed: must outlive the statement */
void pgp_int(pg_params *p, int64_t v);
void pgp_time(pg_params *p, st_time t);        /* ST_TIME_NONE is NULL */
void pgp_null(pg_params *p);

/* Runs sql with p (may be NULL). On success *out (if out is non-NULL) is the result, caller owns
 * it (PQclear); on failure err names the locator and `what` (pg_fail's mapping). */
st_code pg_run(store_backend *b, const char *sql, const pg_params *p, PGresult **out, const char *what,
               st_err *err);
/* The store's set_cancel: while cancel is set, pg_run asks it every few ms during a statement run
 * outside a transaction, and when it says stop, has the server cancel the statement: pg_run then
 * fails with ST_BUSY "interrupted" (nothing read), as SQLite's progress handler does. */
void pg_set_cancel(store_backend *b, bool (*cancel)(void *ctx), void *ctx);
/* As pg_run, for a read outside a transaction that must not hold the caller long: once budget_ms
 * have passed, the server is asked to cancel it and *late is set (ST_OK, *out NULL): the caller
 * reads another way. Inside a transaction (where a cancel would end it) it runs to its end. */
st_code pg_run_within(store_backend *b, const char *sql, const pg_params *p, int budget_ms, PGresult **out,
                      bool *late, const char *what, st_err *err);
/* r (a statement's result, NULL when the connection is lost) as pg_run returns it: *out (if out is
 * non-NULL, caller owns it) on success, else cleared and explained (pg_fail). */
st_code pg_take(store_backend *b, PGresult *r, PGresult **out, const char *what, st_err *err);
/* A failed result explained (res may be NULL: the connection's own error): SQLSTATE 40001/40P01
 * and lock timeouts -> ST_BUSY, 23xxx -> ST_CONFLICT, disk full -> ST_IO, a lost connection -> ST_IO
 * "database unreachable", anything else ST_IO with the server's primary message. */
st_code pg_fail(store_backend *b, const PGresult *res, const char *what, st_err *err);
/* The SQLSTATE of res ("" when none). */
const char *pg_state(const PGresult *res);

/* Reading with the model's conventions: NULL strings and ST_TIME_NONE are SQL NULL. */
char *pg_str(const PGresult *r, int row, int col); /* caller frees; NULL for SQL NULL */
st_time pg_time(const PGresult *r, int row, int col);
int64_t pg_int(const PGresult *r, int row, int col); /* 0 for NULL */
bool pg_null(const PGresult *r, int row, int col);

/* A server-side cursor over one query: rows a batch at a time, so a scan of millions stays in
 * constant memory, and the visitor may run other statements between batches. Outside a
 * transaction it opens a REPEATABLE READ READ ONLY one: two cursors opened in it read one
 * snapshot. */
typedef struct {
    store_backend *b;
    char name[32];
    PGresult *res;
    int row, rows;
    int batch; /* rows a FETCH asks for; 0: 500 (set after pg_cursor_open) */
    bool done, own_txn;
} pg_cursor;
st_code pg_cursor_open(store_backend *b, pg_cursor *c, const char *sql, const pg_params *p, st_err *err);
/* The next row in (*res, *row), or *res NULL at the end. res stays the cursor's. */
st_code pg_cursor_next(pg_cursor *c, const PGresult **res, int *row, st_err *err);
/* Ends the cursor (and the snapshot it opened); rc is the caller's outcome, returned (or the
 * close's own failure when rc was ST_OK). */
st_code pg_cursor_close(pg_cursor *c, st_code rc, st_err *err);

/* pg_prep.c: the statements every change runs, prepared once per connection (parsed and planned
 * once, not per change). pg_prepare prepares them all in one round trip unless this connection
 * already has them; pg_exec_prep runs one (after pg_prepare) and returns the raw result as
 * PQexecParams does (caller PQclear; NULL when the connection is lost); pg_run_prep is pg_run's
 * counterpart. The SQL EXECUTE of one is "EXECUTE " PG_P_* "(...)". */
#define PG_P_TICKET_GET "slatop_ticket_get"       /* (id): PG_TICKET_COLUMNS */
#define PG_P_AUDIT_HEAD "slatop_audit_head"       /* (): seq, hash of the newest entry */
#define PG_P_CLOCK_PAGE "slatop_clock_page"       /* (ticket, after seq, limit): PG_CLOCK_COLUMNS */
#define PG_P_TICKET_UPDATE "slatop_ticket_update" /* pg_store.c's ticket_update parameters */
#define PG_P_AUDIT_INSERT "slatop_audit_insert"   /* PG_AUDIT_COLUMNS' values */
#define PG_P_TICKET_UPDATE_AUDIT "slatop_update_audit" /* both of the above's, in one statement */
/* The rank of level $5 in policy version $15 (unknown levels sort last): a ticket's insert and
 * update. */
#define PG_LEVEL_RANK "coalesce((SELECT rank FROM policy_levels WHERE version = $15 AND level = $5), 1000000)"
#define PG_CLOCK_COLUMNS "seq, at, kind, to_level, reason, to_status, message_kind"
/* Rows of a clock history page: a longer history is read in pages of this many (keyset on seq). */
#define PG_CLOCK_PAGE_ROWS 1000
st_code pg_prepare(store_backend *b, st_err *err);
PGresult *pg_exec_prep(store_backend *b, const char *name, const pg_params *p);
st_code pg_run_prep(store_backend *b, const char *name, const pg_params *p, PGresult **out, const char *what,
                    st_err *err);

/* pg_change.c: a change's start in one round trip (store_backend.h: begin_ticket) and the clock
 * history it reads (audit_clock_scan), served from what that round trip read ahead. pg_begin_sql
 * is the statements that open a write transaction (BEGIN, the head row's lock, the
 * notification); pg_txn_clear forgets what was read ahead (every end of a transaction). */
#define PG_BEGIN_SQL "BEGIN; UPDATE slatop_schema SET changes = changes + 1; NOTIFY " PG_CHANNEL
st_code pg_begin_ticket(store_backend *b, int64_t id, int64_t clock_from, st_ticket *out, st_err *err);
st_code pg_audit_clock_scan(store_backend *b, int64_t ticket_id, int64_t from_seq, store_audit_visit visit,
                            void *ctx, st_err *err);
void pg_txn_clear(store_backend *b);
/* The audit head in r (PG_P_AUDIT_HEAD's result): the genesis hash and 0 for an empty log. */
void pg_head_from(const PGresult *r, int64_t *seq, char hash[65]);
/* Explains the failed result r of a statement (pg_fail's mapping by default); runs no statement. */
typedef st_code (*pg_explain)(store_backend *b, const PGresult *r, void *ctx, st_err *err);
/* Runs prepared statement `name` (pg_prep.c) with p, then COMMIT, in one round trip (libpq's
 * pipeline mode); ST_OK only when both succeeded and the transaction committed (the caller's
 * bookkeeping of a commit follows); on failure the caller rolls back. The statement's own failure
 * is explained by explain(ctx) when not NULL, else by pg_fail with `what`. *ran false, nothing
 * sent, when this libpq has no pipeline mode (older than 14): the caller runs the two itself. */
st_code pg_prep_then_commit(store_backend *b, const char *name, const pg_params *p, const char *what,
                            pg_explain explain, void *ctx, bool *ran, st_err *err);
/* A COMMIT's result r explained: ST_OK when it committed. */
st_code pg_commit_result(store_backend *b, const PGresult *r, st_err *err);
/* True when a deadlock or serialization failure ended the attempt: begin again. */
bool pg_retryable(const st_err *err, st_code code);

/* pg_ahead.c: opening an existing database in one round trip: LISTEN (and the read-only
 * setting), the schema version, and what every opener reads first, kept in b->ahead_*. *ready
 * false (nothing kept) when the tables are missing or at another version: the caller checks and
 * listens its usual way. pg_ahead_clear drops what is kept (a write transaction, closing). */
st_code pg_open_ahead(store_backend *b, bool *ready, st_err *err);
void pg_ahead_clear(store_backend *b);

/* pg_schema.c: the tables. pg_schema_check: ST_OK when the connected database has slatop's tables
 * at PG_SCHEMA_VERSION (*present false when it has none). pg_schema_create: creates them in one
 * transaction (refusing a database that has them). pg_schema_drop: removes them (store_remove). */
st_code pg_schema_check(store_backend *b, bool *present, st_err *err);
st_code pg_schema_create(store_backend *b, st_err *err);
st_code pg_schema_drop(store_backend *b, st_err *err);
/* The per-state counts (schema 5): pg_schema_groups_table makes the table and the trigger that
 * keeps it (pg_schema_create_tables calls it); pg_schema_groups_fill counts the tickets there
 * into it and makes the indexes of the groups' due ranges and of the list orders, inside the
 * caller's transaction (after a copy, with the insert trigger disabled meanwhile). */
st_code pg_schema_groups_table(store_backend *b, st_err *err);
st_code pg_schema_groups_fill(store_backend *b, st_err *err);

/* Every row of sql read into a new array of item_size-byte items by read. Caller owns *out (done
 * each, then free); on error nothing is returned. The ticket item pair reads PG_TICKET_COLUMNS. */
typedef st_code (*pg_row_reader)(store_backend *b, const PGresult *r, int row, void *item, st_err *err);
st_code pg_collect_rows(store_backend *b, const char *sql, const pg_params *p, const char *what, size_t item_size,
                        pg_row_reader read, void (*done)(void *item), void **out, size_t *n, st_err *err);
/* The one integer sql returns into *out (0 when it returns no row). */
st_code pg_query_int(store_backend *b, const char *sql, const pg_params *p, int64_t *out, const char *what,
                     st_err *err);
st_code pg_read_ticket_item(store_backend *b, const PGresult *r, int row, void *item, st_err *err);
void pg_free_ticket_item(void *item);

/* pg_search.c: the list's search, filters and per-state counts (store_search.h). The text search
 * goes through pg_trgm's trigram indexes when the database has them (b->search_indexed, read by
 * pg_open_ahead, or pg_schema_check for an older schema): pg_search_index_create makes them (and the extension) in a transaction of
 * its own; when it cannot, the plain scan stays (same results) and that is not an error, only a
 * lost connection is. */
#define PG_SEARCH_INDEXES "to_regclass('tickets_search') IS NOT NULL AND to_regclass('messages_search') IS NOT NULL"
st_code pg_search_index_create(store_backend *b, st_err *err);
/* The ticket cursor (store_backend's ticket_cursor_*, pg_search.c): a count's by id, keyset, a
 * window of ids at a time; an ordered read's server-side cursors on the reader connection. */
st_code pg_ticket_cursor_open(store_backend *b, const store_filter *f, store_sort sort, bool any_order, bool all,
                              void **out, st_err *err);
st_code pg_ticket_cursor_next(void *cur, st_ticket *out, size_t max, size_t *n, bool *done, st_err *err);
void pg_ticket_cursor_close(void *cur);
st_code pg_ticket_search(store_backend *b, const store_filter *f, store_sort sort, int64_t offset, int64_t limit,
                         st_ticket **out, size_t *n, st_err *err);
st_code pg_ticket_search_count(store_backend *b, const store_filter *f, int64_t *n, st_err *err);
st_code pg_ticket_groups(store_backend *b, const char *level, store_group **out, size_t *n, st_err *err);
st_code pg_ticket_count_due(store_backend *b, const store_group *g, st_time from, st_time to, bool due_none,
                            int64_t *n, st_err *err);
st_code pg_ticket_group_rows(store_backend *b, const store_group *g, st_time from, st_time to, bool due_none,
                             int64_t after_id, int64_t limit,
                             st_ticket **out, size_t *n, st_err *err);

/* pg_read.c: the streaming reads and the row readers shared with pg_store.c. */
#define PG_TICKET_COLUMNS                                                                                    \
    "id, ref, title, customer, channel, level, assignee, status, created, first_response, resolved, "        \
    "clock_start, due, response_due, breached_hist, policy_version, version, updated_by, updated_at, "       \
    "next_tier, next_key, next_metric, next_cycle, next_target_s, next_clock, next_due, next_remaining_s, "  \
    "next_paused_by, next_at"
#define PG_AUDIT_COLUMNS                                                                                     \
    "seq, at, recorded_at, actor, kind, ticket_id, from_level, to_level, old_due, new_due, reason, detail, " \
    "prev_hash, hash, from_status, to_status, message_id, message_kind, body_sha256, host"
st_code pg_ticket_from_row(store_backend *b, const PGresult *r, int row, st_ticket *t, st_err *err);
st_code pg_audit_from_row(const PGresult *r, int row, st_audit_entry *e, st_err *err);
/* The list's SQL for sort (LIMIT $1 OFFSET $2). */
const char *pg_ticket_list_sql(store_sort sort, bool include_resolved);
st_code pg_audit_scan(store_backend *b, store_audit_visit visit, void *ctx, st_err *err);
st_code pg_ticket_scan(store_backend *b, store_ticket_visit visit, void *ctx, st_err *err);
st_code pg_ticket_histories(store_backend *b, st_time before, store_history_visit visit, void *ctx, st_err *err);
st_code pg_audit_range(store_backend *b, const store_audit_range *r, store_audit_visit visit, void *ctx,
                       st_err *err);
st_code pg_ticket_stream(store_backend *b, const store_list_query *q, bool with_history,
                         store_ticket_stream_visit visit, void *ctx, st_err *err);

/* pg_uptime.c: the uptime cache ops. */
st_code pg_uptime_put_minutes(store_backend *b, const char *source, st_time month_start,
                              const uptime_minute *minutes, size_t n, st_err *err);
st_code pg_uptime_get_minutes(store_backend *b, const char *source, st_time month_start, uptime_minute *out,
                              size_t n, size_t *found, st_err *err);
st_code pg_uptime_month_get(store_backend *b, const char *source, const char *month, bool *known,
                            st_time *fetched_at, bool *complete, st_err *err);
st_code pg_uptime_month_put(store_backend *b, const char *source, const char *month, st_time fetched_at,
                            bool complete, st_err *err);
st_code pg_uptime_windows_put(store_backend *b, const char *source, const uptime_window *w, size_t n,
                              st_err *err);
st_code pg_uptime_windows_get(store_backend *b, const char *source, uptime_window **out, size_t *n,
                              st_err *err);

/* pg_migrate.c: store_migrate's source (store_backend.h: dump) and target. pg_open_bare connects
 * to locator as a CREATE open does (making a missing database, checking its encoding) without
 * reading or creating slatop's tables; caller owns *out (pg_close_bare). pg_schema_create_tables:
 * slatop's tables, in the caller's open transaction. */
st_code pg_dump(store_backend *b, const char *const *tables, size_t n_tables, store_row_visit visit, void *ctx,
                int64_t *head_seq, char head_hash[65], st_err *err);
st_code pg_open_bare(const char *locator, store_backend **out, st_err *err);
void pg_close_bare(store_backend *b);
st_code pg_schema_create_tables(store_backend *b, st_err *err);
/* store_tickets_by_id's batched read (pg_by_id.c): one WHERE id = ANY($1). */
st_code pg_tickets_by_id(store_backend *b, const char *ids, st_ticket **out, size_t *n_out, st_err *err);

#endif
