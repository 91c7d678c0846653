/* Hostile message bodies (SPEC §8: bodies are untrusted text) through every output path of the
 * command line: escape sequences, C1 controls, bidi overrides, zero-width characters and invalid
 * UTF-8 sent as customer messages, replies, notes, `add --body`, import bodies and status reasons.
 * Text outputs (show, show --explain, list, audit, audit export csv) must carry no raw ESC, C0 but
 * newline, DEL, C1, bidi or invalid UTF-8; JSON outputs must parse, and decode to the very body
 * where it was valid UTF-8. NUL is refused, never cut. The CSV export has the JSON entry's columns,
 * in its order, with the same values. The real binary on real SQLite files. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/reliability/relutil.h"
#include "slatop/util.h"
#include "support_cli.h"

static const char *const BODIES[] = {
    "osc \x1b]0;pwned\x07 title\nsecond line",
    "link \x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "clear \x1b[2J\x1b[H and \x1b[6n query",
    "c1 \xc2\x9b" "31mred\xc2\x9b" "0m and raw \x9b" "2J",
    "bidi \xe2\x80\xae" "gpj.exe \xe2\x81\xa6iso\xe2\x81\xa9",
    "zero\xe2\x80\x8bwidth \xef\xbb\xbf bom",
    "invalid \xff\xfe \xc0\xaf \xed\xa0\x80 end",
    "over\rprint\b\b and del\x7f bell\x07 tab\tx",
};
#define N_BODIES (sizeof BODIES / sizeof *BODIES)

static char *db; /* owned: support_path's buffers rotate */

/* Runs slatop --db db ARGS (stdin from `in`), expecting exit `status`. */
static void run(support_result *r, int status, const char *in, const char *const *args)
{
    const char *argv[16] = {"--db", db};
    size_t n = 2;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    support_run_argv(r, in, argv);
    cr_assert_eq(r->status, status, "%s: exit %d (want %d): %s", args[0], r->status, status, r->err);
}

#define RUN_OK(...)                                                                                               \
    do {                                                                                                          \
        support_result r_;                                                                                        \
        run(&r_, 0, NULL, (const char *const[]){__VA_ARGS__, NULL});                                              \
        support_result_done(&r_);                                                                                 \
    } while (0)

static void setup(void)
{
    support_sandbox();
    db = xstrdup(support_path("t.db"));
    RUN_OK("--now", "2026-11-20T09:00:00Z", "init", "--policy", support_source("share/policies/chatti.json"));
    /* Ticket 1: every kind of message and a status change per body. */
    RUN_OK("--now", "2026-11-20T10:00:00Z", "add", "--title", BODIES[0], "--customer", BODIES[4], "--body",
           BODIES[2]);
    for (size_t i = 0; i < N_BODIES; i++) {
        RUN_OK("--now", "2026-11-20T10:05:00Z", "message", "1", "--from", BODIES[i], "--body", BODIES[i]);
        RUN_OK("--now", "2026-11-20T10:06:00Z", "reply", "1", "--body", BODIES[i]);
        RUN_OK("--now", "2026-11-20T10:07:00Z", "note", "1", "--body", BODIES[i]);
        RUN_OK("--now", "2026-11-20T10:08:00Z", "set-status", "1", "pending", "--reason", BODIES[i]);
        support_result r;
        /* From standard input too: the customer message reopens it. */
        run(&r, 0, BODIES[i], (const char *const[]){"--now", "2026-11-20T10:09:00Z", "message", "1", "--body-file",
                                                    "-", NULL});
        support_result_done(&r);
    }
    /* Ticket 2: the same bodies through import (valid UTF-8 ones as JSON escapes). */
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "[{\"title\": \"imported\", \"created\": \"2026-11-20T10:00:00Z\", \"body\": ");
    rel_json_put(&sb, BODIES[1]);
    sb_append(&sb, ", \"messages\": [");
    static const char *const kinds[] = {"customer", "reply", "note"};
    size_t k = 0;
    for (size_t i = 0; i < N_BODIES; i++) {
        if (!rel_valid_utf8(BODIES[i]))
            continue;
        sb_printf(&sb, "%s{\"kind\": \"%s\", \"author\": ", k ? ", " : "", kinds[k % 3]);
        rel_json_put(&sb, BODIES[i]);
        sb_append(&sb, ", \"body\": ");
        rel_json_put(&sb, BODIES[i]);
        sb_append(&sb, "}");
        k++;
    }
    sb_append(&sb, "]}]\n");
    const char *file = support_path("import.json");
    support_write_file(file, sb.buf, sb.len);
    sb_done(&sb);
    RUN_OK("--now", "2026-11-20T11:00:00Z", "import", file);
}

