/* The streamed command-line output (SPEC §11) is the output of before: `list --json` (one pass
 * over the tickets with their histories), text `list` (two passes), `audit --json`, `audit ID`
 * and `audit export` on a random database with every kind of change, compared byte for byte with
 * what the whole-list path (query_list_page, store_audit_list per ticket, jsonout) makes from the
 * same database at the same instant. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/clocks.h"
#include "slatop/jsonout.h"
#include "slatop/query.h"
#include "support_cli.h"
#include "support_db.h"

#define NOW "2026-11-20T12:00:00Z"

static uint64_t seed = 0x2545f4914f6cdd1dull;
static uint64_t rnd(uint64_t n)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed % n;
}

/* n tickets created over the two days before NOW, then random changes among them. */
static void random_db(support_db *f, int n)
{
    st_err err;
    static const char *levels[] = {"S0", "S1", "S2"};
    static const char *customers[] = {"Acme", "Globex", NULL, "Initech \xe2\x80\xae evil", "Umbrella"};
    st_time now;
    cr_assert(time_parse_iso(NOW, &now));
    for (int i = 0; i < n; i++) {
        char title[64];
        snprintf(title, sizeof title, "Ticket %d \"quoted\" \\ \x1b[31m", i);
        ops_new_ticket t = {.title = title,
                            .level = levels[rnd(3)],
                            .customer = customers[rnd(5)],
                            .created = now - 2 * 86400 + (st_time)rnd(2 * 86400)};
        f->clock.frozen_at = t.created;
        int64_t id;
        cr_assert_eq(ops_add(f->ops, &t, &id, &err), ST_OK, "%s", err.msg);
    }
    f->clock.frozen_at = now - 3600;
    for (int k = 0; k < 3 * n; k++) {
        int64_t id = 1 + (int64_t)rnd((uint64_t)n);
        ops_change ch = {0};
        switch (rnd(7)) {
        case 0:
            ops_set_level(f->ops, id, rnd(2) ? OPS_UP : OPS_DOWN, NULL, "random", -1, &ch, &err);
            ops_change_done(&ch);
            break;
        case 1:
            ops_respond(f->ops, id, -1, &err);
            break;
        case 2:
            ops_resolve(f->ops, id, -1, &err);
            break;
        case 3:
            ops_reopen(f->ops, id, "again", -1, &err);
            break;
        case 4:
            ops_message(f->ops, id, MSG_CUSTOMER, NULL, "hello", 5, -1, NULL, &err);
            break;
        case 5:
            ops_message(f->ops, id, MSG_REPLY, NULL, "on it", 5, -1, NULL, &err);
            break;
        default:
            ops_set_status(f->ops, id, rnd(2) ? TK_PENDING : TK_ON_HOLD, "waiting", -1, &err);
            break;
        }
        f->clock.frozen_at += (st_time)rnd(300);
    }
}

/* list --json as it was made before streaming: the whole list, then each history on its own. */
static char *reference_list_json(support_db *f, bool all, query_sort sort, st_time now)
{
    st_err err;
    query_list_req q = {.include_resolved = all, .sort = sort};
    query_page pg;
    cr_assert_eq(query_list_page(f->ops, &q, now, &pg, &err), ST_OK, "%s", err.msg);
    strbuf out;
    sb_init(&out);
    sb_append_c(&out, '[');
    clk_result r;
    clocks_result_init(&r);
    for (size_t i = 0; i < pg.n; i++) {
        st_audit_entry *h = NULL;
        size_t nh = 0;
        cr_assert_eq(store_audit_list(f->store, pg.rows[i].t.id, &h, &nh, &err), ST_OK, "%s", err.msg);
        clk_event *ev = NULL;
        size_t nev = 0;
        ops_clock_events(pg.rows[i].policy, pg.rows[i].t.created, h, nh, &ev, &nev);
        cr_assert_eq(clocks_compute(pg.rows[i].policy, ev, nev, now, &r, &err), ST_OK, "%s", err.msg);
        free(ev);
        if (i)
            sb_append_c(&out, ',');
        jsonout_ticket_open(&out, &pg.rows[i]);
        jsonout_clocks(&out, &r);
        sb_append_c(&out, '}');
        for (size_t k = 0; k < nh; k++)
            audit_entry_done(&h[k]);
        free(h);
    }
    sb_append(&out, "]\n");
    clocks_result_done(&r);
    query_page_done(&pg);
    return sb_steal(&out);
}

