/* sqlite_store: the SQLite backend of the store (store_backend.h: store_sqlite_ops). SQLite in WAL
 * mode with synchronous=FULL (a committed change survives a power cut), BEGIN IMMEDIATE for every
 * write (two writers never deadlock on a read-then-write upgrade), a busy handler that polls in
 * short sleeps (SQLite's default backs off to 100 ms, which would stall the console), and the
 * schema migrated forward from PRAGMA user_version. */
#include "sqlite_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The connection's page cache (see sq_open; the history walk lowers it while it runs). */
#define CACHE_PRAGMA "PRAGMA cache_size = -32768"

/* The ops that others here use before their definition. */
static st_code sq_begin(store_backend *s, st_err *err);
static st_code sq_commit(store_backend *s, st_err *err);
static void sq_rollback(store_backend *s);
static void sq_close(store_backend *s);
static st_code sq_remove(const char *path, st_err *err);
static st_code sq_ticket_find_ref(store_backend *s, const char *ref, int64_t *id_out, st_err *err);

/* ---- schema ------------------------------------------------------------------------------- */

/* migrations[i] takes a database from user_version i to i + 1. Append v2 here; never edit a
 * migration that has shipped. */
static const char *const migrations[] = {
    /* v1 */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;\n"
    "CREATE TABLE policy_versions(\n"
    "  version INTEGER PRIMARY KEY,\n"
    "  json TEXT NOT NULL,\n"
    "  sha256 TEXT NOT NULL,\n"
    "  applied_at INTEGER NOT NULL,\n"
    "  actor TEXT NOT NULL,\n"
    "  reason TEXT);\n"
    /* Each version's level ids in policy order (0 = highest), for the level sort. */
    "CREATE TABLE policy_levels(\n"
    "  version INTEGER NOT NULL REFERENCES policy_versions(version),\n"
    "  level TEXT NOT NULL,\n"
    "  rank INTEGER NOT NULL,\n"
    "  PRIMARY KEY(version, level)) WITHOUT ROWID;\n"
    "CREATE TABLE tickets(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  ref TEXT,\n"
    "  title TEXT NOT NULL,\n"
    "  customer TEXT,\n"
    "  channel TEXT,\n"
    "  level TEXT NOT NULL,\n"
    "  assignee TEXT,\n"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'responded', 'resolved')),\n"
    "  created INTEGER NOT NULL,\n"
    "  first_response INTEGER,\n"
    "  resolved INTEGER,\n"
    "  clock_start INTEGER,\n"
    "  due INTEGER NOT NULL,\n"
    "  response_due INTEGER,\n"
    "  breached_hist INTEGER NOT NULL DEFAULT 0,\n"
    "  policy_version INTEGER NOT NULL REFERENCES policy_versions(version),\n"
    "  version INTEGER NOT NULL,\n"
    "  updated_by TEXT,\n"
    "  updated_at INTEGER,\n"
    /* Derived from (policy_version, level) on every write, so the level sort is an index walk. */
    "  level_rank INTEGER NOT NULL DEFAULT 1000000);\n"
    "CREATE UNIQUE INDEX tickets_ref ON tickets(ref) WHERE ref IS NOT NULL;\n"
    /* The list's urgency order (SPEC §2) straight from an index: the first screen of a million
     * tickets is a LIMIT over the index, not a sort. */
    "CREATE INDEX tickets_urgency ON tickets(first_response IS NOT NULL, due, id)\n"
    "  WHERE status != 'resolved';\n"
    "CREATE INDEX tickets_level_order ON tickets(level_rank, first_response IS NOT NULL, due, id)\n"
    "  WHERE status != 'resolved';\n"
    /* Ticket counts per status, kept by triggers: the console shows the total on every reload,
     * and count(*) over a million rows costs ~150 ms where this costs microseconds. */
    "CREATE TABLE ticket_counts(status TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;\n"
    "INSERT INTO ticket_counts(status, n) VALUES ('open', 0), ('responded', 0), ('resolved', 0);\n"
    "CREATE TRIGGER tickets_count_insert AFTER INSERT ON tickets\n"
    "  BEGIN UPDATE ticket_counts SET n = n + 1 WHERE status = new.status; END;\n"
    "CREATE TRIGGER tickets_count_delete AFTER DELETE ON tickets\n"
    "  BEGIN UPDATE ticket_counts SET n = n - 1 WHERE status = old.status; END;\n"
    "CREATE TRIGGER tickets_count_update AFTER UPDATE OF status ON tickets WHEN old.status != new.status\n"
    "  BEGIN UPDATE ticket_counts SET n = n - 1 WHERE status = old.status;\n"
    "        UPDATE ticket_counts SET n = n + 1 WHERE status = new.status; END;\n"
    "CREATE TABLE audit(\n"
    "  seq INTEGER PRIMARY KEY,\n"
    "  at INTEGER NOT NULL,\n"
    "  recorded_at INTEGER NOT NULL,\n"
    "  actor TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"
    "  ticket_id INTEGER NOT NULL,\n"
    "  from_level TEXT,\n"
    "  to_level TEXT,\n"
    "  old_due INTEGER,\n"
    "  new_due INTEGER,\n"
    "  reason TEXT,\n"
    "  detail TEXT,\n"
    "  prev_hash TEXT NOT NULL,\n"
    "  hash TEXT NOT NULL);\n"
    "CREATE INDEX audit_ticket ON audit(ticket_id, seq);\n"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
    "  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;\n"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
    "  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;\n"
    /* Uptime cache (sqlite_uptime.c). */
    "CREATE TABLE uptime_minutes(source TEXT NOT NULL, minute INTEGER NOT NULL, value REAL,\n"
    "  kind INTEGER NOT NULL, PRIMARY KEY(source, minute)) WITHOUT ROWID;\n"
    "CREATE TABLE uptime_months(source TEXT NOT NULL, month TEXT NOT NULL,\n"
    "  fetched_at INTEGER NOT NULL, complete INTEGER NOT NULL, PRIMARY KEY(source, month));\n"
    "CREATE TABLE maintenance_windows(source TEXT NOT NULL, id TEXT NOT NULL, name TEXT,\n"
    "  start INTEGER NOT NULL, end INTEGER NOT NULL, announced INTEGER, status TEXT,\n"
    "  PRIMARY KEY(source, id));\n",
    /* v2 (SPEC §8): statuses open/pending/on_hold/resolved (a "responded" ticket becomes "open",
     * its first_response kept), the conversation, and the audit's status and message fields.
     * SQLite cannot change a CHECK in place, so tickets is rebuilt: copied into a new table,
     * the old one dropped, the new one renamed, and its indexes and triggers made again. */
    "CREATE TABLE tickets_v2(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  ref TEXT,\n"
    "  title TEXT NOT NULL,\n"
    "  customer TEXT,\n"
    "  channel TEXT,\n"
    "  level TEXT NOT NULL,\n"
    "  assignee TEXT,\n"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'pending', 'on_hold', 'resolved')),\n"
    "  created INTEGER NOT NULL,\n"
    "  first_response INTEGER,\n"
    "  resolved INTEGER,\n"
    "  clock_start INTEGER,\n"
    "  due INTEGER NOT NULL,\n"
    "  response_due INTEGER,\n"
    "  breached_hist INTEGER NOT NULL DEFAULT 0,\n"
    "  policy_version INTEGER NOT NULL REFERENCES policy_versions(version),\n"
    "  version INTEGER NOT NULL,\n"
    "  updated_by TEXT,\n"
    "  updated_at INTEGER,\n"
    "  level_rank INTEGER NOT NULL DEFAULT 1000000);\n"
    "INSERT INTO tickets_v2 SELECT id, ref, title, customer, channel, level, assignee,\n"
    "  CASE status WHEN 'responded' THEN 'open' ELSE status END, created, first_response, resolved,\n"
    "  clock_start, due, response_due, breached_hist, policy_version, version, updated_by, updated_at,\n"
    "  level_rank FROM tickets;\n"
    "DROP TABLE tickets;\n"
    "ALTER TABLE tickets_v2 RENAME TO tickets;\n"
    "CREATE UNIQUE INDEX tickets_ref ON tickets(ref) WHERE ref IS NOT NULL;\n"
    "CREATE INDEX tickets_urgency ON tickets(first_response IS NOT NULL, due, id)\n"
    "  WHERE status != 'resolved';\n"
    "CREATE INDEX tickets_level_order ON tickets(level_rank, first_response IS NOT NULL, due, id)\n"
    "  WHERE status != 'resolved';\n"
    "DELETE FROM ticket_counts;\n"
    "INSERT INTO ticket_counts(status, n) VALUES ('open', 0), ('pending', 0), ('on_hold', 0),\n"
    "  ('resolved', 0);\n"
    "UPDATE ticket_counts SET n = (SELECT count(*) FROM tickets WHERE tickets.status = ticket_counts.status);\n"
    "CREATE TRIGGER tickets_count_insert AFTER INSERT ON tickets\n"
    "  BEGIN UPDATE ticket_counts SET n = n + 1 WHERE status = new.status; END;\n"
    "CREATE TRIGGER tickets_count_delete AFTER DELETE ON tickets\n"
    "  BEGIN UPDATE ticket_counts SET n = n - 1 WHERE status = old.status; END;\n"
    "CREATE TRIGGER tickets_count_update AFTER UPDATE OF status ON tickets WHEN old.status != new.status\n"
    "  BEGIN UPDATE ticket_counts SET n = n - 1 WHERE status = old.status;\n"
    "        UPDATE ticket_counts SET n = n + 1 WHERE status = new.status; END;\n"
    /* Messages are never edited or removed: the audit entry holds the body's hash. */
    "CREATE TABLE messages(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  ticket_id INTEGER NOT NULL REFERENCES tickets(id),\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('customer', 'reply', 'note')),\n"
    "  author TEXT,\n"
    "  at INTEGER NOT NULL,\n"
    "  recorded_at INTEGER NOT NULL,\n"
    "  body TEXT NOT NULL);\n"
    "CREATE INDEX messages_ticket ON messages(ticket_id, at, id);\n"
    "CREATE TRIGGER messages_no_update BEFORE UPDATE ON messages\n"
    "  BEGIN SELECT RAISE(ABORT, 'messages are append-only'); END;\n"
    "CREATE TRIGGER messages_no_delete BEFORE DELETE ON messages\n"
    "  BEGIN SELECT RAISE(ABORT, 'messages are append-only'); END;\n"
    "ALTER TABLE audit ADD COLUMN from_status TEXT;\n"
    "ALTER TABLE audit ADD COLUMN to_status TEXT;\n"
    "ALTER TABLE audit ADD COLUMN message_id INTEGER;\n"
    "ALTER TABLE audit ADD COLUMN message_kind TEXT;\n"
    "ALTER TABLE audit ADD COLUMN body_sha256 TEXT;\n",
    /* v3 (SPEC §8 "Order"): the ticket's next clock, stored by the ops layer on every write
     * (model.h tk_next), so the urgency order is an index walk at any size. The store cannot
     * compute clocks (the engine is above it): migrated rows get next_tier NULL and the meta key
     * next_fill, and the ops layer fills them when it next opens the database read-write. */
    "ALTER TABLE tickets ADD COLUMN next_tier INTEGER;\n"
    "ALTER TABLE tickets ADD COLUMN next_key INTEGER;\n"
    "ALTER TABLE tickets ADD COLUMN next_metric INTEGER;\n"
    "ALTER TABLE tickets ADD COLUMN next_cycle INTEGER;\n"
    "ALTER TABLE tickets ADD COLUMN next_target_s INTEGER;\n"
    "ALTER TABLE tickets ADD COLUMN next_clock INTEGER;\n"
    "ALTER TABLE tickets ADD COLUMN next_due INTEGER;\n"
    "ALTER TABLE tickets ADD COLUMN next_remaining_s INTEGER;\n"
    "ALTER TABLE tickets ADD COLUMN next_paused_by INTEGER;\n"
    "ALTER TABLE tickets ADD COLUMN next_at INTEGER;\n"
    "DROP INDEX tickets_urgency;\n"
    "DROP INDEX tickets_level_order;\n"
    "CREATE INDEX tickets_urgency ON tickets(next_tier, next_key, id) WHERE status != 'resolved';\n"
    "CREATE INDEX tickets_level_order ON tickets(level_rank, next_tier, next_key, id)\n"
    "  WHERE status != 'resolved';\n"
    "CREATE INDEX tickets_next_missing ON tickets(id) WHERE next_tier IS NULL;\n"
    "INSERT OR REPLACE INTO meta(key, value)\n"
    "  SELECT 'next_fill', '1' WHERE EXISTS (SELECT 1 FROM tickets);\n",
    /* v4 (SPEC §10): each entry records the writer's host beside the actor; older rows keep NULL,
     * which their hashes never covered. */
    "ALTER TABLE audit ADD COLUMN host TEXT;\n",
};
/* Steps after the scripts that are functions of the backend (the search index: sqlite_search.c);
 * they take the schema on from the last script. */
static st_code (*const migration_steps[])(store_backend *s, st_err *err) = {
    sq_schema_search, sq_schema_resolved_order, sq_schema_fts_without_level};
#define N_MIGRATION_SCRIPTS (sizeof migrations / sizeof migrations[0])
_Static_assert(N_MIGRATION_SCRIPTS + sizeof migration_steps / sizeof migration_steps[0] == STORE_SCHEMA_VERSION,
               "one migration per schema version");

/* ---- shared helpers (sqlite_internal.h) ------------------------------------------------ */

