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
#include "slatop/query.h"
#include "slatop/query_search.h"
#include "slatop/sla.h"
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

/* ---- scans: a state filter, `all`, `resolved` (their matches kept as ids, the window read by id) */

/* The scan's list read whole and filtered here, the plain way: every ticket (or the open ones) in
 * sort's order, kept when its status and its state at now (the list's, ops_view_state) fit. */
typedef struct {
    int64_t *ids;
    size_t n;
    int64_t counts[SLA_STATE_COUNT];
} oracle;

/* The search rule, the plain way (ASCII case-insensitive substring, or the id): fx's tickets have
 * no messages. */
static bool has_text(const char *field, const char *text)
{
    for (size_t i = 0; field && field[i]; i++) {
        size_t k = 0;
        while (text[k] && field[i + k] && (field[i + k] | 0x20) == (text[k] | 0x20))
            k++;
        if (!text[k])
            return true;
    }
    return false;
}

static bool text_matches(const st_ticket *t, const char *text)
{
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)t->id);
    return !text || strcmp(id, text) == 0 || has_text(t->title, text) || has_text(t->customer, text) ||
           has_text(t->assignee, text) || has_text(t->level, text) || has_text(t->ref, text);
}

static oracle oracle_filtered(support_db *db, query_sort sort, const char *what, const char *text, const char *level,
                              st_time now);

static oracle oracle_of(support_db *db, query_sort sort, const char *what, st_time now)
{
    return oracle_filtered(db, sort, what, NULL, NULL, now);
}

static oracle oracle_text(support_db *db, query_sort sort, const char *what, const char *text, st_time now)
{
    return oracle_filtered(db, sort, what, text, NULL, now);
}

/* what: a state, "all", "resolved" or anything else (the open tickets); text and level NULL for none. */
static oracle oracle_filtered(support_db *db, query_sort sort, const char *what, const char *text, const char *level,
                              st_time now)
{
    bool all = strcmp(what, "all") == 0, resolved = strcmp(what, "resolved") == 0;
    int state = -1;
    for (int s = 0; s < SLA_STATE_COUNT; s++)
        if (strcmp(what, sla_state_name((sla_state)s)) == 0)
            state = s;
    query_list_req q = {.include_resolved = all || resolved, .sort = sort};
    st_ticket *ts = NULL;
    size_t n = 0;
    st_err err;
    cr_assert_eq(query_tickets(db->ops, &q, &ts, &n, &err), ST_OK, "%s", err.msg);
    oracle o = {.ids = calloc(n + 1, sizeof *o.ids)};
    for (size_t i = 0; i < n; i++) {
        ops_view v;
        int s = -1;
        if (ops_view_of(db->ops, &ts[i], now, &v, &err) == ST_OK) {
            s = (int)ops_view_state(&v);
            ops_view_done(&v);
        }
        bool keep = (resolved ? ts[i].status == TK_RESOLVED : state < 0 || s == state) &&
                    text_matches(&ts[i], text) && (!level || strcmp(ts[i].level, level) == 0);
        if (keep) {
            o.ids[o.n++] = ts[i].id;
            if (s >= 0)
                o.counts[s]++;
        }
        ticket_done(&ts[i]);
    }
    free(ts);
    return o;
}

