/* Bad input (issue 6): malformed policies, configs, imports and arguments each give exactly one
 * line on stderr, nothing on stdout, exit 1 (data refused) or 2 (usage) per SPEC §3, and change
 * nothing: the database dump (`audit --json`, `list --all --json`) and the database file's bytes
 * are identical before and after, and `init` with a bad policy creates no file. */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>

#include "../tools/reliability/relutil.h"

typedef struct {
    char *dir, *db;
    char *dump; /* audit --json + list --all --json + the file's bytes */
    size_t dump_len;
} fixture;

static char *path_in(const fixture *f, const char *name)
{
    return xasprintf("%s/%s", f->dir, name);
}

static char *write_in(const fixture *f, const char *name, const char *text)
{
    char *p = path_in(f, name);
    cr_assert(rel_write_file(p, text, strlen(text)), "write %s", p);
    return p;
}

/* The state of the database (at a fixed --now, since remaining_s moves): its two JSON dumps and the bytes of the file (and of a WAL). */
static char *dump(const fixture *f, size_t *len)
{
    strbuf sb;
    sb_init(&sb);
    rel_result r;
    rel_result_init(&r);
    cr_assert_eq(REL_RUN(&r, "--db", f->db, "--now", "2030-01-01T00:00:00Z", "audit", "--json"), 0,
                 "audit --json: %s", r.err.buf);
    cr_assert_eq(REL_RUN(&r, "--db", f->db, "--now", "2030-01-01T00:00:00Z", "list", "--all", "--json"), 0,
                 "list --json: %s", r.err.buf);
    /* --now ticks forward from the given instant: drop the one field that moves with the clock. */
    cJSON *j = cJSON_ParseWithLength(r.out.buf, r.out.len);
    cr_assert(cJSON_IsArray(j), "list --json is not an array");
    cJSON *t;
    cJSON_ArrayForEach(t, j) {
        cJSON_DeleteItemFromObjectCaseSensitive(t, "remaining_s");
    }
    char *printed = cJSON_PrintUnformatted(j);
    sb_append(&sb, printed);
    free(printed);
    cJSON_Delete(j);
    rel_result_done(&r);
    const char *suffixes[] = {"", "-wal"};
    for (size_t i = 0; i < 2; i++) {
        char *p = xasprintf("%s%s", f->db, suffixes[i]);
        char *data = NULL;
        size_t n = 0;
        st_err err;
        if (read_file_all(p, 64u << 20, &data, &n, &err) == ST_OK) {
            sb_printf(&sb, "\n--- %s %zu bytes\n", suffixes[i], n);
            sb_append_n(&sb, data, n);
            free(data);
        }
        free(p);
    }
    *len = sb.len;
    return sb_steal(&sb);
}

static void setup(fixture *f)
{
    char why[600];
    f->db = rel_init_db("bad", &f->dir, why, sizeof why);
    cr_assert(f->db != NULL, "%s", why);
    rel_result r;
    rel_result_init(&r);
    cr_assert_eq(REL_RUN(&r, "--db", f->db, "add", "--title", "top", "--level", "S0", "--ref", "R-1"), 0, "%s",
                 r.err.buf);
    cr_assert_eq(REL_RUN(&r, "--db", f->db, "add", "--title", "bottom", "--level", "S3", "--ref", "R-2"), 0, "%s",
                 r.err.buf);
    cr_assert_eq(REL_RUN(&r, "--db", f->db, "add", "--title", "middle", "--ref", "R-3"), 0, "%s", r.err.buf);
    cr_assert_eq(REL_RUN(&r, "--db", f->db, "raise", "3", "--reason", "setup"), 0, "%s", r.err.buf);
    rel_result_done(&r);
    size_t n1, n2;
    char *a = dump(f, &n1);
    char *b = dump(f, &n2);
    cr_assert(n1 == n2 && memcmp(a, b, n1) == 0, "reading the database changes its dump: the check would be void");
    free(b);
    f->dump = a;
    f->dump_len = n1;
}

static void teardown(fixture *f)
{
    rel_rmtree(f->dir);
    free(f->dir);
    free(f->db);
    free(f->dump);
}

/* Runs args (with --db prepended when with_db) expecting exit `want` (or also `alt` when
 * alt >= 0), one stderr line containing `mention` (if not NULL), empty stdout, and no change. */
