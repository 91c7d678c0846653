/* End-to-end tests of the command line (SPEC §3): the real binary in a sandboxed HOME with TZ
 * and locale pinned and --now given; output, JSON shape, error lines and exit statuses. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <pwd.h>
#include <sqlite3.h> /* the tamper test edits the file behind slatop's back */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slatop/audit.h"
#include "slatop/store.h"
#include "slatop/util.h"
#include "support_cli.h"

#define NOW "2026-11-20T10:00:00Z"

static const char *db;
static char db_locator[300];

/* The database every command here uses: a file in the sandbox, or with SLATOP_TEST_STORE set (a
 * locator prefix such as postgresql:///t_, as tests/store uses) a database of this test's own on
 * that backend (test_cli_pg runs the tests that use commands only). */
static void setup(void)
{
    const char *dir = support_sandbox();
    const char *base = getenv("SLATOP_TEST_STORE");
    if (base && *base) {
        snprintf(db_locator, sizeof db_locator, "%s%s", base, strrchr(dir, '-') ? strrchr(dir, '-') + 1 : "cli");
        db = db_locator;
    } else {
        db = support_path("t.db");
    }
}

static void cleanup(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", support_path(""));
    cr_expect(system(cmd) == 0);
}

TestSuite(cli, .init = setup, .fini = cleanup, .timeout = 60);

/* Exactly one line on stderr, prefixed "slatop: ", containing `needle`; nothing on stdout. */
static void expect_error(const support_result *r, int status, const char *needle)
{
    cr_expect_eq(r->status, status, "exit %d, expected %d (stderr: %s)", r->status, status, r->err);
    cr_expect_eq(support_count_lines(r->err), 1, "stderr has %zu lines: %s", support_count_lines(r->err), r->err);
    cr_expect(strncmp(r->err, "slatop: ", 8) == 0, "stderr: %s", r->err);
    cr_expect(r->err_len > 0 && r->err[r->err_len - 1] == '\n');
    if (needle)
        cr_expect(strstr(r->err, needle) != NULL, "stderr '%s' lacks '%s'", r->err, needle);
    cr_expect_eq(r->out_len, 0, "stdout on error: %s", r->out);
}

static void expect_ok(const support_result *r)
{
    cr_assert_eq(r->status, 0, "exit %d, stderr: %s", r->status, r->err);
    cr_expect_eq(r->err_len, 0, "stderr: %s", r->err);
}

static void init_db(const char *policy)
{
    support_result r;
    support_run(&r, "--db", db, "--now", "2026-11-01T00:00:00Z", "init", "--policy",
                support_source(policy), NULL);
    expect_ok(&r);
    support_result_done(&r);
}

static long add_ticket(const char *title, const char *level)
{
    support_result r;
    if (level)
        support_run(&r, "--db", db, "--now", NOW, "add", "--title", title, "--level", level, NULL);
    else
        support_run(&r, "--db", db, "--now", NOW, "add", "--title", title, NULL);
    expect_ok(&r);
    long id = strtol(r.out, NULL, 10);
    support_result_done(&r);
    return id;
}

static cJSON *parse_json(const support_result *r)
{
    cJSON *j = cJSON_Parse(r->out);
    cr_assert(j != NULL, "not JSON: %s", r->out);
    return j;
}

static const char *TICKET_KEYS[] = {"id",       "ref",      "title",          "customer",       "channel",
                                    "level",    "status",   "assignee",       "created",        "first_response",
                                    "resolved", "due",      "remaining_s",    "state",          "breached_ever",
                                    "policy_version", "version", NULL};
static const char *AUDIT_KEYS[] = {"seq",     "at",      "recorded_at", "actor",  "kind",      "ticket_id", "from_level",
                                   "to_level", "old_due", "new_due",    "reason", "prev_hash", "hash",      NULL};

static void expect_ticket_shape(const cJSON *t)
{
    cr_assert(cJSON_IsObject(t));
    for (size_t i = 0; TICKET_KEYS[i]; i++)
        cr_expect(cJSON_HasObjectItem(t, TICKET_KEYS[i]), "ticket lacks %s", TICKET_KEYS[i]);
    cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(t, "id")));
    cr_expect(cJSON_IsString(cJSON_GetObjectItem(t, "title")));
    cr_expect(cJSON_IsString(cJSON_GetObjectItem(t, "level")));
    cr_expect(cJSON_IsString(cJSON_GetObjectItem(t, "status")));
    cr_expect(cJSON_IsString(cJSON_GetObjectItem(t, "created")));
    cr_expect(cJSON_IsString(cJSON_GetObjectItem(t, "due")));
    cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(t, "remaining_s")));
    cr_expect(cJSON_IsString(cJSON_GetObjectItem(t, "state")));
    cr_expect(cJSON_IsBool(cJSON_GetObjectItem(t, "breached_ever")));
    cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(t, "policy_version")));
    cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(t, "version")));
    double rem = cJSON_GetObjectItem(t, "remaining_s")->valuedouble;
    cr_expect(rem == (double)(long long)rem, "remaining_s is an integer");
    const char *created = cJSON_GetObjectItem(t, "created")->valuestring;
    cr_expect(strlen(created) == 20 && created[10] == 'T' && created[19] == 'Z', "ISO UTC: %s", created);
}

static void expect_audit_shape(const cJSON *e)
{
    cr_assert(cJSON_IsObject(e));
    for (size_t i = 0; AUDIT_KEYS[i]; i++)
        cr_expect(cJSON_HasObjectItem(e, AUDIT_KEYS[i]), "audit entry lacks %s", AUDIT_KEYS[i]);
    cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(e, "seq")));
    cr_expect(cJSON_IsString(cJSON_GetObjectItem(e, "kind")));
    cr_expect(cJSON_IsString(cJSON_GetObjectItem(e, "actor")));
    cr_expect_eq(strlen(cJSON_GetObjectItem(e, "hash")->valuestring), 64);
    cr_expect_eq(strlen(cJSON_GetObjectItem(e, "prev_hash")->valuestring), 64);
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- global options and usage ------------------------------------------------------------- */

Test(cli, version_and_help)
{
    support_result r;
    support_run(&r, "--version", NULL);
    expect_ok(&r);
    cr_expect(strncmp(r.out, "slatop ", 7) == 0, "%s", r.out);
    support_result_done(&r);
    support_run(&r, "--help", NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, "set-level") && strstr(r.out, "audit verify") && strstr(r.out, "--read-only"));
    support_result_done(&r);
}

/* Issue 12: help for one command lists its options, each with its meaning, and an example; a
 * mistyped command or option gets a suggestion. */
Test(cli, help_for_a_command_and_did_you_mean)
{
    const char *const forms[][3] = {{"help", "add", NULL}, {"add", "--help", NULL}, {"add", "-h", NULL}};
    support_result r;
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        support_run(&r, forms[i][0], forms[i][1], NULL);
        expect_ok(&r);
        cr_expect(strstr(r.out, "usage: slatop add --title T"), "%s", r.out);
        cr_expect(strstr(r.out, "  --title T") && strstr(r.out, "the ticket's title (required)"), "%s", r.out);
        cr_expect(strstr(r.out, "Example:\n  slatop add --title "), "%s", r.out);
        support_result_done(&r);
    }
    support_run(&r, "-h", NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, "usage: slatop [GLOBAL OPTIONS]"), "%s", r.out);
    support_result_done(&r);
    support_run(&r, "help", NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, "usage: slatop [GLOBAL OPTIONS]"), "%s", r.out);
    support_result_done(&r);
    support_run(&r, "lsit", NULL);
    expect_error(&r, 2, "unknown command 'lsit' (did you mean 'list'?");
    support_result_done(&r);
    support_run(&r, "help", "raize", NULL);
    expect_error(&r, 2, "unknown command 'raize' (did you mean 'raise'?");
    support_result_done(&r);
    support_run(&r, "list", "--jsno", NULL);
    expect_error(&r, 2, "list: unknown option '--jsno' (did you mean '--json'?");
    support_result_done(&r);
    support_run(&r, "--verison", NULL);
    expect_error(&r, 2, "unknown option '--verison' (did you mean '--version'?");
    support_result_done(&r);
    support_run(&r, "zzzzzz", NULL);
    expect_error(&r, 2, "unknown command 'zzzzzz' (see 'slatop help')");
    support_result_done(&r);
}

Test(cli, usage_errors_exit_2_with_one_line)
{
    support_result r;
    support_run(&r, "frobnicate", NULL);
    expect_error(&r, 2, "frobnicate");
    support_result_done(&r);
    support_run(&r, "--bogus", "list", NULL);
    expect_error(&r, 2, "--bogus");
    support_result_done(&r);
    support_run(&r, "--db", db, "list", "--bogus", NULL);
    expect_error(&r, 2, "--bogus");
    support_result_done(&r);
    support_run(&r, "--now", "yesterday", "list", NULL);
    expect_error(&r, 2, NULL);
    cr_expect_str_eq(r.err, "slatop: --now: invalid time 'yesterday' (expected ISO 8601 like 2026-11-20T10:00:00Z)\n");
    support_result_done(&r);
    support_run(&r, "--db", db, "show", "abc", NULL);
    expect_error(&r, 2, "abc");
    support_result_done(&r);
    support_run(&r, "--db", db, "show", NULL);
    expect_error(&r, 2, "show");
    support_result_done(&r);
    support_run(&r, "--db", db, "add", "--title", NULL);
    expect_error(&r, 2, "--title");
    support_result_done(&r);
    support_run(&r, "--max-frames", "x", "list", NULL);
    expect_error(&r, 2, "--max-frames");
    support_result_done(&r);
}

