/* pg_store: the PostgreSQL backend of the store (store_backend.h: store_pg_ops), selected by a
 * postgresql:// or postgres:// locator (SPEC §10). One connection per store, PostgreSQL 13 or
 * newer, schema 3 as on SQLite (pg_schema.c). Every write transaction first updates the one row
 * of slatop_schema: that row lock serializes writers as SQLite's BEGIN IMMEDIATE does, so the
 * facade's read of the audit head and its append cannot interleave with another writer's on any
 * host (POSTGRES.md: a locked head row, 0 forks in 1,600 appends), ids are max + 1 as SQLite's
 * rowids, and the row's counter tells readers that something changed. Passwords come from libpq's
 * own sources only (~/.pgpass, PGPASSFILE, PGPASSWORD, a service file): a locator carrying one is
 * refused, and messages name the locator with it removed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

#define NO_DB_HINT "create slatop's tables with 'slatop init --db LOCATOR --policy FILE'"

static void pg_close(store_backend *b);
static void pg_rollback(store_backend *b);

/* ---- the locator -------------------------------------------------------------------------- */

/* store_backend.h: locator with any password replaced (user:PASSWORD@ and password=VALUE), for
 * messages. Caller owns the result. */
char *store_pg_redact(const char *locator)
{
    strbuf sb;
    sb_init(&sb);
    const char *p = locator;
    const char *scheme = strstr(p, "://");
    if (scheme) {
        const char *auth = scheme + 3, *at = NULL;
        size_t alen = strcspn(auth, "/?");
        for (const char *q = auth; q < auth + alen; q++)
            if (*q == '@')
                at = q;
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            sb_append_n(&sb, p, (size_t)(colon - p));
            sb_append(&sb, ":***");
            p = at;
        }
    }
    for (;;) {
        const char *key = strstr(p, "password=");
        if (!key) {
            sb_append(&sb, p);
            break;
        }
        sb_append_n(&sb, p, (size_t)(key - p) + 9);
        p = key + 9;
        if (key == locator || strchr("?& ", key[-1])) {
            sb_append(&sb, "***");
            p += strcspn(p, "& ");
        }
    }
    return sb_steal(&sb);
}

/* Refuses a locator libpq cannot read, and one that carries a password (SPEC §10). */
static st_code check_locator(const char *locator, const char *name, st_err *err)
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(locator, &msg);
    if (!opts) {
        st_code code = st_fail(err, ST_USAGE, "%s: not a valid PostgreSQL locator (%.*s)", name,
                               msg ? (int)strcspn(msg, "\n") : 7, msg ? msg : "unknown");
        PQfreemem(msg);
        return code;
    }
    bool password = false;
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
            password = true;
    PQconninfoFree(opts);
    if (password)
        return st_fail(err, ST_USAGE,
                       "%s: a password in the locator is refused: put it in ~/.pgpass (or PGPASSFILE, "
                       "PGPASSWORD, a service file)",
                       name);
    return ST_OK;
}

/* The database the locator names (owned by the caller; NULL when it names none). */
static char *locator_dbname(const char *locator)
{
    PQconninfoOption *opts = PQconninfoParse(locator, NULL);
    char *db = NULL;
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, "dbname") == 0 && o->val && *o->val)
            db = xstrdup(o->val);
    PQconninfoFree(opts);
    return db;
}

void pg_no_notices(void *arg, const char *message)
{
    (void)arg, (void)message;
}

/* Connects to locator (or, with maintenance, to the same server's "postgres" database), then
 * sets the session up unless the caller sends PG_SESSION_SQL itself (pg_open_ahead does, in its
 * one round trip). */
static st_code connect_to(store_backend *b, const char *locator, bool maintenance, bool session, st_err *err)
{
    pg_conn_params cp; /* keepalives and timeouts (pg_net.c); the name resolved by libpq: it may block here */
    pg_conn_params_init(&cp, locator);
    if (maintenance)
        pg_conn_params_add(&cp, "dbname", "postgres");
    b->conn = PQconnectdbParams(cp.keys, cp.vals, 1);
    if (!b->conn)
        return st_fail(err, ST_IO, "%s: cannot connect: out of memory", b->name);
    PQsetNoticeProcessor(b->conn, pg_no_notices, NULL);
    if (PQstatus(b->conn) != CONNECTION_OK) {
        char msg[300];
        const char *m = PQerrorMessage(b->conn);
        /* libpq's message may span lines ("connection to server ... failed: FATAL: ..."). */
        size_t i = 0;
        for (; *m && i + 1 < sizeof msg; m++)
            msg[i++] = (unsigned char)*m < 0x20 ? ' ' : *m;
        while (i > 0 && msg[i - 1] == ' ')
            i--;
        msg[i] = '\0';
        if (strstr(msg, "does not exist") && strstr(msg, "database"))
            return st_fail(err, ST_NOTFOUND, "%s: no such database (" NO_DB_HINT ")", b->name);
        if (strstr(msg, "password") || strstr(msg, "authentication"))
            return st_fail(err, ST_IO, "%s: authentication failed: %s", b->name, msg);
        return st_fail(err, ST_IO, "%s: cannot connect: %s", b->name, msg);
    }
    if (PQserverVersion(b->conn) < 130000)
        return st_fail(err, ST_INVALID, "%s: PostgreSQL %d is older than 13, which slatop needs", b->name,
                       PQserverVersion(b->conn) / 10000);
    return session ? pg_run(b, PG_SESSION_SQL, NULL, NULL, "setting up the session", err) : ST_OK;
}

/* CREATE on a database that does not exist yet: made through the server's maintenance database
 * when the role may (CREATEDB); otherwise the administrator makes it (README). SQL_ASCII and the
 * C locale: text is stored as the bytes slatop was given (titles may hold any bytes but NUL, as
 * on SQLite; the audit hashes cover those bytes) and sorts in byte order, as on SQLite. */
