/* cli_text: the command line's text output. Every string that came from a user or a file goes
 * through text_sanitize (SPEC §4: the same filter guards the command line), and columns are
 * measured in display cells, not bytes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_internal.h"
#include "slatop/calendar.h"
#include "slatop/clocks_next.h"
#include "slatop/text.h"
#include "slatop/tz.h"

static const char *const WEEKDAYS[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* Appends s sanitised, or "-" when absent. */
static void put(const cli_ctx *c, strbuf *out, const char *s)
{
    if (!s || !*s)
        sb_append_c(out, '-');
    else
        text_sanitize_into(out, s, c->g.ascii);
}

static char *san(const cli_ctx *c, const char *s)
{
    return (!s || !*s) ? xstrdup("-") : text_sanitize(s, c->g.ascii);
}

static void put_time(strbuf *out, st_time t)
{
    char b[32];
    sb_append(out, t == ST_TIME_NONE ? "-" : time_format_iso(t, b));
}

/* The list shows what it sorts by (SPEC §8): the next clock's countdown, "-" with none running. */
static void countdown(const ops_view *v, char buf[24])
{
    if (!v->has_next)
        strcpy(buf, "-");
    else
        duration_format_hms(v->next.remaining_s, buf);
}

/* The next clock's state in a word; a clock paused by status says which status, as the console
 * does. */
static const char *state_word(const ops_view *v)
{
    if (v->has_next && v->next.state == SLA_PAUSED && v->next.paused_by == CLK_PAUSED_PENDING)
        return "pending";
    if (v->has_next && v->next.state == SLA_PAUSED && v->next.paused_by == CLK_PAUSED_ON_HOLD)
        return "on_hold";
    return sla_state_name(ops_view_state(v));
}

enum { COL_LEVEL, COL_ID, COL_CLOCK, COL_DUE, COL_STATE, COL_CUSTOMER, COL_TITLE, COL_ASSIGNEE, N_COLS };
static const char *const HEADERS[N_COLS] = {"LEVEL", "ID",    "CLOCK", "DUE IN",
                                            "STATE", "CUSTOMER", "TITLE", "ASSIGNEE"};
/* Customer and title are cut so a line stays readable; the rest is short by nature. */
static const int MAX_W[N_COLS] = {16, 12, 5, 16, 10, 24, 48, 24};
_Static_assert(sizeof((clitext_cols *)0)->w / sizeof(int) == N_COLS, "clitext_cols holds every column");

void clitext_list_begin(clitext_cols *k)
{
    k->n = 0;
    for (int i = 0; i < N_COLS; i++)
        k->w[i] = text_width(HEADERS[i]);
}

/* The cells of v's row (sanitised; caller frees each). */
static void list_cells(cli_ctx *c, const ops_view *v, char *cells[N_COLS])
{
    char cd[24];
    countdown(v, cd);
    cells[COL_LEVEL] = san(c, v->t.level);
    cells[COL_ID] = xasprintf("%" PRId64, v->t.id);
    cells[COL_CLOCK] = xstrdup(v->has_next ? clocks_metric_abbrev(v->next.metric) : "-");
    cells[COL_DUE] = xstrdup(cd);
    cells[COL_STATE] = xasprintf("%s%s", state_word(v), v->breached_ever ? "!" : "");
    cells[COL_CUSTOMER] = san(c, v->t.customer);
    cells[COL_TITLE] = san(c, v->t.title);
    cells[COL_ASSIGNEE] = san(c, v->t.assignee);
}

void clitext_list_measure(cli_ctx *c, clitext_cols *k, const ops_view *v)
{
    char *cells[N_COLS];
    list_cells(c, v, cells);
    for (int i = 0; i < N_COLS; i++) {
        int cw = text_width(cells[i]);
        if (cw > k->w[i])
            k->w[i] = cw > MAX_W[i] ? MAX_W[i] : cw;
        free(cells[i]);
    }
    k->n++;
}

