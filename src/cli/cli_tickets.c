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
#include "slatop/sla.h"
#include "slatop/store.h"
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

/* The views of the listed tickets at now. Caller frees with views_free. */
static st_code load_views(cli_ctx *c, bool all, ops_view **out, size_t *n_out, st_err *err)
{
    store_list_query q = {.include_resolved = all, .sort = STORE_SORT_URGENCY, .offset = 0, .limit = 0};
    st_ticket *t = NULL;
    size_t n = 0;
    st_code rc = store_ticket_list(c->store, &q, &t, &n, err);
    if (rc != ST_OK)
        return rc;
    ops_view *v = xcalloc(n ? n : 1, sizeof *v);
    size_t done = 0;
    st_time now = clock_now(&c->g.clock);
    for (; rc == ST_OK && done < n; done++)
        rc = ops_view_of(c->ops, &t[done], now, &v[done], err);
    for (size_t i = 0; i < n; i++)
        ticket_done(&t[i]);
    free(t);
    if (rc != ST_OK) {
        for (size_t i = 0; i + 1 < done; i++)
            ops_view_done(&v[i]);
        free(v);
        return rc;
    }
    *out = v;
    *n_out = n;
    return ST_OK;
}

static void views_free(ops_view *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ops_view_done(&v[i]);
    free(v);
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

/* The ticket objects of v[0..n) with their clocks, as a JSON array. */
static st_code list_json(cli_ctx *c, strbuf *out, const ops_view *v, size_t n, st_err *err)
{
    clk_result r;
    clocks_result_init(&r);
    st_code rc = ST_OK;
    sb_append_c(out, '[');
    for (size_t i = 0; rc == ST_OK && i < n; i++) {
        st_audit_entry *h = NULL;
        size_t nh = 0;
        rc = store_audit_list(c->store, v[i].t.id, &h, &nh, err);
        if (rc == ST_OK)
            rc = ticket_clocks(c, &v[i], h, nh, &r, err);
        if (rc == ST_OK) {
            if (i)
                sb_append_c(out, ',');
            jsonout_ticket_open(out, &v[i]);
            jsonout_clocks(out, &r);
            sb_append_c(out, '}');
        }
        for (size_t k = 0; k < nh; k++)
            audit_entry_done(&h[k]);
        free(h);
    }
    sb_append_c(out, ']');
    clocks_result_done(&r);
    return rc;
}

int cli_print_list(cli_ctx *c, bool all, bool json)
{
    st_err err;
    ops_view *v = NULL;
    size_t n = 0;
    if (load_views(c, all, &v, &n, &err) != ST_OK)
        return cli_fail(c, &err);
    strbuf out;
    sb_init(&out);
    if (json) {
        if (list_json(c, &out, v, n, &err) != ST_OK) {
            sb_done(&out);
            views_free(v, n);
            return cli_fail(c, &err);
        }
        sb_append_c(&out, '\n');
    } else {
        clitext_list(c, &out, v, n);
    }
    views_free(v, n);
    return cli_emit(c, &out);
}

int cmd_list(cli_ctx *c, const cmd_args *a)
{
    int rc = cli_open_db(c, false);
    if (rc != 0)
        return rc;
    return cli_print_list(c, cli_flag(a, "all"), cli_flag(a, "json"));
}

/* The ledger of a ticket's current level; caller frees with sla_segments_free. */
static void explain_of(cli_ctx *c, const ops_view *v, const st_audit_entry *h, size_t nh, sla_segment **segs,
                       size_t *nseg)
{
    sla_event *ev = NULL;
    size_t nev = 0;
    ops_events_from_audit(h, nh, &ev, &nev);
    sla_explain(v->policy, v->level_index, v->t.clock_start, v->t.due, ev, nev, segs, nseg);
    free(ev);
    (void)c;
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
    ops_view v;
    if (ops_get_view(c->ops, id, clock_now(&c->g.clock), &v, &err) != ST_OK)
        return cli_fail(c, &err);
    st_audit_entry *h = NULL;
    size_t nh = 0;
    if (store_audit_list(c->store, id, &h, &nh, &err) != ST_OK) {
        ops_view_done(&v);
        return cli_fail(c, &err);
    }
    st_message *msgs = NULL;
    size_t nm = 0;
    if (store_message_list(c->store, id, &msgs, &nm, &err) != ST_OK) {
        for (size_t i = 0; i < nh; i++)
            audit_entry_done(&h[i]);
        free(h);
        ops_view_done(&v);
        return cli_fail(c, &err);
    }
    clk_result clocks;
    clocks_result_init(&clocks);
    if (ticket_clocks(c, &v, h, nh, &clocks, &err) != ST_OK) {
        clocks_result_done(&clocks);
        for (size_t i = 0; i < nm; i++)
            message_done(&msgs[i]);
        free(msgs);
        for (size_t i = 0; i < nh; i++)
            audit_entry_done(&h[i]);
        free(h);
        ops_view_done(&v);
        return cli_fail(c, &err);
    }
    bool explain = cli_flag(a, "explain");
    sla_segment *segs = NULL;
    size_t nseg = 0;
    if (explain)
        explain_of(c, &v, h, nh, &segs, &nseg);
    strbuf out;
    sb_init(&out);
    if (cli_flag(a, "json")) {
        jsonout_ticket_open(&out, &v);
        jsonout_clocks(&out, &clocks);
        sb_append(&out, ",\"history\":");
        jsonout_audit_array(&out, h, nh);
        sb_append(&out, ",\"messages\":");
        jsonout_message_array(&out, msgs, nm);
        if (explain) {
            sb_append(&out, ",\"explain\":");
            jsonout_segment_array(&out, segs, nseg);
        }
        sb_append(&out, "}\n");
    } else {
        clitext_show(c, &out, &v, h, nh, explain ? segs : NULL, nseg);
        clitext_clocks(c, &out, &clocks);
        clitext_messages(c, &out, msgs, nm);
    }
    clocks_result_done(&clocks);
    for (size_t i = 0; i < nm; i++)
        message_done(&msgs[i]);
    free(msgs);
    sla_segments_free(segs, nseg);
    for (size_t i = 0; i < nh; i++)
        audit_entry_done(&h[i]);
    free(h);
    ops_view_done(&v);
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
