/* ops: every change as one transaction with its audit entry, on real SQLite files in temporary
 * directories, with a frozen clock. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slatop/audit.h"
#include "slatop/import.h"
#include "slatop/ops.h"
#include "slatop/store.h"

/* 24x7 only, targets 60/120/240/480 minutes, email defaults to S2, clock from creation. */
static const char *POLICY_24X7 = "{\"name\": \"T24\", \"levels\": ["
                                 "{\"id\": \"S0\", \"response_minutes\": 60, \"clock\": \"24x7\"},"
                                 "{\"id\": \"S1\", \"response_minutes\": 120, \"clock\": \"24x7\"},"
                                 "{\"id\": \"S2\", \"response_minutes\": 240, \"clock\": \"24x7\"},"
                                 "{\"id\": \"S3\", \"response_minutes\": 480, \"clock\": \"24x7\"}],"
                                 "\"reprioritize_from\": \"created\", \"channels\": {\"email\": \"S2\"}}";

/* Business hours in UTC, Mon-Fri 09:00-17:00, a holiday on Wednesday 2026-11-18. The
 * reprioritize_from value is filled in. */
#define POLICY_BUSINESS_FMT                                                                                  \
    "{\"name\": \"Biz\", \"levels\": ["                                                                      \
    "{\"id\": \"P1\", \"response_minutes\": 30, \"clock\": \"24x7\"},"                                       \
    "{\"id\": \"P2\", \"response_minutes\": 120, \"clock\": \"business\"},"                                  \
    "{\"id\": \"P3\", \"response_minutes\": 480, \"clock\": \"business\"}],"                                 \
    "\"business_hours\": {\"timezone\": \"UTC\", \"week\": {"                                                \
    "\"mon\": [[\"09:00\", \"17:00\"]], \"tue\": [[\"09:00\", \"17:00\"]], \"wed\": [[\"09:00\", "           \
    "\"17:00\"]],"                                                                                           \
    "\"thu\": [[\"09:00\", \"17:00\"]], \"fri\": [[\"09:00\", \"17:00\"]]},"                                 \
    "\"holidays\": [\"2026-11-18\"]},"                                                                       \
    "\"reprioritize_from\": \"%s\"}"

#define MIN 60
#define HOUR 3600

typedef struct {
    char dir[64];
    char db[128];
    st_clock clock;
    st_store *store;
    st_ops *ops;
} fx;

static st_time iso(const char *s)
{
    st_time t = 0;
    cr_assert(time_parse_iso(s, &t), "bad time %s", s);
    return t;
}

static void fx_open(fx *f, const char *policy_json, const char *now)
{
    memset(f, 0, sizeof *f);
    strcpy(f->dir, "/tmp/slatop-ops-XXXXXX");
    cr_assert_not_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/t.db", f->dir);
    clock_freeze(&f->clock, iso(now));
    st_err err;
    cr_assert_eq(ops_init_db_text(f->db, policy_json, "policy.json", &f->clock, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_open(f->db, STORE_OPEN_RW, &f->store, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ops_new(f->store, &f->clock, &f->ops, &err), ST_OK, "%s", err.msg);
}

static void fx_business(fx *f, const char *mode, const char *now)
{
    char *json = xasprintf(POLICY_BUSINESS_FMT, mode);
    fx_open(f, json, now);
    free(json);
}

static void fx_close(fx *f)
{
    ops_free(f->ops);
    store_close(f->store);
    char *db = xasprintf("%s/t.db", f->dir);
    st_err ignored;
    store_remove(db, &ignored);
    free(db);
    static const char *const names[] = {"p2.json", "in.json"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char *p = xasprintf("%s/%s", f->dir, names[i]);
        unlink(p);
        free(p);
    }
    rmdir(f->dir);
}

static void set_now(fx *f, const char *now)
{
    clock_freeze(&f->clock, iso(now));
}

static int64_t add(fx *f, const char *title, const char *level, const char *channel, const char *created)
{
    ops_new_ticket in = {.title = title, .level = level, .channel = channel, .created = ST_TIME_NONE};
    if (created)
        in.created = iso(created);
    int64_t id = 0;
    st_err err;
    cr_assert_eq(ops_add(f->ops, &in, &id, &err), ST_OK, "%s", err.msg);
    cr_assert_gt(id, 0);
    return id;
}

static st_ticket get(fx *f, int64_t id)
{
    st_ticket t;
    st_err err;
    cr_assert_eq(store_ticket_get(f->store, id, &t, &err), ST_OK, "%s", err.msg);
    return t;
}

static size_t audit_count(fx *f, int64_t ticket)
{
    st_audit_entry *e = NULL;
    size_t n = 0;
    st_err err;
    cr_assert_eq(store_audit_list(f->store, ticket, &e, &n, &err), ST_OK, "%s", err.msg);
    for (size_t i = 0; i < n; i++)
        audit_entry_done(&e[i]);
    free(e);
    return n;
}

/* The last audit entry of a ticket (caller: audit_entry_done). */
static st_audit_entry last_entry(fx *f, int64_t ticket)
{
    st_audit_entry *e = NULL;
    size_t n = 0;
    st_err err;
    cr_assert_eq(store_audit_list(f->store, ticket, &e, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_gt(n, 0);
    st_audit_entry last = e[n - 1];
    for (size_t i = 0; i + 1 < n; i++)
        audit_entry_done(&e[i]);
    free(e);
    return last;
}

static void chain_verifies(fx *f)
{
    int64_t checked = 0;
    st_err err;
    cr_assert_eq(store_audit_verify(f->store, 0, NULL, &checked, &err), ST_OK, "%s", err.msg);
    cr_assert_eq((size_t)checked, audit_count(f, 0));
}

static st_code move(fx *f, int64_t id, ops_move m, const char *level, const char *reason, ops_change *c,
                    st_err *err)
{
    return ops_set_level(f->ops, id, m, level, reason, -1, c, err);
}

static void must_move(fx *f, int64_t id, ops_move m, const char *level, ops_change *c)
{
    st_err err;
    cr_assert_eq(move(f, id, m, level, "customer escalated", c, &err), ST_OK, "%s", err.msg);
}

/* The sticky breach of the view and the one derived from the audit history must agree. */
static bool history_breached(fx *f, int64_t id, st_time now)
{
    st_audit_entry *e = NULL;
    size_t n = 0;
    st_err err;
    cr_assert_eq(store_audit_list(f->store, id, &e, &n, &err), ST_OK, "%s", err.msg);
    sla_event *ev = NULL;
    size_t n_ev = 0;
    ops_events_from_audit(e, n, &ev, &n_ev);
    bool b = sla_breached_ever(ev, n_ev, now);
    free(ev);
    for (size_t i = 0; i < n; i++)
        audit_entry_done(&e[i]);
    free(e);
    return b;
}

static bool view_breached(fx *f, int64_t id, st_time now)
{
    ops_view v;
    st_err err;
    cr_assert_eq(ops_get_view(f->ops, id, now, &v, &err), ST_OK, "%s", err.msg);
    bool b = v.breached_ever;
    ops_view_done(&v);
    return b;
}

static void breach_agrees(fx *f, int64_t id, st_time now, bool expect)
{
    cr_assert_eq(view_breached(f, id, now), expect, "view breached_ever at %lld", (long long)now);
    cr_assert_eq(history_breached(f, id, now), expect, "history breached_ever at %lld", (long long)now);
}

/* ---- init ---- */

Test(ops_init, creates_version_1_with_audited_policy_entry)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    const st_policy *p = NULL;
    int64_t v = 0;
    st_err err;
    cr_assert_eq(ops_policy(f.ops, 0, &p, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 1);
    cr_assert_eq(p->n_levels, 4);
    st_audit_entry e = last_entry(&f, 0);
    cr_assert_eq(e.kind, AU_POLICY_APPLIED);
    cr_assert_eq(e.ticket_id, 0);
    cr_assert_str_eq(e.reason, "init");
    cr_assert_str_eq(e.actor, os_user());
    cr_assert_eq(e.at, iso("2026-11-16T10:00:00Z"));
    char sha[65], want[128];
    cr_assert_eq(audit_sha256_hex(POLICY_24X7, strlen(POLICY_24X7), sha, NULL), ST_OK);
    snprintf(want, sizeof want, "version 1 sha256 %s", sha);
    cr_assert_str_eq(e.detail, want);
    audit_entry_done(&e);
    chain_verifies(&f);
    fx_close(&f);
}

Test(ops_init, invalid_policy_creates_nothing)
{
    char dir[] = "/tmp/slatop-ops-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *db = xasprintf("%s/t.db", dir);
    st_clock c;
    clock_freeze(&c, iso("2026-11-16T10:00:00Z"));
    st_err err;
    st_code rc = ops_init_db_text(db, "{\"name\": \"x\", \"levels\": []}", "bad.json", &c, &err);
    cr_assert_eq(rc, ST_INVALID);
    cr_assert(strstr(err.msg, "bad.json") != NULL, "%s", err.msg);
    struct stat st;
    cr_assert_neq(stat(db, &st), 0, "a database file was left behind");
    free(db);
    rmdir(dir);
}

Test(ops_init, refuses_an_existing_database_and_leaves_it)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "keep me", NULL, NULL, NULL);
    st_err err;
    cr_assert_neq(ops_init_db_text(f.db, POLICY_24X7, "p.json", &f.clock, &err), ST_OK);
    st_ticket t = get(&f, id);
    cr_assert_str_eq(t.title, "keep me");
    ticket_done(&t);
    fx_close(&f);
}

/* ---- add ---- */

Test(ops_add, defaults_to_the_lowest_level_with_due_from_created)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "  bot slow  ", NULL, NULL, NULL);
    st_ticket t = get(&f, id);
    cr_assert_str_eq(t.level, "S3");
    cr_assert_str_eq(t.title, "bot slow");
    cr_assert_eq(t.status, TK_OPEN);
    cr_assert_eq(t.created, iso("2026-11-16T10:00:00Z"));
    cr_assert_eq(t.clock_start, t.created);
    cr_assert_eq(t.due, iso("2026-11-16T18:00:00Z"));
    cr_assert_eq(t.first_response, ST_TIME_NONE);
    cr_assert_eq(t.response_due, ST_TIME_NONE);
    cr_assert_not(t.breached_hist);
    cr_assert_eq(t.policy_version, 1);
    cr_assert_eq(t.version, 1);
    ticket_done(&t);
    st_audit_entry e = last_entry(&f, id);
    cr_assert_eq(e.kind, AU_CREATED);
    cr_assert_str_eq(e.to_level, "S3");
    cr_assert_eq(e.new_due, iso("2026-11-16T18:00:00Z"));
    audit_entry_done(&e);
    cr_assert_eq(audit_count(&f, id), 1);
    fx_close(&f);
}