/* One line of the list: cells fitted to the widths of k. */
static void list_line(cli_ctx *c, strbuf *out, const clitext_cols *k, const char *const cells[N_COLS])
{
    const char *ell = c->g.ascii ? "~" : "\xe2\x80\xa6";
    size_t start = out->len;
    for (int i = 0; i < N_COLS; i++) {
        const char *cell = cells[i];
        bool last = i == N_COLS - 1;
        if (i == COL_ID || i == COL_DUE) {
            /* numbers right-aligned */
            for (int p = text_width(cell); p < k->w[i]; p++)
                sb_append_c(out, ' ');
            sb_append(out, cell);
        } else {
            char *f = text_fit(cell, k->w[i], ell, !last);
            sb_append(out, f);
            free(f);
        }
        if (!last)
            sb_append(out, "  ");
    }
    /* no trailing blanks */
    while (out->len > start && out->buf[out->len - 1] == ' ')
        out->buf[--out->len] = '\0';
    sb_append_c(out, '\n');
}

void clitext_list_header(cli_ctx *c, strbuf *out, const clitext_cols *k)
{
    if (k->n == 0)
        sb_append(out, "no tickets\n");
    else
        list_line(c, out, k, HEADERS);
}

void clitext_list_row(cli_ctx *c, strbuf *out, const clitext_cols *k, const ops_view *v)
{
    char *cells[N_COLS];
    list_cells(c, v, cells);
    list_line(c, out, k, (const char *const *)cells);
    for (int i = 0; i < N_COLS; i++)
        free(cells[i]);
}

/* The zone for absolute times beside the business zone: config display_timezone, else $TZ,
 * else the system zone (/etc/localtime), else UTC. Caller frees with tz_free. */
tz_zone *display_zone(const cli_ctx *c)
{
    tz_zone *z = NULL;
    st_err err;
    const char *name = c->g.config ? c->g.config->display_timezone : NULL;
    if (name && tz_load(name, &z, &err) == ST_OK)
        return z;
    const char *tz = getenv("TZ");
    if (tz && *tz) {
        if (*tz == ':')
            tz++;
        const char *zi = strstr(tz, "zoneinfo/");
        if (zi)
            tz = zi + 9;
        if (tz_load(tz, &z, &err) == ST_OK)
            return z;
    }
    char link[512];
    ssize_t len = readlink("/etc/localtime", link, sizeof link - 1);
    if (len > 0) {
        link[len] = '\0';
        const char *zi = strstr(link, "zoneinfo/");
        if (zi && tz_load(zi + 9, &z, &err) == ST_OK)
            return z;
    }
    if (tz_load("UTC", &z, &err) == ST_OK)
        return z;
    return NULL;
}

static void field(strbuf *out, const char *name)
{
    sb_printf(out, "%-17s", name);
}

static void time_line(strbuf *out, const char *name, st_time t)
{
    field(out, name);
    put_time(out, t);
    sb_append_c(out, '\n');
}

/* "Name:            value" with the value sanitised. */
static void line(const cli_ctx *c, strbuf *out, const char *name, const char *value)
{
    field(out, name);
    put(c, out, value);
    sb_append_c(out, '\n');
}

