/* cli_messages: the conversation and status commands (SPEC §8): message, reply, note, set-status,
 * the --body/--body-file reader that add shares, and the conversation's text form. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_internal.h"
#include "slatop/ops.h"
#include "slatop/text.h"

/* Reads at most MSG_BODY_MAX + 1 bytes of f: one more than a body may hold is enough to refuse it,
 * since repairing never makes a body shorter. */
static st_code read_body_stream(FILE *f, const char *name, char **out, size_t *len, st_err *err)
{
    char *buf = xmalloc(MSG_BODY_MAX + 2);
    size_t n = fread(buf, 1, MSG_BODY_MAX + 1, f);
    if (ferror(f)) {
        free(buf);
        return st_fail(err, ST_IO, "%s: cannot read: %s", name, strerror(errno));
    }
    if (n > MSG_BODY_MAX) {
        free(buf);
        return st_fail(err, ST_INVALID, "%s: more than the %d bytes a message may hold", name, MSG_BODY_MAX);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return ST_OK;
}

int cli_read_body(cli_ctx *c, const cmd_args *a, bool required, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    const char *text = cli_opt(a, "body"), *file = cli_opt(a, "body-file");
    if (text && file)
        return cli_usage_fail(c, "--body and --body-file: give one, not both");
    if (!text && !file)
        return required ? cli_usage_fail(c, "%s: missing --body TEXT or --body-file FILE", a->cmd->name) : 0;
    st_err err;
    st_code rc = ST_OK;
    if (text && strcmp(text, "-") != 0) {
        *len = strlen(text);
        *out = xstrdup(text);
    } else if (!file || strcmp(file, "-") == 0) {
        rc = read_body_stream(stdin, "standard input", out, len, &err);
    } else {
        FILE *f = fopen(file, "rb");
        if (!f)
            rc = st_fail(&err, ST_INVALID, "%s: cannot open: %s", file, strerror(errno));
        else {
            rc = read_body_stream(f, file, out, len, &err);
            fclose(f);
        }
    }
    return rc == ST_OK ? 0 : cli_fail(c, &err);
}

static int do_message(cli_ctx *c, const cmd_args *a, msg_kind kind)
{
    int64_t id, ev = -1;
    int rc = cli_need_id(c, a->pos[0], &id);
    const char *from = kind == MSG_CUSTOMER ? cli_opt(a, "from") : NULL;
    if (rc == 0 && from && !*from)
        rc = cli_usage_fail(c, "--from: must not be empty");
    if (rc == 0)
        rc = cli_expect_version(c, a, &ev);
    char *body = NULL;
    size_t len = 0;
    if (rc == 0)
        rc = cli_read_body(c, a, true, &body, &len);
    if (rc == 0)
        rc = cli_open_db(c, true);
    if (rc != 0) {
        free(body);
        return rc;
    }
    st_err err;
    int64_t mid = 0;
    st_code sc = ops_message(c->ops, id, kind, from, body, len, ev, &mid, &err);
    free(body);
    if (sc != ST_OK)
        return cli_fail(c, &err);
    strbuf out;
    sb_init(&out);
    sb_printf(&out, "ticket %" PRId64 ": %s %" PRId64 " recorded\n", id,
              kind == MSG_CUSTOMER ? "customer message" : msg_kind_name(kind), mid);
    return cli_emit(c, &out);
}

int cmd_message(cli_ctx *c, const cmd_args *a)
{
    return do_message(c, a, MSG_CUSTOMER);
}

int cmd_reply(cli_ctx *c, const cmd_args *a)
{
    return do_message(c, a, MSG_REPLY);
}

int cmd_note(cli_ctx *c, const cmd_args *a)
{
    return do_message(c, a, MSG_NOTE);
}

int cmd_set_status(cli_ctx *c, const cmd_args *a)
{
    int64_t id, ev = -1;
    int rc = cli_need_id(c, a->pos[0], &id);
    if (rc != 0)
        return rc;
    tk_status to;
    if (a->npos < 2)
        return cli_usage_fail(c, "set-status: missing STATUS (usage: %s)", a->cmd->usage);
    if (!tk_status_parse(a->pos[1], &to) || to == TK_RESOLVED) {
        char *s = text_sanitize(a->pos[1], c->g.ascii);
        rc = cli_usage_fail(c, "STATUS '%s': expected open, pending or on_hold%s", s,
                            to == TK_RESOLVED ? " (resolve with 'resolve')" : "");
        free(s);
        return rc;
    }
    if ((rc = cli_expect_version(c, a, &ev)) != 0)
        return rc;
    const char *reason = cli_opt(a, "reason");
    if (to != TK_OPEN && (!reason || !*reason))
        return cli_usage_fail(c, "--reason is required for %s", tk_status_name(to));
    if ((rc = cli_open_db(c, true)) != 0)
        return rc;
    st_err err;
    if (ops_set_status(c->ops, id, to, reason, ev, &err) != ST_OK)
        return cli_fail(c, &err);
    strbuf out;
    sb_init(&out);
    sb_printf(&out, "ticket %" PRId64 ": %s\n", id, tk_status_name(to));
    return cli_emit(c, &out);
}

void clitext_messages(cli_ctx *c, strbuf *out, const st_message *m, size_t n)
{
    if (n == 0)
        return;
    sb_append(out, "\nConversation:\n");
    for (size_t i = 0; i < n; i++) {
        char at[21];
        /* Told apart without colour: the kind is a word. */
        sb_printf(out, "  #%" PRId64 " %s %s by ", m[i].id, time_format_iso(m[i].at, at),
                  msg_kind_name(m[i].kind));
        if (m[i].author)
            text_sanitize_into(out, m[i].author, c->g.ascii);
        else
            sb_append(out, "-");
        sb_append_c(out, '\n');
        /* Each line filtered alone, so the line breaks stay and nothing else passes raw. */
        const char *p = m[i].body;
        for (;;) {
            const char *nl = strchr(p, '\n');
            char *line = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
            sb_append(out, "    ");
            text_sanitize_into(out, line, c->g.ascii);
            sb_append_c(out, '\n');
            free(line);
            if (!nl)
                break;
            p = nl + 1;
        }
    }
}

void clitext_clocks(cli_ctx *c, strbuf *out, const clk_result *r)
{
    (void)c;
    if (r->n == 0)
        return;
    sb_append(out, "\nClocks:\n");
    for (size_t i = 0; i < r->n; i++) {
        const clk_clock *k = &r->clocks[i];
        char due[21], stop[21], rem[24];
        sb_printf(out, "  %-14s #%d  %-8s  due %s  remaining %s", policy_metric_name(k->metric), k->cycle,
                  sla_state_name(k->state), k->due == ST_TIME_NONE ? "-" : time_format_iso(k->due, due),
                  duration_format_hms(k->remaining_s, rem));
        if (k->paused_by != CLK_PAUSED_NONE)
            sb_printf(out, "  paused by %s", clocks_paused_by_name(k->paused_by));
        if (k->stopped != ST_TIME_NONE)
            sb_printf(out, "  stopped %s", time_format_iso(k->stopped, stop));
        if (k->breached_ever && k->state != SLA_BREACHED && k->state != SLA_MISSED)
            sb_append(out, "  (breached before)");
        sb_append_c(out, '\n');
    }
}
