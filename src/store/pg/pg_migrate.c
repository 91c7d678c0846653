/* pg_migrate: store_migrate's two PostgreSQL ends (SPEC §10 "Moving a team"). As a source, dump
 * reads every row of slatop's tables from one REPEATABLE READ snapshot through cursors (constant
 * memory). As the target, an import fills an empty database in one transaction: slatop's tables
 * created, each table streamed in with COPY (text format), the ticket counts recomputed once,
 * the audit head checked against the source's, statistics gathered, then one COMMIT; any failure
 * before it rolls everything back, so the database stays empty. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

/* The libpq functions only this file uses (pg_lib_sym), resolved on first use. */
static struct {
    int (*putCopyData)(PGconn *, const char *, int);
    int (*putCopyEnd)(PGconn *, const char *);
    PGresult *(*getResult)(PGconn *);
    char *(*fname)(const PGresult *, int);
    int (*nfields)(const PGresult *);
} extra;

static st_code extra_load(const store_backend *b, st_err *err)
{
    static const char *const names[] = {"PQputCopyData", "PQputCopyEnd", "PQgetResult", "PQfname", "PQnfields"};
    _Static_assert(sizeof extra == sizeof names / sizeof *names * sizeof(void (*)(void)), "one pointer per name");
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        void (*f)(void) = pg_lib_sym(names[i]);
        if (!f)
            return st_fail(err, ST_IO, "%s: libpq.so.5 lacks %s: install a newer libpq5", b->name, names[i]);
        memcpy((char *)&extra + i * sizeof f, &f, sizeof f);
    }
    return ST_OK;
}

/* ---- the source: dump ---------------------------------------------------------------------- */

static st_code dump_table(store_backend *b, const char *table, store_row_visit visit, void *ctx, st_err *err)
{
    char *sql = xasprintf("SELECT * FROM \"%s\"", table);
    pg_cursor c;
    st_code code = pg_cursor_open(b, &c, sql, NULL, err);
    free(sql);
    if (code != ST_OK)
        return code;
    const char **names = NULL, **values = NULL;
    int ncols = 0;
    for (;;) {
        const PGresult *r;
        int row;
        if ((code = pg_cursor_next(&c, &r, &row, err)) != ST_OK || !r)
            break;
        if (!names) {
            ncols = extra.nfields(r);
            names = xcalloc((size_t)ncols + 1, sizeof *names);
            values = xcalloc((size_t)ncols + 1, sizeof *values);
        }
        for (int i = 0; i < ncols; i++) {
            names[i] = extra.fname(r, i); /* the batch's result owns them: set again per row */
            values[i] = PQgetisnull(r, row, i) ? NULL : PQgetvalue(r, row, i);
        }
        if ((code = visit(ctx, table, ncols, names, values, err)) != ST_OK)
            break;
    }
    free(names);
    free(values);
    return pg_cursor_close(&c, code, err);
}

st_code pg_dump(store_backend *b, const char *const *tables, size_t n_tables, store_row_visit visit, void *ctx,
                int64_t *head_seq, char head_hash[65], st_err *err)
{
    st_code code = extra_load(b, err);
    if (code == ST_OK)
        code = pg_run(b, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, NULL, "starting a read", err);
    if (code != ST_OK)
        return code;
    code = store_pg_ops.audit_head(b, head_seq, head_hash, err);
    for (size_t i = 0; code == ST_OK && i < n_tables; i++)
        code = dump_table(b, tables[i], visit, ctx, err);
    st_err ignored;
    st_code end = pg_run(b, code == ST_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, "ending a read",
                         code == ST_OK ? err : &ignored);
    return code != ST_OK ? code : end;
}

/* ---- the target: import -------------------------------------------------------------------- */

#define COPY_CHUNK (256 * 1024) /* bytes sent per PQputCopyData */

struct store_pg_import {
    store_backend *b;
    char *copying; /* the table whose COPY is open (owned), NULL when none */
    strbuf buf;    /* rows not yet sent */
};