st_code sq_fail(store_backend *s, int rc, const char *what, st_err *err)
{
    const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return st_fail(err, ST_BUSY,
                       "%s: database is busy (another writer held it for more than %d s) while %s", s->path,
                       STORE_BUSY_TIMEOUT_MS / 1000, what);
    case SQLITE_FULL:
        return st_fail(err, ST_IO, "%s: database or disk is full while %s", s->path, what);
    case SQLITE_CONSTRAINT:
        return st_fail(err, ST_CONFLICT, "%s: %s refused: %s", s->path, what, msg);
    case SQLITE_NOTADB:
        return st_fail(err, ST_INVALID, "%s: not a slatop database (not an SQLite file)", s->path);
    case SQLITE_READONLY:
        return st_fail(err, ST_IO, "%s: database file is read-only for this user while %s (%s)", s->path,
                       what, msg);
    default:
        return st_fail(err, ST_IO, "%s: %s failed: %s", s->path, what, msg);
    }
}

st_code sq_stmt(store_backend *s, const char *sql, sqlite3_stmt **out, st_err *err)
{
    for (size_t i = 0; i < s->n_stmts; i++) {
        if (s->stmts[i].sql == sql || strcmp(s->stmts[i].sql, sql) == 0) {
            sqlite3_reset(s->stmts[i].stmt);
            sqlite3_clear_bindings(s->stmts[i].stmt);
            *out = s->stmts[i].stmt;
            return ST_OK;
        }
    }
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return sq_fail(s, rc, "preparing a statement", err);
    }
    if (s->n_stmts == s->cap_stmts) {
        s->cap_stmts = s->cap_stmts ? 2 * s->cap_stmts : 32;
        s->stmts = xrealloc(s->stmts, s->cap_stmts * sizeof *s->stmts);
    }
    s->stmts[s->n_stmts].sql = sql;
    s->stmts[s->n_stmts].stmt = stmt;
    s->n_stmts++;
    *out = stmt;
    return ST_OK;
}

st_code sq_step_done(store_backend *s, sqlite3_stmt *stmt, const char *what, st_err *err)
{
    int rc = sqlite3_step(stmt);
    st_code code = ST_OK;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        code = sq_fail(s, rc, what, err);
    sqlite3_reset(stmt);
    return code;
}

st_code sq_exec(store_backend *s, const char *sql, st_err *err)
{
    sqlite3_stmt *stmt;
    st_code rc = sq_stmt(s, sql, &stmt, err);
    if (rc != ST_OK)
        return rc;
    return sq_step_done(s, stmt, sql, err);
}

void sq_bind_text(sqlite3_stmt *stmt, int idx, const char *text)
{
    if (text)
        sqlite3_bind_text(stmt, idx, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, idx);
}

void sq_bind_time(sqlite3_stmt *stmt, int idx, st_time t)
{
    if (t == ST_TIME_NONE)
        sqlite3_bind_null(stmt, idx);
    else
        sqlite3_bind_int64(stmt, idx, t);
}

char *sq_column_strdup(sqlite3_stmt *stmt, int col)
{
    if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
        return NULL;
    const unsigned char *text = sqlite3_column_text(stmt, col);
    if (!text)
        return NULL;
    return xstrndup((const char *)text, (size_t)sqlite3_column_bytes(stmt, col));
}

st_time sq_column_time(sqlite3_stmt *stmt, int col)
{
    if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
        return ST_TIME_NONE;
    return sqlite3_column_int64(stmt, col);
}

st_code sq_collect_rows(store_backend *s, sqlite3_stmt *stmt, size_t item_size, sq_row_reader read,
                        void (*item_done)(void *item), const char *what, void **out, size_t *n, st_err *err)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0, len = 0;
    char *arr = NULL;
    st_code code = ST_OK;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? 2 * cap : 16;
            arr = xrealloc(arr, cap * item_size);
        }
        memset(arr + len * item_size, 0, item_size);
        if ((code = read(s, stmt, arr + len * item_size, err)) != ST_OK) {
            if (item_done)
                item_done(arr + len * item_size);
            break;
        }
        len++;
    }
    sqlite3_reset(stmt);
    if (code == ST_OK && rc != SQLITE_DONE)
        code = sq_fail(s, rc, what, err);
    if (code != ST_OK) {
        for (size_t i = 0; item_done && i < len; i++)
            item_done(arr + i * item_size);
        free(arr);
        return code;
    }
    *out = arr;
    *n = len;
    return ST_OK;
}

/* ---- opening ------------------------------------------------------------------------------ */

/* Polls in short sleeps up to STORE_BUSY_TIMEOUT_MS: a writer holds the lock for well under a
 * millisecond, so a 1-4 ms poll hands the lock over quickly where SQLite's own handler would
 * sleep up to 100 ms at a time. */
static int busy_handler(void *arg, int count)
{
    store_backend *s = arg;
    st_mono now = mono_now();
    if (count == 0)
        s->busy_since = now;
    if (now - s->busy_since >= (st_mono)STORE_BUSY_TIMEOUT_MS * 1000000)
        return 0;
    long ms = count < 10 ? 1 : count < 100 ? 2 : 4;
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
    return 1;
}

/* Creates the missing directories above path (like mkdir -p on its dirname). 0770 under the
 * umask; a setgid parent passes its group and setgid bit on (the shared jump-host set-up). */
static st_code make_parent_dirs(const char *path, st_err *err)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    st_code code = ST_OK;
    if (!slash || slash == dir)
        goto out;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(dir, 0770) != 0 && errno != EEXIST) {
                code = st_fail(err, ST_IO, "%s: cannot create directory %s: %s", path, dir, strerror(errno));
                goto out;
            }
            if (end)
                break;
            *p = '/';
        }
    }
out:
    free(dir);
    return code;
}

/* The permissions a slatop database and its -wal/-shm get: read-write for the owner and the
 * group (the support team shares it), never writable by others; other bits follow the umask. */
static mode_t shared_mode(mode_t current)
{
    return (mode_t)(((current & 0777) | S_IRUSR | S_IWUSR | S_IRGRP | S_IWGRP) & ~(mode_t)S_IWOTH);
}

static st_code create_db_file(const char *path, st_err *err)
{
    st_code code = make_parent_dirs(path, err);
    if (code != ST_OK)
        return code;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0660);
    if (fd < 0) {
        struct stat target;
        if (errno == EEXIST && stat(path, &target) != 0 && errno == ELOOP)
            return st_fail(err, ST_IO, "%s: symlink loop (too many levels of symbolic links)", path);
        if (errno == EEXIST)
            return st_fail(err, ST_CONFLICT, "%s: already exists (refusing to overwrite a database)", path);
        return st_fail(err, ST_IO, "%s: cannot create: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || fchmod(fd, shared_mode(st.st_mode)) != 0) {
        code = st_fail(err, ST_IO, "%s: cannot set permissions: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return code;
    }
    close(fd);
    return ST_OK;
}

#define NO_DB_HINT                                                                                   \
    "create one with 'slatop init --policy " SLATOP_POLICY_DIR "/haptik.json', or try 'slatop --demo'"

/* The size of path's side file ("-wal", "-shm"), or -1 when there is none. */
static off_t side_size(const char *path, const char *suffix)
{
    char *side = xasprintf("%s%s", path, suffix);
    struct stat st;
    off_t size = stat(side, &st) == 0 ? st.st_size : -1;
    free(side);
    return size;
}

/* Refuses a file that is not slatop's from its header alone, before SQLite opens it: opening
 * read-write would already change a foreign file (WAL mode, -wal/-shm beside it, an empty file
 * grown to a page). Ours carry STORE_APPLICATION_ID; the one exception is a database whose first
 * commit is still only in its -wal (its creator has it open), which migrate() judges instead. */
static st_code check_header(const char *path, st_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return st_fail(err, ST_IO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char h[100];
    ssize_t n = read(fd, h, sizeof h);
    int saved = errno;
    close(fd);
    if (n < 0)
        return st_fail(err, ST_IO, "%s: cannot read: %s", path, strerror(saved));
    bool pending = side_size(path, "-wal") > 0;
    if (n == 0)
        return pending ? ST_OK : st_fail(err, ST_INVALID, "%s: not a slatop database (empty; " NO_DB_HINT ")", path);
    if ((size_t)n < sizeof h || memcmp(h, "SQLite format 3", 16) != 0)
        return st_fail(err, ST_INVALID, "%s: not a slatop database (not an SQLite file)", path);
    uint32_t app_id = (uint32_t)h[68] << 24 | (uint32_t)h[69] << 16 | (uint32_t)h[70] << 8 | h[71];
    if (app_id == STORE_APPLICATION_ID || (app_id == 0 && h[18] == 2 && pending))
        return ST_OK;
    return st_fail(err, ST_INVALID, "%s: not a slatop database (an SQLite file of another program)", path);
}

/* SQLite gives -wal and -shm the main file's mode, but files left by an older run or another
 * tool may differ: tighten (o-w) and share (g+w) the ones we own. Best effort. */
static void fix_side_files(const char *path)
{
    static const char *const suffixes[] = {"-wal", "-shm"};
    for (size_t i = 0; i < 2; i++) {
        char *side = xasprintf("%s%s", path, suffixes[i]);
        struct stat st;
        if (stat(side, &st) == 0 && st.st_uid == geteuid()) {
            mode_t want = shared_mode(st.st_mode);
            if ((st.st_mode & 0777) != want)
                chmod(side, want);
        }
        free(side);
    }
}

static st_code query_int(store_backend *s, const char *sql, int64_t *out, st_err *err)
{
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s, sql, &stmt, err);
    if (code != ST_OK)
        return code;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else
        code = sq_fail(s, rc, sql, err);
    sqlite3_reset(stmt);
    return code;
}

/* Runs one migration script (several statements) inside the open transaction. */
static st_code run_script(store_backend *s, const char *script, int to_version, st_err *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, script, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        st_code code = (rc & 0xff) == SQLITE_FULL
                           ? st_fail(err, ST_IO, "%s: database or disk is full while migrating to schema %d",
                                     s->path, to_version)
                           : st_fail(err, ST_IO, "%s: migrating to schema version %d failed: %s", s->path,
                                     to_version, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return code;
    }
    return ST_OK;
}

static st_code migrate_now(store_backend *s, st_err *err);

/* Brings the schema to STORE_SCHEMA_VERSION, or refuses a file that is not ours or too new. */
static st_code migrate(store_backend *s, bool fresh, st_err *err)
{
    int64_t version = 0, app_id = 0, tables = 0;
    st_code code = query_int(s, "PRAGMA user_version", &version, err);
    if (code == ST_OK)
        code = query_int(s, "PRAGMA application_id", &app_id, err);
    if (code == ST_OK)
        code = query_int(s, "SELECT count(*) FROM sqlite_schema", &tables, err);
    if (code != ST_OK)
        return code;
    if (app_id != STORE_APPLICATION_ID && (app_id != 0 || version != 0 || tables != 0 || !fresh))
        return st_fail(err, ST_INVALID, "%s: not a slatop database%s", s->path,
                       tables == 0 && !fresh ? " (empty; " NO_DB_HINT ")" : "");
    if (version > STORE_SCHEMA_VERSION)
        return st_fail(err, ST_INVALID,
                       "%s: database schema version %" PRId64 " is newer than this slatop supports (%d); "
                       "upgrade slatop",
                       s->path, version, STORE_SCHEMA_VERSION);
    if (version == STORE_SCHEMA_VERSION)
        return ST_OK;
    /* Every command migrates, reading ones too (SPEC §8): the file's owner should not have to
     * know which command writes. Only a file this user cannot write stays as it is. */
    if (s->read_only && sqlite3_db_readonly(s->db, "main") != 0)
        return st_fail(err, ST_INVALID,
                       "%s: database schema version %" PRId64
                       " needs migrating to %d, and this user cannot write the file; run slatop once as "
                       "one who can",
                       s->path, version, STORE_SCHEMA_VERSION);
    /* A reading store is query_only: lifted for the migration alone. */
    if (s->read_only && (code = sq_exec(s, "PRAGMA query_only = OFF", err)) != ST_OK)
        return code;
    code = migrate_now(s, err);
    if (s->read_only) {
        st_err ignored;
        st_code back = sq_exec(s, "PRAGMA query_only = ON", code == ST_OK ? err : &ignored);
        if (code == ST_OK)
            code = back;
    }
    return code;
}

/* Runs the migrations from the file's version to STORE_SCHEMA_VERSION in one transaction. */
static st_code migrate_now(store_backend *s, st_err *err)
{
    int64_t version = 0;
    st_code code = sq_begin(s, err);
    if (code != ST_OK)
        return code;
    /* Another process may have migrated between our read and the lock. */
    code = query_int(s, "PRAGMA user_version", &version, err);
    for (int64_t v = version; code == ST_OK && v < STORE_SCHEMA_VERSION; v++)
        code = (size_t)v < N_MIGRATION_SCRIPTS ? run_script(s, migrations[v], (int)v + 1, err)
                                               : migration_steps[(size_t)v - N_MIGRATION_SCRIPTS](s, err);
    if (code == ST_OK) {
        /* PRAGMA values cannot be bound parameters. */
        char *sql = xasprintf("PRAGMA user_version = %d; PRAGMA application_id = %d;", STORE_SCHEMA_VERSION,
                              STORE_APPLICATION_ID);
        code = run_script(s, sql, STORE_SCHEMA_VERSION, err);
        free(sql);
    }
    if (code == ST_OK)
        code = sq_commit(s, err);
    if (code != ST_OK)
        sq_rollback(s);
    return code;
}

#define WAL_CHECKPOINT_PAGES 1000 /* SQLite's default automatic checkpoint */
#define WAL_DEFERRED_MAX_PAGES 8000

static void checkpoint(store_backend *s)
{
    /* PASSIVE: copies what no reader still needs and never waits; a partial one is retried later. */
    sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    s->wal_frames = 0;
}

/* After each commit of this connection, outside its write lock (the place SQLite's own automatic
 * checkpoint runs). */
static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    store_backend *s = arg;
    s->wal_frames = pages;
    if (pages >= (s->defer_checkpoints ? WAL_DEFERRED_MAX_PAGES : WAL_CHECKPOINT_PAGES))
        checkpoint(s);
    return SQLITE_OK;
}

