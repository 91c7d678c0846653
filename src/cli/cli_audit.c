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
    query_audit log;
    if (query_audit_page(c->ops, &req, &log, &err) != ST_OK) {
        query_audit_done(&log);
        return cli_fail(c, &err);
    }
    const st_audit_entry *e = log.entries;
    size_t n = log.n;
    if (cli_flag(a, "json") || (export && strcmp(format, "json") == 0)) {
        jsonout_audit_array(&out, e, n);
        sb_append_c(&out, '\n');
    } else if (export) {
        clitext_audit_csv(c, &out, e, n);
    } else {
        for (size_t i = 0; i < n; i++)
            clitext_audit_line(c, &out, &e[i], "");
    }
    query_audit_done(&log);
    return cli_emit(c, &out);
}