static void expect_refused(fixture *f, bool with_db, int want, int alt, const char *mention, const char *const *args)
{
    const char *full[24];
    size_t k = 0;
    if (with_db) {
        full[k++] = "--db";
        full[k++] = f->db;
    }
    strbuf what;
    sb_init(&what);
    for (size_t i = 0; args[i] != NULL && k < 23; i++) {
        full[k++] = args[i];
        sb_printf(&what, "%s%s", i ? " " : "", args[i]);
    }
    full[k] = NULL;
    rel_result r;
    rel_result_init(&r);
    int rc = rel_run_in(&r, NULL, full);
    const char *err = r.err.buf ? r.err.buf : "";
    cr_assert(rc == want || (alt >= 0 && rc == alt), "`%s`: exit %d, expected %d: %s", what.buf, rc, want, err);
    cr_assert_eq(rel_count_lines(err, r.err.len), 1, "`%s`: stderr is not exactly one line: [%s]", what.buf, err);
    cr_assert(r.err.len > 1 && err[r.err.len - 1] == '\n', "`%s`: stderr line not terminated: [%s]", what.buf, err);
    cr_assert_eq(r.out.len, 0, "`%s`: printed on stdout although it failed: [%s]", what.buf, r.out.buf);
    if (mention != NULL)
        cr_assert(strstr(err, mention) != NULL, "`%s`: error does not name %s: %s", what.buf, mention, err);
    rel_result_done(&r);
    size_t n;
    char *now = dump(f, &n);
    cr_assert(n == f->dump_len && memcmp(now, f->dump, n) == 0, "`%s` changed the database", what.buf);
    free(now);
    sb_done(&what);
}

#define REFUSED(f, want, mention, ...) \
    expect_refused((f), true, (want), -1, (mention), (const char *const[]){__VA_ARGS__, NULL})
#define REFUSED2(f, want, alt, mention, ...) \
    expect_refused((f), true, (want), (alt), (mention), (const char *const[]){__VA_ARGS__, NULL})

/* A small valid policy; each bad one below changes one thing. */
#define POL_HEAD "{\"name\": \"T\", "
#define POL_LEVELS                                                                                  \
    "\"levels\": [{\"id\": \"A\", \"response_minutes\": 60, \"clock\": \"24x7\"},"                  \
    " {\"id\": \"B\", \"response_minutes\": 120, \"clock\": \"business\"}], "
#define POL_HOURS "\"business_hours\": {\"timezone\": \"UTC\", \"week\": {\"mon\": [[\"09:00\", \"17:00\"]]}}"

static const struct {
    const char *name, *text;
} BAD_POLICIES[] = {
    {"empty", ""},
    {"not-json", "{ \"name\": \"T\", levels: ["},
    {"array", "[1, 2, 3]"},
    {"trailing-garbage", POL_HEAD POL_LEVELS POL_HOURS "} extra"},
    {"unknown-key", POL_HEAD POL_LEVELS POL_HOURS ", \"colour\": \"red\"}"},
    {"missing-name", "{" POL_LEVELS POL_HOURS "}"},
    {"missing-levels", POL_HEAD POL_HOURS "}"},
    {"empty-levels", POL_HEAD "\"levels\": [], " POL_HOURS "}"},
    {"wrong-type", POL_HEAD "\"levels\": [{\"id\": \"A\", \"response_minutes\": \"60\", \"clock\": \"24x7\"}]}"},
    {"negative-minutes", POL_HEAD "\"levels\": [{\"id\": \"A\", \"response_minutes\": -5, \"clock\": \"24x7\"}]}"},
    {"bad-clock", POL_HEAD "\"levels\": [{\"id\": \"A\", \"response_minutes\": 5, \"clock\": \"sometimes\"}]}"},
    {"duplicate-level",
     POL_HEAD "\"levels\": [{\"id\": \"A\", \"response_minutes\": 5, \"clock\": \"24x7\"},"
              " {\"id\": \"A\", \"response_minutes\": 9, \"clock\": \"24x7\"}]}"},
    {"missing-level-id", POL_HEAD "\"levels\": [{\"response_minutes\": 5, \"clock\": \"24x7\"}]}"},
    {"business-no-hours", POL_HEAD POL_LEVELS "\"warn_fraction\": 0.25}"},
    {"overlapping",
     POL_HEAD POL_LEVELS
     "\"business_hours\": {\"timezone\": \"UTC\", \"week\": {\"mon\": [[\"09:00\", \"17:00\"], [\"16:00\", \"18:00\"]]}}}"},
    {"reversed", POL_HEAD POL_LEVELS "\"business_hours\": {\"timezone\": \"UTC\", \"week\": {\"mon\": [[\"17:00\", \"09:00\"]]}}}"},
    {"bad-time", POL_HEAD POL_LEVELS "\"business_hours\": {\"timezone\": \"UTC\", \"week\": {\"mon\": [[\"09:00\", \"25:61\"]]}}}"},
    {"unknown-zone",
     POL_HEAD POL_LEVELS "\"business_hours\": {\"timezone\": \"Mars/Olympus_Mons\", \"week\": {\"mon\": [[\"09:00\", \"17:00\"]]}}}"},
    {"zone-traversal",
     POL_HEAD POL_LEVELS "\"business_hours\": {\"timezone\": \"../../../etc/passwd\", \"week\": {\"mon\": [[\"09:00\", \"17:00\"]]}}}"},
    {"bad-holiday",
     POL_HEAD POL_LEVELS
     "\"business_hours\": {\"timezone\": \"UTC\", \"week\": {\"mon\": [[\"09:00\", \"17:00\"]]}, \"holidays\": [\"2026-02-30\"]}}"},
    {"no-open-time", POL_HEAD POL_LEVELS "\"business_hours\": {\"timezone\": \"UTC\", \"week\": {\"sat\": []}}}"},
    {"channel-no-level", POL_HEAD POL_LEVELS POL_HOURS ", \"channels\": {\"email\": \"Z\"}}"},
    {"bad-reprio", POL_HEAD POL_LEVELS POL_HOURS ", \"reprioritize_from\": \"yesterday\"}"},
    {"bad-warn", POL_HEAD POL_LEVELS POL_HOURS ", \"warn_fraction\": \"lots\"}"},
    {"bad-criteria-mode",
     POL_HEAD "\"levels\": [{\"id\": \"A\", \"response_minutes\": 5, \"clock\": \"24x7\", \"criteria\": {\"mode\": \"some\", \"items\": []}}]}"},
};

