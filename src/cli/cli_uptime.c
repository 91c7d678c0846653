/* cli_uptime: `slatop uptime [--month YYYY-MM] [--json]` (SPEC §7). The month's figures come from
 * uptime_month (fetched from the configured monitoring source, a past month cached complete not
 * fetched again, what was fetched cached); this file prints them and their warnings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_internal.h"
#include "slatop/cli.h"
#include "slatop/fetcher.h"
#include "slatop/store.h"
#include "slatop/jsonout.h"
#include "slatop/text.h"
#include "slatop/ops.h"
#include "slatop/query.h"
#include "slatop/uptime.h"
#include "slatop/uptime_month.h"

static int fail(const cli_globals *g, const st_err *err)
{
    char *msg = text_sanitize(err->msg, g->ascii);
    fprintf(stderr, "slatop: uptime: %s\n", msg);
    free(msg);
    return st_exit_status(err->code);
}

static void json_num(strbuf *sb, double v)
{
    if (isfinite(v))
        sb_printf(sb, "%.17g", v);
    else
        sb_append(sb, "null"); /* JSON has no Inf/NaN */
}

static void print_json(strbuf *sb, const char *month, const uptime_report *r, const uptime_window *w,
                       const char *source, st_time fetched_at)
{
    sb_append(sb, "{\"month\":");
    json_append_string(sb, month);
    sb_printf(
        sb, ",\"minutes\":%lld,\"downtime_minutes\":%lld,\"excluded_minutes\":%lld,\"no_data_minutes\":%lld",
        (long long)r->minutes, (long long)r->downtime_minutes, (long long)r->excluded_minutes,
        (long long)r->no_data_minutes);
    sb_append(sb, ",\"uptime_percent\":");
    json_num(sb, r->uptime_percent);
    sb_append(sb, ",\"target_percent\":");
    json_num(sb, r->has_target ? r->target_percent : NAN);
    sb_append(sb, ",\"budget_minutes\":"); /* rounded by the engine: shortest form, 4.32 */
    json_append_number(sb, r->has_target ? r->budget_minutes : NAN);
    sb_append(sb, ",\"budget_left_minutes\":");
    json_append_number(sb, r->has_target ? r->budget_left_minutes : NAN);
    sb_append(sb, ",\"burn_rate_1h\":");
    json_num(sb, r->has_target ? r->burn_rate_1h : NAN);
    sb_append(sb, ",\"burn_rate_6h\":");
    json_num(sb, r->has_target ? r->burn_rate_6h : NAN);
    sb_append(sb, ",\"projected_uptime_percent\":");
    json_num(sb, r->projected_uptime_percent);
    sb_printf(sb, ",\"complete\":%s,\"periods\":[", r->complete ? "true" : "false");
    for (size_t i = 0; i < r->n_periods; i++) {
        const uptime_period *p = &r->periods[i];
        sb_append(sb, i ? ",{\"start\":" : "{\"start\":");
        jsonout_time(sb, p->start);
        sb_append(sb, ",\"end\":");
        jsonout_time(sb, p->end);
        sb_printf(sb, ",\"minutes\":%lld,\"peak_error_rate\":", (long long)p->minutes);
        json_num(sb, p->peak_error_rate);
        sb_append_c(sb, '}');
    }
    sb_append(sb, "],\"maintenance\":[");
    for (size_t i = 0; i < r->n_maintenance; i++) {
        const uptime_maint *m = &r->maintenance[i];
        const uptime_window *x = &w[m->window];
        sb_append(sb, i ? ",{\"id\":" : "{\"id\":");
        json_append_string(sb, x->id);
        sb_append(sb, ",\"name\":");
        json_append_string(sb, x->name);
        sb_append(sb, ",\"start\":");
        jsonout_time(sb, x->start);
        sb_append(sb, ",\"end\":");
        jsonout_time(sb, x->end);
        sb_append(sb, ",\"announced\":");
        jsonout_time(sb, x->announced);
        sb_append(sb, ",\"notice_days\":");
        json_num(sb, m->has_notice ? m->notice_days : NAN);
        sb_printf(sb, ",\"excluded\":%s}", m->excluded ? "true" : "false");
    }
    sb_append(sb, "],\"source\":");
    json_append_string(sb, source);
    sb_append(sb, ",\"fetched_at\":");
    jsonout_time(sb, fetched_at);
    sb_append(sb, "}\n");
}