static void cleanup(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", support_path(""));
    cr_expect(system(cmd) == 0);
    free(db);
}

TestSuite(hostile_bodies, .init = setup, .fini = cleanup, .timeout = 180);

static void expect_safe(const char *what, const support_result *r)
{
    size_t at = 0;
    cr_expect(!support_has_unsafe_bytes(r->out, r->out_len, &at), "%s: unsafe byte 0x%02x at %zu of stdout", what,
              at < r->out_len ? (unsigned char)r->out[at] : 0, at);
    cr_expect(!support_has_unsafe_bytes(r->err, r->err_len, &at), "%s: unsafe byte on stderr at %zu", what, at);
}

Test(hostile_bodies, text_outputs_carry_no_raw_control_bidi_or_invalid_bytes)
{
    const char *const cmds[][6] = {
        {"show", "1", NULL},         {"show", "2", NULL}, {"show", "1", "--explain", NULL},
        {"list", NULL},              {"list", "--all", NULL},
        {"audit", NULL},             {"audit", "1", NULL},
        {"audit", "export", "--format", "csv", NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        support_result r;
        run(&r, 0, NULL, cmds[i]);
        cr_expect(r.out_len > 0, "%s printed nothing", cmds[i][0]);
        char what[64];
        snprintf(what, sizeof what, "%s %s", cmds[i][0], cmds[i][1] ? cmds[i][1] : "");
        expect_safe(what, &r);
        support_result_done(&r);
    }
    /* The bodies are shown, filtered, not dropped: a multi-line body keeps its second line. */
    support_result r;
    run(&r, 0, NULL, (const char *const[]){"show", "1", NULL});
    cr_expect(strstr(r.out, "second line") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "gpj.exe") != NULL);
    support_result_done(&r);
}

/* Every decoded string of a JSON value, joined by \x01 (which no body holds). */
static void collect(const cJSON *j, strbuf *all)
{
    for (; j; j = j->next) {
        if (cJSON_IsString(j)) {
            sb_append(all, j->valuestring);
            sb_append_c(all, '\x01');
        }
        collect(j->child, all);
    }
}

