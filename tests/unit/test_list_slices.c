/* The list's background work (lm_work, SPEC §11): a text search's count and a state filter's
 * matches read a slice at a time between ticks. With slicing forced on a small list (every
 * reload leaves its work to lm_work, one cursor read per slice), the total is a lower bound
 * while counting, and once done the total, the counts and the rows equal what a list read whole
 * gives; a write between two slices is seen; a new filter abandons the old work. A large list
 * whose counts the indexes cannot give within the budget shows its first page at once and counts
 * between ticks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/list_model.h"
#include "slatop/query_search.h"
#include "slatop/store.h"
#include "support_db.h"

#define N_TICKETS 700 /* three cursor reads of 256 */

typedef struct {
    support_db db;
    list_model *m;  /* sliced */
    list_model *whole; /* read whole by lm_reload (the default on a small list) */
    int64_t first_id;
} fx;

static void fx_open(fx *f)
{
    memset(f, 0, sizeof *f);
    support_db_open(&f->db, support_db_policy_24x7, "2026-11-16T10:00:00Z");
    st_err err;
    static const char *const levels[] = {"S0", "S1", "S2"};
    ops_new_ticket *in = calloc(N_TICKETS, sizeof *in);
    char(*titles)[32] = calloc(N_TICKETS, sizeof *titles);
    st_time now = clock_now(&f->db.clock);
    for (int i = 0; i < N_TICKETS; i++) {
        snprintf(titles[i], sizeof titles[i], "%s %d", i % 3 == 0 ? "Printer jam" : "vpn down", i);
        /* created over the last four hours: some breached, some in warn, most ok */
        in[i] = (ops_new_ticket){.title = titles[i], .level = levels[i % 3], .created = now - (st_time)(i * 20),
                                 .customer = i % 7 == 0 ? "Acme" : "Globex"};
    }
    cr_assert_eq(ops_add_many(f->db.ops, in, N_TICKETS, &f->first_id, &err), ST_OK, "%s", err.msg);
    free(in);
    free(titles);
    f->m = lm_new(f->db.ops);
    lm_set_page(f->m, 10);
    lm_set_slicing(f->m, 0, 1); /* every list is large; a slice is one cursor read */
    f->whole = lm_new(f->db.ops);
    lm_set_page(f->whole, 10);
}

static void fx_close(fx *f)
{
    lm_free(f->m);
    lm_free(f->whole);
    support_db_close(&f->db);
}

/* Runs m's work to its end in 1 ns slices; the number of slices that changed what is shown. */
static int drain(list_model *m)
{
    int slices = 0;
    for (;;) {
        bool more = false, changed = false;
        st_err err;
        cr_assert_eq(lm_work(m, 1, &more, &changed, &err), ST_OK, "%s", err.msg);
        slices += changed;
        if (!more)
            return slices;
        cr_assert_lt(slices, 100, "the work never ends");
    }
}

