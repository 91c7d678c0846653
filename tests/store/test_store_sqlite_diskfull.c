/* Disk full (issue 6): the store's own connection gets PRAGMA max_page_count at the database's
 * current size (the pragma is per connection, so it goes through the store's sqlite3 handle from
 * src/store/sqlite/sqlite_internal.h), then changes are made until one hits SQLITE_FULL. That
 * change must fail with ST_IO and a message saying the disk is full, and leave nothing
 * half-written: the ticket, the ticket count and the audit head are as before, and the chain still
 * verifies. Once space is back the same change goes through. SQLite only: it reaches into the
 * SQLite backend's connection. */
#include <criterion/criterion.h>

#include "../../src/store/sqlite/sqlite_internal.h"
#include "../tools/reliability/relutil.h"
#include "slatop/ops.h"
#include "slatop/store.h"

typedef struct {
    char *dir, *db;
    st_clock clock;
    st_store *store;
    st_ops *ops;
} fixture;

static void fx_open(fixture *f)
{
    st_err err;
    f->dir = rel_mkdtemp("full");
    cr_assert(f->dir != NULL);
    f->db = xasprintf("%s/full.db", f->dir);
    char *policy = xasprintf("%s/share/policies/haptik.json", rel_source_dir());
    clock_init_real(&f->clock);
    cr_assert_eq(ops_init_db(f->db, policy, &f->clock, &err), ST_OK, "init: %s", err.msg);
    free(policy);
    cr_assert_eq(store_open(f->db, STORE_OPEN_RW, &f->store, &err), ST_OK, "open: %s", err.msg);
    cr_assert_eq(ops_new(f->store, &f->clock, &f->ops, &err), ST_OK, "ops: %s", err.msg);
    for (int i = 0; i < 3; i++) {
        ops_new_ticket nt = {.title = "before the disk filled", .level = "S2", .created = ST_TIME_NONE};
        int64_t id;
        cr_assert_eq(ops_add(f->ops, &nt, &id, &err), ST_OK, "add: %s", err.msg);
    }
}

static void fx_close(fixture *f)
{
    ops_free(f->ops);
    store_close(f->store);
    rel_rmtree(f->dir);
    free(f->dir);
    free(f->db);
}

static int64_t pragma_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(db));
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* Caps the store's connection at its current size: every new page now fails with SQLITE_FULL. */
static void cap_pages(fixture *f)
{
    int64_t pages = pragma_int(f->store->be->db, "PRAGMA page_count");
    int64_t max = pragma_int(f->store->be->db, "PRAGMA max_page_count = 1"); /* raised to the current size */
    cr_assert_eq(max, pages, "max_page_count %lld, page_count %lld", (long long)max, (long long)pages);
}

static void uncap_pages(fixture *f)
{
    pragma_int(f->store->be->db, "PRAGMA max_page_count = 1073741823");
}

typedef struct {
    int64_t tickets, seq;
    char hash[65];
} snapshot;

