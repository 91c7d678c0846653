/* cli_tickets: the ticket commands (SPEC §3): add, import, list, show, raise, lower, set-level,
 * respond, resolve, reopen, assign, due. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_internal.h"
#include "slatop/import.h"
#include "slatop/jsonout.h"
#include "slatop/ops.h"
#include "slatop/policy.h"
#include "slatop/query.h"
#include "slatop/sla.h"
#include "slatop/store.h"
#include "slatop/clocks.h"
#include "slatop/text.h"
#include "slatop/tz.h"

int cli_need_id(cli_ctx *c, const char *s, int64_t *id)
{
    if (!cli_parse_id(s, id))
        return cli_usage_fail(c, "ID '%s': not a ticket id (expected a positive integer)", s ? s : "");
    return 0;
}

int cli_expect_version(cli_ctx *c, const cmd_args *a, int64_t *out)
{
    *out = -1;
    const char *v = cli_opt(a, "expect-version");
    if (!v)
        return 0;
    if (!cli_parse_id(v, out))
        return cli_usage_fail(c, "--expect-version '%s': not a version (expected a positive integer)", v);
    return 0;
}

static int parse_time_arg(cli_ctx *c, const char *optname, const char *s, st_time *out)
{
    struct tz_zone *z = display_zone(c); /* no offset: local time, as date(1) reads it */
    bool ok = tz_parse_iso(z, s, out);
    tz_free(z);
    if (!ok)
        return cli_usage_fail(c, "--%s: invalid time '%s' (expected ISO 8601 like 2026-11-20T10:00:00Z)",
                              optname, s);
    return 0;
}

int cmd_add(cli_ctx *c, const cmd_args *a)
{
    ops_new_ticket nt = {0};
    nt.title = cli_opt(a, "title");
    if (!nt.title)
        return cli_usage_fail(c, "add: missing --title");
    if (!*nt.title)
        return cli_usage_fail(c, "--title: must not be empty");
    nt.level = cli_opt(a, "level");
    nt.customer = cli_opt(a, "customer");
    nt.channel = cli_opt(a, "channel");
    nt.ref = cli_opt(a, "ref");
    nt.created = ST_TIME_NONE;
    const char *cr = cli_opt(a, "created");
    int rc;
    if (cr && (rc = parse_time_arg(c, "created", cr, &nt.created)) != 0)
        return rc;
    char *body = NULL;
    if ((rc = cli_read_body(c, a, false, &body, &nt.body_len)) != 0)
        return rc;
    nt.body = body;
    if ((rc = cli_open_db(c, true)) != 0) {
        free(body);
        return rc;
    }
    st_err err;
    int64_t id = 0;
    st_code added = ops_add(c->ops, &nt, &id, &err);
    free(body);
    if (added != ST_OK)
        return cli_fail(c, &err);
    const st_policy *pol;
    bool from_channel = true;
    if (nt.channel && !nt.level && ops_policy(c->ops, 0, &pol, NULL, &err) == ST_OK) {
        const char *lv = policy_default_level(pol, nt.channel, &from_channel);
        if (!from_channel) {
            char *ch = text_sanitize(nt.channel, false);
            fprintf(stderr, "slatop: warning: channel '%s' has no default in the policy; level %s\n", ch, lv);
            free(ch);
        }
    }
    strbuf out;
    sb_init(&out);
    sb_printf(&out, "%" PRId64 "\n", id);
    return cli_emit(c, &out);
}

int cmd_import(cli_ctx *c, const cmd_args *a)
{
    int rc = cli_open_db(c, true);
    if (rc != 0)
        return rc;
    st_err err;
    int64_t first = 0;
    size_t n = 0;
    if (import_file(c->ops, a->pos[0], &first, &n, &err) != ST_OK)
        return cli_fail(c, &err);
    strbuf out;
    sb_init(&out);
    if (n == 0)
        sb_printf(&out, "imported 0 tickets\n");
    else
        sb_printf(&out, "imported %zu ticket%s (ids %" PRId64 "-%" PRId64 ")\n", n, n == 1 ? "" : "s", first,
                  first + (int64_t)n - 1);
    return cli_emit(c, &out);
}

/* What list shows: its filters, order and limit, as validated values. */
typedef struct {
    bool all;
    bool by_status, by_state;
    tk_status status;
    sla_state state;
    const char *level; /* NULL: any; borrowed from argv */
    query_sort sort;
    size_t limit; /* 0: no limit */
} list_query;

