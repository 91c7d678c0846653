/* floor_pgquery: the query part of first_paint_pg_1m's floor, as a fresh process gets it: libpq
 * loaded (dlopen with lazy binding, the cheapest way in; with it come 21 libraries it needs:
 * libssl, libcrypto, krb5, ldap, gnutls...), a connection made, the list's first screen query
 * run (list_floor_sql.h, as slatop_bench_pg's list-floor), the connection closed. Each step is
 * timed inside the process and printed as one line, "load_ms=L cold_ms=C" (C: connect, query,
 * close). Its whole run, exec to exit under ptyrun, is the reference line beside the floor. It does not link libpq:
 * slatop does not either (src/store/pg/pg_lib.c, which binds eagerly, RTLD_NOW: a little more than
 * this floor's load), so both load it after exec, when the locator asks for it.
 * Exit status 1 with a line on failure.
 *
 *   floor_pgquery URI */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "list_floor_sql.h"

/* libpq's header gives the types; the functions come from dlsym. */
static struct {
    PGconn *(*connectdb)(const char *);
    ConnStatusType (*status)(const PGconn *);
    char *(*error_message)(const PGconn *);
    PGresult *(*exec)(PGconn *, const char *);
    ExecStatusType (*result_status)(const PGresult *);
    int (*ntuples)(const PGresult *);
    void (*clear)(PGresult *);
    void (*finish)(PGconn *);
} pq;

static double ms_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* memcpy: ISO C has no conversion from dlsym's void * to a function pointer. */
static int resolve(void *h, const char *name, void *slot, size_t size)
{
    void *f = dlsym(h, name);
    if (!f) {
        fprintf(stderr, "floor_pgquery: libpq.so.5 has no %s\n", name);
        return 0;
    }
    memcpy(slot, &f, size);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: floor_pgquery URI\n");
        return 2;
    }
    double t0 = ms_now();
    void *h = dlopen("libpq.so.5", RTLD_LAZY | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "floor_pgquery: %s\n", dlerror());
        return 1;
    }
#define RESOLVE(field, name) resolve(h, name, &pq.field, sizeof pq.field)
    if (!RESOLVE(connectdb, "PQconnectdb") || !RESOLVE(status, "PQstatus") ||
        !RESOLVE(error_message, "PQerrorMessage") || !RESOLVE(exec, "PQexec") ||
        !RESOLVE(result_status, "PQresultStatus") || !RESOLVE(ntuples, "PQntuples") ||
        !RESOLVE(clear, "PQclear") || !RESOLVE(finish, "PQfinish"))
        return 1;
    double t1 = ms_now();
    PGconn *c = pq.connectdb(argv[1]);
    if (pq.status(c) != CONNECTION_OK) {
        fprintf(stderr, "floor_pgquery: %s", pq.error_message(c));
        pq.finish(c);
        return 1;
    }
    PGresult *r = pq.exec(c, LIST_FLOOR_SQL);
    int ok = pq.result_status(r) == PGRES_TUPLES_OK && pq.ntuples(r) == LIST_FLOOR_ROWS;
    if (!ok)
        fprintf(stderr, "floor_pgquery: expected %d rows: %s", LIST_FLOOR_ROWS, pq.error_message(c));
    pq.clear(r);
    pq.finish(c);
    double t2 = ms_now();
    if (ok)
        printf("load_ms=%.3f cold_ms=%.3f\n", t1 - t0, t2 - t1);
    return ok ? 0 : 1;
}
