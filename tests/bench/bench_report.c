/* slatop_bench's report subcommands (tests/bench/run.sh: report_month_100k):
 *
 *   report-gen DB N          a database whose March 2026 holds N tickets (Chatti's policy: 24x7
 *                            and business clocks) with their audit entries, appended in time
 *                            order as a real month interleaves them: creation, a first reply,
 *                            for half a customer message and its answer, for 19 in 20 a resolve
 *   report-floor DB          the floor: every audit entry of that month read through the SQLite
 *                            API (each column fetched), on a fresh connection
 *   report-run SLATOP DB [F] `slatop report --month 2026-03 F` (F: --json, the default, or --csv)
 *                            as a child process, output to /dev/null: wall time and peak RSS
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "slatop/ops.h"
#include "slatop/store.h"
#include "slatop/util.h"

extern const char embedded_chatti[];

int cmd_report_gen(const char *db, long n);
int cmd_report_floor(const char *db);
int cmd_report_run(const char *slatop, const char *db, const char *format);

#define MARCH 1772323200 /* 2026-03-01T00:00:00Z */
#define APRIL 1775001600 /* 2026-04-01T00:00:00Z */

typedef struct {
    st_time at;
    int64_t ticket; /* index into the tickets, 0-based */
    au_kind kind;
    const char *message_kind; /* AU_MESSAGE */
    bool first_response;
} gen_event;

static uint64_t rs = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

/* A delay: within `usual` seconds, 1 time in 20 up to `worst`. */
static st_time late(int usual, int worst)
{
    return 60 + (st_time)(rnd() % (uint64_t)(rnd() % 20 ? usual : worst));
}

static int cmp_event(const void *a, const void *b)
{
    const gen_event *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return (x->ticket > y->ticket) - (x->ticket < y->ticket);
}

static void fail(const char *what, const st_err *err)
{
    fprintf(stderr, "slatop_bench: %s: %s\n", what, err->msg);
    exit(1);
}