Test(ops_add, channel_default_and_given_level)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    st_ticket a = get(&f, add(&f, "mail", NULL, "email", NULL));
    cr_assert_str_eq(a.level, "S2");
    cr_assert_str_eq(a.channel, "email");
    cr_assert_eq(a.due, iso("2026-11-16T14:00:00Z"));
    st_ticket b = get(&f, add(&f, "phone", NULL, "phone", NULL));
    cr_assert_str_eq(b.level, "S3", "a channel without default falls back to the lowest level");
    st_ticket c = get(&f, add(&f, "urgent mail", "S0", "email", NULL));
    cr_assert_str_eq(c.level, "S0", "a given level wins over the channel default");
    cr_assert_eq(c.due, iso("2026-11-16T11:00:00Z"));
    ticket_done(&a);
    ticket_done(&b);
    ticket_done(&c);
    fx_close(&f);
}

Test(ops_add, refusals)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    st_err err;
    ops_new_ticket bad_level = {.title = "x", .level = "S9", .created = ST_TIME_NONE};
    int64_t id = 0;
    cr_assert_eq(ops_add(f.ops, &bad_level, &id, &err), ST_INVALID);
    cr_assert_str_eq(err.msg, "--level: unknown level 'S9' (levels: S0, S1, S2, S3)");
    ops_new_ticket no_title = {.title = " \t", .created = ST_TIME_NONE};
    cr_assert_eq(ops_add(f.ops, &no_title, &id, &err), ST_USAGE);
    cr_assert(strstr(err.msg, "--title") != NULL, "%s", err.msg);
    ops_new_ticket null_title = {.title = NULL, .created = ST_TIME_NONE};
    cr_assert_eq(ops_add(f.ops, &null_title, &id, &err), ST_USAGE);

    ops_new_ticket with_ref = {.title = "first", .ref = "ZD-1", .created = ST_TIME_NONE};
    int64_t first = 0;
    cr_assert_eq(ops_add(f.ops, &with_ref, &first, &err), ST_OK, "%s", err.msg);
    with_ref.title = "second";
    cr_assert_eq(ops_add(f.ops, &with_ref, &id, &err), ST_CONFLICT);
    char want[128];
    snprintf(want, sizeof want, "ticket %lld", (long long)first);
    cr_assert(strstr(err.msg, "ZD-1") != NULL && strstr(err.msg, want) != NULL, "%s", err.msg);
    int64_t count = 0;
    cr_assert_eq(store_ticket_count(f.store, true, &count, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(count, 1);
    fx_close(&f);
}

Test(ops_add, old_created_time_is_born_breached)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "old", "S0", NULL, "2026-11-16T08:30:00Z");
    st_ticket t = get(&f, id);
    cr_assert_eq(t.created, iso("2026-11-16T08:30:00Z"));
    cr_assert_eq(t.due, iso("2026-11-16T09:30:00Z"));
    cr_assert(t.breached_hist);
    ticket_done(&t);
    breach_agrees(&f, id, iso("2026-11-16T10:00:00Z"), true);
    fx_close(&f);
}

/* ---- re-prioritizing ---- */

