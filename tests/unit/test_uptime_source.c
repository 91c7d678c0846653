/* The month source over file:// (the demo's data as the console and `slatop uptime` read it) and
 * the uptime cache in the database. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slatop/demo_uptime.h"
#include "slatop/store.h"
#include "slatop/store_uptime.h"
#include "slatop/uptime_source.h"

#define MS 1793491200 /* 2026-11-01T00:00:00Z */
#define ME 1796083200

static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/slatop-usrc-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(uptime_source, .init = setup, .fini = teardown, .timeout = 60);

/* Runs a job to completion. */
static uptime_job *run_job(fetcher *f, const cfg_prometheus *p, const char *sp, st_time now)
{
    uptime_job *j;
    st_err err;
    cr_assert_eq(uptime_job_start(f, p, sp, MS, ME, now, &j, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(fetcher_run(f, &err), ST_OK, "%s", err.msg);
    fetch_result r;
    while (fetcher_take_finished(f, &r))
        cr_assert(uptime_job_offer(j, &r));
    cr_assert(uptime_job_done(j));
    return j;
}

Test(uptime_source, demo_month_through_file_url)
{
    char *sub = xasprintf("%s/mon", dir);
    st_time now = MS + 20 * 86400 + 12 * 3600 + 17;
    cfg_prometheus p;
    char *sp;
    st_err err;
    cr_assert_eq(demo_uptime_write(sub, now, &p, &sp, &err), ST_OK, "%s", err.msg);
    fetcher *f;
    cr_assert_eq(fetcher_new(&f, &err), ST_OK);
    uptime_job *j = run_job(f, &p, sp, now);
    const uptime_minute *m;
    size_t n, nw;
    bool partial;
    uptime_window *w;
    st_err sperr;
    cr_assert_eq(uptime_job_result(j, &m, &n, &partial, &w, &nw, &sperr, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(sperr.code, ST_OK, "%s", sperr.msg);
    cr_assert_eq(n, 20 * 1440 + 12 * 60);
    cr_assert_not(partial);
    cr_assert_eq(nw, 2);
    cr_assert(isnan(m[4 * 1440 + 30].value));

    uptime_input in = {.month_start = MS,
                       .month_end = ME,
                       .now = now,
                       .minutes = m,
                       .n_minutes = n,
                       .has_target = true,
                       .target_percent = 99.9,
                       .threshold = 0.05,
                       .notice_days = 7,
                       .windows = w,
                       .n_windows = nw};
    uptime_report r;
    cr_assert_eq(uptime_compute(&in, &r, &err), ST_OK);
    cr_assert_eq(r.downtime_minutes, 23 + 3 + 6 + 5);
    cr_assert_eq(r.excluded_minutes, 30);
    cr_assert_eq(r.no_data_minutes, 4);
    cr_assert_eq(r.n_periods, 5);
    cr_assert_eq(r.n_maintenance, 2);
    cr_assert(r.maintenance[0].excluded);
    cr_assert_not(r.maintenance[1].excluded);
    cr_assert_gt(r.burn_rate_1h, 0);
    cr_assert_not(r.complete);
    uptime_report_done(&r);
    uptime_windows_free(w, nw);
    uptime_job_free(j);

    /* The previous month is written too. */
    char *prev = xasprintf("%s/2026-10.json", sub);
    cr_assert_eq(access(prev, R_OK), 0);
    free(prev);
    fetcher_free(f);
    demo_uptime_config_done(&p);
    free(sp);
    free(sub);
}

Test(uptime_source, missing_file_is_an_error_naming_it)
{
    cfg_prometheus p = {.url = xasprintf("file://%s/none", dir), .timeout_s = 5};
    fetcher *f;
    st_err err;
    cr_assert_eq(fetcher_new(&f, &err), ST_OK);
    uptime_job *j = run_job(f, &p, NULL, MS + 86400);
    const uptime_minute *m;
    size_t n, nw;
    bool partial;
    uptime_window *w;
    cr_assert_eq(uptime_job_result(j, &m, &n, &partial, &w, &nw, NULL, &err), ST_NET);
    cr_assert(strstr(err.msg, "/none/2026-11.json"), "%s", err.msg);
    uptime_job_free(j);
    fetcher_free(f);
    free(p.url);
}

/* A fetched month goes to the cache a day per call (one short transaction each): the month stays
 * incomplete and without the status page's windows until the last slice, which completes it. */
Test(uptime_source, cache_saved_a_day_per_transaction)
{
    char *path = xasprintf("%s/db", dir);
    st_store *s;
    st_err err;
    cr_assert_eq(store_open(path, STORE_OPEN_CREATE, &s, &err), ST_OK, "%s", err.msg);
    size_t n = 30 * 1440; /* November */
    uptime_minute *m = xcalloc(n, sizeof *m);
    for (size_t i = 0; i < n; i++)
        m[i] = (uptime_minute){(double)(i % 7) / 100, UPTIME_VALUE};
    uptime_window w = {.id = "x", .name = "n", .status = "completed", .start = MS, .end = MS + 600,
                       .announced = ST_TIME_NONE};
    st_time after = MS + 31 * 86400;
    uptime_minute *back = xcalloc(n, sizeof *back);
    size_t from = 0, calls = 0;
    bool last = false;
    while (!last) {
        size_t was = from;
        cr_assert_eq(uptime_cache_save_next(s, "src", "sp", MS, MS + (st_time)n * 60, after, m, n, &from, false, &w,
                                            1, &last, &err),
                     ST_OK, "%s", err.msg);
        calls++;
        cr_assert_eq(from - was, 1440, "a day per call (%zu minutes)", from - was);
        size_t found = 0;
        cr_assert_eq(store_uptime_get_minutes(s, "src", MS, back, n, &found, &err), ST_OK, "%s", err.msg);
        cr_assert_eq(found, from, "what is saved so far");
        bool known, complete;
        st_time at;
        cr_assert_eq(store_uptime_month_get(s, "src", "2026-11", &known, &at, &complete, &err), ST_OK);
        cr_assert(known);
        cr_assert_eq(complete, last, "complete only with the last slice (call %zu)", calls);
        uptime_window *ws;
        size_t nws;
        cr_assert_eq(store_uptime_windows_get(s, "sp", &ws, &nws, &err), ST_OK);
        cr_assert_eq(nws, last ? 1u : 0u, "the windows come with the last slice");
        uptime_windows_free(ws, nws);
    }
    cr_assert_eq(calls, 30);
    cr_assert_float_eq(back[n - 1].value, m[n - 1].value, 1e-15);
    /* A month with no minutes yet still records the month, in one call. */
    from = 0;
    last = false;
    cr_assert_eq(uptime_cache_save_next(s, "empty", NULL, MS, MS + (st_time)n * 60, MS, m, 0, &from, false, NULL, 0,
                                        &last, &err),
                 ST_OK, "%s", err.msg);
    cr_assert(last);
    free(back);
    free(m);
    store_close(s);
    free(path);
}

Test(uptime_source, cache_round_trip)
{
    char *path = xasprintf("%s/db", dir);
    st_store *s;
    st_err err;
    cr_assert_eq(store_open(path, STORE_OPEN_CREATE, &s, &err), ST_OK, "%s", err.msg);
    uptime_minute m[5] = {{0.01, UPTIME_VALUE},
                          {NAN, UPTIME_VALUE},
                          {0, UPTIME_NODATA},
                          {INFINITY, UPTIME_VALUE},
                          {0.5, UPTIME_VALUE}};
    cr_assert_eq(store_uptime_put_minutes(s, "src", MS, m, 5, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_uptime_month_put(s, "src", "2026-11", MS + 99, true, &err), ST_OK, "%s", err.msg);
    uptime_window w = {.id = "x",
                       .name = "n",
                       .status = "scheduled",
                       .start = MS,
                       .end = MS + 600,
                       .announced = ST_TIME_NONE};
    cr_assert_eq(store_uptime_windows_put(s, "sp", &w, 1, &err), ST_OK, "%s", err.msg);
    store_close(s);

    cr_assert_eq(store_open(path, STORE_OPEN_RO, &s, &err), ST_OK, "%s", err.msg);
    uptime_minute back[8];
    memset(back, 0, sizeof back);
    size_t found;
    cr_assert_eq(store_uptime_get_minutes(s, "src", MS, back, 8, &found, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(found, 5);
    cr_assert_float_eq(back[0].value, 0.01, 1e-15);
    cr_assert(isnan(back[1].value) && back[1].kind == UPTIME_VALUE);
    cr_assert_eq(back[2].kind, UPTIME_NODATA);
    cr_assert(isinf(back[3].value));
    cr_assert_eq(back[5].kind, UPTIME_NODATA);
    bool known, complete;
    st_time at;
    cr_assert_eq(store_uptime_month_get(s, "src", "2026-11", &known, &at, &complete, &err), ST_OK);
    cr_assert(known && complete);
    cr_assert_eq(at, MS + 99);
    cr_assert_eq(store_uptime_month_get(s, "other", "2026-11", &known, &at, &complete, &err), ST_OK);
    cr_assert_not(known);
    uptime_window *ws;
    size_t nws;
    cr_assert_eq(store_uptime_windows_get(s, "sp", &ws, &nws, &err), ST_OK);
    cr_assert_eq(nws, 1);
    cr_assert_str_eq(ws[0].id, "x");
    cr_assert_eq(ws[0].end, MS + 600);
    cr_assert_eq(ws[0].announced, ST_TIME_NONE);
    uptime_windows_free(ws, nws);
    /* read-only: writes refused */
    cr_assert_neq(store_uptime_put_minutes(s, "src", MS, m, 1, &err), ST_OK);
    store_close(s);
    free(path);
}
