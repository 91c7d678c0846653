/* slatop_bench: the in-process benchmarks and their floors, each measured in the same run.
 * tests/bench/run.sh drives it; every subcommand prints key=value figures on one line.
 *
 *   gen DB N                 N tickets through the store (ops_add_many: a transaction per
 *                            20,000, prepared statements, an audit entry and a customer
 *                            message with a body each); prints its rate
 *   list-floor DB            the query part of the first screen's floor: the indexed ORDER BY
 *                            ... LIMIT 50 straight through the SQLite API, on a fresh connection
 *                            (open, query, close: cold_ms) and repeated on a warm one (query_ms)
 *   reprioritize DB N        p50/p99 of N raises/lowers through ops_set_level (the console's
 *                            path, maintenance deferred to store_idle between raises as the
 *                            console defers them past its screen update), and the floor: UPDATE +
 *                            INSERT commits in WAL, synchronous=FULL, on a scratch database in
 *                            the same directory
 *   due N                    due times per second over N random tickets (two calendars, holidays,
 *                            DST) and the minute-stepping reference on a sample, scaled
 *   clocks N                 SLA clocks per second (clocks_compute: first_response, next_response
 *                            cycles, resolution) over N random ticket histories with pauses,
 *                            level changes, resolves and reopenings, and the minute-stepping
 *                            reference on a sample, checked against the engine and scaled
 *   uptime-fetch URL MONTH DIR   fetches MONTH's chunks from a real Prometheus (its time is the
 *                            floor) and saves the bodies in DIR
 *   uptime-parse MONTH DIR   parse + compute of those bodies; time and peak memory
 *   report-gen, report-floor, report-run   the SLA report's month (bench_report.c)
 */
#define _GNU_SOURCE
#include <math.h>
#include <sqlite3.h> /* the floors measure raw SQLite, beside the store */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "slatop/calendar.h"
#include "slatop/clocks.h"
#include "slatop/fetcher.h"
#include "slatop/ops.h"
#include "slatop/policy.h"
#include "slatop/prometheus.h"
#include "slatop/sla.h"
#include "slatop/store.h"
#include "slatop/uptime.h"
#include "slatop/util.h"

extern const char embedded_chatti[];
extern const size_t embedded_chatti_len;
extern const char embedded_haptik[];
extern const size_t embedded_haptik_len;

int cmd_report_gen(const char *db, long n); /* bench_report.c */
int cmd_report_floor(const char *db);
int cmd_report_run(const char *slatop, const char *db, const char *format);

static double ms_since(st_mono t0)
{
    return (double)(mono_now() - t0) / 1e6;
}

static void die(const char *what, const st_err *err)
{
    fprintf(stderr, "slatop_bench: %s: %s\n", what, err->msg);
    exit(1);
}

/* A small deterministic generator, so runs are comparable. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)ceil(p * (double)n) - 1;
    return v[i < n ? i : n - 1];
}

/* The generated bodies' words, so that searches find common, uncommon and rare text in them
 * (tests/bench/run.sh's search_1m mix): one phrase of eight in every body; "carrier" in one
 * ticket of eight; GEN_RARE (once every 100,000 tickets) and a tracking code of the ticket's own
 * (GEN-<n>, one ticket each). */
#define GEN_RARE "zeppelin"
static const char *const gen_phrases[] = {
    "Receipts stopped arriving for our customers in the morning.",
    "Messages to one carrier bounce back with error 21614.",
    "Our webhook retries pile up and the queue keeps growing.",
    "Invoice totals are wrong since the last upgrade.",
    "Two-factor codes arrive minutes late on one network.",
    "Number porting has been stuck for three days now.",
    "The dashboard shows delivery rates that do not add up.",
    "Sender ID rejected in two countries without a reason.",
};

/* One batch per transaction: the bodies of a million tickets need not all be held at once. */
#define GEN_BATCH 20000