static char *reference_audit_json(support_db *f, int64_t ticket_id)
{
    st_err err;
    st_audit_entry *e = NULL;
    size_t n = 0;
    cr_assert_eq(store_audit_list(f->store, ticket_id, &e, &n, &err), ST_OK, "%s", err.msg);
    strbuf out;
    sb_init(&out);
    jsonout_audit_array(&out, e, n);
    sb_append_c(&out, '\n');
    for (size_t k = 0; k < n; k++)
        audit_entry_done(&e[k]);
    free(e);
    return sb_steal(&out);
}

static void expect_same(const char *what, const char *got, const char *want)
{
    size_t i = 0;
    while (got[i] && got[i] == want[i])
        i++;
    cr_expect(got[i] == want[i], "%s differs at byte %zu:\n got ...%.80s\nwant ...%.80s", what, i, got + i,
              want + i);
}

static void run_ok(support_result *r, const char *db, const char *a1, const char *a2, const char *a3,
                   const char *a4)
{
    const char *argv[] = {"--db", db, "--now", NOW, a1, a2, a3, a4, NULL};
    support_run_argv(r, NULL, argv);
    cr_assert_eq(r->status, 0, "%s %s: %s", a1, a2 ? a2 : "", r->err);
}

Test(list_stream, json_and_audit_byte_identical_on_a_random_database)
{
    support_db f;
    support_db_open(&f, support_db_policy_24x7, "2026-11-18T00:00:00Z");
    random_db(&f, 300);
    st_time now;
    cr_assert(time_parse_iso(NOW, &now));
    static const char *sorts[] = {"urgency", "level", "created", "customer"};
    for (int s = 0; s < 4; s++) {
        for (int all = 0; all < 2; all++) {
            support_result r;
            run_ok(&r, f.db, "list", "--json", "--sort", sorts[s]);
            if (all) {
                support_result_done(&r);
                const char *argv[] = {"--db", f.db, "--now", NOW, "list", "--json", "--all", "--sort", sorts[s], NULL};
                support_run_argv(&r, NULL, argv);
                cr_assert_eq(r.status, 0, "%s", r.err);
            }
            char *want = reference_list_json(&f, all, (query_sort)s, now);
            char what[64];
            snprintf(what, sizeof what, "list --json --sort %s%s", sorts[s], all ? " --all" : "");
            expect_same(what, r.out, want);
            cr_expect(strlen(want) > 1000, "a list worth comparing");
            free(want);
            support_result_done(&r);
        }
    }
    support_result r;
    run_ok(&r, f.db, "audit", "--json", NULL, NULL);
    char *want = reference_audit_json(&f, 0);
    expect_same("audit --json", r.out, want);
    free(want);
    support_result_done(&r);
    run_ok(&r, f.db, "audit", "7", "--json", NULL);
    want = reference_audit_json(&f, 7);
    expect_same("audit 7 --json", r.out, want);
    free(want);
    support_result_done(&r);
    support_db_close(&f);
}

/* The whole list is read in storage order and sorted by SQLite; a list with a limit walks the
 * order's index and seeks each history. Given a limit above the count, the two give the same
 * bytes, in every order, text and JSON. */
Test(list_stream, whole_list_sorted_equals_the_index_walk)
{
    support_db f;
    support_db_open(&f, support_db_policy_24x7, "2026-11-18T00:00:00Z");
    random_db(&f, 200);
    static const char *sorts[] = {"urgency", "level", "created", "customer"};
    for (int s = 0; s < 4; s++) {
        for (int json = 0; json < 2; json++) {
            support_result whole, paged;
            const char *a[] = {"--db", f.db, "--now", NOW, "list", "--all", "--sort", sorts[s], NULL, NULL};
            a[8] = json ? "--json" : NULL;
            support_run_argv(&whole, NULL, a);
            cr_assert_eq(whole.status, 0, "%s", whole.err);
            const char *b[] = {"--db",   f.db,     "--now",   NOW,      "list", "--all",
                               "--sort", sorts[s], "--limit", "100000", NULL,   NULL};
            b[10] = json ? "--json" : NULL;
            support_run_argv(&paged, NULL, b);
            cr_assert_eq(paged.status, 0, "%s", paged.err);
            char what[64];
            snprintf(what, sizeof what, "list --sort %s%s", sorts[s], json ? " --json" : "");
            expect_same(what, whole.out, paged.out);
            cr_expect(strlen(whole.out) > 1000, "a list worth comparing");
            support_result_done(&whole);
            support_result_done(&paged);
        }
    }
    support_db_close(&f);
}

