/* jsonout: the command line's JSON objects (SPEC §3). Strings only through json_append_string:
 * cJSON's printer passes DEL, C1 and bidi controls through raw, which a terminal would obey. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/jsonout.h"
#include "slatop/text.h"

/* A decimal integer, as "%" PRId64 prints it: list --json writes millions (SPEC §11), and
 * vsnprintf's format parsing was a tenth of its CPU. */
static void num(strbuf *sb, int64_t v)
{
    char buf[24], *p = buf + sizeof buf;
    uint64_t a = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    do
        *--p = (char)('0' + a % 10);
    while ((a /= 10) != 0);
    if (v < 0)
        *--p = '-';
    sb_append_n(sb, p, (size_t)(buf + sizeof buf - p));
}

void jsonout_time(strbuf *sb, st_time t)
{
    if (t == ST_TIME_NONE) {
        sb_append(sb, "null");
        return;
    }
    char buf[32];
    sb_append_c(sb, '"');
    sb_append(sb, time_format_iso(t, buf));
    sb_append_c(sb, '"');
}

/* A key (a literal that needs no escape) with its separator, as one append: list --json writes
 * some 60 keys a ticket, and three appends and an escape scan for each cost it about 4% of its
 * time (9.9 s against 9.5 s at 1,000,000 tickets). */
#define KEY(sb, k, first) \
    ((first) ? sb_append_n((sb), "\"" k "\":", sizeof("\"" k "\":") - 1) \
             : sb_append_n((sb), ",\"" k "\":", sizeof(",\"" k "\":") - 1))

void jsonout_ticket_open(strbuf *sb, const ops_view *v)
{
    const st_ticket *t = &v->t;
    sb_append_c(sb, '{');
    KEY(sb, "id", true);
    num(sb, t->id);
    KEY(sb, "ref", false);
    json_append_string(sb, t->ref);
    KEY(sb, "title", false);
    json_append_string(sb, t->title);
    KEY(sb, "customer", false);
    json_append_string(sb, t->customer);
    KEY(sb, "channel", false);
    json_append_string(sb, t->channel);
    KEY(sb, "level", false);
    json_append_string(sb, t->level);
    KEY(sb, "status", false);
    json_append_string(sb, tk_status_name(t->status));
    KEY(sb, "assignee", false);
    json_append_string(sb, t->assignee);
    KEY(sb, "created", false);
    jsonout_time(sb, t->created);
    KEY(sb, "first_response", false);
    jsonout_time(sb, t->first_response);
    KEY(sb, "resolved", false);
    jsonout_time(sb, t->resolved);
    KEY(sb, "due", false);
    jsonout_time(sb, t->due);
    KEY(sb, "remaining_s", false);
    num(sb, v->timer.remaining_s);
    KEY(sb, "state", false);
    json_append_string(sb, sla_state_name(v->timer.state));
    KEY(sb, "breached_ever", false);
    sb_append(sb, v->breached_ever ? "true" : "false");
    KEY(sb, "policy_version", false);
    num(sb, t->policy_version);
    KEY(sb, "version", false);
    num(sb, t->version);
}

void jsonout_ticket(strbuf *sb, const ops_view *v)
{
    jsonout_ticket_open(sb, v);
    sb_append_c(sb, '}');
}

