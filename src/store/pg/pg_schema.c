/* pg_schema: slatop's tables on PostgreSQL: SQLite's tables, columns, indexes and append-only
 * rules (sqlite_store.c), text as text and times as the same integers (seconds since the epoch,
 * bigint). PostgreSQL numbers its own versions: 3 the first, 4 added audit.host, 5 the
 * per-state counts and list orders SQLite's search step has (groups_table), 6 the same counts
 * kept by a cheaper trigger (groups_cheaper); each opens the older ones forward (pg_schema_check). Two additions: slatop_schema (the version, and the one
 * row every write transaction locks first, which serializes writers and so the audit chain) and
 * the trigger functions PostgreSQL needs where SQLite has trigger bodies. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

/* In parts: ISO C guarantees string literals of 4095 bytes only. */
static const char *const schema_tables[] = {
    "CREATE TABLE slatop_schema(\n"
    "  version integer NOT NULL,\n"
    "  changes bigint NOT NULL DEFAULT 0);\n"
    "CREATE TABLE meta(key text PRIMARY KEY, value text);\n"
    "CREATE TABLE policy_versions(\n"
    "  version bigint PRIMARY KEY,\n"
    "  json text NOT NULL,\n"
    "  sha256 text NOT NULL,\n"
    "  applied_at bigint NOT NULL,\n"
    "  actor text NOT NULL,\n"
    "  reason text);\n"
    "CREATE TABLE policy_levels(\n"
    "  version bigint NOT NULL REFERENCES policy_versions(version),\n"
    "  level text NOT NULL,\n"
    "  rank bigint NOT NULL,\n"
    "  PRIMARY KEY(version, level));\n"
    "CREATE TABLE tickets(\n"
    "  id bigint PRIMARY KEY,\n"
    "  ref text,\n"
    "  title text NOT NULL,\n"
    "  customer text,\n"
    "  channel text,\n"
    "  level text NOT NULL,\n"
    "  assignee text,\n"
    "  status text NOT NULL CHECK (status IN ('open', 'pending', 'on_hold', 'resolved')),\n"
    "  created bigint NOT NULL,\n"
    "  first_response bigint,\n"
    "  resolved bigint,\n"
    "  clock_start bigint,\n"
    "  due bigint NOT NULL,\n"
    "  response_due bigint,\n"
    "  breached_hist integer NOT NULL DEFAULT 0,\n"
    "  policy_version bigint NOT NULL REFERENCES policy_versions(version),\n"
    "  version bigint NOT NULL,\n"
    "  updated_by text,\n"
    "  updated_at bigint,\n"
    "  level_rank bigint NOT NULL DEFAULT 1000000,\n"
    "  next_tier integer,\n"
    "  next_key bigint,\n"
    "  next_metric integer,\n"
    "  next_cycle integer,\n"
    "  next_target_s bigint,\n"
    "  next_clock integer,\n"
    "  next_due bigint,\n"
    "  next_remaining_s bigint,\n"
    "  next_paused_by integer,\n"
    "  next_at bigint);\n"
    ,
    "CREATE UNIQUE INDEX tickets_ref ON tickets(ref) WHERE ref IS NOT NULL;\n"
    /* NULLS FIRST: SQLite's order for the NULL next clock of a ticket not yet computed. */
    "CREATE INDEX tickets_urgency ON tickets(next_tier NULLS FIRST, next_key NULLS FIRST, id)\n"
    "  WHERE status <> 'resolved';\n"
    "CREATE INDEX tickets_level_order ON tickets(level_rank, next_tier NULLS FIRST, next_key NULLS FIRST, id)\n"
    "  WHERE status <> 'resolved';\n"
    "CREATE INDEX tickets_next_missing ON tickets(id) WHERE next_tier IS NULL;\n"
    "CREATE TABLE ticket_counts(status text PRIMARY KEY, n bigint NOT NULL);\n"
    "INSERT INTO ticket_counts(status, n) VALUES ('open', 0), ('pending', 0), ('on_hold', 0), ('resolved', 0);\n"
    "CREATE FUNCTION slatop_count_tickets() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "  IF TG_OP <> 'INSERT' THEN UPDATE ticket_counts SET n = n - 1 WHERE status = OLD.status; END IF;\n"
    "  IF TG_OP <> 'DELETE' THEN UPDATE ticket_counts SET n = n + 1 WHERE status = NEW.status; END IF;\n"
    "  RETURN NULL;\n"
    "END $$;\n"
    "CREATE TRIGGER tickets_count_insert AFTER INSERT OR DELETE ON tickets\n"
    "  FOR EACH ROW EXECUTE FUNCTION slatop_count_tickets();\n"
    "CREATE TRIGGER tickets_count_update AFTER UPDATE OF status ON tickets\n"
    "  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION slatop_count_tickets();\n"
    ,
    "CREATE TABLE audit(\n"
    "  seq bigint PRIMARY KEY,\n" /* the UNIQUE backstop of the serialized appends */
    "  at bigint NOT NULL,\n"
    "  recorded_at bigint NOT NULL,\n"
    "  actor text NOT NULL,\n"
    "  kind text NOT NULL,\n"
    "  ticket_id bigint NOT NULL,\n"
    "  from_level text,\n"
    "  to_level text,\n"
    "  old_due bigint,\n"
    "  new_due bigint,\n"
    "  reason text,\n"
    "  detail text,\n"
    "  prev_hash text NOT NULL,\n"
    "  hash text NOT NULL,\n"
    "  from_status text,\n"
    "  to_status text,\n"
    "  message_id bigint,\n"
    "  message_kind text,\n"
    "  body_sha256 text,\n"
    "  host text);\n"
    "CREATE INDEX audit_ticket ON audit(ticket_id, seq);\n"
    "CREATE FUNCTION slatop_append_only() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;\n"
    "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit\n"
    "  FOR EACH ROW EXECUTE FUNCTION slatop_append_only();\n"
    "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit\n"
    "  FOR EACH STATEMENT EXECUTE FUNCTION slatop_append_only();\n"
    "CREATE TABLE messages(\n"
    "  id bigint PRIMARY KEY,\n"
    "  ticket_id bigint NOT NULL REFERENCES tickets(id),\n"
    "  kind text NOT NULL CHECK (kind IN ('customer', 'reply', 'note')),\n"
    "  author text,\n"
    "  at bigint NOT NULL,\n"
    "  recorded_at bigint NOT NULL,\n"
    "  body text NOT NULL);\n"
    "CREATE INDEX messages_ticket ON messages(ticket_id, at, id);\n"
    "CREATE TRIGGER messages_no_change BEFORE UPDATE OR DELETE ON messages\n"
    "  FOR EACH ROW EXECUTE FUNCTION slatop_append_only();\n"
    "CREATE TRIGGER messages_no_truncate BEFORE TRUNCATE ON messages\n"
    "  FOR EACH STATEMENT EXECUTE FUNCTION slatop_append_only();\n"
    ,
    "CREATE TABLE uptime_minutes(source text NOT NULL, minute bigint NOT NULL, value double precision,\n"
    "  kind integer NOT NULL, PRIMARY KEY(source, minute));\n"
    "CREATE TABLE uptime_months(source text NOT NULL, month text NOT NULL,\n"
    "  fetched_at bigint NOT NULL, complete integer NOT NULL, PRIMARY KEY(source, month));\n"
    "CREATE TABLE maintenance_windows(source text NOT NULL, id text NOT NULL, name text,\n"
    "  \"start\" bigint NOT NULL, \"end\" bigint NOT NULL, announced bigint, status text,\n"
    "  PRIMARY KEY(source, id));\n"
    /* A policy's level order is read from its JSON as SQLite's json_each does; text that is not
     * JSON gives no ranks (its levels sort last) rather than failing the change. */
    "CREATE FUNCTION slatop_levels(doc text) RETURNS TABLE(level text, rank bigint) LANGUAGE plpgsql AS $$\n"
    "DECLARE j jsonb;\n"
    "BEGIN\n"
    "  BEGIN j := doc::jsonb; EXCEPTION WHEN others THEN RETURN; END;\n"
    "  IF jsonb_typeof(j -> 'levels') <> 'array' THEN RETURN; END IF;\n"
    "  RETURN QUERY SELECT e.value ->> 'id', e.ord - 1 FROM jsonb_array_elements(j -> 'levels')\n"
    "    WITH ORDINALITY AS e(value, ord) WHERE jsonb_typeof(e.value -> 'id') = 'string';\n"
    "END $$;\n",
};