int cmd_report_gen(const char *db, long n)
{
    st_clock clock;
    clock_init_real(&clock);
    st_err err = {0};
    unlink(db);
    if (ops_init_db_text(db, embedded_chatti, "chatti.json", &clock, &err) != ST_OK)
        fail("init", &err);
    st_store *store;
    if (store_open(db, STORE_OPEN_RW, &store, &err) != ST_OK)
        fail("open", &err);
    static const char *levels[] = {"URGENT", "HIGH", "NORMAL", "LOW"};
    static const char *customers[] = {"Acme Retail", "Globex", "Initech", "Umbrella Health", "Stark Freight"};
    gen_event *ev = xcalloc((size_t)n * 5, sizeof *ev);
    size_t ne = 0;
    int *level = xcalloc((size_t)n, sizeof *level);
    for (long i = 0; i < n; i++) {
        st_time t = MARCH + (st_time)(rnd() % (29 * 86400));
        level[i] = (int)(rnd() % 4);
        ev[ne++] = (gen_event){t, i, AU_CREATED, NULL, false};
        t += late(25 * 60, 6 * 3600); /* 1 in 20 answers late: a month with breaches */
        ev[ne++] = (gen_event){t, i, AU_MESSAGE, "reply", true};
        if (rnd() % 2) {
            t += 600 + (st_time)(rnd() % (4 * 3600));
            ev[ne++] = (gen_event){t, i, AU_MESSAGE, "customer", false};
            t += late(25 * 60, 3 * 3600);
            ev[ne++] = (gen_event){t, i, AU_MESSAGE, "reply", false};
        }
        if (rnd() % 20) {
            t += late(3 * 3600, 30 * 3600);
            ev[ne++] = (gen_event){t, i, AU_RESOLVED, NULL, false};
        }
    }
    qsort(ev, ne, sizeof *ev, cmp_event);
    int64_t *ids = xcalloc((size_t)n, sizeof *ids);
    st_mono t0 = mono_now();
    if (store_begin(store, &err) != ST_OK)
        fail("begin", &err);
    for (size_t k = 0; k < ne; k++) {
        const gen_event *g = &ev[k];
        st_audit_entry e;
        memset(&e, 0, sizeof e);
        e.kind = g->kind;
        e.at = g->at;
        e.actor = (char *)"bench";
        e.old_due = e.new_due = ST_TIME_NONE;
        if (g->kind == AU_CREATED) {
            st_ticket t;
            memset(&t, 0, sizeof t);
            t.title = (char *)"Delivery receipts delayed for a single country";
            t.customer = (char *)customers[rnd() % 5];
            t.level = (char *)levels[level[g->ticket]];
            t.status = TK_OPEN;
            t.created = t.clock_start = t.updated_at = g->at;
            t.due = g->at + 3600; /* the report never reads it */
            t.first_response = t.resolved = t.response_due = ST_TIME_NONE;
            t.policy_version = 1;
            t.updated_by = (char *)"bench";
            if (store_ticket_insert(store, &t, &err) != ST_OK)
                fail("insert", &err);
            ids[g->ticket] = t.id;
            e.to_level = t.level;
            e.new_due = t.due;
        } else if (g->kind == AU_MESSAGE) {
            e.message_kind = (char *)g->message_kind;
            e.message_id = (int64_t)k + 1;
            e.body_sha256 = (char *)"0000000000000000000000000000000000000000000000000000000000000000";
            if (g->first_response)
                e.detail = (char *)"first response recorded";
        }
        e.ticket_id = ids[g->ticket];
        if (store_audit_append(store, &e, &err) != ST_OK)
            fail("append", &err);
        free(e.host); /* the store's fill-in (this machine's name): e's other strings are borrowed */
        e.host = NULL;
        /* The store keeps a transaction's entries for syslog until its commit: bound them. */
        if (k % 50000 == 49999 && (store_commit(store, &err) != ST_OK || store_begin(store, &err) != ST_OK))
            fail("commit", &err);
    }
    if (store_commit(store, &err) != ST_OK)
        fail("commit", &err);
    store_close(store);
    /* The rows were written past the ops layer: a ticket the log resolves is still open in its
     * row, and none has its next clock (model.h tk_next). The status is set here, and the ops layer
     * computes the next clocks from the log as it does after a migration, so that the database is
     * one slatop itself could have written (the console lists and counts from the rows). */
    sqlite3 *h = NULL;
    if (sqlite3_open(db, &h) != SQLITE_OK ||
        sqlite3_exec(h,
                     "UPDATE tickets SET status = 'resolved', resolved = (SELECT max(at) FROM audit"
                     " WHERE audit.ticket_id = tickets.id AND kind = 'resolved')"
                     " WHERE id IN (SELECT ticket_id FROM audit WHERE kind = 'resolved')",
                     NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "slatop_bench: %s: resolving: %s\n", db, sqlite3_errmsg(h));
        return 1;
    }
    sqlite3_close(h);
    if (store_open(db, STORE_OPEN_RW, &store, &err) != ST_OK)
        fail("open", &err);
    st_ops *ops = NULL;
    if (store_begin(store, &err) != ST_OK || store_meta_set(store, "next_fill", "1", &err) != ST_OK ||
        store_commit(store, &err) != ST_OK || ops_new(store, &clock, &ops, &err) != ST_OK)
        fail("next clocks", &err);
    ops_free(ops);
    printf("tickets=%ld entries=%zu ms=%.0f\n", n, ne, (double)(mono_now() - t0) / 1e6);
    store_close(store);
    free(ev);
    free(level);
    free(ids);
    return 0;
}

int cmd_report_floor(const char *db)
{
    st_mono t0 = mono_now();
    sqlite3 *h;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "slatop_bench: %s: %s\n", db, sqlite3_errmsg(h));
        return 1;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, "SELECT * FROM audit WHERE at >= ?1 AND at < ?2", -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "slatop_bench: %s\n", sqlite3_errmsg(h));
        return 1;
    }
    sqlite3_bind_int64(st, 1, MARCH);
    sqlite3_bind_int64(st, 2, APRIL);
    long rows = 0;
    size_t bytes = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int nc = sqlite3_column_count(st);
        for (int c = 0; c < nc; c++)
            if (sqlite3_column_type(st, c) == SQLITE_TEXT)
                bytes += strlen((const char *)sqlite3_column_text(st, c));
            else
                bytes += (size_t)sqlite3_column_int64(st, c) & 1;
        rows++;
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    printf("entries=%ld bytes=%zu ms=%.1f\n", rows, bytes, (double)(mono_now() - t0) / 1e6);
    return 0;
}

int cmd_report_run(const char *slatop, const char *db, const char *format)
{
    st_mono t0 = mono_now();
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, STDOUT_FILENO);
        execl(slatop, slatop, "--db", db, "--now", "2026-04-02T00:00:00Z", "report", "--month", "2026-03", format,
              (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        return 1;
    double ms = (double)(mono_now() - t0) / 1e6;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "slatop_bench: slatop report failed (status %d)\n", status);
        return 1;
    }
    printf("ms=%.1f maxrss_kb=%ld\n", ms, ru.ru_maxrss);
    return 0;
}