static void print_text(strbuf *sb, const char *month, const uptime_report *r, bool partial,
                       const uptime_window *w, const char *source, st_time fetched_at, bool ascii)
{
    char a[21], b[21];
    bool running = r->elapsed_minutes < r->minutes;
    sb_printf(sb, "Uptime %s%s%s\n", month, running ? " (month to date)" : "",
              r->complete ? "" : "  [incomplete]");
    if (r->data_minutes == 0) /* minutes without data are not "up" */
        sb_printf(sb, "  uptime        unknown: no minute has data (%lld minutes without data)",
                  (long long)r->no_data_minutes);
    else
        sb_printf(sb, "  uptime        %.3f%%", r->uptime_percent);
    if (running && r->data_minutes > 0)
        sb_printf(sb, " of the month (month to date %.3f%%)", r->mtd_uptime_percent);
    if (r->has_target)
        sb_printf(sb, " (target %.3f%%)", r->target_percent);
    sb_append(sb, "\n");
    sb_printf(sb, "  minutes       %lld in month, %lld elapsed\n", (long long)r->minutes,
              (long long)r->elapsed_minutes);
    sb_printf(sb, "  downtime      %lld min   excluded by maintenance %lld min   no data %lld min\n",
              (long long)r->downtime_minutes, (long long)r->excluded_minutes, (long long)r->no_data_minutes);
    if (r->has_target) {
        sb_printf(sb, "  budget        %.3f min, spent %lld, left %.3f\n", r->budget_minutes,
                  (long long)r->downtime_minutes, r->budget_left_minutes);
        sb_printf(sb, "  burn rate     1h %.3fx   6h %.3fx\n", r->burn_rate_1h, r->burn_rate_6h);
    }
    if (r->data_minutes > 0)
        sb_printf(sb, "  projected     %.3f%% at month end\n", r->projected_uptime_percent);
    if (r->no_data_minutes > 0)
        sb_printf(sb,
                  "  note          %lld minutes without data: not counted as downtime, result incomplete\n",
                  (long long)r->no_data_minutes);
    if (partial)
        sb_append(sb, "  note          partial: the monitoring API answered with warnings\n");
    if (running && !r->state_known)
        sb_printf(sb, "  state         unknown: no data %s%s\n",
                  r->last_data_end == ST_TIME_NONE ? "this month" : "since ",
                  r->last_data_end == ST_TIME_NONE ? "" : time_format_iso(r->last_data_end, a));
    else if (r->down_now)
        sb_printf(sb, "  state         DOWN since %s\n", time_format_iso(r->down_since, a));
    sb_printf(sb, "Downtime periods: %zu\n", r->n_periods);
    for (size_t i = 0; i < r->n_periods; i++) {
        const uptime_period *p = &r->periods[i];
        sb_printf(sb, "  %s - %s  %4lld min  peak ", time_format_iso(p->start, a), time_format_iso(p->end, b),
                  (long long)p->minutes);
        if (isfinite(p->peak_error_rate))
            sb_printf(sb, "%.3f%%", p->peak_error_rate * 100.0);
        else
            sb_append(sb, "errors only");
        if (p->no_data_before || p->no_data_after)
            sb_append(sb, "  (no data next to it: possible downtime)");
        sb_append(sb, "\n");
    }
    sb_printf(sb, "Maintenance windows: %zu\n", r->n_maintenance);
    for (size_t i = 0; i < r->n_maintenance; i++) {
        const uptime_maint *m = &r->maintenance[i];
        const uptime_window *x = &w[m->window];
        sb_append(sb, "  ");
        text_sanitize_into(sb, x->id ? x->id : "", ascii);
        sb_append(sb, "  ");
        text_sanitize_into(sb, x->name ? x->name : "", ascii);
        sb_printf(sb, "  %s - %s", time_format_iso(x->start, a), time_format_iso(x->end, b));
        if (m->has_notice)
            sb_printf(sb, "  notice %.3f days", m->notice_days);
        else
            sb_append(sb, "  announcement unknown");
        if (m->excluded)
            sb_printf(sb, "  excluded (%lld min)\n", (long long)m->excluded_minutes);
        else
            sb_append(sb, "  NOT excluded (announced too late): downtime counts\n");
    }
    sb_append(sb, "Source: ");
    text_sanitize_into(sb, source, ascii);
    sb_printf(sb, "  fetched %s  (per-minute estimate from counters)\n", time_format_iso(fetched_at, a));
}

st_code cli_uptime_month(const cli_globals *g, const char *month, st_time ms, st_time me, bool json, strbuf *out,
                         st_err *err)
{
    uptime_month m;
    st_code rc = uptime_month_get(g->db_path, g->read_only, g->config, &g->clock, month, ms, me, &m, err);
    if (rc != ST_OK)
        return rc;
    if (m.status_page_warning.code != ST_OK) {
        char *w = text_sanitize(m.status_page_warning.msg, g->ascii);
        fprintf(stderr, "slatop: uptime: warning: status page: %s (using cached windows)\n", w);
        free(w);
    }
    if (m.cache_warning.code != ST_OK) {
        char *w = text_sanitize(m.cache_warning.msg, g->ascii);
        fprintf(stderr, "slatop: uptime: warning: not cached: %s\n", w);
        free(w);
    }
    if (json)
        print_json(out, month, &m.u.report, m.u.windows, m.source, m.fetched_at);
    else
        print_text(out, month, &m.u.report, m.partial, m.u.windows, m.source, m.fetched_at, g->ascii);
    uptime_month_done(&m);
    return ST_OK;
}

int cmd_uptime(cli_ctx *c, const cmd_args *a)
{
    const cli_globals *g = &c->g;
    const char *month_arg = cli_opt(a, "month");
    bool json = cli_flag(a, "json");
    st_err err;
    st_err_clear(&err);
    st_time now = clock_now(&g->clock);
    char month[8];
    st_time ms, me;
    if (month_arg) {
        if (!uptime_month_parse(month_arg, &ms, &me)) {
            st_fail(&err, ST_USAGE, "--month %.20s: expected YYYY-MM", month_arg);
            return fail(g, &err);
        }
        memcpy(month, month_arg, 8);
    } else {
        uptime_month_of(now, month, &ms, &me);
    }
    strbuf out;
    sb_init(&out);
    if (cli_uptime_month(g, month, ms, me, json, &out, &err) != ST_OK) {
        sb_done(&out);
        return fail(g, &err);
    }
    fwrite(out.buf, 1, out.len, stdout);
    fflush(stdout);
    sb_done(&out);
    return 0;
}