Test(ops_level, raise_from_created_breaches_and_stays_breached_after_lowering)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "t", NULL, NULL, NULL); /* S3, due 18:00 */
    set_now(&f, "2026-11-16T11:30:00Z");
    ops_change c;
    must_move(&f, id, OPS_UP, NULL, &c);
    cr_assert_str_eq(c.from_level, "S3");
    cr_assert_str_eq(c.to_level, "S2");
    cr_assert_eq(c.old_due, iso("2026-11-16T18:00:00Z"));
    cr_assert_eq(c.new_due, iso("2026-11-16T14:00:00Z"));
    cr_assert_eq(c.remaining_s, 150 * MIN);
    cr_assert_not(c.breaches_immediately);
    cr_assert_eq(c.new_version, 2);
    ops_change_done(&c);
    must_move(&f, id, OPS_UP, NULL, &c); /* S1, due 12:00 */
    cr_assert_eq(c.new_due, iso("2026-11-16T12:00:00Z"));
    ops_change_done(&c);
    breach_agrees(&f, id, iso("2026-11-16T11:30:00Z"), false);

    must_move(&f, id, OPS_UP, NULL, &c); /* S0: due 11:00, already past */
    cr_assert_str_eq(c.to_level, "S0");
    cr_assert_eq(c.new_due, iso("2026-11-16T11:00:00Z"));
    cr_assert(c.breaches_immediately);
    cr_assert_eq(c.remaining_s, -30 * MIN);
    ops_change_done(&c);
    st_ticket t = get(&f, id);
    cr_assert(t.breached_hist);
    cr_assert_eq(t.clock_start, t.created);
    ticket_done(&t);

    st_err err;
    cr_assert_eq(move(&f, id, OPS_UP, NULL, "more", NULL, &err), ST_CONFLICT);
    cr_assert_str_eq(err.msg, "ticket 1 is already at the top level S0");

    /* Undone the same second: the breach stays in the history. */
    must_move(&f, id, OPS_DOWN, NULL, &c);
    cr_assert_str_eq(c.to_level, "S1");
    ops_change_done(&c);
    ops_view v;
    cr_assert_eq(ops_get_view(f.ops, id, iso("2026-11-16T11:30:00Z"), &v, &err), ST_OK, "%s", err.msg);
    cr_assert(v.breached_ever);
    cr_assert_neq(v.timer.state, SLA_BREACHED);
    cr_assert_eq(v.timer.remaining_s, 30 * MIN);
    cr_assert_eq(v.level_index, 1);
    ops_view_done(&v);
    breach_agrees(&f, id, iso("2026-11-16T11:30:00Z"), true);

    must_move(&f, id, OPS_TO, "S3", &c);
    ops_change_done(&c);
    cr_assert_eq(move(&f, id, OPS_DOWN, NULL, "less", NULL, &err), ST_CONFLICT);
    cr_assert_str_eq(err.msg, "ticket 1 is already at the bottom level S3");
    breach_agrees(&f, id, iso("2026-11-16T12:00:00Z"), true);
    cr_assert_eq(audit_count(&f, id), 6);
    chain_verifies(&f);
    fx_close(&f);
}

Test(ops_level, audit_entry_carries_the_change)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "t", "S2", NULL, NULL);
    set_now(&f, "2026-11-16T10:05:00Z");
    st_err err;
    cr_assert_eq(ops_set_level(f.ops, id, OPS_TO, "S0", "outage for all countries", 1, NULL, &err), ST_OK,
                 "%s", err.msg);
    st_audit_entry e = last_entry(&f, id);
    cr_assert_eq(e.kind, AU_REPRIORITIZED);
    cr_assert_str_eq(e.from_level, "S2");
    cr_assert_str_eq(e.to_level, "S0");
    cr_assert_eq(e.old_due, iso("2026-11-16T14:00:00Z"));
    cr_assert_eq(e.new_due, iso("2026-11-16T11:00:00Z"));
    cr_assert_str_eq(e.reason, "outage for all countries");
    cr_assert_str_eq(e.actor, os_user());
    cr_assert_eq(e.at, iso("2026-11-16T10:05:00Z"));
    audit_entry_done(&e);
    st_ticket t = get(&f, id);
    cr_assert_eq(t.version, 2);
    cr_assert_str_eq(t.updated_by, os_user());
    cr_assert_eq(t.updated_at, iso("2026-11-16T10:05:00Z"));
    ticket_done(&t);
    fx_close(&f);
}

Test(ops_level, refusals)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "t", "S2", NULL, NULL);
    st_err err;
    cr_assert_eq(move(&f, id, OPS_UP, NULL, NULL, NULL, &err), ST_USAGE);
    cr_assert_str_eq(err.msg, "--reason is required");
    cr_assert_eq(move(&f, id, OPS_UP, NULL, "   ", NULL, &err), ST_USAGE);
    cr_assert_eq(move(&f, id, OPS_TO, "S7", "x", NULL, &err), ST_INVALID);
    cr_assert(strstr(err.msg, "unknown level 'S7' (levels: S0, S1, S2, S3)") != NULL, "%s", err.msg);
    cr_assert_eq(move(&f, id, OPS_TO, "S2", "x", NULL, &err), ST_CONFLICT);
    cr_assert(strstr(err.msg, "already at level S2") != NULL, "%s", err.msg);
    cr_assert_eq(move(&f, 99, OPS_UP, NULL, "x", NULL, &err), ST_NOTFOUND);
    cr_assert_eq(ops_resolve(f.ops, id, -1, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(move(&f, id, OPS_UP, NULL, "x", NULL, &err), ST_CONFLICT);
    cr_assert(strstr(err.msg, "resolved") != NULL, "%s", err.msg);
    cr_assert_eq(audit_count(&f, id), 2, "refusals write nothing");
    fx_close(&f);
}

Test(ops_level, stale_version_is_refused_naming_actor_and_time)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "t", "S2", NULL, NULL);
    set_now(&f, "2026-11-16T10:10:00Z");
    st_err err;
    cr_assert_eq(ops_set_level(f.ops, id, OPS_UP, NULL, "first", 1, NULL, &err), ST_OK, "%s", err.msg);
    set_now(&f, "2026-11-16T10:20:00Z");
    cr_assert_eq(ops_set_level(f.ops, id, OPS_UP, NULL, "second, stale", 1, NULL, &err), ST_CONFLICT);
    cr_assert(strstr(err.msg, "changed since version 1") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, os_user()) != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "2026-11-16T10:10:00Z") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "now version 2") != NULL, "%s", err.msg);
    cr_assert_eq(ops_respond(f.ops, id, 1, &err), ST_CONFLICT);
    cr_assert_eq(ops_assign(f.ops, id, "ann", 5, &err), ST_CONFLICT);
    st_ticket t = get(&f, id);
    cr_assert_str_eq(t.level, "S1");
    cr_assert_eq(t.version, 2);
    ticket_done(&t);
    cr_assert_eq(ops_set_level(f.ops, id, OPS_UP, NULL, "now current", 2, NULL, &err), ST_OK, "%s", err.msg);
    fx_close(&f);
}