Test(hostile_bodies, json_outputs_are_valid_and_carry_the_bodies_exactly)
{
    const char *const cmds[][6] = {
        {"show", "1", "--json", NULL}, {"show", "2", "--json", NULL}, {"list", "--all", "--json", NULL},
        {"audit", "--json", NULL},     {"audit", "export", "--format", "json", NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        support_result r;
        run(&r, 0, NULL, cmds[i]);
        expect_safe(cmds[i][0], &r); /* JSON escapes controls: no raw byte either */
        cJSON *j = cJSON_Parse(r.out);
        cr_assert_not_null(j, "%s %s: not JSON", cmds[i][0], cmds[i][1]);
        if (i < 2) {
            strbuf all;
            sb_init(&all);
            sb_append_c(&all, '\x01');
            collect(j, &all);
            for (size_t b = 0; b < N_BODIES; b++) {
                if (i == 1 && b == 0)
                    continue; /* ticket 2 has the body BODIES[1] and the valid ones below */
                char *needle = xasprintf("\x01%s\x01", BODIES[b]);
                if (rel_valid_utf8(BODIES[b]))
                    cr_expect(strstr(all.buf, needle) != NULL, "%s %s lacks body %zu exactly", cmds[i][0],
                              cmds[i][1], b);
                else if (i == 0)
                    cr_expect(strstr(all.buf, "invalid \xef\xbf\xbd") != NULL, "invalid UTF-8 not as U+FFFD");
                free(needle);
            }
            sb_done(&all);
        }
        cJSON_Delete(j);
        support_result_done(&r);
    }
}

Test(hostile_bodies, nul_is_refused_and_nothing_recorded)
{
    support_result before;
    run(&before, 0, NULL, (const char *const[]){"audit", "head", NULL});
    const char *path = support_path("nul.txt");
    support_write_file(path, "before\0after", 12);
    static const char *const cmds[][6] = {
        {"message", "1", "--body-file", NULL}, {"reply", "1", "--body-file", NULL},
        {"note", "1", "--body-file", NULL},    {"add", "--title", "t", "--body-file", NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        const char *args[8];
        size_t n = 0;
        for (; cmds[i][n]; n++)
            args[n] = cmds[i][n];
        args[n++] = path;
        args[n] = NULL;
        support_result r;
        run(&r, 1, NULL, args);
        cr_expect(strstr(r.err, "NUL") != NULL, "%s: %s", cmds[i][0], r.err);
        cr_expect_eq(support_count_lines(r.err), 1);
        support_result_done(&r);
    }
    const char *json = support_path("nul.json");
    const char *text = "{\"title\": \"t\", \"messages\": [{\"kind\": \"note\", \"body\": \"a\\u0000b\"}]}\n";
    support_write_file(json, text, strlen(text));
    support_result r;
    run(&r, 1, NULL, (const char *const[]){"import", json, NULL});
    cr_expect(strstr(r.err, "messages[0].body: contains a NUL") != NULL, "%s", r.err);
    support_result_done(&r);
    run(&r, 0, NULL, (const char *const[]){"audit", "head", NULL});
    cr_expect_str_eq(r.out, before.out, "a refused body changed the log");
    support_result_done(&r);
    support_result_done(&before);
}

/* ---- the CSV export against the JSON one ---- */

/* Splits one CSV record (RFC 4180) starting at *p into fields; advances *p past its line end. */
static size_t csv_record(const char **p, char **fields, size_t max)
{
    size_t n = 0;
    strbuf f;
    sb_init(&f);
    const char *s = *p;
    for (;;) {
        sb_reset(&f);
        if (*s == '"') {
            for (s++; *s; s++) {
                if (*s == '"' && s[1] == '"')
                    sb_append_c(&f, *s++);
                else if (*s == '"')
                    break;
                else
                    sb_append_c(&f, *s);
            }
            cr_assert(*s == '"', "unterminated quoted field");
            s++;
        } else {
            for (; *s && *s != ',' && *s != '\n'; s++) {
                cr_assert(*s != '"', "a quote inside an unquoted field");
                sb_append_c(&f, *s);
            }
        }
        cr_assert(n < max);
        fields[n++] = xstrdup(f.buf ? f.buf : "");
        if (*s == ',') {
            s++;
            continue;
        }
        cr_assert(*s == '\n', "a field is followed by 0x%02x", (unsigned char)*s);
        s++;
        break;
    }
    sb_done(&f);
    *p = s;
    return n;
}

Test(hostile_bodies, csv_export_has_the_json_columns_and_values)
{
    support_result rj, rc;
    run(&rj, 0, NULL, (const char *const[]){"audit", "export", "--format", "json", NULL});
    run(&rc, 0, NULL, (const char *const[]){"audit", "export", "--format", "csv", NULL});
    cJSON *arr = cJSON_Parse(rj.out);
    cr_assert(cJSON_IsArray(arr));
    const char *p = rc.out;
    char *head[32];
    size_t nh = csv_record(&p, head, 32);
    const cJSON *first = cJSON_GetArrayItem(arr, 0);
    size_t k = 0;
    for (const cJSON *it = first->child; it; it = it->next, k++) {
        cr_assert(k < nh, "the CSV lacks column %s", it->string);
        cr_expect_str_eq(head[k], it->string, "column %zu", k);
    }
    cr_expect_eq(k, nh, "CSV has %zu columns, JSON %zu keys", nh, k);
    size_t rows = 0, messages = 0, status_changes = 0;
    for (const cJSON *e = arr->child; e; e = e->next, rows++) {
        cr_assert(*p, "CSV has fewer rows than JSON");
        char *f[32];
        size_t nf = csv_record(&p, f, 32);
        cr_assert_eq(nf, nh, "row %zu has %zu fields", rows, nf);
        size_t c = 0;
        for (const cJSON *it = e->child; it; it = it->next, c++) {
            /* Text columns are shown filtered; the rest must be the same values. */
            bool text = !strcmp(it->string, "actor") || !strcmp(it->string, "reason") ||
                        !strcmp(it->string, "detail") || !strcmp(it->string, "from_level") ||
                        !strcmp(it->string, "to_level");
            char want[80] = "";
            if (cJSON_IsString(it))
                snprintf(want, sizeof want, "%s", it->valuestring);
            else if (cJSON_IsNumber(it))
                snprintf(want, sizeof want, "%.0f", it->valuedouble);
            if (!text)
                cr_expect_str_eq(f[c], want, "row %zu column %s", rows, it->string);
        }
        const cJSON *kind = cJSON_GetObjectItem(e, "message_kind");
        if (cJSON_IsString(kind))
            messages++;
        if (cJSON_IsString(cJSON_GetObjectItem(e, "to_status")))
            status_changes++;
        for (size_t i = 0; i < nf; i++)
            free(f[i]);
    }
    cr_expect_eq(*p, '\0', "CSV has more rows than JSON");
    cr_expect_geq(messages, 4 * N_BODIES, "messages exported: %zu", messages);
    cr_expect_geq(status_changes, 2 * N_BODIES, "status changes exported: %zu", status_changes);
    for (size_t i = 0; i < nh; i++)
        free(head[i]);
    cJSON_Delete(arr);
    support_result_done(&rj);
    support_result_done(&rc);
}