Test(cli, missing_database_is_refused)
{
    support_result r;
    support_run(&r, "--db", db, "list", NULL);
    expect_error(&r, 1, db);
    support_result_done(&r);
    struct stat st;
    cr_expect(stat(db, &st) != 0, "a read command created the database");
}

Test(cli, init_refuses_existing_and_bad_policy)
{
    init_db("share/policies/chatti.json");
    support_result r;
    support_run(&r, "--db", db, "init", "--policy", support_source("share/policies/chatti.json"), NULL);
    expect_error(&r, 1, db);
    support_result_done(&r);
    const char *bad = support_path("bad.json");
    const char *txt = "{\"name\": \"X\", \"levels\": [{\"id\": \"A\", \"response_minutes\": 10, \"clock\": \"fortnightly\"}]}";
    support_write_file(bad, txt, strlen(txt));
    const char *db2 = support_path("t2.db");
    support_run(&r, "--db", db2, "init", "--policy", bad, NULL);
    expect_error(&r, 1, "clock");
    support_result_done(&r);
    struct stat st;
    cr_expect(stat(db2, &st) != 0, "a refused init left a database behind");
    support_run(&r, "--db", db2, "init", NULL);
    expect_error(&r, 2, "--policy");
    support_result_done(&r);
}

/* ---- add, list, show ---------------------------------------------------------------------- */

Test(cli, add_prints_the_id_alone_and_accepts_opt_equals_value)
{
    init_db("share/policies/chatti.json");
    support_result r;
    support_run(&r, "--db", db, "--now", NOW, "add", "--title", "First", "--level", "HIGH", NULL);
    expect_ok(&r);
    cr_expect_str_eq(r.out, "1\n");
    support_result_done(&r);
    support_run(&r, "--db=" "/nonexistent-ignored", "--db", db, "--now=" NOW, "add", "--title=Second", "--channel=email",
                "--customer=Acme", "--ref=R-2", "--created=2026-11-20T09:00:00Z", NULL);
    expect_ok(&r);
    cr_expect_str_eq(r.out, "2\n");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "show", "2", "--json", NULL);
    expect_ok(&r);
    cJSON *j = parse_json(&r);
    cr_expect_str_eq(str(j, "level"), "NORMAL"); /* email channel default */
    cr_expect_str_eq(str(j, "customer"), "Acme");
    cr_expect_str_eq(str(j, "ref"), "R-2");
    cr_expect_str_eq(str(j, "created"), "2026-11-20T09:00:00Z");
    cJSON_Delete(j);
    support_result_done(&r);
    /* lowest level when no channel default */
    long id = add_ticket("Third", NULL);
    cr_expect_eq(id, 3);
    support_run(&r, "--db", db, "--now", NOW, "show", "3", "--json", NULL);
    j = parse_json(&r);
    cr_expect_str_eq(str(j, "level"), "LOW");
    cJSON_Delete(j);
    support_result_done(&r);
}

Test(cli, add_refusals)
{
    init_db("share/policies/chatti.json");
    support_result r;
    support_run(&r, "--db", db, "--now", NOW, "add", "--title", "x", "--level", "S9", NULL);
    expect_error(&r, 1, "S9");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "add", "--level", "LOW", NULL);
    expect_error(&r, 2, "--title");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "add", "--title", "x", "--created", "20/11/2026", NULL);
    expect_error(&r, 2, "--created");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "add", "--title", "x", "--ref", "R1", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "add", "--title", "y", "--ref", "R1", NULL);
    expect_error(&r, 1, "R1");
    support_result_done(&r);
}

Test(cli, list_json_shape_and_order)
{
    init_db("share/policies/chatti.json");
    add_ticket("low one", "LOW");
    add_ticket("urgent one", "URGENT");
    add_ticket("high one", "HIGH");
    support_result r;
    support_run(&r, "--db", db, "--now", "2026-11-20T10:10:00Z", "list", "--json", NULL);
    expect_ok(&r);
    cJSON *j = parse_json(&r);
    cr_assert(cJSON_IsArray(j));
    cr_assert_eq(cJSON_GetArraySize(j), 3);
    for (int i = 0; i < 3; i++)
        expect_ticket_shape(cJSON_GetArrayItem(j, i));
    const cJSON *first = cJSON_GetArrayItem(j, 0);
    cr_expect_str_eq(str(first, "title"), "urgent one");
    cr_expect_str_eq(str(first, "due"), "2026-11-20T10:30:00Z");
    cr_expect_eq(cJSON_GetObjectItem(first, "remaining_s")->valueint, 1200);
    cr_expect_str_eq(str(first, "state"), "ok");
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(first, "ref")));
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(first, "first_response")));
    cr_expect_str_eq(str(cJSON_GetArrayItem(j, 1), "title"), "high one");
    cr_expect_str_eq(str(cJSON_GetArrayItem(j, 2), "title"), "low one");
    cJSON_Delete(j);
    support_result_done(&r);

    /* overdue: negative remaining, breached */
    support_run(&r, "--db", db, "--now", "2026-11-20T11:00:00Z", "list", "--json", NULL);
    j = parse_json(&r);
    first = cJSON_GetArrayItem(j, 0);
    cr_expect_str_eq(str(first, "state"), "breached");
    cr_expect_eq(cJSON_GetObjectItem(first, "remaining_s")->valueint, -1800);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(first, "breached_ever")));
    cJSON_Delete(j);
    support_result_done(&r);
}

