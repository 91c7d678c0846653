/* cli_report: `slatop report [--month YYYY-MM] [--json | --csv]` (SPEC §9): the month's SLA
 * compliance per metric and level, every breach with the level changes and pauses that shaped it,
 * the month's uptime beside it, anchored to the audit log's head. The figures come from
 * report_query (the audit log replayed as of the period's end); this file only renders them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_internal.h"
#include "slatop/jsonout.h"
#include "slatop/report_query.h"
#include "slatop/store.h"
#include "slatop/text.h"
#include "slatop/uptime.h"

static const char *clock_name(pol_clock c)
{
    return c == POL_CLOCK_24X7 ? "24x7" : "business";
}

/* ---- JSON ---- */

static void json_percent(strbuf *sb, bool has, double v)
{
    if (has)
        json_append_number(sb, v);
    else
        sb_append(sb, "null");
}

static void json_counts(strbuf *sb, int64_t met, int64_t missed, int64_t open, bool has, double pct)
{
    sb_printf(sb,
              "\"met\":%" PRId64 ",\"missed\":%" PRId64 ",\"breached_open\":%" PRId64
              ",\"compliance_percent\":",
              met, missed, open);
    json_percent(sb, has, pct);
}

static void json_breach(strbuf *sb, const rpt_breach *b)
{
    sb_printf(sb, "{\"ticket_id\":%" PRId64 ",\"title\":", b->ticket_id);
    json_append_string(sb, b->title);
    sb_append(sb, ",\"customer\":");
    json_append_string(sb, b->customer);
    sb_printf(sb, ",\"metric\":\"%s\",\"cycle\":%d,\"level\":", policy_metric_name(b->metric), b->cycle);
    json_append_string(sb, b->level);
    sb_append(sb, ",\"due\":");
    jsonout_time(sb, b->due);
    sb_append(sb, ",\"stopped\":");
    jsonout_time(sb, b->stopped);
    sb_printf(sb, ",\"over_s\":%" PRId64 ",\"level_changes\":[", b->over_s);
    for (size_t i = 0; i < b->n_changes; i++) {
        const rpt_level_change *c = &b->changes[i];
        sb_append(sb, i ? ",{\"at\":" : "{\"at\":");
        jsonout_time(sb, c->at);
        sb_append(sb, ",\"actor\":");
        json_append_string(sb, c->actor);
        sb_append(sb, ",\"from_level\":");
        json_append_string(sb, c->from_level);
        sb_append(sb, ",\"to_level\":");
        json_append_string(sb, c->to_level);
        sb_append(sb, ",\"reason\":");
        json_append_string(sb, c->reason);
        sb_append_c(sb, '}');
    }
    sb_append(sb, "],\"pauses\":[");
    for (size_t i = 0; i < b->n_pauses; i++) {
        const rpt_pause *p = &b->pauses[i];
        sb_append(sb, i ? ",{\"from\":" : "{\"from\":");
        jsonout_time(sb, p->from);
        sb_append(sb, ",\"to\":");
        jsonout_time(sb, p->to);
        sb_printf(sb, ",\"status\":\"%s\",\"actor\":", policy_status_name(p->status));
        json_append_string(sb, p->actor);
        sb_append(sb, ",\"reason\":");
        json_append_string(sb, p->reason);
        sb_append_c(sb, '}');
    }
    sb_append(sb, "]}");
}

/* Written to stdout as it is made, 64 KiB at a time (a month of 1,000,000 tickets makes tens of
 * megabytes); the report is computed whole before the first byte. */
