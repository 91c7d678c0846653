/* The store's suite, written against store.h alone so that every backend runs it: each test opens
 * its database at a locator from store_fixture.h (an SQLite file in a fresh directory under /tmp by
 * default; SLATOP_TEST_STORE points the suite at another backend). Tests that need SQLite's
 * internals or its files are in test_store_sqlite.c. */
#include <poll.h>
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "slatop/audit.h"
#include "slatop/model.h"
#include "slatop/store.h"
#include "slatop/store_search.h"
#include "slatop/util.h"

#include "store_fixture.h"

TestSuite(store, .init = setup, .fini = teardown);

static void set_level(st_ticket *t, const char *level);

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
    store_test_locator(missing, sizeof missing, "nope");
    cr_assert_eq(store_open(missing, STORE_OPEN_RW, &s, &err), ST_NOTFOUND);
    cr_assert(strstr(err.msg, missing), "%s", err.msg);
    cr_assert_eq(store_open(missing, STORE_OPEN_RO, &s, &err), ST_NOTFOUND);
    if (store_test_default_backend())
        cr_assert_eq(access(missing, F_OK), -1, "RO/RW open must not create the file");
    s = open_ok(missing, STORE_OPEN_CREATE); /* RO/RW open must not have created it */
    store_close(s);
    cr_assert_eq(store_remove(missing, &err), ST_OK, "%s", err.msg);
}

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
    g.status = TK_PENDING;
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
    cr_assert_eq(h.status, TK_PENDING);
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

/* The newest entry's seq. */
static int64_t head_seq(st_store *s)
{
    st_err err = {0};
    int64_t seq = -1;
    char hash[65];
    cr_assert_eq(store_audit_head(s, &seq, hash, &err), ST_OK, "%s", err.msg);
    return seq;
}

/* A change's row and last entry together (store_ticket_update_append_commit: one statement and the
 * COMMIT in one round trip on a server): a stale version, a missing ticket, a policy version the
 * database refuses and a taken ref each refuse the whole change, its entry included, with the
 * message store_ticket_update gives; the connection goes on. */
