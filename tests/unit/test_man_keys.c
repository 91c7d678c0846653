/* The man page's key list (share/man/slatop.1, section KEYS) against the one actions table
 * (include/slatop/actions.h), both ways: every action with its default keys and its help text is
 * in the man page, and every entry and key in the man page belongs to an action. The entries are
 * written as
 *     .TP
 *     .BR "KEYS" " (NAME)"
 *     help text
 * one per action in the table's order. The comparison is tested on broken copies too, so that a
 * check that always passes would fail here. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/actions.h"
#include "slatop/util.h"

typedef struct {
    const char *name, *keys, *help;
} act_row;

static const act_row table[] = {
#define ROW(id, name, keys, help) {name, keys, help},
    ST_ACTIONS(ROW)
#undef ROW
};
#define N_TABLE (sizeof table / sizeof table[0])

typedef struct {
    char *name, *keys, *help; /* owned */
} man_entry;

#define MAX_ENTRIES 64

/* The troff escapes the KEYS section uses, undone: \- \e \& \(dq. Any other escape is kept as
 * written, so it shows up as a difference rather than passing unread. Caller frees. */
static char *unescape(const char *s, size_t n)
{
    strbuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == '-')
            sb_append_c(&sb, '-'), i++;
        else if (s[i] == '\\' && i + 1 < n && s[i + 1] == 'e')
            sb_append_c(&sb, '\\'), i++;
        else if (s[i] == '\\' && i + 1 < n && s[i + 1] == '&')
            i++;
        else if (s[i] == '\\' && i + 3 < n && strncmp(s + i + 1, "(dq", 3) == 0)
            sb_append_c(&sb, '"'), i += 3;
        else
            sb_append_c(&sb, s[i]);
    }
    if (!sb.buf)
        sb_append(&sb, "");
    return sb_steal(&sb);
}

/* A macro line's arguments as troff splits them: by spaces, "double quotes" keeping spaces. */
static size_t macro_args(const char *line, size_t len, char **args, size_t cap)
{
    size_t n = 0, i = 0;
    while (i < len && line[i] != ' ') /* the macro itself */
        i++;
    while (i < len && n < cap) {
        while (i < len && line[i] == ' ')
            i++;
        if (i >= len)
            break;
        size_t start, end;
        if (line[i] == '"') {
            start = ++i;
            while (i < len && line[i] != '"')
                i++;
            end = i++;
        } else {
            start = i;
            while (i < len && line[i] != ' ')
                i++;
            end = i;
        }
        args[n++] = unescape(line + start, end - start);
    }
    return n;
}

/* Parses the KEYS section's entries into out; a malformed entry or section is a problem. */
static size_t parse_keys(const char *man, man_entry *out, strbuf *problems, size_t *n_problems)
{
    const char *sec = strstr(man, "\n.SH KEYS\n");
    if (!sec) {
        sb_append(problems, "the man page has no KEYS section\n");
        (*n_problems)++;
        return 0;
    }
    sec += strlen("\n.SH KEYS\n");
    const char *end = strstr(sec, "\n.SH ");
    if (!end)
        end = sec + strlen(sec);
    size_t n = 0;
    man_entry *cur = NULL;
    bool want_tag = false;
    for (const char *line = sec; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
        if (len >= 3 && strncmp(line, ".\\\"", 3) == 0) {
            /* a comment */
        } else if (len == 3 && strncmp(line, ".TP", 3) == 0) {
            cur = NULL;
            want_tag = true;
        } else if (want_tag) {
            want_tag = false;
            char *args[4] = {NULL};
            size_t na = strncmp(line, ".BR ", 4) == 0 ? macro_args(line, len, args, 4) : 0;
            size_t nlen = na == 2 ? strlen(args[1]) : 0;
            if (na != 2 || nlen < 4 || strncmp(args[1], " (", 2) != 0 || args[1][nlen - 1] != ')') {
                sb_printf(problems, "malformed entry (want .BR \"KEYS\" \" (NAME)\"): %.*s\n", (int)len,
                          line);
                (*n_problems)++;
            } else if (n == MAX_ENTRIES) {
                sb_printf(problems, "more than %d entries\n", MAX_ENTRIES);
                (*n_problems)++;
            } else {
                cur = &out[n++];
                cur->keys = xstrdup(args[0]);
                cur->name = xstrndup(args[1] + 2, nlen - 3);
                cur->help = NULL;
            }
            for (size_t i = 0; i < na; i++)
                free(args[i]);
        } else if (len > 0 && line[0] == '.') {
            cur = NULL; /* .PP and the like end the entry */
        } else if (cur) {
            char *text = unescape(line, len);
            char *joined = cur->help ? xasprintf("%s %s", cur->help, text) : xstrdup(text);
            free(cur->help);
            free(text);
            cur->help = joined;
        }
        line += len + 1;
    }
    return n;
}

/* True if the space-separated key list `keys` holds `key`. */
static bool has_key(const char *keys, const char *key)
{
    size_t k = strlen(key);
    for (const char *p = keys; *p;) {
        while (*p == ' ')
            p++;
        size_t w = strcspn(p, " ");
        if (w == k && strncmp(p, key, k) == 0)
            return true;
        p += w;
    }
    return false;
}