Test(reliability_badinput, malformed_policies_refused_one_line_nothing_written, .timeout = 180)
{
    fixture f;
    setup(&f);
    /* The base policy itself is fine, so each refusal below is for the one change. */
    char *good = write_in(&f, "good-policy.json", POL_HEAD POL_LEVELS POL_HOURS "}");
    char *gooddb = path_in(&f, "good.db");
    rel_result r;
    rel_result_init(&r);
    cr_assert_eq(REL_RUN(&r, "--db", gooddb, "init", "--policy", good), 0, "base policy refused: %s", r.err.buf);
    rel_result_done(&r);
    for (size_t i = 0; i < sizeof BAD_POLICIES / sizeof BAD_POLICIES[0]; i++) {
        char name[96];
        snprintf(name, sizeof name, "policy-%s.json", BAD_POLICIES[i].name);
        char *p = write_in(&f, name, BAD_POLICIES[i].text);
        char *newdb = path_in(&f, "never.db");
        expect_refused(&f, false, 1, -1, name, (const char *const[]){"--db", newdb, "init", "--policy", p, NULL});
        struct stat st;
        cr_assert(stat(newdb, &st) != 0, "init with %s created %s", name, newdb);
        REFUSED(&f, 1, name, "policy", "apply", p, "--reason", "bad input test");
        REFUSED(&f, 1, name, "due", "--level", "A", "--created", "2026-11-20T10:00:00Z", "--policy", p);
        free(newdb);
        free(p);
    }
    char *missing = path_in(&f, "no-such-policy.json");
    REFUSED2(&f, 1, 2, "no-such-policy.json", "policy", "apply", missing, "--reason", "r");
    free(missing);
    free(good);
    free(gooddb);
    teardown(&f);
}

static const struct {
    const char *name, *text;
} BAD_CONFIGS[] = {
    {"empty", ""},
    {"not-json", "{\"db\": "},
    {"not-object", "[\"db\"]"},
    {"unknown-key", "{\"colour\": \"red\"}"},
    {"db-type", "{\"db\": 5}"},
    {"theme-bad", "{\"theme\": \"rainbow-sparkles\"}"},
    {"keys-type", "{\"keys\": [\"+\"]}"},
    {"keys-action", "{\"keys\": {\"rasie\": [\"+\"]}}"},
    {"keys-name", "{\"keys\": {\"raise\": [\"Hyper-Q\"]}}"},
    {"theme-element", "{\"theme\": {\"colour\": {\"fg\": \"red\"}}}"},
    {"zone-bad", "{\"display_timezone\": \"Nowhere/Land\"}"},
    {"monitoring-type", "{\"monitoring\": \"prometheus\"}"},
    {"prom-unknown", "{\"monitoring\": {\"prometheus\": {\"url\": \"http://x\", \"pasword_file\": \"/tmp/p\"}}}"},
    {"prom-timeout", "{\"monitoring\": {\"prometheus\": {\"url\": \"http://x\", \"timeout_s\": \"15\"}}}"},
    {"prom-nourl", "{\"monitoring\": {\"prometheus\": {\"timeout_s\": 15}}}"},
};