/* Whether view v passes the filters of lq. */
static bool list_keeps(const list_query *lq, const ops_view *v)
{
    return (!lq->by_status || v->t.status == lq->status) && (!lq->by_state || v->timer.state == lq->state) &&
           (!lq->level || strcmp(v->t.level, lq->level) == 0);
}

/* Every clock of the ticket of v (SPEC §8) at the program's now, from its history h. */
static st_code ticket_clocks(cli_ctx *c, const ops_view *v, const st_audit_entry *h, size_t nh, clk_result *r,
                             st_err *err)
{
    clk_event *ev = NULL;
    size_t nev = 0;
    ops_clock_events(v->policy, v->t.created, h, nh, &ev, &nev);
    st_code rc = clocks_compute(v->policy, ev, nev, clock_now(&c->g.clock), r, err);
    free(ev);
    if (rc != ST_OK)
        st_err_prefix(err, "ticket %" PRId64 ": clocks", v->t.id);
    return rc;
}

/* One pass of list over the store's scan: the filters and the limit applied to each row as it
 * comes, the kept rows handed to `row` (SPEC §11: nothing is held but the row at hand). */
typedef struct list_pass list_pass;
struct list_pass {
    cli_ctx *c;
    const list_query *lq;
    st_time now;
    size_t kept;
    strbuf out;
    clitext_cols cols;
    clk_result clocks;
    st_code (*row)(list_pass *p, const ops_view *v, const st_audit_entry *h, size_t nh, st_err *err);
};

static st_code list_pass_visit(void *ctx, const ops_view *v, const st_audit_entry *h, size_t nh, st_err *err)
{
    list_pass *p = ctx;
    if (!list_keeps(p->lq, v) || (p->lq->limit && p->kept >= p->lq->limit))
        return ST_OK;
    st_code rc = p->row(p, v, h, nh, err);
    p->kept++;
    return rc == ST_OK ? cli_stream_flush(&p->out, false, err) : rc;
}

static st_code list_pass_run(list_pass *p, bool with_history, st_err *err)
{
    const list_query *lq = p->lq;
    bool filtered = lq->by_status || lq->by_state || lq->level;
    /* Without filters the store applies the limit (and stops early); with them every row is
     * looked at and the limit counts the kept ones. */
    query_list_req q = {.include_resolved = lq->all,
                        .sort = lq->sort,
                        .offset = 0,
                        .limit = filtered ? 0 : (int64_t)lq->limit};
    p->kept = 0;
    return query_list_scan(p->c->ops, &q, p->now, with_history, list_pass_visit, p, err);
}

/* A ticket object with its clocks, after a comma from the second on. */
static st_code json_row(list_pass *p, const ops_view *v, const st_audit_entry *h, size_t nh, st_err *err)
{
    st_code rc = ticket_clocks(p->c, v, h, nh, &p->clocks, err);
    if (rc != ST_OK)
        return rc;
    if (p->kept)
        sb_append_c(&p->out, ',');
    jsonout_ticket_open(&p->out, v);
    jsonout_clocks(&p->out, &p->clocks);
    sb_append_c(&p->out, '}');
    return ST_OK;
}

static st_code measure_row(list_pass *p, const ops_view *v, const st_audit_entry *h, size_t nh, st_err *err)
{
    (void)h, (void)nh, (void)err;
    clitext_list_measure(p->c, &p->cols, v);
    return ST_OK;
}

static st_code text_row(list_pass *p, const ops_view *v, const st_audit_entry *h, size_t nh, st_err *err)
{
    (void)h, (void)nh, (void)err;
    clitext_list_row(p->c, &p->out, &p->cols, v);
    return ST_OK;
}

/* list: JSON in one pass over the tickets with their histories (one statement, no query per
 * ticket); text in two, the first measuring the columns. Both at one instant, now. Output goes
 * out as it is made, so an error part-way leaves what was written before it. */
static int print_list(cli_ctx *c, const list_query *lq, bool json)
{
    st_err err;
    list_pass p = {.c = c, .lq = lq, .now = clock_now(&c->g.clock)};
    sb_init(&p.out);
    clocks_result_init(&p.clocks);
    st_code rc;
    if (json) {
        sb_append_c(&p.out, '[');
        p.row = json_row;
        rc = list_pass_run(&p, true, &err);
        sb_append(&p.out, "]\n");
    } else {
        clitext_list_begin(&p.cols);
        p.row = measure_row;
        rc = list_pass_run(&p, false, &err);
        if (rc == ST_OK) {
            clitext_list_header(c, &p.out, &p.cols);
            p.row = text_row;
            rc = list_pass_run(&p, false, &err);
        }
    }
    if (rc == ST_OK)
        rc = cli_stream_flush(&p.out, true, &err);
    sb_done(&p.out);
    clocks_result_done(&p.clocks);
    return rc == ST_OK ? 0 : cli_fail(c, &err);
}

