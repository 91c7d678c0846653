/* cli_migrate: `slatop migrate --to URI` (SPEC §10 "Moving a team"): the current database copied
 * into an empty PostgreSQL database. Progress goes to stderr only when the copy takes a while, so
 * a small migration prints just its one result line. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli_internal.h"
#include "slatop/store.h"
#include "slatop/store_migrate.h"

#define QUIET_NS (2 * 1000000000LL) /* no progress lines for a copy shorter than this */

typedef struct {
    st_mono start;
} progress_ctx;

static void progress(void *ctx, const char *table, int64_t rows)
{
    progress_ctx *p = ctx;
    if (mono_now() - p->start >= QUIET_NS)
        fprintf(stderr, "slatop: migrate: %" PRId64 " rows copied (now %s)\n", rows, table);
}

int cmd_migrate(cli_ctx *c, const cmd_args *a)
{
    const char *to = cli_opt(a, "to");
    if (!to)
        return cli_usage_fail(c, "migrate: missing --to URI");
    int rc = cli_open_db(c, false);
    if (rc != 0)
        return rc;
    st_err err;
    store_migrate_stats st;
    progress_ctx p = {mono_now()};
    if (store_migrate(c->store, to, progress, &p, &st, &err) != ST_OK)
        return cli_fail(c, &err);
    char *from = store_locator_shown(c->g.db_path);
    char *target = store_locator_shown(to);
    strbuf out;
    sb_init(&out);
    sb_printf(&out,
              "migrated %s to %s: %" PRId64 " tickets, %" PRId64 " messages, %" PRId64
              " audit entries; audit head %" PRId64 " %s\n",
              from, target, st.tickets, st.messages, st.audit, st.head_seq, st.head_hash);
    free(from);
    free(target);
    return cli_emit(c, &out);
}