Test(reliability_badinput, malformed_configs_refused_one_line_nothing_written, .timeout = 120)
{
    fixture f;
    setup(&f);
    for (size_t i = 0; i < sizeof BAD_CONFIGS / sizeof BAD_CONFIGS[0]; i++) {
        char name[96];
        snprintf(name, sizeof name, "config-%s.json", BAD_CONFIGS[i].name);
        char *p = write_in(&f, name, BAD_CONFIGS[i].text);
        REFUSED(&f, 1, name, "--config", p, "list");
        REFUSED(&f, 1, name, "--config", p, "raise", "3", "--reason", "must not happen");
        free(p);
    }
    char *missing = path_in(&f, "no-such-config.json");
    REFUSED2(&f, 1, 2, "no-such-config.json", "--config", missing, "list");
    free(missing);
    teardown(&f);
}

static const struct {
    const char *name, *text, *mention;
} BAD_IMPORTS[] = {
    {"not-json", "[{\"title\": \"a\"}, {\"title\": ", NULL},
    {"not-records", "[1, 2]", "record 1"},
    {"missing-title", "[{\"title\": \"ok\"}, {\"customer\": \"no title\"}]", "record 2"},
    {"empty-title", "[{\"title\": \"ok\"}, {\"title\": \"\"}]", "record 2"},
    {"title-type", "[{\"title\": 5}]", "record 1"},
    {"unknown-key", "[{\"title\": \"ok\"}, {\"title\": \"x\", \"priority\": \"S0\"}]", "record 2"},
    {"bad-created", "[{\"title\": \"ok\"}, {\"title\": \"ok\"}, {\"title\": \"x\", \"created\": \"yesterday\"}]", "record 3"},
    {"unknown-level", "[{\"title\": \"ok\"}, {\"title\": \"x\", \"level\": \"S9\"}]", "record 2"},
    {"dup-ref-in-file", "[{\"title\": \"a\", \"ref\": \"D\"}, {\"title\": \"b\", \"ref\": \"D\"}]", "record 2"},
    {"dup-ref-in-db", "[{\"title\": \"a\", \"ref\": \"NEW\"}, {\"title\": \"b\", \"ref\": \"R-1\"}]", "record 2"},
    {"jsonl-bad-line", "{\"title\": \"a\"}\n{\"title\": \"b\"}\n{\"title\": \"c\",}\n", "record 3"},
    {"jsonl-type", "{\"title\": \"a\"}\n\"just a string\"\n", "record 2"},
};

Test(reliability_badinput, malformed_imports_refused_all_or_nothing, .timeout = 120)
{
    fixture f;
    setup(&f);
    for (size_t i = 0; i < sizeof BAD_IMPORTS / sizeof BAD_IMPORTS[0]; i++) {
        char name[96];
        snprintf(name, sizeof name, "import-%s.json", BAD_IMPORTS[i].name);
        char *p = write_in(&f, name, BAD_IMPORTS[i].text);
        REFUSED(&f, 1, name, "import", p);
        if (BAD_IMPORTS[i].mention != NULL)
            REFUSED(&f, 1, BAD_IMPORTS[i].mention, "import", p);
        free(p);
    }
    char *missing = path_in(&f, "no-such-import.json");
    REFUSED2(&f, 1, 2, "no-such-import.json", "import", missing);
    free(missing);
    teardown(&f);
}