static int cmd_gen(const char *db, long n)
{
    st_clock clock;
    clock_init_real(&clock);
    st_err err = {0};
    unlink(db);
    if (ops_init_db_text(db, embedded_chatti, "chatti.json", &clock, &err) != ST_OK)
        die("init", &err);
    st_store *store;
    if (store_open(db, STORE_OPEN_RW, &store, &err) != ST_OK)
        die("open", &err);
    st_ops *ops;
    if (ops_new(store, &clock, &ops, &err) != ST_OK)
        die("ops", &err);
    static const char *levels[] = {"URGENT", "HIGH", "NORMAL", "LOW"};
    static const char *customers[] = {"Acme Retail", "Globex", "Initech", "Umbrella Health", "Stark Freight"};
    size_t cap = (size_t)(n < GEN_BATCH ? n : GEN_BATCH);
    ops_new_ticket *t = xcalloc(cap ? cap : 1, sizeof *t);
    char (*body)[160] = xcalloc(cap ? cap : 1, sizeof *body);
    st_time now = wall_now();
    double ms = 0;
    for (long done = 0; done < n;) {
        size_t k = 0;
        for (; k < cap && done + (long)k < n; k++) {
            long i = done + (long)k;
            t[k] = (ops_new_ticket){0};
            t[k].title = "Delivery receipts delayed for a single country";
            t[k].level = levels[rng() % 4];
            t[k].customer = customers[rng() % 5];
            t[k].created = now - (st_time)(rng() % (10 * 86400));
            int len = snprintf(body[k], sizeof body[k], "%s Tracking GEN-%ld.%s",
                               gen_phrases[rng() % (sizeof gen_phrases / sizeof gen_phrases[0])], i + 1,
                               (i + 1) % 100000 == 0 ? " The " GEN_RARE " account again." : "");
            t[k].body = body[k];
            t[k].body_len = (size_t)len;
        }
        st_mono t0 = mono_now();
        int64_t first;
        if (ops_add_many(ops, t, k, &first, &err) != ST_OK)
            die("add_many", &err);
        ms += ms_since(t0);
        done += (long)k;
    }
    printf("tickets=%ld ms=%.1f rate_per_s=%.0f\n", n, ms, (double)n / (ms / 1000.0));
    free(body);
    free(t);
    ops_free(ops);
    store_close(store);
    return 0;
}

#define LIST_FLOOR_SQL                                                                             \
    "SELECT * FROM tickets WHERE status != 'resolved' ORDER BY next_tier, next_key, id LIMIT 50"

/* One query through a prepared statement on an open connection; returns the rows read. */
static int list_floor_query(sqlite3 *h)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, LIST_FLOOR_SQL, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "slatop_bench: %s\n", sqlite3_errmsg(h));
        exit(1);
    }
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        rows++;
    sqlite3_finalize(st);
    return rows;
}

/* The query part of the first screen's floor. cold_ms is what a fresh process pays to get the 50
 * rows through the SQLite API: open, the first query (which reads the schema and the pages) and
 * close; the console's first screen can only be a cold start, so this is its floor (run.sh takes
 * the median over fresh processes). query_ms, the median of 20 repeats on the warm connection
 * afterwards, is printed for reference. */
static int cmd_list_floor(const char *db)
{
    st_mono t0 = mono_now();
    sqlite3 *h;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "slatop_bench: %s: %s\n", db, sqlite3_errmsg(h));
        return 1;
    }
    int rows = list_floor_query(h);
    sqlite3_close(h);
    double cold = ms_since(t0);
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "slatop_bench: %s: %s\n", db, sqlite3_errmsg(h));
        return 1;
    }
    double v[20];
    for (int r = 0; r < 20 && rows == 50; r++) {
        st_mono t = mono_now();
        rows = list_floor_query(h);
        v[r] = ms_since(t);
    }
    sqlite3_close(h);
    if (rows != 50) {
        fprintf(stderr, "slatop_bench: expected 50 rows, got %d\n", rows);
        return 1;
    }
    printf("cold_ms=%.3f query_ms=%.3f\n", cold, percentile(v, 20, 0.5));
    return 0;
}

/* The floor: the same shape of commit with nothing of slatop's around it, an UPDATE of one row
 * and an INSERT of one audit-like row in WAL with synchronous=FULL, on a scratch database beside
 * the real one. */
typedef struct {
    sqlite3 *h;
    sqlite3_stmt *up, *ins;
    char *path;
} floor_db;