/* m (reloaded, its work done) equals the oracle: total, counts, and every page, G included. */
static void expect_oracle(list_model *m, const oracle *o, const char *what)
{
    st_err err;
    cr_assert_not(lm_counting(m), "%s", what);
    cr_assert_eq(lm_total(m), (int64_t)o->n, "%s: total %lld, whole read %zu", what, (long long)lm_total(m),
                 o->n);
    for (int s = 0; s < SLA_STATE_COUNT; s++)
        cr_expect_eq(lm_count(m, s), o->counts[s], "%s: state %d: %lld, whole read %lld", what, s,
                     (long long)lm_count(m, s), (long long)o->counts[s]);
    int page = lm_page(m);
    for (int64_t at = 0; at < (int64_t)o->n + page; at += page) {
        int64_t to = at < (int64_t)o->n ? at : (int64_t)o->n - 1; /* the last step is G */
        cr_assert_eq(lm_move_to(m, to < 0 ? 0 : to, &err), ST_OK, "%s", err.msg);
        int64_t top = lm_top(m);
        int64_t want = (int64_t)o->n - top < page ? (int64_t)o->n - top : page;
        cr_assert_eq((int64_t)lm_n_rows(m), want < 0 ? 0 : want, "%s: rows at %lld", what, (long long)top);
        for (size_t i = 0; i < lm_n_rows(m); i++)
            cr_assert_eq(lm_row(m, i)->t.id, o->ids[top + (int64_t)i], "%s: row %lld", what,
                         (long long)(top + (int64_t)i));
    }
    for (size_t i = 0; i < o->n; i += 1 + o->n / 7) { /* lm_find: any match, loaded or not */
        int64_t index = -1;
        cr_assert(lm_find(m, o->ids[i], &index), "%s: ticket %lld not found", what, (long long)o->ids[i]);
        cr_expect_eq(index, (int64_t)i);
    }
}

/* A random database: n tickets of random levels created over the last five hours, some answered,
 * some pending, some resolved, seen half an hour later: every state there is. */
static void random_tickets(support_db *db, unsigned *seed, size_t n)
{
    static const char *const levels[] = {"S0", "S1", "S2"};
    st_time now = clock_now(&db->clock);
    ops_new_ticket *in = calloc(n, sizeof *in);
    for (size_t i = 0; i < n; i++)
        in[i] = (ops_new_ticket){.title = i % 2 ? "vpn down" : "printer jam",
                                 .level = levels[rand_r(seed) % 3],
                                 .created = now - (st_time)(rand_r(seed) % (5 * 3600)),
                                 .customer = i % 5 ? "Globex" : "Acme"};
    int64_t first;
    st_err err;
    cr_assert_eq(ops_add_many(db->ops, in, n, &first, &err), ST_OK, "%s", err.msg);
    free(in);
    for (size_t i = 0; i < n; i++) {
        int64_t id = first + (int64_t)i;
        switch (rand_r(seed) % 8) {
        case 0:
            cr_assert_eq(ops_respond(db->ops, id, -1, &err), ST_OK, "%s", err.msg);
            break;
        case 1:
            cr_assert_eq(ops_set_status(db->ops, id, TK_PENDING, "logs", -1, &err), ST_OK, "%s", err.msg);
            break;
        case 2:
            cr_assert_eq(ops_resolve(db->ops, id, -1, &err), ST_OK, "%s", err.msg);
            break;
        default:
            break;
        }
    }
    clock_freeze(&db->clock, now + 1800);
}

/* support_db's three 24x7 levels, with pending pausing the first response: every state there is. */
static const char *const policy_paused =
    "{\"name\": \"T24P\", \"levels\": ["
    "{\"id\": \"S0\", \"response_minutes\": 60, \"clock\": \"24x7\"},"
    "{\"id\": \"S1\", \"response_minutes\": 120, \"clock\": \"24x7\"},"
    "{\"id\": \"S2\", \"response_minutes\": 240, \"clock\": \"24x7\"}],"
    "\"reprioritize_from\": \"created\", \"pause_on\": {\"first_response\": [\"pending\"]}}";

