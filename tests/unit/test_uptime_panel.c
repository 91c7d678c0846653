/* The dashboard panel's model: fetching without blocking, the cached last picture when the source
 * is gone, the last error, and the rendered lines. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slatop/demo_uptime.h"
#include "slatop/ops.h"
#include "slatop/store.h"
#include "slatop/store_uptime.h"
#include "slatop/uptime_panel.h"
#include "slatop/uptime_source.h"

#define MS 1793491200 /* 2026-11-01T00:00:00Z */

static char dir[64];
static reactor *rx; /* the console loop's stand-in: every panel is attached to it */

static void setup(void)
{
    strcpy(dir, "/tmp/slatop-panel-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    rx = reactor_new();
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    reactor_free(rx);
}

TestSuite(uptime_panel, .init = setup, .fini = teardown, .timeout = 60);

static st_store *open_db(st_time now)
{
    char *path = xasprintf("%s/db", dir);
    st_clock clk;
    clock_freeze(&clk, now);
    st_err err;
    if (access(path, F_OK) != 0)
        cr_assert_eq(ops_init_db(path, SLATOP_SOURCE_DIR "/share/policies/haptik.json", &clk, &err), ST_OK,
                     "%s", err.msg);
    st_store *s;
    cr_assert_eq(store_open(path, STORE_OPEN_RW, &s, &err), ST_OK, "%s", err.msg);
    free(path);
    return s;
}

/* The panel as the console makes it: with the database's latest policy, parsed by ops. */
static st_code new_panel(const st_config *cfg, st_store *s, bool read_only, st_time now, uptime_panel **out,
                         st_err *err)
{
    st_clock clk;
    clock_freeze(&clk, now);
    st_ops *o;
    cr_assert_eq(ops_new(s, &clk, &o, err), ST_OK, "%s", err->msg);
    const st_policy *pol;
    cr_assert_eq(ops_policy(o, 0, &pol, NULL, err), ST_OK, "%s", err->msg);
    st_code rc = uptime_panel_new(cfg, s, pol, read_only, now, out, err);
    if (rc == ST_OK)
        uptime_panel_attach(*out, rx);
    ops_free(o);
    return rc;
}

/* Everything rendered, one line per row. */
static char *render(uptime_panel *p, st_time now)
{
    uptime_line *l;
    size_t n = uptime_panel_render(p, now, 100, true, &l);
    strbuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < n; i++) {
        sb_append(&sb, l[i].text);
        sb_append_c(&sb, '\n');
    }
    uptime_lines_free(l, n);
    return sb_steal(&sb);
}

static void settle(uptime_panel *p, st_time now)
{
    st_err err;
    cr_assert(uptime_panel_tick(p, now));
    for (int i = 0; i < 100 && uptime_panel_busy(p); i++) {
        cr_assert_eq(reactor_wait_once(rx, 50, NULL, &err), ST_OK);
        uptime_panel_tick(p, now);
    }
    cr_assert_not(uptime_panel_busy(p));
}

/* A config whose monitoring source is the demo's data for `now`, written to DIR/mon. */
static st_config demo_config(st_time now, char **mon)
{
    *mon = xasprintf("%s/mon", dir);
    st_config cfg;
    memset(&cfg, 0, sizeof cfg);
    st_err err;
    cr_assert_eq(demo_uptime_write(*mon, now, &cfg.prometheus, &cfg.statuspage_url, &err), ST_OK, "%s",
                 err.msg);
    cfg.has_prometheus = true;
    return cfg;
}

static void demo_config_done(st_config *cfg, char *mon)
{
    demo_uptime_config_done(&cfg->prometheus);
    free(cfg->statuspage_url);
    free(mon);
}