static void sq_defer_maintenance(store_backend *s)
{
    s->defer_checkpoints = true;
}

static bool sq_idle(store_backend *s)
{
    if (s->in_txn || s->wal_frames < WAL_CHECKPOINT_PAGES)
        return false;
    checkpoint(s);
    return true;
}

static st_code configure(store_backend *s, bool fresh, st_err *err)
{
    sqlite3_busy_handler(s->db, busy_handler, s);
    /* Keep the -wal and -shm files when the last connection closes instead of deleting them and
     * creating them again at the next open (a create, an unlink and their metadata writes on every
     * short command and console start). journal_size_limit makes that close truncate the -wal to
     * zero bytes: a kept -wal of full size would make the next open run recovery over all of it. */
    int persist = 1;
    sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    /* Our own hook replaces SQLite's automatic checkpoint (same threshold), so that the console can
     * defer it (sq_defer_maintenance). The size limit is above the -wal's largest in use. */
    sqlite3_wal_hook(s->db, on_wal_commit, s);
    st_code code = sq_exec(s, "PRAGMA journal_size_limit = 16777216", err);
    /* 1 KiB pages for a new database (SQLite's default is 4 KiB): a change touches about six pages
     * in as many B-trees (the ticket, its two order indexes moving, the audit row and its index),
     * and each commit writes and syncs every one whole. 1 KiB pages write ~7 KB per raise instead
     * of ~26 KB. A typical ticket row (a few hundred bytes) fits in a page, longer ones spill to
     * overflow pages as usual, and the first screen reads the same (measured on 1M tickets).
     * Set before the first write; an existing file keeps its size. */
    if (code == ST_OK && fresh)
        code = sq_exec(s, "PRAGMA page_size = 1024", err);
    if (code == ST_OK)
        code = sq_exec(s, "PRAGMA foreign_keys = ON", err);
    /* 32 MiB of page cache (SQLite's default is 2 MiB): a big import touches every index at
     * random places (due times), and re-reading spilled pages made 1M inserts 60% slower. */
    if (code == ST_OK)
        code = sq_exec(s, CACHE_PRAGMA, err);
    s->cache_kib = 32768;
    if (code == ST_OK)
        code = sq_exec(s, "PRAGMA synchronous = FULL", err);
    if (code != ST_OK)
        return code;
    /* Reading the header first turns a foreign file into "not a slatop database" rather than a
     * failure to switch journal modes. */
    int64_t version = 0;
    if ((code = query_int(s, "PRAGMA user_version", &version, err)) != ST_OK)
        return code;
    if (!s->read_only) {
        sqlite3_stmt *stmt;
        if ((code = sq_stmt(s, "PRAGMA journal_mode = WAL", &stmt, err)) != ST_OK)
            return code;
        int rc = sqlite3_step(stmt);
        const unsigned char *mode = rc == SQLITE_ROW ? sqlite3_column_text(stmt, 0) : NULL;
        bool wal = mode && strcmp((const char *)mode, "wal") == 0;
        if (rc != SQLITE_ROW)
            code = sq_fail(s, rc, "switching to WAL", err);
        else if (!wal)
            code = st_fail(err, ST_IO,
                           "%s: cannot use the WAL journal (SQLite WAL needs a local file system, not NFS)",
                           s->path);
        sqlite3_reset(stmt);
        if (code != ST_OK)
            return code;
    }
    if ((code = migrate(s, fresh, err)) != ST_OK)
        return code;
    if (!s->read_only)
        fix_side_files(s->path);
    return ST_OK;
}

/* Whether this user may create files beside path (a -shm). */
static bool dir_writable(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    bool ok = access(slash ? dir : ".", W_OK) == 0;
    free(dir);
    return ok;
}

/* "file:PATH?immutable=1" with PATH percent-encoded (owned by the caller). */
static char *immutable_uri(const char *path)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (isalnum(*p) || strchr("/-._~", *p))
            sb_append_c(&sb, (char)*p);
        else
            sb_printf(&sb, "%%%02X", *p);
    }
    sb_append(&sb, "?immutable=1");
    return sb_steal(&sb);
}

static st_code sq_open(const char *path, store_mode mode, store_backend **out, st_err *err)
{
    *out = NULL;
    bool created = false;
    int flags = SQLITE_OPEN_READWRITE;
    char *uri = NULL;
    if (mode == STORE_OPEN_CREATE) {
        st_code code = create_db_file(path, err);
        if (code != ST_OK)
            return code;
        created = true;
    } else {
        struct stat st;
        if (stat(path, &st) != 0) {
            if (errno == ENOENT)
                return st_fail(err, ST_NOTFOUND, "%s: no such database (" NO_DB_HINT ")", path);
            if (errno == ELOOP)
                return st_fail(err, ST_IO, "%s: symlink loop (too many levels of symbolic links)", path);
            return st_fail(err, ST_IO, "%s: %s", path, strerror(errno));
        }
        if (!S_ISREG(st.st_mode))
            return st_fail(err, ST_INVALID, "%s: not a slatop database (not a regular file)", path);
        st_code code = check_header(path, err);
        if (code != ST_OK)
            return code;
        /* A read-only store still opens read-write when it may, so that it can take part in WAL
         * (the -shm index) like everyone else; PRAGMA query_only and our own flag refuse writes. */
        if (mode == STORE_OPEN_RO && access(path, W_OK) != 0)
            flags = SQLITE_OPEN_READONLY;
        /* Where no -shm exists and none can be made (a read-only directory or mount), WAL reading
         * is only possible with the file taken as immutable: nobody can be writing it then, as a
         * writer needs the same -shm. */
        if (mode == STORE_OPEN_RO && side_size(path, "-shm") < 0 && !dir_writable(path)) {
            flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
            uri = immutable_uri(path);
        }
    }
    store_backend *s = xcalloc(1, sizeof *s);
    s->watch_fd = -1;
    s->path = xstrdup(path);
    s->read_only = mode == STORE_OPEN_RO;
    /* NOMUTEX: a connection is only ever used by the thread that opened it (slatop has one), and
     * the serialized mode's lock around every sqlite3_column_* call was 18% of the instructions
     * of a month's report over 400,000 entries. */
    int rc = sqlite3_open_v2(uri ? uri : path, &s->db, flags | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL);
    free(uri);
    st_code code = ST_OK;
    if (rc != SQLITE_OK)
        code = st_fail(err, ST_IO, "%s: cannot open database: %s", path,
                       s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    else
        sqlite3_extended_result_codes(s->db, 1);
    if (code == ST_OK && s->read_only)
        code = sq_exec(s, "PRAGMA query_only = ON", err);
    if (code == ST_OK)
        code = configure(s, created, err);
    if (code != ST_OK) {
        sq_close(s);
        if (created) {
            /* Leave nothing behind for a create that failed half-way. */
            st_err ignored;
            sq_remove(path, &ignored);
        }
        return code;
    }
    *out = s;
    return ST_OK;
}

static void sq_close(store_backend *s)
{
    if (!s)
        return;
    sq_rollback(s);
    for (size_t i = 0; i < s->n_stmts; i++)
        sqlite3_finalize(s->stmts[i].stmt);
    free(s->stmts);
    if (s->db)
        sqlite3_close_v2(s->db);
    if (s->watch_fd >= 0)
        close(s->watch_fd);
    free(s->path);
    free(s);
}

/* The database file and the side files SQLite keeps beside it. */
static st_code sq_remove(const char *path, st_err *err)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        char *p = xasprintf("%s%s", path, suffixes[i]);
        if (unlink(p) != 0 && errno != ENOENT) {
            st_code rc = st_fail(err, ST_IO, "%s: cannot remove: %s", p, strerror(errno));
            free(p);
            return rc;
        }
        free(p);
    }
    return ST_OK;
}

/* ---- transactions ------------------------------------------------------------------------- */

/* The facade refuses read-only stores and nested transactions before these run. */
void sq_cache_restore(store_backend *s)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", s->cache_kib > 0 ? s->cache_kib : 32768);
    sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

static void sq_set_cache_kib(store_backend *s, int kib)
{
    s->cache_kib = kib;
    sq_cache_restore(s);
}

static st_code sq_begin(store_backend *s, st_err *err)
{
    sq_cursors_end(s); /* a cursor's snapshot would keep this write from the latest data */
    st_code code = sq_exec(s, "BEGIN IMMEDIATE", err);
    if (code != ST_OK)
        return code;
    s->in_txn = true;
    return ST_OK;
}

static st_code sq_commit(store_backend *s, st_err *err)
{
    st_code code = sq_exec(s, "COMMIT", err);
    if (code != ST_OK) {
        sq_rollback(s);
        return code;
    }
    s->in_txn = false;
    return ST_OK;
}

static void sq_rollback(store_backend *s)
{
    if (s->in_txn || (s->db && !sqlite3_get_autocommit(s->db))) {
        /* Not through the cache: a failed statement may leave it in an odd state, and ROLLBACK
         * must still run. */
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    s->in_txn = false;
}

/* ---- change notification ------------------------------------------------------------------ */

/* Another process's commit is seen at once rather than at the next poll: inotify on the -wal file
 * (every commit writes there). The commit becomes visible (data_version) only after its last
 * write, fsync and wal-index update, so after a write the version is re-read briefly. Without
 * inotify (no -wal, another OS) the caller polls. */
#define WATCH_RECHECK_MS 500 /* after a -wal write: re-read data_version for this long */
#define WATCH_STEP_MS 15     /* ... this often */
#define WATCH_POLL_MS 200    /* no inotify: data_version this often */

static int sq_watch_fd(store_backend *s)
{
    if (s->watch_opened)
        return s->watch_fd;
    s->watch_opened = true;
    char *wal = xasprintf("%s-wal", s->path);
    s->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (s->watch_fd >= 0 && inotify_add_watch(s->watch_fd, wal, IN_MODIFY) < 0) {
        close(s->watch_fd);
        s->watch_fd = -1;
    }
    free(wal);
    return s->watch_fd;
}

static bool sq_watch_due(store_backend *s)
{
    st_mono now = mono_now();
    if (s->watch_fd < 0) {
        if (now < s->watch_next_poll)
            return false;
        s->watch_next_poll = now + WATCH_POLL_MS * 1000000LL;
        return true;
    }
    char buf[4096];
    bool wrote = false;
    while (read(s->watch_fd, buf, sizeof buf) > 0)
        wrote = true;
    if (wrote)
        s->watch_recheck_until = now + WATCH_RECHECK_MS * 1000000LL;
    return wrote || now < s->watch_recheck_until;
}

static int sq_watch_timeout_ms(store_backend *s, int timeout_ms)
{
    st_mono now = mono_now();
    int want = -1;
    if (s->watch_fd < 0)
        want = s->watch_next_poll > now ? (int)((s->watch_next_poll - now) / 1000000) + 1 : 0;
    else if (now < s->watch_recheck_until)
        want = WATCH_STEP_MS;
    return want >= 0 && (timeout_ms < 0 || want < timeout_ms) ? want : timeout_ms;
}

static st_code sq_changes_since(store_backend *s, int64_t *version, bool *changed, st_err *err)
{
    int64_t v = 0;
    st_code code = query_int(s, "PRAGMA data_version", &v, err);
    if (code != ST_OK)
        return code;
    *changed = *version != v;
    *version = v;
    return ST_OK;
}

/* ---- meta and policies -------------------------------------------------------------------- */

static st_code sq_meta_get(store_backend *s, const char *key, char **value, st_err *err)
{
    *value = NULL;
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s, "SELECT value FROM meta WHERE key = ?1", &stmt, err);
    if (code != ST_OK)
        return code;
    sq_bind_text(stmt, 1, key);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *value = sq_column_strdup(stmt, 0);
    else if (rc != SQLITE_DONE)
        code = sq_fail(s, rc, "reading metadata", err);
    sqlite3_reset(stmt);
    return code;
}

static st_code sq_meta_set(store_backend *s, const char *key, const char *value, st_err *err)
{
    st_code code = ST_OK;
    sqlite3_stmt *stmt;
    if (code == ST_OK)
        code = sq_stmt(s,
                       value ? "INSERT INTO meta(key, value) VALUES (?1, ?2)"
                               " ON CONFLICT(key) DO UPDATE SET value = excluded.value"
                             : "DELETE FROM meta WHERE key = ?1",
                       &stmt, err);
    if (code != ST_OK)
        return code;
    sq_bind_text(stmt, 1, key);
    if (value)
        sq_bind_text(stmt, 2, value);
    return sq_step_done(s, stmt, "writing metadata", err);
}

