/* import with `body` and `messages` (SPEC §8) through the real binary and real SQLite files: all or
 * nothing, and the clocks after an import are exactly those of the same conversation recorded one
 * command at a time. The parser's own errors are in test_import.c. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/util.h"
#include "support_cli.h"

/* ---- through the binary ---- */

static void run_ok(support_result *r, const char *db, const char *now, const char *const *rest)
{
    const char *argv[24] = {"--db", db, "--now", now};
    size_t n = 4;
    for (size_t i = 0; rest[i]; i++)
        argv[n++] = rest[i];
    argv[n] = NULL;
    support_run_argv(r, NULL, argv);
    cr_assert_eq(r->status, 0, "%s: exit %d: %s", rest[0], r->status, r->err);
}

#define RUN(db, now, ...)                                                                                         \
    do {                                                                                                          \
        support_result r_;                                                                                        \
        run_ok(&r_, (db), (now), (const char *const[]){__VA_ARGS__, NULL});                                       \
        support_result_done(&r_);                                                                                 \
    } while (0)

/* `show 1 --json` at `now`, parsed. */
static cJSON *show(const char *db, const char *now)
{
    support_result r;
    run_ok(&r, db, now, (const char *const[]){"show", "1", "--json", NULL});
    cJSON *j = cJSON_Parse(r.out);
    cr_assert_not_null(j, "not JSON: %s", r.out);
    support_result_done(&r);
    return j;
}

static char *printed(const cJSON *j, const char *key)
{
    char *s = cJSON_PrintUnformatted(cJSON_GetObjectItem(j, key));
    cr_assert_not_null(s, "no %s", key);
    return s;
}

static const char *str(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(j, key);
    return cJSON_IsString(v) ? v->valuestring : "(not a string)";
}

Test(import_messages, clocks_after_import_equal_the_conversation_recorded_one_by_one, .timeout = 120)
{
    support_sandbox();
    const char *a = support_path("imported.db"), *b = support_path("recorded.db");
    const char *policy = support_source("share/policies/chatti.json");
    RUN(a, "2026-11-01T00:00:00Z", "init", "--policy", policy);
    RUN(b, "2026-11-01T00:00:00Z", "init", "--policy", policy);

    /* URGENT is 24x7: first response 30 min, next response 30, resolution 240. The first reply
     * is late; a customer message after it arms next_response (met), another arms a cycle that
     * runs past its due. */
    const char *file = support_path("in.jsonl");
    const char *text =
        "{\"title\": \"Bot down\", \"level\": \"URGENT\", \"customer\": \"Acme\", \"created\": \"2026-11-20T10:00:00Z\","
        " \"body\": \"The bot is down.\\nAll of it.\", \"messages\": ["
        "{\"kind\": \"note\", \"at\": \"2026-11-20T10:05:00Z\", \"body\": \"paging infra\"},"
        "{\"kind\": \"reply\", \"at\": \"2026-11-20T10:40:00Z\", \"body\": \"on it\"},"
        "{\"kind\": \"customer\", \"at\": \"2026-11-20T10:50:00Z\", \"body\": \"any news?\"},"
        "{\"kind\": \"reply\", \"author\": \"asha\", \"at\": \"2026-11-20T11:00:00Z\", \"body\": \"fixed soon\"},"
        "{\"kind\": \"customer\", \"author\": \"Bob\", \"at\": \"2026-11-20T11:10:00Z\", \"body\": \"still down\"}]}\n";
    support_write_file(file, text, strlen(text));
    RUN(a, "2026-11-20T12:00:00Z", "import", file);

    RUN(b, "2026-11-20T10:00:00Z", "add", "--title", "Bot down", "--level", "URGENT", "--customer", "Acme",
        "--created", "2026-11-20T10:00:00Z", "--body", "The bot is down.\nAll of it.");
    RUN(b, "2026-11-20T10:05:00Z", "note", "1", "--body", "paging infra");
    RUN(b, "2026-11-20T10:40:00Z", "reply", "1", "--body", "on it");
    RUN(b, "2026-11-20T10:50:00Z", "message", "1", "--body", "any news?");
    RUN(b, "2026-11-20T11:00:00Z", "reply", "1", "--body", "fixed soon");
    RUN(b, "2026-11-20T11:10:00Z", "message", "1", "--from", "Bob", "--body", "still down");

    cJSON *ja = show(a, "2026-11-20T12:00:00Z"), *jb = show(b, "2026-11-20T12:00:00Z");
    const char *same[] = {"clocks", "next", "state", "due", "remaining_s", "breached_ever", "first_response",
                          "status", "resolved"};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        char *x = printed(ja, same[i]), *y = printed(jb, same[i]);
        cr_expect_str_eq(x, y, "%s: imported %s, recorded %s", same[i], x, y);
        free(x);
        free(y);
    }

    /* And the clocks are the ones SPEC §8 asks for. */
    cr_expect_str_eq(str(ja, "state"), "missed");
    cr_expect_str_eq(str(ja, "first_response"), "2026-11-20T10:40:00Z");
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(ja, "breached_ever")));
    const cJSON *clocks = cJSON_GetObjectItem(ja, "clocks");
    cr_assert_eq(cJSON_GetArraySize(clocks), 4, "FR, NR 1, NR 2, RES");
    const cJSON *nr1 = cJSON_GetArrayItem(clocks, 1), *nr2 = cJSON_GetArrayItem(clocks, 2);
    cr_expect_str_eq(str(nr1, "metric"), "next_response");
    cr_expect_str_eq(str(nr1, "started"), "2026-11-20T10:50:00Z");
    cr_expect_str_eq(str(nr1, "state"), "met");
    cr_expect_str_eq(str(nr2, "started"), "2026-11-20T11:10:00Z");
    cr_expect_str_eq(str(nr2, "due"), "2026-11-20T11:40:00Z");
    cr_expect_str_eq(str(nr2, "state"), "breached");
    const cJSON *next = cJSON_GetObjectItem(ja, "next");
    cr_expect_str_eq(str(next, "metric"), "next_response");

    /* The conversation: authors as the commands would have set them, bodies kept multi-line. */
    const cJSON *msgs = cJSON_GetObjectItem(ja, "messages");
    cr_assert_eq(cJSON_GetArraySize(msgs), 6);
    cr_expect_str_eq(str(cJSON_GetArrayItem(msgs, 0), "body"), "The bot is down.\nAll of it.");
    cr_expect_str_eq(str(cJSON_GetArrayItem(msgs, 0), "author"), "Acme");
    cr_expect_str_eq(str(cJSON_GetArrayItem(msgs, 1), "kind"), "note");
    cr_expect_str_eq(str(cJSON_GetArrayItem(msgs, 1), "at"), "2026-11-20T10:05:00Z");
    cr_expect_str_eq(str(cJSON_GetArrayItem(msgs, 2), "author"), str(cJSON_GetArrayItem(
                                                                          cJSON_GetObjectItem(jb, "messages"), 2),
                                                                      "author"),
                     "a reply without author is the actor's");
    cr_expect_str_eq(str(cJSON_GetArrayItem(msgs, 4), "author"), "asha");
    cr_expect_str_eq(str(cJSON_GetArrayItem(msgs, 5), "author"), "Bob");
    cJSON_Delete(ja);
    cJSON_Delete(jb);

    /* The chain holds the imported bodies' hashes. */
    RUN(a, "2026-11-20T12:00:00Z", "audit", "verify");
}

