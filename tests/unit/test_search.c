/* The index-backed list (query_search.h) against the plain scan: on small random databases with
 * hostile and non-ASCII text, every search, level filter and sort gives the same tickets in the
 * same order, the same count and the same per-state counts as reading every open ticket and
 * testing it here (the rule: the id, or an ASCII case-insensitive substring of title, customer,
 * assignee, level, ref or a message body; each row's state its next clock's, ops_view_state). Business and 24x7 levels,
 * answered, resolved, re-prioritized tickets, at instants inside and outside business hours. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/query.h"
#include "slatop/query_search.h"
#include "slatop/store.h"
#include "support_db.h"

static const char *const words[] = {
    "printer", "Printer", "PRINTER", "vpn", "outage", "acme", "Acme Corp", "100%", "under_score", "back\\slash",
    "quote\"d", "O'Neil", "caf\xc3\xa9", "CAF\xc3\x89", "\xc3\x84rger", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
    "\xf0\x9f\x94\xa5 fire", "\x1b[31mred", "x", "ab", "a b", "*", "NEAR", "AND", "OR", "(", "a\"b\"c",
};
#define N_WORDS (sizeof words / sizeof words[0])

static const char *const queries[] = {
    "printer", "PRINT", "rint", "acme", "ACME CORP", "100%", "%", "_", "under_", "back\\", "\\", "\"", "quote\"d",
    "o'neil", "caf\xc3\xa9", "caf\xc3\x89", "CAF", "\xc3\xa4rger", "\xc3\x84rg", "\xe6\x97\xa5\xe6\x9c\xac",
    "\xf0\x9f\x94\xa5", "x", "ab", "a b", "*", "near", "AND", "OR", "(", "a\"b", "S1", "s0", "S", "1", "12", "7",
    "zzz-none", "ed", "body", "bodyword", "alice", "ALI", "ref-1", "REF-", " ", "e ",
    /* the chatti policy's levels (URGENT, HIGH, NORMAL, LOW), whole and in part */
    "urgent", "URG", "igh", "High", "norm", "RMA", "low", "ow",
};
#define N_QUERIES (sizeof queries / sizeof queries[0])

/* ASCII case-insensitive substring (the plain rule). */
static bool contains_ci(const char *hay, const char *needle)
{
    if (!hay)
        return false;
    size_t nl = strlen(needle);
    for (const char *h = hay; *h; h++) {
        size_t i = 0;
        while (i < nl && h[i]) {
            char a = h[i], b = needle[i];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z')
                b = (char)(b - 'A' + 'a');
            if (a != b)
                break;
            i++;
        }
        if (i == nl)
            return true;
    }
    return false;
}

static bool plain_match(st_store *s, const st_ticket *t, const char *text, const char *level)
{
    if (level && strcmp(t->level, level) != 0)
        return false;
    if (!text)
        return true;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)t->id);
    if (strcmp(id, text) == 0 || contains_ci(t->title, text) || contains_ci(t->customer, text) ||
        contains_ci(t->assignee, text) || contains_ci(t->level, text) || contains_ci(t->ref, text))
        return true;
    st_message *m = NULL;
    size_t n = 0;
    st_err err;
    cr_assert_eq(store_message_list(s, t->id, &m, &n, &err), ST_OK, "%s", err.msg);
    bool hit = false;
    for (size_t i = 0; i < n; i++) {
        hit = hit || contains_ci(m[i].body, text);
        message_done(&m[i]);
    }
    free(m);
    return hit;
}

static char *random_text(unsigned *seed, int n)
{
    strbuf sb;
    sb_init(&sb);
    for (int i = 0; i < n; i++)
        sb_printf(&sb, "%s%s", i ? " " : "", words[(size_t)rand_r(seed) % N_WORDS]);
    return sb_steal(&sb);
}