static st_code print_json(strbuf *sb, const char *month, const rpt_report *r, st_time generated,
                          const strbuf *uptime, const st_err *uerr, int64_t head_seq, const char *head_hash,
                          st_err *err)
{
    sb_append(sb, "{\"month\":");
    json_append_string(sb, month);
    sb_append(sb, ",\"from\":");
    jsonout_time(sb, r->from);
    sb_append(sb, ",\"to\":");
    jsonout_time(sb, r->to);
    sb_append(sb, ",\"generated_at\":");
    jsonout_time(sb, generated);
    sb_append(sb, ",\"policy_versions\":[");
    for (size_t i = 0; i < r->n_versions; i++)
        sb_printf(sb, "%s%" PRId64, i ? "," : "", r->policy_versions[i]);
    sb_append(sb, "],\"rows\":[");
    for (size_t i = 0; i < r->n_rows; i++) {
        const rpt_row *w = &r->rows[i];
        sb_printf(sb, "%s{\"metric\":\"%s\",\"level\":", i ? "," : "", policy_metric_name(w->metric));
        json_append_string(sb, w->level);
        sb_printf(sb, ",\"target_s\":%" PRId64 ",\"clock\":\"%s\",", w->target_s, clock_name(w->clock));
        json_counts(sb, w->met, w->missed, w->breached_open, w->has_percent, w->compliance_percent);
        if (w->has_times)
            sb_printf(sb, ",\"median_s\":%" PRId64 ",\"p90_s\":%" PRId64 ",\"max_s\":%" PRId64 "}",
                      w->median_s, w->p90_s, w->max_s);
        else
            sb_append(sb, ",\"median_s\":null,\"p90_s\":null,\"max_s\":null}");
    }
    sb_append(sb, "],\"totals\":{");
    for (int m = 0; m < POL_METRIC_COUNT; m++) {
        const rpt_total *t = &r->totals[m];
        sb_printf(sb, "%s\"%s\":{", m ? "," : "", policy_metric_name((pol_metric)m));
        json_counts(sb, t->met, t->missed, t->breached_open, t->has_percent, t->compliance_percent);
        sb_append_c(sb, '}');
    }
    sb_append(sb, "},\"breaches\":[");
    for (size_t i = 0; i < r->n_breaches; i++) {
        if (i)
            sb_append_c(sb, ',');
        json_breach(sb, &r->breaches[i]);
        st_code rc = cli_stream_flush(sb, false, err);
        if (rc != ST_OK)
            return rc;
    }
    sb_append(sb, "],\"uptime\":");
    if (uerr->code == ST_OK) {
        /* The object `uptime --month M --json` prints, without its line end. */
        size_t n = uptime->len;
        while (n && (uptime->buf[n - 1] == '\n'))
            n--;
        sb_append_n(sb, uptime->buf, n);
        sb_append(sb, ",\"uptime_error\":null");
    } else {
        sb_append(sb, "null,\"uptime_error\":");
        json_append_string(sb, uerr->msg);
    }
    sb_printf(sb, ",\"audit_head\":{\"seq\":%" PRId64 ",\"hash\":\"%s\"}}\n", head_seq, head_hash);
    return cli_stream_flush(sb, true, err);
}

/* ---- CSV: the breaches, one row each, written as computed ---- */

/* A level change or pause list in one field: "AT ACTOR FROM->TO: REASON; ..." */
static void csv_changes(const cli_ctx *c, strbuf *out, const rpt_breach *b)
{
    strbuf f;
    sb_init(&f);
    char t[21];
    for (size_t i = 0; i < b->n_changes; i++) {
        const rpt_level_change *x = &b->changes[i];
        sb_printf(&f, "%s%s %s %s->%s: %s", i ? "; " : "", time_format_iso(x->at, t),
                  x->actor ? x->actor : "-", x->from_level ? x->from_level : "-",
                  x->to_level ? x->to_level : "-", x->reason ? x->reason : "-");
    }
    csv_field_inert(c, out, f.len ? f.buf : NULL, false);
    sb_done(&f);
}

static void csv_pauses(const cli_ctx *c, strbuf *out, const rpt_breach *b)
{
    strbuf f;
    sb_init(&f);
    char t1[21], t2[21];
    for (size_t i = 0; i < b->n_pauses; i++) {
        const rpt_pause *x = &b->pauses[i];
        sb_printf(&f, "%s%s %s..%s %s: %s", i ? "; " : "", policy_status_name(x->status),
                  time_format_iso(x->from, t1), x->to == ST_TIME_NONE ? "" : time_format_iso(x->to, t2),
                  x->actor ? x->actor : "-", x->reason ? x->reason : "-");
    }
    csv_field_inert(c, out, f.len ? f.buf : NULL, true);
    sb_done(&f);
}

typedef struct {
    const cli_ctx *c;
    strbuf *out;
} csv_sink;

/* One breach's row, flushed to stdout once 64 KiB are buffered. */
static st_code csv_row(void *ctx, const rpt_breach *b, st_err *err)
{
    const csv_sink *k = ctx;
    const cli_ctx *c = k->c;
    strbuf *out = k->out;
    char num[32];
    snprintf(num, sizeof num, "%" PRId64, b->ticket_id);
    csv_field(c, out, num, false);
    csv_field_inert(c, out, b->title, false);
    csv_field_inert(c, out, b->customer, false);
    csv_field(c, out, policy_metric_name(b->metric), false);
    snprintf(num, sizeof num, "%d", b->cycle);
    csv_field(c, out, num, false);
    csv_field_inert(c, out, b->level, false);
    csv_time(c, out, b->due);
    csv_time(c, out, b->stopped);
    snprintf(num, sizeof num, "%" PRId64, b->over_s);
    csv_field(c, out, num, false);
    csv_changes(c, out, b);
    csv_pauses(c, out, b);
    return cli_stream_flush(out, false, err);
}

