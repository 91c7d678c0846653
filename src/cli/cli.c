/* cli: the command line (SPEC §3). Parses the global options and the command's options into
 * plain values first, then resolves config/db/clock, then runs one command. Results are built in
 * memory and written only on success, so an error never leaves half an answer on stdout; every
 * error is one sanitised line on stderr. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_internal.h"
#include "slatop/app.h"
#include "slatop/audit.h"
#include "slatop/cli.h"
#include "slatop/config.h"
#include "slatop/demo.h"
#include "slatop/import.h"
#include "slatop/jsonout.h"
#include "slatop/ops.h"
#include "slatop/policy.h"
#include "slatop/sla.h"
#include "slatop/store.h"
#include "slatop/text.h"
#include "slatop/tz.h"

#ifndef SLATOP_VERSION
#define SLATOP_VERSION "0.0.0"
#endif

#define MAX_OPTS 6
#define MAX_POS 3

typedef struct {
    const char *name; /* without the leading "--" */
    bool has_value;
} opt_spec;

typedef struct cmd_spec cmd_spec;

typedef struct {
    const cmd_spec *cmd;
    const char *val[MAX_OPTS];
    bool set[MAX_OPTS];
    const char *pos[MAX_POS];
    int npos;
} cmd_args;

typedef int (*cmd_fn)(cli_ctx *c, const cmd_args *a);

struct cmd_spec {
    const char *name;
    cmd_fn run;
    int min_pos, max_pos;
    opt_spec opts[MAX_OPTS];
    const char *usage;
};

/* Raw global options, as typed. */
typedef struct {
    const char *db, *config, *now, *max_frames, *keys;
    bool read_only, no_color, demo, help, version;
} raw_globals;

/* ---- errors and output ---------------------------------------------------------------------- */

int cli_fail(cli_ctx *c, const st_err *err)
{
    /* Messages can quote user input: sanitise so the line is one line and terminal-safe. */
    char *msg = text_sanitize(err->msg, c ? c->g.ascii : false);
    fprintf(stderr, "slatop: %s\n", msg);
    free(msg);
    return st_exit_status(err->code);
}

static int usage_fail(cli_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_fail(cli_ctx *c, const char *fmt, ...)
{
    st_err err;
    err.code = ST_USAGE;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err.msg, sizeof err.msg, fmt, ap);
    va_end(ap);
    return cli_fail(c, &err);
}

/* Writes the whole answer at once; a failing stdout (full disk, closed pipe) is an error too. */
static int emit(cli_ctx *c, strbuf *out)
{
    if (out->len)
        fwrite(out->buf, 1, out->len, stdout);
    sb_done(out);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        st_err err;
        st_fail(&err, ST_IO, "stdout: write error: %s", strerror(errno));
        return cli_fail(c, &err);
    }
    return 0;
}

/* ---- argument helpers ----------------------------------------------------------------------- */

static int opt_index(const cmd_spec *cmd, const char *name, size_t len)
{
    for (int i = 0; i < MAX_OPTS && cmd->opts[i].name; i++)
        if (strlen(cmd->opts[i].name) == len && strncmp(cmd->opts[i].name, name, len) == 0)
            return i;
    return -1;
}

static const char *opt(const cmd_args *a, const char *name)
{
    int i = opt_index(a->cmd, name, strlen(name));
    return i >= 0 && a->set[i] ? a->val[i] : NULL;
}

static bool flag(const cmd_args *a, const char *name)
{
    int i = opt_index(a->cmd, name, strlen(name));
    return i >= 0 && a->set[i];
}

/* A ticket id: a positive decimal integer. */
static bool parse_id(const char *s, int64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v <= 0)
        return false;
    *out = (int64_t)v;
    return true;
}

static int need_id(cli_ctx *c, const char *s, int64_t *id)
{
    if (!parse_id(s, id))
        return usage_fail(c, "ID '%s': not a ticket id (expected a positive integer)", s ? s : "");
    return 0;
}

