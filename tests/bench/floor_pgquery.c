/* floor_pgquery: a reference beside first_paint_pg_1m's floor, not the floor itself: the smallest
 * PostgreSQL client as a whole process, timed from exec to exit as slatop's first paint is. It
 * links libpq, so its start maps libpq and its dependencies (libssl, libcrypto, krb5, ldap, gnutls:
 * the load slatop pays when it opens a postgresql:// locator), then connects, runs the list's first
 * screen query (slatop_bench_pg's list-floor) and closes. Exit status 1 with a line on failure.
 *
 *   floor_pgquery URI */
#include <libpq-fe.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: floor_pgquery URI\n");
        return 2;
    }
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "floor_pgquery: %s", PQerrorMessage(c));
        PQfinish(c);
        return 1;
    }
    PGresult *r = PQexec(c, "SELECT * FROM tickets WHERE status <> 'resolved' ORDER BY next_tier NULLS FIRST,"
                            " next_key NULLS FIRST, id LIMIT 50");
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 50;
    if (!ok)
        fprintf(stderr, "floor_pgquery: expected 50 rows: %s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : 1;
}