static st_code create_database(store_backend *b, const char *locator, st_err *err)
{
    char *db = locator_dbname(locator);
    if (!db)
        return st_fail(err, ST_NOTFOUND, "%s: no such database (" NO_DB_HINT ")", b->name);
    st_code code = connect_to(b, locator, true, true, err);
    if (code == ST_OK) {
        char *ident = PQescapeIdentifier(b->conn, db, strlen(db));
        char *sql = xasprintf("CREATE DATABASE %s ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'"
                              " TEMPLATE template0",
                              ident ? ident : "\"\"");
        code = pg_run(b, sql, NULL, NULL, "creating the database", err);
        free(sql);
        PQfreemem(ident);
    }
    PQfinish(b->conn);
    b->conn = NULL;
    free(db);
    return code;
}

/* A database slatop creates its tables in must store bytes as given (create_database). */
static st_code check_encoding(store_backend *b, st_err *err)
{
    PGresult *r = NULL;
    st_code code = pg_run(b, "SHOW server_encoding", NULL, &r, "reading the database's encoding", err);
    if (code != ST_OK)
        return code;
    if (strcmp(PQgetvalue(r, 0, 0), "SQL_ASCII") != 0)
        code = st_fail(err, ST_INVALID,
                       "%s: the database's encoding is %.20s; slatop stores text as given and needs one created "
                       "with ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
                       b->name, PQgetvalue(r, 0, 0));
    PQclear(r);
    return code;
}

/* ---- opening ------------------------------------------------------------------------------ */

static st_code pg_open(const char *locator, store_mode mode, store_backend **out, st_err *err)
{
    *out = NULL;
    store_backend *b = xcalloc(1, sizeof *b);
    b->name = store_pg_redact(locator);
    b->locator = xstrdup(locator);
    b->read_only = mode == STORE_OPEN_RO;
    st_code code = pg_lib_load(b->name, err);
    if (code == ST_OK)
        code = check_locator(locator, b->name, err);
    if (code == ST_OK)
        code = connect_to(b, locator, false, mode == STORE_OPEN_CREATE, err);
    if (code == ST_NOTFOUND && mode == STORE_OPEN_CREATE) {
        PQfinish(b->conn);
        b->conn = NULL;
        code = create_database(b, locator, err);
        if (code == ST_OK)
            code = connect_to(b, locator, false, true, err);
    }
    bool present = false, ready = false;
    if (code == ST_OK && mode != STORE_OPEN_CREATE)
        code = pg_open_ahead(b, &ready, err); /* the usual case: the checks below in one round trip */
    if (code == ST_OK && mode == STORE_OPEN_CREATE)
        code = check_encoding(b, err);
    if (code == ST_OK && mode == STORE_OPEN_CREATE)
        code = pg_schema_create(b, err);
    else if (code == ST_OK && !ready && (code = pg_schema_check(b, &present, err)) == ST_OK && !present)
        code = st_fail(err, ST_NOTFOUND, "%s: no slatop tables in this database (" NO_DB_HINT ")", b->name);
    /* Every commit notifies; LISTEN makes the connection's socket the watch descriptor. */
    if (code == ST_OK && !ready)
        code = pg_run(b, "LISTEN " PG_CHANNEL, NULL, NULL, "listening for changes", err);
    if (code == ST_OK && !ready && b->read_only)
        code = pg_run(b, "SET default_transaction_read_only = on", NULL, NULL, "setting up the session", err);
    /* The trigram search indexes, made once by the first writer that can (pg_search.c; an older
     * schema's were seen to by pg_schema_check). */
    if (code == ST_OK && ready && !b->search_indexed && !b->read_only)
        code = pg_search_index_create(b, err);
    if (code != ST_OK) {
        pg_close(b);
        return code;
    }
    *out = b;
    return ST_OK;
}

/* pg_internal.h: store_migrate's target, connected as CREATE connects (the database made when
 * missing, its encoding checked) but without slatop's tables: pg_migrate.c creates them in the
 * transaction that fills them. */
st_code pg_open_bare(const char *locator, store_backend **out, st_err *err)
{
    *out = NULL;
    store_backend *b = xcalloc(1, sizeof *b);
    b->name = store_pg_redact(locator);
    st_code code = pg_lib_load(b->name, err);
    if (code == ST_OK)
        code = check_locator(locator, b->name, err);
    if (code == ST_OK)
        code = connect_to(b, locator, false, true, err);
    if (code == ST_NOTFOUND) {
        PQfinish(b->conn);
        b->conn = NULL;
        code = create_database(b, locator, err);
        if (code == ST_OK)
            code = connect_to(b, locator, false, true, err);
    }
    if (code == ST_OK)
        code = check_encoding(b, err);
    if (code != ST_OK) {
        pg_close(b);
        return code;
    }
    *out = b;
    return ST_OK;
}

void pg_close_bare(store_backend *b)
{
    pg_close(b);
}

static void pg_close(store_backend *b)
{
    if (!b)
        return;
    if (b->conn) {
        pg_rollback(b);
        PQfinish(b->conn);
    }
    pg_close(b->reader);
    pg_reconnect_done(b);
    pg_txn_clear(b);
    pg_ahead_clear(b);
    free(b->locator);
    free(b->name);
    free(b);
}

/* slatop's tables and functions; the database itself stays (its administrator made it). */
static st_code pg_remove(const char *locator, st_err *err)
{
    store_backend b = {.name = store_pg_redact(locator)};
    st_code code = pg_lib_load(b.name, err);
    if (code == ST_OK)
        code = check_locator(locator, b.name, err);
    if (code == ST_OK)
        code = connect_to(&b, locator, false, true, err);
    if (code == ST_NOTFOUND)
        code = ST_OK; /* no database, nothing to remove */
    else if (code == ST_OK)
        code = pg_schema_drop(&b, err);
    if (b.conn)
        PQfinish(b.conn);
    free(b.name);
    return code;
}

/* ---- transactions ------------------------------------------------------------------------- */

/* BEGIN, then the head row's lock (and its change counter, and the notification sent at COMMIT):
 * one round trip. A deadlock or serialization failure on the lock is retried. */
