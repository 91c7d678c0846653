/* query: the read side on a real SQLite file with a frozen clock: list pages and counts, a
 * ticket's detail (history and explain), the audit log with its verification, a cached uptime
 * month. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slatop/ops.h"
#include "slatop/query.h"
#include "slatop/store.h"
#include "support_db.h"

typedef support_db fx;

static void fx_open(fx *f)
{
    support_db_open(f, support_db_policy_24x7, "2026-11-16T10:00:00Z");
}

static int64_t add(fx *f, const char *title, const char *level)
{
    ops_new_ticket in = {.title = title, .level = level, .created = ST_TIME_NONE};
    int64_t id = 0;
    st_err err;
    cr_assert_eq(ops_add(f->ops, &in, &id, &err), ST_OK, "%s", err.msg);
    return id;
}

Test(query, list_page_and_count_in_order)
{
    fx f;
    fx_open(&f);
    int64_t a = add(&f, "slow", "S2"), b = add(&f, "urgent", "S0"), c = add(&f, "middle", "S1");
    st_err err;
    int64_t n = 0;
    cr_assert_eq(query_ticket_count(f.ops, false, &n, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(n, 3);
    query_list_req q = {.sort = QUERY_SORT_URGENCY, .limit = 2};
    query_page p;
    cr_assert_eq(query_list_page(f.ops, &q, clock_now(&f.clock), &p, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(p.n, 2);
    cr_expect_eq(p.rows[0].t.id, b);
    cr_expect_eq(p.rows[1].t.id, c);
    cr_expect_eq(p.rows[0].timer.remaining_s, 3600);
    query_page_done(&p);
    q.sort = QUERY_SORT_CREATED;
    q.offset = 2;
    cr_assert_eq(query_list_page(f.ops, &q, clock_now(&f.clock), &p, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(p.n, 1);
    cr_expect_eq(p.rows[0].t.id, c);
    query_page_done(&p);
    cr_expect_str_eq(query_sort_name(QUERY_SORT_CUSTOMER), "customer");
    (void)a;
    support_db_close(&f);
}

Test(query, ticket_detail_has_history_and_explain)
{
    fx f;
    fx_open(&f);
    int64_t id = add(&f, "t", "S2");
    st_err err;
    ops_change ch;
    cr_assert_eq(ops_set_level(f.ops, id, OPS_UP, NULL, "customer down", -1, &ch, &err), ST_OK, "%s",
                 err.msg);
    ops_change_done(&ch);
    query_detail d;
    cr_assert_eq(query_ticket_detail(f.ops, id, clock_now(&f.clock), &d, &err), ST_OK, "%s", err.msg);
    cr_expect_str_eq(d.v.t.level, "S1");
    cr_expect_eq(d.history_rc, ST_OK);
    cr_expect_eq(d.n_history, 2);
    cr_expect_eq(d.history[1].kind, AU_REPRIORITIZED);
    cr_expect_gt(d.n_segs, 0);
    query_detail_done(&d);
    cr_expect_eq(query_ticket_detail(f.ops, 999, clock_now(&f.clock), &d, &err), ST_NOTFOUND);
    support_db_close(&f);
}

Test(query, audit_page_verifies_and_knows_tickets)
{
    fx f;
    fx_open(&f);
    int64_t id = add(&f, "t", "S2");
    st_err err;
    query_audit a;
    query_audit_req all = {.verify = true};
    cr_assert_eq(query_audit_page(f.ops, &all, &a, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(a.n, 2); /* the policy, the ticket */
    cr_expect(a.verified, "%s", a.verify_err.msg);
    cr_expect_eq(a.checked, 2);
    query_audit_done(&a);
    query_audit_req one = {.ticket_id = id, .must_exist = true};
    cr_assert_eq(query_audit_page(f.ops, &one, &a, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(a.n, 1);
    cr_expect_not(a.verified); /* not asked */
    query_audit_done(&a);
    query_audit_req unknown = {.ticket_id = 999, .must_exist = true};
    cr_expect_eq(query_audit_page(f.ops, &unknown, &a, &err), ST_NOTFOUND);
    query_audit_done(&a);
    int64_t checked = 0, head = 0;
    char hash[65];
    cr_assert_eq(query_audit_verify(f.ops, 0, NULL, &checked, &head, hash, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(checked, 2);
    cr_expect_eq(head, 2);
    cr_expect_eq(strlen(hash), 64);
    cr_expect_eq(query_audit_verify(f.ops, 5, hash, &checked, NULL, NULL, &err), ST_VERIFY);
    unknown.must_exist = false;
    cr_expect_eq(query_audit_page(f.ops, &unknown, &a, &err), ST_OK);
    cr_expect_eq(a.n, 0);
    query_audit_done(&a);
    support_db_close(&f);
}

Test(query, audit_head_is_the_latest_entry)
{
    fx f;
    fx_open(&f);
    st_err err;
    int64_t seq = 0, vseq = 0, checked = 0;
    char hash[65], vhash[65];
    cr_assert_eq(query_audit_head(f.ops, &seq, hash, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(seq, 1); /* the policy */
    add(&f, "t", "S2");
    cr_assert_eq(query_audit_head(f.ops, &seq, hash, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(seq, 2);
    cr_expect_eq(strlen(hash), 64);
    /* the head verify reports is the same anchor */
    cr_assert_eq(query_audit_verify(f.ops, seq, hash, &checked, &vseq, vhash, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(vseq, seq);
    cr_expect_str_eq(vhash, hash);
    support_db_close(&f);
}

Test(query, policy_json_is_the_stored_text)
{
    fx f;
    fx_open(&f);
    st_err err;
    char *json = NULL;
    int64_t ver = 0;
    cr_assert_eq(query_policy_json(f.ops, 0, &json, &ver, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(ver, 1);
    cr_expect_str_eq(json, support_db_policy_24x7);
    free(json);
    json = NULL;
    cr_expect_eq(query_policy_json(f.ops, 7, &json, &ver, &err), ST_NOTFOUND);
    free(json);
    support_db_close(&f);
}

Test(query, uptime_month_from_given_and_cached_minutes)
{
    fx f;
    fx_open(&f);
    st_err err;
    st_time ms, me;
    cr_assert(uptime_month_parse("2026-10", &ms, &me));
    size_t n = (size_t)((me - ms) / 60);
    uptime_minute *m = xcalloc(n, sizeof *m);
    for (size_t i = 0; i < n; i++) {
        m[i].kind = UPTIME_VALUE;
        m[i].value = i < 30 ? 1.0 : 0.0; /* 30 minutes down */
    }
    query_uptime_req rq = {.key = "src",
                           .month_start = ms,
                           .month_end = me,
                           .now = clock_now(&f.clock),
                           .minutes = m,
                           .n_minutes = n};
    query_uptime u;
    cr_assert_eq(query_uptime_month(f.ops, &rq, &u, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(u.report.downtime_minutes, 30);
    cr_expect_eq(u.report.n_periods, 1);
    query_uptime_done(&u);
    bool complete = true;
    st_time at;
    cr_assert_eq(query_uptime_cached(f.ops, "src", "2026-10", &complete, &at, &err), ST_OK, "%s", err.msg);
    cr_expect_not(complete);
    cr_expect_eq(at, ST_TIME_NONE); /* never cached */
    rq.minutes = NULL; /* nothing cached: every minute without data */
    cr_assert_eq(query_uptime_month(f.ops, &rq, &u, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(u.report.downtime_minutes, 0);
    cr_expect_eq(u.report.no_data_minutes, (int64_t)n);
    query_uptime_done(&u);
    free(m);
    support_db_close(&f);
}