static void snap(fixture *f, snapshot *s)
{
    st_err err;
    cr_assert_eq(store_ticket_count(f->store, true, &s->tickets, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_audit_head(f->store, &s->seq, s->hash, &err), ST_OK, "%s", err.msg);
}

static void assert_unchanged(fixture *f, const snapshot *before, const char *what)
{
    snapshot after;
    snap(f, &after);
    cr_assert_eq(after.tickets, before->tickets, "%s: ticket count %lld -> %lld", what, (long long)before->tickets,
                 (long long)after.tickets);
    cr_assert_eq(after.seq, before->seq, "%s: audit head %lld -> %lld", what, (long long)before->seq,
                 (long long)after.seq);
    cr_assert_str_eq(after.hash, before->hash, "%s: audit head hash changed", what);
    st_err err;
    int64_t checked = 0;
    cr_assert_eq(store_audit_verify(f->store, 0, NULL, &checked, &err), ST_OK, "%s: verify: %s", what, err.msg);
    cr_assert_eq(checked, after.seq);
}

static void assert_full_message(st_code rc, const st_err *err, const char *what)
{
    cr_assert_eq(rc, ST_IO, "%s: expected ST_IO, got %d: %s", what, rc, err->msg);
    cr_assert(rel_contains_ci(err->msg, "full"), "%s: message does not say the disk is full: %s", what, err->msg);
    cr_assert(strchr(err->msg, '\n') == NULL, "%s: message is more than one line", what);
}

Test(reliability_diskfull, add_that_hits_sqlite_full_leaves_nothing, .timeout = 120)
{
    fixture f;
    fx_open(&f);
    cap_pages(&f);
    char title[401];
    memset(title, 'x', 400);
    title[400] = '\0';
    st_err err;
    st_code rc = ST_OK;
    snapshot before;
    int adds = 0;
    for (; adds < 20000 && rc == ST_OK; adds++) {
        snap(&f, &before);
        ops_new_ticket nt = {.title = title, .customer = title, .created = ST_TIME_NONE};
        int64_t id;
        rc = ops_add(f.ops, &nt, &id, &err);
    }
    assert_full_message(rc, &err, "add");
    assert_unchanged(&f, &before, "add");

    /* Space comes back: the same change goes through and the log still verifies. */
    uncap_pages(&f);
    ops_new_ticket nt = {.title = title, .created = ST_TIME_NONE};
    int64_t id;
    cr_assert_eq(ops_add(f.ops, &nt, &id, &err), ST_OK, "after space came back: %s", err.msg);
    snapshot after;
    snap(&f, &after);
    cr_assert_eq(after.tickets, before.tickets + 1);
    cr_assert_eq(after.seq, before.seq + 1);
    fprintf(stderr, "reliability_diskfull: add hit SQLITE_FULL after %d adds: \"%s\"\n", adds - 1, err.msg);
    fx_close(&f);
}

Test(reliability_diskfull, reprioritize_that_hits_sqlite_full_leaves_ticket_and_log, .timeout = 120)
{
    fixture f;
    fx_open(&f);
    cap_pages(&f);
    char reason[401];
    memset(reason, 'r', 400);
    reason[400] = '\0';
    st_err err;
    st_code rc = ST_OK;
    snapshot before;
    st_ticket tb = {0};
    bool have_tb = false;
    int changes = 0;
    for (; changes < 20000 && rc == ST_OK; changes++) {
        if (have_tb)
            ticket_done(&tb);
        cr_assert_eq(store_ticket_get(f.store, 1, &tb, &err), ST_OK, "%s", err.msg);
        have_tb = true;
        snap(&f, &before);
        ops_change ch = {0};
        rc = ops_set_level(f.ops, 1, OPS_TO, strcmp(tb.level, "S1") == 0 ? "S2" : "S1", reason, tb.version, &ch,
                           &err);
        if (rc == ST_OK)
            ops_change_done(&ch);
    }
    assert_full_message(rc, &err, "set-level");
    assert_unchanged(&f, &before, "set-level");
    st_ticket ta;
    cr_assert_eq(store_ticket_get(f.store, 1, &ta, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(ta.level, tb.level, "level changed by a failed change");
    cr_assert_eq(ta.version, tb.version, "version changed by a failed change");
    cr_assert_eq(ta.due, tb.due, "due changed by a failed change");
    ticket_done(&ta);

    uncap_pages(&f);
    ops_change ch = {0};
    cr_assert_eq(ops_set_level(f.ops, 1, OPS_TO, strcmp(tb.level, "S1") == 0 ? "S2" : "S1", reason, tb.version, &ch,
                               &err),
                 ST_OK, "after space came back: %s", err.msg);
    ops_change_done(&ch);
    fprintf(stderr, "reliability_diskfull: set-level hit SQLITE_FULL after %d changes: \"%s\"\n", changes - 1,
            err.msg);
    ticket_done(&tb);

    /* A fresh connection agrees: integrity ok, chain intact. */
    sqlite3 *h = NULL;
    cr_assert_eq(sqlite3_open_v2(f.db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    sqlite3_close(h);
    fx_close(&f);
}