/* A row's group (store_group, SPEC §8's per-state counts) as sqlite_search.c's GROUP_KEY: r is
 * "NEW", "OLD" or "tickets". */
#define GROUP_KEY(r)                                                                                         \
    r ".level, " r ".policy_version, coalesce(" r ".next_tier, -1), coalesce(" r ".next_clock, -1),"        \
    " coalesce(" r ".next_target_s, -1), CASE WHEN " r ".first_response IS NULL THEN 0 WHEN " r             \
    ".response_due IS NULL OR " r ".first_response <= " r ".response_due THEN 1 ELSE 2 END"
#define GROUP_COLUMNS "status, level, policy_version, first_response, response_due, next_tier, next_clock, next_target_s"

/* The group moves of a ticket: one statement for a move between two open groups (one plan run
 * where two were: a raise always moves its ticket), the two halves otherwise. The old group's row
 * is there: every open ticket was counted into it. */
#define GROUPS_FUNCTION                                                                                      \
    "CREATE OR REPLACE FUNCTION slatop_group_tickets() RETURNS trigger LANGUAGE plpgsql AS $$\n"              \
    "BEGIN\n"                                                                                                 \
    "  IF TG_OP = 'UPDATE' AND OLD.status <> 'resolved' AND NEW.status <> 'resolved' THEN\n"                  \
    "    IF (" GROUP_KEY("OLD") ") IS NOT DISTINCT FROM (" GROUP_KEY("NEW") ") THEN RETURN NULL; END IF;\n"     \
    "    INSERT INTO ticket_groups AS g(level, policy_version, tier, clock, target_s, kind, n)\n"              \
    "      VALUES (" GROUP_KEY("OLD") ", -1), (" GROUP_KEY("NEW") ", 1)\n"                                     \
    "      ON CONFLICT (level, policy_version, tier, clock, target_s, kind) DO UPDATE SET n = g.n + EXCLUDED.n;\n" \
    "    RETURN NULL;\n"                                                                                      \
    "  END IF;\n"                                                                                             \
    "  IF TG_OP <> 'INSERT' AND OLD.status <> 'resolved' THEN\n"                                              \
    "    UPDATE ticket_groups SET n = n - 1\n"                                                                \
    "      WHERE (level, policy_version, tier, clock, target_s, kind) = (" GROUP_KEY("OLD") ");\n"              \
    "  END IF;\n"                                                                                             \
    "  IF TG_OP <> 'DELETE' AND NEW.status <> 'resolved' THEN\n"                                              \
    "    INSERT INTO ticket_groups(level, policy_version, tier, clock, target_s, kind, n)\n"                  \
    "      VALUES (" GROUP_KEY("NEW") ", 1)\n"                                                                 \
    "      ON CONFLICT (level, policy_version, tier, clock, target_s, kind) DO UPDATE SET n = ticket_groups.n + 1;\n" \
    "  END IF;\n"                                                                                             \
    "  RETURN NULL;\n"                                                                                        \
    "END $$;\n"