/* Issue 12: list's filters for scripts; each bad value is refused listing the valid ones. */
Test(cli, list_filters_sort_and_limit)
{
    init_db("share/policies/chatti.json");
    add_ticket("low one", "LOW");
    add_ticket("urgent one", "URGENT");
    add_ticket("high one", "HIGH");
    add_ticket("urgent two", "URGENT");
    support_result r;
    support_run(&r, "--db", db, "--now", NOW, "respond", "4", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "resolve", "1", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "set-status", "3", "pending", "--reason", "asked for logs", NULL);
    expect_ok(&r);
    support_result_done(&r);
    const char *const at = "2026-11-20T10:10:00Z";
    const struct {
        const char *opt[6];
        const char *titles; /* in order, joined by '|' */
    } cases[] = {
        {{"--level", "URGENT"}, "urgent one|urgent two"},
        {{"--status", "open"}, "urgent one|urgent two"},
        {{"--status", "resolved"}, "low one"},
        {{"--status", "pending", "--level", "HIGH"}, "high one"},
        {{"--state", "ok", "--sort", "created"}, "urgent one|high one"},
        {{"--state", "met"}, "urgent two"},
        {{"--sort", "created"}, "urgent one|high one|urgent two"},
        {{"--sort", "created", "--limit", "2"}, "urgent one|high one"},
        {{"--all", "--sort", "created", "--limit", "1"}, "low one"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        support_run(&r, "--db", db, "--now", at, "list", "--json", cases[i].opt[0], cases[i].opt[1], cases[i].opt[2],
                    cases[i].opt[3], cases[i].opt[4], cases[i].opt[5], NULL);
        expect_ok(&r);
        cJSON *j = parse_json(&r);
        strbuf got;
        sb_init(&got);
        for (int k = 0; k < cJSON_GetArraySize(j); k++)
            sb_printf(&got, "%s%s", k ? "|" : "", str(cJSON_GetArrayItem(j, k), "title"));
        cr_expect_str_eq(got.buf, cases[i].titles, "case %zu (%s %s)", i, cases[i].opt[0], cases[i].opt[1]);
        sb_done(&got);
        cJSON_Delete(j);
        support_result_done(&r);
    }
    const struct {
        const char *opt, *val, *msg;
    } bad[] = {
        {"--status", "closed", "--status 'closed': expected one of open, pending, on_hold, resolved"},
        {"--level", "P1", "--level 'P1': expected one of URGENT, HIGH, NORMAL, LOW"},
        {"--state", "late", "--state 'late': expected one of ok, warn, paused, breached, met, missed"},
        {"--sort", "due", "--sort 'due': expected one of urgency, level, created, customer"},
        {"--limit", "0", "--limit '0': expected a positive integer"},
        {"--limit", "2x", "--limit '2x': expected a positive integer"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        support_run(&r, "--db", db, "--now", at, "list", bad[i].opt, bad[i].val, NULL);
        expect_error(&r, 2, bad[i].msg);
        support_result_done(&r);
    }
}

Test(cli, list_text_columns_and_all)
{
    init_db("share/policies/chatti.json");
    add_ticket("urgent one", "URGENT");
    add_ticket("high one", "HIGH");
    support_result r;
    support_run(&r, "--db", db, "--now", "2026-11-20T10:40:00Z", "list", NULL);
    expect_ok(&r);
    cr_expect_eq(support_count_lines(r.out), 3, "%s", r.out); /* header + 2 */
    const char *nl = strchr(r.out, '\n');
    cr_assert(nl != NULL, "%s", r.out);
    const char *l1 = nl + 1;
    cr_expect(strncmp(l1, "URGENT", 6) == 0, "%s", r.out);
    cr_expect(strstr(l1, "-0:10:00") != NULL, "overdue countdown: %s", r.out);
    cr_expect(strstr(l1, "breached") != NULL);
    cr_expect(strstr(r.out, "1:20:00") != NULL, "%s", r.out);
    support_result_done(&r);
    /* resolved tickets only with --all */
    support_run(&r, "--db", db, "--now", "2026-11-20T10:41:00Z", "resolve", "2", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:42:00Z", "list", "--json", NULL);
    cJSON *j = parse_json(&r);
    cr_expect_eq(cJSON_GetArraySize(j), 1);
    cJSON_Delete(j);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:42:00Z", "list", "--json", "--all", NULL);
    j = parse_json(&r);
    cr_expect_eq(cJSON_GetArraySize(j), 2);
    const cJSON *res = cJSON_GetArrayItem(j, 1);
    cr_expect_str_eq(str(res, "status"), "resolved");
    cr_expect_str_eq(str(res, "resolved"), "2026-11-20T10:41:00Z");
    cr_expect_str_eq(str(res, "first_response"), "2026-11-20T10:41:00Z");
    cr_expect_str_eq(str(res, "state"), "met");
    cJSON_Delete(j);
    support_result_done(&r);
}

Test(cli, show_json_history_and_explain)
{
    init_db("share/policies/chatti.json");
    support_result r;
    /* Friday 16:00 London: NORMAL (480 business minutes) runs over the weekend. */
    support_run(&r, "--db", db, "--now", "2026-11-20T16:00:00Z", "add", "--title", "t", "--level", "NORMAL",
                "--created", "2026-11-20T16:00:00Z", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-21T12:00:00Z", "show", "1", "--json", "--explain", NULL);
    expect_ok(&r);
    cJSON *j = parse_json(&r);
    expect_ticket_shape(j);
    cr_expect_str_eq(str(j, "due"), "2026-11-23T15:30:00Z");
    cr_expect_str_eq(str(j, "state"), "paused");
    cr_expect_eq(cJSON_GetObjectItem(j, "remaining_s")->valueint, 6 * 3600 + 1800);
    const cJSON *h = cJSON_GetObjectItem(j, "history");
    cr_assert(cJSON_IsArray(h));
    cr_assert_eq(cJSON_GetArraySize(h), 1);
    expect_audit_shape(cJSON_GetArrayItem(h, 0));
    cr_expect_str_eq(str(cJSON_GetArrayItem(h, 0), "kind"), "created");
    const cJSON *ex = cJSON_GetObjectItem(j, "explain");
    cr_assert(cJSON_IsArray(ex));
    cr_assert(cJSON_GetArraySize(ex) >= 3);
    long total = 0;
    bool closed = false;
    const cJSON *seg;
    cJSON_ArrayForEach(seg, ex)
    {
        cr_expect(cJSON_IsString(cJSON_GetObjectItem(seg, "start")));
        cr_expect(cJSON_IsString(cJSON_GetObjectItem(seg, "end")));
        cr_expect(cJSON_IsString(cJSON_GetObjectItem(seg, "kind")));
        cr_expect(cJSON_IsString(cJSON_GetObjectItem(seg, "rule")));
        cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(seg, "counted_s")));
        total += (long)cJSON_GetObjectItem(seg, "counted_s")->valuedouble;
        closed |= strcmp(str(seg, "kind"), "closed") == 0;
    }
    cr_expect_eq(total, 480 * 60);
    cr_expect(closed, "the weekend shows as closed");
    cJSON_Delete(j);
    support_result_done(&r);

    /* without --explain: no explain key */
    support_run(&r, "--db", db, "--now", "2026-11-21T12:00:00Z", "show", "1", "--json", NULL);
    j = parse_json(&r);
    cr_expect(!cJSON_HasObjectItem(j, "explain"));
    cr_expect(cJSON_HasObjectItem(j, "history"));
    cJSON_Delete(j);
    support_result_done(&r);

    /* text: both zones, history and ledger */
    setenv("TZ", "America/New_York", 1);
    support_run(&r, "--db", db, "--now", "2026-11-21T12:00:00Z", "show", "1", "--explain", NULL);
    setenv("TZ", "UTC", 1);
    expect_ok(&r);
    cr_expect(strstr(r.out, "2026-11-23 15:30:00 GMT") != NULL, "business zone: %s", r.out);
    cr_expect(strstr(r.out, "2026-11-23 10:30:00 EST") != NULL, "display zone: %s", r.out);
    cr_expect(strstr(r.out, "paused") != NULL);
    cr_expect(strstr(r.out, "created") != NULL);
    cr_expect(strstr(r.out, "closed") != NULL, "ledger: %s", r.out);
    support_result_done(&r);

    support_run(&r, "--db", db, "show", "42", NULL);
    expect_error(&r, 1, "42");
    support_result_done(&r);
}

/* ---- changes ------------------------------------------------------------------------------ */

Test(cli, reprioritize_and_stale_version)
{
    init_db("share/policies/chatti.json");
    add_ticket("t", "NORMAL");
    support_result r;
    support_run(&r, "--db", db, "--now", "2026-11-20T10:05:00Z", "raise", "1", NULL);
    expect_error(&r, 2, "--reason");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:05:00Z", "raise", "1", "--reason", "", NULL);
    expect_error(&r, 2, "--reason");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:05:00Z", "raise", "1", "--reason", "customer escalated",
                "--expect-version", "1", NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, "HIGH") != NULL, "%s", r.out);
    support_result_done(&r);
    /* a second change against version 1 is stale: refused naming who changed it */
    support_run(&r, "--db", db, "--now", "2026-11-20T10:06:00Z", "raise", "1", "--reason", "again",
                "--expect-version", "1", NULL);
    struct passwd *pw = getpwuid(getuid());
    expect_error(&r, 1, pw ? pw->pw_name : "changed");
    cr_expect(strstr(r.err, "version") != NULL);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:06:00Z", "raise", "1", "--reason", "again",
                "--expect-version", "two", NULL);
    expect_error(&r, 2, "--expect-version");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:07:00Z", "set-level", "1", "URGENT", "--reason", "top", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:07:00Z", "raise", "1", "--reason", "above top", NULL);
    expect_error(&r, 1, NULL);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:08:00Z", "set-level", "1", "--reason", "x", NULL);
    expect_error(&r, 2, "LEVEL");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:08:00Z", "set-level", "1", "S7", "--reason", "x", NULL);
    expect_error(&r, 1, "S7");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:09:00Z", "lower", "1", "--reason", "down", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:10:00Z", "audit", "1", "--json", NULL);
    expect_ok(&r);
    cJSON *j = parse_json(&r);
    cr_assert_eq(cJSON_GetArraySize(j), 4); /* created, raise, set-level, lower */
    const cJSON *e = cJSON_GetArrayItem(j, 1);
    expect_audit_shape(e);
    cr_expect_str_eq(str(e, "kind"), "reprioritized");
    cr_expect_str_eq(str(e, "from_level"), "NORMAL");
    cr_expect_str_eq(str(e, "to_level"), "HIGH");
    cr_expect_str_eq(str(e, "reason"), "customer escalated");
    cr_expect_str_eq(str(e, "at"), "2026-11-20T10:05:00Z");
    cr_expect_str_eq(str(e, "new_due"), "2026-11-20T12:00:00Z");
    cJSON_Delete(j);
    support_result_done(&r);
}

Test(cli, status_changes)
{
    init_db("share/policies/chatti.json");
    add_ticket("t", "HIGH");
    support_result r;
    support_run(&r, "--db", db, "--now", "2026-11-20T10:30:00Z", "respond", "1", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:31:00Z", "assign", "1", NULL);
    expect_error(&r, 2, "--to");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:31:00Z", "assign", "1", "--to", "alice", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:32:00Z", "resolve", "1", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:33:00Z", "resolve", "1", NULL);
    expect_error(&r, 1, "1");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:33:00Z", "raise", "1", "--reason", "x", NULL);
    expect_error(&r, 1, NULL);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:34:00Z", "reopen", "1", NULL);
    expect_error(&r, 2, "--reason");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:34:00Z", "reopen", "1", "--reason", "came back", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:35:00Z", "show", "1", "--json", NULL);
    cJSON *j = parse_json(&r);
    cr_expect_str_eq(str(j, "status"), "open");
    cr_expect_str_eq(str(j, "assignee"), "alice");
    cr_expect_str_eq(str(j, "first_response"), "2026-11-20T10:30:00Z");
    cr_expect_str_eq(str(j, "state"), "met");
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(j, "resolved")));
    const cJSON *h = cJSON_GetObjectItem(j, "history");
    const char *kinds[] = {"created", "responded", "assigned", "resolved", "reopened"};
    cr_assert_eq(cJSON_GetArraySize(h), 5);
    for (int i = 0; i < 5; i++)
        cr_expect_str_eq(str(cJSON_GetArrayItem(h, i), "kind"), kinds[i]);
    cJSON_Delete(j);
    support_result_done(&r);
    support_run(&r, "--db", db, "respond", "9", NULL);
    expect_error(&r, 1, "9");
    support_result_done(&r);
}