/* The first table in the database, if any (caller frees *name; NULL when empty). */
static st_code first_table(store_backend *b, char **name, st_err *err)
{
    *name = NULL;
    PGresult *r = NULL;
    st_code code = pg_run(b,
                          "SELECT n.nspname || '.' || c.relname FROM pg_class c"
                          " JOIN pg_namespace n ON n.oid = c.relnamespace"
                          " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')"
                          " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
                          " ORDER BY c.relname = 'slatop_schema' DESC, 1 LIMIT 1",
                          NULL, &r, "looking for tables", err);
    if (code != ST_OK)
        return code;
    if (PQntuples(r) > 0)
        *name = pg_str(r, 0, 0);
    PQclear(r);
    return ST_OK;
}

void store_pg_import_abort(store_pg_import *im)
{
    if (!im)
        return;
    pg_close_bare(im->b); /* rolls back whatever is open, COPY included: the connection ends */
    free(im->copying);
    sb_done(&im->buf);
    free(im);
}

st_code store_pg_import_begin(const char *locator, store_pg_import **out, st_err *err)
{
    *out = NULL;
    store_pg_import *im = xcalloc(1, sizeof *im);
    sb_init(&im->buf);
    st_code code = pg_open_bare(locator, &im->b, err);
    if (code == ST_OK)
        code = extra_load(im->b, err);
    char *table = NULL;
    if (code == ST_OK && (code = first_table(im->b, &table, err)) == ST_OK && table) {
        if (strcmp(table, "public.slatop_schema") == 0)
            code = st_fail(err, ST_CONFLICT, "%s: not empty: it has slatop's tables; migrate copies into an empty "
                           "database only", im->b->name);
        else
            code = st_fail(err, ST_CONFLICT, "%s: not empty: it has the table %s; migrate copies into an empty "
                           "database only", im->b->name, table);
    }
    free(table);
    /* The count triggers would update a row per ticket copied: the counts are made once, at the
     * end (store_pg_import_finish), with the indexes they need. */
    if (code == ST_OK && (code = pg_run(im->b, "BEGIN", NULL, NULL, "creating the tables", err)) == ST_OK) {
        im->b->in_txn = true;
        code = pg_schema_create_tables(im->b, err);
    }
    if (code == ST_OK)
        code = pg_run(im->b,
                      "ALTER TABLE tickets DISABLE TRIGGER tickets_count_insert;"
                      " ALTER TABLE tickets DISABLE TRIGGER tickets_groups_insert",
                      NULL, NULL, "creating the tables", err);
    if (code != ST_OK) {
        store_pg_import_abort(im);
        return code;
    }
    *out = im;
    return ST_OK;
}

static st_code send_rows(store_pg_import *im, st_err *err)
{
    if (im->buf.len == 0)
        return ST_OK;
    if (extra.putCopyData(im->b->conn, im->buf.buf, (int)im->buf.len) != 1) {
        char what[80];
        snprintf(what, sizeof what, "copying %.40s", im->copying);
        return pg_fail(im->b, NULL, what, err);
    }
    sb_reset(&im->buf);
    return ST_OK;
}

