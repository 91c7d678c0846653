/* Schema migrations against databases made by earlier releases (tests/fixtures, each made by that
 * release's own binary): every ticket, first response and audit entry survives, and the audit
 * chain still verifies. SQLite files only: the fixtures are SQLite databases. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "slatop/audit.h"
#include "slatop/model.h"
#include "slatop/store.h"
#include "slatop/util.h"

#include "../../src/store/sqlite/sqlite_internal.h"
#include "store_fixture.h"

/* A private copy of the fixture: migrating writes to it. */
static void setup_schema1(void)
{
    setup();
    snprintf(dbpath, sizeof dbpath, "%s/schema1.db", tmpdir);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp '%s/tests/fixtures/schema1.db' '%s'", SLATOP_SOURCE_DIR, dbpath);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(store_migrate, .init = setup_schema1, .fini = teardown);

static int64_t raw_int(const char *sql)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static st_ticket get(st_store *s, int64_t id)
{
    st_ticket t;
    st_err err = {0};
    cr_assert_eq(store_ticket_get(s, id, &t, &err), ST_OK, "%s", err.msg);
    return t;
}

Test(store_migrate, schema1_keeps_tickets_first_responses_and_audit)
{
    cr_assert_eq(raw_int("PRAGMA user_version"), 1);
    st_store *s = open_ok(dbpath, STORE_OPEN_RW);
    st_err err = {0};

    /* 1: responded, resolved, reopened: "responded" becomes "open", the first response stays. */
    st_ticket t = get(s, 1);
    cr_expect_eq(t.status, TK_OPEN);
    cr_expect_eq(t.first_response, 1794825000); /* 2026-11-16T10:30:00Z */
    cr_expect_eq(t.resolved, ST_TIME_NONE);
    cr_expect_str_eq(t.assignee, "alice");
    ticket_done(&t);
    t = get(s, 2); /* raised, never answered */
    cr_expect_eq(t.status, TK_OPEN);
    cr_expect_eq(t.first_response, ST_TIME_NONE);
    cr_expect_str_eq(t.level, "S1");
    ticket_done(&t);
    t = get(s, 3); /* resolved without a response: both recorded at once */
    cr_expect_eq(t.status, TK_RESOLVED);
    cr_expect_eq(t.first_response, t.resolved);
    ticket_done(&t);
    t = get(s, 4); /* responded, lowered */
    cr_expect_eq(t.status, TK_OPEN);
    cr_expect_eq(t.first_response, 1794841200);
    cr_expect_str_eq(t.level, "S3");
    cr_expect_eq(t.version, 3);
    ticket_done(&t);

    int64_t n = 0;
    cr_assert_eq(store_ticket_count(s, true, &n, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(n, 4);
    cr_assert_eq(store_ticket_count(s, false, &n, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(n, 3);

    st_audit_entry *log = NULL;
    size_t len = 0;
    cr_assert_eq(store_audit_list(s, 0, &log, &len, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(len, 13);
    for (size_t i = 0; i < len; i++) {
        cr_expect_null(log[i].from_status, "entry %zu", i);
        cr_expect_eq(log[i].message_id, 0);
        cr_expect_null(log[i].body_sha256);
        audit_entry_done(&log[i]);
    }
    free(log);

    int64_t checked = 0;
    cr_assert_eq(store_audit_verify(s, 13, "3f8e0317115506c06d812eb4c7518216cfe7b918a2d464c3a2f6aaabfec8077f",
                                    &checked, &err),
                 ST_OK, "%s", err.msg);
    cr_expect_eq(checked, 13);
    store_close(s);

    cr_expect_eq(raw_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
    cr_expect_eq(raw_int("SELECT count(*) FROM messages"), 0);
    cr_expect_eq(raw_int("SELECT n FROM ticket_counts WHERE status = 'open'"), 3);
    cr_expect_eq(raw_int("SELECT n FROM ticket_counts WHERE status = 'resolved'"), 1);
    cr_expect_eq(raw_int("SELECT count(*) FROM ticket_counts WHERE status = 'responded'"), 0);
}

Test(store_migrate, read_only_open_migrates_a_writable_file)
{
    /* Reading commands migrate too (SPEC §8); the store stays read-only for everything else. */
    st_store *s = NULL;
    st_err err = {0};
    cr_assert_eq(store_open(dbpath, STORE_OPEN_RO, &s, &err), ST_OK, "%s", err.msg);
    st_ticket t = get(s, 1);
    cr_expect_eq(t.status, TK_OPEN, "responded became open");
    ticket_done(&t);
    cr_expect_eq(store_begin(s, &err), ST_CONFLICT, "writes stay refused");
    store_close(s);
    cr_expect_eq(raw_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
}

/* Schema 7 rebuilds the tickets' FTS index without the level: it matches its rows (FTS5's own
 * integrity check), and a change of level no longer touches it while a title's change does. */
Test(store_migrate, fts_index_rebuilt_without_the_level)
{
    st_store *s = open_ok(dbpath, STORE_OPEN_RW);
    st_err err = {0};
    st_ticket t = get(s, 1);
    free(t.level);
    t.level = xstrdup("P1");
    free(t.title);
    t.title = xstrdup("renamed after the migration");
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_ticket_update(s, &t, t.version, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    ticket_done(&t);
    store_close(s);
    cr_expect_eq(raw_int("SELECT count(*) FROM pragma_table_info('tickets_fts') WHERE name = 'level'"), 0);
    cr_expect_eq(raw_int("SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH '\"renamed\"'"), 1);
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
    char *msg = NULL;
    cr_expect_eq(sqlite3_exec(db, "INSERT INTO tickets_fts(tickets_fts) VALUES ('integrity-check')", NULL, NULL,
                              &msg),
                 SQLITE_OK, "%s", msg ? msg : "");
    sqlite3_free(msg);
    sqlite3_close(db);
}
