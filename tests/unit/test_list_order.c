/* The list's order (SPEC §8 "Order") as stored: on random small databases whose tickets go through
 * pauses, reopenings, level changes and customer messages, the stored next clocks give the same
 * order as sorting by clocks_order over clocks computed from each ticket's history, and the
 * stored next clock re-timed later (clocks_next_at) is the one clocks_compute gives then. Also the
 * migration from schema 2: the fill computes the same next clocks. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "slatop/clocks.h"
#include "slatop/clocks_next.h"
#include "slatop/ops.h"
#include "slatop/query.h"
#include "slatop/store.h"
#include "support_db.h"

static char *chatti(void)
{
    char path[1024], *json = NULL;
    size_t len;
    st_err err;
    snprintf(path, sizeof path, "%s/share/policies/chatti.json", SLATOP_SOURCE_DIR);
    cr_assert_eq(read_file_all(path, 1 << 20, &json, &len, &err), ST_OK, "%s", err.msg);
    return json;
}

/* The clocks of ticket t at now, from its stored history (what `show` computes). */
static void compute(support_db *f, const st_ticket *t, st_time now, clk_result *r)
{
    const st_policy *p;
    st_err err;
    cr_assert_eq(ops_policy(f->ops, t->policy_version, &p, NULL, &err), ST_OK, "%s", err.msg);
    st_audit_entry *h;
    size_t nh;
    cr_assert_eq(store_audit_list(f->store, t->id, &h, &nh, &err), ST_OK, "%s", err.msg);
    clk_event *ev;
    size_t nev;
    ops_clock_events(p, t->created, h, nh, &ev, &nev);
    cr_assert_eq(clocks_compute(p, ev, nev, now, r, &err), ST_OK, "ticket %lld: %s", (long long)t->id, err.msg);
    free(ev);
    for (size_t i = 0; i < nh; i++)
        audit_entry_done(&h[i]);
    free(h);
}

typedef struct {
    int64_t id;
    clk_order o;
} keyed;