static const act_row *action_named(const char *name)
{
    for (size_t i = 0; i < N_TABLE; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

/* Every difference between the man page text and the table, one line each into problems;
 * returns how many. */
static size_t compare(const char *man, strbuf *problems)
{
    man_entry e[MAX_ENTRIES];
    size_t bad = 0;
    size_t n = parse_keys(man, e, problems, &bad);
    /* Man page -> table: each entry is an action, once, and each of its keys is that action's. */
    for (size_t i = 0; i < n; i++) {
        const act_row *a = action_named(e[i].name);
        if (!a) {
            sb_printf(problems, "the man page lists \"%s\", which is no action\n", e[i].name);
            bad++;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(e[j].name, e[i].name) == 0) {
                sb_printf(problems, "the man page lists \"%s\" twice\n", e[i].name);
                bad++;
            }
        char *keys = xstrdup(e[i].keys);
        for (char *save = NULL, *k = strtok_r(keys, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
            if (a && has_key(a->keys, k))
                continue;
            const act_row *owner = NULL;
            for (size_t t = 0; t < N_TABLE && !owner; t++)
                if (has_key(table[t].keys, k))
                    owner = &table[t];
            if (owner)
                sb_printf(problems, "the man page gives key %s to \"%s\", but it is \"%s\"'s\n", k, e[i].name,
                          owner->name);
            else
                sb_printf(problems, "the man page's key %s (for \"%s\") is bound to no action\n", k,
                          e[i].name);
            bad++;
        }
        free(keys);
    }
    /* Table -> man page: each action is there, in order, with all its keys and its help text. */
    size_t next = 0;
    for (size_t t = 0; t < N_TABLE; t++) {
        const man_entry *m = NULL;
        size_t at = 0;
        for (size_t i = 0; i < n && !m; i++)
            if (strcmp(e[i].name, table[t].name) == 0)
                m = &e[i], at = i;
        if (!m) {
            sb_printf(problems, "action \"%s\" (%s: %s) is missing from the man page\n", table[t].name,
                      table[t].keys, table[t].help);
            bad++;
            continue;
        }
        if (at < next) {
            sb_printf(problems, "action \"%s\" is out of the table's order in the man page\n", table[t].name);
            bad++;
        }
        next = at + 1;
        char *keys = xstrdup(table[t].keys);
        for (char *save = NULL, *k = strtok_r(keys, " ", &save); k; k = strtok_r(NULL, " ", &save))
            if (!has_key(m->keys, k)) {
                sb_printf(problems, "action \"%s\": its key %s is missing from the man page\n", table[t].name,
                          k);
                bad++;
            }
        free(keys);
        if (!m->help || strcmp(m->help, table[t].help) != 0) {
            sb_printf(problems, "action \"%s\": help text \"%s\" in the table, \"%s\" in the man page\n",
                      table[t].name, table[t].help, m->help ? m->help : "");
            bad++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(e[i].name);
        free(e[i].keys);
        free(e[i].help);
    }
    return bad;
}

static char *read_man_page(void)
{
    const char *path = SLATOP_SOURCE_DIR "/share/man/slatop.1";
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    strbuf sb;
    sb_init(&sb);
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        sb_append_n(&sb, buf, got);
    fclose(f);
    return sb_steal(&sb);
}

/* The man page with `from` (which must occur once) replaced by `to`. Caller frees. */
static char *edited(const char *man, const char *from, const char *to)
{
    const char *at = strstr(man, from);
    cr_assert(at && !strstr(at + 1, from), "the man page should hold once: %s", from);
    return xasprintf("%.*s%s%s", (int)(at - man), man, to, at + strlen(from));
}

/* Expects the edited man page to fail with a problem line containing `want`. */
static void expect_problem(const char *from, const char *to, const char *want)
{
    char *man = read_man_page();
    char *bad = edited(man, from, to);
    strbuf problems;
    sb_init(&problems);
    cr_expect_gt(compare(bad, &problems), 0, "the edit %s -> %s went unnoticed", from, to);
    cr_expect(problems.buf && strstr(problems.buf, want), "want \"%s\" among:\n%s", want,
              problems.buf ? problems.buf : "");
    sb_done(&problems);
    free(bad);
    free(man);
}

Test(man_keys, the_man_page_lists_the_actions_table)
{
    char *man = read_man_page();
    strbuf problems;
    sb_init(&problems);
    size_t bad = compare(man, &problems);
    cr_expect_eq(bad, 0, "share/man/slatop.1 KEYS differs from include/slatop/actions.h:\n%s",
                 problems.buf ? problems.buf : "");
    sb_done(&problems);
    free(man);
}

Test(man_keys, an_action_missing_from_the_man_page_fails)
{
    expect_problem(".TP\n.BR \"Space x\" \" (toggle)\"\ntriage: tick or untick the criterion\n", "",
                   "action \"toggle\" (Space x: triage: tick or untick the criterion) is missing");
}

Test(man_keys, a_key_no_action_has_fails)
{
    expect_problem(".BR \"t\" \" (triage)\"", ".BR \"t T\" \" (triage)\"",
                   "key T (for \"triage\") is bound to no action");
}

Test(man_keys, a_key_of_another_action_fails)
{
    expect_problem(".BR \"r\" \" (respond)\"", ".BR \"r R\" \" (respond)\"",
                   "gives key R to \"respond\", but it is \"reload\"'s");
}

Test(man_keys, a_default_key_missing_from_the_man_page_fails)
{
    expect_problem(".BR \"? F1\" \" (help)\"", ".BR \"?\" \" (help)\"",
                   "action \"help\": its key F1 is missing");
}

Test(man_keys, an_entry_that_is_no_action_fails)
{
    expect_problem(".TP\n.BR \"q\" \" (quit)\"",
                   ".TP\n.BR \"Z\" \" (zap)\"\nzap it\n.TP\n.BR \"q\" \" (quit)\"",
                   "lists \"zap\", which is no action");
}

Test(man_keys, a_changed_help_text_fails)
{
    expect_problem("\nreload now\n", "\nreload everything now\n", "action \"reload\": help text");
}

Test(man_keys, an_escape_left_unread_fails)
{
    expect_problem(".BR \"\\-\" \" (lower)\"", ".BR \"\\(mi\" \" (lower)\"", "bound to no action");
}