static st_code sq_policy_put(store_backend *s, const char *json, const char *sha256_hex, st_time at,
                             const char *actor, const char *reason, int64_t *version_out, st_err *err)
{
    st_code code = ST_OK;
    int64_t next = 0;
    if (code == ST_OK)
        code = query_int(s, "SELECT coalesce(max(version), 0) + 1 FROM policy_versions", &next, err);
    sqlite3_stmt *stmt;
    if (code == ST_OK)
        code = sq_stmt(s,
                       "INSERT INTO policy_versions(version, json, sha256, applied_at, actor, reason)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                       &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_int64(stmt, 1, next);
    sq_bind_text(stmt, 2, json);
    sq_bind_text(stmt, 3, sha256_hex);
    sq_bind_time(stmt, 4, at);
    sq_bind_text(stmt, 5, actor);
    sq_bind_text(stmt, 6, reason);
    code = sq_step_done(s, stmt, "storing a policy version", err);
    /* The level order, read with SQLite's JSON functions (the policy module validated the file;
     * anything unreadable simply gets no ranks and sorts last). */
    if (code == ST_OK)
        code = sq_stmt(s,
                       "INSERT OR IGNORE INTO policy_levels(version, level, rank)"
                       " SELECT ?1, json_extract(value, '$.id'), key"
                       " FROM json_each(CASE WHEN json_valid(?2) THEN ?2 ELSE '{}' END, '$.levels')"
                       " WHERE json_type(value, '$.id') = 'text'",
                       &stmt, err);
    if (code == ST_OK) {
        sqlite3_bind_int64(stmt, 1, next);
        sq_bind_text(stmt, 2, json);
        code = sq_step_done(s, stmt, "storing a policy's levels", err);
    }
    if (code == ST_OK && version_out)
        *version_out = next;
    return code;
}

static st_code sq_policy_get(store_backend *s, int64_t version, char **json, int64_t *version_out,
                             st_err *err)
{
    *json = NULL;
    sqlite3_stmt *stmt;
    st_code code =
        sq_stmt(s,
                version == 0 ? "SELECT json, version FROM policy_versions ORDER BY version DESC LIMIT 1"
                             : "SELECT json, version FROM policy_versions WHERE version = ?1",
                &stmt, err);
    if (code != ST_OK)
        return code;
    if (version != 0)
        sqlite3_bind_int64(stmt, 1, version);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *json = sq_column_strdup(stmt, 0);
        if (version_out)
            *version_out = sqlite3_column_int64(stmt, 1);
    } else if (rc == SQLITE_DONE) {
        code = version == 0
                   ? st_fail(err, ST_NOTFOUND, "%s: no policy stored", s->path)
                   : st_fail(err, ST_NOTFOUND, "%s: policy version %" PRId64 " not found", s->path, version);
    } else {
        code = sq_fail(s, rc, "reading a policy version", err);
    }
    sqlite3_reset(stmt);
    return code;
}

/* ---- tickets ------------------------------------------------------------------------------ */

#define TICKET_COLUMNS SQ_TICKET_COLUMNS

static st_code ticket_from_row(store_backend *s, sqlite3_stmt *stmt, st_ticket *t, st_err *err)
{
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(stmt, 0);
    const char *status = (const char *)sqlite3_column_text(stmt, 7);
    if (!tk_status_parse(status, &t->status))
        return st_fail(err, ST_INVALID, "%s: ticket %" PRId64 ": unknown status '%s'", s->path, t->id,
                       status ? status : "");
    t->ref = sq_column_strdup(stmt, 1);
    t->title = sq_column_strdup(stmt, 2);
    t->customer = sq_column_strdup(stmt, 3);
    t->channel = sq_column_strdup(stmt, 4);
    t->level = sq_column_strdup(stmt, 5);
    t->assignee = sq_column_strdup(stmt, 6);
    t->created = sq_column_time(stmt, 8);
    t->first_response = sq_column_time(stmt, 9);
    t->resolved = sq_column_time(stmt, 10);
    t->clock_start = sq_column_time(stmt, 11);
    t->due = sq_column_time(stmt, 12);
    t->response_due = sq_column_time(stmt, 13);
    t->breached_hist = sqlite3_column_int64(stmt, 14) != 0;
    t->policy_version = sqlite3_column_int64(stmt, 15);
    t->version = sqlite3_column_int64(stmt, 16);
    t->updated_by = sq_column_strdup(stmt, 17);
    t->updated_at = sq_column_time(stmt, 18);
    t->next.tier = sqlite3_column_type(stmt, 19) == SQLITE_NULL ? -1 : sqlite3_column_int(stmt, 19);
    t->next.key = sqlite3_column_int64(stmt, 20);
    t->next.metric = sqlite3_column_type(stmt, 21) == SQLITE_NULL ? -1 : sqlite3_column_int(stmt, 21);
    t->next.cycle = sqlite3_column_int(stmt, 22);
    t->next.target_s = sqlite3_column_int64(stmt, 23);
    t->next.clock = sqlite3_column_int(stmt, 24);
    t->next.due = sq_column_time(stmt, 25);
    t->next.remaining_s = sqlite3_column_int64(stmt, 26);
    t->next.paused_by = sqlite3_column_int(stmt, 27);
    t->next.at = sq_column_time(stmt, 28);
    return ST_OK;
}

/* The rank of level ?5 in policy version ?15 (unknown levels sort last). */
#define LEVEL_RANK "coalesce((SELECT rank FROM policy_levels WHERE version = ?15 AND level = ?5), 1000000)"

static st_code read_ticket(store_backend *s, sqlite3_stmt *stmt, void *item, st_err *err)
{
    return ticket_from_row(s, stmt, item, err);
}

static void free_ticket(void *item)
{
    ticket_done(item);
}

st_code sq_read_ticket_item(store_backend *s, sqlite3_stmt *stmt, void *item, st_err *err)
{
    return read_ticket(s, stmt, item, err);
}

void sq_free_ticket_item(void *item)
{
    free_ticket(item);
}

/* Binds every stored field but id and version to parameters 1..17 (insert and update share it). */
static void bind_ticket_fields(sqlite3_stmt *stmt, const st_ticket *t)
{
    sq_bind_text(stmt, 1, t->ref);
    sq_bind_text(stmt, 2, t->title);
    sq_bind_text(stmt, 3, t->customer);
    sq_bind_text(stmt, 4, t->channel);
    sq_bind_text(stmt, 5, t->level);
    sq_bind_text(stmt, 6, t->assignee);
    sq_bind_text(stmt, 7, tk_status_name(t->status));
    sq_bind_time(stmt, 8, t->created);
    sq_bind_time(stmt, 9, t->first_response);
    sq_bind_time(stmt, 10, t->resolved);
    sq_bind_time(stmt, 11, t->clock_start);
    sq_bind_time(stmt, 12, t->due);
    sq_bind_time(stmt, 13, t->response_due);
    sqlite3_bind_int(stmt, 14, t->breached_hist ? 1 : 0);
    sqlite3_bind_int64(stmt, 15, t->policy_version);
    sq_bind_text(stmt, 16, t->updated_by);
    sq_bind_time(stmt, 17, t->updated_at);
}

/* Binds the ten next-clock columns (next_tier .. next_at, in schema order) from parameter `first`. */
static void bind_next(sqlite3_stmt *stmt, int first, const tk_next *n)
{
    sqlite3_bind_int(stmt, first, n->tier);
    sqlite3_bind_int64(stmt, first + 1, n->key);
    sqlite3_bind_int(stmt, first + 2, n->metric);
    sqlite3_bind_int(stmt, first + 3, n->cycle);
    sqlite3_bind_int64(stmt, first + 4, n->target_s);
    sqlite3_bind_int(stmt, first + 5, n->clock);
    sq_bind_time(stmt, first + 6, n->due);
    sqlite3_bind_int64(stmt, first + 7, n->remaining_s);
    sqlite3_bind_int(stmt, first + 8, n->paused_by);
    sq_bind_time(stmt, first + 9, n->at);
}

/* A failed ticket write, explained: a duplicate ref names the ticket that has it. */
static st_code ticket_write_fail(store_backend *s, int rc, const st_ticket *t, const char *what, st_err *err)
{
    int ext = sqlite3_extended_errcode(s->db);
    if (ext == SQLITE_CONSTRAINT_UNIQUE && t->ref) {
        int64_t other = 0;
        st_err ignored;
        if (sq_ticket_find_ref(s, t->ref, &other, &ignored) == ST_OK)
            return st_fail(err, ST_CONFLICT, "ref '%s' already exists (ticket %" PRId64 ")", t->ref, other);
        return st_fail(err, ST_CONFLICT, "ref '%s' already exists", t->ref);
    }
    if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
        return st_fail(err, ST_INVALID, "%s: %s: policy version %" PRId64 " does not exist", s->path, what,
                       t->policy_version);
    if (ext == SQLITE_CONSTRAINT_NOTNULL || ext == SQLITE_CONSTRAINT_CHECK)
        return st_fail(err, ST_INVALID, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
    return sq_fail(s, rc, what, err);
}

static st_code sq_ticket_insert(store_backend *s, st_ticket *t, st_err *err)
{
    st_code code = ST_OK;
    sqlite3_stmt *stmt;
    if (code == ST_OK)
        code = sq_stmt(s,
                       "INSERT INTO tickets(ref, title, customer, channel, level, assignee, status, created,"
                       " first_response, resolved, clock_start, due, response_due, breached_hist,"
                       " policy_version, updated_by, updated_at, version, level_rank)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
                       "1, " LEVEL_RANK ")",
                       &stmt, err);
    if (code != ST_OK)
        return code;
    bind_ticket_fields(stmt, t);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return ticket_write_fail(s, rc, t, "adding a ticket", err);
    t->id = sqlite3_last_insert_rowid(s->db);
    t->version = 1;
    return ST_OK;
}

/* Explains why an update matched no row: the ticket is gone, or someone changed it first. */
static st_code stale_ticket(store_backend *s, int64_t id, int64_t expect_version, st_err *err)
{
    sqlite3_stmt *stmt;
    st_code code =
        sq_stmt(s, "SELECT version, updated_by, updated_at FROM tickets WHERE id = ?1", &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_int64(stmt, 1, id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        char when[21] = "an unknown time";
        st_time at = sq_column_time(stmt, 2);
        if (at != ST_TIME_NONE)
            time_format_iso(at, when);
        const char *by = (const char *)sqlite3_column_text(stmt, 1);
        code = st_fail(err, ST_CONFLICT,
                       "ticket %" PRId64 " changed since version %" PRId64
                       ": by %s at %s (now version %" PRId64 ")",
                       id, expect_version, by ? by : "unknown", when, (int64_t)sqlite3_column_int64(stmt, 0));
    } else if (rc == SQLITE_DONE) {
        code = st_fail(err, ST_NOTFOUND, "ticket %" PRId64 " not found", id);
    } else {
        code = sq_fail(s, rc, "reading a ticket", err);
    }
    sqlite3_reset(stmt);
    return code;
}

static st_code sq_ticket_update(store_backend *s, st_ticket *t, int64_t expect_version, st_err *err)
{
    st_code code = ST_OK;
    sqlite3_stmt *stmt;
    if (code == ST_OK)
        code = sq_stmt(s,
                       "UPDATE tickets SET ref = ?1, title = ?2, customer = ?3, channel = ?4, level = ?5,"
                       " assignee = ?6, status = ?7, created = ?8, first_response = ?9, resolved = ?10,"
                       " clock_start = ?11, due = ?12, response_due = ?13, breached_hist = ?14,"
                       " policy_version = ?15, updated_by = ?16, updated_at = ?17, version = ?19 + 1,"
                       " level_rank = " LEVEL_RANK ", next_tier = ?20, next_key = ?21, next_metric = ?22,"
                       " next_cycle = ?23, next_target_s = ?24, next_clock = ?25, next_due = ?26,"
                       " next_remaining_s = ?27, next_paused_by = ?28, next_at = ?29"
                       " WHERE id = ?18 AND version = ?19",
                       &stmt, err);
    if (code != ST_OK)
        return code;
    bind_ticket_fields(stmt, t);
    sqlite3_bind_int64(stmt, 18, t->id);
    sqlite3_bind_int64(stmt, 19, expect_version);
    bind_next(stmt, 20, &t->next);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return ticket_write_fail(s, rc, t, "updating a ticket", err);
    if (sqlite3_changes(s->db) == 0)
        return stale_ticket(s, t->id, expect_version, err);
    t->version = expect_version + 1;
    return ST_OK;
}

static st_code sq_ticket_get(store_backend *s, int64_t id, st_ticket *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s, "SELECT " TICKET_COLUMNS " FROM tickets WHERE id = ?1", &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_int64(stmt, 1, id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        code = ticket_from_row(s, stmt, out, err);
        if (code != ST_OK)
            ticket_done(out);
    } else if (rc == SQLITE_DONE) {
        code = st_fail(err, ST_NOTFOUND, "ticket %" PRId64 " not found", id);
    } else {
        code = sq_fail(s, rc, "reading a ticket", err);
    }
    sqlite3_reset(stmt);
    return code;
}

/* Runs sql and hands each row to row(), one at a time: one statement reads one consistent
 * snapshot in constant memory (the audit log and the tickets may hold millions). */
typedef st_code (*sq_row_fn)(store_backend *s, sqlite3_stmt *stmt, void *ctx, st_err *err);
static st_code sq_stream(store_backend *s, const char *sql, const char *what, sq_row_fn row, void *ctx,
                         st_err *err)
{
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s, sql, &stmt, err);
    if (code != ST_OK)
        return code;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        if ((code = row(s, stmt, ctx, err)) != ST_OK)
            break;
    sqlite3_reset(stmt);
    if (code != ST_OK)
        return code;
    if (rc != SQLITE_DONE)
        return sq_fail(s, rc, what, err);
    return ST_OK;
}

typedef struct {
    store_ticket_visit visit;
    void *ctx;
} ticket_stream;

static st_code ticket_stream_row(store_backend *s, sqlite3_stmt *stmt, void *ctx, st_err *err)
{
    ticket_stream *ts = ctx;
    st_ticket t;
    st_code code = ticket_from_row(s, stmt, &t, err);
    if (code == ST_OK)
        code = ts->visit(ts->ctx, &t, err);
    ticket_done(&t);
    return code;
}

static st_code sq_ticket_scan(store_backend *s, store_ticket_visit visit, void *ctx, st_err *err)
{
    ticket_stream ts = {visit, ctx};
    return sq_stream(s, "SELECT " TICKET_COLUMNS " FROM tickets ORDER BY id", "reading the tickets",
                     ticket_stream_row, &ts, err);
}

static st_code sq_ticket_find_ref(store_backend *s, const char *ref, int64_t *id_out, st_err *err)
{
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s, "SELECT id FROM tickets WHERE ref = ?1", &stmt, err);
    if (code != ST_OK)
        return code;
    sq_bind_text(stmt, 1, ref);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *id_out = sqlite3_column_int64(stmt, 0);
    else if (rc == SQLITE_DONE)
        code = st_fail(err, ST_NOTFOUND, "no ticket with ref '%s'", ref ? ref : "");
    else
        code = sq_fail(s, rc, "looking up a ref", err);
    sqlite3_reset(stmt);
    return code;
}

