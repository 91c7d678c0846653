/* The SQLite backend's own tests: what only SQLite has (its files and their modes, WAL and
 * checkpoints, pragmas, query plans, triggers, page-count disk full, its lock) and tampering with the
 * file through a raw sqlite3 connection, as someone with write access to it would. They include
 * sqlite_internal.h; the backend-neutral suite is test_store.c. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <sqlite3.h>

#include "slatop/audit.h"
#include "slatop/model.h"
#include "slatop/store.h"
#include "slatop/util.h"

#include "../../src/store/sqlite/sqlite_internal.h"
#include "store_fixture.h"

/* Always an SQLite file, whatever SLATOP_TEST_STORE says. */
static void setup_sqlite(void)
{
    setup();
    snprintf(dbpath, sizeof dbpath, "%s/slatop.db", tmpdir);
}

TestSuite(store_sqlite, .init = setup_sqlite, .fini = teardown);

static sqlite3 *raw_open(void)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
    return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, msg ? msg : "");
    sqlite3_free(msg);
}

/* Runs sql on the file through a connection of its own, as someone editing the file would. */
static void tamper(const char *sql)
{
    sqlite3 *db = raw_open();
    raw_exec(db, sql);
    sqlite3_close(db);
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static char *raw_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    char *v = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

static void check_mode_under_umask(mode_t mask)
{
    umask(mask);
    st_store *s = open_ok(dbpath, STORE_OPEN_CREATE);
    st_err err = {0};
    /* A write so that -wal and -shm exist while open. */
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_meta_set(s, "k", "v", &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s%s", dbpath, suffix[i]);
        struct stat st;
        if (i > 0 && stat(p, &st) != 0)
            continue;
        cr_assert_eq(stat(p, &st), 0, "%s", p);
        cr_assert_eq(st.st_mode & S_IWOTH, 0, "%s is world-writable (mode %o, umask %o)", p,
                     st.st_mode & 0777, mask);
        cr_assert_neq(st.st_mode & S_IWGRP, 0, "%s is not group-writable (mode %o, umask %o)", p,
                      st.st_mode & 0777, mask);
        cr_assert_neq(st.st_mode & S_IRGRP, 0, "%s", p);
    }
    store_close(s);
}

Test(store_sqlite, file_mode_umask_002)
{
    check_mode_under_umask(002);
}

Test(store_sqlite, file_mode_umask_022)
{
    check_mode_under_umask(022);
}

Test(store_sqlite, file_mode_umask_000_never_world_writable)
{
    check_mode_under_umask(000);
}

Test(store_sqlite, create_makes_parent_directories)
{
    umask(022);
    snprintf(dbpath, sizeof dbpath, "%s/a/b/slatop.db", tmpdir);
    st_store *s = open_ok(dbpath, STORE_OPEN_CREATE);
    store_close(s);
    char dir[300];
    snprintf(dir, sizeof dir, "%s/a/b", tmpdir);
    struct stat st;
    cr_assert_eq(stat(dir, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
    cr_assert_eq(st.st_mode & S_IWOTH, 0);
}

Test(store_sqlite, wal_user_version_and_reopen)
{
    st_store *s = create_db();
    cr_assert_str_eq(store_path(s), dbpath);
    store_close(s);

    sqlite3 *db = raw_open();
    char *mode = raw_text(db, "PRAGMA journal_mode");
    cr_assert_str_eq(mode, "wal");
    free(mode);
    cr_assert_eq(raw_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    cr_assert_eq(raw_int(db, "PRAGMA application_id"), STORE_APPLICATION_ID);
    cr_assert_eq(raw_int(db, "PRAGMA page_size"), 1024, "small pages: a change writes ~7 KB, not ~26 KB");
    /* The uptime cache tables exist as specified. */
    cr_assert_eq(raw_int(db,
                         "SELECT count(*) FROM sqlite_schema WHERE name IN "
                         "('uptime_minutes','uptime_months','maintenance_windows','meta','policy_versions',"
                         "'tickets','audit')"),
                 7);
    sqlite3_close(db);

    s = open_ok(dbpath, STORE_OPEN_RW);
    st_err err = {0};
    char *json = NULL;
    int64_t v = 0;
    cr_assert_eq(store_policy_get(s, 0, &json, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(json, "{\"levels\":[]}");
    cr_assert_eq(v, 1);
    free(json);
    /* synchronous=FULL (2) and foreign keys on this connection. */
    cr_assert_eq(raw_int(s->be->db, "PRAGMA synchronous"), 2);
    cr_assert_eq(raw_int(s->be->db, "PRAGMA foreign_keys"), 1);
    store_close(s);
}

/* The side files stay between connections (no create and unlink on every start), and the last
 * close truncates the -wal to nothing even after a transaction that filled it: a -wal kept at full
 * size would make the next open read all of it again (recovery). */
Test(store_sqlite, side_files_kept_and_wal_emptied_on_close)
{
    st_store *s = create_db();
    st_err err = {0};
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    for (int i = 0; i < 3000; i++) {
        st_ticket t = make_ticket("A title long enough to fill pages quickly, repeated", "P2", 5000 + i,
                                  ST_TIME_NONE, TK_OPEN);
        cr_assert_eq(store_ticket_insert(s, &t, &err), ST_OK, "%s", err.msg);
        ticket_done(&t);
    }
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    char wal[300], shm[300];
    snprintf(wal, sizeof wal, "%s-wal", dbpath);
    snprintf(shm, sizeof shm, "%s-shm", dbpath);
    struct stat st;
    cr_assert_eq(stat(wal, &st), 0);
    cr_assert_gt(st.st_size, 300 * 1024, "the transaction went through the -wal (%lld bytes)",
                 (long long)st.st_size);
    store_close(s);
    cr_assert_eq(stat(wal, &st), 0, "the -wal is kept");
    cr_assert_eq(st.st_size, 0, "the last close empties the -wal (%lld bytes left)", (long long)st.st_size);
    cr_assert_eq(stat(shm, &st), 0, "the -shm is kept");

    s = open_ok(dbpath, STORE_OPEN_RW);
    int64_t n = 0;
    cr_assert_eq(store_ticket_count(s, true, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 3000);
    store_close(s);
}

/* Commits one ticket per transaction until this connection's -wal holds at least `pages` pages
 * (or `max` commits); returns the commits made. */
static int commit_until_wal(st_store *s, int pages, int max)
{
    int n = 0;
    while (s->be->wal_frames < pages && n < max) {
        add_ticket(s, "A ticket that fills the write-ahead log, one commit at a time", 5000 + n, ST_TIME_NONE,
                   TK_OPEN);
        n++;
    }
    return n;
}

/* By default a commit that takes the -wal past 1000 pages checkpoints it (as SQLite's automatic
 * checkpoint does): the -wal then starts again from its beginning. */
Test(store_sqlite, checkpoint_in_the_commit_by_default)
{
    st_store *s = create_db();
    int n = commit_until_wal(s, 900, 5000);
    cr_assert_lt(n, 5000);
    int most = 0, drops = 0;
    for (int i = 0; i < 300; i++) {
        int was = s->be->wal_frames;
        add_ticket(s, "After", 9000 + i, ST_TIME_NONE, TK_OPEN);
        if (s->be->wal_frames > most)
            most = s->be->wal_frames;
        drops += s->be->wal_frames < was;
    }
    cr_assert_geq(drops, 1, "a commit checkpointed");
    cr_assert_lt(most, 1000, "a commit's checkpoint keeps the -wal under 1000 pages (saw %d)", most);
    cr_assert_not(store_idle(s), "nothing deferred, nothing to do when idle");
    store_close(s);
}

/* Deferred (the console): commits never checkpoint below 8000 pages; store_idle does it, after
 * which the next commit writes at the -wal's start again. */
Test(store_sqlite, deferred_checkpoint_runs_when_idle)
{
    st_store *s = create_db();
    store_defer_maintenance(s);
    cr_assert_not(store_idle(s), "an almost empty -wal: nothing due");
    commit_until_wal(s, 1500, 5000);
    cr_assert_geq(s->be->wal_frames, 1500, "no checkpoint in the commits (%d pages)", s->be->wal_frames);
    cr_assert(store_idle(s));
    add_ticket(s, "After the checkpoint", 9999, ST_TIME_NONE, TK_OPEN);
    cr_assert_lt(s->be->wal_frames, 50, "the -wal restarted after the idle checkpoint (%d pages)",
                 s->be->wal_frames);
    /* The bound: the commit that takes the -wal past 8000 pages checkpoints anyway. */
    int most = 0, before_drop = 0;
    for (int i = 0; i < 5000 && !before_drop; i++) {
        int was = s->be->wal_frames;
        add_ticket(s, "Towards the bound", 20000 + i, ST_TIME_NONE, TK_OPEN);
        if (s->be->wal_frames > most)
            most = s->be->wal_frames;
        if (s->be->wal_frames < was)
            before_drop = was;
    }
    cr_assert_geq(before_drop, 7900, "no checkpoint before the bound (the -wal dropped at %d pages)",
                  before_drop);
    cr_assert_lt(most, 8000, "never past the bound (%d pages)", most);
    int64_t count = 0;
    st_err err = {0};
    cr_assert_eq(store_ticket_count(s, true, &count, &err), ST_OK, "%s", err.msg);
    store_close(s);
    s = open_ok(dbpath, STORE_OPEN_RW);
    int64_t again = 0;
    cr_assert_eq(store_ticket_count(s, true, &again, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(again, count);
    store_close(s);
}

Test(store_sqlite, newer_schema_refused)
{
    store_close(create_db());
    tamper("PRAGMA user_version = 99");
    st_store *s = NULL;
    st_err err = {0};
    cr_assert_eq(store_open(dbpath, STORE_OPEN_RW, &s, &err), ST_INVALID);
    cr_assert_null(s);
    cr_assert(strstr(err.msg, dbpath) && strstr(err.msg, "newer"), "%s", err.msg);
    cr_assert_eq(store_open(dbpath, STORE_OPEN_RO, &s, &err), ST_INVALID);
}

Test(store_sqlite, foreign_files_refused)
{
    FILE *f = fopen(dbpath, "w");
    cr_assert_not_null(f);
    fputs("this is not a database, just some text that is long enough to fill a header.....\n", f);
    fclose(f);
    st_store *s = NULL;
    st_err err = {0};
    cr_assert_eq(store_open(dbpath, STORE_OPEN_RW, &s, &err), ST_INVALID);
    cr_assert(strstr(err.msg, dbpath) && strstr(err.msg, "not a slatop database"), "%s", err.msg);

    unlink(dbpath);
    tamper("CREATE TABLE other(x)");
    cr_assert_eq(store_open(dbpath, STORE_OPEN_RW, &s, &err), ST_INVALID);
    cr_assert(strstr(err.msg, dbpath) && strstr(err.msg, "not a slatop database"), "%s", err.msg);
    cr_assert_eq(store_open(dbpath, STORE_OPEN_RO, &s, &err), ST_INVALID);

    unlink(dbpath);
    f = fopen(dbpath, "w");
    fclose(f);
    cr_assert_eq(store_open(dbpath, STORE_OPEN_RW, &s, &err), ST_INVALID, "an empty file is no database");
    cr_assert(strstr(err.msg, "not a slatop database"), "%s", err.msg);
}

/* The first screen must come from the partial index, not from sorting every ticket; with the
 * resolved ones, from both indexes merged. */
Test(store_sqlite, list_query_uses_index)
{
    st_store *s = create_db();
    struct {
        store_sort sort;
        bool incl;
        const char *index;
    } cases[] = {
        {STORE_SORT_URGENCY, false, "tickets_urgency"},
        {STORE_SORT_LEVEL, false, "tickets_level_order"},
        /* with resolved tickets: two index walks merged (schema 6), never a sort of every ticket */
        {STORE_SORT_URGENCY, true, "tickets_resolved_urgency"},
        {STORE_SORT_LEVEL, true, "tickets_resolved_level"},
        {STORE_SORT_CREATED, true, "tickets_resolved_created"},
        {STORE_SORT_CUSTOMER, true, "tickets_resolved_customer"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *sql = xasprintf("EXPLAIN QUERY PLAN %s", sq_ticket_list_sql(cases[k].sort, cases[k].incl));
        sqlite3_stmt *st = NULL;
        cr_assert_eq(sqlite3_prepare_v2(s->be->db, sql, -1, &st, NULL), SQLITE_OK, "%s",
                     sqlite3_errmsg(s->be->db));
        strbuf plan;
        sb_init(&plan);
        while (sqlite3_step(st) == SQLITE_ROW) {
            sb_append(&plan, (const char *)sqlite3_column_text(st, 3));
            sb_append_c(&plan, '\n');
        }
        sqlite3_finalize(st);
        char *want = xasprintf("INDEX %s\n", cases[k].index);
        cr_assert(strstr(plan.buf, want), "plan: %s", plan.buf);
        free(want);
        cr_assert_null(strstr(plan.buf, "TEMP B-TREE"), "plan sorts: %s", plan.buf);
        sb_done(&plan);
        free(sql);
    }
    store_close(s);
}

Test(store_sqlite, audit_update_and_delete_refused_by_triggers)
{
    st_store *s = create_db();
    add_entries(s, 2);
    store_close(s);
    sqlite3 *db = raw_open();
    char *msg = NULL;
    cr_assert_neq(sqlite3_exec(db, "UPDATE audit SET reason = 'x' WHERE seq = 1", NULL, NULL, &msg),
                  SQLITE_OK);
    cr_assert(msg && strstr(msg, "audit log is append-only"), "%s", msg ? msg : "");
    sqlite3_free(msg);
    msg = NULL;
    cr_assert_neq(sqlite3_exec(db, "DELETE FROM audit WHERE seq = 2", NULL, NULL, &msg), SQLITE_OK);
    cr_assert(msg && strstr(msg, "audit log is append-only"), "%s", msg ? msg : "");
    sqlite3_free(msg);
    cr_assert_eq(raw_int(db, "SELECT count(*) FROM audit"), 2);
    sqlite3_close(db);
}

Test(store_sqlite, verify_catches_edit)
{
    st_store *s = create_db();
    add_entries(s, 5);
    tamper("DROP TRIGGER audit_no_update; UPDATE audit SET reason = 'benign' WHERE seq = 3;"
           "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
           " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;");
    st_err err = {0};
    int64_t checked = 0;
    cr_assert_eq(store_audit_verify(s, 0, NULL, &checked, &err), ST_VERIFY);
    cr_assert_str_eq(err.msg, "audit entry 3: content does not match its hash (edited)");
    cr_assert_eq(checked, 2);
    store_close(s);
}

Test(store_sqlite, verify_catches_deletion)
{
    st_store *s = create_db();
    add_entries(s, 5);
    tamper("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 3;");
    st_err err = {0};
    cr_assert_eq(verify(s, 0, NULL, &err), ST_VERIFY);
    cr_assert_str_eq(err.msg, "audit entry 4: expected sequence 3 (entries removed or reordered)");
    store_close(s);
}

Test(store_sqlite, verify_catches_swap)
{
    st_store *s = create_db();
    add_entries(s, 5);
    sqlite3 *db = raw_open();
    /* Swap every column but seq between entries 2 and 3, hashes included. */
    raw_exec(db, "DROP TRIGGER audit_no_update;"
                 "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (2, 3);"
                 "UPDATE audit SET (at, recorded_at, actor, kind, ticket_id, from_level, to_level, old_due,"
                 " new_due, reason, detail, prev_hash, hash) = (SELECT at, recorded_at, actor, kind,"
                 " ticket_id, from_level, to_level, old_due, new_due, reason, detail, prev_hash, hash"
                 " FROM t WHERE t.seq = 5 - audit.seq) WHERE seq IN (2, 3);");
    cr_assert_eq(raw_int(db, "SELECT count(*) FROM audit WHERE seq = 2 AND reason = 'reason 3'"), 1);
    sqlite3_close(db);
    st_err err = {0};
    cr_assert_eq(verify(s, 0, NULL, &err), ST_VERIFY);
    cr_assert_str_eq(err.msg, "audit entry 2: content does not match its hash (edited)");
    store_close(s);
}

/* Rewrites entries from seq `from` on with freshly computed hashes, as a careful attacker would. */
static void rebuild_chain(st_store *s, sqlite3 *db, int64_t from)
{
    st_audit_entry *list = NULL;
    size_t n = 0;
    st_err err = {0};
    cr_assert_eq(store_audit_list(s, 0, &list, &n, &err), ST_OK, "%s", err.msg);
    sqlite3_stmt *up = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "UPDATE audit SET reason = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
                                    -1, &up, NULL),
                 SQLITE_OK);
    for (size_t i = (size_t)from - 1; i < n; i++) {
        memcpy(list[i].prev_hash, i == 0 ? AUDIT_GENESIS_HASH : list[i - 1].hash, 65);
        cr_assert_eq(audit_compute_hash(&list[i], list[i].hash, NULL), ST_OK);
        sqlite3_bind_text(up, 1, list[i].reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(up, 2, list[i].prev_hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(up, 3, list[i].hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(up, 4, list[i].seq);
        cr_assert_eq(sqlite3_step(up), SQLITE_DONE, "%s", sqlite3_errmsg(db));
        sqlite3_reset(up);
    }
    sqlite3_finalize(up);
    for (size_t i = 0; i < n; i++)
        audit_entry_done(&list[i]);
    free(list);
}

Test(store_sqlite, anchor_catches_rebuilt_chain)
{
    int64_t head = 0;
    char anchor[65];
    st_store *s = store_with_anchor(&head, anchor);
    st_err err = {0};

    sqlite3 *db = raw_open();
    raw_exec(db, "DROP TRIGGER audit_no_update; UPDATE audit SET reason = 'rewritten' WHERE seq = 2;");
    rebuild_chain(s, db, 2);
    sqlite3_close(db);

    /* The chain alone looks intact... */
    cr_assert_eq(verify(s, 0, NULL, &err), ST_OK, "%s", err.msg);
    /* ...the anchor does not. */
    cr_assert_eq(verify(s, 5, anchor, &err), ST_VERIFY);
    cr_assert_str_eq(err.msg, "anchor 5: hash differs (history rewritten)");
    store_close(s);
}

Test(store_sqlite, anchor_catches_truncation)
{
    int64_t head = 0;
    char anchor[65];
    st_store *s = store_with_anchor(&head, anchor);
    st_err err = {0};
    tamper("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq > 3;");
    cr_assert_eq(verify(s, 0, NULL, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(verify(s, head, anchor, &err), ST_VERIFY);
    cr_assert_str_eq(err.msg, "anchor 5: log has only 3 entries (truncated)");

    /* An older anchor still inside the log still verifies. */
    st_audit_entry *list = NULL;
    size_t n = 0;
    cr_assert_eq(store_audit_list(s, 0, &list, &n, &err), ST_OK);
    cr_assert_eq(verify(s, 2, list[1].hash, &err), ST_OK, "%s", err.msg);
    for (size_t i = 0; i < n; i++)
        audit_entry_done(&list[i]);
    free(list);
    store_close(s);
}

Test(store_sqlite, disk_full_is_io_and_changes_nothing)
{
    st_store *s = create_db();
    add_ticket(s, "before", 5000, ST_TIME_NONE, TK_OPEN);
    st_err err = {0};
    /* Cap the file at its current size (per connection). */
    int64_t pages = raw_int(s->be->db, "PRAGMA page_count");
    char *sql = xasprintf("PRAGMA max_page_count = %ld", (long)pages);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(s->be->db, sql, -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    sqlite3_finalize(st);
    free(sql);

    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    st_code rc = ST_OK;
    char big[4000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (int i = 0; i < 100 && rc == ST_OK; i++) {
        st_ticket t = make_ticket(big, "P2", 5000, ST_TIME_NONE, TK_OPEN);
        rc = store_ticket_insert(s, &t, &err);
        ticket_done(&t);
    }
    if (rc == ST_OK)
        rc = store_commit(s, &err);
    cr_assert_eq(rc, ST_IO, "expected disk full, got %d: %s", rc, err.msg);
    cr_assert(strstr(err.msg, "full") && strstr(err.msg, dbpath), "%s", err.msg);
    store_rollback(s);

    int64_t n = 0;
    cr_assert_eq(store_ticket_count(s, true, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 1);
    store_close(s);
}

/* A writer that finds the database locked waits (in short polls) instead of failing. */
Test(store_sqlite, writer_waits_for_lock)
{
    store_close(create_db());
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t child = fork();
    cr_assert_neq(child, -1);
    if (child == 0) {
        sqlite3 *db = NULL;
        int ok = sqlite3_open(dbpath, &db) == SQLITE_OK &&
                 sqlite3_exec(db, "BEGIN IMMEDIATE; INSERT INTO meta VALUES ('held', '1')", NULL, NULL,
                              NULL) == SQLITE_OK;
        if (write(fds[1], "x", 1) != 1)
            ok = 0;
        usleep(300000);
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            ok = 0;
        sqlite3_close(db);
        _exit(ok ? 0 : 1);
    }
    char c;
    cr_assert_eq(read(fds[0], &c, 1), 1);
    st_store *s = open_ok(dbpath, STORE_OPEN_RW);
    st_err err = {0};
    st_mono t0 = mono_now();
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    double waited_ms = (double)(mono_now() - t0) / 1e6;
    cr_assert_eq(store_meta_set(s, "after", "1", &err), ST_OK);
    cr_assert_eq(store_commit(s, &err), ST_OK);
    int status = 0;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_assert_gt(waited_ms, 100.0, "did not wait for the lock (%.1f ms)", waited_ms);
    cr_assert_lt(waited_ms, 3000.0, "waited too long (%.1f ms)", waited_ms);
    char *v = NULL;
    cr_assert_eq(store_meta_get(s, "held", &v, &err), ST_OK);
    cr_assert_str_eq(v, "1");
    free(v);
    store_close(s);
}

/* Side files left world-writable by something else are tightened when the store opens. */
Test(store_sqlite, side_files_tightened)
{
    store_close(create_db());
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", dbpath);
    int fd = open(wal, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(chmod(wal, 0666), 0);
    st_store *s = open_ok(dbpath, STORE_OPEN_RW);
    struct stat st;
    cr_assert_eq(stat(wal, &st), 0);
    cr_assert_eq(st.st_mode & S_IWOTH, 0, "mode %o", st.st_mode & 0777);
    cr_assert_neq(st.st_mode & S_IWGRP, 0, "mode %o", st.st_mode & 0777);
    store_close(s);
}

/* Entries wait in the connection until commit (then go to syslog); a rollback drops them. */
Test(store_sqlite, syslog_copies_only_after_commit)
{
    st_store *s = create_db();
    st_err err = {0};
    st_audit_entry e = make_entry(1, "pending");
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_audit_append(s, &e, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(s->n_pending, 1);
    cr_assert_eq(s->pending[0].seq, e.seq);
    cr_assert_str_eq(s->pending[0].hash, e.hash);
    store_rollback(s);
    cr_assert_eq(s->n_pending, 0);
    audit_entry_done(&e);
    e = make_entry(1, "committed");
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_audit_append(s, &e, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(e.seq, 1, "the rolled-back entry left no gap");
    cr_assert_eq(store_commit(s, &err), ST_OK);
    cr_assert_eq(s->n_pending, 0);
    audit_entry_done(&e);
    store_close(s);
}

/* The trigger-kept counts agree with count(*) through inserts, status changes and rollbacks. */
Test(store_sqlite, counts_match_count_star)
{
    st_store *s = counted_tickets();
    st_err err = {0};
    int64_t open = 0, all = 0;
    cr_assert_eq(store_ticket_count(s, false, &open, &err), ST_OK);
    cr_assert_eq(store_ticket_count(s, true, &all, &err), ST_OK);
    cr_assert_eq(open, raw_int(s->be->db, "SELECT count(*) FROM tickets WHERE status != 'resolved'"));
    cr_assert_eq(all, raw_int(s->be->db, "SELECT count(*) FROM tickets"));
    store_close(s);
}

/* A ticket with one message and its audit entry carrying the body's hash. */
static st_store *store_with_message(void)
{
    st_store *s = create_db();
    st_err err = {0};
    int64_t id = add_ticket(s, "t", 5000, ST_TIME_NONE, TK_OPEN);
    st_message m = {.ticket_id = id, .kind = MSG_CUSTOMER, .at = 1500};
    m.body = xstrdup("the printer is on fire");
    st_audit_entry e = make_entry(id, NULL);
    e.kind = AU_MESSAGE;
    e.message_kind = xstrdup("customer");
    e.body_sha256 = xcalloc(65, 1);
    cr_assert_eq(audit_sha256_hex(m.body, strlen(m.body), e.body_sha256, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_message_insert(s, &m, &err), ST_OK, "%s", err.msg);
    e.message_id = m.id;
    cr_assert_eq(store_audit_append(s, &e, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    audit_entry_done(&e);
    message_done(&m);
    cr_assert_eq(verify(s, 0, NULL, &err), ST_OK, "%s", err.msg);
    return s;
}

Test(store_sqlite, verify_catches_an_edited_message_body)
{
    st_store *s = store_with_message();
    st_err err = {0};
    sqlite3 *db = raw_open();
    cr_expect_neq(sqlite3_exec(db, "UPDATE messages SET body = 'x' WHERE id = 1", NULL, NULL, NULL), SQLITE_OK,
                  "messages are append-only");
    sqlite3_close(db);
    cr_assert_eq(verify(s, 0, NULL, &err), ST_OK, "%s", err.msg);
    tamper("DROP TRIGGER messages_no_update; UPDATE messages SET body = 'all fine' WHERE id = 1");
    cr_assert_eq(verify(s, 0, NULL, &err), ST_VERIFY);
    cr_expect_str_eq(err.msg, "audit entry 1: message 1 differs from its hash (edited)");
    store_close(s);
}

Test(store_sqlite, verify_catches_a_removed_message)
{
    st_store *s = store_with_message();
    st_err err = {0};
    tamper("DROP TRIGGER messages_no_delete; DELETE FROM messages");
    cr_assert_eq(verify(s, 0, NULL, &err), ST_VERIFY);
    cr_expect_str_eq(err.msg, "audit entry 1: message 1 is missing (removed)");
    store_close(s);
}

/* store_audit_clock_scan's visitor: the seqs and reasons seen, in order. */
typedef struct {
    int n;
    int64_t seq[16];
    char reason[16][32];
} clock_seen;

static st_code see_clock(void *ctx, const st_audit_entry *e, st_err *err)
{
    (void)err;
    clock_seen *c = ctx;
    cr_assert_lt(c->n, 16);
    c->seq[c->n] = e->seq;
    snprintf(c->reason[c->n], sizeof c->reason[c->n], "%s", e->reason ? e->reason : "");
    c->n++;
    return ST_OK;
}

static clock_seen scan_clock(st_store *s, int64_t ticket)
{
    clock_seen c = {0};
    st_err err = {0};
    cr_assert_eq(store_audit_clock_scan(s, ticket, see_clock, &c, &err), ST_OK, "%s", err.msg);
    return c;
}

/* The history a scan read is kept and only what came since is read the next time: entries another
 * connection appends are seen, in order; when the last entry kept is no longer the file's (edited or
 * removed, as by a restore), the history is read again whole. */
Test(store_sqlite, clock_history_memo_follows_the_file)
{
    st_store *s = create_db();
    add_entries(s, 5); /* ticket 1: seqs 1, 3, 5; ticket 2: 2, 4 */
    clock_seen c = scan_clock(s, 1);
    cr_assert_eq(c.n, 3);
    cr_assert_eq(c.seq[2], 5);

    st_store *other = open_ok(dbpath, STORE_OPEN_RW);
    add_entries(other, 3); /* ticket 1: seqs 6, 8; ticket 2: 7 */
    store_close(other);
    c = scan_clock(s, 1);
    cr_assert_eq(c.n, 5, "the memo's 3 and the 2 appended since");
    int64_t want[] = {1, 3, 5, 6, 8};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(c.seq[i], want[i], "entry %d: seq %lld", i, (long long)c.seq[i]);
    cr_assert_str_eq(c.reason[4], "reason 3");

    tamper("DROP TRIGGER audit_no_update; UPDATE audit SET reason = 'restored' WHERE seq = 8;");
    c = scan_clock(s, 1);
    cr_assert_eq(c.n, 5);
    cr_assert_str_eq(c.reason[4], "restored", "the memo's last entry changed: read again whole");

    tamper("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 8;");
    c = scan_clock(s, 1);
    cr_assert_eq(c.n, 4, "the memo's last entry removed: read again whole");
    cr_assert_eq(c.seq[3], 6);
    c = scan_clock(s, 2);
    cr_assert_eq(c.n, 3, "another ticket's history");
    store_close(s);
}