/* Ends the open COPY: its rows are checked by the server now, so its errors come here. */
static st_code end_copy(store_pg_import *im, st_err *err)
{
    if (!im->copying)
        return ST_OK;
    char what[80];
    snprintf(what, sizeof what, "copying %.40s", im->copying);
    st_code code = send_rows(im, err);
    if (code == ST_OK && extra.putCopyEnd(im->b->conn, NULL) != 1)
        code = pg_fail(im->b, NULL, what, err);
    PGresult *r;
    while ((r = extra.getResult(im->b->conn)) != NULL) {
        if (code == ST_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
            code = pg_fail(im->b, r, what, err);
        PQclear(r);
    }
    free(im->copying);
    im->copying = NULL;
    return code;
}

static st_code start_copy(store_pg_import *im, const char *table, int ncols, const char *const *names, st_err *err)
{
    strbuf sql;
    sb_init(&sql);
    sb_printf(&sql, "COPY \"%s\"(", table);
    for (int i = 0; i < ncols; i++) {
        sb_append(&sql, i ? ", \"" : "\"");
        for (const char *p = names[i]; *p; p++) {
            if (*p == '"') /* doubled inside a quoted identifier */
                sb_append_c(&sql, '"');
            sb_append_c(&sql, *p);
        }
        sb_append_c(&sql, '"');
    }
    sb_append(&sql, ") FROM STDIN");
    im->copying = xstrdup(table);
    PGresult *r = PQexec(im->b->conn, sql.buf);
    sb_done(&sql);
    char what[80];
    snprintf(what, sizeof what, "copying %.40s", table);
    st_code code = PQresultStatus(r) == PGRES_COPY_IN ? ST_OK : pg_fail(im->b, r, what, err);
    PQclear(r);
    if (code != ST_OK) {
        free(im->copying);
        im->copying = NULL;
    }
    return code;
}

/* One value in COPY's text format: backslash, tab and line breaks escaped, NULL as \N; every
 * other byte as it is (the session's encoding is SQL_ASCII: bytes pass unchanged). */
static void copy_value(strbuf *sb, const char *v)
{
    if (!v) {
        sb_append(sb, "\\N");
        return;
    }
    for (const char *p = v;;) {
        size_t run = strcspn(p, "\\\t\n\r");
        sb_append_n(sb, p, run);
        p += run;
        if (!*p)
            break;
        sb_append(sb, *p == '\\' ? "\\\\" : *p == '\t' ? "\\t" : *p == '\n' ? "\\n" : "\\r");
        p++;
    }
}

st_code store_pg_import_row(store_pg_import *im, const char *table, int ncols, const char *const *names,
                            const char *const *values, st_err *err)
{
    st_code code = ST_OK;
    if (!im->copying || strcmp(im->copying, table) != 0) {
        if ((code = end_copy(im, err)) == ST_OK)
            code = start_copy(im, table, ncols, names, err);
        if (code != ST_OK)
            return code;
    }
    for (int i = 0; i < ncols; i++) {
        if (i)
            sb_append_c(&im->buf, '\t');
        copy_value(&im->buf, values[i]);
    }
    sb_append_c(&im->buf, '\n');
    return im->buf.len >= COPY_CHUNK ? send_rows(im, err) : ST_OK;
}

st_code store_pg_import_finish(store_pg_import *im, int64_t head_seq, const char *head_hash, st_err *err)
{
    store_backend *b = im->b;
    st_code code = end_copy(im, err);
    if (code == ST_OK)
        code = pg_run(b,
                      "UPDATE ticket_counts SET n = (SELECT count(*) FROM tickets t WHERE t.status = ticket_counts.status);"
                      " ALTER TABLE tickets ENABLE TRIGGER tickets_count_insert;"
                      " ALTER TABLE tickets ENABLE TRIGGER tickets_groups_insert",
                      NULL, NULL, "counting the tickets", err);
    if (code == ST_OK)
        code = pg_schema_groups_fill(b, err);
    int64_t seq = 0;
    char hash[65];
    if (code == ST_OK)
        code = store_pg_ops.audit_head(b, &seq, hash, err);
    if (code == ST_OK && (seq != head_seq || strcmp(hash, head_hash) != 0))
        code = st_fail(err, ST_VERIFY,
                       "%s: the copied audit head (seq %" PRId64 ") differs from the source's (seq %" PRId64
                       "); nothing was copied",
                       b->name, seq, head_seq);
    /* A first query on fresh tables of millions of rows must not plan without statistics. */
    if (code == ST_OK)
        code = pg_run(b, "ANALYZE", NULL, NULL, "gathering statistics", err);
    if (code == ST_OK) {
        PGresult *r = PQexec(b->conn, "COMMIT");
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            code = pg_fail(b, r, "committing", err);
        else if (strcmp(PQcmdStatus(r), "COMMIT") != 0)
            code = st_fail(err, ST_IO, "%s: committing failed: the transaction was rolled back", b->name);
        else
            b->in_txn = false;
        PQclear(r);
    }
    /* The trigram search indexes, as `slatop init` makes them: in a transaction of their own, after
     * the copy. The copy is committed by then: a failure here (even a lost connection) is not the
     * migration's; a database without them searches by the plain scan, with the same results, and
     * its first writable open makes them. */
    if (code == ST_OK) {
        st_err ignored;
        (void)pg_search_index_create(b, &ignored);
    }
    store_pg_import_abort(im); /* after a COMMIT, only the connection is left to end */
    return code;
}