Test(uptime_panel, fetches_caches_and_keeps_the_last_picture)
{
    st_time now = MS + 5 * 86400 + 12 * 3600;
    char *mon;
    st_config cfg = demo_config(now, &mon);
    st_err err;
    st_store *s = open_db(now);

    uptime_panel *p;
    cr_assert_eq(new_panel(&cfg, s, false, now, &p, &err), ST_OK, "%s", err.msg);
    char *t = render(p, now);
    cr_assert(strstr(t, "Uptime 2026-11 (month to date)"), "%s", t);
    free(t);
    settle(p, now);
    t = render(p, now);
    /* day 2: 23 minutes; the blip 40-35 minutes before now: 5 */
    cr_assert(strstr(t, "State: up"), "%s", t);
    cr_assert(strstr(t, "Downtime 28 min  excluded 0 min  no data 4 min"), "%s", t);
    cr_assert(strstr(t, "Budget ["), "%s", t);
    cr_assert(strstr(t, "Days  ..#..+ "), "%s", t); /* gaps and NaN are not downtime; day 6: the blip */
    cr_assert(strstr(t, "Upcoming maintenance:"), "%s", t);
    cr_assert(strstr(t, "Database upgrade  (announced in time)"), "%s", t);
    cr_assert(strstr(t, "Emergency hotfix  (announced late: counts)"), "%s", t);
    cr_assert(strstr(t, "Data fetched 0s ago"), "%s", t);
    cr_assert_null(strstr(t, "Fetch failed"), "%s", t);
    free(t);
    uptime_panel_free(p);

    /* The source disappears: a new panel opens with the cached picture, then shows the error. */
    char *gone = xasprintf("%s/gone", dir);
    cr_assert_eq(rename(mon, gone), 0);
    st_time later = now + 600;
    cr_assert_eq(new_panel(&cfg, s, false, later, &p, &err), ST_OK, "%s", err.msg);
    t = render(p, later);
    cr_assert(strstr(t, "Downtime 28 min"), "%s", t);
    cr_assert(strstr(t, "Data fetched 10 min ago"), "%s", t);
    free(t);
    settle(p, later);
    t = render(p, later);
    cr_assert(strstr(t, "Downtime 28 min"), "%s", t);
    cr_assert(strstr(t, "Fetch failed: file://"), "%s", t);
    free(t);
    cr_assert_eq(uptime_panel_timeout_ms(p, later), 60000);
    uptime_panel_free(p);

    store_close(s);
    demo_config_done(&cfg, mon);
    free(gone);
}

Test(uptime_panel, down_now)
{
    st_time now = MS + 2 * 86400 + 610 * 60 + 5; /* inside the day-2 outage (from 10:00) */
    char *mon;
    st_config cfg = demo_config(now, &mon);
    st_err err;
    st_store *s = open_db(now);
    uptime_panel *p;
    cr_assert_eq(new_panel(&cfg, s, true, now, &p, &err), ST_OK, "%s", err.msg);
    settle(p, now);
    char *t = render(p, now);
    cr_assert(strstr(t, "State: DOWN since 11-03 10:00 UTC"), "%s", t);
    free(t);
    uptime_panel_free(p);
    store_close(s);
    demo_config_done(&cfg, mon);
}

Test(uptime_panel, no_source)
{
    st_config cfg;
    memset(&cfg, 0, sizeof cfg);
    st_store *s = open_db(MS);
    uptime_panel *p;
    st_err err;
    cr_assert_eq(new_panel(&cfg, s, false, MS, &p, &err), ST_OK, "%s", err.msg);
    cr_assert_not(uptime_panel_tick(p, MS));
    char *t = render(p, MS);
    cr_assert(strstr(t, "no monitoring source"), "%s", t);
    /* Users have the man page, not the project's SPEC. */
    cr_assert_null(strstr(t, "SPEC"), "%s", t);
    cr_assert(strstr(t, "see FILES in man slatop"), "%s", t);
    free(t);
    int dispatched = -1; /* nothing of the panel's in the reactor */
    cr_assert_eq(reactor_wait_once(rx, 10, &dispatched, &err), ST_OK);
    cr_assert_eq(dispatched, 0);
    uptime_panel_free(p);
    store_close(s);
}