Test(cli, read_only_refuses_changes)
{
    init_db("share/policies/chatti.json");
    add_ticket("t", "HIGH");
    const char *cmds[][6] = {
        {"add", "--title", "x", NULL},
        {"raise", "1", "--reason", "r", NULL},
        {"respond", "1", NULL},
        {"assign", "1", "--to", "bob", NULL},
        {"policy", "apply", "share/policies/chatti.json", "--reason", "r", NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *argv[12] = {"--db", db, "--read-only", "--now", NOW};
        size_t n = 5;
        for (size_t k = 0; cmds[i][k]; k++)
            argv[n++] = cmds[i][k];
        argv[n] = NULL;
        support_result r;
        support_run_argv(&r, NULL, argv);
        expect_error(&r, 1, "read-only");
        support_result_done(&r);
    }
    support_result r;
    support_run(&r, "--db", db, "--read-only", "--now", NOW, "list", "--json", NULL);
    expect_ok(&r);
    cJSON *j = parse_json(&r);
    cr_expect_eq(cJSON_GetArraySize(j), 1);
    cr_expect_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "version")->valueint, 1);
    cJSON_Delete(j);
    support_result_done(&r);
}

/* ---- due ---------------------------------------------------------------------------------- */

static void expect_due(const char *policy, const char *level, const char *created, const char *due)
{
    support_result r;
    support_run(&r, "due", "--policy", support_source(policy), "--level", level, "--created", created, NULL);
    expect_ok(&r);
    char want[64];
    snprintf(want, sizeof want, "%s\n", due);
    cr_expect_str_eq(r.out, want, "%s %s created %s", policy, level, created);
    support_result_done(&r);
}

Test(cli, due_hand_computed)
{
    const char *C = "share/policies/chatti.json", *H = "share/policies/haptik.json";
    expect_due(C, "URGENT", "2026-11-20T10:00:00Z", "2026-11-20T10:30:00Z");
    expect_due(C, "HIGH", "2026-11-21T23:30:00Z", "2026-11-22T01:30:00Z");
    /* Friday 16:00 GMT: 1h30 on Friday, 6h30 from Monday 09:00 */
    expect_due(C, "NORMAL", "2026-11-20T16:00:00Z", "2026-11-23T15:30:00Z");
    /* Christmas Eve noon: 5h30 Thu; 25th and 28th holidays; weekend; 8h30 Tue, 8h30 Wed, 1h30 Thu */
    expect_due(C, "LOW", "2026-12-24T12:00:00Z", "2026-12-31T10:30:00Z");
    /* summer time: 09:00 BST is 08:00Z */
    expect_due(C, "NORMAL", "2026-07-01T07:00:00Z", "2026-07-01T16:00:00Z");
    /* Kolkata +05:30, Mon-Fri 10:00-19:00 */
    expect_due(H, "S0", "2026-01-26T00:00:00Z", "2026-01-26T01:00:00Z");
    expect_due(H, "S1", "2026-11-20T12:00:00Z", "2026-11-20T13:00:00Z");
    expect_due(H, "S2", "2026-11-20T12:00:00Z", "2026-11-23T07:00:00Z");
    /* Republic Day holiday: starts Tuesday 10:00 IST */
    expect_due(H, "S3", "2026-01-26T05:00:00Z", "2026-01-27T08:30:00Z");
    /* offsets and fractions in the input */
    expect_due(C, "URGENT", "2026-11-20T11:00:00.999+01:00", "2026-11-20T10:30:00Z");

    /* --policy opens no database: nothing created in the sandbox */
    struct stat st;
    cr_expect(stat(support_path("data/slatop/slatop.db"), &st) != 0);
    cr_expect(stat(support_path("data/slatop"), &st) != 0);

    support_result r;
    support_run(&r, "due", "--policy", support_source(C), "--level", "HIGH", "--created", "2026-11-20T10:00:00Z",
                "--json", NULL);
    expect_ok(&r);
    cJSON *j = parse_json(&r);
    cr_expect_str_eq(str(j, "due"), "2026-11-20T12:00:00Z");
    cr_expect_str_eq(str(j, "level"), "HIGH");
    cJSON_Delete(j);
    support_result_done(&r);
    support_run(&r, "due", "--policy", support_source(C), "--level", "S0", "--created", "2026-11-20T10:00:00Z", NULL);
    expect_error(&r, 1, "S0");
    support_result_done(&r);
    support_run(&r, "due", "--policy", support_source(C), "--level", "LOW", "--created", "soon", NULL);
    expect_error(&r, 2, "--created");
    support_result_done(&r);
    support_run(&r, "due", "--policy", support_source(C), "--created", "2026-11-20T10:00:00Z", NULL);
    expect_error(&r, 2, "--level");
    support_result_done(&r);
    support_run(&r, "due", "--policy", support_path("nope.json"), "--level", "LOW", "--created",
                "2026-11-20T10:00:00Z", NULL);
    expect_error(&r, 1, "nope.json");
    support_result_done(&r);
    /* without --policy: the database's policy */
    init_db(H);
    support_run(&r, "--db", db, "due", "--level", "S2", "--created", "2026-11-20T12:00:00Z", NULL);
    expect_ok(&r);
    cr_expect_str_eq(r.out, "2026-11-23T07:00:00Z\n");
    support_result_done(&r);
}

/* ---- hostile text ------------------------------------------------------------------------- */

#define HOSTILE "A\x1b[31mred\x1b]0;pwned\x07 \xc2\x9b" "2J \x9b x \xe2\x80\xae" "bidi \xe2\x80\x8bzw \x7f del \xff\xfe end"

/* Runs `--db db --now NOW` followed by view (NULL-terminated, at most 6 words). */
static void run_view(support_result *r, const char *const *view)
{
    const char *argv[12] = {"--db", db, "--now", NOW};
    size_t n = 4;
    for (size_t k = 0; view[k] && n < 11; k++)
        argv[n++] = view[k];
    argv[n] = NULL;
    support_run_argv(r, NULL, argv);
}

static void expect_safe(const support_result *r, const char *what)
{
    size_t where = 0;
    cr_expect(!support_has_unsafe_bytes(r->out, r->out_len, &where), "%s: unsafe byte 0x%02x at %zu", what,
              where < r->out_len ? (unsigned char)r->out[where] : 0, where);
}

Test(cli, hostile_text_is_escaped_everywhere)
{
    init_db("share/policies/chatti.json");
    support_result r;
    support_run(&r, "--db", db, "--now", NOW, "add", "--title", HOSTILE, "--customer", HOSTILE, "--ref", "R\x1b",
                NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "raise", "1", "--reason", HOSTILE, NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "assign", "1", "--to", HOSTILE, NULL);
    expect_ok(&r);
    expect_safe(&r, "assign");
    support_result_done(&r);

    const char *views[][4] = {{"list", "--json", NULL},          {"list", NULL},
                              {"show", "1", "--json", NULL},     {"show", "1", "--explain", NULL},
                              {"audit", "--json", NULL},         {"audit", NULL},
                              {"audit", "export", "--format=csv", NULL}, {"audit", "export", "--format=json", NULL}};
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
        run_view(&r, views[i]);
        expect_ok(&r);
        expect_safe(&r, views[i][0]);
        if (strstr(views[i][1] ? views[i][1] : "", "json") || (views[i][2] && strstr(views[i][2], "json"))) {
            cJSON *j = parse_json(&r);
            cJSON_Delete(j);
            cr_expect(strstr(r.out, "\\u001b") != NULL, "ESC escaped: %s", r.out);
            cr_expect(strstr(r.out, "\\u009b") != NULL, "C1 CSI escaped");
            cr_expect(strstr(r.out, "\\u202e") != NULL || strstr(r.out, "\\u202E") != NULL, "bidi escaped");
            cr_expect(strstr(r.out, "\\u200b") != NULL || strstr(r.out, "\\u200B") != NULL, "zero-width escaped");
            cr_expect(strstr(r.out, "\\u007f") != NULL || strstr(r.out, "\\u007F") != NULL, "DEL escaped");
        } else {
            cr_expect(strstr(r.out, "\xe2\x90\x9b") != NULL, "%s: ESC shown as a placeholder: %s", views[i][0], r.out);
            cr_expect(strstr(r.out, "\xef\xbf\xbd") != NULL, "invalid bytes shown as U+FFFD");
        }
        support_result_done(&r);
    }
    /* the JSON round-trips the valid characters of the title */
    support_run(&r, "--db", db, "--now", NOW, "show", "1", "--json", NULL);
    cJSON *j = parse_json(&r);
    const char *title = str(j, "title");
    cr_assert(title);
    cr_expect(strncmp(title, "A\x1b[31mred", 8) == 0);
    cr_expect(strstr(title, "\xe2\x80\xae") != NULL);
    cJSON_Delete(j);
    support_result_done(&r);

    /* a non-UTF-8 locale gets pure ASCII text */
    setenv("LC_ALL", "C", 1);
    support_run(&r, "--db", db, "--now", NOW, "list", NULL);
    setenv("LC_ALL", "C.UTF-8", 1);
    expect_ok(&r);
    for (size_t i = 0; i < r.out_len; i++)
        cr_assert((unsigned char)r.out[i] < 0x7f && ((unsigned char)r.out[i] >= 0x20 || r.out[i] == '\n'),
                  "byte 0x%02x at %zu in ASCII mode", (unsigned char)r.out[i], i);
    support_result_done(&r);

    /* error messages quoting hostile input stay one safe line */
    support_run(&r, "--db", db, "show", "1\x1b[2J\n2", NULL);
    expect_error(&r, 2, NULL);
    cr_expect(!support_has_unsafe_bytes(r.err, r.err_len, NULL), "stderr: %s", r.err);
    support_result_done(&r);
}

