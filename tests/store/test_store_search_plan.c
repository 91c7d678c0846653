/* The search's query plans (SQLite backend): the list's sorts with and without a level filter,
 * and the counts by due, walk indexes; nothing scans the tickets table or sorts it whole. A text
 * search starts from the FTS5 index, and a level the text is part of from the level's index. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "slatop/store.h"
#include "slatop/util.h"

#include "../../src/store/sqlite/sqlite_internal.h"
#include "store_fixture.h"

static void setup_sqlite(void)
{
    setup();
    snprintf(dbpath, sizeof dbpath, "%s/slatop.db", tmpdir);
}

TestSuite(store_search_plan, .init = setup_sqlite, .fini = teardown);

/* The plan's detail lines, one per line. Caller frees. */
static char *plan_of(st_store *s, const char *sql)
{
    char *q = xasprintf("EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(s->be->db, q, -1, &st, NULL), SQLITE_OK, "%s: %s", sqlite3_errmsg(s->be->db),
                 sql);
    strbuf plan;
    sb_init(&plan);
    while (sqlite3_step(st) == SQLITE_ROW) {
        sb_append(&plan, (const char *)sqlite3_column_text(st, 3));
        sb_append_c(&plan, '\n');
    }
    sqlite3_finalize(st);
    free(q);
    return sb_steal(&plan);
}

static void no_scan(const char *plan, const char *what)
{
    cr_expect_null(strstr(plan, "SCAN tickets\n"), "%s scans the table:\n%s", what, plan);
    cr_expect_null(strstr(plan, "TEMP B-TREE"), "%s sorts:\n%s", what, plan);
}

Test(store_search_plan, sorts_and_level_filter_walk_indexes)
{
    st_store *s = create_db();
    static const char *const sort_index[] = {"tickets_urgency", "tickets_level_order", "tickets_created_order",
                                             "tickets_customer_order"};
    for (int k = 0; k < 4; k++) {
        for (int level = 0; level < 2; level++) {
            char *plan = plan_of(s, sq_ticket_search_sql((store_sort)k, false, level));
            char what[64];
            snprintf(what, sizeof what, "sort %d%s", k, level ? " + level" : "");
            no_scan(plan, what);
            cr_expect(strstr(plan, sort_index[k]) != NULL, "%s: not through %s:\n%s", what, sort_index[k], plan);
            free(plan);
        }
    }
    store_close(s);
}

Test(store_search_plan, counts_by_due_are_index_ranges)
{
    st_store *s = create_db();
    char *plan = plan_of(s, sq_ticket_count_due_sql());
    no_scan(plan, "count by due");
    cr_expect(strstr(plan, "COVERING INDEX tickets_next_state") != NULL, "%s", plan);
    free(plan);
    store_close(s);
}

Test(store_search_plan, text_search_starts_from_the_fts_index)
{
    st_store *s = create_db();
    for (int k = 0; k < 4; k++) {
        char *plan = plan_of(s, sq_ticket_search_sql((store_sort)k, true, false));
        cr_expect(strstr(plan, "VIRTUAL TABLE INDEX") != NULL, "sort %d: no FTS:\n%s", k, plan);
        cr_expect_null(strstr(plan, "SCAN tickets\n"), "sort %d scans:\n%s", k, plan);
        free(plan);
    }
    store_close(s);
}

/* A text search's count reads its candidates: the FTS5 indexes for titles and bodies, and the open
 * tickets of the levels the text is part of through tickets_next_state (the level is not in the
 * FTS index since schema 7). */
Test(store_search_plan, text_count_reads_candidates_through_indexes)
{
    st_store *s = create_db();
    for (int level = 0; level < 2; level++) {
        char *plan = plan_of(s, sq_ticket_search_count_sql(level));
        cr_expect_null(strstr(plan, "SCAN tickets\n"), "level %d scans:\n%s", level, plan);
        cr_expect(strstr(plan, "SCAN tickets_fts VIRTUAL TABLE INDEX") != NULL, "no FTS:\n%s", plan);
        cr_expect(strstr(plan, "SCAN messages_fts VIRTUAL TABLE INDEX") != NULL, "no body FTS:\n%s", plan);
        cr_expect(strstr(plan, "INDEX tickets_next_state (level=?)") != NULL, "levels not by index:\n%s", plan);
        free(plan);
    }
    store_close(s);
}