void jsonout_audit_entry(strbuf *sb, const st_audit_entry *e)
{
    sb_append_c(sb, '{');
    KEY(sb, "seq", true);
    num(sb, e->seq);
    KEY(sb, "at", false);
    jsonout_time(sb, e->at);
    KEY(sb, "recorded_at", false);
    jsonout_time(sb, e->recorded_at);
    KEY(sb, "actor", false);
    json_append_string(sb, e->actor);
    KEY(sb, "kind", false);
    json_append_string(sb, au_kind_name(e->kind));
    KEY(sb, "ticket_id", false);
    if (e->ticket_id > 0)
        num(sb, e->ticket_id);
    else
        sb_append(sb, "null");
    KEY(sb, "from_level", false);
    json_append_string(sb, e->from_level);
    KEY(sb, "to_level", false);
    json_append_string(sb, e->to_level);
    KEY(sb, "old_due", false);
    jsonout_time(sb, e->old_due);
    KEY(sb, "new_due", false);
    jsonout_time(sb, e->new_due);
    KEY(sb, "reason", false);
    json_append_string(sb, e->reason);
    KEY(sb, "detail", false);
    json_append_string(sb, e->detail);
    KEY(sb, "prev_hash", false);
    json_append_string(sb, e->prev_hash);
    KEY(sb, "hash", false);
    json_append_string(sb, e->hash);
    /* SPEC §8: null on entries that are not status changes or messages. */
    KEY(sb, "from_status", false);
    json_append_string(sb, e->from_status);
    KEY(sb, "to_status", false);
    json_append_string(sb, e->to_status);
    KEY(sb, "message_id", false);
    if (e->message_id > 0)
        num(sb, e->message_id);
    else
        sb_append(sb, "null");
    KEY(sb, "message_kind", false);
    json_append_string(sb, e->message_kind);
    KEY(sb, "body_sha256", false);
    json_append_string(sb, e->body_sha256);
    KEY(sb, "host", false); /* SPEC §10; null on entries written before schema 4 */
    json_append_string(sb, e->host);
    sb_append_c(sb, '}');
}

void jsonout_message(strbuf *sb, const st_message *m)
{
    sb_append_c(sb, '{');
    KEY(sb, "id", true);
    num(sb, m->id);
    KEY(sb, "kind", false);
    json_append_string(sb, msg_kind_name(m->kind));
    KEY(sb, "author", false);
    json_append_string(sb, m->author);
    KEY(sb, "at", false);
    jsonout_time(sb, m->at);
    KEY(sb, "recorded_at", false);
    jsonout_time(sb, m->recorded_at);
    KEY(sb, "body", false);
    json_append_string(sb, m->body);
    sb_append_c(sb, '}');
}

/* One array writer for every element type: the element writer and the stride. */
static void write_array(strbuf *sb, const void *items, size_t n, size_t size, void (*one)(strbuf *, const void *))
{
    sb_append_c(sb, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_append_c(sb, ',');
        one(sb, (const char *)items + i * size);
    }
    sb_append_c(sb, ']');
}

static void one_entry(strbuf *sb, const void *p)
{
    jsonout_audit_entry(sb, p);
}
static void one_ticket(strbuf *sb, const void *p)
{
    jsonout_ticket(sb, p);
}
static void one_segment(strbuf *sb, const void *p)
{
    jsonout_segment(sb, p);
}

void jsonout_audit_array(strbuf *sb, const st_audit_entry *e, size_t n)
{
    write_array(sb, e, n, sizeof *e, one_entry);
}

static void one_message(strbuf *sb, const void *p)
{
    jsonout_message(sb, p);
}

void jsonout_message_array(strbuf *sb, const st_message *m, size_t n)
{
    write_array(sb, m, n, sizeof *m, one_message);
}

void jsonout_ticket_array(strbuf *sb, const ops_view *v, size_t n)
{
    write_array(sb, v, n, sizeof *v, one_ticket);
}

void jsonout_segment_array(strbuf *sb, const sla_segment *s, size_t n)
{
    write_array(sb, s, n, sizeof *s, one_segment);
}

void jsonout_segment(strbuf *sb, const sla_segment *s)
{
    sb_append_c(sb, '{');
    KEY(sb, "start", true);
    jsonout_time(sb, s->start);
    KEY(sb, "end", false);
    jsonout_time(sb, s->end);
    KEY(sb, "kind", false);
    json_append_string(sb, sla_seg_kind_name(s->kind));
    KEY(sb, "counted_s", false);
    num(sb, s->counted_s);
    KEY(sb, "rule", false);
    json_append_string(sb, s->rule);
    sb_append_c(sb, '}');
}

