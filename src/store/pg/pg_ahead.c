/* pg_ahead: an existing database opened in one round trip after connecting. Opening used to ask
 * one question per round trip (is there a schema, its version, LISTEN) and then every opener asked
 * three more at once (the next-clock fill flag, the latest policy, the change counter): six round
 * trips before the first screen's own reads, each a scheduling delay on a loaded server. They go
 * as one simple query now, with the status line's count of open tickets (a round trip of its own
 * before the first screen otherwise); the answers are kept for their first read only (served
 * once: a later read asks the server, as before), and dropped by any write transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

/* The results of the one query: the session's settings, LISTEN, (SET read-only,) then the four
 * reads (the status line's count of open tickets the last). */
enum { A_SCHEMA, A_FILL, A_POLICY, A_OPEN, A_N };

void pg_ahead_clear(store_backend *b)
{
    PQclear(b->ahead_fill);
    PQclear(b->ahead_policy);
    b->ahead_fill = b->ahead_policy = NULL;
    b->ahead_changes_known = false;
    b->ahead_open_known = false;
}

st_code pg_open_ahead(store_backend *b, bool *ready, st_err *err)
{
    *ready = false;
    /* the session's settings first (the connection was left without them: one round trip less) */
    char commands[512];
    snprintf(commands, sizeof commands, PG_SESSION_SQL "; LISTEN " PG_CHANNEL ";%s",
             b->read_only ? " SET default_transaction_read_only = on;" : "");
    int skip = 0; /* the commands' results before the reads: one a statement */
    for (const char *c = commands; *c; c++)
        skip += *c == ';';
    char sql[1024];
    snprintf(sql, sizeof sql,
             "%s SELECT version, changes, " PG_SEARCH_INDEXES " FROM slatop_schema;"
             " SELECT value FROM meta WHERE key = 'next_fill';"
             " SELECT json, version FROM policy_versions ORDER BY version DESC LIMIT 1;"
             " SELECT coalesce(sum(n), 0) FROM ticket_counts WHERE status <> 'resolved'",
             commands);
    if (!b->conn || !PQsendQuery(b->conn, sql))
        return pg_fail(b, NULL, "opening", err);
    PGresult *res[A_N] = {0}, *r;
    st_code code = ST_OK;
    bool missing = false;
    int n = 0;
    while (b->conn && (r = PQgetResult(b->conn)) != NULL) { /* every result read, as libpq wants */
        ExecStatusType st = PQresultStatus(r);
        if (code == ST_OK && !missing && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            if (strcmp(pg_state(r), "42P01") == 0)
                missing = true; /* no slatop_schema: the caller's check says what is there */
            else
                code = pg_fail(b, r, "opening", err);
        }
        if (code == ST_OK && !missing && n >= skip && n - skip < A_N)
            res[n - skip] = r;
        else
            PQclear(r);
        n++;
    }
    if (code == ST_OK && !missing && n != skip + A_N)
        code = pg_fail(b, NULL, "opening", err);
    /* Another version (to migrate, or newer than this build): the caller's check explains it. */
    if (code == ST_OK && !missing && PQntuples(res[A_SCHEMA]) == 1 &&
        pg_int(res[A_SCHEMA], 0, 0) == PG_SCHEMA_VERSION) {
        *ready = true;
        b->search_indexed = strcmp(PQgetvalue(res[A_SCHEMA], 0, 2), "t") == 0;
        b->ahead_changes = pg_int(res[A_SCHEMA], 0, 1);
        b->ahead_changes_known = true;
        b->ahead_open = pg_int(res[A_OPEN], 0, 0);
        b->ahead_open_known = PQntuples(res[A_OPEN]) == 1;
        b->ahead_fill = res[A_FILL];
        b->ahead_policy = res[A_POLICY];
        res[A_FILL] = res[A_POLICY] = NULL;
    }
    for (int i = 0; i < A_N; i++)
        PQclear(res[i]);
    /* The statements of one query are one transaction: the failed read undid the settings. */
    if (code == ST_OK && missing)
        code = pg_run(b, PG_SESSION_SQL, NULL, NULL, "setting up the session", err);
    /* A database to migrate first: its read-only setting waits until the caller has (pg_open). */
    if (code == ST_OK && !*ready && !missing && b->read_only)
        code = pg_run(b, "SET default_transaction_read_only = off", NULL, NULL, "opening", err);
    return code;
}