static void floor_open(floor_db *f, const char *dir)
{
    f->path = xasprintf("%s/floor-commit.db", dir);
    unlink(f->path);
    sqlite3_open(f->path, &f->h);
    sqlite3_exec(f->h,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                 "CREATE TABLE t(id INTEGER PRIMARY KEY, level TEXT, due INTEGER, version INTEGER);"
                 "CREATE TABLE a(seq INTEGER PRIMARY KEY, ticket INTEGER, from_level TEXT, to_level TEXT,"
                 " reason TEXT, hash TEXT);"
                 "INSERT INTO t VALUES (1, 'HIGH', 0, 1);",
                 NULL, NULL, NULL);
    sqlite3_prepare_v2(f->h, "UPDATE t SET level = ?1, due = ?2, version = version + 1 WHERE id = 1", -1, &f->up,
                       NULL);
    sqlite3_prepare_v2(f->h, "INSERT INTO a(ticket, from_level, to_level, reason, hash) VALUES (1, ?1, ?2, ?3, ?4)",
                       -1, &f->ins, NULL);
}

static double floor_commit(floor_db *f, int i)
{
    st_mono t = mono_now();
    sqlite3_exec(f->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    sqlite3_bind_text(f->up, 1, i % 2 ? "HIGH" : "URGENT", -1, SQLITE_STATIC);
    sqlite3_bind_int64(f->up, 2, i);
    sqlite3_step(f->up);
    sqlite3_reset(f->up);
    sqlite3_bind_text(f->ins, 1, i % 2 ? "URGENT" : "HIGH", -1, SQLITE_STATIC);
    sqlite3_bind_text(f->ins, 2, i % 2 ? "HIGH" : "URGENT", -1, SQLITE_STATIC);
    sqlite3_bind_text(f->ins, 3, "benchmark", -1, SQLITE_STATIC);
    sqlite3_bind_text(f->ins, 4, "0000000000000000000000000000000000000000000000000000000000000000", -1,
                      SQLITE_STATIC);
    sqlite3_step(f->ins);
    sqlite3_reset(f->ins);
    sqlite3_exec(f->h, "COMMIT", NULL, NULL, NULL);
    return ms_since(t);
}

static void floor_close(floor_db *f)
{
    sqlite3_finalize(f->up);
    sqlite3_finalize(f->ins);
    sqlite3_close(f->h);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char *p = xasprintf("%s%s", f->path, suffix[i]);
        unlink(p);
        free(p);
    }
    free(f->path);
}

static int cmd_reprioritize(const char *db, int n)
{
    st_clock clock;
    clock_init_real(&clock);
    st_err err = {0};
    st_store *store;
    if (store_open(db, STORE_OPEN_RW, &store, &err) != ST_OK)
        die("open", &err);
    st_ops *ops;
    if (ops_new(store, &clock, &ops, &err) != ST_OK)
        die("ops", &err);
    ops_new_ticket t = {.title = "benchmark ticket", .level = "HIGH", .created = ST_TIME_NONE};
    int64_t id;
    if (ops_add(ops, &t, &id, &err) != ST_OK)
        die("add", &err);
    char *dir = xstrdup(db);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    store_defer_maintenance(store); /* as the console does: checkpoints wait for its idle moments */
    floor_db f;
    floor_open(&f, dir);
    /* Interleaved, one floor commit then one raise or lower, so both meet the same disk. */
    double *v = xcalloc((size_t)n, sizeof *v), *fv = xcalloc((size_t)n, sizeof *fv);
    for (int i = 0; i < n; i++) {
        fv[i] = floor_commit(&f, i);
        ops_change ch;
        st_mono t0 = mono_now();
        if (ops_set_level(ops, id, i % 2 ? OPS_DOWN : OPS_UP, NULL, "benchmark", -1, &ch, &err) != ST_OK)
            die("set_level", &err);
        v[i] = ms_since(t0);
        ops_change_done(&ch);
        store_idle(store); /* untimed: the console runs it once the screen is drawn */
    }
    double p50 = percentile(v, (size_t)n, 0.5), p99 = percentile(v, (size_t)n, 0.99);
    double floor_p50 = percentile(fv, (size_t)n, 0.5), floor_p99 = percentile(fv, (size_t)n, 0.99);
    printf("p50_ms=%.4f p99_ms=%.4f floor_p50_ms=%.4f floor_p99_ms=%.4f\n", p50, p99, floor_p50, floor_p99);
    free(v);
    free(fv);
    floor_close(&f);
    free(dir);
    ops_free(ops);
    store_close(store);
    return 0;
}

