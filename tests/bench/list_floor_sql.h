/* The list's first screen as the PostgreSQL backend reads it (pg_ticket_list_sql, urgency): the
 * query of first_paint_pg_1m's floor, run by slatop_bench_pg list-floor and by floor_pgquery. */
#ifndef LIST_FLOOR_SQL_H
#define LIST_FLOOR_SQL_H
#define LIST_FLOOR_SQL                                                                                     \
    "SELECT * FROM tickets WHERE status <> 'resolved' ORDER BY next_tier NULLS FIRST, next_key NULLS FIRST," \
    " id LIMIT 50"
#define LIST_FLOOR_ROWS 50
#endif