static st_code pg_begin(store_backend *b, st_err *err)
{
    st_code code = ST_OK;
    pg_txn_clear(b);
    pg_ahead_clear(b); /* what opening read may be this transaction's to change */
    for (int attempt = 0; attempt < 5; attempt++) {
        code = pg_run(b, PG_BEGIN_SQL, NULL, NULL, "starting a change", err);
        if (code == ST_OK) {
            b->in_txn = true;
            return ST_OK;
        }
        PQclear(PQexec(b->conn, "ROLLBACK"));
        if (!pg_retryable(err, code))
            break;
    }
    return code;
}

/* The bookkeeping of a commit (pg_commit's, pg_audit_insert_commit's). */
static void committed(store_backend *b)
{
    b->in_txn = false;
    b->own_commits++;
}

static st_code pg_commit(store_backend *b, st_err *err)
{
    pg_txn_clear(b);
    PGresult *r = PQexec(b->conn, "COMMIT");
    st_code code = pg_commit_result(b, r, err);
    PQclear(r);
    if (code != ST_OK) {
        pg_rollback(b);
        return code;
    }
    committed(b);
    return ST_OK;
}

static void pg_rollback(store_backend *b)
{
    pg_txn_clear(b);
    if (b->in_txn || PQtransactionStatus(b->conn) != PQTRANS_IDLE)
        PQclear(PQexec(b->conn, "ROLLBACK"));
    b->in_txn = false;
}

/* ---- maintenance and change notification -------------------------------------------------- */

static void pg_defer_maintenance(store_backend *b)
{
    (void)b; /* the server does its own (autovacuum) */
}

static bool pg_idle(store_backend *b)
{
    (void)b;
    return false;
}

/* The connection's socket: readable when a NOTIFY arrives (or the server ends the session). */
static int pg_watch_fd(store_backend *b)
{
    return PQsocket(b->conn);
}

#define SAFETY_POLL_MS 1000 /* notifications already read into libpq's queue do not wake poll */

/* True when another connection's commit was announced. Our own commits notify us too (the
 * sender hears itself): those are not a change. A lost connection is noticed here (the server
 * ended the session: the socket reads EOF) and reconnected from here, without blocking; true once
 * it is back, since what changed meanwhile was never announced to us. */
static bool pg_watch_due(store_backend *b)
{
    if (b->down)
        return pg_reconnect_step(b);
    bool due = false;
    st_mono now = mono_now();
    if (now >= b->next_poll) {
        b->next_poll = now + SAFETY_POLL_MS * 1000000LL;
        due = true;
    }
    if (!PQconsumeInput(b->conn) || PQstatus(b->conn) == CONNECTION_BAD) {
        pg_mark_down(b);
        return false;
    }
    int self = PQbackendPID(b->conn);
    PGnotify *n;
    while ((n = PQnotifies(b->conn)) != NULL) {
        if (n->be_pid != self)
            due = true;
        PQfreemem(n);
    }
    return due;
}

static int pg_watch_timeout_ms(store_backend *b, int timeout_ms)
{
    if (b->down) {
        int want = pg_reconnect_timeout_ms(b);
        return timeout_ms < 0 || want < timeout_ms ? want : timeout_ms;
    }
    st_mono now = mono_now();
    int want = b->next_poll > now ? (int)((b->next_poll - now) / 1000000) + 1 : 0;
    return timeout_ms < 0 || want < timeout_ms ? want : timeout_ms;
}

/* The counter every write transaction moves, less this connection's own commits. */
static st_code pg_changes_since(store_backend *b, int64_t *version, bool *changed, st_err *err)
{
    int64_t v;
    if (b->ahead_changes_known) { /* read with opening (pg_ahead.c), once */
        b->ahead_changes_known = false;
        v = b->ahead_changes - b->own_commits;
    } else {
        PGresult *r = NULL;
        st_code code = pg_run(b, "SELECT changes FROM slatop_schema", NULL, &r, "reading the change counter", err);
        if (code != ST_OK)
            return code;
        v = (PQntuples(r) == 1 ? pg_int(r, 0, 0) : 0) - b->own_commits;
        PQclear(r);
    }
    *changed = *version != v;
    *version = v;
    return ST_OK;
}

static bool pg_unreachable(store_backend *b, char *msg, size_t size)
{
    return pg_down_text(b, msg, size);
}

/* ---- meta and policies -------------------------------------------------------------------- */

/* One row's first column as text into *value (NULL when no row). */
static st_code query_str(store_backend *b, const char *sql, const pg_params *p, char **value, bool *found,
                         const char *what, st_err *err)
{
    *value = NULL;
    PGresult *r = NULL;
    st_code code = pg_run(b, sql, p, &r, what, err);
    if (code != ST_OK)
        return code;
    *found = PQntuples(r) > 0;
    if (*found)
        *value = pg_str(r, 0, 0);
    PQclear(r);
    return ST_OK;
}

static st_code query_int(store_backend *b, const char *sql, const pg_params *p, int64_t *out, const char *what,
                         st_err *err)
{
    PGresult *r = NULL;
    st_code code = pg_run(b, sql, p, &r, what, err);
    if (code != ST_OK)
        return code;
    *out = PQntuples(r) > 0 ? pg_int(r, 0, 0) : 0;
    PQclear(r);
    return ST_OK;
}

/* Every row of sql read into a new array of item_size-byte items. Caller owns *out (done each,
 * then free); on error nothing is returned. */
typedef pg_row_reader row_reader;
static st_code collect_rows(store_backend *b, const char *sql, const pg_params *p, const char *what,
                            size_t item_size, row_reader read, void (*done)(void *item), void **out, size_t *n,
                            st_err *err)
{
    *out = NULL;
    *n = 0;
    PGresult *r = NULL;
    st_code code = pg_run(b, sql, p, &r, what, err);
    if (code != ST_OK)
        return code;
    int rows = PQntuples(r), i = 0;
    char *arr = rows > 0 ? xcalloc((size_t)rows, item_size) : NULL;
    for (; code == ST_OK && i < rows; i++)
        code = read(b, r, i, arr + (size_t)i * item_size, err);
    PQclear(r);
    if (code != ST_OK) {
        for (int j = 0; j < i; j++)
            done(arr + (size_t)j * item_size);
        free(arr);
        return code;
    }
    *out = arr;
    *n = (size_t)rows;
    return ST_OK;
}