/* The minute-stepping reference: walk forward a minute at a time asking whether each minute is
 * business time, as the property test does. Obviously right, and as slow as its name says. */
static st_time due_by_minutes(const st_policy *p, size_t level, st_time created)
{
    if (p->levels[level].clock == POL_CLOCK_24X7)
        return created + policy_level_target_s(p, level);
    int64_t need = p->levels[level].response_minutes;
    st_time t = created;
    while (need > 0) {
        if (cal_is_business(p->calendar, t))
            need--;
        t += 60;
    }
    return t;
}

/* The two shipped policies, as the binary embeds them: Chatti, then Haptik. */
static void load_shipped(st_policy *pol[2])
{
    st_err err = {0};
    if (policy_parse(embedded_chatti, embedded_chatti_len, "chatti.json", &pol[0], &err) != ST_OK
        || policy_parse(embedded_haptik, embedded_haptik_len, "haptik.json", &pol[1], &err) != ST_OK)
        die("policy", &err);
}

static int cmd_due(long n)
{
    st_policy *pol[2];
    load_shipped(pol);
    /* Created instants on minute marks across 2026-2027 (DST changes, holidays, weekends), so the
     * minute-stepping reference is exact for them and the check below is a real comparison. */
    st_time base = 1767225600; /* 2026-01-01T00:00:00Z */
    typedef struct {
        unsigned char pol, level;
        st_time created;
    } job;
    job *jobs = xcalloc((size_t)n, sizeof *jobs);
    for (long i = 0; i < n; i++) {
        jobs[i].pol = (unsigned char)(rng() % 2);
        jobs[i].level = (unsigned char)(rng() % pol[jobs[i].pol]->n_levels);
        jobs[i].created = base + (st_time)(rng() % (2 * 365 * 1440)) * 60;
    }
    st_mono t0 = mono_now();
    st_time sum = 0;
    for (long i = 0; i < n; i++)
        sum += sla_due(pol[jobs[i].pol], jobs[i].level, jobs[i].created);
    double ms = ms_since(t0);
    double rate = (double)n / (ms / 1000.0);
    /* The reference on a sample, checked against the engine on the way. */
    long sample = n < 2000 ? n : 2000, mismatches = 0;
    t0 = mono_now();
    for (long i = 0; i < sample; i++) {
        st_time r = due_by_minutes(pol[jobs[i].pol], jobs[i].level, jobs[i].created);
        if (r != sla_due(pol[jobs[i].pol], jobs[i].level, jobs[i].created))
            mismatches++;
    }
    double ref_ms = ms_since(t0);
    /* Subtract the engine's own share of that loop, so the figure is the reference alone. */
    double ref_rate = (double)sample / ((ref_ms - (double)sample / rate * 1000.0) / 1000.0);
    printf("due_per_s=%.0f ref_per_s=%.1f sample=%ld mismatches=%ld checksum=%lld\n", rate, ref_rate, sample,
           mismatches, (long long)(sum % 1000003));
    free(jobs);
    policy_free(pol[0]);
    policy_free(pol[1]);
    return mismatches ? 1 : 0;
}

/* A random history on minute marks, each event at least a minute after the one before: customer
 * messages, replies, notes, responds, pending/on_hold pauses and reopenings to open, a level
 * change now and then, resolves and reopens. Returns the number of events and sets *now. */
