/* floor_notify: the floor of the live_propagation_pg benchmark (tests/bench/live_pg.sh): what
 * the server itself takes to carry a change to another connection, i.e. a NOTIFY committed on one
 * connection until a second connection, LISTENing and waiting in poll() on its socket as the
 * console does, has read it. Linked against libpq (the benchmark tools are not slatop: it
 * dlopens libpq).
 *
 *   floor_notify CONNINFO [N]   prints ms=MEDIAN max_ms=WORST of N round trips (default 50)
 */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <libpq-fe.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static PGconn *open_conn(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "floor_notify: %s", PQerrorMessage(c));
        exit(1);
    }
    return c;
}

static void run(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "floor_notify: %s: %s", sql, PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: floor_notify CONNINFO [N]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 50;
    if (n < 1 || n > 100000)
        n = 50;
    PGconn *listener = open_conn(argv[1]), *sender = open_conn(argv[1]);
    run(listener, "LISTEN slatop_floor");
    double *t = calloc((size_t)n, sizeof *t);
    if (!t)
        return 1;
    for (int i = 0; i < n; i++) {
        double t0 = now_ms();
        run(sender, "NOTIFY slatop_floor");
        PGnotify *note = NULL;
        while (!note) {
            struct pollfd p = {.fd = PQsocket(listener), .events = POLLIN};
            if (poll(&p, 1, 5000) <= 0 || !PQconsumeInput(listener)) {
                fprintf(stderr, "floor_notify: no notification within 5 s\n");
                return 1;
            }
            note = PQnotifies(listener);
        }
        t[i] = now_ms() - t0;
        PQfreemem(note);
    }
    qsort(t, (size_t)n, sizeof *t, cmp);
    printf("ms=%.3f max_ms=%.3f n=%d\n", t[n / 2], t[n - 1], n);
    free(t);
    PQfinish(sender);
    PQfinish(listener);
    return 0;
}