static st_code read_id(store_backend *s, sqlite3_stmt *stmt, void *item, st_err *err)
{
    (void)s, (void)err;
    *(int64_t *)item = sqlite3_column_int64(stmt, 0);
    return ST_OK;
}

static st_code sq_tickets_using_level(store_backend *s, const char *level, int64_t **ids, size_t *n,
                                      st_err *err)
{
    *ids = NULL;
    *n = 0;
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s,
                           "SELECT id FROM tickets WHERE status != 'resolved' AND level = ?1"
                           " AND policy_version != (SELECT coalesce(max(version), 0) FROM policy_versions)"
                           " ORDER BY id",
                           &stmt, err);
    if (code != ST_OK)
        return code;
    sq_bind_text(stmt, 1, level);
    void *arr = NULL;
    code = sq_collect_rows(s, stmt, sizeof **ids, read_id, NULL, "listing tickets", &arr, n, err);
    *ids = arr;
    return code;
}

#define LIST_SQL(where, order)                                                                               \
    "SELECT " TICKET_COLUMNS " FROM tickets " where " ORDER BY " order " LIMIT ?1 OFFSET ?2"
#define OPEN_ONLY "WHERE status != 'resolved'"
#define URGENCY "next_tier, next_key, id"
/* Every status: the open tickets' index and the resolved ones' (schema 6), each walked in order
 * and merged by SQLite (a compound SELECT's ORDER BY), instead of one sort of every ticket before
 * the first row (21.8 s at 1,000,000). The order's keys are result columns: level_rank and the
 * customer's NULL test ride after the ticket's own. */
#define ALL_ARM(where) "SELECT " TICKET_COLUMNS ", level_rank, customer IS NULL AS no_customer FROM tickets " where
#define ALL_SQL(order)                                                                                       \
    ALL_ARM(OPEN_ONLY) " UNION ALL " ALL_ARM("WHERE status = 'resolved'") " ORDER BY " order                 \
                       " LIMIT ?1 OFFSET ?2"

const char *sq_ticket_list_sql(store_sort sort, bool include_resolved)
{
    /* The ORDER BY expressions repeat the index's exactly: that is what lets SQLite walk
     * tickets_urgency instead of sorting. */
    static const char *const sql[4][2] = {
        {LIST_SQL(OPEN_ONLY, URGENCY), ALL_SQL(URGENCY)},
        {LIST_SQL(OPEN_ONLY, "level_rank, " URGENCY), ALL_SQL("level_rank, " URGENCY)},
        {LIST_SQL(OPEN_ONLY, "created, id"), ALL_SQL("created, id")},
        {LIST_SQL(OPEN_ONLY, "customer IS NULL, customer, " URGENCY), ALL_SQL("no_customer, customer, " URGENCY)},
    };
    unsigned k = (unsigned)sort < 4 ? (unsigned)sort : 0;
    return sql[k][include_resolved ? 1 : 0];
}

static st_code sq_ticket_list(store_backend *s, const store_list_query *q, st_ticket **out, size_t *n,
                              st_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s, sq_ticket_list_sql(q->sort, q->include_resolved), &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_int64(stmt, 1, q->limit > 0 ? q->limit : -1);
    sqlite3_bind_int64(stmt, 2, q->offset > 0 ? q->offset : 0);
    void *arr = NULL;
    code = sq_collect_rows(s, stmt, sizeof **out, read_ticket, free_ticket, "listing tickets", &arr, n, err);
    *out = arr;
    return code;
}

static st_code sq_ticket_count(store_backend *s, bool include_resolved, int64_t *n, st_err *err)
{
    return query_int(s,
                     include_resolved
                         ? "SELECT coalesce(sum(n), 0) FROM ticket_counts"
                         : "SELECT coalesce(sum(n), 0) FROM ticket_counts WHERE status != 'resolved'",
                     n, err);
}

static st_code sq_ticket_set_next(store_backend *s, int64_t id, const tk_next *n, st_err *err)
{
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s,
                           "UPDATE tickets SET next_tier = ?2, next_key = ?3, next_metric = ?4, next_cycle = ?5,"
                           " next_target_s = ?6, next_clock = ?7, next_due = ?8, next_remaining_s = ?9,"
                           " next_paused_by = ?10, next_at = ?11 WHERE id = ?1",
                           &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_int64(stmt, 1, id);
    bind_next(stmt, 2, n);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return sq_fail(s, rc, "storing a ticket's next clock", err);
    if (sqlite3_changes(s->db) == 0)
        return st_fail(err, ST_NOTFOUND, "ticket %" PRId64 " not found", id);
    return ST_OK;
}

static st_code sq_tickets_next_missing(store_backend *s, size_t limit, int64_t **ids, size_t *n, st_err *err)
{
    *ids = NULL;
    *n = 0;
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s, "SELECT id FROM tickets WHERE next_tier IS NULL ORDER BY id LIMIT ?1", &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)limit);
    void *arr = NULL;
    code = sq_collect_rows(s, stmt, sizeof **ids, read_id, NULL, "listing tickets", &arr, n, err);
    *ids = arr;
    return code;
}

/* ---- messages ----------------------------------------------------------------------------- */

#define MESSAGE_COLUMNS "id, ticket_id, kind, author, at, recorded_at, body"

static st_code message_from_row(store_backend *s, sqlite3_stmt *stmt, void *item, st_err *err)
{
    st_message *m = item;
    memset(m, 0, sizeof *m);
    m->id = sqlite3_column_int64(stmt, 0);
    const char *kind = (const char *)sqlite3_column_text(stmt, 2);
    if (!msg_kind_parse(kind, &m->kind))
        return st_fail(err, ST_INVALID, "%s: message %" PRId64 ": unknown kind '%.40s'", s->path, m->id,
                       kind ? kind : "");
    m->ticket_id = sqlite3_column_int64(stmt, 1);
    m->author = sq_column_strdup(stmt, 3);
    m->at = sq_column_time(stmt, 4);
    m->recorded_at = sq_column_time(stmt, 5);
    m->body = sq_column_strdup(stmt, 6);
    if (!m->body)
        m->body = xstrdup("");
    return ST_OK;
}

static void free_message(void *item)
{
    message_done(item);
}

static st_code sq_message_insert(store_backend *s, st_message *m, st_err *err)
{
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s,
                           "INSERT INTO messages(ticket_id, kind, author, at, recorded_at, body)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_int64(stmt, 1, m->ticket_id);
    sq_bind_text(stmt, 2, msg_kind_name(m->kind));
    sq_bind_text(stmt, 3, m->author);
    sq_bind_time(stmt, 4, m->at);
    sq_bind_time(stmt, 5, m->recorded_at);
    sq_bind_text(stmt, 6, m->body);
    if ((code = sq_step_done(s, stmt, "adding a message", err)) != ST_OK)
        return code;
    m->id = sqlite3_last_insert_rowid(s->db);
    return ST_OK;
}

static st_code sq_message_list(store_backend *s, int64_t ticket_id, st_message **out, size_t *n, st_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s, "SELECT " MESSAGE_COLUMNS " FROM messages WHERE ticket_id = ?1 ORDER BY at, id",
                           &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_int64(stmt, 1, ticket_id);
    void *arr = NULL;
    code = sq_collect_rows(s, stmt, sizeof **out, message_from_row, free_message, "reading messages", &arr, n,
                           err);
    *out = arr;
    return code;
}

static st_code sq_message_get(store_backend *s, int64_t id, st_message *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s, "SELECT " MESSAGE_COLUMNS " FROM messages WHERE id = ?1", &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_int64(stmt, 1, id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        code = message_from_row(s, stmt, out, err);
    else if (rc == SQLITE_DONE)
        code = st_fail(err, ST_NOTFOUND, "message %" PRId64 " not found", id);
    else
        code = sq_fail(s, rc, "reading a message", err);
    sqlite3_reset(stmt);
    if (code != ST_OK)
        message_done(out);
    return code;
}

/* ---- audit -------------------------------------------------------------------------------- */

#define AUDIT_COLUMNS                                                                                        \
    "seq, at, recorded_at, actor, kind, ticket_id, from_level, to_level, old_due, new_due, reason, detail, " \
    "prev_hash, hash, from_status, to_status, message_id, message_kind, body_sha256, host"

/* Copies a hash column into dst (65 bytes); an over-long or missing value becomes a string that
 * can never match a real hash, so verification reports it rather than truncating it into one. */
static void column_hash(sqlite3_stmt *stmt, int col, char dst[65])
{
    const char *h = (const char *)sqlite3_column_text(stmt, col);
    size_t n = h ? strlen(h) : 65;
    if (n > 64)
        memcpy(dst, "invalid", sizeof "invalid");
    else
        memcpy(dst, h, n + 1); /* not snprintf: a log's every entry comes through here */
}

static st_code audit_from_row(store_backend *s, sqlite3_stmt *stmt, st_audit_entry *e, st_err *err)
{
    memset(e, 0, sizeof *e);
    e->seq = sqlite3_column_int64(stmt, 0);
    const char *kind = (const char *)sqlite3_column_text(stmt, 4);
    if (!au_kind_parse(kind, &e->kind))
        return st_fail(err, ST_VERIFY, "audit entry %" PRId64 ": unknown kind '%.40s' (edited)", e->seq,
                       kind ? kind : "");
    (void)s;
    e->at = sq_column_time(stmt, 1);
    e->recorded_at = sq_column_time(stmt, 2);
    e->actor = sq_column_strdup(stmt, 3);
    e->ticket_id = sqlite3_column_int64(stmt, 5);
    e->from_level = sq_column_strdup(stmt, 6);
    e->to_level = sq_column_strdup(stmt, 7);
    e->old_due = sq_column_time(stmt, 8);
    e->new_due = sq_column_time(stmt, 9);
    e->reason = sq_column_strdup(stmt, 10);
    e->detail = sq_column_strdup(stmt, 11);
    column_hash(stmt, 12, e->prev_hash);
    column_hash(stmt, 13, e->hash);
    e->from_status = sq_column_strdup(stmt, 14);
    e->to_status = sq_column_strdup(stmt, 15);
    e->message_id = sqlite3_column_int64(stmt, 16); /* NULL reads as 0: no message */
    e->message_kind = sq_column_strdup(stmt, 17);
    e->body_sha256 = sq_column_strdup(stmt, 18);
    e->host = sq_column_strdup(stmt, 19);
    return ST_OK;
}

static st_code read_entry(store_backend *s, sqlite3_stmt *stmt, void *item, st_err *err)
{
    return audit_from_row(s, stmt, item, err);
}

static void free_entry(void *item)
{
    audit_entry_done(item);
}

static st_code sq_audit_head(store_backend *s, int64_t *seq, char hash[65], st_err *err)
{
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &stmt, err);
    if (code != ST_OK)
        return code;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(stmt, 0);
        column_hash(stmt, 1, hash);
    } else if (rc == SQLITE_DONE) {
        *seq = 0;
        memcpy(hash, AUDIT_GENESIS_HASH, 65);
    } else {
        code = sq_fail(s, rc, "reading the audit head", err);
    }
    sqlite3_reset(stmt);
    return code;
}