static size_t random_history(const st_policy *p, st_time base, clk_event *ev, size_t cap, st_time *now)
{
    st_time t = base + (st_time)(rng() % (2 * 365 * 1440)) * 60;
    ev[0] = (clk_event){.kind = CLK_EV_CREATED, .at = t, .level = rng() % p->n_levels};
    size_t n = 1 + rng() % (cap - 1);
    for (size_t i = 1; i < n; i++) {
        t += (st_time)(1 + rng() % 600) * 60;
        unsigned k = (unsigned)(rng() % 100);
        clk_event *e = &ev[i];
        *e = (clk_event){.at = t, .actor = "bench"};
        if (k < 25)
            e->kind = CLK_EV_CUSTOMER;
        else if (k < 45)
            e->kind = CLK_EV_REPLY;
        else if (k < 50)
            e->kind = CLK_EV_NOTE;
        else if (k < 55)
            e->kind = CLK_EV_RESPOND;
        else if (k < 62) {
            e->kind = CLK_EV_LEVEL;
            e->level = rng() % p->n_levels;
        } else {
            static const pol_status st[] = {POL_STATUS_PENDING, POL_STATUS_ON_HOLD, POL_STATUS_OPEN,
                                            POL_STATUS_PENDING, POL_STATUS_OPEN, POL_STATUS_RESOLVED};
            e->kind = CLK_EV_STATUS;
            e->status = st[rng() % 6];
        }
    }
    *now = t + (st_time)(rng() % (3 * 1440)) * 60;
    return n;
}

/* The minute-stepping reference for one clock the engine reported: walk a minute at a time from
 * its start, counting each minute whose status (after the history's events up to then, frozen at
 * its stop) neither pauses its metric nor is resolved, and that is business time for a business
 * clock. Histories here are on minute marks with distinct instants and reprioritize_from is
 * "created", so this is exact. Sets the due (ST_TIME_NONE when paused for good) and remaining. */
static void clock_by_minutes(const st_policy *p, const clk_event *ev, size_t n, st_time now, const clk_clock *c,
                             st_time *due, int64_t *remaining)
{
    st_time end = c->stopped != ST_TIME_NONE ? c->stopped : now;
    pol_target tg = {0, POL_CLOCK_24X7};
    for (size_t i = 0; i < n && ev[i].at <= end; i++)
        if (ev[i].kind == CLK_EV_CREATED || ev[i].kind == CLK_EV_LEVEL)
            policy_level_target(p, ev[i].level, c->metric, &tg);
    int64_t need = tg.minutes * 60, counted = 0, acc = 0;
    pol_status st = POL_STATUS_OPEN;
    size_t j = 0;
    *due = ST_TIME_NONE;
    for (st_time t = c->started;; t += 60) {
        while (j < n && ev[j].at <= t && ev[j].at < end + (c->stopped == ST_TIME_NONE)) {
            if (ev[j].kind == CLK_EV_STATUS)
                st = ev[j].status;
            else if (ev[j].kind == CLK_EV_CUSTOMER)
                st = POL_STATUS_OPEN;
            j++;
        }
        bool counts = st != POL_STATUS_RESOLVED && !(p->pause_on[c->metric] & (1u << st));
        if (t >= end && (*due != ST_TIME_NONE || (!counts && (j == n || ev[j].at >= end))))
            break;
        if (counts && (tg.clock == POL_CLOCK_24X7 || cal_is_business(p->calendar, t))) {
            acc += 60;
            counted += t < end ? 60 : 0;
            if (*due == ST_TIME_NONE && acc >= need)
                *due = t + 60;
        }
    }
    *remaining = need - counted;
}