st_code pg_query_int(store_backend *b, const char *sql, const pg_params *p, int64_t *out, const char *what,
                     st_err *err)
{
    return query_int(b, sql, p, out, what, err);
}

st_code pg_collect_rows(store_backend *b, const char *sql, const pg_params *p, const char *what, size_t item_size,
                        pg_row_reader read, void (*done)(void *item), void **out, size_t *n, st_err *err)
{
    return collect_rows(b, sql, p, what, item_size, read, done, out, n, err);
}

st_code pg_read_ticket_item(store_backend *b, const PGresult *r, int row, void *item, st_err *err)
{
    return pg_ticket_from_row(b, r, row, item, err);
}

void pg_free_ticket_item(void *item)
{
    ticket_done(item);
}

static st_code pg_meta_get(store_backend *b, const char *key, char **value, st_err *err)
{
    if (b->ahead_fill && strcmp(key, "next_fill") == 0) { /* read with opening (pg_ahead.c), once */
        *value = PQntuples(b->ahead_fill) > 0 ? pg_str(b->ahead_fill, 0, 0) : NULL;
        PQclear(b->ahead_fill);
        b->ahead_fill = NULL;
        return ST_OK;
    }
    pg_params p = {0};
    pgp_text(&p, key);
    bool found;
    return query_str(b, "SELECT value FROM meta WHERE key = $1", &p, value, &found, "reading metadata", err);
}

static st_code pg_meta_set(store_backend *b, const char *key, const char *value, st_err *err)
{
    pg_params p = {0};
    pgp_text(&p, key);
    if (value)
        pgp_text(&p, value);
    return pg_run(b,
                  value ? "INSERT INTO meta(key, value) VALUES ($1, $2)"
                          " ON CONFLICT(key) DO UPDATE SET value = excluded.value"
                        : "DELETE FROM meta WHERE key = $1",
                  &p, NULL, "writing metadata", err);
}

static st_code pg_policy_put(store_backend *b, const char *json, const char *sha256_hex, st_time at,
                             const char *actor, const char *reason, int64_t *version_out, st_err *err)
{
    int64_t next = 0;
    st_code code = query_int(b, "SELECT coalesce(max(version), 0) + 1 FROM policy_versions", NULL, &next,
                             "storing a policy version", err);
    pg_params p = {0};
    pgp_int(&p, next);
    pgp_text(&p, json);
    pgp_text(&p, sha256_hex);
    pgp_time(&p, at);
    pgp_text(&p, actor);
    pgp_text(&p, reason);
    if (code == ST_OK)
        code = pg_run(b,
                      "INSERT INTO policy_versions(version, json, sha256, applied_at, actor, reason)"
                      " VALUES ($1, $2, $3, $4, $5, $6)",
                      &p, NULL, "storing a policy version", err);
    if (code == ST_OK) {
        p.n = 2;
        code = pg_run(b,
                      "INSERT INTO policy_levels(version, level, rank) SELECT $1, level, rank"
                      " FROM slatop_levels($2) ON CONFLICT DO NOTHING",
                      &p, NULL, "storing a policy's levels", err);
    }
    if (code == ST_OK && version_out)
        *version_out = next;
    return code;
}

static st_code pg_policy_get(store_backend *b, int64_t version, char **json, int64_t *version_out, st_err *err)
{
    *json = NULL;
    pg_params p = {0};
    pgp_int(&p, version);
    PGresult *r = NULL;
    st_code code = ST_OK;
    if (version == 0 && b->ahead_policy) { /* read with opening (pg_ahead.c), once */
        r = b->ahead_policy;
        b->ahead_policy = NULL;
    } else {
        code = pg_run(b,
                      version == 0 ? "SELECT json, version FROM policy_versions WHERE $1::bigint = 0"
                                     " ORDER BY version DESC LIMIT 1"
                                   : "SELECT json, version FROM policy_versions WHERE version = $1",
                      &p, &r, "reading a policy version", err);
    }
    if (code != ST_OK)
        return code;
    if (PQntuples(r) == 1) {
        *json = pg_str(r, 0, 0);
        if (version_out)
            *version_out = pg_int(r, 0, 1);
    } else {
        code = version == 0
                   ? st_fail(err, ST_NOTFOUND, "%s: no policy stored", b->name)
                   : st_fail(err, ST_NOTFOUND, "%s: policy version %" PRId64 " not found", b->name, version);
    }
    PQclear(r);
    return code;
}

/* ---- tickets ------------------------------------------------------------------------------ */

/* Every stored field but id and version as parameters $1..$17 (insert and update share it). */
static void ticket_params(pg_params *p, const st_ticket *t)
{
    pgp_text(p, t->ref);
    pgp_text(p, t->title);
    pgp_text(p, t->customer);
    pgp_text(p, t->channel);
    pgp_text(p, t->level);
    pgp_text(p, t->assignee);
    pgp_text(p, tk_status_name(t->status));
    pgp_time(p, t->created);
    pgp_time(p, t->first_response);
    pgp_time(p, t->resolved);
    pgp_time(p, t->clock_start);
    pgp_time(p, t->due);
    pgp_time(p, t->response_due);
    pgp_int(p, t->breached_hist ? 1 : 0);
    pgp_int(p, t->policy_version);
    pgp_text(p, t->updated_by);
    pgp_time(p, t->updated_at);
}

static st_code pg_ticket_find_ref(store_backend *b, const char *ref, int64_t *id_out, st_err *err)
{
    pg_params p = {0};
    pgp_text(&p, ref);
    PGresult *r = NULL;
    st_code code = pg_run(b, "SELECT id FROM tickets WHERE ref = $1", &p, &r, "looking up a ref", err);
    if (code != ST_OK)
        return code;
    if (PQntuples(r) == 1)
        *id_out = pg_int(r, 0, 0);
    else
        code = st_fail(err, ST_NOTFOUND, "no ticket with ref '%s'", ref ? ref : "");
    PQclear(r);
    return code;
}

