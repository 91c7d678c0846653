/* store_fixture: what the store's test files share. Each test gets a fresh database at the
 * locator dbpath: by default an SQLite file in a new temporary directory; with SLATOP_TEST_STORE set,
 * that value followed by a name unique to the test (e.g. SLATOP_TEST_STORE=postgresql://localhost/t_
 * for a second backend), so that one suite runs on every backend. Helpers are static inline so that
 * a file using only some of them compiles without warnings. */
#ifndef SLATOP_TEST_STORE_FIXTURE_H
#define SLATOP_TEST_STORE_FIXTURE_H

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/audit.h"
#include "slatop/model.h"
#include "slatop/store.h"
#include "slatop/util.h"

static char tmpdir[64];
static char dbpath[256];

/* True when the tests run on the default backend (an SQLite file under tmpdir). */
static inline bool store_test_default_backend(void)
{
    const char *base = getenv("SLATOP_TEST_STORE");
    return !base || !*base;
}

/* The locator of the test database called name, in out. */
static inline void store_test_locator(char *out, size_t size, const char *name)
{
    if (store_test_default_backend())
        snprintf(out, size, "%s/%s.db", tmpdir, name);
    else /* the temporary directory's random suffix keeps concurrent tests apart */
        snprintf(out, size, "%s%s_%s", getenv("SLATOP_TEST_STORE"), strrchr(tmpdir, '-') + 1, name);
}

static inline void setup(void)
{
    strcpy(tmpdir, "/tmp/slatop-store-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    store_test_locator(dbpath, sizeof dbpath, "slatop");
}

static inline void teardown(void)
{
    if (!store_test_default_backend()) {
        st_err ignored;
        store_remove(dbpath, &ignored);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

static inline st_store *open_ok(const char *path, store_mode mode)
{
    st_store *s = NULL;
    st_err err = {0};
    st_code rc = store_open(path, mode, &s, &err);
    cr_assert_eq(rc, ST_OK, "store_open(%s): %s", path, err.msg);
    cr_assert_not_null(s);
    return s;
}

/* A new database with policy version 1. */
static inline st_store *create_db(void)
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

static inline st_ticket make_ticket(const char *title, const char *level, st_time due, st_time first_response,
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
static inline int64_t add_ticket(st_store *s, const char *title, st_time due, st_time first_response,
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

static inline st_audit_entry make_entry(int64_t ticket, const char *reason)
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
static inline void add_entries(st_store *s, int n)
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

/* A store holding five audit entries, with the head (anchor) taken before any tampering. */
static inline st_store *store_with_anchor(int64_t *head, char anchor[65])
{
    st_store *s = create_db();
    add_entries(s, 5);
    st_err err = {0};
    cr_assert_eq(store_audit_head(s, head, anchor, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(*head, 5);
    return s;
}

static inline st_code verify(st_store *s, int64_t anchor_seq, const char *anchor_hash, st_err *err)
{
    int64_t checked = -1;
    st_code rc = store_audit_verify(s, anchor_seq, anchor_hash, &checked, err);
    cr_assert_geq(checked, 0);
    return rc;
}

/* Three tickets (two open, one resolved), one resolved by an update and one change rolled back:
 * the counts' test data. */
static inline st_store *counted_tickets(void)
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
    t.status = TK_OPEN; /* reopened, then rolled back */
    cr_assert_eq(store_begin(s, &err), ST_OK);
    cr_assert_eq(store_ticket_update(s, &t, 2, &err), ST_OK, "%s", err.msg);
    store_rollback(s);
    ticket_done(&t);
    return s;
}

#endif