static int cmd_clocks(long n)
{
    st_err err = {0};
    st_policy *pol[2];
    load_shipped(pol);
    enum { MAX_EV = 12 };
    typedef struct {
        unsigned char pol;
        unsigned char n;
        st_time now;
        clk_event ev[MAX_EV];
    } job;
    job *jobs = xcalloc((size_t)n, sizeof *jobs);
    for (long i = 0; i < n; i++) {
        jobs[i].pol = (unsigned char)(rng() % 2);
        jobs[i].n = (unsigned char)random_history(pol[jobs[i].pol], 1767225600, jobs[i].ev, MAX_EV, &jobs[i].now);
    }
    /* How many histories hold a pause (a move to pending or on_hold): the figure is for clocks
     * with pauses, not for plain due times. */
    long with_pauses = 0;
    for (long i = 0; i < n; i++) {
        for (size_t k = 0; k < jobs[i].n; k++) {
            const clk_event *e = &jobs[i].ev[k];
            if (e->kind == CLK_EV_STATUS && (e->status == POL_STATUS_PENDING || e->status == POL_STATUS_ON_HOLD)) {
                with_pauses++;
                break;
            }
        }
    }
    clk_result r;
    clocks_result_init(&r);
    long clocks = 0, paused = 0;
    st_time sum = 0;
    st_mono t0 = mono_now();
    for (long i = 0; i < n; i++) {
        if (clocks_compute(pol[jobs[i].pol], jobs[i].ev, jobs[i].n, jobs[i].now, &r, &err) != ST_OK)
            die("clocks", &err);
        clocks += (long)r.n;
        for (size_t k = 0; k < r.n; k++)
            sum += r.clocks[k].due + r.clocks[k].remaining_s;
    }
    double ms = ms_since(t0);
    double rate = (double)clocks / (ms / 1000.0);
    /* The reference on a sample of tickets, checked against the engine on the way. */
    long sample = n < 1000 ? n : 1000, mismatches = 0, ref_clocks = 0;
    t0 = mono_now();
    for (long i = 0; i < sample; i++) {
        const st_policy *p = pol[jobs[i].pol];
        clocks_compute(p, jobs[i].ev, jobs[i].n, jobs[i].now, &r, &err);
        for (size_t k = 0; k < r.n; k++) {
            st_time due;
            int64_t rem;
            clock_by_minutes(p, jobs[i].ev, jobs[i].n, jobs[i].now, &r.clocks[k], &due, &rem);
            if (due != r.clocks[k].due || rem != r.clocks[k].remaining_s)
                mismatches++;
            paused += r.clocks[k].paused_by == CLK_PAUSED_PENDING || r.clocks[k].paused_by == CLK_PAUSED_ON_HOLD;
            ref_clocks++;
        }
    }
    double ref_ms = ms_since(t0);
    /* Subtract the engine's own share of that loop, so the figure is the reference alone. */
    double ref_rate = (double)ref_clocks / ((ref_ms - (double)ref_clocks / rate * 1000.0) / 1000.0);
    printf("clocks_per_s=%.0f ref_per_s=%.1f tickets=%ld clocks=%ld tickets_with_pauses=%ld sample_clocks=%ld "
           "paused_by_status=%ld mismatches=%ld checksum=%lld\n",
           rate, ref_rate, n, clocks, with_pauses, ref_clocks, paused, mismatches, (long long)(sum % 1000003));
    clocks_result_done(&r);
    free(jobs);
    policy_free(pol[0]);
    policy_free(pol[1]);
    return mismatches ? 1 : 0;
}

static int cmd_uptime_fetch(const char *url, const char *month, const char *dir)
{
    st_time ms, me;
    if (!uptime_month_parse(month, &ms, &me)) {
        fprintf(stderr, "slatop_bench: bad month %s\n", month);
        return 2;
    }
    prom_chunk *chunks;
    size_t nc = prom_chunks(ms, me, PROM_MAX_POINTS, &chunks);
    fetcher *f;
    st_err err = {0};
    if (fetcher_new(&f, &err) != ST_OK)
        die("fetcher", &err);
    char *api = xasprintf("%s/api/v1/query_range", url);
    char **bodies = xcalloc(nc, sizeof *bodies);
    for (size_t i = 0; i < nc; i++) {
        bodies[i] = prom_form_body(PROM_DEFAULT_QUERY, &chunks[i]);
        fetch_request rq = {.url = api, .post_body = bodies[i], .timeout_s = 60, .index = i};
        if (fetcher_add(f, &rq, &err) != ST_OK)
            die("add", &err);
    }
    st_mono t0 = mono_now();
    if (fetcher_run(f, &err) != ST_OK)
        die("run", &err);
    double total = ms_since(t0);
    size_t bytes = 0;
    fetch_result r;
    while (fetcher_take_finished(f, &r)) {
        if (r.err.code != ST_OK || r.http_status != 200)
            die("fetch", &r.err);
        char *path = xasprintf("%s/chunk%zu.json", dir, r.index);
        FILE *out = fopen(path, "wb");
        if (!out || fwrite(r.body, 1, r.len, out) != r.len) {
            fprintf(stderr, "slatop_bench: cannot write %s\n", path);
            return 1;
        }
        fclose(out);
        bytes += r.len;
        free(path);
        fetch_result_done(&r);
    }
    printf("chunks=%zu bytes=%zu prometheus_ms=%.2f\n", nc, bytes, total);
    for (size_t i = 0; i < nc; i++)
        free(bodies[i]);
    free(bodies);
    free(api);
    free(chunks);
    fetcher_free(f);
    return 0;
}