Test(list_slices, scans_equal_a_whole_read_on_random_databases)
{
    static const char *const whats[] = {"ok",  "warn",   "paused", "breached",
                                        "met", "missed", "all",    "resolved"};
    int64_t seen[SLA_STATE_COUNT] = {0};
    for (unsigned k = 0; k < 3; k++) {
        unsigned seed = 77 + k;
        support_db db;
        support_db_open(&db, policy_paused, "2026-11-16T10:00:00Z");
        random_tickets(&db, &seed, 300 + (size_t)(rand_r(&seed) % 400));
        st_time now = clock_now(&db.clock);
        for (int sort = 0; sort < QUERY_SORT_COUNT; sort++)
            for (size_t w = 0; w < sizeof whats / sizeof *whats; w++) {
                oracle o = oracle_of(&db, (query_sort)sort, whats[w], now);
                for (int sliced = 0; sliced < 2; sliced++) {
                    list_model *m = lm_new(db.ops);
                    lm_set_page(m, 7);
                    if (sliced)
                        lm_set_slicing(m, 0, 1);
                    for (int c = 0; c < sort; c++)
                        lm_cycle_sort(m);
                    cr_assert(lm_set_filter_level_or_state(m, whats[w]));
                    st_err err;
                    cr_assert_eq(lm_reload(m, now, &err), ST_OK, "%s", err.msg);
                    if (sliced && o.n > 256)
                        cr_expect(lm_counting(m), "%s: more than one cursor read is left to lm_work",
                                  whats[w]);
                    drain(m);
                    expect_oracle(m, &o, whats[w]);
                    lm_free(m);
                }
                for (int s = 0; s < SLA_STATE_COUNT; s++)
                    seen[s] += strcmp(whats[w], "all") == 0 ? o.counts[s] : 0;
                free(o.ids);
            }
        support_db_close(&db);
    }
    for (int s = 0; s < SLA_STATE_COUNT; s++)
        cr_expect_gt(seen[s], 0, "no ticket in state %s: the databases test too little",
                     sla_state_name((sla_state)s));
}

/* A state filter with a text: on PostgreSQL a text of three letters or digits with few matches is
 * read through the trigram indexes at once, a shorter one in the list's order with the server's
 * markers (some reads bring no match); on SQLite through its own paths. Either way, once done, the
 * total, the counts and every page equal the plain rule's. */
Test(list_slices, a_state_filter_with_a_text_equals_a_whole_read)
{
    static const char *const texts[] = {"vpn", "Ac", "JAM 6", "zzq", "7"};
    static const char *const states[] = {"ok", "warn", "breached"};
    fx f;
    fx_open(&f);
    st_time now = clock_now(&f.db.clock);
    size_t matched = 0;
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++)
        for (size_t w = 0; w < sizeof states / sizeof *states; w++)
            for (int sort = 0; sort < QUERY_SORT_COUNT; sort += 3) {
                oracle o = oracle_text(&f.db, (query_sort)sort, states[w], texts[t], now);
                matched += o.n;
                list_model *m = lm_new(f.db.ops);
                lm_set_page(m, 7);
                lm_set_slicing(m, 0, 1);
                for (int c = 0; c < sort; c++)
                    lm_cycle_sort(m);
                cr_assert(lm_set_filter_level_or_state(m, states[w]));
                lm_set_filter_text(m, texts[t]);
                st_err err;
                cr_assert_eq(lm_reload(m, now, &err), ST_OK, "%s", err.msg);
                drain(m);
                char what[64];
                snprintf(what, sizeof what, "%s /%s sort %d", states[w], texts[t], sort);
                expect_oracle(m, &o, what);
                lm_free(m);
                free(o.ids);
            }
    cr_expect_gt(matched, 100, "the texts match too little to test");
    fx_close(&f);
}

/* A text whose page misses its budget (0 here: every one) is read by a scan in the list's order,
 * as a state filter's: the first screen comes before any page is read, and once done the total,
 * the counts and every page equal the plain rule's, under a level filter too. On SQLite a text no
 * index narrows (two letters, a level's name) is read with marked rows, a few thousand a read. */