Test(store, update_append_commit_is_all_or_nothing)
{
    st_store *s = create_db();
    st_err err = {0};
    int64_t id = add_ticket(s, "A", 5000, ST_TIME_NONE, TK_OPEN);
    st_ticket other = make_ticket("B", "P2", 5000, ST_TIME_NONE, TK_OPEN);
    other.ref = xstrdup("REF-2");
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_ticket_insert(s, &other, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);

    st_ticket a;
    cr_assert_eq(store_begin_ticket(s, id, &a, &err), ST_OK, "%s", err.msg);
    free(a.updated_by);
    a.updated_by = xstrdup("bob");
    a.updated_at = 1763632800; /* 2025-11-20T10:00:00Z */
    set_level(&a, "P1");
    st_audit_entry e = make_entry(id, "bob's raise");
    cr_assert_eq(store_ticket_update_append_commit(s, &a, a.version, &e, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(a.version, 2);
    audit_entry_done(&e);
    ticket_done(&a);
    int64_t seq = head_seq(s);

    st_ticket b;
    cr_assert_eq(store_begin_ticket(s, id, &b, &err), ST_OK, "%s", err.msg);
    set_level(&b, "P3");
    e = make_entry(id, "a stale raise");
    cr_assert_eq(store_ticket_update_append_commit(s, &b, 1, &e, &err), ST_CONFLICT);
    cr_assert_str_eq(err.msg, "ticket 1 changed since version 1: by bob at 2025-11-20T10:00:00Z (now version 2)");
    audit_entry_done(&e);
    cr_assert_eq(head_seq(s), seq, "the stale change's entry was kept");

    int64_t real = b.id;
    b.id = 77;
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    e = make_entry(77, "no such ticket");
    cr_assert_eq(store_ticket_update_append_commit(s, &b, 2, &e, &err), ST_NOTFOUND, "%s", err.msg);
    audit_entry_done(&e);
    cr_assert_eq(head_seq(s), seq);

    b.id = real;
    b.policy_version = 99; /* refused by the server itself (a foreign key), not by a check before */
    cr_assert_eq(store_begin_ticket(s, id, &a, &err), ST_OK, "%s", err.msg);
    ticket_done(&a);
    e = make_entry(id, "an unknown policy");
    cr_assert_eq(store_ticket_update_append_commit(s, &b, 2, &e, &err), ST_INVALID, "%s", err.msg);
    cr_assert(strstr(err.msg, "policy version 99 does not exist"), "%s", err.msg);
    audit_entry_done(&e);
    cr_assert_eq(head_seq(s), seq);

    b.policy_version = 1;
    b.ref = xstrdup("REF-2");
    cr_assert_eq(store_begin_ticket(s, id, &a, &err), ST_OK, "%s", err.msg);
    ticket_done(&a);
    e = make_entry(id, "a taken ref");
    cr_assert_eq(store_ticket_update_append_commit(s, &b, 2, &e, &err), ST_CONFLICT);
    cr_assert(strstr(err.msg, "ref 'REF-2' already exists"), "%s", err.msg);
    audit_entry_done(&e);
    cr_assert_eq(head_seq(s), seq);

    free(b.ref);
    b.ref = NULL;
    cr_assert_eq(store_begin_ticket(s, id, &a, &err), ST_OK, "%s", err.msg);
    ticket_done(&a);
    e = make_entry(id, "after the refusals");
    cr_assert_eq(store_ticket_update_append_commit(s, &b, 2, &e, &err), ST_OK, "%s", err.msg);
    audit_entry_done(&e);
    cr_assert_eq(head_seq(s), seq + 1);
    st_ticket got;
    cr_assert_eq(store_ticket_get(s, id, &got, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(got.level, "P3");
    cr_assert_eq(got.version, 3);
    ticket_done(&got);
    ticket_done(&b);
    ticket_done(&other);
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

/* Stores a next clock (tier, key) for ticket id, as the ops layer does after each write. */
static void set_next(st_store *s, int64_t id, int tier, int64_t key)
{
    st_err err = {0};
    tk_next n = {.tier = tier, .key = key, .metric = tier < 2 ? 0 : -1, .due = tier == 0 ? key : ST_TIME_NONE,
                 .remaining_s = tier == 1 ? key : 0, .paused_by = tier == 1 ? 2 : 0, .at = 10};
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_ticket_set_next(s, id, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
}

/* SPEC §8's order from the stored next clock: running by due, then paused by status by remaining
 * time, then none; ties by id; resolved tickets only when asked. */
Test(store, list_in_urgency_order)
{
    st_store *s = create_db();
    st_err err = {0};
    int64_t a = add_ticket(s, "running, due 1000", 1000, 500, TK_OPEN);
    int64_t b = add_ticket(s, "running, due 9000", 9000, ST_TIME_NONE, TK_OPEN);
    int64_t c = add_ticket(s, "paused by status, 50 s left", 2000, ST_TIME_NONE, TK_PENDING);
    int64_t d = add_ticket(s, "resolved", 100, 50, TK_RESOLVED);
    int64_t e = add_ticket(s, "no clock running", 2000, ST_TIME_NONE, TK_OPEN);
    int64_t f = add_ticket(s, "running, same due as a", 3000, 600, TK_OPEN);
    set_next(s, a, 0, 1000);
    set_next(s, b, 0, 9000);
    set_next(s, c, 1, 50);
    set_next(s, d, 2, 0);
    set_next(s, e, 2, 0);
    set_next(s, f, 0, 1000);
    st_ticket got;
    cr_assert_eq(store_ticket_get(s, c, &got, &err), ST_OK);
    cr_expect_eq(got.next.tier, 1);
    cr_expect_eq(got.next.remaining_s, 50);
    cr_expect_eq(got.next.due, ST_TIME_NONE);
    cr_expect_eq(got.next.paused_by, 2);
    cr_expect_eq(got.version, 1, "storing the next clock is not a change");
    ticket_done(&got);

    store_list_query q = {.include_resolved = false, .sort = STORE_SORT_URGENCY};
    st_ticket *list = NULL;
    size_t n = 0;
    cr_assert_eq(store_ticket_list(s, &q, &list, &n, &err), ST_OK, "%s", err.msg);
    int64_t want[] = {a, f, b, c, e};
    cr_assert_eq(n, 5);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(list[i].id, want[i], "position %zu: got %ld want %ld", i, (long)list[i].id,
                     (long)want[i]);
    for (size_t i = 0; i < n; i++)
        ticket_done(&list[i]);
    free(list);

    q.include_resolved = true;
    cr_assert_eq(store_ticket_list(s, &q, &list, &n, &err), ST_OK);
    int64_t want_all[] = {a, f, b, c, d, e};
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
    cr_assert_eq(list[0].id, f);
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
    st_store *s = counted_tickets();
    st_err err = {0};
    int64_t open = 0, all = 0;
    cr_assert_eq(store_ticket_count(s, false, &open, &err), ST_OK);
    cr_assert_eq(store_ticket_count(s, true, &all, &err), ST_OK);
    cr_assert_eq(open, 1);
    cr_assert_eq(all, 3);
    store_close(s);
}

/* A ticket's group (store_group) as store_ticket_groups gives it, worked out from the ticket itself:
 * a running or paused clock's state does not depend on the first response, so its kind is 0. */
static store_group group_of(const st_ticket *t)
{
    bool none = t->next.tier == -1; /* a new ticket's NULL next clock: tier, clock and target -1 */
    int kind = t->first_response == ST_TIME_NONE                                             ? 0
               : t->response_due == ST_TIME_NONE || t->first_response <= t->response_due ? 1
                                                                                           : 2;
    if (t->next.tier == 0 || t->next.tier == 1)
        kind = 0;
    return (store_group){.level = t->level, .policy_version = t->policy_version, .tier = t->next.tier,
                         .clock = none ? -1 : t->next.clock, .target_s = none ? -1 : t->next.target_s,
                         .kind = kind, .n = 1};
}

static bool same_group(const store_group *a, const store_group *b)
{
    return !strcmp(a->level, b->level) && a->policy_version == b->policy_version && a->tier == b->tier &&
           a->clock == b->clock && a->target_s == b->target_s && a->kind == b->kind;
}

/* The kept counts equal a count of the open tickets, group by group. */
static void groups_match(st_store *s, const char *step)
{
    st_err err = {0};
    store_list_query q = {.include_resolved = false, .sort = STORE_SORT_URGENCY};
    st_ticket *list = NULL;
    size_t n = 0, ng = 0;
    cr_assert_eq(store_ticket_list(s, &q, &list, &n, &err), ST_OK, "%s", err.msg);
    store_group *want = xcalloc(n + 1, sizeof *want), *got = NULL;
    size_t nw = 0;
    for (size_t i = 0; i < n; i++) {
        store_group g = group_of(&list[i]);
        size_t j = 0;
        while (j < nw && !same_group(&want[j], &g))
            j++;
        if (j == nw)
            want[nw++] = g;
        else
            want[j].n++;
    }
    cr_assert_eq(store_ticket_groups(s, NULL, &got, &ng, &err), ST_OK, "%s", err.msg);
    size_t kept = 0;
    for (size_t i = 0; i < ng; i++) {
        if (got[i].n == 0)
            continue;
        kept++;
        size_t j = 0;
        while (j < nw && !same_group(&want[j], &got[i]))
            j++;
        cr_assert_lt(j, nw, "%s: a count of %lld kept for %s/%lld/%d/%d/%lld/%d, no open ticket there", step,
                     (long long)got[i].n, got[i].level, (long long)got[i].policy_version, got[i].tier, got[i].clock,
                     (long long)got[i].target_s, got[i].kind);
        cr_assert_eq(got[i].n, want[j].n, "%s: %s/%d/%d kept %lld, the tickets %lld", step, got[i].level,
                     got[i].tier, got[i].kind, (long long)got[i].n, (long long)want[j].n);
    }
    cr_assert_eq(kept, nw, "%s: %zu groups kept, the tickets make %zu", step, kept, nw);
    store_groups_free(got, ng);
    free(want);
    for (size_t i = 0; i < n; i++)
        ticket_done(&list[i]);
    free(list);
}

/* Writes t (read, then changed by the caller) in its own transaction. */
static void update_ok(st_store *s, st_ticket *t)
{
    st_err err = {0};
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_ticket_update(s, t, t->version, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
}

static st_ticket get_ok(st_store *s, int64_t id)
{
    st_err err = {0};
    st_ticket t;
    cr_assert_eq(store_ticket_get(s, id, &t, &err), ST_OK, "%s", err.msg);
    return t;
}

static void set_level(st_ticket *t, const char *level)
{
    free(t->level);
    t->level = xstrdup(level);
}

/* The per-state counts (SPEC §8, kept by each backend's triggers) through every kind of move: a
 * new ticket, its first next clock, a raise, a status that keeps the group, the first response
 * met then missed, a change of the response that keeps its outcome, a resolve and a reopen, a new
 * policy version, a clock paused by status, a rollback. */
Test(store, groups_follow_every_change)
{
    st_store *s = create_db();
    st_err err = {0};
    int64_t a = add_ticket(s, "a", 5000, ST_TIME_NONE, TK_OPEN);
    int64_t b = add_ticket(s, "b", 5000, ST_TIME_NONE, TK_OPEN);
    int64_t c = add_ticket(s, "c", 6000, ST_TIME_NONE, TK_OPEN);
    int64_t d = add_ticket(s, "d", 7000, 500, TK_RESOLVED);
    groups_match(s, "new tickets");
    set_next(s, a, 0, 5000);
    set_next(s, b, 2, 0); /* no clock: its group tells its first response's outcome */
    set_next(s, c, 0, 6000);
    set_next(s, d, 2, 0);
    groups_match(s, "their next clocks");

    st_ticket t = get_ok(s, a);
    set_level(&t, "P1");
    update_ok(s, &t);
    ticket_done(&t);
    groups_match(s, "a raise");

    t = get_ok(s, b);
    t.status = TK_PENDING;
    update_ok(s, &t);
    groups_match(s, "open to pending");
    t.first_response = 900; /* met: no response due */
    update_ok(s, &t);
    groups_match(s, "the first response");
    t.response_due = 800; /* missed */
    update_ok(s, &t);
    groups_match(s, "its due before it");
    t.first_response = 850; /* still missed: the same group */
    update_ok(s, &t);
    groups_match(s, "a later first response");
    ticket_done(&t);

    t = get_ok(s, c);
    t.status = TK_RESOLVED;
    t.resolved = 6000;
    update_ok(s, &t);
    ticket_done(&t);
    groups_match(s, "a resolve");
    t = get_ok(s, d);
    t.status = TK_OPEN;
    t.resolved = ST_TIME_NONE;
    set_level(&t, "P3");
    update_ok(s, &t);
    ticket_done(&t);
    groups_match(s, "a reopen at another level");

    int64_t v = 0;
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_policy_put(s, "{\"levels\":[]}", "def", 2000, "alice", NULL, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    t = get_ok(s, a);
    t.policy_version = v;
    update_ok(s, &t);
    ticket_done(&t);
    groups_match(s, "a new policy version");
    set_next(s, a, 1, 50);
    groups_match(s, "a clock paused by status");

    t = get_ok(s, b);
    set_level(&t, "P4");
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_ticket_update(s, &t, t.version, &err), ST_OK, "%s", err.msg);
    store_rollback(s);
    ticket_done(&t);
    groups_match(s, "a rolled back raise");
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
    for (int i = 0; i < 5; i++)
        set_next(s, ids[i], 0, dues[i]);
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
        /* The writer's host beside the actor (SPEC §10), inside the hash checked above. */
        cr_assert_str_eq(list[i].host, os_host());
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

Test(store, messages_insert_list_get_and_status_fields_in_audit)
{
    st_store *s = create_db();
    st_err err = {0};
    int64_t id = add_ticket(s, "t", 5000, ST_TIME_NONE, TK_ON_HOLD);
    st_message m = {.ticket_id = id, .kind = MSG_CUSTOMER, .at = 1500};
    m.author = xstrdup("Acme");
    m.body = xstrdup("line 1\nline 2\n\xe2\x80\xae bidi");
    st_message r = {.ticket_id = id, .kind = MSG_NOTE, .at = 1200};
    r.body = xstrdup("");
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_message_insert(s, &m, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_message_insert(s, &r, &err), ST_OK, "%s", err.msg);
    st_audit_entry e = make_entry(id, "waiting on vendor");
    e.kind = AU_STATUS_CHANGED;
    e.from_status = xstrdup("open");
    e.to_status = xstrdup("on_hold");
    st_audit_entry g = make_entry(id, NULL);
    g.kind = AU_MESSAGE;
    g.message_id = m.id;
    g.message_kind = xstrdup("customer");
    g.body_sha256 = xstrdup("ab");
    cr_assert_eq(store_audit_append(s, &e, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_audit_append(s, &g, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    cr_assert_gt(m.id, 0);
    cr_assert_gt(r.id, m.id);
    cr_assert_neq(m.recorded_at, ST_TIME_NONE);

    st_message *list = NULL;
    size_t n = 0;
    cr_assert_eq(store_message_list(s, id, &list, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 2);
    cr_expect_eq(list[0].id, r.id, "oldest first (by event time)");
    cr_expect_eq(list[0].kind, MSG_NOTE);
    cr_expect_null(list[0].author);
    cr_expect_str_eq(list[0].body, "");
    cr_expect_eq(list[1].kind, MSG_CUSTOMER);
    cr_expect_str_eq(list[1].author, "Acme");
    cr_expect_str_eq(list[1].body, m.body);
    cr_expect_eq(list[1].at, 1500);
    for (size_t i = 0; i < n; i++)
        message_done(&list[i]);
    free(list);

    st_message one;
    cr_assert_eq(store_message_get(s, m.id, &one, &err), ST_OK, "%s", err.msg);
    cr_expect_str_eq(one.body, m.body);
    message_done(&one);
    cr_expect_eq(store_message_get(s, 999, &one, &err), ST_NOTFOUND);

    st_ticket t;
    cr_assert_eq(store_ticket_get(s, id, &t, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(t.status, TK_ON_HOLD);
    ticket_done(&t);

    st_audit_entry *log = NULL;
    cr_assert_eq(store_audit_list(s, id, &log, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(log[0].from_status, "open");
    cr_expect_str_eq(log[0].to_status, "on_hold");
    cr_expect_eq(log[0].message_id, 0);
    cr_expect_null(log[0].body_sha256);
    cr_expect_eq(log[1].kind, AU_MESSAGE);
    cr_expect_eq(log[1].message_id, m.id);
    cr_expect_str_eq(log[1].message_kind, "customer");
    cr_expect_str_eq(log[1].body_sha256, "ab");
    cr_expect_null(log[1].from_status);
    for (size_t i = 0; i < n; i++)
        audit_entry_done(&log[i]);
    free(log);
    audit_entry_done(&e);
    audit_entry_done(&g);
    message_done(&m);
    message_done(&r);
    store_close(s);
}

static void set_ref(st_ticket *t, const char *ref)
{
    free(t->ref);
    t->ref = xstrdup(ref);
}

/* store_audit_clock_scan's visitor: counts the entries and checks they come oldest first. */
typedef struct {
    int64_t n, last_seq;
    bool ordered;
} clock_count;

static st_code count_clock(void *ctx, const st_audit_entry *e, st_err *err)
{
    (void)err;
    clock_count *c = ctx;
    c->ordered = c->ordered && e->seq > c->last_seq;
    c->last_seq = e->seq;
    c->n++;
    return ST_OK;
}

static int64_t clock_entries(st_store *s, int64_t id)
{
    st_err err = {0};
    clock_count c = {.ordered = true};
    cr_assert_eq(store_audit_clock_scan(s, id, count_clock, &c, &err), ST_OK, "%s", err.msg);
    cr_assert(c.ordered);
    return c.n;
}

/* store_begin_ticket: what a backend reads with the BEGIN (the ticket, its history, the audit head)
 * answers as a fresh read would all through the transaction, the transaction's own appends included
 * and, after a rollback, excluded; a history longer than one page (PostgreSQL's 1,000 rows) is read
 * whole, in the next change of the ticket too; a missing ticket leaves no transaction open. */
Test(store, begin_ticket_reads_ahead_consistently)
{
    st_store *s = create_db();
    st_err err = {0};
    int64_t id = add_ticket(s, "a", 5000, ST_TIME_NONE, TK_OPEN);
    int64_t other = add_ticket(s, "b", 5000, ST_TIME_NONE, TK_OPEN);
    st_ticket t;
    cr_assert_eq(store_begin_ticket(s, 999, &t, &err), ST_NOTFOUND);
    cr_assert_null(t.title);
    cr_assert_eq(store_begin(s, &err), ST_OK, "no transaction left open: %s", err.msg);
    for (int i = 0; i < 1005; i++) { /* one ticket's long history, then another's entry */
        st_audit_entry e = make_entry(i < 1004 ? id : other, "history");
        cr_assert_eq(store_audit_append(s, &e, &err), ST_OK, "%s", err.msg);
        audit_entry_done(&e);
    }
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);

    cr_assert_eq(store_begin_ticket(s, id, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(t.id, id);
    cr_assert_str_eq(t.title, "a");
    cr_assert_eq(clock_entries(s, id), 1004);
    int64_t seq = 0;
    char head[65];
    cr_assert_eq(store_audit_head(s, &seq, head, &err), ST_OK);
    cr_assert_eq(seq, 1005);
    st_audit_entry e1 = make_entry(id, "in the change"), e2 = make_entry(id, "and another");
    cr_assert_eq(store_audit_append(s, &e1, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(e1.seq, 1006);
    cr_assert_str_eq(e1.prev_hash, head);
    cr_assert_eq(clock_entries(s, id), 1005, "the history read ahead includes the change's own entry");
    cr_assert_eq(store_audit_head(s, &seq, head, &err), ST_OK);
    cr_assert_eq(seq, 1006);
    cr_assert_str_eq(head, e1.hash);
    cr_assert_eq(store_audit_append(s, &e2, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(e2.prev_hash, e1.hash);
    set_ref(&t, "R-1");
    cr_assert_eq(store_ticket_update(s, &t, t.version, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    audit_entry_done(&e1);
    audit_entry_done(&e2);
    ticket_done(&t);

    /* The ref kept is no conflict; another ticket's is, inside such a change too. The history is
     * whole again (a backend may keep what it read and read only what came since). */
    cr_assert_eq(store_begin_ticket(s, id, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(t.ref, "R-1");
    cr_assert_eq(clock_entries(s, id), 1006);
    cr_assert_eq(clock_entries(s, id), 1006, "a second scan in the same change");
    cr_assert_eq(store_ticket_update(s, &t, t.version, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    ticket_done(&t);
    cr_assert_eq(store_begin_ticket(s, other, &t, &err), ST_OK, "%s", err.msg);
    set_ref(&t, "R-1");
    cr_assert_eq(store_ticket_update(s, &t, t.version, &err), ST_CONFLICT);
    store_rollback(s);
    ticket_done(&t);

    /* A rolled-back change leaves the head as it was, for the next change's read ahead. */
    cr_assert_eq(store_begin_ticket(s, other, &t, &err), ST_OK, "%s", err.msg);
    st_audit_entry e3 = make_entry(other, "rolled back");
    cr_assert_eq(store_audit_append(s, &e3, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(clock_entries(s, other), 2);
    store_rollback(s);
    audit_entry_done(&e3);
    ticket_done(&t);
    cr_assert_eq(store_begin_ticket(s, other, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(clock_entries(s, other), 1);
    cr_assert_eq(store_audit_head(s, &seq, head, &err), ST_OK);
    cr_assert_eq(seq, 1007);
    store_rollback(s);
    ticket_done(&t);
    int64_t checked = 0;
    cr_assert_eq(store_audit_verify(s, 0, NULL, &checked, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(checked, 1007);
    store_close(s);
}