void clitext_show(cli_ctx *c, strbuf *out, const ops_view *v, const st_audit_entry *h, size_t nh,
                  const sla_segment *segs, size_t nseg)
{
    const st_ticket *t = &v->t;
    char b[64], cd[24];
    sb_printf(out, "Ticket %" PRId64 "\n", t->id);
    line(c, out, "Title:", t->title);
    line(c, out, "Ref:", t->ref);
    line(c, out, "Customer:", t->customer);
    line(c, out, "Channel:", t->channel);
    field(out, "Level:");
    put(c, out, t->level);
    if (v->policy && v->level_index < v->policy->n_levels) {
        const pol_level *L = &v->policy->levels[v->level_index];
        if (L->label) {
            sb_append(out, " (");
            put(c, out, L->label);
            sb_append(out, ")");
        }
        sb_printf(out, ", target %" PRId64 " min %s", L->response_minutes,
                  L->clock == POL_CLOCK_24X7 ? "24x7" : "business hours");
    }
    sb_append(out, "\n");
    field(out, "Status:");
    sb_printf(out, "%s\n", tk_status_name(t->status));
    line(c, out, "Assignee:", t->assignee);
    time_line(out, "Created:", t->created);
    time_line(out, "First response:", t->first_response);
    time_line(out, "Resolved:", t->resolved);
    time_line(out, "Due:", t->due);
    if (t->due != ST_TIME_NONE) {
        const tz_zone *bz = v->policy && v->policy->calendar ? v->policy->calendar->zone : NULL;
        if (bz) {
            field(out, "  business zone:");
            sb_printf(out, "%s (", tz_format(bz, t->due, b, sizeof b));
            put(c, out, tz_name(bz));
            sb_append(out, ")\n");
        }
        tz_zone *dz = display_zone(c);
        if (dz) {
            field(out, "  display zone:");
            sb_printf(out, "%s (", tz_format(dz, t->due, b, sizeof b));
            put(c, out, tz_name(dz));
            sb_append(out, ")\n");
            tz_free(dz);
        }
    }
    field(out, "State:");
    sb_append(out, sla_state_name(v->timer.state));
    if (v->timer.state == SLA_MET || v->timer.state == SLA_MISSED) {
        sb_printf(out, " (first response %s %s the due time)\n",
                  duration_format_hms(v->timer.remaining_s < 0 ? -v->timer.remaining_s : v->timer.remaining_s, cd),
                  v->timer.remaining_s < 0 ? "after" : "before");
    } else {
        countdown(v, cd);
        sb_printf(out, ", %s %s", v->timer.remaining_s < 0 ? "overdue" : "remaining", cd);
        if (v->timer.state == SLA_PAUSED && v->timer.resumes_at != ST_TIME_NONE) {
            sb_append(out, ", paused until ");
            put_time(out, v->timer.resumes_at);
        }
        sb_append(out, "\n");
    }
    field(out, "Breached ever:");
    sb_append(out, v->breached_ever ? "yes\n" : "no\n");
    field(out, "Policy version:");
    sb_printf(out, "%" PRId64 "\n", t->policy_version);
    field(out, "Version:");
    sb_printf(out, "%" PRId64 "\n", t->version);
    sb_append(out, "History:\n");
    for (size_t i = 0; i < nh; i++)
        clitext_audit_line(c, out, &h[i], "  ");
    if (segs) {
        sb_append(out, "Explain (due-time ledger):\n");
        int64_t total = 0;
        for (size_t i = 0; i < nseg; i++) {
            char s1[32], s2[32], d[24];
            total += segs[i].counted_s;
            sb_printf(out, "  %s  %s  %-12s %9s  ", time_format_iso(segs[i].start, s1), time_format_iso(segs[i].end, s2),
                      sla_seg_kind_name(segs[i].kind), duration_format_hms(segs[i].counted_s, d));
            put(c, out, segs[i].rule);
            sb_append_c(out, '\n');
        }
        char d[24];
        sb_printf(out, "  total counted %s\n", duration_format_hms(total, d));
    }
}