/* A ticket write refused before it runs, as SQLite explains it after: a failed statement would
 * abort the whole transaction here. Writers are serialized, so the check cannot race. */
static st_code ticket_precheck(store_backend *b, const st_ticket *t, int64_t self, st_err *err)
{
    /* The ref the change read with the ticket: the UNIQUE index keeps it from every other one. */
    bool kept = t->ref && b->txn_ref ? strcmp(t->ref, b->txn_ref) == 0 : !t->ref && !b->txn_ref;
    if (self != 0 && self == b->txn_ticket && kept)
        return ST_OK;
    if (t->ref) {
        int64_t other = 0;
        st_err ignored;
        if (pg_ticket_find_ref(b, t->ref, &other, &ignored) == ST_OK && other != self)
            return st_fail(err, ST_CONFLICT, "ref '%s' already exists (ticket %" PRId64 ")", t->ref, other);
    }
    return ST_OK;
}

/* A failed ticket write, explained as SQLite's backend does. */
static st_code ticket_write_fail(store_backend *b, const PGresult *r, const st_ticket *t, const char *what,
                                 st_err *err)
{
    const char *state = pg_state(r);
    if (strcmp(state, "23503") == 0)
        return st_fail(err, ST_INVALID, "%s: %s: policy version %" PRId64 " does not exist", b->name, what,
                       t->policy_version);
    if (strcmp(state, "23502") == 0 || strcmp(state, "23514") == 0)
        return st_fail(err, ST_INVALID, "%s: %s: %s", b->name, what, PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
    if (strcmp(state, "23505") == 0 && t->ref)
        return st_fail(err, ST_CONFLICT, "ref '%s' already exists", t->ref);
    return pg_fail(b, r, what, err);
}

/* Runs a ticket write: sql, or with prepared the statement of that name (pg_prep.c); its failure
 * explained by ticket_write_fail. */
static st_code ticket_write(store_backend *b, const char *sql, bool prepared, const pg_params *p, const st_ticket *t,
                            const char *what, PGresult **out, st_err *err)
{
    st_code code = prepared ? pg_prepare(b, err) : ST_OK;
    if (code != ST_OK)
        return code;
    PGresult *r = prepared ? pg_exec_prep(b, sql, p) : PQexecParams(b->conn, sql, p->n, NULL, p->v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        code = ticket_write_fail(b, r, t, what, err);
        PQclear(r);
        return code;
    }
    *out = r;
    return ST_OK;
}

static st_code pg_ticket_insert(store_backend *b, st_ticket *t, st_err *err)
{
    st_code code = ticket_precheck(b, t, 0, err);
    if (code != ST_OK)
        return code;
    pg_params p = {0};
    ticket_params(&p, t);
    PGresult *r = NULL;
    code = ticket_write(b,
                        "INSERT INTO tickets(id, ref, title, customer, channel, level, assignee, status, created,"
                        " first_response, resolved, clock_start, due, response_due, breached_hist,"
                        " policy_version, updated_by, updated_at, version, level_rank)"
                        " VALUES ((SELECT coalesce(max(id), 0) + 1 FROM tickets), $1, $2, $3, $4, $5, $6, $7, $8,"
                        " $9, $10, $11, $12, $13, $14, $15, $16, $17, 1, " PG_LEVEL_RANK ") RETURNING id",
                        false, &p, t, "adding a ticket", &r, err);
    if (code != ST_OK)
        return code;
    t->id = pg_int(r, 0, 0);
    t->version = 1;
    PQclear(r);
    return ST_OK;
}

/* Explains why an update matched no row: the ticket is gone, or someone changed it first. */
static st_code stale_ticket(store_backend *b, int64_t id, int64_t expect_version, st_err *err)
{
    pg_params p = {0};
    pgp_int(&p, id);
    PGresult *r = NULL;
    st_code code =
        pg_run(b, "SELECT version, updated_by, updated_at FROM tickets WHERE id = $1", &p, &r, "reading a ticket", err);
    if (code != ST_OK)
        return code;
    if (PQntuples(r) == 1) {
        char when[21] = "an unknown time";
        st_time at = pg_time(r, 0, 2);
        if (at != ST_TIME_NONE)
            time_format_iso(at, when);
        code = st_fail(err, ST_CONFLICT,
                       "ticket %" PRId64 " changed since version %" PRId64 ": by %s at %s (now version %" PRId64 ")",
                       id, expect_version, pg_null(r, 0, 1) ? "unknown" : PQgetvalue(r, 0, 1), when,
                       pg_int(r, 0, 0));
    } else {
        code = st_fail(err, ST_NOTFOUND, "ticket %" PRId64 " not found", id);
    }
    PQclear(r);
    return code;
}

/* The ten next-clock columns (next_tier .. next_at, in schema order) as the next parameters. */
static void next_params(pg_params *p, const tk_next *nx)
{
    pgp_int(p, nx->tier);
    pgp_int(p, nx->key);
    pgp_int(p, nx->metric);
    pgp_int(p, nx->cycle);
    pgp_int(p, nx->target_s);
    pgp_int(p, nx->clock);
    pgp_time(p, nx->due);
    pgp_int(p, nx->remaining_s);
    pgp_int(p, nx->paused_by);
    pgp_time(p, nx->at);
}

/* An update's checks, then its parameters (PG_P_TICKET_UPDATE's) into *p. */
static st_code update_params(store_backend *b, const st_ticket *t, int64_t expect_version, pg_params *p,
                             st_err *err)
{
    st_code code = ticket_precheck(b, t, t->id, err);
    if (code != ST_OK)
        return code;
    *p = (pg_params){0};
    ticket_params(p, t);
    pgp_int(p, t->id);
    pgp_int(p, expect_version);
    next_params(p, &t->next); /* the row and its next clock in one write, as on SQLite */
    return ST_OK;
}

static st_code pg_ticket_update(store_backend *b, st_ticket *t, int64_t expect_version, st_err *err)
{
    pg_params p;
    st_code code = update_params(b, t, expect_version, &p, err);
    if (code != ST_OK)
        return code;
    PGresult *r = NULL;
    code = ticket_write(b, PG_P_TICKET_UPDATE, true, &p, t, "updating a ticket", &r, err);
    if (code != ST_OK)
        return code;
    bool none = strcmp(PQcmdTuples(r), "0") == 0;
    PQclear(r);
    if (none)
        return stale_ticket(b, t->id, expect_version, err);
    t->version = expect_version + 1;
    if (t->id == b->txn_ticket) { /* its ref as stored now (ticket_precheck) */
        free(b->txn_ref);
        b->txn_ref = xstrdup(t->ref);
    }
    return ST_OK;
}

static st_code pg_ticket_get(store_backend *b, int64_t id, st_ticket *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    pg_params p = {0};
    pgp_int(&p, id);
    PGresult *r = NULL;
    st_code code =
        pg_run(b, "SELECT " PG_TICKET_COLUMNS " FROM tickets WHERE id = $1", &p, &r, "reading a ticket", err);
    if (code != ST_OK)
        return code;
    if (PQntuples(r) == 1) {
        code = pg_ticket_from_row(b, r, 0, out, err);
        if (code != ST_OK)
            ticket_done(out);
    } else {
        code = st_fail(err, ST_NOTFOUND, "ticket %" PRId64 " not found", id);
    }
    PQclear(r);
    return code;
}

static st_code read_id(store_backend *b, const PGresult *r, int row, void *item, st_err *err)
{
    (void)b, (void)err;
    *(int64_t *)item = pg_int(r, row, 0);
    return ST_OK;
}

static void no_done(void *item)
{
    (void)item;
}

/* The first column of every row as ids. Caller owns *ids. */
static st_code collect_ids(store_backend *b, const char *sql, const pg_params *p, int64_t **ids, size_t *n,
                           st_err *err)
{
    void *arr = NULL;
    st_code code = collect_rows(b, sql, p, "listing tickets", sizeof **ids, read_id, no_done, &arr, n, err);
    *ids = arr;
    return code;
}

static st_code pg_tickets_using_level(store_backend *b, const char *level, int64_t **ids, size_t *n, st_err *err)
{
    pg_params p = {0};
    pgp_text(&p, level);
    return collect_ids(b,
                       "SELECT id FROM tickets WHERE status <> 'resolved' AND level = $1"
                       " AND policy_version <> (SELECT coalesce(max(version), 0) FROM policy_versions)"
                       " ORDER BY id",
                       &p, ids, n, err);
}

static st_code pg_ticket_list(store_backend *b, const store_list_query *q, st_ticket **out, size_t *n, st_err *err)
{
    *out = NULL;
    *n = 0;
    pg_params p = {0};
    if (q->limit > 0)
        pgp_int(&p, q->limit);
    else
        pgp_null(&p);
    pgp_int(&p, q->offset > 0 ? q->offset : 0);
    void *arr = NULL;
    st_code code = collect_rows(b, pg_ticket_list_sql(q->sort, q->include_resolved), &p, "listing tickets",
                                sizeof **out, pg_read_ticket_item, pg_free_ticket_item, &arr, n, err);
    *out = arr;
    return code;
}

static st_code pg_ticket_count(store_backend *b, bool include_resolved, int64_t *n, st_err *err)
{
    if (!include_resolved && b->ahead_open_known) { /* read with opening (pg_ahead.c), once */
        b->ahead_open_known = false;
        *n = b->ahead_open;
        return ST_OK;
    }
    return query_int(b,
                     include_resolved ? "SELECT coalesce(sum(n), 0) FROM ticket_counts"
                                      : "SELECT coalesce(sum(n), 0) FROM ticket_counts WHERE status <> 'resolved'",
                     NULL, n, "counting tickets", err);
}

static st_code pg_ticket_set_next(store_backend *b, int64_t id, const tk_next *nx, st_err *err)
{
    pg_params p = {0};
    pgp_int(&p, id);
    next_params(&p, nx);
    PGresult *r = NULL;
    st_code code = pg_run(b,
                          "UPDATE tickets SET next_tier = $2, next_key = $3, next_metric = $4, next_cycle = $5,"
                          " next_target_s = $6, next_clock = $7, next_due = $8, next_remaining_s = $9,"
                          " next_paused_by = $10, next_at = $11 WHERE id = $1",
                          &p, &r, "storing a ticket's next clock", err);
    if (code != ST_OK)
        return code;
    if (strcmp(PQcmdTuples(r), "0") == 0)
        code = st_fail(err, ST_NOTFOUND, "ticket %" PRId64 " not found", id);
    PQclear(r);
    return code;
}

static st_code pg_tickets_next_missing(store_backend *b, size_t limit, int64_t **ids, size_t *n, st_err *err)
{
    pg_params p = {0};
    pgp_int(&p, (int64_t)limit);
    return collect_ids(b, "SELECT id FROM tickets WHERE next_tier IS NULL ORDER BY id LIMIT $1", &p, ids, n, err);
}

/* ---- messages ----------------------------------------------------------------------------- */

#define MESSAGE_COLUMNS "id, ticket_id, kind, author, at, recorded_at, body"

static st_code message_from_row(store_backend *b, const PGresult *r, int row, void *item, st_err *err)
{
    st_message *m = item;
    memset(m, 0, sizeof *m);
    m->id = pg_int(r, row, 0);
    const char *kind = PQgetvalue(r, row, 2);
    if (!msg_kind_parse(kind, &m->kind))
        return st_fail(err, ST_INVALID, "%s: message %" PRId64 ": unknown kind '%.40s'", b->name, m->id, kind);
    m->ticket_id = pg_int(r, row, 1);
    m->author = pg_str(r, row, 3);
    m->at = pg_time(r, row, 4);
    m->recorded_at = pg_time(r, row, 5);
    m->body = pg_str(r, row, 6);
    if (!m->body)
        m->body = xstrdup("");
    return ST_OK;
}

static void free_message(void *item)
{
    message_done(item);
}

static st_code pg_message_insert(store_backend *b, st_message *m, st_err *err)
{
    pg_params p = {0};
    pgp_int(&p, m->ticket_id);
    pgp_text(&p, msg_kind_name(m->kind));
    pgp_text(&p, m->author);
    pgp_time(&p, m->at);
    pgp_time(&p, m->recorded_at);
    pgp_text(&p, m->body);
    PGresult *r = NULL;
    st_code code = pg_run(b,
                          "INSERT INTO messages(id, ticket_id, kind, author, at, recorded_at, body)"
                          " VALUES ((SELECT coalesce(max(id), 0) + 1 FROM messages), $1, $2, $3, $4, $5, $6)"
                          " RETURNING id",
                          &p, &r, "adding a message", err);
    if (code != ST_OK)
        return code;
    m->id = pg_int(r, 0, 0);
    PQclear(r);
    return ST_OK;
}

static st_code pg_message_list(store_backend *b, int64_t ticket_id, st_message **out, size_t *n, st_err *err)
{
    *out = NULL;
    *n = 0;
    pg_params p = {0};
    pgp_int(&p, ticket_id);
    void *arr = NULL;
    st_code code = collect_rows(b, "SELECT " MESSAGE_COLUMNS " FROM messages WHERE ticket_id = $1 ORDER BY at, id", &p,
                                "reading messages", sizeof **out, message_from_row, free_message, &arr, n, err);
    *out = arr;
    return code;
}

static st_code pg_message_get(store_backend *b, int64_t id, st_message *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    pg_params p = {0};
    pgp_int(&p, id);
    PGresult *r = NULL;
    st_code code = pg_run(b, "SELECT " MESSAGE_COLUMNS " FROM messages WHERE id = $1", &p, &r, "reading a message", err);
    if (code != ST_OK)
        return code;
    if (PQntuples(r) == 1)
        code = message_from_row(b, r, 0, out, err);
    else
        code = st_fail(err, ST_NOTFOUND, "message %" PRId64 " not found", id);
    PQclear(r);
    if (code != ST_OK)
        message_done(out);
    return code;
}

/* ---- audit -------------------------------------------------------------------------------- */

static st_code pg_audit_head(store_backend *b, int64_t *seq, char hash[65], st_err *err)
{
    if (b->in_txn && b->txn_head) { /* read with the change's BEGIN, kept by its own appends */
        *seq = b->head_seq;
        memcpy(hash, b->head_hash, 65);
        return ST_OK;
    }
    PGresult *r = NULL;
    st_code code =
        pg_run(b, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", NULL, &r, "reading the audit head", err);
    if (code != ST_OK)
        return code;
    pg_head_from(r, seq, hash);
    PQclear(r);
    return ST_OK;
}

/* Entry e as PG_P_AUDIT_INSERT's parameters, after those p has. */
static void audit_params_add(pg_params *p, const st_audit_entry *e)
{
    pgp_int(p, e->seq);
    pgp_time(p, e->at);
    pgp_time(p, e->recorded_at);
    pgp_text(p, e->actor);
    pgp_text(p, au_kind_name(e->kind));
    pgp_int(p, e->ticket_id);
    pgp_text(p, e->from_level);
    pgp_text(p, e->to_level);
    pgp_time(p, e->old_due);
    pgp_time(p, e->new_due);
    pgp_text(p, e->reason);
    pgp_text(p, e->detail);
    pgp_text(p, e->prev_hash);
    pgp_text(p, e->hash);
    pgp_text(p, e->from_status);
    pgp_text(p, e->to_status);
    if (e->message_id)
        pgp_int(p, e->message_id);
    else
        pgp_null(p);
    pgp_text(p, e->message_kind);
    pgp_text(p, e->body_sha256);
    pgp_text(p, e->host);
}

static void audit_params(pg_params *p, const st_audit_entry *e)
{
    *p = (pg_params){0};
    audit_params_add(p, e);
}

static st_code pg_audit_insert(store_backend *b, const st_audit_entry *e, st_err *err)
{
    pg_params p;
    audit_params(&p, e);
    st_code code = pg_run_prep(b, PG_P_AUDIT_INSERT, &p, NULL, "appending to the audit log", err);
    if (code != ST_OK)
        return code;
    if (b->txn_head) { /* the new head, as the next append of this transaction chains to it */
        b->head_seq = e->seq;
        memcpy(b->head_hash, e->hash, 65);
    }
    if (e->ticket_id == b->txn_ticket) { /* the history read ahead lacks this entry now */
        PQclear(b->txn_clock);
        b->txn_clock = NULL;
    }
    return ST_OK;
}

/* A change's last entry and its COMMIT in one round trip (pg_prep_then_commit). */
static st_code pg_audit_insert_commit(store_backend *b, const st_audit_entry *e, st_err *err)
{
    pg_params p;
    audit_params(&p, e);
    bool ran = false;
    st_code code = pg_prep_then_commit(b, PG_P_AUDIT_INSERT, &p, "appending to the audit log", NULL, NULL, &ran, err);
    if (!ran) { /* a libpq without pipeline mode */
        code = pg_audit_insert(b, e, err);
        return code == ST_OK ? pg_commit(b, err) : code;
    }
    pg_txn_clear(b);
    if (code == ST_OK)
        committed(b);
    return code;
}

/* Why the update-and-entry statement failed, from its result alone: no statement can run in the
 * failed transaction. */
typedef struct {
    const st_ticket *t;
    bool stale; /* the update matched no row: the entry's seq was NULL */
} update_audit_fail;

static st_code explain_update_audit(store_backend *b, const PGresult *r, void *ctx, st_err *err)
{
    update_audit_fail *f = ctx;
    const char *table = PQresultErrorField((PGresult *)r, PG_DIAG_TABLE_NAME);
    const char *column = PQresultErrorField((PGresult *)r, PG_DIAG_COLUMN_NAME);
    if (!table || strcmp(table, "audit") != 0)
        return ticket_write_fail(b, r, f->t, "updating a ticket", err);
    if (strcmp(pg_state(r), "23502") == 0 && column && strcmp(column, "seq") == 0) {
        f->stale = true;
        return st_fail(err, ST_CONFLICT, "ticket %" PRId64 " changed", f->t->id);
    }
    return pg_fail(b, r, "appending to the audit log", err);
}

/* A change's update, its last entry and the COMMIT in one round trip: one statement
 * (PG_P_TICKET_UPDATE_AUDIT) and the COMMIT in a pipeline, where they took two. */
static st_code pg_ticket_update_audit_commit(store_backend *b, st_ticket *t, int64_t expect_version,
                                             const st_audit_entry *e, st_err *err)
{
    pg_params p;
    st_code code = update_params(b, t, expect_version, &p, err);
    if (code != ST_OK)
        return code;
    audit_params_add(&p, e);
    update_audit_fail why = {.t = t};
    bool ran = false;
    code = pg_prep_then_commit(b, PG_P_TICKET_UPDATE_AUDIT, &p, "updating a ticket", explain_update_audit, &why,
                               &ran, err);
    if (!ran) { /* a libpq without pipeline mode */
        code = pg_ticket_update(b, t, expect_version, err);
        return code == ST_OK ? pg_audit_insert_commit(b, e, err) : code;
    }
    if (why.stale) { /* explained by a read, once the failed transaction is over */
        pg_rollback(b);
        /* outside a transaction a read gives way to a waiting key (pg_set_cancel): not this one,
         * the change's own answer, as inside the transaction it was */
        bool (*cancel)(void *ctx) = b->cancel;
        b->cancel = NULL;
        code = stale_ticket(b, t->id, expect_version, err);
        b->cancel = cancel;
        return code;
    }
    pg_txn_clear(b);
    if (code != ST_OK)
        return code;
    t->version = expect_version + 1;
    committed(b);
    return ST_OK;
}

static st_code read_entry(store_backend *b, const PGresult *r, int row, void *item, st_err *err)
{
    (void)b;
    return pg_audit_from_row(r, row, item, err);
}

static void free_entry(void *item)
{
    audit_entry_done(item);
}

static st_code pg_audit_list(store_backend *b, int64_t ticket_id, st_audit_entry **out, size_t *n, st_err *err)
{
    *out = NULL;
    *n = 0;
    pg_params p = {0};
    pgp_int(&p, ticket_id);
    void *arr = NULL;
    st_code code = collect_rows(b,
                                "SELECT " PG_AUDIT_COLUMNS " FROM audit WHERE $1::bigint = 0 OR ticket_id = $1"
                                " ORDER BY seq",
                                &p, "reading the audit log", sizeof **out, read_entry, free_entry, &arr, n, err);
    *out = arr;
    return code;
}

/* ---- the ops table ------------------------------------------------------------------------ */

const store_backend_ops store_pg_ops = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .remove = pg_remove,
    .begin = pg_begin,
    .begin_ticket = pg_begin_ticket,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .defer_maintenance = pg_defer_maintenance,
    .idle = pg_idle,
    .watch_fd = pg_watch_fd,
    .watch_due = pg_watch_due,
    .watch_timeout_ms = pg_watch_timeout_ms,
    .unreachable = pg_unreachable,
    .changes_since = pg_changes_since,
    .meta_get = pg_meta_get,
    .meta_set = pg_meta_set,
    .policy_put = pg_policy_put,
    .policy_get = pg_policy_get,
    .ticket_insert = pg_ticket_insert,
    .ticket_update = pg_ticket_update,
    .ticket_get = pg_ticket_get,
    .ticket_find_ref = pg_ticket_find_ref,
    .tickets_using_level = pg_tickets_using_level,
    .ticket_list = pg_ticket_list,
    .ticket_count = pg_ticket_count,
    .ticket_scan = pg_ticket_scan,
    .ticket_set_next = pg_ticket_set_next,
    .tickets_next_missing = pg_tickets_next_missing,
    .message_insert = pg_message_insert,
    .message_list = pg_message_list,
    .message_get = pg_message_get,
    .audit_insert = pg_audit_insert,
    .audit_insert_commit = pg_audit_insert_commit,
    .ticket_update_audit_commit = pg_ticket_update_audit_commit,
    .audit_list = pg_audit_list,
    .audit_head = pg_audit_head,
    .audit_scan = pg_audit_scan,
    .ticket_histories = pg_ticket_histories,
    .audit_range = pg_audit_range,
    .ticket_stream = pg_ticket_stream,
    .audit_clock_scan = pg_audit_clock_scan,
    .ticket_search = pg_ticket_search,
    .ticket_search_count = pg_ticket_search_count,
    .ticket_groups = pg_ticket_groups,
    .ticket_count_due = pg_ticket_count_due,
    .ticket_group_rows = pg_ticket_group_rows,
    .set_cancel = pg_set_cancel,
    /* PQcancel's connection to the postmaster, and the statement's end: 14-17 ms measured on a
     * Unix socket (strace -r of a first screen at 1,000,000 tickets) */
    .abandon_ns = 20000000,
    .ticket_cursor_open = pg_ticket_cursor_open,
    .ticket_cursor_next = pg_ticket_cursor_next,
    .ticket_cursor_close = pg_ticket_cursor_close,
    .uptime_put_minutes = pg_uptime_put_minutes,
    .uptime_get_minutes = pg_uptime_get_minutes,
    .uptime_month_get = pg_uptime_month_get,
    .uptime_month_put = pg_uptime_month_put,
    .uptime_windows_put = pg_uptime_windows_put,
    .uptime_windows_get = pg_uptime_windows_get,
    .dump = pg_dump,
    .tickets_by_id = pg_tickets_by_id,
};
