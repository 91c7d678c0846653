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

static void key(strbuf *sb, const char *k, bool first)
{
    if (!first)
        sb_append_c(sb, ',');
    json_append_string(sb, k);
    sb_append_c(sb, ':');
}

void jsonout_ticket_open(strbuf *sb, const ops_view *v)
{
    const st_ticket *t = &v->t;
    sb_append_c(sb, '{');
    key(sb, "id", true);
    num(sb, t->id);
    key(sb, "ref", false);
    json_append_string(sb, t->ref);
    key(sb, "title", false);
    json_append_string(sb, t->title);
    key(sb, "customer", false);
    json_append_string(sb, t->customer);
    key(sb, "channel", false);
    json_append_string(sb, t->channel);
    key(sb, "level", false);
    json_append_string(sb, t->level);
    key(sb, "status", false);
    json_append_string(sb, tk_status_name(t->status));
    key(sb, "assignee", false);
    json_append_string(sb, t->assignee);
    key(sb, "created", false);
    jsonout_time(sb, t->created);
    key(sb, "first_response", false);
    jsonout_time(sb, t->first_response);
    key(sb, "resolved", false);
    jsonout_time(sb, t->resolved);
    key(sb, "due", false);
    jsonout_time(sb, t->due);
    key(sb, "remaining_s", false);
    num(sb, v->timer.remaining_s);
    key(sb, "state", false);
    json_append_string(sb, sla_state_name(v->timer.state));
    key(sb, "breached_ever", false);
    sb_append(sb, v->breached_ever ? "true" : "false");
    key(sb, "policy_version", false);
    num(sb, t->policy_version);
    key(sb, "version", false);
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
    key(sb, "seq", true);
    num(sb, e->seq);
    key(sb, "at", false);
    jsonout_time(sb, e->at);
    key(sb, "recorded_at", false);
    jsonout_time(sb, e->recorded_at);
    key(sb, "actor", false);
    json_append_string(sb, e->actor);
    key(sb, "kind", false);
    json_append_string(sb, au_kind_name(e->kind));
    key(sb, "ticket_id", false);
    if (e->ticket_id > 0)
        num(sb, e->ticket_id);
    else
        sb_append(sb, "null");
    key(sb, "from_level", false);
    json_append_string(sb, e->from_level);
    key(sb, "to_level", false);
    json_append_string(sb, e->to_level);
    key(sb, "old_due", false);
    jsonout_time(sb, e->old_due);
    key(sb, "new_due", false);
    jsonout_time(sb, e->new_due);
    key(sb, "reason", false);
    json_append_string(sb, e->reason);
    key(sb, "detail", false);
    json_append_string(sb, e->detail);
    key(sb, "prev_hash", false);
    json_append_string(sb, e->prev_hash);
    key(sb, "hash", false);
    json_append_string(sb, e->hash);
    /* SPEC §8: null on entries that are not status changes or messages. */
    key(sb, "from_status", false);
    json_append_string(sb, e->from_status);
    key(sb, "to_status", false);
    json_append_string(sb, e->to_status);
    key(sb, "message_id", false);
    if (e->message_id > 0)
        num(sb, e->message_id);
    else
        sb_append(sb, "null");
    key(sb, "message_kind", false);
    json_append_string(sb, e->message_kind);
    key(sb, "body_sha256", false);
    json_append_string(sb, e->body_sha256);
    key(sb, "host", false); /* SPEC §10; null on entries written before schema 4 */
    json_append_string(sb, e->host);
    sb_append_c(sb, '}');
}

void jsonout_message(strbuf *sb, const st_message *m)
{
    sb_append_c(sb, '{');
    key(sb, "id", true);
    num(sb, m->id);
    key(sb, "kind", false);
    json_append_string(sb, msg_kind_name(m->kind));
    key(sb, "author", false);
    json_append_string(sb, m->author);
    key(sb, "at", false);
    jsonout_time(sb, m->at);
    key(sb, "recorded_at", false);
    jsonout_time(sb, m->recorded_at);
    key(sb, "body", false);
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
    key(sb, "start", true);
    jsonout_time(sb, s->start);
    key(sb, "end", false);
    jsonout_time(sb, s->end);
    key(sb, "kind", false);
    json_append_string(sb, sla_seg_kind_name(s->kind));
    key(sb, "counted_s", false);
    num(sb, s->counted_s);
    key(sb, "rule", false);
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
    key(sb, "metric", true);
    json_append_string(sb, policy_metric_name(c->metric));
    if (full) {
        key(sb, "cycle", false);
        num(sb, c->cycle);
        key(sb, "target_s", false);
        num(sb, c->target_s);
        key(sb, "clock", false);
        json_append_string(sb, c->clock == POL_CLOCK_24X7 ? "24x7" : "business");
        key(sb, "started", false);
        jsonout_time(sb, c->started);
    }
    key(sb, "due", false);
    jsonout_time(sb, c->due);
    key(sb, "remaining_s", false);
    num(sb, c->remaining_s);
    key(sb, "state", false);
    json_append_string(sb, sla_state_name(c->state));
    key(sb, "paused_by", false);
    json_append_string(sb, c->paused_by == CLK_PAUSED_NONE ? NULL : clocks_paused_by_name(c->paused_by));
    if (full) {
        key(sb, "stopped", false);
        jsonout_time(sb, c->stopped);
        key(sb, "breached_ever", false);
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