/* The columns GROUP_KEY reads, the first response's two rather than its outcome. */
#define GROUP_MOVED(r)                                                                                       \
    "(" r ".status = 'resolved', " r ".level, " r ".policy_version, " r ".first_response, " r                \
    ".response_due, " r ".next_tier, " r ".next_clock, " r ".next_target_s)"

/* The clock's own columns move every few changes; a change of priority or status moves a group. The
 * WHEN is compiled for every statement that sets these columns (a raise's update among them), so it
 * compares the columns themselves, a few comparisons where GROUP_KEY twice was four times the
 * expression; a move it lets through that leaves the key as it was, the function ignores. */
#define GROUPS_UPDATE_TRIGGER                                                                                \
    "CREATE TRIGGER tickets_groups_update AFTER UPDATE OF " GROUP_COLUMNS " ON tickets\n"                    \
    "  FOR EACH ROW WHEN (" GROUP_MOVED("OLD") " IS DISTINCT FROM " GROUP_MOVED("NEW") ")\n"                 \
    "  EXECUTE FUNCTION slatop_group_tickets();\n"

/* Schema 5: what SQLite's search step and SQLite's schema 6 have besides the text index, so that no list,
 * filter or count of the console scans the tickets on PostgreSQL either: open tickets per group
 * kept by a trigger (the status line's totals and a level filter's, read without a scan), a
 * group's due range as an index (its breached and warn counts), the created and customer orders,
 * and the resolved tickets' four orders. The table and its trigger (pg_schema_groups_table) come
 * with the other tables; the indexes and the table's rows (pg_schema_groups_fill) once the
 * tickets are in, which is cheaper after a copy of many than index and trigger on each row.
 * Schema 6 is schema 5 with the trigger of a raise made cheaper (GROUPS_FUNCTION,
 * GROUPS_UPDATE_TRIGGER): the same counts. */