/* Later polls merge only the last minutes (re-reading 10 of them); the month is re-read hourly. */
Test(uptime_panel, incremental_polls)
{
    st_time now = MS + 3 * 86400;
    char *mon = xasprintf("%s/mon", dir);
    st_config cfg;
    memset(&cfg, 0, sizeof cfg);
    st_err err;
    cr_assert_eq(mkdir(mon, 0700), 0);
    cfg.prometheus.url = xasprintf("file://%s", mon);
    cfg.prometheus.poll_s = 60;
    cfg.has_prometheus = true;
    char *file = xasprintf("%s/2026-11.json", mon);
    /* A month where minute 100 and minute now-5 are down. */
    FILE *f = fopen(file, "w");
    fprintf(
        f,
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":["
        "[%d,\"0.9\"],[%lld,\"0.9\"]]}]}}",
        MS + 100 * 60 + 60, (long long)(now - 5 * 60 + 60));
    fclose(f);
    st_store *s = open_db(now);
    uptime_panel *p;
    cr_assert_eq(new_panel(&cfg, s, false, now, &p, &err), ST_OK, "%s", err.msg);
    settle(p, now);
    char *t = render(p, now);
    cr_assert(strstr(t, "Downtime 2 min"), "%s", t);
    free(t);
    /* Both minutes recover in the source; a poll a minute later re-reads only the last 10. */
    f = fopen(file, "w");
    fprintf(
        f,
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":["
        "[%d,\"0\"],[%lld,\"0\"]]}]}}",
        MS + 100 * 60 + 60, (long long)(now - 5 * 60 + 60));
    fclose(f);
    settle(p, now + 60);
    t = render(p, now + 60);
    cr_assert(strstr(t, "Downtime 1 min"), "%s", t); /* minute 100 kept from before */
    free(t);
    settle(p, now + 3600);
    t = render(p, now + 3600);
    cr_assert(strstr(t, "Downtime 0 min"), "%s", t); /* the hourly full read */
    free(t);
    uptime_panel_free(p);
    store_close(s);
    free(cfg.prometheus.url);
    free(file);
    free(mon);
}

/* A whole month's minutes reach the cache one day per tick (one short transaction each), not in
 * one transaction that held the write lock long enough to stop other consoles' clocks. Watched
 * from a second connection, as another console would see it. */
Test(uptime_panel, cache_written_a_day_per_tick)
{
    st_time now = MS + 20 * 86400 + 12 * 3600;
    char *mon;
    st_config cfg = demo_config(now, &mon);
    st_err err;
    st_store *s = open_db(now);
    char *path = xasprintf("%s/db", dir);
    st_store *other;
    cr_assert_eq(store_open(path, STORE_OPEN_RW, &other, &err), ST_OK, "%s", err.msg);
    char *key = uptime_source_key(&cfg.prometheus);
    size_t n = 30 * 1440;
    uptime_minute *buf = xcalloc(n, sizeof *buf);
    uptime_panel *p;
    cr_assert_eq(new_panel(&cfg, s, false, now, &p, &err), ST_OK, "%s", err.msg);
    size_t seen = 0, growing_ticks = 0;
    uptime_panel_tick(p, now);
    for (int i = 0; i < 400 && uptime_panel_busy(p); i++) {
        cr_assert_eq(reactor_wait_once(rx, 20, NULL, &err), ST_OK);
        uptime_panel_tick(p, now);
        size_t found = 0;
        cr_assert_eq(store_uptime_get_minutes(other, key, MS, buf, n, &found, &err), ST_OK, "%s", err.msg);
        cr_assert_leq(found - seen, 1440, "one tick cached %zu minutes", found - seen);
        growing_ticks += found > seen;
        seen = found;
    }
    cr_assert_not(uptime_panel_busy(p));
    cr_assert_geq(seen, (size_t)20 * 1440, "only %zu minutes cached", seen);
    cr_assert_geq(growing_ticks, 20);
    char *t = render(p, now);
    cr_assert_null(strstr(t, "Fetch failed"), "%s", t);
    free(t);
    uptime_panel_free(p);
    free(buf);
    free(key);
    free(path);
    store_close(other);
    store_close(s);
    demo_config_done(&cfg, mon);
}

/* Every fetch fails (1,277 minutes of the month without data): the state is unknown and the panel
 * says why, not "State: up" and 100%. */
Test(uptime_panel, no_data_is_not_up)
{
    st_time now = MS + 1277 * 60 + 30;
    st_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.has_prometheus = true;
    cfg.prometheus.url = xasprintf("file://%s/nothing-here", dir);
    cfg.prometheus.timeout_s = 5;
    cfg.prometheus.poll_s = 60;
    st_store *s = open_db(now);
    uptime_panel *p;
    st_err err;
    cr_assert_eq(new_panel(&cfg, s, true, now, &p, &err), ST_OK, "%s", err.msg);
    settle(p, now);
    char *t = render(p, now);
    cr_assert_null(strstr(t, "State: up"), "%s", t);
    cr_assert_null(strstr(t, "100.000%"), "%s", t);
    cr_assert(strstr(t, "State: unknown: no data this month (fetch failed: file://"), "%s", t);
    cr_assert(strstr(t, "Month to date unknown (no minute has data)"), "%s", t);
    cr_assert(strstr(t, "no data 1277 min"), "%s", t);
    free(t);
    uptime_panel_free(p);
    store_close(s);
    free(cfg.prometheus.url);
}