void clitext_audit_line(cli_ctx *c, strbuf *out, const st_audit_entry *e, const char *indent)
{
    sb_printf(out, "%s#%" PRId64 "  ", indent, e->seq);
    put_time(out, e->at);
    sb_append(out, "  ");
    put(c, out, e->actor);
    sb_printf(out, "  %s", au_kind_name(e->kind));
    if (e->ticket_id > 0)
        sb_printf(out, "  ticket %" PRId64, e->ticket_id);
    if (e->from_level || e->to_level) {
        sb_append(out, "  ");
        if (e->from_level) {
            put(c, out, e->from_level);
            sb_append(out, " -> ");
        }
        put(c, out, e->to_level);
    }
    if (e->old_due != ST_TIME_NONE || e->new_due != ST_TIME_NONE) {
        sb_append(out, "  due ");
        if (e->old_due != ST_TIME_NONE) {
            put_time(out, e->old_due);
            sb_append(out, " -> ");
        }
        put_time(out, e->new_due);
    }
    if (e->from_status || e->to_status) { /* SPEC §8 */
        sb_append(out, "  status ");
        put(c, out, e->from_status);
        sb_append(out, " -> ");
        put(c, out, e->to_status);
    }
    if (e->message_id > 0) {
        sb_append(out, "  ");
        put(c, out, e->message_kind);
        sb_printf(out, " #%" PRId64, e->message_id);
    }
    if (e->detail && *e->detail) {
        sb_append(out, "  ");
        put(c, out, e->detail);
    }
    if (e->reason && *e->reason) {
        sb_append(out, "  reason: ");
        put(c, out, e->reason);
    }
    sb_append_c(out, '\n');
}

/* One CSV field (RFC 4180): sanitised (so never a line break), quoted when it holds a comma,
 * a quote or leading/trailing blanks. */
static void csv_put(const cli_ctx *c, strbuf *out, const char *s, bool last, bool inert)
{
    if (s) {
        char *v = text_sanitize(s, c->g.ascii);
        if (inert && (strchr("=+-@", v[0]) || s[0] == '\t' || s[0] == '\r') && v[0]) {
            char *q = xasprintf("'%s", v);
            free(v);
            v = q;
        }
        bool quote = strpbrk(v, ",\"") != NULL || v[0] == ' ' || (v[0] && v[strlen(v) - 1] == ' ');
        if (quote) {
            sb_append_c(out, '"');
            for (const char *p = v; *p; p++) {
                if (*p == '"')
                    sb_append_c(out, '"');
                sb_append_c(out, *p);
            }
            sb_append_c(out, '"');
        } else {
            sb_append(out, v);
        }
        free(v);
    }
    sb_append_c(out, last ? '\n' : ',');
}

void csv_field(const cli_ctx *c, strbuf *out, const char *s, bool last)
{
    csv_put(c, out, s, last, false);
}

void csv_field_inert(const cli_ctx *c, strbuf *out, const char *s, bool last)
{
    csv_put(c, out, s, last, true);
}

void csv_time(const cli_ctx *c, strbuf *out, st_time t)
{
    char b[32];
    csv_field(c, out, t == ST_TIME_NONE ? NULL : time_format_iso(t, b), false);
}

void clitext_audit_csv_header(strbuf *out)
{
    /* The columns of the JSON audit entry, in its order (SPEC §8's keys, then §10's host, last). */
    sb_append(out, "seq,at,recorded_at,actor,kind,ticket_id,from_level,to_level,old_due,new_due,reason,detail,"
                   "prev_hash,hash,from_status,to_status,message_id,message_kind,body_sha256,host\n");
}

void clitext_audit_csv_row(cli_ctx *c, strbuf *out, const st_audit_entry *e)
{
    char num[32];
    snprintf(num, sizeof num, "%" PRId64, e->seq);
    csv_field(c, out, num, false);
    csv_time(c, out, e->at);
    csv_time(c, out, e->recorded_at);
    csv_field(c, out, e->actor, false);
    csv_field(c, out, au_kind_name(e->kind), false);
    snprintf(num, sizeof num, "%" PRId64, e->ticket_id);
    csv_field(c, out, e->ticket_id > 0 ? num : NULL, false);
    csv_field(c, out, e->from_level, false);
    csv_field(c, out, e->to_level, false);
    csv_time(c, out, e->old_due);
    csv_time(c, out, e->new_due);
    csv_field(c, out, e->reason, false);
    csv_field(c, out, e->detail, false);
    csv_field(c, out, e->prev_hash, false);
    csv_field(c, out, e->hash, false);
    csv_field(c, out, e->from_status, false);
    csv_field(c, out, e->to_status, false);
    snprintf(num, sizeof num, "%" PRId64, e->message_id);
    csv_field(c, out, e->message_id > 0 ? num : NULL, false);
    csv_field(c, out, e->message_kind, false);
    csv_field(c, out, e->body_sha256, false);
    csv_field(c, out, e->host, true);
}

