/* demo_uptime: synthetic monitoring data for --demo (see demo_uptime.h). */
#include "slatop/demo_uptime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "slatop/prometheus.h"
#include "slatop/uptime.h"

/* The ratio of minute i of a month, or a negative value for "no point". Deterministic: a few
 * incidents at fixed offsets, light noise, a quiet minute (NaN) and a scrape gap. */
static double demo_ratio(st_time month_start, int64_t i, st_time now, bool *nan)
{
    *nan = false;
    uint64_t h = (uint64_t)(month_start / 60 + i) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    double noise = (double)(h % 1000) / 100000.0; /* 0 .. 1% */
    int64_t day = i / 1440, mod = i % 1440;
    if (day == 2 && mod >= 600 && mod < 623)
        return 0.4 + noise; /* a 23-minute outage */
    if (day == 5 && (mod == 840 || mod == 841 || mod == 843))
        return 0.08; /* two short periods split by one clean minute */
    if (day == 8 && mod >= 120 && mod < 150)
        return 0.9; /* inside the announced maintenance window (excluded) */
    if (day == 11 && mod >= 300 && mod < 306)
        return 0.3; /* inside a window announced too late (counted) */
    if (day == 3 && mod >= 200 && mod < 204)
        return -1; /* scrape gap: no data */
    if (day == 4 && mod == 30) {
        *nan = true; /* no valid requests at all */
        return 0;
    }
    /* A recent blip so the burn rates and "down since" show something: 40-35 minutes before now. */
    st_time m = month_start + 60 * i;
    if (m >= now / 60 * 60 - 40 * 60 && m < now / 60 * 60 - 35 * 60)
        return 0.25;
    return noise;
}

static st_code write_text(const char *path, const char *text, size_t len, st_err *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return st_fail(err, ST_IO, "%s: %s", path, strerror(errno));
    bool ok = fwrite(text, 1, len, f) == len;
    if (fclose(f) != 0)
        ok = false;
    return ok ? ST_OK : st_fail(err, ST_IO, "%s: write failed", path);
}

static st_code write_month(const char *dir, st_time month_start, st_time month_end, st_time now, st_err *err)
{
    char name[8];
    st_time ms, me;
    uptime_month_of(month_start, name, &ms, &me);
    st_time end = now / 60 * 60 < month_end ? now / 60 * 60 : month_end;
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
                   "\"values\":[");
    bool first = true;
    for (int64_t i = 0; month_start + 60 * i < end; i++) {
        bool nan;
        double r = demo_ratio(month_start, i, now, &nan);
        if (!nan && r < 0)
            continue;
        if (!first)
            sb_append_c(&sb, ',');
        first = false;
        /* The point at T describes [T-60, T). */
        if (nan)
            sb_printf(&sb, "[%lld,\"NaN\"]", (long long)(month_start + 60 * i + 60));
        else
            sb_printf(&sb, "[%lld,\"%.6f\"]", (long long)(month_start + 60 * i + 60), r);
    }
    sb_append(&sb, "]}]}}\n");
    char *path = xasprintf("%s/%s.json", dir, name);
    st_code rc = write_text(path, sb.buf, sb.len, err);
    free(path);
    sb_done(&sb);
    return rc;
}

void demo_uptime_config_done(cfg_prometheus *p)
{
    free(p->url);
    free(p->query);
    memset(p, 0, sizeof *p);
}

st_code demo_uptime_write(const char *dir, st_time now, cfg_prometheus *out, char **statuspage_url,
                          st_err *err)
{
    memset(out, 0, sizeof *out);
    *statuspage_url = NULL;
    if (dir[0] != '/')
        return st_fail(err, ST_IO, "%s: the demo's monitoring directory must be an absolute path", dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return st_fail(err, ST_IO, "%s: %s", dir, strerror(errno));
    char month[8];
    st_time ms, me, pms, pme;
    uptime_month_of(now, month, &ms, &me);
    uptime_month_of(ms - 1, month, &pms, &pme);
    st_code rc = write_month(dir, ms, me, now, err);
    if (rc == ST_OK)
        rc = write_month(dir, pms, pme, now, err);
    if (rc)
        return rc;
    /* Maintenance in the current month: day 8 02:00-02:45 announced 10 days ahead; day 11
     * 05:00-06:00 announced 2 days ahead. */
    char a[21], b[21], c[21], d[21], e[21], f[21];
    st_time w1 = ms + 8 * 86400 + 2 * 3600, w2 = ms + 11 * 86400 + 5 * 3600;
    char *json = xasprintf("{\"page\":{\"id\":\"demo\",\"name\":\"slatop demo\"},\"scheduled_maintenances\":["
                           "{\"id\":\"demo-db-upgrade\",\"name\":\"Database "
                           "upgrade\",\"status\":\"scheduled\",\"impact\":\"maintenance\","
                           "\"created_at\":\"%s\",\"scheduled_for\":\"%s\",\"scheduled_until\":\"%s\"},"
                           "{\"id\":\"demo-hotfix\",\"name\":\"Emergency "
                           "hotfix\",\"status\":\"scheduled\",\"impact\":\"maintenance\","
                           "\"created_at\":\"%s\",\"scheduled_for\":\"%s\",\"scheduled_until\":\"%s\"}]}\n",
                           time_format_iso(w1 - 10 * 86400, a), time_format_iso(w1, b),
                           time_format_iso(w1 + 45 * 60, c), time_format_iso(w2 - 2 * 86400, d),
                           time_format_iso(w2, e), time_format_iso(w2 + 3600, f));
    char *sp_path = xasprintf("%s/maintenance.json", dir);
    rc = write_text(sp_path, json, strlen(json), err);
    free(json);
    if (rc == ST_OK) {
        out->url = xasprintf("file://%s", dir);
        out->query = xstrdup(PROM_DEFAULT_QUERY);
        out->timeout_s = 5;
        out->poll_s = 60;
        *statuspage_url = xasprintf("file://%s", sp_path);
    }
    free(sp_path);
    return rc;
}