int cli_print_list(cli_ctx *c, bool all, bool json)
{
    list_query lq = {.all = all, .sort = QUERY_SORT_URGENCY};
    return print_list(c, &lq, json);
}

/* Refuses --OPT VALUE, listing the valid values (names[0..n), each named by name_of). */
static int bad_choice(cli_ctx *c, const char *opt, const char *value, const char *const *names, size_t n)
{
    strbuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < n; i++)
        sb_printf(&sb, "%s%s", i ? ", " : "", names[i]);
    int rc = cli_usage_fail(c, "--%s '%s': expected one of %s", opt, value, sb.buf);
    sb_done(&sb);
    return rc;
}

/* The index of value among names[0..n), or -1. */
static int choice_of(const char *value, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(value, names[i]) == 0)
            return (int)i;
    return -1;
}

/* Reads list's options into *lq, refusing a bad value with the valid ones. --level is checked
 * against the current policy, so it needs the database open. */
static int list_query_of(cli_ctx *c, const cmd_args *a, list_query *lq)
{
    memset(lq, 0, sizeof *lq);
    lq->all = cli_flag(a, "all");
    const char *v;
    if ((v = cli_opt(a, "status"))) {
        static const char *const statuses[] = {"open", "pending", "on_hold", "resolved"};
        if (!tk_status_parse(v, &lq->status))
            return bad_choice(c, "status", v, statuses, 4);
        lq->by_status = true;
        lq->all = lq->all || lq->status == TK_RESOLVED;
    }
    if ((v = cli_opt(a, "state"))) {
        const char *states[SLA_STATE_COUNT];
        for (int i = 0; i < SLA_STATE_COUNT; i++)
            states[i] = sla_state_name((sla_state)i);
        int k = choice_of(v, states, SLA_STATE_COUNT);
        if (k < 0)
            return bad_choice(c, "state", v, states, SLA_STATE_COUNT);
        lq->by_state = true;
        lq->state = (sla_state)k;
    }
    lq->sort = QUERY_SORT_URGENCY;
    if ((v = cli_opt(a, "sort"))) {
        const char *keys[QUERY_SORT_COUNT];
        for (int i = 0; i < QUERY_SORT_COUNT; i++)
            keys[i] = query_sort_name((query_sort)i);
        int k = choice_of(v, keys, QUERY_SORT_COUNT);
        if (k < 0)
            return bad_choice(c, "sort", v, keys, QUERY_SORT_COUNT);
        lq->sort = (query_sort)k;
    }
    if ((v = cli_opt(a, "limit"))) {
        int64_t n;
        if (!cli_parse_id(v, &n))
            return cli_usage_fail(c, "--limit '%s': expected a positive integer", v);
        lq->limit = (size_t)n;
    }
    if ((lq->level = cli_opt(a, "level"))) {
        const st_policy *p;
        st_err err;
        if (ops_policy(c->ops, 0, &p, NULL, &err) != ST_OK)
            return cli_fail(c, &err);
        const char **ids = xcalloc(p->n_levels ? p->n_levels : 1, sizeof *ids);
        for (size_t i = 0; i < p->n_levels; i++)
            ids[i] = p->levels[i].id;
        int rc = choice_of(lq->level, ids, p->n_levels) < 0 ? bad_choice(c, "level", lq->level, ids, p->n_levels) : 0;
        free(ids);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int cmd_list(cli_ctx *c, const cmd_args *a)
{
    int rc = cli_open_db(c, false);
    if (rc != 0)
        return rc;
    list_query lq;
    if ((rc = list_query_of(c, a, &lq)) != 0)
        return rc;
    return print_list(c, &lq, cli_flag(a, "json"));
}

int cmd_show(cli_ctx *c, const cmd_args *a)
{
    int64_t id;
    int rc = cli_need_id(c, a->pos[0], &id);
    if (rc != 0)
        return rc;
    if ((rc = cli_open_db(c, false)) != 0)
        return rc;
    st_err err;
    query_detail d;
    if (query_ticket_detail(c->ops, id, clock_now(&c->g.clock), &d, &err) != ST_OK)
        return cli_fail(c, &err);
    if (d.history_rc != ST_OK) { /* the console shows the ticket anyway; the command line fails */
        err = d.history_err;
        query_detail_done(&d);
        return cli_fail(c, &err);
    }
    if (d.messages_rc != ST_OK || d.clocks_rc != ST_OK) {
        err = d.messages_rc != ST_OK ? d.messages_err : d.clocks_err;
        query_detail_done(&d);
        return cli_fail(c, &err);
    }
    bool explain = cli_flag(a, "explain");
    strbuf out;
    sb_init(&out);
    if (cli_flag(a, "json")) {
        jsonout_ticket_open(&out, &d.v);
        jsonout_clocks(&out, &d.clocks);
        sb_append(&out, ",\"history\":");
        jsonout_audit_array(&out, d.history, d.n_history);
        sb_append(&out, ",\"messages\":");
        jsonout_message_array(&out, d.messages, d.n_messages);
        if (explain) {
            sb_append(&out, ",\"explain\":");
            jsonout_segment_array(&out, d.segs, d.n_segs);
        }
        sb_append(&out, "}\n");
    } else {
        clitext_show(c, &out, &d.v, d.history, d.n_history, explain ? d.segs : NULL, explain ? d.n_segs : 0);
        clitext_clocks(c, &out, &d.clocks);
        clitext_messages(c, &out, d.messages, d.n_messages);
    }
    query_detail_done(&d);
    return cli_emit(c, &out);
}

/* The common tail of every change to a ticket: --expect-version, then the database for writing. */
static int prepare_change(cli_ctx *c, const cmd_args *a, int64_t *ev)
{
    int rc = cli_expect_version(c, a, ev);
    return rc != 0 ? rc : cli_open_db(c, true);
}

static int do_level(cli_ctx *c, const cmd_args *a, ops_move move, const char *level)
{
    int64_t id, ev;
    const char *reason;
    int rc = cli_need_id(c, a->pos[0], &id);
    if (rc == 0)
        rc = cli_need_reason(c, a, &reason);
    if (rc == 0)
        rc = prepare_change(c, a, &ev);
    if (rc != 0)
        return rc;
    st_err err;
    ops_change ch;
    memset(&ch, 0, sizeof ch);
    if (ops_set_level(c->ops, id, move, level, reason, ev, &ch, &err) != ST_OK) {
        ops_change_done(&ch);
        return cli_fail(c, &err);
    }
    strbuf out;
    sb_init(&out);
    char d1[32], d2[32], rem[24];
    sb_printf(&out, "ticket %" PRId64 ": ", id);
    text_sanitize_into(&out, ch.from_level, c->g.ascii);
    sb_append(&out, " -> ");
    text_sanitize_into(&out, ch.to_level, c->g.ascii);
    sb_printf(&out, ", due %s (was %s), remaining %s%s, version %" PRId64 "\n",
              ch.new_due == ST_TIME_NONE ? "-" : time_format_iso(ch.new_due, d1),
              ch.old_due == ST_TIME_NONE ? "-" : time_format_iso(ch.old_due, d2),
              duration_format_hms(ch.remaining_s, rem), ch.breaches_immediately ? " (breached)" : "",
              ch.new_version);
    ops_change_done(&ch);
    return cli_emit(c, &out);
}

int cmd_raise(cli_ctx *c, const cmd_args *a)
{
    return do_level(c, a, OPS_UP, NULL);
}

int cmd_lower(cli_ctx *c, const cmd_args *a)
{
    return do_level(c, a, OPS_DOWN, NULL);
}

int cmd_set_level(cli_ctx *c, const cmd_args *a)
{
    if (a->npos < 2)
        return cli_usage_fail(c, "set-level: missing LEVEL (usage: %s)", a->cmd->usage);
    if (!*a->pos[1])
        return cli_usage_fail(c, "set-level: LEVEL must not be empty");
    return do_level(c, a, OPS_TO, a->pos[1]);
}

typedef enum { ST_CMD_RESPOND, ST_CMD_RESOLVE, ST_CMD_REOPEN, ST_CMD_ASSIGN } status_cmd;

static int do_status(cli_ctx *c, const cmd_args *a, status_cmd which)
{
    int64_t id, ev;
    const char *reason = NULL, *to = NULL;
    int rc = cli_need_id(c, a->pos[0], &id);
    if (rc == 0 && which == ST_CMD_REOPEN)
        rc = cli_need_reason(c, a, &reason);
    if (rc == 0 && which == ST_CMD_ASSIGN) {
        to = cli_opt(a, "to");
        if (!to)
            rc = cli_usage_fail(c, "assign: missing --to NAME");
        else if (!*to)
            rc = cli_usage_fail(c, "--to: must not be empty");
    }
    if (rc == 0)
        rc = prepare_change(c, a, &ev);
    if (rc != 0)
        return rc;
    st_err err;
    st_code sc;
    const char *done;
    switch (which) {
    case ST_CMD_RESPOND:
        sc = ops_respond(c->ops, id, ev, &err);
        done = "first response recorded";
        break;
    case ST_CMD_RESOLVE:
        sc = ops_resolve(c->ops, id, ev, &err);
        done = "resolved";
        break;
    case ST_CMD_REOPEN:
        sc = ops_reopen(c->ops, id, reason, ev, &err);
        done = "reopened";
        break;
    default:
        sc = ops_assign(c->ops, id, to, ev, &err);
        done = "assigned to ";
        break;
    }
    if (sc != ST_OK)
        return cli_fail(c, &err);
    strbuf out;
    sb_init(&out);
    sb_printf(&out, "ticket %" PRId64 ": %s", id, done);
    if (to)
        text_sanitize_into(&out, to, c->g.ascii);
    sb_append_c(&out, '\n');
    return cli_emit(c, &out);
}

int cmd_respond(cli_ctx *c, const cmd_args *a)
{
    return do_status(c, a, ST_CMD_RESPOND);
}
int cmd_resolve(cli_ctx *c, const cmd_args *a)
{
    return do_status(c, a, ST_CMD_RESOLVE);
}
int cmd_reopen(cli_ctx *c, const cmd_args *a)
{
    return do_status(c, a, ST_CMD_REOPEN);
}
int cmd_assign(cli_ctx *c, const cmd_args *a)
{
    return do_status(c, a, ST_CMD_ASSIGN);
}

int cmd_due(cli_ctx *c, const cmd_args *a)
{
    const char *level = cli_opt(a, "level"), *created_s = cli_opt(a, "created");
    const char *pfile = cli_opt(a, "policy");
    if (!level)
        return cli_usage_fail(c, "due: missing --level");
    if (!created_s)
        return cli_usage_fail(c, "due: missing --created");
    st_time created;
    int rc = parse_time_arg(c, "created", created_s, &created);
    if (rc != 0)
        return rc;
    st_err err;
    st_policy *owned = NULL;
    const st_policy *p = NULL;
    int64_t version = 0;
    if (pfile) {
        /* With --policy no database is opened at all. */
        if (policy_load_file(pfile, &owned, &err) != ST_OK)
            return cli_fail(c, &err);
        p = owned;
    } else {
        if ((rc = cli_open_db(c, false)) != 0)
            return rc;
        if (ops_policy(c->ops, 0, &p, &version, &err) != ST_OK)
            return cli_fail(c, &err);
    }
    int idx = policy_level_index(p, level);
    if (idx < 0) {
        strbuf names;
        sb_init(&names);
        for (size_t i = 0; i < p->n_levels; i++)
            sb_printf(&names, "%s%s", i ? ", " : "", p->levels[i].id);
        st_fail(&err, ST_NOTFOUND, "--level %s: unknown level (levels: %s)", level, names.buf ? names.buf : "");
        sb_done(&names);
        policy_free(owned);
        return cli_fail(c, &err);
    }
    st_time due = sla_due(p, (size_t)idx, created);
    if (due == ST_TIME_NONE) {
        st_fail(&err, ST_INVALID, "--level %s: the business calendar never opens", level);
        policy_free(owned);
        return cli_fail(c, &err);
    }
    strbuf out;
    sb_init(&out);
    char b1[32], b2[32];
    if (cli_flag(a, "json")) {
        sb_append(&out, "{\"level\":");
        json_append_string(&out, p->levels[idx].id);
        sb_printf(&out, ",\"created\":\"%s\",\"due\":\"%s\",\"target_s\":%" PRId64 ",\"clock\":\"%s\",\"policy\":",
                  time_format_iso(created, b1), time_format_iso(due, b2), policy_level_target_s(p, (size_t)idx),
                  p->levels[idx].clock == POL_CLOCK_24X7 ? "24x7" : "business");
        json_append_string(&out, p->name);
        sb_append(&out, ",\"policy_version\":");
        if (pfile)
            sb_append(&out, "null");
        else
            sb_printf(&out, "%" PRId64, version);
        sb_append(&out, "}\n");
    } else {
        sb_printf(&out, "%s\n", time_format_iso(due, b1));
    }
    policy_free(owned);
    return cli_emit(c, &out);
}