/* Text list and CSV export: the same lines as the JSON says, in the same order. */
Test(list_stream, text_list_and_csv_have_every_row)
{
    support_db f;
    support_db_open(&f, support_db_policy_24x7, "2026-11-18T00:00:00Z");
    random_db(&f, 120);
    support_result r;
    run_ok(&r, f.db, "list", "--all", NULL, NULL);
    cr_expect_eq(support_count_lines(r.out), 121, "header + 120 rows:\n%s", r.out);
    cr_expect(strncmp(r.out, "LEVEL", 5) == 0);
    support_result_done(&r);
    run_ok(&r, f.db, "list", "--all", "--limit", "5");
    cr_expect_eq(support_count_lines(r.out), 6, "%s", r.out);
    support_result_done(&r);
    const char *argv[] = {"--db", f.db, "--now", NOW, "list", "--status", "pending", "--limit", "3", NULL};
    support_run_argv(&r, NULL, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_leq(support_count_lines(r.out), 4, "%s", r.out);
    support_result_done(&r);
    run_ok(&r, f.db, "audit", "export", "--format", "csv");
    int64_t seq = 0;
    char hash[65];
    st_err err;
    cr_assert_eq(store_audit_head(f.store, &seq, hash, &err), ST_OK);
    cr_expect_eq(support_count_lines(r.out), (size_t)seq + 1, "header + every entry");
    cr_expect(strstr(r.out, hash) != NULL, "the head's hash is in the export");
    support_result_done(&r);
    support_db_close(&f);
}

/* Collects the seqs of a page (at most 16). */
static st_code page_add(void *ctx, const st_audit_entry *e, st_err *err)
{
    (void)err;
    struct {
        int64_t seq[16];
        size_t n;
    } *p = ctx;
    if (p->n < 16)
        p->seq[p->n++] = e->seq;
    return ST_OK;
}

/* The console's chain walk in slices: the same verdict and count as store_audit_verify, each
 * slice moving `through` by at most its size; and the audit view's keyset pages, both ways. */
Test(list_stream, verify_in_slices_and_keyset_pages)
{
    support_db f;
    support_db_open(&f, support_db_policy_24x7, "2026-11-18T00:00:00Z");
    random_db(&f, 60);
    st_err err;
    int64_t checked = 0;
    cr_assert_eq(store_audit_verify(f.store, 0, NULL, &checked, &err), ST_OK, "%s", err.msg);
    query_verify *w = query_verify_new();
    int64_t steps = 0, last = 0;
    while (!query_verify_done(w)) {
        cr_assert_eq(query_verify_step(f.ops, w, 7, &err), ST_OK, "%s", err.msg);
        cr_assert_leq(query_verify_through(w) - last, 7);
        last = query_verify_through(w);
        steps++;
    }
    cr_expect_eq(query_verify_checked(w), checked);
    cr_expect_eq(query_verify_through(w), checked, "seq runs 1..N");
    cr_expect_geq(steps, checked / 7);
    query_verify_free(w);

    /* The page before seq 50, newest first, then the page after it: keyset bounds hold. */
    st_audit_entry *all = NULL;
    size_t n = 0;
    cr_assert_eq(store_audit_list(f.store, 0, &all, &n, &err), ST_OK);
    typedef struct {
        int64_t seq[16];
        size_t n;
    } page;
    page p = {0};
    store_audit_range r = {.before_seq = 50, .limit = 10, .newest_first = true};
    cr_assert_eq(store_audit_scan_range(f.store, &r, page_add, &p, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(p.n, 10);
    for (size_t i = 0; i < p.n; i++)
        cr_expect_eq(p.seq[i], 49 - (int64_t)i);
    p.n = 0;
    r = (store_audit_range){.after_seq = (int64_t)n - 3, .limit = 10};
    cr_assert_eq(store_audit_scan_range(f.store, &r, page_add, &p, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(p.n, 3, "the last three entries");
    for (size_t i = 0; i < n; i++)
        audit_entry_done(&all[i]);
    free(all);
    support_db_close(&f);
}