Test(reliability_badinput, malformed_arguments_refused_one_line_nothing_written, .timeout = 120)
{
    fixture f;
    setup(&f);
    /* Usage errors: exit 2. */
    REFUSED(&f, 2, "--bogus", "--bogus", "list");
    REFUSED(&f, 2, "frobnicate", "frobnicate");
    REFUSED(&f, 2, "--reason", "raise", "3");
    REFUSED(&f, 2, NULL, "raise", "abc", "--reason", "r");
    REFUSED(&f, 2, NULL, "raise", "3x", "--reason", "r");
    REFUSED(&f, 2, NULL, "raise", "3", "--reason", "r", "--expect-version", "two");
    REFUSED(&f, 2, NULL, "raise", "3", "--reason");
    REFUSED(&f, 2, "--title", "add");
    REFUSED(&f, 2, NULL, "add", "--title");
    REFUSED(&f, 2, NULL, "add", "--title", "t", "--created", "yesterday");
    REFUSED(&f, 2, NULL, "--now", "garbage", "list");
    REFUSED(&f, 2, NULL, "list", "--bogus");
    REFUSED(&f, 2, NULL, "show");
    REFUSED(&f, 2, NULL, "show", "1", "extra");
    REFUSED(&f, 2, "--level", "due", "--created", "2026-11-20T10:00:00Z");
    REFUSED(&f, 2, NULL, "due", "--level", "S1", "--created", "not-a-time");
    REFUSED(&f, 2, NULL, "audit", "verify", "--anchor", "nope");
    REFUSED(&f, 2, NULL, "audit", "export", "--format", "xml");
    REFUSED(&f, 2, NULL, "set-level", "3", "--reason", "r");
    REFUSED(&f, 2, NULL, "assign", "3");
    REFUSED(&f, 2, NULL, "uptime", "--month", "2026-13");
    REFUSED(&f, 2, NULL, "init");
    /* The data refuses: exit 1. */
    REFUSED(&f, 1, "999", "raise", "999", "--reason", "r");
    REFUSED(&f, 1, "999", "show", "999");
    REFUSED(&f, 1, NULL, "raise", "1", "--reason", "already at the top");
    REFUSED(&f, 1, NULL, "lower", "2", "--reason", "already at the bottom");
    REFUSED(&f, 1, "S9", "set-level", "3", "S9", "--reason", "r");
    REFUSED(&f, 1, NULL, "raise", "3", "--reason", "stale", "--expect-version", "1");
    REFUSED(&f, 1, NULL, "reopen", "3", "--reason", "not resolved");
    REFUSED(&f, 1, NULL, "add", "--title", "t", "--level", "S9");
    REFUSED(&f, 1, NULL, "add", "--title", "t", "--ref", "R-1");
    REFUSED(&f, 1, NULL, "audit", "verify", "--anchor",
            "99:0000000000000000000000000000000000000000000000000000000000000000");
    REFUSED(&f, 1, NULL, "--read-only", "raise", "3", "--reason", "read only");
    REFUSED2(&f, 1, 2, NULL, "raise", "3", "--reason", "");
    char *policy = xasprintf("%s/share/policies/haptik.json", rel_source_dir());
    REFUSED(&f, 1, NULL, "init", "--policy", policy); /* the database exists */
    free(policy);
    teardown(&f);
}

/* A FIFO, a directory or a device given where a file is read (policy, config, import, password
 * file) is refused at once with one line naming it, not waited on: opening a FIFO with no writer
 * used to block forever. */
Test(reliability_badinput, non_regular_files_refused_without_blocking, .timeout = 60)
{
    fixture f;
    setup(&f);
    char *fifo = path_in(&f, "a-fifo");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    char *dir = path_in(&f, "a-dir");
    cr_assert_eq(mkdir(dir, 0700), 0);
    const char *const specials[] = {fifo, dir, "/dev/null"};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
        const char *p = specials[i];
        REFUSED(&f, 1, "not a regular file", "--config", p, "list");
        REFUSED(&f, 1, p, "--config", p, "list");
        REFUSED(&f, 1, p, "policy", "apply", p, "--reason", "r");
        REFUSED(&f, 1, p, "import", p);
        REFUSED(&f, 1, p, "due", "--policy", p, "--level", "A", "--created", "2026-11-20T10:00:00Z");
        char *newdb = path_in(&f, "never.db");
        REFUSED(&f, 1, p, "--db", newdb, "init", "--policy", p);
        struct stat st;
        cr_assert(stat(newdb, &st) != 0, "init with %s created the database", p);
        free(newdb);
        char *cfg = path_in(&f, "pw-cfg.json");
        char *text = xasprintf("{\"monitoring\": {\"prometheus\": {\"url\": \"http://127.0.0.1:9/\", "
                               "\"username\": \"alice\", \"password_file\": \"%s\"}}}",
                               p);
        cr_assert(rel_write_file(cfg, text, strlen(text)));
        REFUSED(&f, 1, p, "--config", cfg, "uptime");
        free(text);
        free(cfg);
    }
    free(dir);
    free(fifo);
    teardown(&f);
}
