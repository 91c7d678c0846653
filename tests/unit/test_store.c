/* Tests for store.c on real SQLite files in a fresh directory under /tmp. The tamper tests use
 * their own raw sqlite3 connection, as someone with write access to the file would. */
#include <poll.h>
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

#include "../../src/store/store_internal.h"

static char tmpdir[64];
static char dbpath[256];

static void setup(void)
{
    strcpy(tmpdir, "/tmp/slatop-store-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(dbpath, sizeof dbpath, "%s/slatop.db", tmpdir);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(store, .init = setup, .fini = teardown);

/* ---- helpers ---- */

static st_store *open_ok(const char *path, store_mode mode)
{
    st_store *s = NULL;
    st_err err = {0};
    st_code rc = store_open(path, mode, &s, &err);
    cr_assert_eq(rc, ST_OK, "store_open(%s): %s", path, err.msg);
    cr_assert_not_null(s);
    return s;
}

/* A new database with policy version 1. */
static st_store *create_db(void)
{
    st_store *s = open_ok(dbpath, STORE_OPEN_CREATE);
    st_err err = {0};
    int64_t v = 0;
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_policy_put(s, "{\"levels\":[]}", "abc", 1000, "alice", NULL, &v, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_eq(v, 1);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    return s;
}

static st_ticket make_ticket(const char *title, const char *level, st_time due, st_time first_response,
                             tk_status status)
{
    st_ticket t = {0};
    t.title = xstrdup(title);
    t.level = xstrdup(level);
    t.status = status;
    t.created = 1000;
    t.first_response = first_response;
    t.resolved = status == TK_RESOLVED ? due : ST_TIME_NONE;
    t.clock_start = 1000;
    t.due = due;
    t.response_due = first_response == ST_TIME_NONE ? ST_TIME_NONE : due;
    t.policy_version = 1;
    t.updated_by = xstrdup("alice");
    t.updated_at = 1000;
    return t;
}

/* Inserts a ticket in its own transaction; returns its id. */
static int64_t add_ticket(st_store *s, const char *title, st_time due, st_time first_response,
                          tk_status status)
{
    st_err err = {0};
    st_ticket t = make_ticket(title, "P2", due, first_response, status);
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_ticket_insert(s, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    int64_t id = t.id;
    ticket_done(&t);
    return id;
}

static st_audit_entry make_entry(int64_t ticket, const char *reason)
{
    st_audit_entry e = {0};
    e.at = 2000;
    e.actor = xstrdup("bob");
    e.kind = AU_REPRIORITIZED;
    e.ticket_id = ticket;
    e.from_level = xstrdup("P3");
    e.to_level = xstrdup("P2");
    e.old_due = 5000;
    e.new_due = 4000;
    e.reason = xstrdup(reason);
    e.detail = NULL;
    return e;
}

/* Appends n entries, one transaction each. */
static void add_entries(st_store *s, int n)
{
    for (int i = 0; i < n; i++) {
        st_err err = {0};
        char reason[32];
        snprintf(reason, sizeof reason, "reason %d", i + 1);
        st_audit_entry e = make_entry(i % 2 + 1, reason);
        cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
        cr_assert_eq(store_audit_append(s, &e, &err), ST_OK, "%s", err.msg);
        cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
        audit_entry_done(&e);
    }
}

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

/* A store holding five audit entries, with the head (anchor) taken before any tampering. */
static st_store *store_with_anchor(int64_t *head, char anchor[65])
{
    st_store *s = create_db();
    add_entries(s, 5);
    st_err err = {0};
    cr_assert_eq(store_audit_head(s, head, anchor, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(*head, 5);
    return s;
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

static st_code verify(st_store *s, int64_t anchor_seq, const char *anchor_hash, st_err *err)
{
    int64_t checked = -1;
    st_code rc = store_audit_verify(s, anchor_seq, anchor_hash, &checked, err);
    cr_assert_geq(checked, 0);
    return rc;
}

/* ---- opening, files, schema ---- */

Test(store, create_refuses_existing_and_missing_is_notfound)
{
    st_store *s = open_ok(dbpath, STORE_OPEN_CREATE);
    store_close(s);
    st_err err = {0};
    s = NULL;
    cr_assert_eq(store_open(dbpath, STORE_OPEN_CREATE, &s, &err), ST_CONFLICT);
    cr_assert_null(s);
    cr_assert(strstr(err.msg, dbpath) && strstr(err.msg, "already exists"), "%s", err.msg);

    char missing[300];
    snprintf(missing, sizeof missing, "%s/nope.db", tmpdir);
    cr_assert_eq(store_open(missing, STORE_OPEN_RW, &s, &err), ST_NOTFOUND);
    cr_assert(strstr(err.msg, missing), "%s", err.msg);
    cr_assert_eq(store_open(missing, STORE_OPEN_RO, &s, &err), ST_NOTFOUND);
    cr_assert_eq(access(missing, F_OK), -1, "RO/RW open must not create the file");
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

Test(store, file_mode_umask_002)
{
    check_mode_under_umask(002);
}

Test(store, file_mode_umask_022)
{
    check_mode_under_umask(022);
}

Test(store, file_mode_umask_000_never_world_writable)
{
    check_mode_under_umask(000);
}

Test(store, create_makes_parent_directories)
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

Test(store, wal_user_version_and_reopen)
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
    cr_assert_eq(raw_int(s->db, "PRAGMA synchronous"), 2);
    cr_assert_eq(raw_int(s->db, "PRAGMA foreign_keys"), 1);
    store_close(s);
}

/* The side files stay between connections (no create and unlink on every start), and the last
 * close truncates the -wal to nothing even after a transaction that filled it: a -wal kept at full
 * size would make the next open read all of it again (recovery). */
Test(store, side_files_kept_and_wal_emptied_on_close)
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
    while (s->wal_frames < pages && n < max) {
        add_ticket(s, "A ticket that fills the write-ahead log, one commit at a time", 5000 + n, ST_TIME_NONE,
                   TK_OPEN);
        n++;
    }
    return n;
}

/* By default a commit that takes the -wal past 1000 pages checkpoints it (as SQLite's automatic
 * checkpoint does): the -wal then starts again from its beginning. */
Test(store, checkpoint_in_the_commit_by_default)
{
    st_store *s = create_db();
    int n = commit_until_wal(s, 900, 5000);
    cr_assert_lt(n, 5000);
    int most = 0, drops = 0;
    for (int i = 0; i < 300; i++) {
        int was = s->wal_frames;
        add_ticket(s, "After", 9000 + i, ST_TIME_NONE, TK_OPEN);
        if (s->wal_frames > most)
            most = s->wal_frames;
        drops += s->wal_frames < was;
    }
    cr_assert_geq(drops, 1, "a commit checkpointed");
    cr_assert_lt(most, 1000, "a commit's checkpoint keeps the -wal under 1000 pages (saw %d)", most);
    cr_assert_not(store_idle(s), "nothing deferred, nothing to do when idle");
    store_close(s);
}

/* Deferred (the console): commits never checkpoint below 8000 pages; store_idle does it, after
 * which the next commit writes at the -wal's start again. */
Test(store, deferred_checkpoint_runs_when_idle)
{
    st_store *s = create_db();
    store_defer_maintenance(s);
    cr_assert_not(store_idle(s), "an almost empty -wal: nothing due");
    commit_until_wal(s, 1500, 5000);
    cr_assert_geq(s->wal_frames, 1500, "no checkpoint in the commits (%d pages)", s->wal_frames);
    cr_assert(store_idle(s));
    add_ticket(s, "After the checkpoint", 9999, ST_TIME_NONE, TK_OPEN);
    cr_assert_lt(s->wal_frames, 50, "the -wal restarted after the idle checkpoint (%d pages)", s->wal_frames);
    /* The bound: the commit that takes the -wal past 8000 pages checkpoints anyway. */
    int most = 0, before_drop = 0;
    for (int i = 0; i < 5000 && !before_drop; i++) {
        int was = s->wal_frames;
        add_ticket(s, "Towards the bound", 20000 + i, ST_TIME_NONE, TK_OPEN);
        if (s->wal_frames > most)
            most = s->wal_frames;
        if (s->wal_frames < was)
            before_drop = was;
    }
    cr_assert_geq(before_drop, 7900, "no checkpoint before the bound (the -wal dropped at %d pages)", before_drop);
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

Test(store, newer_schema_refused)
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

Test(store, foreign_files_refused)
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

/* ---- tickets ---- */

Test(store, ticket_insert_get_update)
{
    st_store *s = create_db();
    st_err err = {0};
    st_ticket t = make_ticket("Login broken", "P1", 5000, ST_TIME_NONE, TK_OPEN);
    t.ref = xstrdup("ZD-1");
    t.customer = xstrdup("Acme");
    t.breached_hist = true;
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_ticket_insert(s, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK);
    cr_assert_gt(t.id, 0);
    cr_assert_eq(t.version, 1);

    st_ticket g;
    cr_assert_eq(store_ticket_get(s, t.id, &g, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(g.title, "Login broken");
    cr_assert_str_eq(g.ref, "ZD-1");
    cr_assert_str_eq(g.customer, "Acme");
    cr_assert_null(g.channel);
    cr_assert_null(g.assignee);
    cr_assert_eq(g.first_response, ST_TIME_NONE);
    cr_assert_eq(g.response_due, ST_TIME_NONE);
    cr_assert_eq(g.due, 5000);
    cr_assert(g.breached_hist);
    cr_assert_eq(g.status, TK_OPEN);
    cr_assert_eq(g.version, 1);
    cr_assert_str_eq(g.updated_by, "alice");

    free(g.assignee);
    g.assignee = xstrdup("carol");
    g.status = TK_RESPONDED;
    g.first_response = 3000;
    free(g.updated_by);
    g.updated_by = xstrdup("bob");
    g.updated_at = 3000;
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_ticket_update(s, &g, 1, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK);
    cr_assert_eq(g.version, 2);

    st_ticket h;
    cr_assert_eq(store_ticket_get(s, t.id, &h, &err), ST_OK);
    cr_assert_str_eq(h.assignee, "carol");
    cr_assert_eq(h.status, TK_RESPONDED);
    cr_assert_eq(h.first_response, 3000);
    cr_assert_eq(h.version, 2);

    int64_t id = 0;
    cr_assert_eq(store_ticket_find_ref(s, "ZD-1", &id, &err), ST_OK);
    cr_assert_eq(id, t.id);
    cr_assert_eq(store_ticket_find_ref(s, "ZD-2", &id, &err), ST_NOTFOUND);
    st_ticket none;
    cr_assert_eq(store_ticket_get(s, 999, &none, &err), ST_NOTFOUND);
    cr_assert(strstr(err.msg, "ticket 999"), "%s", err.msg);
    ticket_done(&t);
    ticket_done(&g);
    ticket_done(&h);
    store_close(s);
}

Test(store, stale_version_names_actor_and_time)
{
    st_store *s = create_db();
    st_err err = {0};
    int64_t id = add_ticket(s, "A", 5000, ST_TIME_NONE, TK_OPEN);
    st_ticket a, b;
    cr_assert_eq(store_ticket_get(s, id, &a, &err), ST_OK);
    cr_assert_eq(store_ticket_get(s, id, &b, &err), ST_OK);

    free(a.updated_by);
    a.updated_by = xstrdup("bob");
    a.updated_at = 1763632800; /* 2025-11-20T10:00:00Z */
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_ticket_update(s, &a, 1, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK);

    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_ticket_update(s, &b, 1, &err), ST_CONFLICT);
    store_rollback(s);
    cr_assert_str_eq(err.msg,
                     "ticket 1 changed since version 1: by bob at 2025-11-20T10:00:00Z (now version 2)");

    b.id = 77;
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_ticket_update(s, &b, 1, &err), ST_NOTFOUND);
    store_rollback(s);
    ticket_done(&a);
    ticket_done(&b);
    store_close(s);
}

Test(store, ref_is_unique)
{
    st_store *s = create_db();
    st_err err = {0};
    st_ticket t1 = make_ticket("one", "P2", 5000, ST_TIME_NONE, TK_OPEN);
    st_ticket t2 = make_ticket("two", "P2", 5000, ST_TIME_NONE, TK_OPEN);
    st_ticket t3 = make_ticket("three", "P2", 5000, ST_TIME_NONE, TK_OPEN);
    st_ticket t4 = make_ticket("four", "P2", 5000, ST_TIME_NONE, TK_OPEN);
    t1.ref = xstrdup("ZD-7");
    t2.ref = xstrdup("ZD-7");
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_ticket_insert(s, &t1, &err), ST_OK, "%s", err.msg);
    /* Tickets without a ref never collide. */
    cr_assert_eq(store_ticket_insert(s, &t3, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_ticket_insert(s, &t4, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_ticket_insert(s, &t2, &err), ST_CONFLICT);
    cr_assert_str_eq(err.msg, "ref 'ZD-7' already exists (ticket 1)");
    /* The same through an update. */
    t3.ref = xstrdup("ZD-7");
    cr_assert_eq(store_ticket_update(s, &t3, 1, &err), ST_CONFLICT);
    cr_assert_str_eq(err.msg, "ref 'ZD-7' already exists (ticket 1)");
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    int64_t n = 0;
    cr_assert_eq(store_ticket_count(s, true, &n, &err), ST_OK);
    cr_assert_eq(n, 3);
    ticket_done(&t1);
    ticket_done(&t2);
    ticket_done(&t3);
    ticket_done(&t4);
    store_close(s);
}

Test(store, unknown_policy_version_refused)
{
    st_store *s = create_db();
    st_err err = {0};
    st_ticket t = make_ticket("x", "P2", 5000, ST_TIME_NONE, TK_OPEN);
    t.policy_version = 9;
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_ticket_insert(s, &t, &err), ST_INVALID);
    cr_assert(strstr(err.msg, "policy version 9"), "%s", err.msg);
    store_rollback(s);
    ticket_done(&t);
    store_close(s);
}

Test(store, list_in_urgency_order)
{
    st_store *s = create_db();
    st_err err = {0};
    int64_t a = add_ticket(s, "responded early due", 1000, 500, TK_RESPONDED);
    int64_t b = add_ticket(s, "open late due", 9000, ST_TIME_NONE, TK_OPEN);
    int64_t c = add_ticket(s, "open early due", 2000, ST_TIME_NONE, TK_OPEN);
    int64_t d = add_ticket(s, "resolved", 100, 50, TK_RESOLVED);
    int64_t e = add_ticket(s, "open same due as c", 2000, ST_TIME_NONE, TK_OPEN);
    int64_t f = add_ticket(s, "responded later due", 3000, 600, TK_RESPONDED);

    store_list_query q = {.include_resolved = false, .sort = STORE_SORT_URGENCY};
    st_ticket *list = NULL;
    size_t n = 0;
    cr_assert_eq(store_ticket_list(s, &q, &list, &n, &err), ST_OK, "%s", err.msg);
    int64_t want[] = {c, e, b, a, f};
    cr_assert_eq(n, 5);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(list[i].id, want[i], "position %zu: got %ld want %ld", i, (long)list[i].id,
                     (long)want[i]);
    for (size_t i = 0; i < n; i++)
        ticket_done(&list[i]);
    free(list);

    q.include_resolved = true;
    cr_assert_eq(store_ticket_list(s, &q, &list, &n, &err), ST_OK);
    int64_t want_all[] = {c, e, b, d, a, f};
    cr_assert_eq(n, 6);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(list[i].id, want_all[i], "position %zu", i);
    for (size_t i = 0; i < n; i++)
        ticket_done(&list[i]);
    free(list);

    /* Paging. */
    q.include_resolved = false;
    q.offset = 1;
    q.limit = 2;
    cr_assert_eq(store_ticket_list(s, &q, &list, &n, &err), ST_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(list[0].id, e);
    cr_assert_eq(list[1].id, b);
    for (size_t i = 0; i < n; i++)
        ticket_done(&list[i]);
    free(list);

    /* Created order (all created at 1000): by id. */
    q = (store_list_query){.sort = STORE_SORT_CREATED};
    cr_assert_eq(store_ticket_list(s, &q, &list, &n, &err), ST_OK);
    cr_assert_eq(n, 5);
    cr_assert_eq(list[0].id, a);
    for (size_t i = 0; i < n; i++)
        ticket_done(&list[i]);
    free(list);

    int64_t count = 0;
    cr_assert_eq(store_ticket_count(s, false, &count, &err), ST_OK);
    cr_assert_eq(count, 5);
    cr_assert_eq(store_ticket_count(s, true, &count, &err), ST_OK);
    cr_assert_eq(count, 6);
    store_close(s);
}

/* The trigger-kept counts agree with count(*) through inserts, status changes and rollbacks. */
Test(store, counts_follow_status_changes)
{
    st_store *s = create_db();
    st_err err = {0};
    int64_t id = add_ticket(s, "a", 1000, ST_TIME_NONE, TK_OPEN);
    add_ticket(s, "b", 1000, ST_TIME_NONE, TK_OPEN);
    add_ticket(s, "c", 1000, 10, TK_RESOLVED);
    st_ticket t;
    cr_assert_eq(store_ticket_get(s, id, &t, &err), ST_OK);
    t.status = TK_RESOLVED;
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_ticket_update(s, &t, 1, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK);
    t.status = TK_RESPONDED; /* reopened, then rolled back */
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_ticket_update(s, &t, 2, &err), ST_OK, "%s", err.msg);
    store_rollback(s);
    ticket_done(&t);
    int64_t open = 0, all = 0;
    cr_assert_eq(store_ticket_count(s, false, &open, &err), ST_OK);
    cr_assert_eq(store_ticket_count(s, true, &all, &err), ST_OK);
    cr_assert_eq(open, 1);
    cr_assert_eq(all, 3);
    cr_assert_eq(open, raw_int(s->db, "SELECT count(*) FROM tickets WHERE status != 'resolved'"));
    cr_assert_eq(all, raw_int(s->db, "SELECT count(*) FROM tickets"));
    store_close(s);
}

/* The level sort follows the policy's level order (highest first), not the ids' spelling. */
Test(store, list_by_level_follows_policy_order)
{
    st_store *s = open_ok(dbpath, STORE_OPEN_CREATE);
    st_err err = {0};
    int64_t v = 0;
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_policy_put(s, "{\"levels\":[{\"id\":\"URGENT\"},{\"id\":\"HIGH\"},{\"id\":\"LOW\"}]}",
                                  "h", 1, "alice", NULL, &v, &err),
                 ST_OK, "%s", err.msg);
    const char *levels[] = {"LOW", "URGENT", "HIGH", "URGENT", "NOPE"};
    st_time dues[] = {100, 300, 200, 250, 50};
    int64_t ids[5];
    for (int i = 0; i < 5; i++) {
        st_ticket t = make_ticket("t", levels[i], dues[i], ST_TIME_NONE, TK_OPEN);
        cr_assert_eq(store_ticket_insert(s, &t, &err), ST_OK, "%s", err.msg);
        ids[i] = t.id;
        ticket_done(&t);
    }
    cr_assert_eq(store_commit(s, &err), ST_OK);
    /* A level change moves the ticket in the order: LOW -> URGENT, with the earliest URGENT due. */
    st_ticket t;
    cr_assert_eq(store_ticket_get(s, ids[0], &t, &err), ST_OK);
    free(t.level);
    t.level = xstrdup("URGENT");
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_ticket_update(s, &t, 1, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK);
    ticket_done(&t);

    store_list_query q = {.sort = STORE_SORT_LEVEL};
    st_ticket *list = NULL;
    size_t n = 0;
    cr_assert_eq(store_ticket_list(s, &q, &list, &n, &err), ST_OK, "%s", err.msg);
    int64_t want[] = {ids[0], ids[3], ids[1], ids[2], ids[4]};
    cr_assert_eq(n, 5);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(list[i].id, want[i], "position %zu: got %ld want %ld", i, (long)list[i].id,
                     (long)want[i]);
    for (size_t i = 0; i < n; i++)
        ticket_done(&list[i]);
    free(list);
    store_close(s);
}

/* The first screen must come from the partial index, not from sorting every ticket. */
Test(store, list_query_uses_index)
{
    st_store *s = create_db();
    struct {
        store_sort sort;
        bool incl;
        const char *index;
    } cases[] = {
        {STORE_SORT_URGENCY, false, "tickets_urgency"},
        {STORE_SORT_LEVEL, false, "tickets_level_order"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *sql = xasprintf("EXPLAIN QUERY PLAN %s", store_ticket_list_sql(cases[k].sort, cases[k].incl));
        sqlite3_stmt *st = NULL;
        cr_assert_eq(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(s->db));
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

Test(store, tickets_using_level_and_policies)
{
    st_store *s = create_db();
    st_err err = {0};
    int64_t a = add_ticket(s, "a", 1000, ST_TIME_NONE, TK_OPEN);
    add_ticket(s, "resolved", 1000, 10, TK_RESOLVED);
    int64_t *ids = NULL;
    size_t n = 0;
    /* Only version 1 exists: it is the latest, so nothing is "under another version". */
    cr_assert_eq(store_tickets_using_level(s, "P2", &ids, &n, &err), ST_OK);
    cr_assert_eq(n, 0);
    free(ids);

    int64_t v = 0;
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_policy_put(s, "{\"v\":2}", "def", 2000, "bob", "new levels", &v, &err), ST_OK);
    cr_assert_eq(v, 2);
    cr_assert_eq(store_tickets_using_level(s, "P2", &ids, &n, &err), ST_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(ids[0], a);
    free(ids);
    cr_assert_eq(store_tickets_using_level(s, "P1", &ids, &n, &err), ST_OK);
    cr_assert_eq(n, 0);
    free(ids);
    cr_assert_eq(store_commit(s, &err), ST_OK);

    char *json = NULL;
    cr_assert_eq(store_policy_get(s, 1, &json, &v, &err), ST_OK);
    cr_assert_str_eq(json, "{\"levels\":[]}");
    free(json);
    cr_assert_eq(store_policy_get(s, 0, &json, &v, &err), ST_OK);
    cr_assert_str_eq(json, "{\"v\":2}");
    cr_assert_eq(v, 2);
    free(json);
    cr_assert_eq(store_policy_get(s, 5, &json, &v, &err), ST_NOTFOUND);
    cr_assert_null(json);
    store_close(s);
}

Test(store, meta_get_set)
{
    st_store *s = create_db();
    st_err err = {0};
    char *v = NULL;
    cr_assert_eq(store_meta_get(s, "demo", &v, &err), ST_OK);
    cr_assert_null(v);
    cr_assert_eq(store_meta_set(s, "demo", "1", &err), ST_INVALID, "writes need a transaction");
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_meta_set(s, "demo", "1", &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_meta_set(s, "demo", "2", &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK);
    cr_assert_eq(store_meta_get(s, "demo", &v, &err), ST_OK);
    cr_assert_str_eq(v, "2");
    free(v);
    store_close(s);
}

/* ---- audit ---- */

Test(store, audit_append_list_head)
{
    st_store *s = create_db();
    st_err err = {0};
    int64_t seq = -1;
    char hash[65];
    cr_assert_eq(store_audit_head(s, &seq, hash, &err), ST_OK);
    cr_assert_eq(seq, 0);
    cr_assert_str_eq(hash, AUDIT_GENESIS_HASH);

    st_audit_entry e = make_entry(1, "first");
    cr_assert_eq(store_audit_append(s, &e, &err), ST_INVALID, "append needs a transaction");
    audit_entry_done(&e);
    add_entries(s, 4);
    cr_assert_eq(store_audit_head(s, &seq, hash, &err), ST_OK);
    cr_assert_eq(seq, 4);

    st_audit_entry *list = NULL;
    size_t n = 0;
    cr_assert_eq(store_audit_list(s, 0, &list, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 4);
    cr_assert_str_eq(list[0].prev_hash, AUDIT_GENESIS_HASH);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(list[i].seq, (int64_t)i + 1);
        if (i > 0)
            cr_assert_str_eq(list[i].prev_hash, list[i - 1].hash);
        char h[65];
        cr_assert_eq(audit_compute_hash(&list[i], h, NULL), ST_OK);
        cr_assert_str_eq(h, list[i].hash);
        cr_assert_gt(list[i].recorded_at, 1700000000);
        cr_assert_eq(list[i].old_due, 5000);
        cr_assert_null(list[i].detail);
    }
    cr_assert_str_eq(list[3].hash, hash);
    cr_assert_str_eq(list[2].reason, "reason 3");
    for (size_t i = 0; i < n; i++)
        audit_entry_done(&list[i]);
    free(list);

    cr_assert_eq(store_audit_list(s, 2, &list, &n, &err), ST_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(list[0].seq, 2);
    cr_assert_eq(list[1].seq, 4);
    for (size_t i = 0; i < n; i++)
        audit_entry_done(&list[i]);
    free(list);

    int64_t checked = 0;
    cr_assert_eq(store_audit_verify(s, 4, hash, &checked, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(checked, 4);
    store_close(s);
}

Test(store, audit_update_and_delete_refused_by_triggers)
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

Test(store, verify_catches_edit)
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

Test(store, verify_catches_deletion)
{
    st_store *s = create_db();
    add_entries(s, 5);
    tamper("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 3;");
    st_err err = {0};
    cr_assert_eq(verify(s, 0, NULL, &err), ST_VERIFY);
    cr_assert_str_eq(err.msg, "audit entry 4: expected sequence 3 (entries removed or reordered)");
    store_close(s);
}

Test(store, verify_catches_swap)
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

Test(store, anchor_catches_rebuilt_chain)
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

Test(store, anchor_catches_truncation)
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

Test(store, failed_write_leaves_no_trace)
{
    st_store *s = create_db();
    add_entries(s, 2);
    st_err err = {0};
    int64_t before = 0;
    cr_assert_eq(store_ticket_count(s, true, &before, &err), ST_OK);

    st_ticket t = make_ticket("half", "P2", 5000, ST_TIME_NONE, TK_OPEN);
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_ticket_insert(s, &t, &err), ST_OK, "%s", err.msg);
    st_audit_entry e = make_entry(t.id, "created");
    store_test_fail_next_write(s);
    cr_assert_eq(store_audit_append(s, &e, &err), ST_IO);
    cr_assert(strstr(err.msg, dbpath), "%s", err.msg);
    store_rollback(s);

    st_ticket g;
    cr_assert_eq(store_ticket_get(s, t.id, &g, &err), ST_NOTFOUND);
    int64_t after = 0, seq = 0;
    char hash[65];
    cr_assert_eq(store_ticket_count(s, true, &after, &err), ST_OK);
    cr_assert_eq(after, before);
    cr_assert_eq(store_audit_head(s, &seq, hash, &err), ST_OK);
    cr_assert_eq(seq, 2);
    cr_assert_eq(verify(s, 0, NULL, &err), ST_OK, "%s", err.msg);

    /* The hook fires once; an update fails the same way. */
    int64_t id = add_ticket(s, "kept", 5000, ST_TIME_NONE, TK_OPEN);
    cr_assert_eq(store_ticket_get(s, id, &g, &err), ST_OK);
    free(g.title);
    g.title = xstrdup("changed");
    cr_assert_eq(store_begin(s, &err), ST_OK);
    store_test_fail_next_write(s);
    cr_assert_eq(store_ticket_update(s, &g, 1, &err), ST_IO);
    store_rollback(s);
    ticket_done(&g);
    cr_assert_eq(store_ticket_get(s, id, &g, &err), ST_OK);
    cr_assert_str_eq(g.title, "kept");
    cr_assert_eq(g.version, 1);
    ticket_done(&g);
    ticket_done(&t);
    audit_entry_done(&e);
    store_close(s);
}

/* ---- connections, read-only, disk full ---- */

Test(store, changes_since_sees_other_connection)
{
    st_store *a = create_db();
    st_store *b = open_ok(dbpath, STORE_OPEN_RW);
    st_err err = {0};
    int64_t v = -1;
    bool changed = false;
    cr_assert_eq(store_changes_since(a, &v, &changed, &err), ST_OK);
    cr_assert(changed, "a first call reports a change (there was no version before)");
    cr_assert_eq(store_changes_since(a, &v, &changed, &err), ST_OK);
    cr_assert_not(changed, "no change, same version");
    add_ticket(a, "from a", 5000, ST_TIME_NONE, TK_OPEN);
    cr_assert_eq(store_changes_since(a, &v, &changed, &err), ST_OK);
    cr_assert_not(changed, "a's own commits are not another connection's change");
    add_ticket(b, "from b", 5000, ST_TIME_NONE, TK_OPEN);
    cr_assert_eq(store_changes_since(a, &v, &changed, &err), ST_OK);
    cr_assert(changed, "a must see b's commit");
    int64_t n = 0;
    cr_assert_eq(store_ticket_count(a, false, &n, &err), ST_OK);
    cr_assert_eq(n, 2);
    store_close(b);
    store_close(a);
}

/* The watch descriptor becomes readable when another connection commits, and store_watch_due
 * then asks for a re-read; with nothing written it does not. */
Test(store, watch_fd_wakes_on_other_connection)
{
    st_store *a = create_db();
    st_store *b = open_ok(dbpath, STORE_OPEN_RW);
    int fd = store_watch_fd(a);
    cr_assert_geq(fd, 0, "inotify is available on Linux");
    cr_assert_eq(store_watch_fd(a), fd, "one descriptor per store");
    struct pollfd p = {.fd = fd, .events = POLLIN};
    cr_assert_eq(poll(&p, 1, 0), 0, "nothing written yet");
    add_ticket(b, "from b", 5000, ST_TIME_NONE, TK_OPEN);
    cr_assert_eq(poll(&p, 1, 2000), 1, "b's commit wakes a's watch");
    cr_assert(store_watch_due(a));
    store_close(b);
    store_close(a);
}

Test(store, read_only_refuses_writes)
{
    st_store *w = create_db();
    add_ticket(w, "t", 5000, ST_TIME_NONE, TK_OPEN);
    store_close(w);
    st_store *s = open_ok(dbpath, STORE_OPEN_RO);
    st_err err = {0};
    cr_assert_eq(store_begin(s, &err), ST_CONFLICT);
    cr_assert(strstr(err.msg, "read-only"), "%s", err.msg);
    cr_assert_eq(store_meta_set(s, "k", "v", &err), ST_CONFLICT);
    st_ticket t = make_ticket("no", "P2", 5000, ST_TIME_NONE, TK_OPEN);
    cr_assert_eq(store_ticket_insert(s, &t, &err), ST_CONFLICT);
    st_audit_entry e = make_entry(1, "no");
    cr_assert_eq(store_audit_append(s, &e, &err), ST_CONFLICT);
    /* Reading works. */
    st_ticket g;
    cr_assert_eq(store_ticket_get(s, 1, &g, &err), ST_OK, "%s", err.msg);
    ticket_done(&g);
    ticket_done(&t);
    audit_entry_done(&e);
    store_close(s);
}

Test(store, disk_full_is_io_and_changes_nothing)
{
    st_store *s = create_db();
    add_ticket(s, "before", 5000, ST_TIME_NONE, TK_OPEN);
    st_err err = {0};
    /* Cap the file at its current size (per connection). */
    int64_t pages = raw_int(s->db, "PRAGMA page_count");
    char *sql = xasprintf("PRAGMA max_page_count = %ld", (long)pages);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK);
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

/* Two processes writing at once: BEGIN IMMEDIATE plus the busy handler means no write fails with
 * ST_BUSY, and the audit chain stays one unbroken sequence. */
Test(store, concurrent_writers_keep_one_chain)
{
    store_close(create_db());
    enum { PER_PROCESS = 150 };
    pid_t child = fork();
    cr_assert_neq(child, -1);
    int failures = 0;
    st_store *s = NULL;
    st_err err = {0};
    if (store_open(dbpath, STORE_OPEN_RW, &s, &err) != ST_OK)
        failures = PER_PROCESS;
    for (int i = 0; s && i < PER_PROCESS; i++) {
        st_ticket t = make_ticket(child == 0 ? "child" : "parent", "P2", 5000 + i, ST_TIME_NONE, TK_OPEN);
        st_audit_entry e = make_entry(0, "concurrent");
        st_code rc = store_begin(s, &err);
        if (rc == ST_OK)
            rc = store_ticket_insert(s, &t, &err);
        if (rc == ST_OK) {
            e.ticket_id = t.id;
            rc = store_audit_append(s, &e, &err);
        }
        if (rc == ST_OK)
            rc = store_commit(s, &err);
        if (rc != ST_OK) {
            store_rollback(s);
            failures++;
        }
        ticket_done(&t);
        audit_entry_done(&e);
    }
    store_close(s);
    if (child == 0)
        _exit(failures > 255 ? 255 : failures);
    int status = 0;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status));
    cr_assert_eq(WEXITSTATUS(status), 0, "child had %d failed writes", WEXITSTATUS(status));
    cr_assert_eq(failures, 0, "parent had %d failed writes: %s", failures, err.msg);

    s = open_ok(dbpath, STORE_OPEN_RO);
    int64_t n = 0, checked = 0;
    cr_assert_eq(store_ticket_count(s, true, &n, &err), ST_OK);
    cr_assert_eq(n, 2 * PER_PROCESS);
    cr_assert_eq(store_audit_verify(s, 0, NULL, &checked, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(checked, 2 * PER_PROCESS);
    store_close(s);
}

/* A writer that finds the database locked waits (in short polls) instead of failing. */
Test(store, writer_waits_for_lock)
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
Test(store, side_files_tightened)
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
Test(store, syslog_copies_only_after_commit)
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