/* ---- import ------------------------------------------------------------------------------- */

Test(cli, import_all_or_nothing)
{
    init_db("share/policies/chatti.json");
    const char *good = support_path("good.json");
    const char *g = "[{\"title\": \"one\", \"level\": \"HIGH\", \"ref\": \"I-1\"},"
                    " {\"title\": \"two\", \"channel\": \"email\", \"created\": \"2026-11-20T09:00:00Z\"}]";
    support_write_file(good, g, strlen(g));
    support_result r;
    support_run(&r, "--db", db, "--now", NOW, "import", good, NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, "2") != NULL, "%s", r.out);
    support_result_done(&r);

    const char *bad = support_path("bad.jsonl");
    const char *b = "{\"title\": \"three\"}\n{\"title\": \"four\", \"level\": \"S9\"}\n";
    support_write_file(bad, b, strlen(b));
    support_run(&r, "--db", db, "--now", NOW, "import", bad, NULL);
    expect_error(&r, 1, "record 2");
    support_result_done(&r);

    const char *dup = support_path("dup.jsonl");
    const char *d = "{\"title\": \"five\"}\n{\"title\": \"six\", \"ref\": \"I-1\"}\n";
    support_write_file(dup, d, strlen(d));
    support_run(&r, "--db", db, "--now", NOW, "import", dup, NULL);
    expect_error(&r, 1, "I-1");
    support_result_done(&r);

    support_run(&r, "--db", db, "--now", NOW, "list", "--json", NULL);
    cJSON *j = parse_json(&r);
    cr_expect_eq(cJSON_GetArraySize(j), 2, "failed imports added nothing");
    cJSON_Delete(j);
    support_result_done(&r);

    support_run(&r, "--db", db, "import", NULL);
    expect_error(&r, 2, "import");
    support_result_done(&r);
    support_run(&r, "--db", db, "import", support_path("missing.json"), NULL);
    expect_error(&r, 1, "missing.json");
    support_result_done(&r);
}

/* ---- audit -------------------------------------------------------------------------------- */

Test(cli, audit_verify_head_anchor_export)
{
    init_db("share/policies/chatti.json");
    add_ticket("a", "HIGH");
    add_ticket("b", "LOW");
    support_result r;
    support_run(&r, "--db", db, "audit", "head", NULL);
    expect_ok(&r);
    cr_assert_eq(support_count_lines(r.out), 1);
    cr_expect(strncmp(r.out, "3:", 2) == 0, "%s", r.out);
    cr_expect_eq(strlen(r.out), 2 + 64 + 1);
    char anchor[80];
    snprintf(anchor, sizeof anchor, "%.*s", (int)(r.out_len - 1), r.out);
    support_result_done(&r);

    support_run(&r, "--db", db, "audit", "verify", NULL);
    expect_ok(&r);
    char want[200];
    snprintf(want, sizeof want, "ok: 3 entries verified (head %s)\n", anchor);
    cr_expect_str_eq(r.out, want);
    support_result_done(&r);

    add_ticket("c", "LOW");
    support_run(&r, "--db", db, "audit", "verify", "--anchor", anchor, NULL);
    expect_ok(&r);
    cr_expect(strncmp(r.out, "ok: 4 entries verified (head 4:", 31) == 0, "%s", r.out);
    cr_expect_eq(support_count_lines(r.out), 1);
    support_result_done(&r);

    char wrong[80];
    snprintf(wrong, sizeof wrong, "3:%064d", 0);
    support_run(&r, "--db", db, "audit", "verify", "--anchor", wrong, NULL);
    expect_error(&r, 1, "anchor");
    support_result_done(&r);
    support_run(&r, "--db", db, "audit", "verify", "--anchor", "banana", NULL);
    expect_error(&r, 2, NULL);
    support_result_done(&r);

    support_run(&r, "--db", db, "audit", "--json", NULL);
    expect_ok(&r);
    cJSON *j = parse_json(&r);
    cr_assert_eq(cJSON_GetArraySize(j), 4);
    for (int i = 0; i < 4; i++) {
        const cJSON *e = cJSON_GetArrayItem(j, i);
        expect_audit_shape(e);
        cr_expect_eq(cJSON_GetObjectItem(e, "seq")->valueint, i + 1);
        if (i > 0)
            cr_expect_str_eq(str(e, "prev_hash"), str(cJSON_GetArrayItem(j, i - 1), "hash"));
    }
    cr_expect_str_eq(str(cJSON_GetArrayItem(j, 0), "kind"), "policy_applied");
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "ticket_id")));
    support_result_done(&r);

    support_run(&r, "--db", db, "audit", "export", "--format", "json", NULL);
    expect_ok(&r);
    cJSON *j2 = parse_json(&r);
    cr_expect_eq(cJSON_GetArraySize(j2), 4);
    cJSON_Delete(j2);
    cJSON_Delete(j);
    support_result_done(&r);

    support_run(&r, "--db", db, "audit", "export", "--format", "csv", NULL);
    expect_ok(&r);
    cr_expect_eq(support_count_lines(r.out), 5);
    cr_expect(strncmp(r.out, "seq,at,recorded_at,actor,kind,ticket_id,", 40) == 0, "%s", r.out);
    support_result_done(&r);

    support_run(&r, "--db", db, "audit", "export", NULL);
    expect_error(&r, 2, "--format");
    support_result_done(&r);
    support_run(&r, "--db", db, "audit", "export", "--format", "xml", NULL);
    expect_error(&r, 2, "xml");
    support_result_done(&r);
    support_run(&r, "--db", db, "audit", "7", NULL);
    expect_error(&r, 1, "7");
    support_result_done(&r);
    support_run(&r, "--db", db, "audit", "bogus", NULL);
    expect_error(&r, 2, "bogus");
    support_result_done(&r);

    support_run(&r, "--db", db, "audit", NULL);
    expect_ok(&r);
    cr_expect_eq(support_count_lines(r.out), 4);
    support_result_done(&r);
}

/* ---- policy ------------------------------------------------------------------------------- */

Test(cli, policy_show_and_apply)
{
    init_db("share/policies/chatti.json");
    support_result r;
    support_run(&r, "--db", db, "policy", "show", NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, "Chatti") && strstr(r.out, "URGENT") && strstr(r.out, "Europe/London") &&
                  strstr(r.out, "2026-12-25") && strstr(r.out, "email"),
              "%s", r.out);
    support_result_done(&r);
    support_run(&r, "--db", db, "policy", "show", "--json", NULL);
    expect_ok(&r);
    cJSON *j = parse_json(&r);
    cr_expect_eq(cJSON_GetObjectItem(j, "version")->valueint, 1);
    cr_expect_str_eq(str(j, "name"), "Chatti");
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "levels")), 4);
    cr_expect(strstr(r.out, "\"target_percent\":99.99,") != NULL, "shortest number form: %s", r.out);
    cJSON_Delete(j);
    support_result_done(&r);

    support_run(&r, "--db", db, "policy", "apply", support_source("share/policies/chatti.json"), NULL);
    expect_error(&r, 2, "--reason");
    support_result_done(&r);
    support_run(&r, "--db", db, "policy", "apply", support_source("share/policies/chatti.json"), "--reason",
                "targets reviewed", NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, "2") != NULL, "%s", r.out);
    support_result_done(&r);
    support_run(&r, "--db", db, "policy", "show", "--json", NULL);
    j = parse_json(&r);
    cr_expect_eq(cJSON_GetObjectItem(j, "version")->valueint, 2);
    cJSON_Delete(j);
    support_result_done(&r);

    /* a new version may not drop a level an open ticket uses */
    add_ticket("t", "URGENT");
    support_run(&r, "--db", db, "policy", "apply", support_source("share/policies/haptik.json"), "--reason", "switch",
                NULL);
    expect_error(&r, 1, "1");
    support_result_done(&r);
    support_run(&r, "--db", db, "policy", "frob", NULL);
    expect_error(&r, 2, "frob");
    support_result_done(&r);
}

