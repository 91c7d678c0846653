/* list_model: the console's list without a terminal: paging and selection, filters, sorting,
 * counts, and the selection following its ticket across a reload. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slatop/list_model.h"
#include "slatop/store.h"
#include "support_db.h"

typedef struct {
    support_db db;
    list_model *m;
    int64_t ids[6];
} fx;

static void fx_open(fx *f)
{
    memset(f, 0, sizeof *f);
    support_db_open(&f->db, support_db_policy_24x7, "2026-11-16T10:00:00Z");
    st_err err;
    /* six tickets: urgency order is S0 a, S0 b, S1 c, S1 d, S2 e, S2 f (due, then id) */
    static const char *const titles[] = {"e mail", "a printer", "c network", "f disk", "b Printer", "d vpn"};
    static const char *const levels[] = {"S2", "S0", "S1", "S2", "S0", "S1"};
    for (int i = 0; i < 6; i++) {
        ops_new_ticket in = {.title = titles[i], .level = levels[i], .created = ST_TIME_NONE};
        cr_assert_eq(ops_add(f->db.ops, &in, &f->ids[i], &err), ST_OK, "%s", err.msg);
    }
    f->m = lm_new(f->db.ops);
    lm_set_page(f->m, 3);
    cr_assert_eq(lm_reload(f->m, clock_now(&f->db.clock), &err), ST_OK, "%s", err.msg);
}

static void fx_close(fx *f)
{
    lm_free(f->m);
    support_db_close(&f->db);
}

static st_code reload(fx *f)
{
    st_err err;
    return lm_reload(f->m, clock_now(&f->db.clock), &err);
}

Test(list_model, pages_and_moves)
{
    fx f;
    fx_open(&f);
    st_err err;
    cr_expect_eq(lm_total(f.m), 6);
    cr_expect_eq(lm_n_rows(f.m), 3);
    cr_expect_eq(lm_selected(f.m)->t.id, f.ids[1]);
    cr_expect_eq(lm_count(f.m, SLA_OK), 6); /* the whole list's, not the page's 3 */
    cr_expect_str_eq(lm_policy(f.m)->name, "T24");
    cr_expect_eq(lm_policy_version(f.m), 1);
    cr_assert_eq(lm_move(f.m, 4, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(lm_sel(f.m), 4);
    cr_expect_eq(lm_top(f.m), 2); /* scrolled: the window follows the selection */
    cr_expect_eq(lm_selected(f.m)->t.id, f.ids[0]);
    cr_assert_eq(lm_move(f.m, 10, &err), ST_OK);
    cr_expect_eq(lm_sel(f.m), 5); /* clamped */
    cr_assert_eq(lm_move_to(f.m, -3, &err), ST_OK);
    cr_expect_eq(lm_sel(f.m), 0);
    cr_expect_eq(lm_top(f.m), 0);
    int64_t index = -1;
    cr_expect(lm_find(f.m, f.ids[2], &index));
    cr_expect_eq(index, 2);
    cr_expect_not(lm_find(f.m, f.ids[3], &index)); /* not loaded: paged */
    cr_expect_eq(lm_count(f.m, SLA_OK), 6); /* moving does not change the counts */
    fx_close(&f);
}

Test(list_model, filters_and_sort)
{
    fx f;
    fx_open(&f);
    lm_set_filter_text(f.m, "printer");
    cr_assert_eq(reload(&f), ST_OK);
    cr_expect(lm_filtered(f.m));
    cr_expect_eq(lm_total(f.m), 2); /* case-insensitive */
    cr_expect_str_eq(lm_filter_text(f.m), "printer");
    int64_t index = -1;
    cr_expect(lm_find(f.m, f.ids[4], &index));
    cr_expect_eq(lm_count(f.m, SLA_OK), 2); /* the matches' */
    cr_expect(lm_set_filter_level_or_state(f.m, "s1"));
    cr_expect_str_eq(lm_filter_level(f.m), "S1");
    cr_assert_eq(reload(&f), ST_OK);
    cr_expect_eq(lm_total(f.m), 0); /* text and level */
    lm_set_filter_text(f.m, NULL);
    cr_assert_eq(reload(&f), ST_OK);
    cr_expect_eq(lm_total(f.m), 2);
    cr_expect_not(lm_set_filter_level_or_state(f.m, "bogus"));
    cr_expect(lm_set_filter_level_or_state(f.m, "ok"));
    cr_expect_null(lm_filter_level(f.m));
    cr_expect_eq(lm_filter_state(f.m), SLA_OK);
    cr_assert_eq(reload(&f), ST_OK);
    cr_expect_eq(lm_total(f.m), 6);
    lm_clear_filter(f.m);
    cr_assert_eq(reload(&f), ST_OK);
    cr_expect_not(lm_filtered(f.m));
    cr_expect_eq(lm_filter_state(f.m), -1);
    cr_expect_str_eq(lm_sort_name(f.m), "urgency");
    lm_cycle_sort(f.m);
    cr_expect_str_eq(lm_sort_name(f.m), "level");
    lm_cycle_sort(f.m);
    cr_assert_eq(reload(&f), ST_OK);
    cr_expect_str_eq(lm_sort_name(f.m), "created");
    cr_expect_eq(lm_selected(f.m)->t.id, f.ids[0]);
    fx_close(&f);
}

Test(list_model, selection_follows_its_ticket)
{
    fx f;
    fx_open(&f);
    st_err err;
    cr_assert_eq(lm_move_to(f.m, 2, &err), ST_OK);
    int64_t id = lm_selected(f.m)->t.id;
    cr_expect_eq(id, f.ids[2]);
    ops_change ch;
    cr_assert_eq(ops_set_level(f.db.ops, id, OPS_UP, NULL, "worse", -1, &ch, &err), ST_OK, "%s", err.msg);
    ops_change_done(&ch);
    cr_assert_eq(reload(&f), ST_OK);
    cr_expect_eq(lm_selected(f.m)->t.id, id);
    cr_expect_eq(lm_sel(f.m), 1); /* now S0: the same due as the other two, then by id */
    fx_close(&f);
}
