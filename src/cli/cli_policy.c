/* cli_policy: the policy's commands (SPEC §3): init (a new database with its first policy),
 * policy show, policy apply. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli_internal.h"
#include "slatop/jsonout.h"
#include "slatop/ops.h"
#include "slatop/policy.h"
#include "slatop/query.h"
#include "slatop/store.h"

int cmd_init(cli_ctx *c, const cmd_args *a)
{
    const char *pol = cli_opt(a, "policy");
    if (!pol)
        return cli_usage_fail(c, "init: missing --policy FILE");
    if (c->g.read_only) {
        st_err err;
        char *shown = store_locator_shown(c->g.db_path ? c->g.db_path : "");
        st_fail(&err, ST_CONFLICT, "--read-only: refusing to create the database %s", shown);
        free(shown);
        return cli_fail(c, &err);
    }
    if (!c->g.db_path)
        return cli_usage_fail(c, "no database path: give --db PATH or set SLATOP_DB (HOME is not set)");
    st_err err;
    if (ops_init_db(c->g.db_path, pol, &c->g.clock, &err) != ST_OK)
        return cli_fail(c, &err);
    strbuf out;
    sb_init(&out);
    sb_printf(&out, "created %s with policy version 1\n", c->g.db_path);
    return cli_emit(c, &out);
}

int cmd_policy(cli_ctx *c, const cmd_args *a)
{
    const char *sub = a->npos > 0 ? a->pos[0] : "show";
    st_err err;
    if (strcmp(sub, "show") == 0) {
        if (a->npos > 1)
            return cli_usage_fail(c, "policy show: unexpected argument '%s'", a->pos[1]);
        if (cli_opt(a, "reason"))
            return cli_usage_fail(c, "--reason: only with 'policy apply'");
        int rc = cli_open_db(c, false);
        if (rc != 0)
            return rc;
        strbuf out;
        sb_init(&out);
        if (cli_flag(a, "json")) {
            char *json = NULL;
            int64_t ver = 0;
            if (query_policy_json(c->ops, 0, &json, &ver, &err) != ST_OK)
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
        return cli_emit(c, &out);
    }
    if (strcmp(sub, "apply") == 0) {
        if (a->npos < 2)
            return cli_usage_fail(c, "policy apply: missing FILE");
        if (cli_flag(a, "json"))
            return cli_usage_fail(c, "--json: only with 'policy show'");
        const char *reason;
        int rc = cli_need_reason(c, a, &reason);
        if (rc == 0)
            rc = cli_open_db(c, true);
        if (rc != 0)
            return rc;
        int64_t ver = 0;
        if (ops_policy_apply(c->ops, a->pos[1], reason, &ver, &err) != ST_OK)
            return cli_fail(c, &err);
        strbuf out;
        sb_init(&out);
        sb_printf(&out, "policy version %" PRId64 " applied\n", ver);
        return cli_emit(c, &out);
    }
    return cli_usage_fail(c, "policy: unknown subcommand '%s' (expected show or apply)", sub);
}