static void fill(support_db *db, unsigned seed, int n, const char *const levels[4])
{
    st_err err;
    st_time now = clock_now(&db->clock);
    for (int i = 0; i < n; i++) {
        char *title = random_text(&seed, 1 + (int)(rand_r(&seed) % 3));
        char *customer = rand_r(&seed) % 4 ? random_text(&seed, 1) : NULL;
        char *body = rand_r(&seed) % 3 == 0 ? random_text(&seed, 2) : NULL;
        char ref[32];
        snprintf(ref, sizeof ref, "REF-%d", i);
        ops_new_ticket in = {.title = title,
                             .level = levels[rand_r(&seed) % 4],
                             .customer = customer,
                             .ref = rand_r(&seed) % 2 ? ref : NULL,
                             .created = now - (st_time)(rand_r(&seed) % (4 * 86400)),
                             .body = body,
                             .body_len = body ? strlen(body) : 0};
        int64_t id;
        cr_assert_eq(ops_add(db->ops, &in, &id, &err), ST_OK, "%s", err.msg);
        int what = (int)(rand_r(&seed) % 10);
        st_ticket t;
        cr_assert_eq(store_ticket_get(db->store, id, &t, &err), ST_OK, "%s", err.msg);
        if (what == 0)
            cr_assert_eq(ops_respond(db->ops, id, t.version, &err), ST_OK, "%s", err.msg);
        else if (what == 1)
            cr_assert_eq(ops_resolve(db->ops, id, t.version, &err), ST_OK, "%s", err.msg);
        else if (what == 2)
            (void)ops_assign(db->ops, id, rand_r(&seed) % 2 ? "alice" : "B\xc3\xb6" "b", t.version, &err);
        else if (what == 3) {
            char *msg = random_text(&seed, 3);
            size_t len = strlen(msg) + 9;
            char *full = xasprintf("bodyword %s", msg);
            (void)ops_message(db->ops, id, MSG_CUSTOMER, "cust", full, len, t.version, NULL, &err);
            free(full);
            free(msg);
        } else if (what == 4) {
            (void)ops_set_level(db->ops, id, OPS_UP, NULL, "test", t.version, NULL, &err);
        }
        ticket_done(&t);
        free(title);
        free(customer);
        free(body);
    }
}

/* Every open ticket in sort's order, as the unfiltered list has them. */
static st_ticket *all_open(support_db *db, query_sort sort, size_t *n)
{
    st_ticket *all = NULL;
    st_err err;
    query_list_req q = {.sort = sort};
    cr_assert_eq(query_tickets(db->ops, &q, &all, n, &err), ST_OK, "%s", err.msg);
    return all;
}

static void check_one(support_db *db, st_ticket *all, size_t n_all, query_sort sort, const char *text,
                      const char *level, st_time now, bool counts)
{
    st_err err;
    query_filter f = {.text = text, .level = level};
    st_ticket *got = NULL;
    size_t n_got = 0;
    cr_assert_eq(query_search(db->ops, &f, sort, 0, 0, &got, &n_got, &err), ST_OK, "%s", err.msg);
    int64_t count = -1;
    cr_assert_eq(query_search_count(db->ops, &f, &count, &err), ST_OK, "%s", err.msg);
    int64_t want_counts[SLA_STATE_COUNT] = {0};
    size_t k = 0;
    for (size_t i = 0; i < n_all; i++) {
        if (!plain_match(db->store, &all[i], text, level))
            continue;
        cr_assert(k < n_got, "'%s' level %s sort %d: ticket %lld missing", text ? text : "", level ? level : "-",
                  sort, (long long)all[i].id);
        cr_assert_eq(got[k].id, all[i].id, "'%s' level %s sort %d: row %zu is %lld, want %lld", text ? text : "",
                     level ? level : "-", sort, k, (long long)got[k].id, (long long)all[i].id);
        k++;
        if (counts) {
            ops_view v;
            cr_assert_eq(ops_view_of(db->ops, &all[i], now, &v, &err), ST_OK, "%s", err.msg);
            want_counts[ops_view_state(&v)]++;
            ops_view_done(&v);
        }
    }
    cr_assert_eq(n_got, k, "'%s' level %s sort %d: %zu rows, want %zu", text ? text : "", level ? level : "-",
                 sort, n_got, k);
    cr_assert_eq(count, (int64_t)k, "'%s': count %lld, want %zu", text ? text : "", (long long)count, k);
    if (counts) {
        int64_t got_counts[SLA_STATE_COUNT];
        cr_assert_eq(query_state_counts(db->ops, &f, now, got_counts, &err), ST_OK, "%s", err.msg);
        for (int s = 0; s < SLA_STATE_COUNT; s++)
            cr_assert_eq(got_counts[s], want_counts[s], "'%s' level %s at %lld: %s %lld, want %lld",
                         text ? text : "", level ? level : "-", (long long)now, sla_state_name((sla_state)s),
                         (long long)got_counts[s], (long long)want_counts[s]);
    }
    for (size_t i = 0; i < n_got; i++)
        ticket_done(&got[i]);
    free(got);
    /* a page of it: the same rows as the whole ordering's */
    if (k > 3) {
        cr_assert_eq(query_search(db->ops, &f, sort, 2, 2, &got, &n_got, &err), ST_OK, "%s", err.msg);
        cr_assert_eq(n_got, 2);
        for (size_t i = 0; i < n_got; i++)
            ticket_done(&got[i]);
        free(got);
    }
}