void json_append_number(strbuf *sb, double d)
{
    if (!isfinite(d)) {
        sb_append(sb, "null");
    } else if (d == floor(d) && fabs(d) < 9e15) {
        num(sb, (int64_t)d);
    } else {
        /* the shortest form that reads back as the same double: 99.99, not 99.989999999999995 */
        char buf[40];
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, d);
            if (strtod(buf, NULL) == d)
                break;
        }
        sb_append(sb, buf);
    }
}

static void write_value(strbuf *sb, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        json_append_string(sb, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (!isfinite(d))
            sb_append(sb, "null");
        else
            json_append_number(sb, d);
    } else if (cJSON_IsBool(v)) {
        sb_append(sb, cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        bool obj = cJSON_IsObject(v);
        sb_append_c(sb, obj ? '{' : '[');
        const cJSON *c;
        bool first = true;
        cJSON_ArrayForEach(c, v)
        {
            if (!first)
                sb_append_c(sb, ',');
            first = false;
            if (obj) {
                json_append_string(sb, c->string);
                sb_append_c(sb, ':');
            }
            write_value(sb, c);
        }
        sb_append_c(sb, obj ? '}' : ']');
    } else {
        sb_append(sb, "null");
    }
}

st_code jsonout_reserialize(strbuf *sb, const char *json, const char *source, const char *override_key,
                            int64_t override_value, st_err *err)
{
    cJSON *root = cJSON_Parse(json);
    if (!root)
        return st_fail(err, ST_INVALID, "%s: not valid JSON", source);
    if (cJSON_IsObject(root) && override_key) {
        sb_append_c(sb, '{');
        json_append_string(sb, override_key);
        sb_printf(sb, ":%" PRId64, override_value);
        const cJSON *c;
        cJSON_ArrayForEach(c, root)
        {
            if (c->string && strcmp(c->string, override_key) == 0)
                continue;
            sb_append_c(sb, ',');
            json_append_string(sb, c->string);
            sb_append_c(sb, ':');
            write_value(sb, c);
        }
        sb_append_c(sb, '}');
    } else {
        write_value(sb, root);
    }
    cJSON_Delete(root);
    return ST_OK;
}

/* One clock object: `next` has the short form (metric, due, remaining_s, state, paused_by), each
 * entry of `clocks` the full one, in SPEC §8's order. */
static void clock_object(strbuf *sb, const clk_clock *c, bool full)
{
    sb_append_c(sb, '{');
    KEY(sb, "metric", true);
    json_append_string(sb, policy_metric_name(c->metric));
    if (full) {
        KEY(sb, "cycle", false);
        num(sb, c->cycle);
        KEY(sb, "target_s", false);
        num(sb, c->target_s);
        KEY(sb, "clock", false);
        json_append_string(sb, c->clock == POL_CLOCK_24X7 ? "24x7" : "business");
        KEY(sb, "started", false);
        jsonout_time(sb, c->started);
    }
    KEY(sb, "due", false);
    jsonout_time(sb, c->due);
    KEY(sb, "remaining_s", false);
    num(sb, c->remaining_s);
    KEY(sb, "state", false);
    json_append_string(sb, sla_state_name(c->state));
    KEY(sb, "paused_by", false);
    json_append_string(sb, c->paused_by == CLK_PAUSED_NONE ? NULL : clocks_paused_by_name(c->paused_by));
    if (full) {
        KEY(sb, "stopped", false);
        jsonout_time(sb, c->stopped);
        KEY(sb, "breached_ever", false);
        sb_append(sb, c->breached_ever ? "true" : "false");
    }
    sb_append_c(sb, '}');
}

void jsonout_clocks(strbuf *sb, const clk_result *r)
{
    sb_append(sb, ",\"next\":");
    if (r->next < 0)
        sb_append(sb, "null");
    else
        clock_object(sb, &r->clocks[r->next], false);
    sb_append(sb, ",\"clocks\":[");
    for (size_t i = 0; i < r->n; i++) {
        if (i)
            sb_append_c(sb, ',');
        clock_object(sb, &r->clocks[i], true);
    }
    sb_append_c(sb, ']');
}