static st_code sq_audit_insert(store_backend *s, const st_audit_entry *e, st_err *err)
{
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s,
                           "INSERT INTO audit(" AUDIT_COLUMNS
                           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
                           " ?18, ?19, ?20)",
                           &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_int64(stmt, 1, e->seq);
    sq_bind_time(stmt, 2, e->at);
    sq_bind_time(stmt, 3, e->recorded_at);
    sq_bind_text(stmt, 4, e->actor);
    sq_bind_text(stmt, 5, au_kind_name(e->kind));
    sqlite3_bind_int64(stmt, 6, e->ticket_id);
    sq_bind_text(stmt, 7, e->from_level);
    sq_bind_text(stmt, 8, e->to_level);
    sq_bind_time(stmt, 9, e->old_due);
    sq_bind_time(stmt, 10, e->new_due);
    sq_bind_text(stmt, 11, e->reason);
    sq_bind_text(stmt, 12, e->detail);
    sq_bind_text(stmt, 13, e->prev_hash);
    sq_bind_text(stmt, 14, e->hash);
    sq_bind_text(stmt, 15, e->from_status);
    sq_bind_text(stmt, 16, e->to_status);
    if (e->message_id)
        sqlite3_bind_int64(stmt, 17, e->message_id);
    else
        sqlite3_bind_null(stmt, 17);
    sq_bind_text(stmt, 18, e->message_kind);
    sq_bind_text(stmt, 19, e->body_sha256);
    sq_bind_text(stmt, 20, e->host);
    return sq_step_done(s, stmt, "appending to the audit log", err);
}

static st_code sq_audit_list(store_backend *s, int64_t ticket_id, st_audit_entry **out, size_t *n,
                             st_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *stmt;
    st_code code =
        sq_stmt(s,
                ticket_id == 0 ? "SELECT " AUDIT_COLUMNS " FROM audit ORDER BY seq"
                               : "SELECT " AUDIT_COLUMNS " FROM audit WHERE ticket_id = ?1 ORDER BY seq",
                &stmt, err);
    if (code != ST_OK)
        return code;
    if (ticket_id != 0)
        sqlite3_bind_int64(stmt, 1, ticket_id);
    void *arr = NULL;
    code =
        sq_collect_rows(s, stmt, sizeof **out, read_entry, free_entry, "reading the audit log", &arr, n, err);
    *out = arr;
    return code;
}

typedef struct {
    store_audit_visit visit;
    void *ctx;
} audit_stream;

static st_code audit_stream_row(store_backend *s, sqlite3_stmt *stmt, void *ctx, st_err *err)
{
    audit_stream *as = ctx;
    st_audit_entry e;
    st_code code = audit_from_row(s, stmt, &e, err);
    if (code == ST_OK)
        code = as->visit(as->ctx, &e, err);
    audit_entry_done(&e);
    return code;
}

static st_code sq_audit_scan(store_backend *s, store_audit_visit visit, void *ctx, st_err *err)
{
    audit_stream as = {visit, ctx};
    return sq_stream(s, "SELECT " AUDIT_COLUMNS " FROM audit ORDER BY seq", "reading the audit log",
                     audit_stream_row, &as, err);
}

/* Two statements walked in lockstep, tickets by id and the audit log by (ticket_id, seq) through
 * the audit_ticket index, so that one ticket's entries are in memory at a time. The first
 * statement's read transaction holds the snapshot both read. */
static st_code sq_ticket_histories(store_backend *s, st_time before, store_history_visit visit, void *ctx,
                                   st_err *err)
{
    sqlite3_stmt *ts, *as;
    st_code code = sq_stmt(s, "SELECT " TICKET_COLUMNS " FROM tickets WHERE created < ?1 ORDER BY id", &ts, err);
    if (code != ST_OK)
        return code;
    sq_bind_time(ts, 1, before);
    /* AUDIT_COLUMNS' shape without the hashes, which a replay does not read. */
    code = sq_stmt(s,
                   "SELECT seq, at, recorded_at, actor, kind, ticket_id, from_level, to_level, old_due, new_due,"
                   " reason, detail, '', '', from_status, to_status, message_id, message_kind, NULL, host"
                   " FROM audit WHERE ticket_id > 0 ORDER BY ticket_id, seq",
                   &as, err);
    if (code != ST_OK) {
        sqlite3_reset(ts);
        return code;
    }
    /* The walk reads each page about once: the connection's large cache would only fill with
     * pages it does not need again (32 MB of them on a big log); a small one keeps the index walk's
     * window of recent pages. Restored below. */
    sqlite3_exec(s->db, "PRAGMA cache_size = -4096", NULL, NULL, NULL);
    st_audit_entry *h = NULL, pend;
    size_t n = 0, cap = 0;
    bool have_pend = false, audit_done = false;
    int rc = SQLITE_OK, arc = SQLITE_OK;
    while (code == ST_OK && (rc = sqlite3_step(ts)) == SQLITE_ROW) {
        st_ticket t;
        code = ticket_from_row(s, ts, &t, err);
        /* Entries of tickets before t (none when the tables agree) are passed over. */
        while (code == ST_OK && !audit_done) {
            if (!have_pend) {
                arc = sqlite3_step(as);
                if (arc != SQLITE_ROW) {
                    audit_done = true;
                    break;
                }
                code = audit_from_row(s, as, &pend, err);
                if (code != ST_OK)
                    break;
                have_pend = true;
            }
            if (pend.ticket_id > t.id)
                break;
            if (pend.ticket_id == t.id) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 16;
                    h = xrealloc(h, cap * sizeof *h);
                }
                h[n++] = pend;
            } else {
                audit_entry_done(&pend);
            }
            have_pend = false;
        }
        if (code == ST_OK)
            code = visit(ctx, &t, h, n, err);
        for (size_t i = 0; i < n; i++)
            audit_entry_done(&h[i]);
        n = 0;
        ticket_done(&t);
    }
    if (have_pend)
        audit_entry_done(&pend);
    free(h);
    sqlite3_reset(as);
    sqlite3_reset(ts);
    sq_cache_restore(s);
    if (code != ST_OK)
        return code;
    if (rc != SQLITE_DONE)
        return sq_fail(s, rc, "reading the tickets", err);
    if (audit_done && arc != SQLITE_DONE)
        return sq_fail(s, arc, "reading the audit log", err);
    return ST_OK;
}

/* Chunks of a bump arena that never move: the strings of one ticket's history are copied into
 * them and keep their addresses until the ticket is visited, when all go in a free or two (a
 * malloc and free per string was an eighth of the report's time). */
typedef struct hist_chunk {
    struct hist_chunk *next;
    size_t used, cap;
    char data[];
} hist_chunk;

/* One ticket's history being gathered by sq_ticket_histories_log: its row, once read, and its
 * entries so far, their strings in mem. */
typedef struct {
    st_ticket t;
    bool have_t;
    st_audit_entry *h;
    size_t n, cap;
    hist_chunk *mem;
} hist_slot;

/* An open ticket's slot in hist_log's table, by the ticket's index (x NULL: a free place). */
typedef struct {
    size_t key;
    hist_slot *x;
} hist_open;

/* The pass's index of every ticket with entries costs 8 bytes a ticket when their ids run without
 * gaps (as autoincrement ids do; 16 with gaps), and the slots only what the open tickets take: a
 * month of 1,000,000 tickets keeps ~8 MB, not 24. */
typedef struct {
    store_backend *s;
    store_history_visit visit;
    void *ctx;
    int64_t *ids;  /* every ticket with entries, ascending; NULL while they run base, base + 1, ... */
    int64_t base;  /* ids[0] */
    int64_t *last; /* per ticket, its last entry's seq */
    size_t n, cap;
    hist_open *open; /* the histories begun and not yet visited, by ticket index (linear probing) */
    size_t open_cap, n_open;
    hist_slot *spare[64]; /* visited slots kept for reuse (their entry array and first chunk) */
    size_t n_spare;
    sqlite3_stmt *ts; /* the tickets created before the bound, by id */
    int64_t ts_last;  /* the last ticket id read from ts (INT64_MAX: all read) */
} hist_log;

/* The columns a history's reader gets (store_history.h): what never changes after creation. */
#define HIST_TICKET_COLUMNS "id, title, customer, created, policy_version"
/* The entries' columns a clock replay reads (the others stay empty). */
#define HIST_AUDIT_COLUMNS "seq, at, kind, ticket_id, actor, to_level, reason, to_status, message_kind"

static size_t hist_index(const hist_log *g, int64_t id)
{
    /* Ticket ids are dense in practice: try the place a dense run puts it first. */
    if (g->n && id >= g->base) {
        uint64_t guess = (uint64_t)id - (uint64_t)g->base;
        if (guess < g->n && (!g->ids || g->ids[guess] == id))
            return (size_t)guess;
    }
    if (!g->ids)
        return SIZE_MAX;
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->n && g->ids[lo] == id ? lo : SIZE_MAX;
}

static size_t hist_home(const hist_log *g, size_t key)
{
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 17) & (g->open_cap - 1);
}

/* The place of ticket index key in the open table: its entry, or the free place it would take. */
static size_t hist_place(const hist_log *g, size_t key)
{
    size_t h = hist_home(g, key);
    while (g->open[h].x && g->open[h].key != key)
        h = (h + 1) & (g->open_cap - 1);
    return h;
}

static hist_slot *hist_open_get(const hist_log *g, size_t key)
{
    return g->open_cap ? g->open[hist_place(g, key)].x : NULL;
}

static void hist_open_put(hist_log *g, size_t key, hist_slot *x)
{
    if ((g->n_open + 1) * 2 > g->open_cap) { /* at most half full: short probes */
        hist_open *old = g->open;
        size_t old_cap = g->open_cap;
        g->open_cap = old_cap ? old_cap * 2 : 256;
        g->open = xcalloc(g->open_cap, sizeof *g->open);
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].x)
                g->open[hist_place(g, old[i].key)] = old[i];
        free(old);
    }
    size_t h = hist_place(g, key);
    if (!g->open[h].x)
        g->n_open++;
    g->open[h] = (hist_open){key, x};
}

/* Removes ticket index key's slot from the open table and returns it (NULL: none). The entries
 * after it in its run move back into the hole when their home allows (no tombstones). */
static hist_slot *hist_open_take(hist_log *g, size_t key)
{
    if (!g->open_cap)
        return NULL;
    size_t mask = g->open_cap - 1, h = hist_place(g, key);
    hist_slot *x = g->open[h].x;
    if (!x)
        return NULL;
    g->open[h].x = NULL;
    g->n_open--;
    for (size_t j = (h + 1) & mask; g->open[j].x; j = (j + 1) & mask) {
        size_t k = hist_home(g, g->open[j].key);
        bool stays = h < j ? (h < k && k <= j) : (h < k || k <= j); /* home in (h, j] */
        if (!stays) {
            g->open[h] = g->open[j];
            g->open[j].x = NULL;
            h = j;
        }
    }
    return x;
}

/* Column col of st as a string in x's arena (NULL for SQL NULL). */
static char *hist_str(hist_slot *x, sqlite3_stmt *st, int col)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    if (!v)
        return NULL;
    size_t n = (size_t)sqlite3_column_bytes(st, col) + 1;
    hist_chunk *c = x->mem;
    if (!c || c->cap - c->used < n) {
        size_t cap = c ? c->cap * 2 : 512;
        c = xmalloc(sizeof *c + (cap > n ? cap : n));
        c->next = x->mem;
        c->used = 0;
        c->cap = cap > n ? cap : n;
        x->mem = c;
    }
    char *d = c->data + c->used;
    memcpy(d, v, n - 1);
    d[n - 1] = '\0';
    c->used += n;
    return d;
}

/* A ticket row of HIST_TICKET_COLUMNS; its strings borrowed from st when x is NULL, else in x. */
static void hist_ticket(hist_slot *x, sqlite3_stmt *st, st_ticket *t)
{
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(st, 0);
    t->title = x ? hist_str(x, st, 1) : (char *)sqlite3_column_text(st, 1);
    t->customer = x ? hist_str(x, st, 2) : (char *)sqlite3_column_text(st, 2);
    t->created = sq_column_time(st, 3);
    t->policy_version = sqlite3_column_int64(st, 4);
    t->status = TK_OPEN; /* not read: the replay derives it */
}

static void hist_slot_free(hist_slot *x)
{
    free(x->h);
    while (x->mem) {
        hist_chunk *c = x->mem;
        x->mem = c->next;
        free(c);
    }
    free(x);
}

/* A slot for a ticket whose history begins: a spare one emptied, else a new one. */
static hist_slot *hist_slot_new(hist_log *g)
{
    return g->n_spare ? g->spare[--g->n_spare] : xcalloc(1, sizeof(hist_slot));
}

/* Visits the slot of ticket index i, then keeps it as a spare (emptied: its first chunk and entry
 * array stay, so most tickets cost no allocation at all) or frees it. */
static st_code hist_visit(hist_log *g, size_t i, st_err *err)
{
    hist_slot *x = hist_open_take(g, i);
    st_code code = g->visit(g->ctx, &x->t, x->h, x->n, err);
    if (g->n_spare == sizeof g->spare / sizeof g->spare[0]) {
        hist_slot_free(x);
        return code;
    }
    while (x->mem && x->mem->next) { /* the oldest chunk is the smallest: keep the newest */
        hist_chunk *c = x->mem->next;
        x->mem->next = c->next;
        free(c);
    }
    if (x->mem)
        x->mem->used = 0;
    x->n = 0;
    x->have_t = false;
    g->spare[g->n_spare++] = x;
    return code;
}

/* Reads the tickets up to id `upto`: one without entries is visited at once, the others wait in
 * their slots for their entries. */