/* Imports text from file into db, which must fail with one line naming the file and `needle`. */
static void import_refused(const char *db, const char *file, const char *text, const char *needle)
{
    support_write_file(file, text, strlen(text));
    support_result r;
    const char *argv[] = {"--db", db, "--now", "2026-11-20T12:00:00Z", "import", file, NULL};
    support_run_argv(&r, NULL, argv);
    cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    char *want = xasprintf("slatop: %s: %s", file, needle);
    cr_expect(strstr(r.err, want) != NULL, "stderr %s lacks %s", r.err, want);
    cr_expect_eq(support_count_lines(r.err), 1, "%s", r.err);
    free(want);
    support_result_done(&r);
}

Test(import_messages, a_bad_message_imports_nothing, .timeout = 60)
{
    support_sandbox();
    const char *db = support_path("t.db");
    RUN(db, "2026-11-01T00:00:00Z", "init", "--policy", support_source("share/policies/chatti.json"));
    const char *file = support_path("in.json");
    const char *text = "[{\"title\": \"good\", \"body\": \"hi\"},\n"
                       " {\"title\": \"bad\", \"created\": \"2026-11-20T10:00:00Z\", \"messages\": ["
                       "{\"kind\": \"reply\", \"at\": \"2026-11-20T10:30:00Z\", \"body\": \"a\"},"
                       "{\"kind\": \"note\", \"at\": \"2026-11-20T09:00:00Z\", \"body\": \"b\"}]},\n"
                       " {\"title\": \"early\", \"created\": \"2026-11-20T10:00:00Z\", \"messages\": ["
                       "{\"kind\": \"customer\", \"at\": \"2026-11-20T09:59:59Z\", \"body\": \"b\"}]}]\n";
    import_refused(db, file, text, "record 2: messages[1].at: before the message above it");
    /* Time order against the creation is the store's check. */
    text = "[{\"title\": \"early\", \"created\": \"2026-11-20T10:00:00Z\", \"messages\": ["
           "{\"kind\": \"customer\", \"at\": \"2026-11-20T09:59:59Z\", \"body\": \"b\"}]}]\n";
    import_refused(db, file, text,
                   "record 1: messages[0].at: 2026-11-20T09:59:59Z is before the ticket's creation "
                   "2026-11-20T10:00:00Z\n");
    text = "[{\"title\": \"future\", \"messages\": ["
           "{\"kind\": \"note\", \"at\": \"2026-11-21T10:00:00Z\", \"body\": \"b\"}]}]\n";
    import_refused(db, file, text, "record 1: messages[0].at: 2026-11-21T10:00:00Z is ahead of now");

    support_result r;
    const char *list[] = {"--db", db, "list", "--all", "--json", NULL};
    support_run_argv(&r, NULL, list);
    cr_expect_eq(r.status, 0);
    cr_expect_str_eq(r.out, "[]\n", "nothing imported");
    support_result_done(&r);
}