/* The whole CSV, streamed: the report's breaches are written as each ticket is replayed, never
 * held (SPEC §11: `report --csv` streams in constant memory). */
static int print_csv(cli_ctx *c, st_time from, st_time to)
{
    strbuf out;
    sb_init(&out);
    sb_append(&out, "ticket_id,title,customer,metric,cycle,level,due,stopped,over_s,level_changes,pauses\n");
    csv_sink k = {c, &out};
    st_err err;
    st_err_clear(&err);
    st_code rc = report_query_breaches(c->ops, from, to, csv_row, &k, &err);
    if (rc == ST_OK)
        rc = cli_stream_flush(&out, true, &err);
    sb_done(&out);
    return rc == ST_OK ? 0 : cli_fail(c, &err);
}

/* ---- text ---- */

/* Untrusted s sanitised ("-" when empty), fitted to cols columns when cols > 0. */
static void put_s(const cli_ctx *c, strbuf *out, const char *s, int cols)
{
    char *v = text_sanitize(s && *s ? s : "-", c->g.ascii);
    if (cols > 0) { /* a column: cut and padded to its width */
        char *f = text_fit(v, cols, c->g.ascii ? "~" : "\xe2\x80\xa6", true);
        sb_append(out, f);
        free(f);
    } else {
        sb_append(out, v);
    }
    free(v);
}

static void put_dur(strbuf *out, bool has, int64_t s)
{
    char b[24];
    sb_printf(out, " %10s", has ? duration_format_hms(s, b) : "-");
}

static void put_pct(strbuf *out, bool has, double v)
{
    if (has)
        sb_printf(out, " %10.2f%%", v);
    else
        sb_printf(out, " %11s", "-");
}

static void text_breach(const cli_ctx *c, strbuf *out, const rpt_breach *b)
{
    char t[21], d[24];
    sb_printf(out, "  #%-6" PRId64 " %-14s %d  ", b->ticket_id, policy_metric_name(b->metric), b->cycle);
    put_s(c, out, b->level, 8);
    sb_printf(out, "  due %s", b->due == ST_TIME_NONE ? "-" : time_format_iso(b->due, t));
    if (b->stopped == ST_TIME_NONE)
        sb_printf(out, "  open at the end, over %s\n", duration_format_hms(b->over_s, d));
    else
        sb_printf(out, "  stopped %s, over %s\n", time_format_iso(b->stopped, t),
                  duration_format_hms(b->over_s, d));
    sb_append(out, "          ");
    put_s(c, out, b->title, 48);
    sb_append(out, "  ");
    put_s(c, out, b->customer, 24);
    sb_append_c(out, '\n');
    for (size_t i = 0; i < b->n_changes; i++) {
        const rpt_level_change *x = &b->changes[i];
        sb_printf(out, "          level %s ", time_format_iso(x->at, t));
        put_s(c, out, x->from_level, 0);
        sb_append(out, " -> ");
        put_s(c, out, x->to_level, 0);
        sb_append(out, " by ");
        put_s(c, out, x->actor, 0);
        sb_append(out, ": ");
        put_s(c, out, x->reason, 0);
        sb_append_c(out, '\n');
    }
    for (size_t i = 0; i < b->n_pauses; i++) {
        const rpt_pause *x = &b->pauses[i];
        sb_printf(out, "          %s %s to %s by ", policy_status_name(x->status),
                  time_format_iso(x->from, t), x->to == ST_TIME_NONE ? "the end" : time_format_iso(x->to, d));
        put_s(c, out, x->actor, 0);
        sb_append(out, ": ");
        put_s(c, out, x->reason, 0);
        sb_append_c(out, '\n');
    }
}