Test(ops_level, preview_writes_nothing_and_matches_the_change)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "t", NULL, NULL, NULL);
    set_now(&f, "2026-11-16T13:00:00Z");
    ops_change p, c;
    st_err err;
    cr_assert_eq(ops_preview_level(f.ops, id, OPS_TO, "S1", &p, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(p.from_level, "S3");
    cr_assert_str_eq(p.to_level, "S1");
    cr_assert_eq(p.new_due, iso("2026-11-16T12:00:00Z"));
    cr_assert(p.breaches_immediately);
    cr_assert_eq(p.remaining_s, -HOUR);
    cr_assert_eq(p.new_version, 1);
    cr_assert_eq(audit_count(&f, id), 1);
    st_ticket t = get(&f, id);
    cr_assert_str_eq(t.level, "S3");
    ticket_done(&t);
    cr_assert_eq(ops_preview_level(f.ops, id, OPS_DOWN, NULL, &c, &err), ST_CONFLICT);
    must_move(&f, id, OPS_TO, "S1", &c);
    cr_assert_eq(c.new_due, p.new_due);
    cr_assert_eq(c.remaining_s, p.remaining_s);
    cr_assert_eq(c.breaches_immediately, p.breaches_immediately);
    ops_change_done(&p);
    ops_change_done(&c);
    fx_close(&f);
}

Test(ops_level, responded_ticket_keeps_its_response_due)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "t", "S2", NULL, NULL); /* due 14:00 */
    set_now(&f, "2026-11-16T10:30:00Z");
    st_err err;
    cr_assert_eq(ops_respond(f.ops, id, -1, &err), ST_OK, "%s", err.msg);
    set_now(&f, "2026-11-16T12:00:00Z");
    ops_change c;
    must_move(&f, id, OPS_TO, "S0", &c);
    cr_assert_not(c.breaches_immediately, "a responded ticket cannot breach");
    ops_change_done(&c);
    st_ticket t = get(&f, id);
    cr_assert_str_eq(t.level, "S0");
    cr_assert_eq(t.due, iso("2026-11-16T11:00:00Z"));
    cr_assert_eq(t.response_due, iso("2026-11-16T14:00:00Z"));
    cr_assert_not(t.breached_hist);
    ticket_done(&t);
    ops_view v;
    cr_assert_eq(ops_get_view(f.ops, id, iso("2026-11-16T12:00:00Z"), &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v.timer.state, SLA_MET);
    ops_view_done(&v);
    breach_agrees(&f, id, iso("2026-11-16T12:00:00Z"), false);
    fx_close(&f);
}

Test(ops_level, business_hours_from_created)
{
    fx f;
    fx_business(&f, "created", "2026-11-16T16:00:00Z"); /* Monday 16:00 */
    int64_t id = add(&f, "t", NULL, NULL, NULL);        /* P3: 8 business hours */
    st_ticket t = get(&f, id);
    cr_assert_str_eq(t.level, "P3");
    /* 1 h on Monday, 7 h on Tuesday. */
    cr_assert_eq(t.due, iso("2026-11-17T16:00:00Z"));
    ticket_done(&t);
    set_now(&f, "2026-11-17T10:00:00Z");
    ops_change c;
    must_move(&f, id, OPS_UP, NULL, &c); /* P2 from created: Mon 16:00-17:00 + Tue 09:00-10:00 */
    cr_assert_eq(c.new_due, iso("2026-11-17T10:00:00Z"));
    cr_assert(c.breaches_immediately, "due at the instant of the change");
    ops_change_done(&c);
    t = get(&f, id);
    cr_assert_eq(t.clock_start, iso("2026-11-16T16:00:00Z"));
    cr_assert(t.breached_hist);
    ticket_done(&t);
    must_move(&f, id, OPS_DOWN, NULL, &c);
    ops_change_done(&c);
    breach_agrees(&f, id, iso("2026-11-17T10:00:00Z"), true);
    fx_close(&f);
}

Test(ops_level, business_hours_from_change)
{
    fx f;
    fx_business(&f, "change", "2026-11-16T16:00:00Z");
    int64_t id = add(&f, "t", NULL, NULL, NULL);
    set_now(&f, "2026-11-17T10:00:00Z");
    ops_change c;
    must_move(&f, id, OPS_UP, NULL, &c); /* P2: full 2 business hours from the change */
    cr_assert_eq(c.new_due, iso("2026-11-17T12:00:00Z"));
    cr_assert_eq(c.remaining_s, 2 * HOUR);
    cr_assert_not(c.breaches_immediately);
    ops_change_done(&c);
    st_ticket t = get(&f, id);
    cr_assert_eq(t.clock_start, iso("2026-11-17T10:00:00Z"));
    cr_assert_eq(t.created, iso("2026-11-16T16:00:00Z"));
    ticket_done(&t);
    /* Lowered before 12:00 (P3 from 11:00: due Thursday 11:00), raised again on Tuesday 16:30:
     * P2 for 2 business hours is 30 min Tuesday, Wednesday a holiday, 90 min Thursday. */
    set_now(&f, "2026-11-17T11:00:00Z");
    must_move(&f, id, OPS_DOWN, NULL, &c);
    cr_assert_eq(c.new_due, iso("2026-11-19T11:00:00Z"));
    ops_change_done(&c);
    set_now(&f, "2026-11-17T16:30:00Z");
    must_move(&f, id, OPS_UP, NULL, &c);
    cr_assert_eq(c.new_due, iso("2026-11-19T10:30:00Z"));
    ops_change_done(&c);
    /* Wednesday (holiday): the countdown stands still. */
    ops_view v;
    st_err err;
    cr_assert_eq(ops_get_view(f.ops, id, iso("2026-11-18T12:00:00Z"), &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v.timer.state, SLA_PAUSED);
    cr_assert_eq(v.timer.remaining_s, 90 * MIN);
    cr_assert_not(v.breached_ever);
    ops_view_done(&v);
    breach_agrees(&f, id, iso("2026-11-19T10:30:00Z"), true);
    breach_agrees(&f, id, iso("2026-11-19T10:29:59Z"), false);
    fx_close(&f);
}

/* ---- status and owner ---- */

Test(ops_status, respond_resolve_reopen_assign)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "t", "S1", NULL, NULL); /* due 12:00 */
    st_err err;
    set_now(&f, "2026-11-16T10:45:00Z");
    cr_assert_eq(ops_respond(f.ops, id, -1, &err), ST_OK, "%s", err.msg);
    st_ticket t = get(&f, id);
    cr_assert_eq(t.status, TK_OPEN); /* schema 2: a first response is a fact, not a status */
    cr_assert_eq(t.first_response, iso("2026-11-16T10:45:00Z"));
    cr_assert_eq(t.response_due, iso("2026-11-16T12:00:00Z"));
    ticket_done(&t);
    cr_assert_eq(ops_respond(f.ops, id, -1, &err), ST_CONFLICT);
    cr_assert_str_eq(err.msg, "ticket 1 already has a first response at 2026-11-16T10:45:00Z");

    cr_assert_eq(ops_assign(f.ops, id, "", -1, &err), ST_USAGE);
    cr_assert_eq(ops_assign(f.ops, id, NULL, -1, &err), ST_USAGE);
    cr_assert_eq(ops_assign(f.ops, id, "ann \x1b[31m", -1, &err), ST_OK, "%s", err.msg);
    st_audit_entry e = last_entry(&f, id);
    cr_assert_eq(e.kind, AU_ASSIGNED);
    cr_assert_str_eq(e.detail, "ann \x1b[31m", "stored as typed; sanitised on output");
    audit_entry_done(&e);
    t = get(&f, id);
    cr_assert_str_eq(t.assignee, "ann \x1b[31m");
    ticket_done(&t);

    cr_assert_eq(ops_reopen(f.ops, id, "customer came back", -1, &err), ST_CONFLICT);
    cr_assert(strstr(err.msg, "not resolved") != NULL, "%s", err.msg);

    set_now(&f, "2026-11-16T13:00:00Z");
    cr_assert_eq(ops_resolve(f.ops, id, -1, &err), ST_OK, "%s", err.msg);
    t = get(&f, id);
    cr_assert_eq(t.status, TK_RESOLVED);
    cr_assert_eq(t.resolved, iso("2026-11-16T13:00:00Z"));
    cr_assert_eq(t.first_response, iso("2026-11-16T10:45:00Z"));
    ticket_done(&t);
    e = last_entry(&f, id);
    cr_assert_eq(e.kind, AU_RESOLVED);
    cr_assert_null(e.detail);
    audit_entry_done(&e);
    cr_assert_eq(ops_resolve(f.ops, id, -1, &err), ST_CONFLICT);
    cr_assert(strstr(err.msg, "already resolved") != NULL, "%s", err.msg);
    cr_assert_eq(ops_respond(f.ops, id, -1, &err), ST_CONFLICT);

    cr_assert_eq(ops_reopen(f.ops, id, "", -1, &err), ST_USAGE);
    cr_assert_str_eq(err.msg, "--reason is required");
    set_now(&f, "2026-11-16T14:00:00Z");
    cr_assert_eq(ops_reopen(f.ops, id, "customer came back", -1, &err), ST_OK, "%s", err.msg);
    t = get(&f, id);
    cr_assert_eq(t.status, TK_OPEN);
    cr_assert_eq(t.resolved, ST_TIME_NONE);
    cr_assert_eq(t.first_response, iso("2026-11-16T10:45:00Z"), "the first-response timer does not restart");
    cr_assert_eq(t.version, 5);
    ticket_done(&t);
    e = last_entry(&f, id);
    cr_assert_eq(e.kind, AU_REOPENED);
    cr_assert_str_eq(e.reason, "customer came back");
    audit_entry_done(&e);
    /* created, responded, assigned, resolved, reopened: one entry per change. */
    cr_assert_eq(audit_count(&f, id), 5);
    breach_agrees(&f, id, iso("2026-11-16T14:00:00Z"), false);
    chain_verifies(&f);
    fx_close(&f);
}