static const char groups_table[] =
    "CREATE TABLE ticket_groups(level text NOT NULL, policy_version bigint NOT NULL, tier integer NOT NULL,\n"
    "  clock integer NOT NULL, target_s bigint NOT NULL, kind integer NOT NULL, n bigint NOT NULL,\n"
    "  PRIMARY KEY(level, policy_version, tier, clock, target_s, kind));\n" GROUPS_FUNCTION
    "CREATE TRIGGER tickets_groups_insert AFTER INSERT OR DELETE ON tickets\n"
    "  FOR EACH ROW EXECUTE FUNCTION slatop_group_tickets();\n" GROUPS_UPDATE_TRIGGER;

/* Schema 5 to 6: the function and the update trigger replaced, the counts as they are. */
static const char groups_cheaper[] =
    GROUPS_FUNCTION "DROP TRIGGER IF EXISTS tickets_groups_update ON tickets;\n" GROUPS_UPDATE_TRIGGER;

static const char groups_fill[] =
    "INSERT INTO ticket_groups SELECT " GROUP_KEY("tickets") ", count(*)\n"
    "  FROM tickets WHERE status <> 'resolved' GROUP BY 1, 2, 3, 4, 5, 6;\n"
    /* pg_search.c's GROUP_WHERE, as expressions, then the due range */
    "CREATE INDEX tickets_next_state ON tickets(level, policy_version, (coalesce(next_tier, -1)),\n"
    "  (coalesce(next_clock, -1)), (coalesce(next_target_s, -1)), next_due) WHERE status <> 'resolved';\n"
    /* pg_read.c's orders */
    "CREATE INDEX tickets_created_order ON tickets(created, id) WHERE status <> 'resolved';\n"
    "CREATE INDEX tickets_customer_order ON tickets((customer IS NULL), customer COLLATE \"C\",\n"
    "  next_tier NULLS FIRST, next_key NULLS FIRST, id) WHERE status <> 'resolved';\n"
    /* the resolved tickets in each order: the lists with them merge two cursors (pg_search.c) */
    "CREATE INDEX tickets_resolved_urgency ON tickets(next_tier NULLS FIRST, next_key NULLS FIRST, id)\n"
    "  WHERE status = 'resolved';\n"
    "CREATE INDEX tickets_resolved_level ON tickets(level_rank, next_tier NULLS FIRST, next_key NULLS FIRST, id)\n"
    "  WHERE status = 'resolved';\n"
    "CREATE INDEX tickets_resolved_created ON tickets(created, id) WHERE status = 'resolved';\n"
    "CREATE INDEX tickets_resolved_customer ON tickets((customer IS NULL), customer COLLATE \"C\",\n"
    "  next_tier NULLS FIRST, next_key NULLS FIRST, id) WHERE status = 'resolved';\n";

st_code pg_schema_groups_table(store_backend *b, st_err *err)
{
    return pg_run(b, groups_table, NULL, NULL, "creating the per-state counts", err);
}

st_code pg_schema_groups_fill(store_backend *b, st_err *err)
{
    return pg_run(b, groups_fill, NULL, NULL, "counting the tickets by state", err);
}

/* What store_remove drops: every table and function above. */
static const char drop_all[] =
    "DROP TABLE IF EXISTS messages, audit, ticket_counts, ticket_groups, tickets, policy_levels, policy_versions,"
    " meta, uptime_minutes, uptime_months, maintenance_windows, slatop_schema CASCADE;"
    "DROP FUNCTION IF EXISTS slatop_count_tickets(), slatop_group_tickets(), slatop_append_only(),"
    " slatop_levels(text) CASCADE;";

/* One migration step in its own transaction: the steps before it stand when it fails. */
static st_code migrate_step(store_backend *b, const char *sql, int to, st_err *err)
{
    char what[64];
    snprintf(what, sizeof what, "migrating to schema version %d", to);
    /* no lock timeout (PG_SESSION_SQL's 5 s) inside: building the indexes of a large database
     * takes longer, and a second opener waits for it rather than failing as busy */
    st_code code = pg_run(b, "BEGIN; SET LOCAL lock_timeout = 0", NULL, NULL, what, err);
    /* another slatop opening the same database may have migrated it meanwhile: its row lock
     * orders the two, and the second finds the version moved */
    int64_t now = 0;
    if (code == ST_OK)
        code = pg_query_int(b, "SELECT version FROM slatop_schema FOR UPDATE", NULL, &now, what, err);
    if (code == ST_OK && now >= to)
        return pg_run(b, "COMMIT", NULL, NULL, what, err);
    if (code == ST_OK)
        code = pg_run(b, sql, NULL, NULL, what, err);
    if (code == ST_OK && to == 5 && (code = pg_schema_groups_table(b, err)) == ST_OK)
        code = pg_schema_groups_fill(b, err);
    if (code == ST_OK) {
        pg_params p = {0};
        pgp_int(&p, to);
        code = pg_run(b, "UPDATE slatop_schema SET version = $1", &p, NULL, what, err);
    }
    if (code == ST_OK)
        code = pg_run(b, "COMMIT", NULL, NULL, what, err);
    if (code != ST_OK)
        PQclear(PQexec(b->conn, "ROLLBACK"));
    return code;
}