static void hhmm(strbuf *out, int32_t s)
{
    sb_printf(out, "%02d:%02d", (int)(s / 3600), (int)(s % 3600 / 60));
}

void clitext_policy(cli_ctx *c, strbuf *out, const st_policy *p, int64_t version)
{
    sb_append(out, "Policy:       ");
    put(c, out, p->name);
    sb_printf(out, " (version %" PRId64 ")\n", version);
    if (p->description) {
        sb_append(out, "Description:  ");
        put(c, out, p->description);
        sb_append_c(out, '\n');
    }
    sb_append(out, "Levels (highest first):\n");
    for (size_t i = 0; i < p->n_levels; i++) {
        const pol_level *L = &p->levels[i];
        sb_append(out, "  ");
        char *id = san(c, L->id);
        char *f = text_fit(id, 10, NULL, true);
        sb_append(out, f);
        free(f);
        free(id);
        sb_printf(out, "  %6" PRId64 " min  %-8s  ", L->response_minutes, L->clock == POL_CLOCK_24X7 ? "24x7" : "business");
        put(c, out, L->label);
        sb_append_c(out, '\n');
    }
    sb_printf(out, "Warn at:      %.0f%% of the target left\n", p->warn_fraction * 100.0);
    sb_printf(out, "Re-prioritize: new target measured from the %s\n",
              p->reprioritize_from == POL_REPRIO_CREATED ? "ticket's creation" : "change");
    if (p->calendar) {
        sb_append(out, "Calendar:     ");
        put(c, out, p->zone_name ? p->zone_name : tz_name(p->calendar->zone));
        sb_append_c(out, '\n');
        for (int d = 0; d < 7; d++) {
            sb_printf(out, "  %s  ", WEEKDAYS[d]);
            if (p->calendar->n_week[d] == 0)
                sb_append(out, "closed");
            for (size_t k = 0; k < p->calendar->n_week[d]; k++) {
                if (k)
                    sb_append(out, ", ");
                hhmm(out, p->calendar->week[d][k].start);
                sb_append_c(out, '-');
                hhmm(out, p->calendar->week[d][k].end);
            }
            sb_append_c(out, '\n');
        }
        sb_append(out, "Holidays:     ");
        if (p->calendar->n_holidays == 0)
            sb_append(out, "none");
        for (size_t k = 0; k < p->calendar->n_holidays; k++) {
            int64_t y;
            unsigned m, dd;
            civil_from_days(p->calendar->holidays[k], &y, &m, &dd);
            sb_printf(out, "%s%04" PRId64 "-%02u-%02u", k ? ", " : "", y, m, dd);
        }
        sb_append_c(out, '\n');
    } else {
        sb_append(out, "Calendar:     none (every level runs 24x7)\n");
    }
    sb_append(out, "Channels:     ");
    if (p->n_channels == 0)
        sb_append(out, "none (new tickets default to the lowest level)");
    for (size_t k = 0; k < p->n_channels; k++) {
        if (k)
            sb_append(out, ", ");
        put(c, out, p->channels[k].channel);
        sb_append(out, " -> ");
        put(c, out, p->channels[k].level);
    }
    sb_append_c(out, '\n');
    sb_append(out, "Uptime:       ");
    if (p->uptime.has_target)
        sb_printf(out, "target %.4g%%, downtime above %.4g%% errors, maintenance notice %d days, %zu window%s\n",
                  p->uptime.target_percent, p->uptime.error_rate_threshold * 100.0, p->uptime.notice_days,
                  p->uptime.n_maintenance, p->uptime.n_maintenance == 1 ? "" : "s");
    else
        sb_append(out, "no target\n");
}