static st_code hist_tickets_upto(hist_log *g, int64_t upto, st_err *err)
{
    while (g->ts_last < upto) {
        int rc = sqlite3_step(g->ts);
        if (rc == SQLITE_DONE) {
            g->ts_last = INT64_MAX;
            break;
        }
        if (rc != SQLITE_ROW)
            return sq_fail(g->s, rc, "reading the tickets", err);
        int64_t id = sqlite3_column_int64(g->ts, 0);
        g->ts_last = id;
        size_t i = hist_index(g, id);
        if (i == SIZE_MAX) {
            st_ticket t;
            hist_ticket(NULL, g->ts, &t);
            st_code code = g->visit(g->ctx, &t, NULL, 0, err);
            if (code != ST_OK)
                return code;
            continue;
        }
        hist_slot *x = hist_open_get(g, i);
        if (!x) {
            x = hist_slot_new(g);
            hist_open_put(g, i, x);
        }
        hist_ticket(x, g->ts, &x->t);
        x->have_t = true;
    }
    return ST_OK;
}

/* The last seq of every ticket's entries, from the audit_ticket index alone. */
static st_code hist_last_seqs(hist_log *g, st_err *err)
{
    sqlite3_stmt *st;
    st_code code = sq_stmt(g->s, "SELECT ticket_id, max(seq) FROM audit WHERE ticket_id > 0 GROUP BY ticket_id",
                           &st, err);
    if (code != ST_OK)
        return code;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (g->n == g->cap) {
            g->cap = g->cap ? g->cap * 2 : 1024;
            g->last = xrealloc(g->last, g->cap * sizeof *g->last);
            if (g->ids)
                g->ids = xrealloc(g->ids, g->cap * sizeof *g->ids);
        }
        if (g->n == 0)
            g->base = id;
        if (!g->ids && id != g->base + (int64_t)g->n) { /* the first gap: the ids are kept from here */
            g->ids = xmalloc(g->cap * sizeof *g->ids);
            for (size_t k = 0; k < g->n; k++)
                g->ids[k] = g->base + (int64_t)k;
        }
        if (g->ids)
            g->ids[g->n] = id;
        g->last[g->n++] = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? ST_OK : sq_fail(g->s, rc, "reading the audit log", err);
}

/* The entry at as's row (HIST_AUDIT_COLUMNS) added to its ticket's slot, when the ticket is
 * being gathered (not one created at or after the bound). *done: that was its last entry. */
static st_code hist_add_entry(hist_log *g, sqlite3_stmt *as, size_t *slot_ix, bool *done, st_err *err)
{
    int64_t seq = sqlite3_column_int64(as, 0);
    int64_t ticket = sqlite3_column_int64(as, 3);
    *done = false;
    size_t i = hist_index(g, ticket);
    *slot_ix = i;
    st_code code = i == SIZE_MAX ? ST_OK : hist_tickets_upto(g, ticket, err);
    hist_slot *x = i == SIZE_MAX ? NULL : hist_open_get(g, i);
    if (code != ST_OK || !x || !x->have_t)
        return code;
    const char *kind = (const char *)sqlite3_column_text(as, 2);
    st_audit_entry e = {.seq = seq, .ticket_id = ticket, .old_due = ST_TIME_NONE, .new_due = ST_TIME_NONE};
    if (!au_kind_parse(kind, &e.kind))
        return st_fail(err, ST_VERIFY, "audit entry %" PRId64 ": unknown kind '%.40s' (edited)", seq,
                       kind ? kind : "");
    e.at = sq_column_time(as, 1);
    e.recorded_at = ST_TIME_NONE;
    e.actor = hist_str(x, as, 4);
    e.to_level = hist_str(x, as, 5);
    e.reason = hist_str(x, as, 6);
    e.to_status = hist_str(x, as, 7);
    e.message_kind = hist_str(x, as, 8);
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 8;
        x->h = xrealloc(x->h, x->cap * sizeof *x->h);
    }
    x->h[x->n++] = e;
    *done = seq == g->last[i];
    return ST_OK;
}

/* The log's entries in seq order, each added to its ticket's slot; a ticket is visited at its
 * last entry. */
static st_code hist_scan(hist_log *g, st_err *err)
{
    int64_t max_seq = 0;
    for (size_t i = 0; i < g->n; i++)
        max_seq = g->last[i] > max_seq ? g->last[i] : max_seq;
    sqlite3_stmt *as;
    /* Bounded by the last seq read above, so the pass ends where the index said. */
    st_code code = sq_stmt(g->s,
                           "SELECT " HIST_AUDIT_COLUMNS " FROM audit WHERE ticket_id > 0 AND seq <= ?1 ORDER BY seq",
                           &as, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_int64(as, 1, max_seq);
    int rc;
    while (code == ST_OK && (rc = sqlite3_step(as)) == SQLITE_ROW) {
        size_t i;
        bool done;
        code = hist_add_entry(g, as, &i, &done, err);
        if (code == ST_OK && done)
            code = hist_visit(g, i, err);
    }
    sqlite3_reset(as);
    if (code == ST_OK && rc != SQLITE_DONE)
        code = sq_fail(g->s, rc, "reading the audit log", err);
    return code;
}

/* Every ticket created before `before`, each visited once its last entry is read: one pass over
 * the log in seq order (its pages in file order, where a walk by ticket jumps between them), with
 * only the tickets whose history has begun and not ended in memory. One read transaction holds
 * the snapshot the three statements read. */
static st_code sq_ticket_histories_log(store_backend *s, st_time before, store_history_visit visit, void *ctx,
                                       st_err *err)
{
    hist_log g = {.s = s, .visit = visit, .ctx = ctx, .ts_last = INT64_MIN};
    bool own_txn = sqlite3_get_autocommit(s->db) != 0;
    if (own_txn && sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return sq_fail(s, sqlite3_errcode(s->db), "starting a read", err);
    /* Each page is read once: a small cache, as in sq_ticket_histories. Restored below. */
    sqlite3_exec(s->db, "PRAGMA cache_size = -4096", NULL, NULL, NULL);
    st_code code = hist_last_seqs(&g, err);
    if (code == ST_OK)
        code = sq_stmt(s, "SELECT " HIST_TICKET_COLUMNS " FROM tickets WHERE created < ?1 ORDER BY id", &g.ts,
                       err);
    if (code == ST_OK) {
        sq_bind_time(g.ts, 1, before);
        code = hist_scan(&g, err);
    }
    if (code == ST_OK) /* tickets after the last with entries */
        code = hist_tickets_upto(&g, INT64_MAX, err);
    while (g.n_open) { /* none when the log and the index agree; else by id */
        size_t first = SIZE_MAX;
        for (size_t k = 0; k < g.open_cap; k++)
            if (g.open[k].x && g.open[k].key < first)
                first = g.open[k].key;
        if (code == ST_OK && hist_open_get(&g, first)->have_t)
            code = hist_visit(&g, first, err);
        else
            hist_slot_free(hist_open_take(&g, first));
    }
    if (g.ts)
        sqlite3_reset(g.ts);
    while (g.n_spare)
        hist_slot_free(g.spare[--g.n_spare]);
    free(g.open);
    free(g.ids);
    free(g.last);
    sq_cache_restore(s);
    if (own_txn)
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    return code;
}

/* Steps stmt (bound, selecting AUDIT_COLUMNS) to its end, handing each entry to visit. One row at
 * a time: the log may hold millions of entries. The single statement reads one consistent
 * snapshot. The caller resets or finalizes stmt. */
static st_code visit_entries(store_backend *s, sqlite3_stmt *stmt, store_audit_visit visit, void *ctx, st_err *err)
{
    st_code code = ST_OK;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        st_audit_entry e;
        code = audit_from_row(s, stmt, &e, err);
        if (code == ST_OK)
            code = visit(ctx, &e, err);
        audit_entry_done(&e);
        if (code != ST_OK)
            break;
    }
    if (code == ST_OK && rc != SQLITE_DONE)
        code = sq_fail(s, rc, "reading the audit log", err);
    return code;
}

/* The audit columns that bear on a ticket's clocks (store_audit_clock_scan), in the order
 * clock_entry_from_row reads them. */
#define AUDIT_CLOCK_COLUMNS "seq, at, kind, to_level, reason, to_status, message_kind"
#define AUDIT_CLOCK_NCOLS 7

/* The entry of ticket_id whose AUDIT_CLOCK_COLUMNS begin at column `col` into *e, its strings
 * borrowed from the statement's row. ST_VERIFY for a kind this version does not know. */
static st_code clock_entry_from_row(sqlite3_stmt *stmt, int col, int64_t ticket_id, st_audit_entry *e, st_err *err)
{
    memset(e, 0, sizeof *e);
    e->seq = sqlite3_column_int64(stmt, col);
    e->ticket_id = ticket_id;
    const char *kind = (const char *)sqlite3_column_text(stmt, col + 2);
    if (!au_kind_parse(kind, &e->kind))
        return st_fail(err, ST_VERIFY, "audit entry %" PRId64 ": unknown kind '%.40s' (edited)", e->seq,
                       kind ? kind : "");
    e->at = sq_column_time(stmt, col + 1);
    e->to_level = (char *)sqlite3_column_text(stmt, col + 3);
    e->reason = (char *)sqlite3_column_text(stmt, col + 4);
    e->to_status = (char *)sqlite3_column_text(stmt, col + 5);
    e->message_kind = (char *)sqlite3_column_text(stmt, col + 6);
    return ST_OK;
}

/* A ticket's entries from seq from_seq on (the audit_ticket index's range) with only the columns
 * that bear on its clocks, the strings borrowed from SQLite for the visit: no copy per row. */
static st_code sq_audit_clock_scan(store_backend *s, int64_t ticket_id, int64_t from_seq, store_audit_visit visit,
                                   void *ctx, st_err *err)
{
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(
        s, "SELECT " AUDIT_CLOCK_COLUMNS " FROM audit WHERE ticket_id = ?1 AND seq >= ?2 ORDER BY seq", &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_int64(stmt, 1, ticket_id);
    sqlite3_bind_int64(stmt, 2, from_seq);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        st_audit_entry e;
        code = clock_entry_from_row(stmt, 0, ticket_id, &e, err);
        if (code != ST_OK)
            break;
        code = visit(ctx, &e, err);
        if (code != ST_OK)
            break;
    }
    if (code == ST_OK && rc != SQLITE_DONE)
        code = sq_fail(s, rc, "reading a ticket's history", err);
    sqlite3_reset(stmt);
    return code;
}

/* ---- streaming reads ---------------------------------------------------------------------- */

static st_code audit_range_run(store_backend *s, const store_audit_range *r, store_audit_visit visit, void *ctx,
                               st_err *err);

/* A statement of its own, not the cache's: a scan stays open while its visitor runs, and the
 * visitor may read through the store (a policy version, a message) with cached statements. */
static st_code scan_prepare(store_backend *s, const char *sql, sqlite3_stmt **out, st_err *err)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, out, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(*out);
        *out = NULL;
        return sq_fail(s, rc, "preparing a scan", err);
    }
    return ST_OK;
}

/* The ticket stream is no sequential scan: it seeks each ticket's row and history in the order of
 * the list, all over three B-trees. 8 MiB keeps their interior pages cached (2 MiB did not: 5.1
 * reads of a page per ticket, 3.8 with this, on 1,000,000 tickets; peak RSS 13 MB of list --json's
 * 16). */
#define STREAM_CACHE "PRAGMA cache_size = -8192"
/* The whole list's sorted pass (sorted_stream_run): its pages are each read once, and SQLite's
 * sorter takes the cache size as its own memory budget before it spills to a temporary file, so
 * this counts twice in resident memory. */
#define SORT_CACHE "PRAGMA cache_size = -4096"

static st_code sq_audit_range(store_backend *s, const store_audit_range *r, store_audit_visit visit, void *ctx,
                              st_err *err)
{
    if (r->limit <= 0 || r->walk) {
        st_code code = sq_exec(s, SCAN_CACHE, err);
        if (code == ST_OK)
            code = audit_range_run(s, r, visit, ctx, err);
        sq_cache_restore(s);
        return code;
    }
    return audit_range_run(s, r, visit, ctx, err);
}

