/* import: the ticket file parser (JSON array or JSON lines) and every error it reports. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/import.h"

static st_code parse(const char *text, import_batch *b, st_err *err)
{
    return import_parse(text, strlen(text), "in.json", b, err);
}

/* Parses text expecting ST_INVALID with exactly `msg`. */
static void refused(const char *text, const char *msg)
{
    import_batch b;
    st_err err;
    cr_assert_eq(parse(text, &b, &err), ST_INVALID, "accepted: %s", text);
    cr_assert_str_eq(err.msg, msg);
    cr_assert_eq(b.n, 0);
    cr_assert_null(b.records);
}

Test(import, array_form_with_every_key)
{
    const char *text =
        "[\n"
        "  {\"title\": \"Bot slow\", \"level\": \"S1\", \"customer\": \"Acme\", \"channel\": \"email\",\n"
        "   \"ref\": \"ZD-1\", \"created\": \"2026-11-20T10:00:00Z\"},\n"
        "  {\"title\": \"Logs missing\"}\n"
        "]\n";
    import_batch b;
    st_err err;
    cr_assert_eq(parse(text, &b, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(b.n, 2);
    const ops_new_ticket *r = &b.records[0];
    cr_assert_str_eq(r->title, "Bot slow");
    cr_assert_str_eq(r->level, "S1");
    cr_assert_str_eq(r->customer, "Acme");
    cr_assert_str_eq(r->channel, "email");
    cr_assert_str_eq(r->ref, "ZD-1");
    st_time want = 0;
    cr_assert(time_parse_iso("2026-11-20T10:00:00Z", &want));
    cr_assert_eq(r->created, want);
    r = &b.records[1];
    cr_assert_str_eq(r->title, "Logs missing");
    cr_assert_null(r->level);
    cr_assert_null(r->customer);
    cr_assert_null(r->channel);
    cr_assert_null(r->ref);
    cr_assert_eq(r->created, ST_TIME_NONE);
    import_batch_done(&b);
    cr_assert_eq(b.n, 0);
}

Test(import, json_lines_skip_blank_lines_and_count_records)
{
    const char *text = "\xEF\xBB\xBF{\"title\": \"a\", \"created\": \"2026-11-20T10:00:00+05:30\"}\r\n"
                       "\n"
                       "   \n"
                       "{\"title\": \"b\", \"ref\": \"R2\"}\n"
                       "{\"title\": \"c\"}";
    import_batch b;
    st_err err;
    cr_assert_eq(parse(text, &b, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(b.n, 3);
    cr_assert_str_eq(b.records[0].title, "a");
    st_time want = 0;
    cr_assert(time_parse_iso("2026-11-20T04:30:00Z", &want));
    cr_assert_eq(b.records[0].created, want);
    cr_assert_str_eq(b.records[1].ref, "R2");
    cr_assert_str_eq(b.records[2].title, "c");
    import_batch_done(&b);

    /* Record numbers count records, not lines. */
    refused("{\"title\": \"a\"}\n\n\n{\"title\": 5}\n", "in.json: record 2: title: must be a string");
}

Test(import, empty_inputs_are_zero_records)
{
    const char *empties[] = {"", "  \n\n", "[]", " [ ] \n"};
    for (size_t i = 0; i < sizeof empties / sizeof *empties; i++) {
        import_batch b;
        st_err err;
        cr_assert_eq(parse(empties[i], &b, &err), ST_OK, "'%s': %s", empties[i], err.msg);
        cr_assert_eq(b.n, 0);
        import_batch_done(&b);
    }
}

Test(import, null_and_empty_optional_values_read_as_absent)
{
    import_batch b;
    st_err err;
    cr_assert_eq(
        parse("[{\"title\": \"t\", \"level\": null, \"customer\": \"\", \"channel\": null, \"ref\": \"\","
              " \"created\": null}]",
              &b, &err),
        ST_OK, "%s", err.msg);
    cr_assert_eq(b.n, 1);
    cr_assert_null(b.records[0].level);
    cr_assert_null(b.records[0].customer);
    cr_assert_null(b.records[0].channel);
    cr_assert_null(b.records[0].ref);
    cr_assert_eq(b.records[0].created, ST_TIME_NONE);
    import_batch_done(&b);
}

Test(import, strings_with_brackets_commas_and_escapes_stay_whole)
{
    import_batch b;
    st_err err;
    cr_assert_eq(
        parse("[{\"title\": \"a, b ] } [ {\", \"customer\": \"q\\\"],\"},{\"title\": \"\\u00e9t\\u00e9\"}]",
              &b, &err),
        ST_OK, "%s", err.msg);
    cr_assert_eq(b.n, 2);
    cr_assert_str_eq(b.records[0].title, "a, b ] } [ {");
    cr_assert_str_eq(b.records[0].customer, "q\"],");
    cr_assert_str_eq(b.records[1].title, "\xc3\xa9t\xc3\xa9");
    import_batch_done(&b);
}

Test(import, key_errors)
{
    refused("[{\"title\": \"a\"}, {\"title\": \"b\", \"priority\": \"S1\"}]",
            "in.json: record 2: priority: unknown key (keys: title, level, customer, channel, ref, created, "
            "body, messages)");
    refused("{\"title\": \"a\", \"title\": \"b\"}", "in.json: record 1: title: duplicate key");
    refused("[{\"level\": \"S1\"}]", "in.json: record 1: title: missing (required)");
    refused("[{\"title\": \"  \"}]", "in.json: record 1: title: must not be empty");
    refused("[{\"title\": null}]", "in.json: record 1: title: must be a string");
    refused("[{\"title\": \"a\", \"level\": 1}]", "in.json: record 1: level: must be a string");
    refused("[{\"title\": \"a\", \"level\": \"\"}]", "in.json: record 1: level: must not be empty");
    refused("[{\"title\": \"a\", \"customer\": [\"x\"]}]", "in.json: record 1: customer: must be a string");
    refused("[{\"title\": \"a\", \"channel\": true}]", "in.json: record 1: channel: must be a string");
    refused("[{\"title\": \"a\", \"ref\": 12}]", "in.json: record 1: ref: must be a string");
    refused("[{\"title\": \"a\", \"created\": 1700000000}]", "in.json: record 1: created: must be a string");
    /* A hostile key reaches the message sanitised. */
    refused("[{\"title\": \"a\", \"\\u001b[2J\": 1}]",
            "in.json: record 1: \xe2\x90\x9b[2J: unknown key (keys: title, level, customer, channel, ref, "
            "created, body, messages)");
}

Test(import, bad_dates)
{
    refused("[{\"title\": \"a\", \"created\": \"yesterday\"}]",
            "in.json: record 1: created: not an ISO 8601 time: 'yesterday' (e.g. 2026-11-20T10:00:00Z)");
    refused("{\"title\": \"a\"}\n{\"title\": \"b\", \"created\": \"2026-02-30T10:00:00Z\"}",
            "in.json: record 2: created: not an ISO 8601 time: '2026-02-30T10:00:00Z' (e.g. "
            "2026-11-20T10:00:00Z)");
}

Test(import, duplicate_ref_names_both_records)
{
    refused("[{\"title\": \"a\", \"ref\": \"X\"}, {\"title\": \"b\", \"ref\": \"Y\"}, {\"title\": \"c\", "
            "\"ref\": \"X\"}]",
            "in.json: record 3: ref: duplicate 'X' (also record 1)");
    refused("{\"title\": \"a\", \"ref\": \"Q\"}\n{\"title\": \"b\", \"ref\": \"Q\"}\n",
            "in.json: record 2: ref: duplicate 'Q' (also record 1)");
}

Test(import, many_refs_past_the_hash_set_growth)
{
    strbuf sb;
    sb_init(&sb);
    for (int i = 0; i < 5000; i++)
        sb_printf(&sb, "{\"title\": \"t%d\", \"ref\": \"R-%d\"}\n", i, i);
    sb_printf(&sb, "{\"title\": \"again\", \"ref\": \"R-4321\"}\n");
    import_batch b;
    st_err err;
    cr_assert_eq(import_parse(sb.buf, sb.len, "big.jsonl", &b, &err), ST_INVALID);
    cr_assert_str_eq(err.msg, "big.jsonl: record 5001: ref: duplicate 'R-4321' (also record 4322)");
    sb_done(&sb);
}

Test(import, syntax_errors_name_record_and_line)
{
    refused("[{\"title\": \"a\"},\n {\"title\": \"b\",}\n]", "in.json: record 2: invalid JSON (line 2)");
    refused("{\"title\": \"a\"}\n{\"title\": \"b\"\n", "in.json: record 2: invalid JSON (line 2)");
    refused("{\"title\": \"a\"} {\"title\": \"b\"}\n", "in.json: record 1: invalid JSON (line 1)");
    refused("[{\"title\": \"a\"},\n{\"title\": \"b\"}\n",
            "in.json: record 2: invalid JSON (line 3): the array is not closed");
    refused("[{\"title\": \"a\"}] x", "in.json: line 1: unexpected text after the array");
    refused("[{\"title\": \"a\"}, ]", "in.json: record 2: invalid JSON (line 1)");
    refused("[\"title\"]", "in.json: record 1: not a JSON object");
    refused("{\"title\": \"a\"}\n[1]\n", "in.json: record 2: not a JSON object");
    refused("\n\ntitle,level\n",
            "in.json: line 3: expected a JSON array of records or JSON lines (one object per line)");
}

Test(import, nul_bytes_are_refused)
{
    const char text[] = "{\"title\": \"a\"}\n\0{\"title\": \"b\"}\n";
    import_batch b;
    st_err err;
    cr_assert_eq(import_parse(text, sizeof text - 1, "in.json", &b, &err), ST_INVALID);
    cr_assert_str_eq(err.msg, "in.json: contains a NUL byte (not a JSON text file)");
}

Test(import, missing_file_names_the_path)
{
    import_batch b;
    st_err err;
    cr_assert_eq(import_load_file("/nonexistent/slatop/tickets.json", &b, &err), ST_IO);
    cr_assert(strstr(err.msg, "/nonexistent/slatop/tickets.json") != NULL, "%s", err.msg);
    cr_assert_eq(b.n, 0);
}

/* ---- body and messages (SPEC §8) ---- */

Test(import, body_and_messages_are_read)
{
    const char *text = "{\"title\": \"t\", \"body\": \"first\\nsecond line\", \"messages\": ["
                       "{\"kind\": \"note\", \"body\": \"n\"},"
                       "{\"kind\": \"reply\", \"author\": \"asha\", \"at\": \"2026-11-20T10:30:00Z\", \"body\": \"r\"},"
                       "{\"kind\": \"customer\", \"author\": \"\", \"at\": null, \"body\": \"\"}]}\n";
    import_batch b;
    st_err err;
    cr_assert_eq(parse(text, &b, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(b.n, 1);
    const ops_new_ticket *r = &b.records[0];
    cr_expect_str_eq(r->body, "first\nsecond line");
    cr_expect_eq(r->body_len, strlen("first\nsecond line"));
    cr_assert_eq(r->n_messages, 3);
    cr_expect_eq(r->messages[0].kind, MSG_NOTE);
    cr_expect_null(r->messages[0].author);
    cr_expect_eq(r->messages[0].at, ST_TIME_NONE);
    cr_expect_eq(r->messages[1].kind, MSG_REPLY);
    cr_expect_str_eq(r->messages[1].author, "asha");
    st_time want = 0;
    cr_assert(time_parse_iso("2026-11-20T10:30:00Z", &want));
    cr_expect_eq(r->messages[1].at, want);
    cr_expect_eq(r->messages[2].kind, MSG_CUSTOMER);
    cr_expect_null(r->messages[2].author, "an empty author is no author");
    cr_expect_str_eq(r->messages[2].body, "");
    import_batch_done(&b);
}

Test(import, errors_name_the_message_and_key)
{
    refused("{\"title\": \"t\", \"messages\": {}}\n",
            "in.json: record 1: messages: must be an array of {kind, author, at, body}");
    refused("{\"title\": \"t\", \"messages\": [5]}\n",
            "in.json: record 1: messages[0]: must be an object {kind, author, at, body}");
    refused("{\"title\": \"t\", \"messages\": [{\"kind\": \"note\", \"body\": \"a\"}, {\"body\": \"b\"}]}\n",
            "in.json: record 1: messages[1].kind: missing (required: customer, reply or note)");
    refused("{\"title\": \"t\", \"messages\": [{\"kind\": \"email\", \"body\": \"b\"}]}\n",
            "in.json: record 1: messages[0].kind: unknown kind 'email' (kinds: customer, reply, note)");
    refused("{\"title\": \"t\", \"messages\": [{\"kind\": \"note\"}]}\n",
            "in.json: record 1: messages[0].body: missing (required)");
    refused("{\"title\": \"t\", \"messages\": [{\"kind\": \"note\", \"body\": 7}]}\n",
            "in.json: record 1: messages[0].body: must be a string");
    refused("{\"title\": \"t\", \"messages\": [{\"kind\": \"note\", \"body\": \"b\", \"at\": \"yesterday\"}]}\n",
            "in.json: record 1: messages[0].at: not an ISO 8601 time: 'yesterday' (e.g. 2026-11-20T10:00:00Z)");
    refused("{\"title\": \"t\", \"messages\": [{\"kind\": \"note\", \"body\": \"b\", \"to\": \"x\"}]}\n",
            "in.json: record 1: messages[0].to: unknown key (keys: kind, author, at, body)");
    refused("{\"title\": \"t\", \"messages\": [{\"kind\": \"note\", \"body\": \"b\", \"body\": \"c\"}]}\n",
            "in.json: record 1: messages[0].body: duplicate key");
    refused("{\"title\": \"t\", \"messages\": ["
            "{\"kind\": \"note\", \"body\": \"b\", \"at\": \"2026-11-20T11:00:00Z\"},"
            "{\"kind\": \"note\", \"body\": \"b\", \"at\": \"2026-11-20T10:00:00Z\"}]}\n",
            "in.json: record 1: messages[1].at: before the message above it (messages ascend in time)");
    refused("{\"title\": \"t\", \"body\": 1}\n", "in.json: record 1: body: must be a string");
    /* NUL is refused, never cut; an escaped backslash followed by u0000 is text. */
    refused("{\"title\": \"t\", \"messages\": [{\"kind\": \"note\", \"body\": \"a\\u0000b\"}]}\n",
            "in.json: record 1: messages[0].body: contains a NUL character (refused, not cut)");
    refused("{\"title\": \"t\", \"body\": \"a\\u0000\"}\n",
            "in.json: record 1: body: contains a NUL character (refused, not cut)");
    import_batch b;
    st_err err;
    cr_assert_eq(parse("{\"title\": \"t\", \"body\": \"a\\\\u0000\"}\n", &b, &err), ST_OK, "%s", err.msg);
    cr_expect_str_eq(b.records[0].body, "a\\u0000");
    import_batch_done(&b);
    /* The record that fails is named, and nothing of the batch is kept. */
    refused("{\"title\": \"ok\", \"messages\": [{\"kind\": \"note\", \"body\": \"b\"}]}\n"
            "{\"title\": \"t\", \"messages\": [{\"kind\": \"nope\", \"body\": \"b\"}]}\n",
            "in.json: record 2: messages[0].kind: unknown kind 'nope' (kinds: customer, reply, note)");
}