Test(list_slices, a_text_past_its_page_budget_is_read_by_a_scan)
{
    /* "acme" and "down 1": a few index candidates at every level, some of them at S1 */
    static const char *const texts[] = {"vpn", "Ac", "JAM 6", "zzq", "s1", "7", "acme", "down 1"};
    static const char *const levels[] = {NULL, "S1"};
    fx f;
    fx_open(&f);
    st_time now = clock_now(&f.db.clock);
    size_t matched = 0;
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++)
        for (int sort = 0; sort < QUERY_SORT_COUNT; sort++)
            for (size_t l = 0; l < 2; l++) {
                oracle o = oracle_filtered(&f.db, (query_sort)sort, "open", texts[t], levels[l], now);
                matched += o.n;
                list_model *m = lm_new(f.db.ops);
                lm_set_page(m, 7);
                lm_set_slicing(m, 0, 1);
                lm_set_page_budget(m, 0);
                for (int c = 0; c < sort; c++)
                    lm_cycle_sort(m);
                st_err err;
                cr_assert_eq(lm_reload(m, now, &err), ST_OK, "%s", err.msg); /* the policy, for its levels */
                if (levels[l])
                    cr_assert(lm_set_filter_level_or_state(m, levels[l]));
                lm_set_filter_text(m, texts[t]);
                cr_assert_eq(lm_reload(m, now, &err), ST_OK, "%s", err.msg);
                char what[64];
                snprintf(what, sizeof what, "/%s%s%s sort %d", texts[t], levels[l] ? " f " : "",
                         levels[l] ? levels[l] : "", sort);
                cr_expect_eq(lm_n_rows(m), 0, "%s: a page was read before the screen", what);
                drain(m);
                expect_oracle(m, &o, what);
                lm_free(m);
                free(o.ids);
            }
    cr_expect_gt(matched, 1000, "the texts match too little to test");
    fx_close(&f);
}

/* A rare text's count goes through every id: on PostgreSQL a count reads the ids a window of
 * 2,048 at a time (a page stops at its window's end), so matches at both ends of 5,000 tickets
 * are both counted. */
Test(list_slices, a_rare_text_is_counted_across_every_id)
{
    support_db db;
    support_db_open(&db, support_db_policy_24x7, "2026-11-16T10:00:00Z");
    enum { N = 5000 };
    ops_new_ticket *in = calloc(N, sizeof *in);
    st_time now = clock_now(&db.clock);
    for (int i = 0; i < N; i++)
        in[i] = (ops_new_ticket){.title = i == 0 || i == N - 1 ? "zeppelin landed" : "printer jam",
                                 .level = "S1", .created = now - 60};
    int64_t first;
    st_err err;
    cr_assert_eq(ops_add_many(db.ops, in, N, &first, &err), ST_OK, "%s", err.msg);
    free(in);
    list_model *m = lm_new(db.ops);
    lm_set_page(m, 10);
    lm_set_slicing(m, 0, 1);
    lm_set_filter_text(m, "zeppelin");
    cr_assert_eq(lm_reload(m, now, &err), ST_OK, "%s", err.msg);
    drain(m);
    cr_assert_not(lm_counting(m));
    cr_expect_eq(lm_total(m), 2);
    cr_assert_eq(lm_n_rows(m), 2);
    cr_expect_eq(lm_row(m, 0)->t.id, first);
    cr_expect_eq(lm_row(m, 1)->t.id, first + N - 1);
    lm_free(m);
    /* a state filter with a text of more than 2,000 matches: on PostgreSQL the marked scan (the
     * trigram indexes take 2,000 at most), its markers and matches read in slices */
    oracle o = oracle_text(&db, QUERY_SORT_URGENCY, "ok", "printer", now);
    cr_assert_gt(o.n, 2000, "the fixture must hold more matches than few_matches takes");
    m = lm_new(db.ops);
    lm_set_page(m, 100);
    lm_set_slicing(m, 0, 1);
    cr_assert(lm_set_filter_level_or_state(m, "ok"));
    lm_set_filter_text(m, "printer");
    cr_assert_eq(lm_reload(m, now, &err), ST_OK, "%s", err.msg);
    drain(m);
    expect_oracle(m, &o, "ok /printer");
    free(o.ids);
    lm_free(m);
    support_db_close(&db);
}