/* ---- demo --------------------------------------------------------------------------------- */

Test(cli, demo_builds_every_state_and_replaces_only_itself)
{
    support_result r;
    support_run(&r, "--now", NOW, "--demo", NULL);
    expect_ok(&r);
    cr_expect(support_count_lines(r.out) >= 7, "%s", r.out);
    support_result_done(&r);
    struct stat st;
    cr_expect(stat(support_path("state/slatop/demo.db"), &st) == 0);

    /* twice: replaces its own demo */
    support_run(&r, "--now", NOW, "--demo", "list", "--json", "--all", NULL);
    expect_ok(&r);
    cJSON *j = parse_json(&r);
    const char *states[] = {"ok", "warn", "breached", "paused", "met", "missed"};
    for (size_t s = 0; s < 6; s++) {
        bool seen = false;
        const cJSON *t;
        cJSON_ArrayForEach(t, j) seen |= strcmp(str(t, "state"), states[s]) == 0;
        cr_expect(seen, "demo lacks a %s ticket", states[s]);
    }
    const char *levels[] = {"URGENT", "HIGH", "NORMAL", "LOW"};
    for (size_t s = 0; s < 4; s++) {
        bool seen = false;
        const cJSON *t;
        cJSON_ArrayForEach(t, j) seen |= strcmp(str(t, "level"), levels[s]) == 0;
        cr_expect(seen, "demo lacks a %s ticket", levels[s]);
    }
    bool resolved = false, assigned = false;
    const cJSON *t;
    cJSON_ArrayForEach(t, j)
    {
        resolved |= strcmp(str(t, "status"), "resolved") == 0;
        assigned |= str(t, "assignee") != NULL;
    }
    cr_expect(resolved && assigned);
    cr_expect_eq(cJSON_GetArraySize(j), 10 + 6, "a fresh demo, not two (10 today, 6 in the past month)");
    cJSON_Delete(j);
    support_result_done(&r);

    /* paused needs now outside business hours: also at 11:00 on a London weekday */
    support_run(&r, "--now", "2026-11-18T11:00:00Z", "--demo", "list", "--json", NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, "\"paused\"") != NULL, "%s", r.out);
    support_result_done(&r);

    support_run(&r, "--demo", "audit", "verify", NULL);
    expect_ok(&r);
    support_result_done(&r);

    /* a real database is never replaced */
    init_db("share/policies/chatti.json");
    support_run(&r, "--db", db, "--demo", NULL);
    expect_error(&r, 1, "not a demo database");
    support_result_done(&r);
    support_run(&r, "--db", db, "list", "--json", NULL);
    expect_ok(&r);
    cr_expect_str_eq(r.out, "[]\n");
    support_result_done(&r);
    const char *junk = support_path("junk.db");
    support_write_file(junk, "hello", 5);
    support_run(&r, "--db", junk, "--demo", NULL);
    expect_error(&r, 1, "not a demo database");
    support_result_done(&r);
}

/* ---- configuration and paths -------------------------------------------------------------- */

Test(cli, database_path_resolution)
{
    support_result r;
    /* default: $XDG_DATA_HOME/slatop/slatop.db */
    support_run(&r, "init", "--policy", support_source("share/policies/chatti.json"), NULL);
    expect_ok(&r);
    support_result_done(&r);
    struct stat st;
    cr_expect(stat(support_path("data/slatop/slatop.db"), &st) == 0);

    /* config db */
    const char *cfg = support_path("cfg.json");
    const char *txt = "{\"db\": \"~/from-config.db\"}";
    support_write_file(cfg, txt, strlen(txt));
    support_run(&r, "--config", cfg, "init", "--policy", support_source("share/policies/chatti.json"), NULL);
    expect_ok(&r);
    support_result_done(&r);
    cr_expect(stat(support_path("from-config.db"), &st) == 0, "~/ expanded in config db");

    /* SLATOP_DB beats the config; --db beats both */
    setenv("SLATOP_DB", support_path("env.db"), 1);
    support_run(&r, "--config", cfg, "init", "--policy", support_source("share/policies/chatti.json"), NULL);
    expect_ok(&r);
    support_result_done(&r);
    cr_expect(stat(support_path("env.db"), &st) == 0);
    support_run(&r, "--config", cfg, "--db", db, "init", "--policy", support_source("share/policies/chatti.json"),
                NULL);
    expect_ok(&r);
    support_result_done(&r);
    cr_expect(stat(db, &st) == 0);
    unsetenv("SLATOP_DB");

    /* the XDG config file is found */
    const char *xdg = support_path("config/slatop");
    mkdir(support_path("config"), 0700);
    mkdir(xdg, 0700);
    const char *x = "{\"db\": \"~/xdg.db\"}";
    support_write_file(support_path("config/slatop/config.json"), x, strlen(x));
    support_run(&r, "init", "--policy", support_source("share/policies/chatti.json"), NULL);
    expect_ok(&r);
    support_result_done(&r);
    cr_expect(stat(support_path("xdg.db"), &st) == 0);
}

Test(cli, config_errors_name_file_and_key)
{
    const char *cfg = support_path("cfg.json");
    struct {
        const char *text, *needle;
    } cases[] = {
        {"{\"colour\": \"red\"}", "colour: unknown key"},
        {"{\"db\": 5}", "db: must be a string"},
        {"{\"theme\": \"neon\"}", "theme"},
        {"{\"keys\": {\"raise\": \"+\"}}", "keys.raise"},
        {"{\"monitoring\": {\"prometheus\": {\"url\": \"http://x\", \"timeout_s\": \"15\"}}}",
         "monitoring.prometheus.timeout_s"},
        {"{\"display_timezone\": \"Mars/Olympus\"}", "display_timezone"},
        {"{not json", "JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        support_write_file(cfg, cases[i].text, strlen(cases[i].text));
        support_result r;
        support_run(&r, "--config", cfg, "--db", db, "list", NULL);
        expect_error(&r, 1, cases[i].needle);
        cr_expect(strstr(r.err, cfg) != NULL, "names the file: %s", r.err);
        support_result_done(&r);
    }
    support_result r;
    support_run(&r, "--config", support_path("none.json"), "list", NULL);
    expect_error(&r, 1, "none.json");
    support_result_done(&r);
    setenv("SLATOP_CONFIG", cfg, 1);
    support_run(&r, "--db", db, "list", NULL);
    unsetenv("SLATOP_CONFIG");
    expect_error(&r, 1, cfg);
    support_result_done(&r);
}

/* Edits the audit log as someone with write access to the file would: straight through SQLite,
 * past the append-only trigger (not the sqlite3 command, which setup.sh does not install). */
static void tamper(const char *sql)
{
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
    char *all = xasprintf("DROP TRIGGER audit_no_update; %s", sql);
    cr_assert_eq(sqlite3_exec(h, all, NULL, NULL, NULL), SQLITE_OK, "%s: %s", all, sqlite3_errmsg(h));
    free(all);
    sqlite3_close(h);
}

Test(cli, audit_verify_names_the_edited_entry)
{
    init_db("share/policies/chatti.json");
    add_ticket("a", "HIGH");
    support_result r;
    support_run(&r, "--db", db, "--now", NOW, "raise", "1", "--reason", "honest reason", NULL);
    expect_ok(&r);
    support_result_done(&r);
    tamper("UPDATE audit SET reason='forged' WHERE seq=3;");
    support_run(&r, "--db", db, "audit", "verify", NULL);
    expect_error(&r, 1, "3");
    support_result_done(&r);
    /* reading still works and shows what is stored */
    support_run(&r, "--db", db, "audit", "1", "--json", NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, "forged") != NULL);
    support_result_done(&r);
}

/* SPEC §10: every entry records the writer's host beside the actor, in JSON and CSV, inside its
 * hash; an entry without one (written before schema 4) keeps verifying. */
Test(cli, audit_entries_record_the_host)
{
    init_db("share/policies/chatti.json");
    add_ticket("a", "HIGH");
    support_result r;
    support_run(&r, "--db", db, "--now", NOW, "raise", "1", "--reason", "why", NULL);
    expect_ok(&r);
    support_result_done(&r);
    char *want = xasprintf("\"host\":\"%s\"", os_host());
    support_run(&r, "--db", db, "audit", "--json", NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, want) != NULL, "no %s in %s", want, r.out);
    support_result_done(&r);
    free(want);
    want = xasprintf(",%s\n", os_host());
    support_run(&r, "--db", db, "audit", "export", "--format", "csv", NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, ",body_sha256,host\n") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, want) != NULL, "no host column ending a row: %s", r.out);
    support_result_done(&r);
    free(want);
}

