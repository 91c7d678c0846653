/* cli_audit: the audit log's commands (SPEC §3): audit [ID], audit verify, audit head,
 * audit export. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli_internal.h"
#include "slatop/audit.h"
#include "slatop/jsonout.h"
#include "slatop/query.h"

static int audit_verify(cli_ctx *c, const cmd_args *a)
{
    int64_t aseq = 0;
    char ahash[65] = "";
    st_err err;
    const char *anchor = cli_opt(a, "anchor");
    if (anchor && audit_anchor_parse(anchor, &aseq, ahash, &err) != ST_OK) {
        err.code = ST_USAGE;
        return cli_fail(c, &err);
    }
    int rc = cli_open_db(c, false);
    if (rc != 0)
        return rc;
    int64_t checked = 0, hseq = 0;
    char hhash[65];
    if (query_audit_verify(c->ops, aseq, anchor ? ahash : NULL, &checked, &hseq, hhash, &err) != ST_OK)
        return cli_fail(c, &err);
    strbuf out;
    sb_init(&out);
    sb_printf(&out, "ok: %" PRId64 " entries verified (head %" PRId64 ":%s)\n", checked, hseq, hhash);
    return cli_emit(c, &out);
}

/* audit's output, one entry at a time as the log is read. */
typedef struct {
    cli_ctx *c;
    strbuf *out;
    enum { AUDIT_TEXT, AUDIT_JSON, AUDIT_CSV } form;
    int64_t n; /* entries written */
} audit_out;

static st_code audit_out_entry(void *ctx, const st_audit_entry *e, st_err *err)
{
    audit_out *ao = ctx;
    switch (ao->form) {
    case AUDIT_JSON:
        if (ao->n)
            sb_append_c(ao->out, ',');
        jsonout_audit_entry(ao->out, e);
        break;
    case AUDIT_CSV:
        clitext_audit_csv_row(ao->c, ao->out, e);
        break;
    case AUDIT_TEXT:
        clitext_audit_line(ao->c, ao->out, e, "");
        break;
    }
    ao->n++;
    return cli_stream_flush(ao->out, false, err);
}

int cmd_audit(cli_ctx *c, const cmd_args *a)
{
    const char *sub = a->npos > 0 ? a->pos[0] : NULL;
    bool verify = sub && strcmp(sub, "verify") == 0;
    bool head = sub && strcmp(sub, "head") == 0;
    bool export = sub && strcmp(sub, "export") == 0;
    int64_t id = 0;
    if (sub && !verify && !head && !export && !cli_parse_id(sub, &id))
        return cli_usage_fail(c, "audit: '%s' is neither a ticket id nor verify, head or export", sub);
    if (a->npos > 1)
        return cli_usage_fail(c, "audit: unexpected argument '%s'", a->pos[1]);
    if (cli_opt(a, "anchor") && !verify)
        return cli_usage_fail(c, "--anchor: only with 'audit verify'");
    if (cli_opt(a, "format") && !export)
        return cli_usage_fail(c, "--format: only with 'audit export'");
    if (cli_flag(a, "json") && (verify || head || export))
        return cli_usage_fail(c, "--json: not with 'audit %s'", sub);
    if (verify)
        return audit_verify(c, a);
    const char *format = cli_opt(a, "format");
    if (export) {
        if (!format)
            return cli_usage_fail(c, "audit export: missing --format csv|json");
        if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
            return cli_usage_fail(c, "--format '%s': expected csv or json", format);
    }
    int rc = cli_open_db(c, false);
    if (rc != 0)
        return rc;
    st_err err;
    strbuf out;
    sb_init(&out);
    if (head) {
        int64_t seq;
        char hash[65];
        if (query_audit_head(c->ops, &seq, hash, &err) != ST_OK)
            return cli_fail(c, &err);
        sb_printf(&out, "%" PRId64 ":%s\n", seq, hash);
        return cli_emit(c, &out);
    }
    /* An unknown ticket is an error, not an empty history. */
    query_audit_req req = {.ticket_id = id, .must_exist = true, .verify = false};
    audit_out ao = {.c = c, .out = &out};
    if (cli_flag(a, "json") || (export && strcmp(format, "json") == 0)) {
        ao.form = AUDIT_JSON;
        sb_append_c(&out, '[');
    } else if (export) {
        ao.form = AUDIT_CSV;
        clitext_audit_csv_header(&out);
    }
    /* Written as it is read (SPEC §11): an error part-way leaves what was written before it. */
    st_code code = query_audit_scan(c->ops, &req, audit_out_entry, &ao, &err);
    if (code == ST_OK && ao.form == AUDIT_JSON)
        sb_append(&out, "]\n");
    if (code == ST_OK)
        code = cli_stream_flush(&out, true, &err);
    sb_done(&out);
    return code == ST_OK ? 0 : cli_fail(c, &err);
}