Test(ops_status, resolve_without_response_records_it)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "t", "S0", NULL, NULL); /* due 11:00 */
    set_now(&f, "2026-11-16T11:30:00Z");
    st_err err;
    cr_assert_eq(ops_resolve(f.ops, id, -1, &err), ST_OK, "%s", err.msg);
    st_ticket t = get(&f, id);
    cr_assert_eq(t.first_response, iso("2026-11-16T11:30:00Z"));
    cr_assert_eq(t.resolved, iso("2026-11-16T11:30:00Z"));
    cr_assert_eq(t.response_due, iso("2026-11-16T11:00:00Z"));
    cr_assert(t.breached_hist);
    ticket_done(&t);
    st_audit_entry e = last_entry(&f, id);
    cr_assert_eq(e.kind, AU_RESOLVED);
    cr_assert_str_eq(e.detail, "first response recorded");
    audit_entry_done(&e);
    cr_assert_eq(audit_count(&f, id), 2, "a single entry for the resolve");
    ops_view v;
    cr_assert_eq(ops_get_view(f.ops, id, iso("2026-11-16T12:00:00Z"), &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v.timer.state, SLA_MISSED);
    ops_view_done(&v);
    breach_agrees(&f, id, iso("2026-11-16T12:00:00Z"), true);
    fx_close(&f);
}

Test(ops_status, view_and_history_agree_on_breaches_over_time)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t a = add(&f, "a", "S1", NULL, NULL); /* due 12:00 */
    int64_t b = add(&f, "b", "S1", NULL, NULL);
    st_err err;
    breach_agrees(&f, a, iso("2026-11-16T11:59:59Z"), false);
    breach_agrees(&f, a, iso("2026-11-16T12:00:00Z"), true);
    /* Respond exactly at the due time: met, never breached. */
    set_now(&f, "2026-11-16T12:00:00Z");
    cr_assert_eq(ops_respond(f.ops, a, -1, &err), ST_OK, "%s", err.msg);
    breach_agrees(&f, a, iso("2026-11-17T00:00:00Z"), false);
    /* b: lowered before its due passes, then responded late under the new due. */
    set_now(&f, "2026-11-16T11:00:00Z");
    ops_change c;
    must_move(&f, b, OPS_DOWN, NULL, &c); /* S2 from created: due 14:00 */
    ops_change_done(&c);
    breach_agrees(&f, b, iso("2026-11-16T13:00:00Z"), false);
    set_now(&f, "2026-11-16T14:00:01Z");
    cr_assert_eq(ops_respond(f.ops, b, -1, &err), ST_OK, "%s", err.msg);
    breach_agrees(&f, b, iso("2026-11-16T15:00:00Z"), true);
    fx_close(&f);
}

/* ---- atomicity ---- */

