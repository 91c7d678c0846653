/* Many writers, one database (SPEC §2 versions, §10 writers on many hosts): 4 processes each make
 * 1,000 changes to four shared tickets with optimistic versions (store_ticket_update's
 * expect_version, as --expect-version), re-reading and retrying on a conflict. Afterwards: no lost
 * update (each ticket's version counts exactly the changes that succeeded on it), no error but
 * version conflicts (never "busy" or "deadlock"), the audit chain verifies with one entry per
 * change, and replaying the log gives every ticket's final assignee. Written against store.h, so
 * it runs on every backend (store_fixture.h; test_store_concurrency_pg on PostgreSQL). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "slatop/audit.h"
#include "slatop/model.h"
#include "slatop/store.h"
#include "slatop/util.h"

#include "store_fixture.h"

TestSuite(store_concurrency, .init = setup, .fini = teardown, .timeout = 900);

enum { WRITERS = 4, CHANGES = 1000, TICKETS = 4 };

/* One change: ticket id assigned to `to` if it is still at the version just read. ST_CONFLICT
 * when another writer got there first (nothing written). */
static st_code assign_once(st_store *s, int64_t id, const char *to, st_err *err)
{
    st_ticket t;
    st_code rc = store_ticket_get(s, id, &t, err);
    if (rc != ST_OK)
        return rc;
    int64_t seen = t.version;
    free(t.assignee);
    t.assignee = xstrdup(to);
    st_audit_entry e = make_entry(id, "concurrency");
    e.kind = AU_ASSIGNED;
    e.detail = xstrdup(to);
    rc = store_begin(s, err);
    if (rc == ST_OK)
        rc = store_ticket_update(s, &t, seen, err);
    if (rc == ST_OK)
        rc = store_audit_append(s, &e, err);
    if (rc == ST_OK)
        rc = store_commit(s, err);
    if (rc != ST_OK)
        store_rollback(s);
    ticket_done(&t);
    audit_entry_done(&e);
    return rc;
}

/* A writer's process: CHANGES changes, each retried until it lands. Exit status: the number of
 * failures other than version conflicts (0 expected); each is printed. */
static int writer(int w)
{
    st_store *s = NULL;
    st_err err = {0};
    if (store_open(dbpath, STORE_OPEN_RW, &s, &err) != ST_OK) {
        fprintf(stderr, "writer %d: %s\n", w, err.msg);
        return 1;
    }
    int failures = 0;
    for (int i = 0; i < CHANGES && failures < 10; i++) {
        char to[32];
        snprintf(to, sizeof to, "w%d_%d", w, i);
        st_code rc;
        while ((rc = assign_once(s, 1 + (i + w) % TICKETS, to, &err)) == ST_CONFLICT)
            cr_assert(strstr(err.msg, "changed since version"), "%s", err.msg);
        if (rc != ST_OK) {
            fprintf(stderr, "writer %d change %d: %s\n", w, i, err.msg);
            failures++;
        }
    }
    store_close(s);
    return failures;
}

/* The replay's state: each ticket's assignee as the log last set it, and the changes counted. */
typedef struct {
    char *assignee[TICKETS + 1];
    int64_t changes;
} replay;

static void observe(void *ctx, const st_audit_entry *e)
{
    replay *r = ctx;
    if (e->kind != AU_ASSIGNED || e->ticket_id < 1 || e->ticket_id > TICKETS)
        return;
    free(r->assignee[e->ticket_id]);
    r->assignee[e->ticket_id] = xstrdup(e->detail);
    r->changes++;
}

Test(store_concurrency, four_writers_lose_no_update_and_keep_one_chain)
{
    st_store *s = create_db();
    for (int i = 0; i < TICKETS; i++)
        add_ticket(s, "shared", 5000, ST_TIME_NONE, TK_OPEN);
    store_close(s);
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        cr_assert_neq(pids[w], -1);
        if (pids[w] == 0)
            _exit(writer(w));
    }
    for (int w = 0; w < WRITERS; w++) {
        int status = 0;
        cr_assert_eq(waitpid(pids[w], &status, 0), pids[w]);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed (status %d): see its lines above", w,
                  status);
    }

    s = open_ok(dbpath, STORE_OPEN_RO);
    st_err err = {0};
    replay r = {0};
    int64_t checked = 0;
    cr_assert_eq(store_audit_verify_observed(s, 0, NULL, observe, &r, &checked, &err), ST_OK, "%s", err.msg);
    /* init's policy entry is not in this log (create_db writes none); tickets' creation neither. */
    cr_assert_eq(r.changes, WRITERS * CHANGES, "one audit entry per change: %lld", (long long)r.changes);
    cr_assert_eq(checked, WRITERS * CHANGES);
    int64_t versions = 0;
    for (int64_t id = 1; id <= TICKETS; id++) {
        st_ticket t;
        cr_assert_eq(store_ticket_get(s, id, &t, &err), ST_OK, "%s", err.msg);
        versions += t.version - 1;
        cr_assert_str_eq(t.assignee, r.assignee[id], "ticket %lld: replay gives %s, stored %s", (long long)id,
                         r.assignee[id], t.assignee);
        ticket_done(&t);
        free(r.assignee[id]);
    }
    cr_assert_eq(versions, WRITERS * CHANGES, "lost updates: %lld of %d changes counted in versions",
                 (long long)versions, WRITERS * CHANGES);
    store_close(s);
}