st_code pg_schema_check(store_backend *b, bool *present, st_err *err)
{
    *present = false;
    PGresult *r = NULL;
    st_code code = pg_run(b, "SELECT to_regclass('slatop_schema') IS NOT NULL", NULL, &r, "reading the schema", err);
    if (code != ST_OK)
        return code;
    *present = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (!*present)
        return ST_OK;
    if ((code = pg_run(b, "SELECT version, " PG_SEARCH_INDEXES " FROM slatop_schema", NULL, &r,
                       "reading the schema version", err)) != ST_OK)
        return code;
    int64_t version = PQntuples(r) == 1 ? pg_int(r, 0, 0) : -1;
    b->search_indexed = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 1), "t") == 0;
    PQclear(r);
    if (version > PG_SCHEMA_VERSION)
        return st_fail(err, ST_INVALID,
                       "%s: database schema version %" PRId64 " is newer than this slatop supports (%d); "
                       "upgrade slatop",
                       b->name, version, PG_SCHEMA_VERSION);
    if (version < 3)
        return st_fail(err, ST_INVALID, "%s: not a slatop database (schema version %" PRId64 " unknown)", b->name,
                       version);
    /* before audit.host (SPEC §10): older entries keep NULL, their hashes never covered it */
    if (version == 3 && (code = migrate_step(b, "ALTER TABLE audit ADD COLUMN IF NOT EXISTS host text", 4, err)) != ST_OK)
        return code;
    if (version <= 4 && (code = migrate_step(b, "SELECT 1", 5, err)) != ST_OK)
        return code;
    if (version <= 5 && (code = migrate_step(b, groups_cheaper, 6, err)) != ST_OK)
        return code;
    /* The trigram search indexes (pg_search.c), made once by the first writer that can. */
    return b->search_indexed || b->read_only ? ST_OK : pg_search_index_create(b, err);
}

st_code pg_schema_create_tables(store_backend *b, st_err *err)
{
    st_code code = ST_OK;
    for (size_t i = 0; code == ST_OK && i < sizeof schema_tables / sizeof *schema_tables; i++)
        code = pg_run(b, schema_tables[i], NULL, NULL, "creating the tables", err);
    if (code == ST_OK)
        code = pg_schema_groups_table(b, err);
    if (code == ST_OK) {
        pg_params p = {0};
        pgp_int(&p, PG_SCHEMA_VERSION);
        code = pg_run(b, "INSERT INTO slatop_schema(version) VALUES ($1)", &p, NULL, "creating the tables", err);
    }
    return code;
}

st_code pg_schema_create(store_backend *b, st_err *err)
{
    bool present = false;
    st_code code = pg_schema_check(b, &present, err);
    if (code == ST_OK && present)
        code = st_fail(err, ST_CONFLICT, "%s: already exists (this database has slatop's tables)", b->name);
    if (code != ST_OK)
        return code;
    if ((code = pg_run(b, "BEGIN", NULL, NULL, "creating the tables", err)) != ST_OK)
        return code;
    code = pg_schema_create_tables(b, err);
    if (code == ST_OK)
        code = pg_schema_groups_fill(b, err);
    if (code == ST_OK)
        code = pg_run(b, "COMMIT", NULL, NULL, "creating the tables", err);
    if (code == ST_OK)
        return pg_search_index_create(b, err);
    PQclear(PQexec(b->conn, "ROLLBACK"));
    /* Another slatop's tables (or a foreign table of the same name) got there first. */
    if (code == ST_CONFLICT || strstr(err->msg, "already exists"))
        code = st_fail(err, ST_CONFLICT, "%s: already exists (this database has tables named as slatop's)", b->name);
    return code;
}

st_code pg_schema_drop(store_backend *b, st_err *err)
{
    return pg_run(b, drop_all, NULL, NULL, "removing slatop's tables", err);
}