Test(ops_atomic, failure_mid_change_leaves_no_trace)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "t", "S2", NULL, NULL);
    size_t before = audit_count(&f, 0);
    st_err err;
    store_test_fail_next_write(f.store);
    cr_assert_eq(move(&f, id, OPS_UP, NULL, "x", NULL, &err), ST_IO, "%s", err.msg);
    store_test_fail_next_write(f.store);
    cr_assert_eq(ops_respond(f.ops, id, -1, &err), ST_IO, "%s", err.msg);
    store_test_fail_next_write(f.store);
    cr_assert_eq(ops_assign(f.ops, id, "bob", -1, &err), ST_IO, "%s", err.msg);
    /* add: the insert succeeds, then the audit append fails; the insert must be undone. */
    store_test_fail_next_write(f.store);
    ops_new_ticket in = {.title = "ghost", .created = ST_TIME_NONE};
    int64_t ghost = 0;
    cr_assert_eq(ops_add(f.ops, &in, &ghost, &err), ST_IO, "%s", err.msg);

    st_ticket t = get(&f, id);
    cr_assert_str_eq(t.level, "S2");
    cr_assert_eq(t.status, TK_OPEN);
    cr_assert_null(t.assignee);
    cr_assert_eq(t.version, 1);
    ticket_done(&t);
    cr_assert_eq(audit_count(&f, 0), before);
    int64_t count = 0;
    cr_assert_eq(store_ticket_count(f.store, true, &count, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(count, 1);
    chain_verifies(&f);
    /* And the connection is usable afterwards. */
    cr_assert_eq(move(&f, id, OPS_UP, NULL, "x", NULL, &err), ST_OK, "%s", err.msg);
    chain_verifies(&f);
    fx_close(&f);
}

Test(ops_atomic, add_many_is_all_or_nothing)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    ops_new_ticket in[3] = {
        {.title = "one", .created = ST_TIME_NONE},
        {.title = "two", .level = "S9", .created = ST_TIME_NONE},
        {.title = "three", .created = ST_TIME_NONE},
    };
    int64_t first = -1, count = 0;
    st_err err;
    cr_assert_eq(ops_add_many(f.ops, in, 3, &first, &err), ST_INVALID);
    cr_assert_str_eq(err.msg, "record 2: level: unknown level 'S9' (levels: S0, S1, S2, S3)");
    cr_assert_eq(store_ticket_count(f.store, true, &count, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(count, 0);
    cr_assert_eq(audit_count(&f, 0), 1);

    in[1].level = "S0";
    in[2].title = "";
    cr_assert_eq(ops_add_many(f.ops, in, 3, &first, &err), ST_INVALID);
    cr_assert_str_eq(err.msg, "record 3: title: must not be empty");

    in[2].title = "three";
    in[0].ref = in[2].ref = "R-1";
    cr_assert_eq(ops_add_many(f.ops, in, 3, &first, &err), ST_CONFLICT);
    cr_assert(strncmp(err.msg, "record 3: ref: 'R-1'", 20) == 0, "%s", err.msg);

    in[2].ref = "R-3";
    cr_assert_eq(ops_add_many(f.ops, in, 3, &first, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(first, 1);
    cr_assert_eq(store_ticket_count(f.store, true, &count, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(count, 3);
    st_ticket t = get(&f, first + 1);
    cr_assert_str_eq(t.title, "two");
    cr_assert_str_eq(t.level, "S0");
    ticket_done(&t);
    cr_assert_eq(audit_count(&f, 0), 4);
    chain_verifies(&f);
    fx_close(&f);
}

Test(ops_atomic, import_file_names_the_file_and_record)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    char *path = xasprintf("%s/in.json", f.dir);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs("{\"title\": \"a\", \"ref\": \"X-1\"}\n\n{\"title\": \"b\", \"level\": \"S7\"}\n", fp);
    fclose(fp);
    int64_t first = 0;
    size_t n = 0;
    st_err err;
    cr_assert_eq(import_file(f.ops, path, &first, &n, &err), ST_INVALID);
    char *want = xasprintf("%s: record 2: level: unknown level 'S7' (levels: S0, S1, S2, S3)", path);
    cr_assert_str_eq(err.msg, want);
    free(want);
    fp = fopen(path, "w");
    fputs("[{\"title\": \"a\", \"ref\": \"X-1\", \"created\": \"2026-11-16T09:00:00Z\"},\n"
          " {\"title\": \"b\", \"channel\": \"email\"}]\n",
          fp);
    fclose(fp);
    cr_assert_eq(import_file(f.ops, path, &first, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 2);
    st_ticket a = get(&f, first), b = get(&f, first + 1);
    cr_assert_eq(a.due, iso("2026-11-16T17:00:00Z"));
    cr_assert_str_eq(a.ref, "X-1");
    cr_assert_str_eq(b.level, "S2");
    ticket_done(&a);
    ticket_done(&b);
    /* The same ref again: refused against the database, naming the ticket. */
    cr_assert_eq(import_file(f.ops, path, &first, &n, &err), ST_CONFLICT);
    cr_assert(strstr(err.msg, "record 1: ref: 'X-1' is already used by ticket 1") != NULL, "%s", err.msg);
    free(path);
    fx_close(&f);
}

/* ---- policy versions ---- */

static char *write_policy(fx *f, const char *json)
{
    char *path = xasprintf("%s/p2.json", f->dir);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs(json, fp);
    fclose(fp);
    return path;
}

Test(ops_policy, apply_refuses_dropping_a_used_level)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t a = add(&f, "a", "S3", NULL, NULL);
    add(&f, "b", "S1", NULL, NULL);
    int64_t c = add(&f, "c", "S3", NULL, NULL);
    int64_t d = add(&f, "d", "S3", NULL, NULL);
    st_err err;
    cr_assert_eq(ops_resolve(f.ops, d, -1, &err), ST_OK, "%s", err.msg);
    char *path = write_policy(&f, "{\"name\": \"three\", \"levels\": ["
                                  "{\"id\": \"S0\", \"response_minutes\": 30, \"clock\": \"24x7\"},"
                                  "{\"id\": \"S1\", \"response_minutes\": 60, \"clock\": \"24x7\"},"
                                  "{\"id\": \"S2\", \"response_minutes\": 90, \"clock\": \"24x7\"}]}");
    int64_t v = 0;
    cr_assert_eq(ops_policy_apply(f.ops, path, NULL, &v, &err), ST_USAGE);
    cr_assert_eq(ops_policy_apply(f.ops, path, "tighter", &v, &err), ST_CONFLICT);
    char *want = xasprintf("%s: levels: drops level 'S3' still used by open tickets %lld, %lld", path,
                           (long long)a, (long long)c);
    cr_assert_str_eq(err.msg, want);
    free(want);
    const st_policy *p = NULL;
    cr_assert_eq(ops_policy(f.ops, 0, &p, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 1);

    /* Once they are resolved (ticket d already was), the drop is allowed. */
    cr_assert_eq(ops_resolve(f.ops, a, -1, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ops_resolve(f.ops, c, -1, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ops_policy_apply(f.ops, path, "tighter", &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 2);
    free(path);
    fx_close(&f);
}

Test(ops_policy, apply_stores_a_version_and_keeps_existing_due_times)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t old = add(&f, "old", "S1", NULL, NULL); /* due 12:00 under version 1 */
    const char *v2 = "{\"name\": \"T24 v2\", \"levels\": ["
                     "{\"id\": \"S0\", \"response_minutes\": 15, \"clock\": \"24x7\"},"
                     "{\"id\": \"S1\", \"response_minutes\": 30, \"clock\": \"24x7\"},"
                     "{\"id\": \"S2\", \"response_minutes\": 45, \"clock\": \"24x7\"},"
                     "{\"id\": \"S3\", \"response_minutes\": 60, \"clock\": \"24x7\"}]}";
    char *path = write_policy(&f, v2);
    set_now(&f, "2026-11-16T10:30:00Z");
    int64_t v = 0;
    st_err err;
    cr_assert_eq(ops_policy_apply(f.ops, path, "contract renewal", &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 2);
    st_audit_entry e = last_entry(&f, 0);
    cr_assert_eq(e.kind, AU_POLICY_APPLIED);
    cr_assert_str_eq(e.reason, "contract renewal");
    char sha[65], want[128];
    cr_assert_eq(audit_sha256_hex(v2, strlen(v2), sha, NULL), ST_OK);
    snprintf(want, sizeof want, "version 2 sha256 %s", sha);
    cr_assert_str_eq(e.detail, want);
    audit_entry_done(&e);

    st_ticket t = get(&f, old);
    cr_assert_eq(t.policy_version, 1);
    cr_assert_eq(t.due, iso("2026-11-16T12:00:00Z"));
    ticket_done(&t);
    /* The old ticket re-prioritizes within its own version. */
    ops_change c;
    must_move(&f, old, OPS_DOWN, NULL, &c);
    cr_assert_eq(c.new_due, iso("2026-11-16T14:00:00Z"));
    ops_change_done(&c);
    /* New tickets use the new version. */
    int64_t nw = add(&f, "new", "S1", NULL, NULL);
    t = get(&f, nw);
    cr_assert_eq(t.policy_version, 2);
    cr_assert_eq(t.due, iso("2026-11-16T11:00:00Z"));
    ticket_done(&t);
    ops_view view;
    cr_assert_eq(ops_get_view(f.ops, old, iso("2026-11-16T10:30:00Z"), &view, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(view.policy->name, "T24");
    ops_view_done(&view);

    /* An invalid file is refused before anything is written. */
    char *bad = write_policy(&f, "{\"name\": \"x\"}");
    cr_assert_eq(ops_policy_apply(f.ops, bad, "oops", &v, &err), ST_INVALID);
    cr_assert(strstr(err.msg, bad) != NULL, "%s", err.msg);
    const st_policy *p = NULL;
    cr_assert_eq(ops_policy(f.ops, 0, &p, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 2);
    free(bad);
    free(path);
    chain_verifies(&f);
    fx_close(&f);
}

/* ---- read-only ---- */

Test(ops_read_only, every_change_is_refused)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "t", "S2", NULL, NULL);
    ops_set_read_only(f.ops, true);
    const char *msg = "read-only: changes are disabled (--read-only)";
    st_err err;
    ops_new_ticket in = {.title = "x", .created = ST_TIME_NONE};
    int64_t out = 0;
    cr_assert_eq(ops_add(f.ops, &in, &out, &err), ST_CONFLICT);
    cr_assert_str_eq(err.msg, msg);
    cr_assert_eq(ops_add_many(f.ops, &in, 1, &out, &err), ST_CONFLICT);
    cr_assert_str_eq(err.msg, msg);
    cr_assert_eq(move(&f, id, OPS_UP, NULL, "x", NULL, &err), ST_CONFLICT);
    cr_assert_str_eq(err.msg, msg);
    cr_assert_eq(ops_respond(f.ops, id, -1, &err), ST_CONFLICT);
    cr_assert_str_eq(err.msg, msg);
    cr_assert_eq(ops_resolve(f.ops, id, -1, &err), ST_CONFLICT);
    cr_assert_eq(ops_reopen(f.ops, id, "x", -1, &err), ST_CONFLICT);
    cr_assert_eq(ops_assign(f.ops, id, "ann", -1, &err), ST_CONFLICT);
    cr_assert_str_eq(err.msg, msg);
    char *path = write_policy(&f, POLICY_24X7);
    int64_t v = 0;
    cr_assert_eq(ops_policy_apply(f.ops, path, "x", &v, &err), ST_CONFLICT);
    cr_assert_str_eq(err.msg, msg);
    free(path);
    /* Reading still works, and so does the preview. */
    ops_change c;
    cr_assert_eq(ops_preview_level(f.ops, id, OPS_UP, NULL, &c, &err), ST_OK, "%s", err.msg);
    ops_change_done(&c);
    cr_assert_eq(audit_count(&f, 0), 2);
    fx_close(&f);
}

/* ---- the sticky breach: the view's formula against the history, over random histories ---- */

/* A small deterministic generator, so a failure names a reproducible seed. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void random_histories(const char *policy_json, uint64_t seed)
{
    fx f;
    fx_open(&f, policy_json, "2026-11-16T08:00:00Z");
    st_time now = iso("2026-11-16T08:00:00Z");
    int seen[2] = {0, 0};
    for (int ticket = 0; ticket < 12; ticket++) {
        int64_t id = add(&f, "random", NULL, NULL, NULL);
        for (int step = 0; step < 8; step++) {
            now += (st_time)(rng_next(&seed) % (5 * HOUR));
            clock_freeze(&f.clock, now);
            st_err err;
            switch (rng_next(&seed) % 6) {
            case 0:
            case 1:
                (void)move(&f, id, OPS_UP, NULL, "random", NULL, &err);
                break;
            case 2:
                (void)move(&f, id, OPS_DOWN, NULL, "random", NULL, &err);
                break;
            case 3:
                (void)ops_respond(f.ops, id, -1, &err);
                break;
            case 4:
                (void)ops_resolve(f.ops, id, -1, &err);
                break;
            default:
                (void)ops_reopen(f.ops, id, "random", -1, &err);
                break;
            }
            /* Refused moves are part of the game; what matters is that both derivations agree
             * at the change and later. */
            for (st_time later = 0; later <= 6 * HOUR; later += 90 * MIN) {
                bool v = view_breached(&f, id, now + later);
                bool h = history_breached(&f, id, now + later);
                cr_assert_eq(v, h, "ticket %lld step %d at +%llds: view %d, history %d", (long long)id, step,
                             (long long)later, v, h);
                seen[v]++;
            }
        }
    }
    /* Both answers must occur, or the comparison proves little. */
    cr_assert(seen[0] > 20 && seen[1] > 20, "breached %d times, not breached %d times", seen[1], seen[0]);
    chain_verifies(&f);
    fx_close(&f);
}

Test(ops_status, view_and_history_agree_on_random_histories_24x7)
{
    random_histories(POLICY_24X7, 0x9E3779B97F4A7C15ull);
}

Test(ops_status, view_and_history_agree_on_random_histories_business)
{
    char *created = xasprintf(POLICY_BUSINESS_FMT, "created");
    char *change = xasprintf(POLICY_BUSINESS_FMT, "change");
    random_histories(created, 12345);
    random_histories(change, 67890);
    free(created);
    free(change);
}

/* ---- two engineers on one database ---- */

Test(ops_level, another_connections_change_is_named)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "t", "S2", NULL, NULL);
    st_store *s2 = NULL;
    st_ops *o2 = NULL;
    st_err err;
    cr_assert_eq(store_open(f.db, STORE_OPEN_RW, &s2, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ops_new(s2, &f.clock, &o2, &err), ST_OK, "%s", err.msg);
    ops_change preview;
    cr_assert_eq(ops_preview_level(o2, id, OPS_UP, NULL, &preview, &err), ST_OK, "%s", err.msg);
    set_now(&f, "2026-11-16T10:07:00Z");
    cr_assert_eq(ops_assign(f.ops, id, "ann", 1, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ops_set_level(o2, id, OPS_UP, NULL, "from the console", preview.new_version, NULL, &err),
                 ST_CONFLICT);
    char *want =
        xasprintf("ticket %lld changed since version 1: by %s at 2026-11-16T10:07:00Z (now version 2)",
                  (long long)id, os_user());
    cr_assert_str_eq(err.msg, want);
    free(want);
    ops_change_done(&preview);
    ops_free(o2);
    store_close(s2);
    fx_close(&f);
}

/* ---- conversation and statuses (SPEC §8) ---- */

static int64_t message(fx *f, int64_t id, msg_kind kind, const char *author, const char *body)
{
    int64_t mid = 0;
    st_err err;
    cr_assert_eq(ops_message(f->ops, id, kind, author, body, strlen(body), -1, &mid, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_gt(mid, 0);
    return mid;
}

Test(ops_conversation, reply_records_first_response_note_does_not)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "t", "S1", NULL, NULL); /* due 12:00 */
    set_now(&f, "2026-11-16T10:10:00Z");
    int64_t note = message(&f, id, MSG_NOTE, NULL, "internal\nonly");
    st_ticket t = get(&f, id);
    cr_expect_eq(t.first_response, ST_TIME_NONE, "a note never stops first_response");
    ticket_done(&t);
    st_audit_entry e = last_entry(&f, id);
    cr_expect_eq(e.kind, AU_MESSAGE);
    cr_expect_eq(e.message_id, note);
    cr_expect_str_eq(e.message_kind, "note");
    char hash[65];
    st_err err;
    cr_assert_eq(audit_sha256_hex("internal\nonly", 13, hash, &err), ST_OK);
    cr_expect_str_eq(e.body_sha256, hash);
    audit_entry_done(&e);

    set_now(&f, "2026-11-16T10:20:00Z");
    message(&f, id, MSG_REPLY, NULL, "on it");
    t = get(&f, id);
    cr_expect_eq(t.first_response, iso("2026-11-16T10:20:00Z"));
    cr_expect_eq(t.response_due, iso("2026-11-16T12:00:00Z"));
    cr_expect_eq(t.status, TK_OPEN);
    ticket_done(&t);
    cr_expect_eq(ops_respond(f.ops, id, -1, &err), ST_CONFLICT, "the reply was the first response");
    message(&f, id, MSG_REPLY, NULL, "second reply");
    t = get(&f, id);
    cr_expect_eq(t.first_response, iso("2026-11-16T10:20:00Z"));
    ticket_done(&t);

    st_message *msgs = NULL;
    size_t n = 0;
    cr_assert_eq(store_message_list(f.store, id, &msgs, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(msgs[0].body, "internal\nonly", "line breaks kept");
    cr_expect_str_eq(msgs[1].author, os_user());
    for (size_t i = 0; i < n; i++)
        message_done(&msgs[i]);
    free(msgs);
    chain_verifies(&f);
    fx_close(&f);
}

Test(ops_conversation, customer_message_opens_pending_and_reopens_resolved)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    ops_new_ticket in = {.title = "t", .level = "S1", .customer = "Acme", .created = ST_TIME_NONE,
                         .body = "it broke", .body_len = 8};
    int64_t id = 0;
    st_err err;
    cr_assert_eq(ops_add(f.ops, &in, &id, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(audit_count(&f, id), 2, "created + the first customer message");
    st_audit_entry e = last_entry(&f, id);
    cr_expect_eq(e.kind, AU_MESSAGE);
    cr_expect_str_eq(e.message_kind, "customer");
    audit_entry_done(&e);

    cr_expect_eq(ops_set_status(f.ops, id, TK_PENDING, "", -1, &err), ST_USAGE);
    cr_expect_eq(ops_set_status(f.ops, id, TK_ON_HOLD, NULL, -1, &err), ST_USAGE);
    cr_expect_eq(ops_set_status(f.ops, id, TK_OPEN, NULL, -1, &err), ST_CONFLICT, "already open");
    cr_expect_eq(ops_set_status(f.ops, id, TK_RESOLVED, NULL, -1, &err), ST_USAGE);
    cr_assert_eq(ops_set_status(f.ops, id, TK_PENDING, "asked for logs", -1, &err), ST_OK, "%s", err.msg);
    e = last_entry(&f, id);
    cr_expect_eq(e.kind, AU_STATUS_CHANGED);
    cr_expect_str_eq(e.from_status, "open");
    cr_expect_str_eq(e.to_status, "pending");
    cr_expect_str_eq(e.reason, "asked for logs");
    audit_entry_done(&e);
    cr_assert_eq(ops_set_status(f.ops, id, TK_ON_HOLD, "vendor", -1, &err), ST_OK, "%s", err.msg);

    set_now(&f, "2026-11-16T11:00:00Z");
    message(&f, id, MSG_CUSTOMER, NULL, "logs attached");
    st_ticket t = get(&f, id);
    cr_expect_eq(t.status, TK_OPEN);
    ticket_done(&t);
    e = last_entry(&f, id);
    cr_expect_eq(e.kind, AU_STATUS_CHANGED);
    cr_expect_str_eq(e.from_status, "on_hold");
    cr_expect_str_eq(e.to_status, "open");
    cr_expect_str_eq(e.reason, "customer message");
    audit_entry_done(&e);

    cr_assert_eq(ops_resolve(f.ops, id, -1, &err), ST_OK, "%s", err.msg);
    e = last_entry(&f, id);
    cr_expect_str_eq(e.from_status, "open");
    cr_expect_str_eq(e.to_status, "resolved");
    audit_entry_done(&e);
    cr_expect_eq(ops_set_status(f.ops, id, TK_PENDING, "x", -1, &err), ST_CONFLICT);
    set_now(&f, "2026-11-16T12:00:00Z");
    message(&f, id, MSG_CUSTOMER, "Bob at Acme", "still broken");
    t = get(&f, id);
    cr_expect_eq(t.status, TK_OPEN);
    cr_expect_eq(t.resolved, ST_TIME_NONE);
    ticket_done(&t);
    e = last_entry(&f, id);
    cr_expect_eq(e.kind, AU_REOPENED);
    cr_expect_str_eq(e.from_status, "resolved");
    cr_expect_str_eq(e.reason, "customer message");
    audit_entry_done(&e);

    st_message *msgs = NULL;
    size_t n = 0;
    cr_assert_eq(store_message_list(f.store, id, &msgs, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(msgs[0].author, "Acme", "a customer message's author defaults to the customer");
    cr_expect_str_eq(msgs[2].author, "Bob at Acme");
    for (size_t i = 0; i < n; i++)
        message_done(&msgs[i]);
    free(msgs);
    chain_verifies(&f);
    fx_close(&f);
}

Test(ops_conversation, bodies_repaired_nul_and_oversize_refused_nothing_written)
{
    fx f;
    fx_open(&f, POLICY_24X7, "2026-11-16T10:00:00Z");
    int64_t id = add(&f, "t", "S1", NULL, NULL);
    st_err err;
    size_t before = audit_count(&f, 0);
    cr_expect_eq(ops_message(f.ops, id, MSG_NOTE, NULL, "a\0b", 3, -1, NULL, &err), ST_INVALID);
    cr_expect(strstr(err.msg, "NUL") != NULL, "%s", err.msg);
    char *big = xcalloc(MSG_BODY_MAX + 2, 1);
    memset(big, 'x', MSG_BODY_MAX + 1);
    cr_expect_eq(ops_message(f.ops, id, MSG_NOTE, NULL, big, MSG_BODY_MAX + 1, -1, NULL, &err), ST_INVALID);
    cr_expect_eq(ops_message(f.ops, id, MSG_NOTE, NULL, big, MSG_BODY_MAX, -1, NULL, &err), ST_OK, "%s",
                 err.msg);
    free(big);
    cr_expect_eq(ops_message(f.ops, id, MSG_REPLY, "someone", "x", 1, -1, NULL, &err), ST_USAGE);
    cr_expect_eq(ops_message(f.ops, 99, MSG_NOTE, NULL, "x", 1, -1, NULL, &err), ST_NOTFOUND);
    cr_expect_eq(ops_message(f.ops, id, MSG_NOTE, NULL, "x", 1, 1, NULL, &err), ST_CONFLICT, "stale version");
    cr_expect_eq(audit_count(&f, 0), before + 1);

    message(&f, id, MSG_CUSTOMER, NULL, "bad \xff\xfe utf8 \x1b[31m");
    st_message *msgs = NULL;
    size_t n = 0;
    cr_assert_eq(store_message_list(f.store, id, &msgs, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(msgs[1].body, "bad \xef\xbf\xbd\xef\xbf\xbd utf8 \x1b[31m",
                     "invalid bytes become U+FFFD; escapes are kept and filtered on output");
    cr_expect_null(msgs[1].author, "no customer on the ticket");
    for (size_t i = 0; i < n; i++)
        message_done(&msgs[i]);
    free(msgs);
    fx_close(&f);
}