static int by_order(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int c = clocks_order_cmp(x->o, y->o);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* Every unresolved ticket (with `all`, every ticket) listed in urgency order equals the sort by
 * clocks_order at now; each row's stored next clock re-timed at now equals the computed one.
 * Returns how many listed. */
static size_t check_order_of(support_db *f, st_time now, bool all, int *tiers_seen)
{
    query_list_req q = {.include_resolved = all, .sort = QUERY_SORT_URGENCY};
    query_page pg;
    st_err err;
    cr_assert_eq(query_list_page(f->ops, &q, now, &pg, &err), ST_OK, "%s", err.msg);
    keyed *want = calloc(pg.n ? pg.n : 1, sizeof *want);
    clk_result r;
    clocks_result_init(&r);
    for (size_t i = 0; i < pg.n; i++) {
        const ops_view *v = &pg.rows[i];
        cr_assert(all || v->t.status != TK_RESOLVED, "resolved ticket %lld listed", (long long)v->t.id);
        compute(f, &v->t, now, &r);
        want[i] = (keyed){v->t.id, clocks_order(&r)};
        tiers_seen[want[i].o.tier] = 1;
        cr_assert_eq(v->has_next, r.next >= 0, "ticket %lld", (long long)v->t.id);
        if (r.next >= 0) {
            const clk_clock *c = &r.clocks[r.next];
            cr_assert_eq(v->next.metric, c->metric, "ticket %lld", (long long)v->t.id);
            cr_assert_eq(v->next.cycle, c->cycle);
            cr_assert_eq(v->next.due, c->due, "ticket %lld", (long long)v->t.id);
            cr_assert_eq(v->next.remaining_s, c->remaining_s, "ticket %lld: %lld vs %lld", (long long)v->t.id,
                         (long long)v->next.remaining_s, (long long)c->remaining_s);
            cr_assert_eq(v->next.state, c->state, "ticket %lld", (long long)v->t.id);
            cr_assert_eq(v->next.paused_by, c->paused_by, "ticket %lld", (long long)v->t.id);
        }
    }
    qsort(want, pg.n, sizeof *want, by_order);
    for (size_t i = 0; i < pg.n; i++)
        cr_assert_eq(pg.rows[i].t.id, want[i].id, "position %zu: listed #%lld, sorting gives #%lld", i,
                     (long long)pg.rows[i].t.id, (long long)want[i].id);
    size_t n = pg.n;
    clocks_result_done(&r);
    free(want);
    query_page_done(&pg);
    return n;
}

static size_t check_order(support_db *f, st_time now, int *tiers_seen)
{
    return check_order_of(f, now, false, tiers_seen) + check_order_of(f, now, true, tiers_seen);
}

/* One random change to ticket id; refusals (already pending, not resolved ...) are fine. */
static void random_change(support_db *f, int64_t id, unsigned *seed)
{
    st_err err;
    switch (rand_r(seed) % 9) {
    case 0:
        ops_set_status(f->ops, id, TK_PENDING, "waiting for logs", -1, &err);
        break;
    case 1:
        ops_set_status(f->ops, id, TK_ON_HOLD, "carrier", -1, &err);
        break;
    case 2:
        ops_set_status(f->ops, id, TK_OPEN, NULL, -1, &err);
        break;
    case 3:
        ops_message(f->ops, id, MSG_CUSTOMER, NULL, "any news?", 9, -1, NULL, &err);
        break;
    case 4:
        ops_message(f->ops, id, MSG_REPLY, NULL, "looking", 7, -1, NULL, &err);
        break;
    case 5:
        ops_message(f->ops, id, MSG_NOTE, NULL, "internal", 8, -1, NULL, &err);
        break;
    case 6:
        ops_resolve(f->ops, id, -1, &err);
        break;
    case 7:
        ops_reopen(f->ops, id, "not fixed", -1, &err);
        break;
    default:
        ops_set_level(f->ops, id, rand_r(seed) % 2 ? OPS_UP : OPS_DOWN, NULL, "re-triaged", -1, NULL, &err);
        break;
    }
}

Test(list_order, stored_order_equals_computed_order_on_random_databases)
{
    char *json = chatti();
    static const char *const levels[] = {"URGENT", "HIGH", "NORMAL", "LOW"};
    int tiers_seen[3] = {0};
    size_t listed = 0;
    for (unsigned db = 0; db < 12; db++) {
        unsigned seed = 1000 + db;
        support_db f;
        /* A Thursday morning: business hours and a weekend ahead within the steps below. */
        support_db_open(&f, json, "2026-11-19T08:00:00Z");
        st_time now = f.clock.frozen_at;
        int64_t ids[14];
        size_t n = 8 + (size_t)rand_r(&seed) % 7;
        for (size_t i = 0; i < n; i++) {
            char title[32];
            snprintf(title, sizeof title, "ticket %zu", i);
            ops_new_ticket in = {.title = title, .level = levels[rand_r(&seed) % 4], .created = now,
                                 .body = i % 2 ? "help" : NULL, .body_len = 4};
            st_err err;
            cr_assert_eq(ops_add(f.ops, &in, &ids[i], &err), ST_OK, "%s", err.msg);
        }
        for (int step = 0; step < 60; step++) {
            now += (st_time)(rand_r(&seed) % 5400);
            clock_freeze(&f.clock, now);
            random_change(&f, ids[(size_t)rand_r(&seed) % n], &seed);
            if (step % 20 == 19)
                listed += check_order(&f, now, tiers_seen);
        }
        /* Later, with no write since: the stored clocks re-time to the computed ones. */
        listed += check_order(&f, now + 3 * 3600, tiers_seen);
        listed += check_order(&f, now + 4 * 86400, tiers_seen);
        support_db_close(&f);
    }
    free(json);
    cr_expect(listed > 100, "only %zu rows checked", listed);
    cr_expect(tiers_seen[0] && tiers_seen[1] && tiers_seen[2], "tiers seen: %d %d %d", tiers_seen[0],
              tiers_seen[1], tiers_seen[2]);
}

/* A database whose tickets lost their next clocks (as a migration from schema 2 leaves them, with
 * the meta key next_fill set): ops_new fills them, and they are the ones the writes stored. */
Test(list_order, fill_after_migration_computes_the_same_next_clocks)
{
    char *json = chatti();
    support_db f;
    support_db_open(&f, json, "2026-11-19T08:00:00Z");
    st_time now = f.clock.frozen_at;
    st_err err;
    int64_t a, b, c;
    ops_new_ticket in = {.title = "a", .level = "HIGH", .created = now};
    cr_assert_eq(ops_add(f.ops, &in, &a, &err), ST_OK, "%s", err.msg);
    in.title = "b";
    cr_assert_eq(ops_add(f.ops, &in, &b, &err), ST_OK, "%s", err.msg);
    in.title = "c";
    cr_assert_eq(ops_add(f.ops, &in, &c, &err), ST_OK, "%s", err.msg);
    clock_freeze(&f.clock, now + 600);
    cr_assert_eq(ops_message(f.ops, b, MSG_REPLY, NULL, "on it", 5, -1, NULL, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ops_set_status(f.ops, b, TK_PENDING, "logs", -1, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ops_resolve(f.ops, c, -1, &err), ST_OK, "%s", err.msg);
    st_ticket before[3];
    int64_t id3[3] = {a, b, c};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(store_ticket_get(f.store, id3[i], &before[i], &err), ST_OK);
    cr_expect_eq(before[0].next.tier, 0);
    cr_expect_eq(before[1].next.tier, 1);
    cr_expect_eq(before[2].next.tier, 2);
    ops_free(f.ops);
    store_close(f.store);

    sqlite3 *db;
    cr_assert_eq(sqlite3_open(f.db, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db,
                              "UPDATE tickets SET next_tier = NULL, next_key = NULL, next_metric = NULL;"
                              "INSERT OR REPLACE INTO meta(key, value) VALUES ('next_fill', '1');",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);

    /* Read-only: nothing is filled (the rows list first, as not computed). */
    cr_assert_eq(store_open(f.db, STORE_OPEN_RO, &f.store, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ops_new(f.store, &f.clock, &f.ops, &err), ST_OK, "%s", err.msg);
    st_ticket t;
    cr_assert_eq(store_ticket_get(f.store, a, &t, &err), ST_OK);
    cr_expect_eq(t.next.tier, -1);
    ticket_done(&t);
    ops_free(f.ops);
    store_close(f.store);

    cr_assert_eq(store_open(f.db, STORE_OPEN_RW, &f.store, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ops_new(f.store, &f.clock, &f.ops, &err), ST_OK, "%s", err.msg);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(store_ticket_get(f.store, id3[i], &t, &err), ST_OK);
        cr_expect_eq(t.next.tier, before[i].next.tier, "ticket %d", i);
        cr_expect_eq(t.next.key, before[i].next.key, "ticket %d", i);
        cr_expect_eq(t.next.metric, before[i].next.metric, "ticket %d", i);
        cr_expect_eq(t.next.due, before[i].next.due, "ticket %d", i);
        cr_expect_eq(t.version, before[i].version, "filling is not a change");
        ticket_done(&t);
        ticket_done(&before[i]);
    }
    char *flag = NULL;
    cr_assert_eq(store_meta_get(f.store, "next_fill", &flag, &err), ST_OK);
    cr_expect_str_eq(flag, "0");
    free(flag);
    support_db_close(&f);
    free(json);
}

/* The schema-1 fixture made by an earlier release: migrated through 2 to 3 by the store, its
 * next clocks filled by ops_new, listed in the computed order. */
Test(list_order, schema1_fixture_migrates_and_fills)
{
    support_db f;
    memset(&f, 0, sizeof f);
    strcpy(f.dir, "/tmp/slatop-db-XXXXXX");
    cr_assert_not_null(mkdtemp(f.dir));
    snprintf(f.db, sizeof f.db, "%s/t.db", f.dir);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cp '%s/tests/fixtures/schema1.db' '%s'", SLATOP_SOURCE_DIR, f.db);
    cr_assert_eq(system(cmd), 0);
    st_time now = 0;
    cr_assert(time_parse_iso("2026-11-20T12:00:00Z", &now));
    clock_freeze(&f.clock, now);
    st_err err;
    cr_assert_eq(store_open(f.db, STORE_OPEN_RW, &f.store, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ops_new(f.store, &f.clock, &f.ops, &err), ST_OK, "%s", err.msg);
    for (int64_t id = 1; id <= 4; id++) {
        st_ticket t;
        cr_assert_eq(store_ticket_get(f.store, id, &t, &err), ST_OK, "%s", err.msg);
        cr_expect(t.next.tier >= 0 && t.next.tier <= 2, "ticket %lld: tier %d", (long long)id, t.next.tier);
        ticket_done(&t);
    }
    int tiers[3] = {0};
    cr_expect_eq(check_order(&f, now, tiers), 3 + 4);
    int64_t checked = 0;
    cr_expect_eq(store_audit_verify(f.store, 0, NULL, &checked, &err), ST_OK, "%s", err.msg);
    support_db_close(&f);
}