static int need_reason(cli_ctx *c, const cmd_args *a, const char **out)
{
    const char *r = opt(a, "reason");
    if (!r)
        return usage_fail(c, "%s: missing --reason", a->cmd->name);
    if (!*r)
        return usage_fail(c, "--reason: must not be empty");
    *out = r;
    return 0;
}

static int expect_version(cli_ctx *c, const cmd_args *a, int64_t *out)
{
    *out = -1;
    const char *v = opt(a, "expect-version");
    if (!v)
        return 0;
    if (!parse_id(v, out))
        return usage_fail(c, "--expect-version '%s': not a version (expected a positive integer)", v);
    return 0;
}

/* ---- database ------------------------------------------------------------------------------- */

/* Opens the database (and the ops layer) for reading or for a change. */
static int open_db(cli_ctx *c, bool write)
{
    st_err err;
    st_err_clear(&err);
    if (write && c->g.read_only) {
        st_fail(&err, ST_CONFLICT, "--read-only: refusing to change the database %s", c->g.db_path);
        return cli_fail(c, &err);
    }
    if (!c->g.db_path) {
        st_fail(&err, ST_USAGE, "no database path: give --db PATH or set SLATOP_DB (HOME is not set)");
        return cli_fail(c, &err);
    }
    st_code rc = store_open(c->g.db_path, write ? STORE_OPEN_RW : STORE_OPEN_RO, &c->store, &err);
    if (rc == ST_OK)
        rc = ops_new(c->store, &c->g.clock, &c->ops, &err);
    if (rc != ST_OK) {
        if (rc == ST_NOTFOUND)
            st_fail(&err, ST_NOTFOUND, "--db %s: no such database (create it with 'slatop init --policy " SLATOP_POLICY_DIR
                             "/haptik.json', or try 'slatop --demo')",
                    c->g.db_path);
        return cli_fail(c, &err);
    }
    ops_set_read_only(c->ops, c->g.read_only);
    return 0;
}

/* ---- commands ------------------------------------------------------------------------------- */

static int cmd_init(cli_ctx *c, const cmd_args *a)
{
    const char *pol = opt(a, "policy");
    if (!pol)
        return usage_fail(c, "init: missing --policy FILE");
    if (c->g.read_only) {
        st_err err;
        st_fail(&err, ST_CONFLICT, "--read-only: refusing to create the database %s", c->g.db_path);
        return cli_fail(c, &err);
    }
    if (!c->g.db_path)
        return usage_fail(c, "no database path: give --db PATH or set SLATOP_DB (HOME is not set)");
    st_err err;
    if (ops_init_db(c->g.db_path, pol, &c->g.clock, &err) != ST_OK)
        return cli_fail(c, &err);
    strbuf out;
    sb_init(&out);
    sb_printf(&out, "created %s with policy version 1\n", c->g.db_path);
    return emit(c, &out);
}

static int parse_time_arg(cli_ctx *c, const char *optname, const char *s, st_time *out)
{
    struct tz_zone *z = display_zone(c); /* no offset: local time, as date(1) reads it */
    bool ok = tz_parse_iso(z, s, out);
    tz_free(z);
    if (!ok)
        return usage_fail(c, "--%s: invalid time '%s' (expected ISO 8601 like 2026-11-20T10:00:00Z)", optname, s);
    return 0;
}

static int cmd_add(cli_ctx *c, const cmd_args *a)
{
    ops_new_ticket nt = {0};
    nt.title = opt(a, "title");
    if (!nt.title)
        return usage_fail(c, "add: missing --title");
    if (!*nt.title)
        return usage_fail(c, "--title: must not be empty");
    nt.level = opt(a, "level");
    nt.customer = opt(a, "customer");
    nt.channel = opt(a, "channel");
    nt.ref = opt(a, "ref");
    nt.created = ST_TIME_NONE;
    const char *cr = opt(a, "created");
    int rc;
    if (cr && (rc = parse_time_arg(c, "created", cr, &nt.created)) != 0)
        return rc;
    if ((rc = open_db(c, true)) != 0)
        return rc;
    st_err err;
    int64_t id = 0;
    if (ops_add(c->ops, &nt, &id, &err) != ST_OK)
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
    return emit(c, &out);
}