/* The host is inside the hash: naming another machine is an edit verify names (SQLite file). */
Test(cli, audit_verify_names_a_forged_host)
{
    init_db("share/policies/chatti.json");
    add_ticket("a", "HIGH");
    support_result r;
    tamper("UPDATE audit SET host='jump-9' WHERE seq=2;");
    support_run(&r, "--db", db, "audit", "verify", NULL);
    expect_error(&r, 1, "2");
    support_result_done(&r);
}

Test(cli, audit_entries_without_a_host_keep_verifying)
{
    init_db("share/policies/chatti.json");
    support_result r;
    /* A schema-3 entry: appended through the store, then its host cleared and its hash
     * recomputed without one, as the old writer computed it. */
    add_ticket("a", "HIGH");
    st_err err = {0};
    st_store *s = NULL;
    cr_assert_eq(store_open(db, STORE_OPEN_RW, &s, &err), ST_OK, "%s", err.msg);
    st_audit_entry *list = NULL;
    size_t n = 0;
    cr_assert_eq(store_audit_list(s, 0, &list, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_geq(n, 1);
    free(list[n - 1].host);
    list[n - 1].host = NULL;
    char hash[65];
    cr_assert_eq(audit_compute_hash(&list[n - 1], hash, &err), ST_OK);
    int64_t last = list[n - 1].seq;
    for (size_t i = 0; i < n; i++)
        audit_entry_done(&list[i]);
    free(list);
    store_close(s);
    char *sql = xasprintf("UPDATE audit SET host = NULL, hash = '%s' WHERE seq = %lld;", hash, (long long)last);
    tamper(sql);
    free(sql);
    /* The next entry chains to the old one and records its host. */
    support_run(&r, "--db", db, "--now", NOW, "raise", "1", "--reason", "after the upgrade", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "audit", "verify", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "audit", "--json", NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, "\"host\":null") != NULL, "%s", r.out);
    support_result_done(&r);
}

Test(cli, global_options_after_the_command)
{
    init_db("share/policies/chatti.json");
    support_result r;
    support_run(&r, "add", "--title", "late globals", "--db", db, "--now", NOW, "--level=HIGH", NULL);
    expect_ok(&r);
    cr_expect_str_eq(r.out, "1\n");
    support_result_done(&r);
    support_run(&r, "list", "--json", "--db=" , NULL);
    expect_error(&r, 2, "--db");
    support_result_done(&r);
    support_run(&r, "show", "1", "--json", "--now=2026-11-20T10:10:00Z", "--db", db, NULL);
    expect_ok(&r);
    cJSON *j = parse_json(&r);
    cr_expect_eq(cJSON_GetObjectItem(j, "remaining_s")->valueint, 7200 - 600);
    cJSON_Delete(j);
    support_result_done(&r);
    support_run(&r, "--db", db, "add", "--title", "x", "--title", "y", NULL);
    expect_error(&r, 2, "--title");
    support_result_done(&r);
    support_run(&r, "--db", db, "list", "--json=yes", NULL);
    expect_error(&r, 2, "--json");
    support_result_done(&r);
    support_run(&r, "--db", db, "show", "--help", NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, "show ID") != NULL);
    support_result_done(&r);
}

Test(cli, demo_has_its_own_monitoring_source)
{
    support_result r;
    support_run(&r, "--now", NOW, "--demo", "uptime", "--json", NULL);
    expect_ok(&r);
    cJSON *j = parse_json(&r);
    cr_expect_str_eq(str(j, "month"), "2026-11");
    cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(j, "uptime_percent")));
    cr_expect(cJSON_GetArraySize(cJSON_GetObjectItem(j, "periods")) > 0, "the demo has incidents");
    cJSON_Delete(j);
    support_result_done(&r);
    struct stat st;
    cr_expect(stat(support_path("state/slatop/demo.db.uptime"), &st) == 0);
}

/* A source that answers with no points for the month: `uptime` does not call that 100% and up. */
Test(cli, uptime_without_data_is_not_up)
{
    init_db("share/policies/haptik.json");
    mkdir(support_path("mon"), 0700);
    const char *empty = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}";
    support_write_file(support_path("mon/2026-11.json"), empty, strlen(empty));
    char cfg[700];
    snprintf(cfg, sizeof cfg, "{\"monitoring\": {\"prometheus\": {\"url\": \"file://%s\"}}}", support_path("mon"));
    support_write_file(support_path("cfg.json"), cfg, strlen(cfg));
    support_result r;
    support_run(&r, "--db", db, "--config", support_path("cfg.json"), "--now", "2026-11-01T21:17:30Z", "uptime",
                NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, "  uptime        unknown: no minute has data (1277 minutes without data) (target 99.900%)\n"), "%s", r.out);
    cr_expect(strstr(r.out, "  state         unknown: no data this month\n"), "%s", r.out);
    cr_expect_null(strstr(r.out, "100.000%"), "%s", r.out);
    support_result_done(&r);
}

/* add --created: more than five minutes ahead is refused; a time without an offset is read in the
 * display zone (TZ), as date(1) does; an unknown channel is said on stderr, the ticket still added
 * at the lowest level. */
Test(cli, add_created_and_channel_checks)
{
    init_db("share/policies/chatti.json");
    support_result r;
    support_run(&r, "--db", db, "--now", NOW, "add", "--title", "x", "--created", "2027-01-26T00:00:00Z", NULL);
    expect_error(&r, 2, "--created: 2027-01-26T00:00:00Z is 1598 hours ahead of now (at most 5 minutes)");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "add", "--title", "x", "--created", "2026-11-20T10:05:00Z", NULL);
    expect_ok(&r);
    cr_expect_str_eq(r.out, "1\n");
    support_result_done(&r);
    /* import refuses it too, naming the record */
    const char *recs = "[{\"title\": \"ok\"}, {\"title\": \"later\", \"created\": \"2026-12-20T10:00:00Z\"}]";
    support_write_file(support_path("future.json"), recs, strlen(recs));
    support_run(&r, "--db", db, "--now", NOW, "import", support_path("future.json"), NULL);
    expect_error(&r, 1, "record 2: created: 2026-12-20T10:00:00Z is 720 hours ahead of now (at most 5 minutes)");
    support_result_done(&r);

    setenv("TZ", "Asia/Kolkata", 1);
    support_run(&r, "--db", db, "--now", NOW, "add", "--title", "local", "--created", "2026-11-20T15:00:00", NULL);
    setenv("TZ", "UTC", 1);
    expect_ok(&r);
    cr_expect_str_eq(r.out, "2\n");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "show", "2", "--json", NULL);
    cJSON *j = parse_json(&r);
    cr_expect_str_eq(str(j, "created"), "2026-11-20T09:30:00Z");
    cJSON_Delete(j);
    support_result_done(&r);

    support_run(&r, "--db", db, "--now", NOW, "add", "--title", "typo", "--channel", "emial", NULL);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, "3\n");
    cr_expect_str_eq(r.err, "slatop: warning: channel 'emial' has no default in the policy; level LOW\n");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "add", "--title", "known", "--channel", "email", NULL);
    expect_ok(&r);
    support_result_done(&r);
}

/* The first-run messages name commands that work: init with --policy (and where the shipped
 * policies are installed), or the demo. */
Test(cli, first_run_messages_name_working_commands)
{
    support_result r;
    support_run(&r, "list", NULL);
    expect_error(&r, 1, "no such database (create it with 'slatop init --policy /");
    cr_expect(strstr(r.err, "/share/slatop/policies/haptik.json', or try 'slatop --demo')\n") != NULL, "%s", r.err);
    support_result_done(&r);
    support_run(&r, NULL); /* the console on no database */
    expect_error(&r, 1, "no such database (create one with 'slatop init --policy /");
    cr_expect(strstr(r.err, "/share/slatop/policies/haptik.json', or try 'slatop --demo')\n") != NULL, "%s", r.err);
    support_result_done(&r);
    support_write_file(support_path("empty.db"), "", 0);
    support_run(&r, "--db", support_path("empty.db"), NULL);
    expect_error(&r, 1, "not a slatop database (empty; create one with 'slatop init --policy /");
    cr_expect(strstr(r.err, "/share/slatop/policies/haptik.json', or try 'slatop --demo')\n") != NULL, "%s", r.err);
    support_result_done(&r);
}

/* ---- conversation and statuses (SPEC §8) -------------------------------------------------- */

