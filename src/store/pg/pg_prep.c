/* pg_prep: the statements every change runs, prepared once per connection. A change on a server
 * costs its round trips and the server's parse and plan of each statement; prepared, the update
 * of a ticket (29 parameters, a subquery) and the audit append are planned once per connection
 * instead of once per change. All are prepared together by one simple query the first time a
 * connection needs one; a new connection (pg_reconnect.c) starts without them (b->prepared). */
#include <stdlib.h>

#include "pg_internal.h"

/* Every stored field as pg_store.c's ticket_params sends them ($1..$17), then id and the version
 * read ($18, $19) and the next clock ($20..$29): the row and its next clock in one write, as on
 * SQLite. */
#define TICKET_UPDATE                                                                                        \
    "UPDATE tickets SET ref = $1, title = $2, customer = $3, channel = $4,"                                  \
    " level = $5, assignee = $6, status = $7, created = $8, first_response = $9, resolved = $10,"          \
    " clock_start = $11, due = $12, response_due = $13, breached_hist = $14, policy_version = $15,"        \
    " updated_by = $16, updated_at = $17, version = $19 + 1,"                                              \
    " level_rank = " PG_LEVEL_RANK ","                                                                     \
    " next_tier = $20, next_key = $21, next_metric = $22, next_cycle = $23, next_target_s = $24,"          \
    " next_clock = $25, next_due = $26, next_remaining_s = $27, next_paused_by = $28, next_at = $29"       \
    " WHERE id = $18 AND version = $19"

/* In parts: ISO C guarantees string literals of 4095 bytes only. */
static const char *const prepare_sql[] = {
    "PREPARE " PG_P_TICKET_GET "(bigint) AS SELECT " PG_TICKET_COLUMNS " FROM tickets WHERE id = $1;"
    "PREPARE " PG_P_AUDIT_HEAD " AS SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1;"
    "PREPARE " PG_P_CLOCK_PAGE "(bigint, bigint, bigint) AS SELECT " PG_CLOCK_COLUMNS
    " FROM audit WHERE ticket_id = $1 AND seq > $2 ORDER BY seq LIMIT $3;",
    "PREPARE " PG_P_TICKET_UPDATE " AS " TICKET_UPDATE ";",
    "PREPARE " PG_P_AUDIT_INSERT " AS INSERT INTO audit(" PG_AUDIT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6,"
    " $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20);",
    /* A change's update and its entry in one statement (pg_store.c's ticket_update_audit_commit):
     * the ticket as above ($1..$29), the entry as PG_P_AUDIT_INSERT's ($30..$49). An update that
     * matched no row gives the entry a NULL seq, which its NOT NULL refuses: the statement fails,
     * so the COMMIT sent after it in the same round trip never runs and nothing is half-applied. */
    "PREPARE " PG_P_TICKET_UPDATE_AUDIT " AS WITH u AS (" TICKET_UPDATE " RETURNING id)"
    " INSERT INTO audit(" PG_AUDIT_COLUMNS ") VALUES ((SELECT $30::bigint FROM u), $31, $32, $33, $34, $35,"
    " $36, $37, $38, $39, $40, $41, $42, $43, $44, $45, $46, $47, $48, $49)",
};

st_code pg_prepare(store_backend *b, st_err *err)
{
    if (b->conn && b->prepared)
        return ST_OK;
    strbuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < sizeof prepare_sql / sizeof *prepare_sql; i++)
        sb_append(&sb, prepare_sql[i]);
    /* Prepared statements belong to the session, not to the transaction: a rollback keeps them. */
    st_code code = pg_run(b, sb.buf, NULL, NULL, "preparing statements", err);
    sb_done(&sb);
    if (code == ST_OK)
        b->prepared = true;
    return code;
}

PGresult *pg_exec_prep(store_backend *b, const char *name, const pg_params *p)
{
    if (!b->conn)
        return NULL;
    return PQexecPrepared(b->conn, name, p ? p->n : 0, p ? p->v : NULL, NULL, NULL, 0);
}

st_code pg_run_prep(store_backend *b, const char *name, const pg_params *p, PGresult **out, const char *what,
                    st_err *err)
{
    if (out)
        *out = NULL;
    st_code code = pg_prepare(b, err);
    if (code != ST_OK)
        return code;
    return pg_take(b, pg_exec_prep(b, name, p), out, what, err);
}
