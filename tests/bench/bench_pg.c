/* slatop_bench_pg: the PostgreSQL benchmarks' in-process parts and their floors, each measured in
 * the same run on the same server (tests/bench/run.sh drives it; one line of key=value figures).
 *
 *   reprioritize URI N   p50/p99 of N raises/lowers through ops_set_level (the console's path) on
 *                        the database at URI, and the floor: N commits of one UPDATE and one
 *                        INSERT (BEGIN, the two statements with parameters, COMMIT) on a plain
 *                        libpq connection to the same database, interleaved with the raises
 *   list-floor URI       beside first_paint_pg_1m's floor (floor_pgquery, which adds libpq's
 *                        load): the list's first screen (the urgency index's ORDER BY ... LIMIT
 *                        50) on a fresh connection in a process that has libpq mapped (connect,
 *                        query, close: cold_ms) and repeated on a warm one (query_ms)
 *   settle URI           the database at rest before it is timed: VACUUM (ANALYZE), then
 *                        CHECKPOINT (what autovacuum and the checkpointer would do over the next
 *                        minutes after a bulk load, on one of the two cores the measurements
 *                        share); prints ms
 *
 * libpq is linked here (a benchmark tool); slatop itself loads it only for a postgresql:// locator. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/ops.h"
#include "slatop/store.h"
#include "slatop/util.h"

#include "list_floor_sql.h"

static double ms_since(st_mono t0)
{
    return (double)(mono_now() - t0) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "slatop_bench_pg: %s: %s\n", what, msg);
    exit(1);
}

static void no_notices(void *arg, const char *message)
{
    (void)arg, (void)message; /* "table ... does not exist, skipping" is not a figure */
}

static PGconn *connect_or_die(const char *uri)
{
    PGconn *c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK)
        die("connect", PQerrorMessage(c));
    PQsetNoticeProcessor(c, no_notices, NULL);
    return c;
}

/* A statement that must succeed (no rows wanted). */
static void run(PGconn *c, const char *sql, int n, const char *const *params)
{
    PGresult *r = n ? PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0) : PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        die(sql, PQerrorMessage(c));
    PQclear(r);
}

/* The floor's tables: the same shape of change as a raise (a ticket row, an audit-like row). */
static void floor_open(PGconn *c)
{
    run(c,
        "DROP TABLE IF EXISTS bench_floor_t, bench_floor_a;"
        "CREATE TABLE bench_floor_t(id bigint PRIMARY KEY, level text, due bigint, version bigint);"
        "CREATE TABLE bench_floor_a(seq bigserial PRIMARY KEY, ticket bigint, from_level text, to_level text,"
        " reason text, hash text);"
        "INSERT INTO bench_floor_t VALUES (1, 'HIGH', 0, 1)",
        0, NULL);
}

static double floor_commit(PGconn *c, int i)
{
    char due[24];
    snprintf(due, sizeof due, "%d", i);
    const char *up = i % 2 ? "HIGH" : "URGENT", *from = i % 2 ? "URGENT" : "HIGH";
    const char *p_up[] = {up, due};
    const char *p_ins[] = {from, up, "benchmark", "0000000000000000000000000000000000000000000000000000000000000000"};
    st_mono t = mono_now();
    run(c, "BEGIN", 0, NULL);
    run(c, "UPDATE bench_floor_t SET level = $1, due = $2, version = version + 1 WHERE id = 1", 2, p_up);
    run(c, "INSERT INTO bench_floor_a(ticket, from_level, to_level, reason, hash) VALUES (1, $1, $2, $3, $4)", 4,
        p_ins);
    run(c, "COMMIT", 0, NULL);
    return ms_since(t);
}

static int cmd_reprioritize(const char *uri, int n)
{
    st_clock clock;
    clock_init_real(&clock);
    st_err err = {0};
    st_store *store;
    if (store_open(uri, STORE_OPEN_RW, &store, &err) != ST_OK)
        die("open", err.msg);
    st_ops *ops;
    if (ops_new(store, &clock, &ops, &err) != ST_OK)
        die("ops", err.msg);
    ops_new_ticket t = {.title = "benchmark ticket", .level = "HIGH", .created = ST_TIME_NONE};
    int64_t id;
    if (ops_add(ops, &t, &id, &err) != ST_OK)
        die("add", err.msg);
    PGconn *fc = connect_or_die(uri);
    floor_open(fc);
    /* Interleaved, one floor commit then one raise or lower, so both meet the server alike. */
    double *v = xcalloc((size_t)n, sizeof *v), *fv = xcalloc((size_t)n, sizeof *fv);
    for (int i = 0; i < n; i++) {
        fv[i] = floor_commit(fc, i);
        ops_change ch;
        st_mono t0 = mono_now();
        if (ops_set_level(ops, id, i % 2 ? OPS_DOWN : OPS_UP, NULL, "benchmark", -1, &ch, &err) != ST_OK)
            die("set_level", err.msg);
        v[i] = ms_since(t0);
        ops_change_done(&ch);
    }
    run(fc, "DROP TABLE bench_floor_t, bench_floor_a", 0, NULL);
    PQfinish(fc);
    printf("p50_ms=%.4f p99_ms=%.4f floor_p50_ms=%.4f floor_p99_ms=%.4f\n", percentile(v, (size_t)n, 0.5),
           percentile(v, (size_t)n, 0.99), percentile(fv, (size_t)n, 0.5), percentile(fv, (size_t)n, 0.99));
    free(v);
    free(fv);
    ops_free(ops);
    store_close(store);
    return 0;
}


static int list_floor_query(PGconn *c)
{
    PGresult *r = PQexec(c, LIST_FLOOR_SQL);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        die("list", PQerrorMessage(c));
    int rows = PQntuples(r);
    PQclear(r);
    return rows;
}

/* What a fresh process pays for the 50 rows (connect, query, close; the console's first screen is
 * always a fresh connection), and the same query repeated on the warm connection for reference. */
static int cmd_list_floor(const char *uri)
{
    st_mono t0 = mono_now();
    PGconn *c = connect_or_die(uri);
    int rows = list_floor_query(c);
    PQfinish(c);
    double cold = ms_since(t0);
    c = connect_or_die(uri);
    double v[20];
    for (int r = 0; r < 20 && rows == LIST_FLOOR_ROWS; r++) {
        st_mono t = mono_now();
        rows = list_floor_query(c);
        v[r] = ms_since(t);
    }
    PQfinish(c);
    if (rows != LIST_FLOOR_ROWS) {
        fprintf(stderr, "slatop_bench_pg: expected %d rows, got %d\n", LIST_FLOOR_ROWS, rows);
        return 1;
    }
    printf("cold_ms=%.3f query_ms=%.3f\n", cold, percentile(v, 20, 0.5));
    return 0;
}

static int cmd_settle(const char *uri)
{
    st_mono t0 = mono_now();
    PGconn *c = connect_or_die(uri);
    run(c, "VACUUM (ANALYZE)", 0, NULL);
    run(c, "CHECKPOINT", 0, NULL);
    PQfinish(c);
    printf("ms=%.1f\n", ms_since(t0));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "settle"))
        return cmd_settle(argv[2]);
    if (argc >= 4 && !strcmp(argv[1], "reprioritize"))
        return cmd_reprioritize(argv[2], atoi(argv[3]));
    if (argc >= 3 && !strcmp(argv[1], "list-floor"))
        return cmd_list_floor(argv[2]);
    fprintf(stderr, "usage: slatop_bench_pg reprioritize URI N | list-floor URI | settle URI\n");
    return 2;
}
