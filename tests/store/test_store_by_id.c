/* store_tickets_by_id (store_search.h), on every backend (SLATOP_TEST_STORE): the tickets of a
 * list of ids in that list's order, as stored now; an id no ticket has is skipped; an empty list
 * reads nothing; a window of a scan's ids (a few hundred) in one call. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/model.h"
#include "slatop/store.h"
#include "slatop/store_search.h"
#include "slatop/util.h"

#include "store_fixture.h"

TestSuite(store_by_id, .init = setup, .fini = teardown);

static void free_tickets(st_ticket *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ticket_done(&t[i]);
    free(t);
}

Test(store_by_id, in_the_callers_order_missing_ids_skipped)
{
    st_store *s = create_db();
    st_err err = {0};
    int64_t ids[5];
    for (int i = 0; i < 5; i++) {
        char title[16];
        snprintf(title, sizeof title, "t%d", i);
        ids[i] = add_ticket(s, title, 5000 + i, ST_TIME_NONE, i == 3 ? TK_RESOLVED : TK_OPEN);
    }
    /* any order, a resolved one, an id no ticket has (skipped), the largest id there is */
    int64_t want[] = {ids[4], ids[0], 999999, ids[3], INT64_MAX, ids[2]};
    st_ticket *t = NULL;
    size_t n = 0;
    cr_assert_eq(store_tickets_by_id(s, want, 6, &t, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 4);
    cr_expect_eq(t[0].id, ids[4]);
    cr_expect_str_eq(t[0].title, "t4");
    cr_expect_eq(t[1].id, ids[0]);
    cr_expect_eq(t[2].id, ids[3]);
    cr_expect_eq(t[2].status, TK_RESOLVED);
    cr_expect_eq(t[3].id, ids[2]);
    cr_expect_eq(t[3].due, 5002);
    free_tickets(t, n);

    /* as stored now: a change is seen */
    st_ticket g;
    cr_assert_eq(store_ticket_get(s, ids[2], &g, &err), ST_OK, "%s", err.msg);
    free(g.title);
    g.title = xstrdup("renamed");
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_ticket_update(s, &g, g.version, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    ticket_done(&g);
    cr_assert_eq(store_tickets_by_id(s, &ids[2], 1, &t, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(t[0].title, "renamed");
    free_tickets(t, n);

    cr_assert_eq(store_tickets_by_id(s, NULL, 0, &t, &n, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(n, 0);
    free_tickets(t, n);
    store_close(s);
}

Test(store_by_id, a_window_of_hundreds_in_one_call)
{
    st_store *s = create_db();
    st_err err = {0};
    enum { N = 300 };
    int64_t ids[N];
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    for (int i = 0; i < N; i++) {
        st_ticket t = make_ticket("bulk", "P2", 5000 + i, ST_TIME_NONE, TK_OPEN);
        cr_assert_eq(store_ticket_insert(s, &t, &err), ST_OK, "%s", err.msg);
        ids[i] = t.id;
        ticket_done(&t);
    }
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    int64_t rev[N];
    for (int i = 0; i < N; i++)
        rev[i] = ids[N - 1 - i];
    st_ticket *t = NULL;
    size_t n = 0;
    cr_assert_eq(store_tickets_by_id(s, rev, N, &t, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, N);
    for (int i = 0; i < N; i++)
        cr_expect_eq(t[i].id, rev[i], "row %d", i);
    free_tickets(t, n);
    store_close(s);
}