Test(cli, message_reply_note_set_status_and_json)
{
    init_db("share/policies/chatti.json");
    support_result r;
    support_run(&r, "--db", db, "--now", NOW, "add", "--title", "t", "--customer", "Acme", "--body", "it broke",
                NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "set-status", "1", "pending", NULL);
    expect_error(&r, 2, "--reason");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "set-status", "1", "resolved", NULL);
    expect_error(&r, 2, "STATUS");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "set-status", "1", "open", NULL);
    expect_error(&r, 1, "already open");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:05:00Z", "set-status", "1", "on_hold", "--reason",
                "vendor", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "reply", "1", NULL);
    expect_error(&r, 2, "--body");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "reply", "1", "--body", "x", "--body-file", "/dev/null", NULL);
    expect_error(&r, 2, "--body");
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", NOW, "note", "1", "--body-file", "/nonexistent/x", NULL);
    expect_error(&r, 1, "/nonexistent/x");
    support_result_done(&r);
    const char *argv[] = {"--db", db, "--now", "2026-11-20T10:10:00Z", "message", "1", "--from", "Bob",
                          "--body-file", "-", NULL};
    support_run_argv(&r, "logs\nattached", argv);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:20:00Z", "note", "1", "--body", "internal", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:30:00Z", "reply", "1", "--body", "fixed", NULL);
    expect_ok(&r);
    support_result_done(&r);

    support_run(&r, "--db", db, "--now", "2026-11-20T10:40:00Z", "show", "1", "--json", NULL);
    expect_ok(&r);
    cJSON *j = parse_json(&r);
    expect_ticket_shape(j);
    cr_expect_str_eq(str(j, "status"), "open", "the customer message took it off hold");
    cr_expect_str_eq(str(j, "first_response"), "2026-11-20T10:30:00Z", "the reply, not the note");
    const cJSON *m = cJSON_GetObjectItem(j, "messages");
    cr_assert_eq(cJSON_GetArraySize(m), 4);
    const char *kinds[] = {"customer", "customer", "note", "reply"};
    const char *bodies[] = {"it broke", "logs\nattached", "internal", "fixed"};
    for (int i = 0; i < 4; i++) {
        const cJSON *x = cJSON_GetArrayItem(m, i);
        cr_expect_str_eq(str(x, "kind"), kinds[i]);
        cr_expect_str_eq(str(x, "body"), bodies[i]);
        cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(x, "id")));
        cr_expect(str(x, "recorded_at") != NULL);
    }
    cr_expect_str_eq(str(cJSON_GetArrayItem(m, 0), "author"), "Acme");
    cr_expect_str_eq(str(cJSON_GetArrayItem(m, 1), "author"), "Bob");
    const cJSON *h = cJSON_GetObjectItem(j, "history");
    /* created, message, status_changed, message, status_changed, message, message */
    cr_assert_eq(cJSON_GetArraySize(h), 7);
    const cJSON *e = cJSON_GetArrayItem(h, 2);
    expect_audit_shape(e);
    cr_expect_str_eq(str(e, "kind"), "status_changed");
    cr_expect_str_eq(str(e, "from_status"), "open");
    cr_expect_str_eq(str(e, "to_status"), "on_hold");
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(e, "message_id")));
    e = cJSON_GetArrayItem(h, 4);
    cr_expect_str_eq(str(e, "reason"), "customer message");
    cr_expect_str_eq(str(e, "to_status"), "open");
    e = cJSON_GetArrayItem(h, 6);
    cr_expect_str_eq(str(e, "kind"), "message");
    cr_expect_str_eq(str(e, "message_kind"), "reply");
    cr_expect_eq(cJSON_GetObjectItem(e, "message_id")->valueint, 4);
    cr_expect_eq(strlen(str(e, "body_sha256")), 64);
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(e, "from_status")));
    cJSON_Delete(j);
    support_result_done(&r);

    support_run(&r, "--db", db, "--now", "2026-11-20T10:40:00Z", "show", "1", NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, "Conversation:") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "    logs\n    attached\n") != NULL, "line breaks kept: %s", r.out);
    support_result_done(&r);
    support_run(&r, "--db", db, "audit", "verify", NULL);
    expect_ok(&r);
    support_result_done(&r);
}

Test(cli, hostile_bodies_stay_inert_and_nul_is_refused)
{
    init_db("share/policies/chatti.json");
    add_ticket("t", NULL);
    support_result r;
    support_run(&r, "--db", db, "--now", NOW, "message", "1", "--from", HOSTILE, "--body", HOSTILE "\nline 2",
                NULL);
    expect_ok(&r);
    support_result_done(&r);
    const char *nul[] = {"--db", db, "--now", NOW, "note", "1", "--body-file", "-", NULL};
    char nul_path[512];
    snprintf(nul_path, sizeof nul_path, "%s", support_path("body.nul")); /* beside no database file */
    FILE *f = fopen(nul_path, "wb");
    cr_assert_not_null(f);
    fwrite("a\0b", 1, 3, f);
    fclose(f);
    const char *nul_file[] = {"--db", db, "--now", NOW, "note", "1", "--body-file", nul_path, NULL};
    support_run_argv(&r, NULL, nul_file);
    expect_error(&r, 1, "NUL");
    support_result_done(&r);
    unlink(nul_path);
    support_run_argv(&r, "", nul);
    expect_ok(&r); /* an empty body is a body */
    support_result_done(&r);

    const char *views[][4] = {{"show", "1", "--json", NULL}, {"show", "1", NULL}, {"audit", NULL}};
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
        run_view(&r, views[i]);
        expect_ok(&r);
        expect_safe(&r, views[i][0]);
        support_result_done(&r);
    }
}

Test(cli, clocks_and_next_in_json_and_text)
{
    init_db("share/policies/chatti.json");
    support_result r;
    /* URGENT, 24x7: first response 30 min, next response 30, resolution 240; entered late. */
    support_run(&r, "--db", db, "--now", "2026-11-20T10:05:00Z", "add", "--title", "t", "--level", "URGENT",
                "--created", "2026-11-20T10:00:00Z", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:10:00Z", "reply", "1", "--body", "looking", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:20:00Z", "message", "1", "--body", "any news?", NULL);
    expect_ok(&r);
    support_result_done(&r);
    support_run(&r, "--db", db, "--now", "2026-11-20T10:30:00Z", "set-status", "1", "pending", "--reason",
                "asked for logs", NULL);
    expect_ok(&r);
    support_result_done(&r);

    support_run(&r, "--db", db, "--now", "2026-11-20T11:00:00Z", "show", "1", "--json", NULL);
    expect_ok(&r);
    cJSON *j = parse_json(&r);
    expect_ticket_shape(j);
    cr_expect_str_eq(str(j, "state"), "met", "the ticket's own keys stay the first response's");
    const cJSON *clocks = cJSON_GetObjectItem(j, "clocks");
    cr_assert(cJSON_IsArray(clocks));
    cr_assert_eq(cJSON_GetArraySize(clocks), 3, "%s", r.out);
    const cJSON *fr = cJSON_GetArrayItem(clocks, 0);
    cr_expect_str_eq(str(fr, "metric"), "first_response");
    cr_expect_str_eq(str(fr, "state"), "met");
    cr_expect_str_eq(str(fr, "stopped"), "2026-11-20T10:10:00Z");
    cr_expect_eq(cJSON_GetObjectItem(fr, "cycle")->valueint, 1);
    cr_expect_eq(cJSON_GetObjectItem(fr, "target_s")->valueint, 1800);
    cr_expect_str_eq(str(fr, "clock"), "24x7");
    cr_expect_str_eq(str(fr, "started"), "2026-11-20T10:00:00Z", "from creation, not from entry");
    const cJSON *nr = cJSON_GetArrayItem(clocks, 1);
    cr_expect_str_eq(str(nr, "metric"), "next_response");
    cr_expect_str_eq(str(nr, "started"), "2026-11-20T10:20:00Z");
    cr_expect_str_eq(str(nr, "state"), "breached", "pending does not pause next_response");
    const cJSON *res = cJSON_GetArrayItem(clocks, 2);
    cr_expect_str_eq(str(res, "metric"), "resolution");
    cr_expect_str_eq(str(res, "state"), "paused");
    cr_expect_str_eq(str(res, "paused_by"), "pending");
    cr_expect(cJSON_IsNull(cJSON_GetObjectItem(res, "due")), "due is null while paused by status");
    cr_expect_eq(cJSON_GetObjectItem(res, "remaining_s")->valueint, 240 * 60 - 30 * 60);
    const cJSON *next = cJSON_GetObjectItem(j, "next");
    cr_assert(cJSON_IsObject(next), "%s", r.out);
    cr_expect_str_eq(str(next, "metric"), "next_response");
    cr_expect_str_eq(str(next, "due"), "2026-11-20T10:50:00Z");
    cJSON_Delete(j);
    support_result_done(&r);

    support_run(&r, "--db", db, "--now", "2026-11-20T11:00:00Z", "list", "--json", NULL);
    expect_ok(&r);
    j = parse_json(&r);
    cr_assert_eq(cJSON_GetArraySize(j), 1);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "clocks")), 3);
    cJSON_Delete(j);
    support_result_done(&r);

    support_run(&r, "--db", db, "--now", "2026-11-20T11:00:00Z", "show", "1", NULL);
    expect_ok(&r);
    cr_expect(strstr(r.out, "Clocks:") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "resolution") != NULL && strstr(r.out, "paused by pending") != NULL, "%s", r.out);
    support_result_done(&r);
}