Test(list_slices, a_write_between_slices_of_a_scan_is_listed)
{
    fx f;
    fx_open(&f);
    st_err err;
    cr_assert(lm_set_filter_level_or_state(f.m, "all"));
    cr_assert_eq(lm_reload(f.m, clock_now(&f.db.clock), &err), ST_OK, "%s", err.msg);
    cr_assert(lm_counting(f.m));
    cr_assert_lt(lm_total(f.m), N_TICKETS);
    ops_new_ticket in = {.title = "vpn on fire", .level = "S0", .created = ST_TIME_NONE};
    int64_t id;
    cr_assert_eq(ops_add(f.db.ops, &in, &id, &err), ST_OK, "%s", err.msg);
    drain(f.m);
    oracle o = oracle_of(&f.db, QUERY_SORT_URGENCY, "all", clock_now(&f.db.clock));
    cr_expect_eq(o.n, N_TICKETS + 1);
    expect_oracle(f.m, &o, "all");
    free(o.ids);
    fx_close(&f);
}

Test(list_slices, a_scans_selection_follows_its_ticket)
{
    fx f;
    fx_open(&f);
    st_err err;
    cr_assert(lm_set_filter_level_or_state(f.whole, "all"));
    st_time now = clock_now(&f.db.clock);
    cr_assert_eq(lm_reload(f.whole, now, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(lm_move_to(f.whole, 500, &err), ST_OK, "%s", err.msg);
    for (int64_t i = 501; strcmp(lm_selected(f.whole)->t.level, "S0") == 0; i++) /* one it can raise */
        cr_assert_eq(lm_move_to(f.whole, i, &err), ST_OK, "%s", err.msg);
    int64_t was = lm_sel(f.whole), id = lm_selected(f.whole)->t.id;
    /* raised to S0: it moves up the urgency order, far out of the window it was in */
    ops_change ch;
    cr_assert_eq(ops_set_level(f.db.ops, id, OPS_TO, "S0", "worse", -1, &ch, &err), ST_OK, "%s", err.msg);
    ops_change_done(&ch);
    cr_assert_eq(lm_reload(f.whole, now, &err), ST_OK, "%s", err.msg);
    oracle o = oracle_of(&f.db, QUERY_SORT_URGENCY, "all", now);
    int64_t at = -1;
    for (size_t i = 0; i < o.n; i++)
        if (o.ids[i] == id)
            at = (int64_t)i;
    cr_assert(at >= 0 && at < was - 10, "the change moved it out of its window (%lld, was %lld)",
              (long long)at, (long long)was);
    cr_expect_eq(lm_sel(f.whole), at);
    cr_expect_eq(lm_selected(f.whole)->t.id, id);
    free(o.ids);
    fx_close(&f);
}

Test(list_slices, clearing_a_scan_frees_its_ids_at_once)
{
    fx f;
    fx_open(&f);
    cr_assert(lm_set_filter_level_or_state(f.whole, "all"));
    st_err err;
    cr_assert_eq(lm_reload(f.whole, clock_now(&f.db.clock), &err), ST_OK, "%s", err.msg);
    cr_assert_eq(lm_total(f.whole), N_TICKETS);
    lm_clear_filter(f.whole);
    cr_assert_eq(lm_reload(f.whole, clock_now(&f.db.clock), &err), ST_OK, "%s", err.msg);
    int64_t index;
    cr_expect_not(lm_find(f.whole, f.first_id + N_TICKETS / 2, &index), "the list pages again: no ids kept");
    cr_expect_eq(lm_total(f.whole), N_TICKETS);
    fx_close(&f);
}