/* policy: a shipped policy's file name; levels: its four levels, highest first. */
static void check_db(unsigned seed, const char *policy_file, const char *const levels[4])
{
    char *policy = NULL;
    size_t len;
    st_err err;
    char *path = xasprintf("%s/share/policies/%s", SLATOP_SOURCE_DIR, policy_file);
    cr_assert_eq(read_file_all(path, 1 << 20, &policy, &len, &err), ST_OK, "%s", err.msg);
    free(path);
    support_db db;
    /* Monday 11:30 in Kolkata: the business levels' clocks run */
    support_db_open(&db, policy, "2026-11-16T06:00:00Z");
    free(policy);
    fill(&db, seed, 120, levels);
    st_time t0 = clock_now(&db.clock);
    /* ticking, closing time, a weekend night, days later: states move with the time */
    const st_time instants[] = {t0, t0 + 1800, t0 + 7 * 3600 + 1, t0 + 5 * 86400 + 3600, t0 - 86400};
    for (int q = 0; q < QUERY_SORT_COUNT; q++) {
        size_t n_all = 0;
        st_ticket *all = all_open(&db, (query_sort)q, &n_all);
        cr_assert(n_all > 50);
        for (size_t i = 0; i < N_QUERIES; i++)
            check_one(&db, all, n_all, (query_sort)q, queries[i], NULL, t0, q == 0);
        check_one(&db, all, n_all, (query_sort)q, NULL, NULL, t0, true);
        check_one(&db, all, n_all, (query_sort)q, NULL, levels[2], t0, q == 0);
        check_one(&db, all, n_all, (query_sort)q, "printer", levels[1], t0, q == 0);
        for (size_t i = 0; q == 0 && i < sizeof instants / sizeof instants[0]; i++) {
            check_one(&db, all, n_all, (query_sort)q, NULL, NULL, instants[i], true);
            check_one(&db, all, n_all, (query_sort)q, NULL, levels[3], instants[i], true);
            check_one(&db, all, n_all, (query_sort)q, "acme", NULL, instants[i], true);
        }
        /* every 97 minutes for a week: each running clock crosses into warn and breached, in and
         * out of business hours, at some of these (the counts are the next clocks' states) */
        for (st_time at = t0 - 3600; q == 0 && at < t0 + 7 * 86400; at += 97 * 60)
            check_one(&db, all, n_all, (query_sort)q, NULL, NULL, at, true);
        for (size_t i = 0; i < n_all; i++)
            ticket_done(&all[i]);
        free(all);
    }
    /* an id matches itself exactly, and through the index like any text */
    support_db_close(&db);
}

static const char *const haptik_levels[] = {"S0", "S1", "S2", "S3"};
/* Levels of three characters or more: a text can find them through the search's index. */
static const char *const chatti_levels[] = {"URGENT", "HIGH", "NORMAL", "LOW"};

Test(search, index_equals_plain_scan_seed_1, .timeout = 300)
{
    check_db(1, "haptik.json", haptik_levels);
}

Test(search, index_equals_plain_scan_seed_2, .timeout = 300)
{
    check_db(20261202, "haptik.json", haptik_levels);
}

Test(search, index_equals_plain_scan_named_levels, .timeout = 300)
{
    check_db(7, "chatti.json", chatti_levels);
}

Test(search, index_kept_in_step_with_writes)
{
    support_db db;
    support_db_open(&db, support_db_policy_24x7, "2026-11-16T10:00:00Z");
    st_err err;
    ops_new_ticket in = {.title = "Printer on fire", .level = "S1", .created = ST_TIME_NONE};
    int64_t id;
    cr_assert_eq(ops_add(db.ops, &in, &id, &err), ST_OK, "%s", err.msg);
    query_filter f = {.text = "fire"};
    int64_t n = 0;
    cr_assert_eq(query_search_count(db.ops, &f, &n, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(n, 1);
    cr_assert_eq(ops_assign(db.ops, id, "firefighter", 1, &err), ST_OK, "%s", err.msg);
    f.text = "fighter";
    cr_assert_eq(query_search_count(db.ops, &f, &n, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(n, 1, "an assignee change is in the index");
    cr_assert_eq(ops_message(db.ops, id, MSG_CUSTOMER, "c", "smoke everywhere", 16, 2, NULL, &err), ST_OK, "%s",
                 err.msg);
    f.text = "everywhere";
    cr_assert_eq(query_search_count(db.ops, &f, &n, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(n, 1, "a message body is in the index");
    st_ticket t;
    cr_assert_eq(store_ticket_get(db.store, id, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ops_resolve(db.ops, id, t.version, &err), ST_OK, "%s", err.msg);
    ticket_done(&t);
    cr_assert_eq(query_search_count(db.ops, &f, &n, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(n, 0, "a resolved ticket leaves the list");
    int64_t counts[SLA_STATE_COUNT];
    cr_assert_eq(query_state_counts(db.ops, NULL, clock_now(&db.clock), counts, &err), ST_OK, "%s", err.msg);
    for (int s = 0; s < SLA_STATE_COUNT; s++)
        cr_expect_eq(counts[s], 0, "%s", sla_state_name((sla_state)s));
    support_db_close(&db);
}
