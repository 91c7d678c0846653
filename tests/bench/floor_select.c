/* floor_select: the floor of the list_json_1m benchmark: the list's SELECT (the columns slatop
 * reads of the open tickets, in the list's urgency order, planned by SQLite: it walks the urgency
 * index) straight through the SQLite API, every row written out as one line of text to stdout. It
 * is what "read the tickets and write them" costs with nothing of slatop's around it: no
 * histories, no views, no clocks, no JSON escaping.
 *   floor_select DB      (prints the rows; "rows=N audit_entries=M" on stderr)
 */
#include <sqlite3.h>
#include <stdio.h>

#define COLUMNS                                                                                              \
    "id, ref, title, customer, channel, level, assignee, status, created, first_response, resolved, "        \
    "clock_start, due, response_due, breached_hist, policy_version, version, updated_by, updated_at, "       \
    "next_tier, next_key, next_metric, next_cycle, next_target_s, next_clock, next_due, next_remaining_s, "  \
    "next_paused_by, next_at"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: floor_select DB\n");
        return 2;
    }
    sqlite3 *h;
    sqlite3_stmt *st;
    if (sqlite3_open_v2(argv[1], &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h,
                           "SELECT " COLUMNS " FROM tickets WHERE status != 'resolved'"
                           " ORDER BY next_tier, next_key, id",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "floor_select: %s: %s\n", argv[1], sqlite3_errmsg(h));
        return 1;
    }
    long rows = 0;
    int ncol = sqlite3_column_count(st);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < ncol; c++) {
            const unsigned char *v = sqlite3_column_text(st, c);
            fputs(v ? (const char *)v : "", stdout);
            putchar(c + 1 < ncol ? '\t' : '\n');
        }
        rows++;
    }
    sqlite3_finalize(st);
    long audit = -1;
    if (sqlite3_prepare_v2(h, "SELECT count(*) FROM audit", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        audit = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    fprintf(stderr, "rows=%ld audit_entries=%ld\n", rows, audit);
    return fflush(stdout) == 0 ? 0 : 1;
}
