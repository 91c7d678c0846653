/* store_migrate: see store_migrate.h. The source backend's dump hands every row of slatop's
 * tables as text, the PostgreSQL import streams them in; the two never hold more than a row (and
 * the import's send buffer). Derived tables are not copied: the target computes its ticket counts
 * and has its own schema row. */
#include <stdlib.h>
#include <string.h>

#include "slatop/store_migrate.h"

#include "store_backend.h"

/* Every table with data, parents before the rows that refer to them. */
static const char *const tables[] = {
    "meta", "policy_versions", "policy_levels", "tickets", "messages", "audit",
    "uptime_minutes", "uptime_months", "maintenance_windows",
};

typedef struct {
    store_pg_import *im;
    store_migrate_progress progress;
    void *ctx;
    store_migrate_stats *st;
} copy_ctx;

static st_code copy_row(void *ctx, const char *table, int ncols, const char *const *names,
                        const char *const *values, st_err *err)
{
    copy_ctx *c = ctx;
    st_code code = store_pg_import_row(c->im, table, ncols, names, values, err);
    if (code != ST_OK)
        return code;
    if (strcmp(table, "tickets") == 0)
        c->st->tickets++;
    else if (strcmp(table, "messages") == 0)
        c->st->messages++;
    else if (strcmp(table, "audit") == 0)
        c->st->audit++;
    if (++c->st->rows % STORE_MIGRATE_PROGRESS_ROWS == 0 && c->progress)
        c->progress(c->ctx, table, c->st->rows);
    return ST_OK;
}

st_code store_migrate(st_store *src, const char *to, store_migrate_progress progress, void *ctx,
                      store_migrate_stats *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    if (!to || (strncmp(to, "postgresql://", 13) != 0 && strncmp(to, "postgres://", 11) != 0)) {
        char *shown = store_pg_redact(to ? to : ""); /* a mistyped scheme may still carry a password */
        st_fail(err, ST_USAGE, "migrate --to %s: not a PostgreSQL locator (postgresql://... or postgres://...)",
                shown);
        free(shown);
        return ST_USAGE;
    }
    store_pg_import *im = NULL;
    st_code code = store_pg_import_begin(to, &im, err);
    if (code != ST_OK)
        return code;
    store_migrate_stats st = {0};
    copy_ctx c = {im, progress, ctx, &st};
    code = src->ops->dump(src->be, tables, sizeof tables / sizeof *tables, copy_row, &c, &st.head_seq,
                          st.head_hash, err);
    if (code != ST_OK) {
        store_pg_import_abort(im);
        return code;
    }
    if ((code = store_pg_import_finish(im, st.head_seq, st.head_hash, err)) == ST_OK)
        *out = st;
    return code;
}