/* Streamed as print_json. */
static st_code print_text(const cli_ctx *c, strbuf *out, const char *month, const rpt_report *r,
                          const strbuf *uptime, const st_err *uerr, int64_t head_seq, const char *head_hash,
                          st_err *err)
{
    char a[21], b[21];
    sb_printf(out, "SLA compliance %s (%s to %s), policy versions", month, time_format_iso(r->from, a),
              time_format_iso(r->to, b));
    for (size_t i = 0; i < r->n_versions; i++)
        sb_printf(out, " %" PRId64, r->policy_versions[i]);
    if (!r->n_versions)
        sb_append(out, " -");
    sb_append(out, "\n\n");
    sb_printf(out, "%-14s %-8s %10s %-8s %6s %6s %6s %11s %10s %10s %10s\n", "METRIC", "LEVEL", "TARGET",
              "CLOCK", "MET", "MISSED", "OPEN", "COMPLIANCE", "MEDIAN", "P90", "MAX");
    for (size_t i = 0; i < r->n_rows; i++) {
        const rpt_row *w = &r->rows[i];
        sb_printf(out, "%-14s ", policy_metric_name(w->metric));
        put_s(c, out, w->level, 8);
        put_dur(out, true, w->target_s);
        sb_printf(out, " %-8s %6" PRId64 " %6" PRId64 " %6" PRId64, clock_name(w->clock), w->met, w->missed,
                  w->breached_open);
        put_pct(out, w->has_percent, w->compliance_percent);
        put_dur(out, w->has_times, w->median_s);
        put_dur(out, w->has_times, w->p90_s);
        put_dur(out, w->has_times, w->max_s);
        sb_append_c(out, '\n');
    }
    for (int m = 0; m < POL_METRIC_COUNT; m++) {
        const rpt_total *t = &r->totals[m];
        sb_printf(out, "%-14s %-8s %10s %-8s %6" PRId64 " %6" PRId64 " %6" PRId64,
                  policy_metric_name((pol_metric)m), "all", "", "", t->met, t->missed, t->breached_open);
        put_pct(out, t->has_percent, t->compliance_percent);
        sb_append_c(out, '\n');
    }
    sb_printf(out, "\nBreaches: %zu\n", r->n_breaches);
    for (size_t i = 0; i < r->n_breaches; i++) {
        text_breach(c, out, &r->breaches[i]);
        st_code rc = cli_stream_flush(out, false, err);
        if (rc != ST_OK)
            return rc;
    }
    sb_append(out, "\nUptime:\n");
    if (uerr->code == ST_OK) {
        sb_append_n(out, uptime->buf, uptime->len);
    } else {
        sb_append(out, "  not available: ");
        put_s(c, out, uerr->msg, 0);
        sb_append_c(out, '\n');
    }
    sb_printf(out, "\nAudit head: %" PRId64 ":%s\n", head_seq, head_hash);
    return cli_stream_flush(out, true, err);
}

int cmd_report(cli_ctx *c, const cmd_args *a)
{
    const char *month_arg = cli_opt(a, "month");
    bool json = cli_flag(a, "json"), csv = cli_flag(a, "csv");
    if (json && csv)
        return cli_usage_fail(c, "report: give --json or --csv, not both");
    st_time now = clock_now(&c->g.clock);
    char month[8];
    st_time ms, me;
    if (month_arg) {
        if (!uptime_month_parse(month_arg, &ms, &me))
            return cli_usage_fail(c, "--month %.20s: expected YYYY-MM", month_arg);
        memcpy(month, month_arg, 8);
    } else {
        uptime_month_of(now, month, &ms, &me);
    }
    st_err err;
    st_err_clear(&err);
    if (ms > now) {
        st_fail(&err, ST_INVALID, "--month %s: the month has not started yet", month);
        return cli_fail(c, &err);
    }
    int rc = cli_open_db(c, false);
    if (rc != 0)
        return rc;
    /* The period ends at the month's end, or now for the current month. */
    st_time to = me < now ? me : now;
    if (csv) /* the breaches alone: no uptime, no head */
        return print_csv(c, ms, to);
    int64_t head_seq = 0;
    char head_hash[65];
    /* The head first: every entry the report reads is at or before it. */
    if (store_audit_head(c->store, &head_seq, head_hash, &err) != ST_OK)
        return cli_fail(c, &err);
    rpt_report r;
    if (report_query_period(c->ops, ms, to, &r, &err) != ST_OK)
        return cli_fail(c, &err);
    strbuf out, up;
    sb_init(&out);
    sb_init(&up);
    st_err uerr;
    st_err_clear(&uerr);
    cli_uptime_month(&c->g, month, ms, me, json, &up, &uerr);
    st_code wrc = json ? print_json(&out, month, &r, now, &up, &uerr, head_seq, head_hash, &err)
                       : print_text(c, &out, month, &r, &up, &uerr, head_seq, head_hash, &err);
    sb_done(&up);
    sb_done(&out);
    report_done(&r);
    return wrc == ST_OK ? 0 : cli_fail(c, &err);
}