static st_code audit_range_run(store_backend *s, const store_audit_range *r, store_audit_visit visit, void *ctx,
                               st_err *err)
{
    /* Keyset on seq (the rowid; with a ticket, audit_ticket(ticket_id, seq)): each page costs its
     * own rows whatever its place in a log of millions. */
    static const char *const sql[2][2] = {
        {"SELECT " AUDIT_COLUMNS " FROM audit WHERE seq > ?1 AND seq < ?2 ORDER BY seq LIMIT ?3",
         "SELECT " AUDIT_COLUMNS " FROM audit WHERE seq > ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3"},
        {"SELECT " AUDIT_COLUMNS " FROM audit WHERE ticket_id = ?4 AND seq > ?1 AND seq < ?2 ORDER BY seq LIMIT ?3",
         "SELECT " AUDIT_COLUMNS
         " FROM audit WHERE ticket_id = ?4 AND seq > ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3"},
    };
    sqlite3_stmt *stmt;
    st_code code = scan_prepare(s, sql[r->ticket_id > 0][r->newest_first], &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_int64(stmt, 1, r->after_seq);
    sqlite3_bind_int64(stmt, 2, r->before_seq > 0 ? r->before_seq : INT64_MAX);
    sqlite3_bind_int64(stmt, 3, r->limit > 0 ? r->limit : -1);
    if (r->ticket_id > 0)
        sqlite3_bind_int64(stmt, 4, r->ticket_id);
    code = visit_entries(s, stmt, visit, ctx, err);
    sqlite3_finalize(stmt);
    return code;
}

/* Every ticket's history in the list's own order: the tickets LEFT JOIN their entries, ordered by
 * the list's index and then seq, so SQLite walks the index once and seeks each ticket's entries
 * in audit_ticket (checked: no sort). The columns that bear on the clocks come first (the list
 * shows clocks, not entries), then the ticket's id (a ticket without entries gives one row of NULLs).
 * Unqualified names are unambiguous: the two tables share none. */
#define HIST_SQL(where, order)                                                                               \
    "SELECT " AUDIT_CLOCK_COLUMNS ", tickets.id FROM tickets LEFT JOIN audit ON audit.ticket_id = tickets.id " \
    where " ORDER BY " order ", seq"
#define HIST_OPEN_ONLY "WHERE tickets.status != 'resolved'"

static const char *hist_sql(store_sort sort, bool include_resolved)
{
    static const char *const sql[4][2] = {
        {HIST_SQL(HIST_OPEN_ONLY, URGENCY), HIST_SQL("", URGENCY)},
        {HIST_SQL(HIST_OPEN_ONLY, "level_rank, " URGENCY), HIST_SQL("", "level_rank, " URGENCY)},
        {HIST_SQL(HIST_OPEN_ONLY, "created, id"), HIST_SQL("", "created, id")},
        {HIST_SQL(HIST_OPEN_ONLY, "customer IS NULL, customer, " URGENCY),
         HIST_SQL("", "customer IS NULL, customer, " URGENCY)},
    };
    unsigned k = (unsigned)sort < 4 ? (unsigned)sort : 0;
    return sql[k][include_resolved ? 1 : 0];
}

/* One ticket's history, read from the history cursor (its next row in *have_row). */
typedef struct {
    sqlite3_stmt *stmt;
    bool have_row; /* stmt is on a row not yet consumed */
    st_audit_entry *h;
    size_t n, cap;
} hist_cursor;

static void hist_clear(hist_cursor *hc)
{
    for (size_t i = 0; i < hc->n; i++)
        audit_entry_done(&hc->h[i]);
    hc->n = 0;
}

/* Appends the clock entry of the row's AUDIT_CLOCK_COLUMNS (from column col) to hc, its strings
 * copied: the row is gone before the ticket's last entry is read. */
static st_code hist_push_clock_entry(sqlite3_stmt *stmt, int col, int64_t id, hist_cursor *hc, st_err *err)
{
    st_audit_entry e;
    st_code code = clock_entry_from_row(stmt, col, id, &e, err);
    if (code != ST_OK)
        return code;
    if (hc->n == hc->cap) {
        hc->cap = hc->cap ? 2 * hc->cap : 16;
        hc->h = xrealloc(hc->h, hc->cap * sizeof *hc->h);
    }
    e.to_level = xstrdup(e.to_level);
    e.reason = xstrdup(e.reason);
    e.to_status = xstrdup(e.to_status);
    e.message_kind = xstrdup(e.message_kind);
    hc->h[hc->n++] = e;
    return ST_OK;
}

/* Reads the rows of ticket id into hc->h: rows of tickets before it (skipped by the list's
 * offset) are passed over; the two cursors walk the same order in the same snapshot. */
static st_code hist_read(store_backend *s, hist_cursor *hc, int64_t id, st_err *err)
{
    hist_clear(hc);
    int rc = SQLITE_ROW;
    bool seen = false; /* a row of this ticket was read (an entry, or the NULLs of none) */
    for (;;) {
        if (!hc->have_row) {
            rc = sqlite3_step(hc->stmt);
            if (rc != SQLITE_ROW)
                break;
            hc->have_row = true;
        }
        int64_t row_id = sqlite3_column_int64(hc->stmt, AUDIT_CLOCK_NCOLS); /* tickets.id, after them */
        if (row_id != id) {
            if (seen)
                return ST_OK; /* the next ticket's rows begin */
            hc->have_row = false;
            continue;
        }
        seen = true;
        hc->have_row = false;
        if (sqlite3_column_type(hc->stmt, 0) == SQLITE_NULL)
            continue; /* no entries */
        st_code code = hist_push_clock_entry(hc->stmt, 0, id, hc, err);
        if (code != ST_OK)
            return code;
    }
    if (rc != SQLITE_DONE)
        return sq_fail(s, rc, "reading ticket histories", err);
    return ST_OK;
}

static st_code ticket_stream_run(store_backend *s, const store_list_query *q, bool with_history,
                               store_ticket_stream_visit visit, void *ctx, st_err *err);
static st_code sorted_stream_run(store_backend *s, const store_list_query *q, bool with_history,
                                 store_ticket_stream_visit visit, void *ctx, st_err *err);

static st_code sq_ticket_stream(store_backend *s, const store_list_query *q, bool with_history,
                                store_ticket_stream_visit visit, void *ctx, st_err *err)
{
    /* A page (limit or offset) walks the list's index and stops early; the whole list is read in
     * one sequential pass and sorted (sorted_stream_run). */
    bool whole = q->limit <= 0 && q->offset <= 0;
    st_code code = sq_exec(s, whole ? SORT_CACHE : STREAM_CACHE, err);
    if (code == ST_OK)
        code = whole ? sorted_stream_run(s, q, with_history, visit, ctx, err)
                     : ticket_stream_run(s, q, with_history, visit, ctx, err);
    sq_cache_restore(s);
    return code;
}

static st_code ticket_stream_run(store_backend *s, const store_list_query *q, bool with_history,
                               store_ticket_stream_visit visit, void *ctx, st_err *err)
{
    sqlite3_stmt *stmt;
    hist_cursor hc = {0};
    st_code code = scan_prepare(s, sq_ticket_list_sql(q->sort, q->include_resolved), &stmt, err);
    if (code != ST_OK)
        return code;
    if (with_history && (code = scan_prepare(s, hist_sql(q->sort, q->include_resolved), &hc.stmt, err)) != ST_OK) {
        sqlite3_finalize(stmt);
        return code;
    }
    sqlite3_bind_int64(stmt, 1, q->limit > 0 ? q->limit : -1);
    sqlite3_bind_int64(stmt, 2, q->offset > 0 ? q->offset : 0);
    /* Both statements are stepped before either finishes, so they read in the connection's one
     * read transaction: the same snapshot. */
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        st_ticket t;
        code = ticket_from_row(s, stmt, &t, err);
        if (code == ST_OK && with_history)
            code = hist_read(s, &hc, t.id, err);
        if (code == ST_OK)
            code = visit(ctx, &t, with_history ? hc.h : NULL, with_history ? hc.n : 0, err);
        ticket_done(&t);
        if (code != ST_OK)
            break;
    }
    hist_clear(&hc);
    free(hc.h);
    sqlite3_finalize(hc.stmt);
    sqlite3_finalize(stmt);
    if (code == ST_OK && rc != SQLITE_DONE)
        code = sq_fail(s, rc, "listing tickets", err);
    return code;
}

/* The whole list in its order from one sequential pass: the tickets table read in rowid order,
 * each ticket's clock entries joined through audit_ticket (also in order), and SQLite's sorter
 * putting the rows into the list's order (NOT INDEXED keeps the planner off the order's index).
 * Walking the index instead seeks every ticket's row, index entry and history at random: ~3.3
 * page reads per ticket on 1,000,000 tickets, where this reads each page once; the sort spills to
 * SQLite's temporary files, so memory stays at the cache size (the sorter's budget too). A ticket
 * with k entries gives k rows (one of NULLs for none), consecutive, oldest first. */
#define SORTED_SQL(where, order) "SELECT " TICKET_COLUMNS " FROM tickets NOT INDEXED " where " ORDER BY " order
#define SORTED_HIST_SQL(where, order)                                                                        \
    "SELECT " TICKET_COLUMNS ", " AUDIT_CLOCK_COLUMNS " FROM tickets NOT INDEXED"                            \
    " LEFT JOIN audit ON audit.ticket_id = tickets.id " where " ORDER BY " order ", seq"

static const char *sorted_sql(store_sort sort, bool include_resolved, bool with_history)
{
    /* The orders of sq_ticket_list_sql, each total (id last), so the sort and the index walk give
     * the same sequence. */
    static const char *const sql[2][4][2] = {
        {
            {SORTED_SQL(OPEN_ONLY, URGENCY), SORTED_SQL("", URGENCY)},
            {SORTED_SQL(OPEN_ONLY, "level_rank, " URGENCY), SORTED_SQL("", "level_rank, " URGENCY)},
            {SORTED_SQL(OPEN_ONLY, "created, id"), SORTED_SQL("", "created, id")},
            {SORTED_SQL(OPEN_ONLY, "customer IS NULL, customer, " URGENCY),
             SORTED_SQL("", "customer IS NULL, customer, " URGENCY)},
        },
        {
            {SORTED_HIST_SQL(OPEN_ONLY, URGENCY), SORTED_HIST_SQL("", URGENCY)},
            {SORTED_HIST_SQL(OPEN_ONLY, "level_rank, " URGENCY), SORTED_HIST_SQL("", "level_rank, " URGENCY)},
            {SORTED_HIST_SQL(OPEN_ONLY, "created, id"), SORTED_HIST_SQL("", "created, id")},
            {SORTED_HIST_SQL(OPEN_ONLY, "customer IS NULL, customer, " URGENCY),
             SORTED_HIST_SQL("", "customer IS NULL, customer, " URGENCY)},
        },
    };
    unsigned k = (unsigned)sort < 4 ? (unsigned)sort : 0;
    return sql[with_history ? 1 : 0][k][include_resolved ? 1 : 0];
}

static st_code sorted_stream_run(store_backend *s, const store_list_query *q, bool with_history,
                                 store_ticket_stream_visit visit, void *ctx, st_err *err)
{
    sqlite3_stmt *stmt;
    st_code code = scan_prepare(s, sorted_sql(q->sort, q->include_resolved, with_history), &stmt, err);
    if (code != ST_OK)
        return code;
    int hcol = sqlite3_column_count(stmt) - AUDIT_CLOCK_NCOLS; /* the first clock column */
    hist_cursor hc = {0};
    st_ticket t;
    bool have = false; /* t holds a ticket not yet visited */
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(stmt, 0);
        if (have && id != t.id) {
            code = visit(ctx, &t, with_history ? hc.h : NULL, hc.n, err);
            ticket_done(&t);
            hist_clear(&hc);
            have = false;
            if (code != ST_OK)
                break;
        }
        if (!have) {
            code = ticket_from_row(s, stmt, &t, err);
            if (code != ST_OK) {
                ticket_done(&t);
                break;
            }
            have = true;
        }
        if (with_history && sqlite3_column_type(stmt, hcol) != SQLITE_NULL &&
            (code = hist_push_clock_entry(stmt, hcol, id, &hc, err)) != ST_OK)
            break;
    }
    if (code == ST_OK && rc != SQLITE_DONE)
        code = sq_fail(s, rc, "listing tickets", err);
    if (code == ST_OK && have)
        code = visit(ctx, &t, with_history ? hc.h : NULL, hc.n, err);
    if (have)
        ticket_done(&t);
    hist_clear(&hc);
    free(hc.h);
    sqlite3_finalize(stmt);
    return code;
}

/* ---- the ops table ------------------------------------------------------------------------ */

const store_backend_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .remove = sq_remove,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .defer_maintenance = sq_defer_maintenance,
    .idle = sq_idle,
    .watch_fd = sq_watch_fd,
    .watch_due = sq_watch_due,
    .watch_timeout_ms = sq_watch_timeout_ms,
    .changes_since = sq_changes_since,
    .meta_get = sq_meta_get,
    .meta_set = sq_meta_set,
    .policy_put = sq_policy_put,
    .policy_get = sq_policy_get,
    .ticket_insert = sq_ticket_insert,
    .ticket_update = sq_ticket_update,
    .ticket_get = sq_ticket_get,
    .ticket_find_ref = sq_ticket_find_ref,
    .tickets_using_level = sq_tickets_using_level,
    .ticket_list = sq_ticket_list,
    .ticket_count = sq_ticket_count,
    .ticket_scan = sq_ticket_scan,
    .ticket_set_next = sq_ticket_set_next,
    .tickets_next_missing = sq_tickets_next_missing,
    .message_insert = sq_message_insert,
    .message_list = sq_message_list,
    .message_get = sq_message_get,
    .audit_insert = sq_audit_insert,
    .audit_list = sq_audit_list,
    .audit_head = sq_audit_head,
    .audit_scan = sq_audit_scan,
    .ticket_histories = sq_ticket_histories,
    .ticket_histories_log = sq_ticket_histories_log,
    .audit_range = sq_audit_range,
    .audit_clock_scan = sq_audit_clock_scan,
    .ticket_stream = sq_ticket_stream,
    .uptime_put_minutes = sq_uptime_put_minutes,
    .uptime_get_minutes = sq_uptime_get_minutes,
    .uptime_month_get = sq_uptime_month_get,
    .uptime_month_put = sq_uptime_month_put,
    .uptime_windows_put = sq_uptime_windows_put,
    .uptime_windows_get = sq_uptime_windows_get,
    .ticket_search = sq_ticket_search,
    .ticket_search_count = sq_ticket_search_count,
    .ticket_groups = sq_ticket_groups,
    .ticket_count_due = sq_ticket_count_due,
    .ticket_group_rows = sq_ticket_group_rows,
    .set_cancel = sq_set_cancel,
    .ticket_cursor_open = sq_ticket_cursor_open,
    .ticket_cursor_next = sq_ticket_cursor_next,
    .ticket_cursor_close = sq_ticket_cursor_close,
    .dump = sq_dump,
    .set_cache_kib = sq_set_cache_kib,
    .tickets_by_id = sq_tickets_by_id,
};