static int cmd_import(cli_ctx *c, const cmd_args *a)
{
    int rc = open_db(c, true);
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
    return emit(c, &out);
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
        jsonout_ticket_array(&out, v, n);
        sb_append_c(&out, '\n');
    } else {
        clitext_list(c, &out, v, n);
    }
    views_free(v, n);
    return emit(c, &out);
}

static int cmd_list(cli_ctx *c, const cmd_args *a)
{
    int rc = open_db(c, false);
    if (rc != 0)
        return rc;
    return cli_print_list(c, flag(a, "all"), flag(a, "json"));
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

static int cmd_show(cli_ctx *c, const cmd_args *a)
{
    int64_t id;
    int rc = need_id(c, a->pos[0], &id);
    if (rc != 0)
        return rc;
    if ((rc = open_db(c, false)) != 0)
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
    bool explain = flag(a, "explain");
    sla_segment *segs = NULL;
    size_t nseg = 0;
    if (explain)
        explain_of(c, &v, h, nh, &segs, &nseg);
    strbuf out;
    sb_init(&out);
    if (flag(a, "json")) {
        jsonout_ticket_open(&out, &v);
        sb_append(&out, ",\"history\":");
        jsonout_audit_array(&out, h, nh);
        if (explain) {
            sb_append(&out, ",\"explain\":");
            jsonout_segment_array(&out, segs, nseg);
        }
        sb_append(&out, "}\n");
    } else {
        clitext_show(c, &out, &v, h, nh, explain ? segs : NULL, nseg);
    }
    sla_segments_free(segs, nseg);
    for (size_t i = 0; i < nh; i++)
        audit_entry_done(&h[i]);
    free(h);
    ops_view_done(&v);
    return emit(c, &out);
}

/* The common tail of every change to a ticket: --expect-version, then the database for writing. */
static int prepare_change(cli_ctx *c, const cmd_args *a, int64_t *ev)
{
    int rc = expect_version(c, a, ev);
    return rc != 0 ? rc : open_db(c, true);
}

static int do_level(cli_ctx *c, const cmd_args *a, ops_move move, const char *level)
{
    int64_t id, ev;
    const char *reason;
    int rc = need_id(c, a->pos[0], &id);
    if (rc == 0)
        rc = need_reason(c, a, &reason);
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
    return emit(c, &out);
}

static int cmd_raise(cli_ctx *c, const cmd_args *a)
{
    return do_level(c, a, OPS_UP, NULL);
}

static int cmd_lower(cli_ctx *c, const cmd_args *a)
{
    return do_level(c, a, OPS_DOWN, NULL);
}

static int cmd_set_level(cli_ctx *c, const cmd_args *a)
{
    if (a->npos < 2)
        return usage_fail(c, "set-level: missing LEVEL (usage: %s)", a->cmd->usage);
    if (!*a->pos[1])
        return usage_fail(c, "set-level: LEVEL must not be empty");
    return do_level(c, a, OPS_TO, a->pos[1]);
}

typedef enum { ST_CMD_RESPOND, ST_CMD_RESOLVE, ST_CMD_REOPEN, ST_CMD_ASSIGN } status_cmd;

static int do_status(cli_ctx *c, const cmd_args *a, status_cmd which)
{
    int64_t id, ev;
    const char *reason = NULL, *to = NULL;
    int rc = need_id(c, a->pos[0], &id);
    if (rc == 0 && which == ST_CMD_REOPEN)
        rc = need_reason(c, a, &reason);
    if (rc == 0 && which == ST_CMD_ASSIGN) {
        to = opt(a, "to");
        if (!to)
            rc = usage_fail(c, "assign: missing --to NAME");
        else if (!*to)
            rc = usage_fail(c, "--to: must not be empty");
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
    return emit(c, &out);
}

static int cmd_respond(cli_ctx *c, const cmd_args *a)
{
    return do_status(c, a, ST_CMD_RESPOND);
}
static int cmd_resolve(cli_ctx *c, const cmd_args *a)
{
    return do_status(c, a, ST_CMD_RESOLVE);
}
static int cmd_reopen(cli_ctx *c, const cmd_args *a)
{
    return do_status(c, a, ST_CMD_REOPEN);
}
static int cmd_assign(cli_ctx *c, const cmd_args *a)
{
    return do_status(c, a, ST_CMD_ASSIGN);
}

static int cmd_due(cli_ctx *c, const cmd_args *a)
{
    const char *level = opt(a, "level"), *created_s = opt(a, "created"), *pfile = opt(a, "policy");
    if (!level)
        return usage_fail(c, "due: missing --level");
    if (!created_s)
        return usage_fail(c, "due: missing --created");
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
        if ((rc = open_db(c, false)) != 0)
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
    if (flag(a, "json")) {
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
    return emit(c, &out);
}

static void free_entries(st_audit_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        audit_entry_done(&e[i]);
    free(e);
}

static int audit_verify(cli_ctx *c, const cmd_args *a)
{
    int64_t aseq = 0;
    char ahash[65] = "";
    st_err err;
    const char *anchor = opt(a, "anchor");
    if (anchor && audit_anchor_parse(anchor, &aseq, ahash, &err) != ST_OK) {
        err.code = ST_USAGE;
        return cli_fail(c, &err);
    }
    int rc = open_db(c, false);
    if (rc != 0)
        return rc;
    int64_t checked = 0, hseq = 0;
    char hhash[65];
    if (store_audit_verify(c->store, aseq, anchor ? ahash : NULL, &checked, &err) != ST_OK)
        return cli_fail(c, &err);
    if (store_audit_head(c->store, &hseq, hhash, &err) != ST_OK)
        return cli_fail(c, &err);
    strbuf out;
    sb_init(&out);
    sb_printf(&out, "ok: %" PRId64 " entries verified (head %" PRId64 ":%s)\n", checked, hseq, hhash);
    return emit(c, &out);
}

static int cmd_audit(cli_ctx *c, const cmd_args *a)
{
    const char *sub = a->npos > 0 ? a->pos[0] : NULL;
    bool verify = sub && strcmp(sub, "verify") == 0;
    bool head = sub && strcmp(sub, "head") == 0;
    bool export = sub && strcmp(sub, "export") == 0;
    int64_t id = 0;
    if (sub && !verify && !head && !export && !parse_id(sub, &id))
        return usage_fail(c, "audit: '%s' is neither a ticket id nor verify, head or export", sub);
    if (a->npos > 1)
        return usage_fail(c, "audit: unexpected argument '%s'", a->pos[1]);
    if (opt(a, "anchor") && !verify)
        return usage_fail(c, "--anchor: only with 'audit verify'");
    if (opt(a, "format") && !export)
        return usage_fail(c, "--format: only with 'audit export'");
    if (flag(a, "json") && (verify || head || export))
        return usage_fail(c, "--json: not with 'audit %s'", sub);
    if (verify)
        return audit_verify(c, a);
    const char *format = opt(a, "format");
    if (export) {
        if (!format)
            return usage_fail(c, "audit export: missing --format csv|json");
        if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
            return usage_fail(c, "--format '%s': expected csv or json", format);
    }
    int rc = open_db(c, false);
    if (rc != 0)
        return rc;
    st_err err;
    strbuf out;
    sb_init(&out);
    if (head) {
        int64_t seq;
        char hash[65];
        if (store_audit_head(c->store, &seq, hash, &err) != ST_OK)
            return cli_fail(c, &err);
        sb_printf(&out, "%" PRId64 ":%s\n", seq, hash);
        return emit(c, &out);
    }
    if (id > 0) {
        /* An unknown ticket is an error, not an empty history. */
        st_ticket t;
        if (store_ticket_get(c->store, id, &t, &err) != ST_OK)
            return cli_fail(c, &err);
        ticket_done(&t);
    }
    st_audit_entry *e = NULL;
    size_t n = 0;
    if (store_audit_list(c->store, id, &e, &n, &err) != ST_OK)
        return cli_fail(c, &err);
    if (flag(a, "json") || (export && strcmp(format, "json") == 0)) {
        jsonout_audit_array(&out, e, n);
        sb_append_c(&out, '\n');
    } else if (export) {
        clitext_audit_csv(c, &out, e, n);
    } else {
        for (size_t i = 0; i < n; i++)
            clitext_audit_line(c, &out, &e[i], "");
    }
    free_entries(e, n);
    return emit(c, &out);
}

static int cmd_policy(cli_ctx *c, const cmd_args *a)
{
    const char *sub = a->npos > 0 ? a->pos[0] : "show";
    st_err err;
    if (strcmp(sub, "show") == 0) {
        if (a->npos > 1)
            return usage_fail(c, "policy show: unexpected argument '%s'", a->pos[1]);
        if (opt(a, "reason"))
            return usage_fail(c, "--reason: only with 'policy apply'");
        int rc = open_db(c, false);
        if (rc != 0)
            return rc;
        strbuf out;
        sb_init(&out);
        if (flag(a, "json")) {
            char *json = NULL;
            int64_t ver = 0;
            if (store_policy_get(c->store, 0, &json, &ver, &err) != ST_OK)
                return cli_fail(c, &err);
            st_code sc = jsonout_reserialize(&out, json, "stored policy", "version", ver, &err);
            free(json);
            if (sc != ST_OK) {
                sb_done(&out);
                return cli_fail(c, &err);
            }
            sb_append_c(&out, '\n');
        } else {
            const st_policy *p;
            int64_t ver;
            if (ops_policy(c->ops, 0, &p, &ver, &err) != ST_OK)
                return cli_fail(c, &err);
            clitext_policy(c, &out, p, ver);
        }
        return emit(c, &out);
    }
    if (strcmp(sub, "apply") == 0) {
        if (a->npos < 2)
            return usage_fail(c, "policy apply: missing FILE");
        if (flag(a, "json"))
            return usage_fail(c, "--json: only with 'policy show'");
        const char *reason;
        int rc = need_reason(c, a, &reason);
        if (rc == 0)
            rc = open_db(c, true);
        if (rc != 0)
            return rc;
        int64_t ver = 0;
        if (ops_policy_apply(c->ops, a->pos[1], reason, &ver, &err) != ST_OK)
            return cli_fail(c, &err);
        strbuf out;
        sb_init(&out);
        sb_printf(&out, "policy version %" PRId64 " applied\n", ver);
        return emit(c, &out);
    }
    return usage_fail(c, "policy: unknown subcommand '%s' (expected show or apply)", sub);
}

static const cmd_spec COMMANDS[] = {
    {"init", cmd_init, 0, 0, {{"policy", true}}, "init --policy FILE"},
    {"add", cmd_add, 0, 0,
     {{"title", true}, {"level", true}, {"customer", true}, {"channel", true}, {"ref", true}, {"created", true}},
     "add --title T [--level L] [--customer C] [--channel CH] [--ref R] [--created ISO8601]"},
    {"import", cmd_import, 1, 1, {{0}}, "import FILE"},
    {"list", cmd_list, 0, 0, {{"json", false}, {"all", false}}, "list [--json] [--all]"},
    {"show", cmd_show, 1, 1, {{"json", false}, {"explain", false}}, "show ID [--json] [--explain]"},
    {"raise", cmd_raise, 1, 1, {{"reason", true}, {"expect-version", true}}, "raise ID --reason R [--expect-version N]"},
    {"lower", cmd_lower, 1, 1, {{"reason", true}, {"expect-version", true}}, "lower ID --reason R [--expect-version N]"},
    {"set-level", cmd_set_level, 1, 2, {{"reason", true}, {"expect-version", true}},
     "set-level ID LEVEL --reason R [--expect-version N]"},
    {"respond", cmd_respond, 1, 1, {{"expect-version", true}}, "respond ID [--expect-version N]"},
    {"resolve", cmd_resolve, 1, 1, {{"expect-version", true}}, "resolve ID [--expect-version N]"},
    {"reopen", cmd_reopen, 1, 1, {{"reason", true}, {"expect-version", true}}, "reopen ID --reason R [--expect-version N]"},
    {"assign", cmd_assign, 1, 1, {{"to", true}, {"expect-version", true}}, "assign ID --to NAME [--expect-version N]"},
    {"due", cmd_due, 0, 0, {{"level", true}, {"created", true}, {"policy", true}, {"json", false}},
     "due --level L --created ISO8601 [--policy FILE] [--json]"},
    {"audit", cmd_audit, 0, 2, {{"json", false}, {"anchor", true}, {"format", true}},
     "audit [ID] [--json] | audit verify [--anchor SEQ:HASH] | audit head | audit export --format csv|json"},
    {"uptime", NULL, 0, 0, {{0}}, "uptime [--month YYYY-MM] [--json]"},
    {"policy", cmd_policy, 0, 2, {{"json", false}, {"reason", true}},
     "policy show [--json] | policy apply FILE --reason R"},
};
#define N_COMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static void print_help(void)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "usage: slatop [GLOBAL OPTIONS] [COMMAND [ARGS]]\n"
                   "With no command slatop opens the console.\n\n"
                   "Global options:\n"
                   "  --db PATH         database (else $SLATOP_DB, config 'db', $XDG_DATA_HOME/slatop/slatop.db)\n"
                   "  --config PATH     configuration file (else $SLATOP_CONFIG, $XDG_CONFIG_HOME/slatop/config.json,\n"
                   "                    ~/.config/slatop/config.json, /etc/slatop/config.json)\n"
                   "  --now ISO8601     set the clock (e.g. 2026-11-20T10:00:00Z)\n"
                   "  --read-only       refuse every change\n"
                   "  --no-color        no colours (also NO_COLOR)\n"
                   "  --demo            build a fresh demo database and open the console on it\n"
                   "  --max-frames N    exit the console after N screen updates\n"
                   "  --keys FILE       read console key presses from FILE\n"
                   "  --help, --version\n\nCommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        sb_printf(&sb, "  %s\n", COMMANDS[i].usage);
    sb_append(&sb, "\nExit status: 0 success, 1 refused by the data, 2 usage error. See slatop(1).\n");
    fputs(sb.buf, stdout);
    sb_done(&sb);
}

/* ---- option parsing ------------------------------------------------------------------------- */

/* Tries argv[*i] as a global option. Returns 1 consumed, 0 not a global option, 2 usage error
 * (printed). */
static int parse_global(int argc, char **argv, int *i, raw_globals *rg)
{
    const char *arg = argv[*i];
    if (strncmp(arg, "--", 2) != 0)
        return 0;
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    static const struct {
        const char *name;
        int kind; /* 0 flag, 1 value */
    } G[] = {{"db", 1},        {"config", 1},  {"now", 1},   {"max-frames", 1}, {"keys", 1},   {"read-only", 0},
             {"no-color", 0},  {"demo", 0},    {"help", 0},  {"version", 0}};
    for (size_t k = 0; k < sizeof G / sizeof G[0]; k++) {
        if (strlen(G[k].name) != len || strncmp(G[k].name, name, len) != 0)
            continue;
        const char *val = NULL;
        if (G[k].kind == 1) {
            if (eq)
                val = eq + 1;
            else if (*i + 1 < argc)
                val = argv[++*i];
            else
                return usage_fail(NULL, "--%s: missing value", G[k].name);
        } else if (eq) {
            return usage_fail(NULL, "--%s: takes no value", G[k].name);
        }
        switch (k) {
        case 0: rg->db = val; break;
        case 1: rg->config = val; break;
        case 2: rg->now = val; break;
        case 3: rg->max_frames = val; break;
        case 4: rg->keys = val; break;
        case 5: rg->read_only = true; break;
        case 6: rg->no_color = true; break;
        case 7: rg->demo = true; break;
        case 8: rg->help = true; break;
        default: rg->version = true; break;
        }
        return 1;
    }
    return 0;
}

/* Parses the command's own options and positionals (global options are accepted there too).
 * Returns 0, or the exit status of a usage error (printed). */
static int parse_command(const cmd_spec *cmd, int argc, char **argv, int start, raw_globals *rg, cmd_args *a,
                         bool *help)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    bool only_pos = false;
    for (int i = start; i < argc; i++) {
        const char *arg = argv[i];
        if (!only_pos && strcmp(arg, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (!only_pos && strncmp(arg, "--", 2) == 0) {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            int k = opt_index(cmd, name, len);
            if (k < 0) {
                if (strcmp(arg, "--help") == 0) {
                    *help = true;
                    continue;
                }
                int g = parse_global(argc, argv, &i, rg);
                if (g == 1)
                    continue;
                if (g != 0)
                    return g;
                return usage_fail(NULL, "%s: unknown option '%.*s'", cmd->name, (int)(len + 2), arg);
            }
            if (a->set[k])
                return usage_fail(NULL, "--%s: given twice", cmd->opts[k].name);
            if (cmd->opts[k].has_value) {
                if (eq)
                    a->val[k] = eq + 1;
                else if (i + 1 < argc)
                    a->val[k] = argv[++i];
                else
                    return usage_fail(NULL, "--%s: missing value", cmd->opts[k].name);
            } else if (eq) {
                return usage_fail(NULL, "--%s: takes no value", cmd->opts[k].name);
            }
            a->set[k] = true;
            continue;
        }
        if (a->npos >= cmd->max_pos)
            return usage_fail(NULL, "%s: unexpected argument '%s' (usage: %s)", cmd->name, arg, cmd->usage);
        a->pos[a->npos++] = arg;
    }
    if (*help)
        return 0;
    if (a->npos < cmd->min_pos)
        return usage_fail(NULL, "%s: missing argument (usage: %s)", cmd->name, cmd->usage);
    return 0;
}

/* ---- resolution ----------------------------------------------------------------------------- */

static char *default_db_path(void)
{
    const char *x = getenv("XDG_DATA_HOME");
    if (x && *x)
        return xasprintf("%s/slatop/slatop.db", x);
    const char *home = getenv("HOME");
    if (home && *home)
        return xasprintf("%s/.local/share/slatop/slatop.db", home);
    return NULL;
}

static int resolve(cli_ctx *c, const raw_globals *rg)
{
    st_err err;
    cli_globals *g = &c->g;
    clock_init_real(&g->clock);
    if (rg->now) {
        st_time t;
        if (!time_parse_iso(rg->now, &t))
            return usage_fail(c, "--now: invalid time '%s' (expected ISO 8601 like 2026-11-20T10:00:00Z)", rg->now);
        clock_set_now(&g->clock, t);
        g->now_given = true;
    }
    g->max_frames = -1;
    if (rg->max_frames) {
        char *end;
        errno = 0;
        long v = strtol(rg->max_frames, &end, 10);
        if (errno || *end || !*rg->max_frames || v < 0)
            return usage_fail(c, "--max-frames '%s': expected a non-negative integer", rg->max_frames);
        g->max_frames = v;
    }
    g->read_only = rg->read_only;
    const char *nc = getenv("NO_COLOR");
    g->no_color = rg->no_color || (nc && *nc);
    g->demo = rg->demo;
    g->keys_file = rg->keys;
    if (config_load(rg->config, &c->config_owned, &err) != ST_OK ||
        app_config_check(c->config_owned, NULL, &err) != ST_OK)
        return cli_fail(c, &err);
    g->config = c->config_owned;
    g->config_path = c->config_owned->path;
    const char *env_db = getenv("SLATOP_DB");
    if (rg->db && *rg->db)
        g->db_path = rg->db;
    else if (rg->db)
        return usage_fail(c, "--db: must not be empty");
    else if (env_db && *env_db)
        g->db_path = env_db;
    else if (g->config->db)
        g->db_path = g->config->db;
    else
        g->db_path = c->db_owned = default_db_path();
    return 0;
}

static void ctx_done(cli_ctx *c)
{
    ops_free(c->ops);
    if (c->store)
        store_close(c->store);
    config_free(c->config_owned);
    free(c->db_owned);
    free(c->demo_owned);
    free(c->uptime_argv);
}

static int run_demo(cli_ctx *c, const raw_globals *rg, bool have_command)
{
    st_err err;
    if (rg->db && *rg->db) {
        c->g.db_path = rg->db;
    } else {
        c->demo_owned = demo_default_path();
        if (!c->demo_owned)
            return usage_fail(c, "--demo: no place for the demo database: give --db PATH (HOME is not set)");
        c->g.db_path = c->demo_owned;
    }
    if (demo_build(c->g.db_path, &c->g.clock, &err) != ST_OK)
        return cli_fail(c, &err);
    if (demo_monitoring(c->g.db_path, clock_now(&c->g.clock), c->config_owned, &err) != ST_OK)
        return cli_fail(c, &err);
    if (have_command)
        return -1; /* the caller runs the command on the demo database */
    if (isatty(STDOUT_FILENO)) {
        st_err_clear(&err);
        int rc = app_run(&c->g, &err);
        if (rc != 0 && err.msg[0])
            cli_fail(c, &err);
        return rc;
    }
    int rc = open_db(c, false);
    return rc != 0 ? rc : cli_print_list(c, false, false);
}

int cli_main(int argc, char **argv)
{
    cli_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.g.ascii = !st_locale_init();

    raw_globals rg;
    memset(&rg, 0, sizeof rg);
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strncmp(argv[i], "-", 1) != 0 || strcmp(argv[i], "-") == 0)
            break;
        int r = parse_global(argc, argv, &i, &rg);
        if (r == 1)
            continue;
        if (r != 0)
            return r;
        const char *eq = strchr(argv[i], '=');
        int len = eq ? (int)(eq - argv[i]) : (int)strlen(argv[i]);
        return usage_fail(&ctx, "unknown option '%.*s' (see --help)", len, argv[i]);
    }
    if (rg.help) {
        print_help();
        return 0;
    }
    if (rg.version) {
        printf("slatop %s\n", SLATOP_VERSION);
        return 0;
    }
    const cmd_spec *cmd = NULL;
    if (i < argc) {
        for (size_t k = 0; k < N_COMMANDS; k++)
            if (strcmp(COMMANDS[k].name, argv[i]) == 0)
                cmd = &COMMANDS[k];
        if (!cmd)
            return usage_fail(&ctx, "unknown command '%s' (see --help)", argv[i]);
    }
    cmd_args args;
    bool help = false;
    if (cmd && !cmd->run) {
        /* uptime parses its own options; global options given after it are taken out first. */
        ctx.uptime_argv = xcalloc((size_t)(argc - i + 1), sizeof(char *));
        ctx.uptime_argv[ctx.uptime_argc++] = argv[i];
        for (int k = i + 1; k < argc; k++) {
            int r = strncmp(argv[k], "--", 2) == 0 && strcmp(argv[k], "--help") != 0 ? parse_global(argc, argv, &k, &rg) : 0;
            if (r == 1)
                continue;
            if (r != 0) {
                free(ctx.uptime_argv);
                return r;
            }
            ctx.uptime_argv[ctx.uptime_argc++] = argv[k];
        }
    }
    if (cmd && cmd->run) {
        int r = parse_command(cmd, argc, argv, i + 1, &rg, &args, &help);
        if (r != 0)
            return r;
        if (help) {
            printf("usage: slatop %s\n", cmd->usage);
            return 0;
        }
    }
    int rc = resolve(&ctx, &rg);
    if (rc == 0 && ctx.g.demo) {
        rc = run_demo(&ctx, &rg, cmd != NULL);
        if (rc != -1) {
            ctx_done(&ctx);
            return rc;
        }
        rc = 0;
    }
    if (rc == 0) {
        if (!cmd) {
            st_err err;
            st_err_clear(&err);
            rc = app_run(&ctx.g, &err);
            if (rc != 0 && err.msg[0])
                cli_fail(&ctx, &err);
        } else if (!cmd->run) {
            rc = cli_uptime(&ctx.g, ctx.uptime_argc, ctx.uptime_argv);
        } else {
            rc = cmd->run(&ctx, &args);
        }
    }
    ctx_done(&ctx);
    return rc;
}