static void reload_both(fx *f)
{
    st_err err;
    st_time now = clock_now(&f->db.clock);
    cr_assert_eq(lm_reload(f->m, now, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(lm_reload(f->whole, now, &err), ST_OK, "%s", err.msg);
    cr_assert_not(lm_counting(f->whole), "a small list is read whole by default");
}

static void expect_same(fx *f)
{
    cr_assert_not(lm_counting(f->m));
    cr_expect_eq(lm_total(f->m), lm_total(f->whole));
    for (int s = 0; s < SLA_STATE_COUNT; s++)
        cr_expect_eq(lm_count(f->m, s), lm_count(f->whole, s), "state %d: %lld, whole %lld", s,
                     (long long)lm_count(f->m, s), (long long)lm_count(f->whole, s));
    cr_assert_eq(lm_n_rows(f->m), lm_n_rows(f->whole));
    for (size_t i = 0; i < lm_n_rows(f->m); i++)
        cr_expect_eq(lm_row(f->m, i)->t.id, lm_row(f->whole, i)->t.id, "row %zu", i);
}

Test(list_slices, a_text_search_is_counted_between_ticks)
{
    fx f;
    fx_open(&f);
    lm_set_filter_text(f.m, "VPN");
    lm_set_filter_text(f.whole, "VPN");
    reload_both(&f);
    /* the first page is there at once; the count is not done */
    cr_expect(lm_counting(f.m));
    cr_expect_eq(lm_n_rows(f.m), 10);
    cr_expect_geq(lm_total(f.m), 11, "at least the rows seen and one more (a full page)");
    cr_expect_leq(lm_total(f.m), lm_total(f.whole), "a lower bound");
    cr_expect_gt(drain(f.m), 0, "the count took slices");
    expect_same(&f);
    cr_expect_eq(lm_total(f.m), N_TICKETS - (N_TICKETS + 2) / 3);
    fx_close(&f);
}

Test(list_slices, a_state_filter_fills_in_order_between_ticks)
{
    fx f;
    fx_open(&f);
    cr_assert(lm_set_filter_level_or_state(f.m, "ok"));
    cr_assert(lm_set_filter_level_or_state(f.whole, "ok"));
    reload_both(&f);
    cr_assert_gt(lm_total(f.whole), 256, "more matches than one cursor read");
    cr_expect(lm_counting(f.m));
    cr_expect_gt(drain(f.m), 0);
    expect_same(&f);
    fx_close(&f);
}

Test(list_slices, a_write_between_slices_is_counted)
{
    fx f;
    fx_open(&f);
    lm_set_filter_text(f.m, "VPN");
    lm_set_filter_text(f.whole, "VPN");
    st_err err;
    cr_assert_eq(lm_reload(f.m, clock_now(&f.db.clock), &err), ST_OK, "%s", err.msg);
    cr_assert(lm_counting(f.m));
    /* another matching ticket, written while the count is half-way: the count starts again */
    ops_new_ticket in = {.title = "vpn on fire", .level = "S0", .created = ST_TIME_NONE};
    int64_t id;
    cr_assert_eq(ops_add(f.db.ops, &in, &id, &err), ST_OK, "%s", err.msg);
    drain(f.m);
    cr_assert_eq(lm_reload(f.whole, clock_now(&f.db.clock), &err), ST_OK, "%s", err.msg);
    expect_same(&f);
    cr_expect_eq(lm_total(f.m), N_TICKETS - (N_TICKETS + 2) / 3 + 1);
    fx_close(&f);
}

Test(list_slices, a_new_search_abandons_the_old_count)
{
    fx f;
    fx_open(&f);
    st_err err;
    lm_set_filter_text(f.m, "vpn"); /* two tickets in three: more than one cursor read */
    cr_assert_eq(lm_reload(f.m, clock_now(&f.db.clock), &err), ST_OK, "%s", err.msg);
    cr_assert(lm_counting(f.m));
    lm_set_filter_text(f.m, "acme");
    lm_set_filter_text(f.whole, "acme");
    reload_both(&f);
    drain(f.m);
    expect_same(&f);
    cr_expect_eq(lm_total(f.m), (N_TICKETS + 6) / 7);
    fx_close(&f);
}

Test(list_slices, a_new_sort_keeps_the_count)
{
    fx f;
    fx_open(&f);
    lm_set_filter_text(f.m, "printer");
    lm_set_filter_text(f.whole, "printer");
    reload_both(&f);
    drain(f.m);
    lm_cycle_sort(f.m);
    lm_cycle_sort(f.whole);
    reload_both(&f);
    cr_expect_not(lm_counting(f.m), "the same matches in another order: nothing to count");
    expect_same(&f);
    fx_close(&f);
}

Test(list_slices, a_large_list_counts_between_ticks_when_the_indexes_are_slow)
{
    fx f;
    fx_open(&f);
    lm_set_count_budget(f.m, 0); /* the indexes never in time */
    reload_both(&f);
    cr_expect(lm_counts_partial(f.m), "a tally so far");
    cr_expect_not(lm_counting(f.m), "the total is the counts table's, exact");
    cr_expect_eq(lm_total(f.m), N_TICKETS);
    cr_expect_eq(lm_n_rows(f.m), 10, "the first page at once");
    int64_t sum = 0;
    for (int s = 0; s < SLA_STATE_COUNT; s++)
        sum += lm_count(f.m, s);
    cr_expect_lt(sum, N_TICKETS, "not every row counted before the first screen");
    cr_expect_gt(drain(f.m), 0, "the counts took slices");
    cr_expect_not(lm_counts_partial(f.m));
    expect_same(&f);
    fx_close(&f);
}
