/* sqlite_dump: every row of the named tables as text, from one read transaction (store_migrate's
 * source, store_backend.h: dump). Generic over columns, so a table gains a column without this
 * file changing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"

/* One table's rows; the statement is prepared here, not cached (it runs once per migration). */
static st_code dump_table(store_backend *s, const char *table, store_row_visit visit, void *ctx, st_err *err)
{
    char *sql = xasprintf("SELECT * FROM \"%s\"", table);
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL);
    free(sql);
    if (rc != SQLITE_OK)
        return sq_fail(s, rc, table, err);
    int ncols = sqlite3_column_count(stmt);
    const char **names = xcalloc((size_t)ncols + 1, sizeof *names);
    const char **values = xcalloc((size_t)ncols + 1, sizeof *values);
    char (*real)[32] = xcalloc((size_t)ncols + 1, sizeof *real);
    for (int i = 0; i < ncols; i++)
        names[i] = sqlite3_column_name(stmt, i);
    st_code code = ST_OK;
    while (code == ST_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        for (int i = 0; i < ncols; i++) {
            switch (sqlite3_column_type(stmt, i)) {
            case SQLITE_NULL:
                values[i] = NULL;
                break;
            case SQLITE_FLOAT: /* SQLite's own text keeps 15 digits; 17 round-trip a double */
                snprintf(real[i], sizeof real[i], "%.17g", sqlite3_column_double(stmt, i));
                values[i] = real[i];
                break;
            default:
                values[i] = (const char *)sqlite3_column_text(stmt, i);
                break;
            }
        }
        code = visit(ctx, table, ncols, names, values, err);
    }
    if (code == ST_OK && rc != SQLITE_DONE)
        code = sq_fail(s, rc, table, err);
    sqlite3_finalize(stmt);
    free(names);
    free(values);
    free(real);
    return code;
}

st_code sq_dump(store_backend *s, const char *const *tables, size_t n_tables, store_row_visit visit, void *ctx,
                int64_t *head_seq, char head_hash[65], st_err *err)
{
    /* One read transaction: every table and the head from the same snapshot. */
    st_code code = sq_exec(s, SCAN_CACHE, err);
    if (code == ST_OK)
        code = sq_exec(s, "BEGIN", err);
    if (code != ST_OK)
        return code;
    code = store_sqlite_ops.audit_head(s, head_seq, head_hash, err);
    for (size_t i = 0; code == ST_OK && i < n_tables; i++)
        code = dump_table(s, tables[i], visit, ctx, err);
    st_err ignored;
    st_code end = sq_exec(s, code == ST_OK ? "COMMIT" : "ROLLBACK", code == ST_OK ? err : &ignored);
    sq_cache_restore(s);
    return code != ST_OK ? code : end;
}