static long rss_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t fl = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, fl))
            v = atol(line + fl + 1);
    if (f)
        fclose(f);
    return v;
}

static int cmd_uptime_parse(const char *month, const char *dir, int reps)
{
    st_time ms, me;
    if (!uptime_month_parse(month, &ms, &me))
        return 2;
    long base_kb = rss_kb("VmRSS");
    double best = 1e30;
    size_t total_bytes = 0;
    int64_t downtime = -1;
    for (int rep = 0; rep < reps; rep++) {
        st_mono t0 = mono_now();
        size_t n = (size_t)(me - ms) / 60;
        uptime_minute *minutes = xcalloc(n, sizeof *minutes);
        for (size_t i = 0; i < n; i++)
            minutes[i].kind = UPTIME_NODATA;
        total_bytes = 0;
        for (int c = 0;; c++) {
            char *path = xasprintf("%s/chunk%d.json", dir, c);
            char *body;
            size_t len;
            st_err err = {0};
            if (access(path, R_OK) != 0) {
                free(path);
                break;
            }
            if (read_file_all(path, 64u << 20, &body, &len, &err) != ST_OK)
                die("read", &err);
            prom_result pr;
            if (prom_parse_query_range(body, len, 200, "application/json", ms, minutes, n, &pr, &err) != ST_OK)
                die(path, &err);
            prom_result_done(&pr);
            total_bytes += len;
            free(body);
            free(path);
        }
        uptime_input in = {.month_start = ms, .month_end = me, .now = me, .minutes = minutes, .n_minutes = n,
                           .has_target = true, .target_percent = 99.9, .threshold = 0.05, .notice_days = 7};
        uptime_report rep_out;
        st_err err = {0};
        if (uptime_compute(&in, &rep_out, &err) != ST_OK)
            die("compute", &err);
        downtime = rep_out.downtime_minutes;
        uptime_report_done(&rep_out);
        free(minutes);
        double t = ms_since(t0);
        if (t < best)
            best = t;
    }
    long peak_kb = rss_kb("VmHWM");
    printf("parse_ms=%.2f bytes=%zu peak_extra_kb=%ld downtime_minutes=%lld\n", best, total_bytes,
           peak_kb - base_kb, (long long)downtime);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "gen"))
        return cmd_gen(argv[2], atol(argv[3]));
    if (argc >= 3 && !strcmp(argv[1], "list-floor"))
        return cmd_list_floor(argv[2]);
    if (argc >= 4 && !strcmp(argv[1], "reprioritize"))
        return cmd_reprioritize(argv[2], atoi(argv[3]));
    if (argc >= 3 && !strcmp(argv[1], "due"))
        return cmd_due(atol(argv[2]));
    if (argc >= 3 && !strcmp(argv[1], "clocks"))
        return cmd_clocks(atol(argv[2]));
    if (argc >= 5 && !strcmp(argv[1], "uptime-fetch"))
        return cmd_uptime_fetch(argv[2], argv[3], argv[4]);
    if (argc >= 4 && !strcmp(argv[1], "uptime-parse"))
        return cmd_uptime_parse(argv[2], argv[3], argc >= 5 ? atoi(argv[4]) : 3);
    if (argc >= 4 && !strcmp(argv[1], "report-gen"))
        return cmd_report_gen(argv[2], atol(argv[3]));
    if (argc >= 3 && !strcmp(argv[1], "report-floor"))
        return cmd_report_floor(argv[2]);
    if (argc >= 4 && !strcmp(argv[1], "report-run"))
        return cmd_report_run(argv[2], argv[3], argc >= 5 ? argv[4] : "--json");
    fprintf(stderr, "usage: slatop_bench gen DB N | list-floor DB | reprioritize DB N | due N | clocks N |"
                    " uptime-fetch URL MONTH DIR | uptime-parse MONTH DIR [REPS] | report-gen DB N |"
                     " report-floor DB | report-run SLATOP DB [--json|--csv]\n");
    return 2;
}
