/* cli_args: the one argument parser (cli_parse_args) against the command table, directly, without
 * running the binary: options with and without values, repeats, globals among a command's
 * arguments, positionals, and every row of the table. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <string.h>

#include "../../src/cli/cli_internal.h"

#define MAX_ARGV 16

/* argv for cli_parse_args: "slatop", then the NULL-terminated words; static, one call at a time. */
static int make_argv(char **argv, va_list ap)
{
    static char words[MAX_ARGV][64];
    int argc = 0;
    strcpy(words[argc], "slatop");
    argv[argc] = words[argc];
    argc++;
    for (const char *w; (w = va_arg(ap, const char *)) != NULL;) {
        cr_assert(argc < MAX_ARGV - 1 && strlen(w) < sizeof words[0]);
        strcpy(words[argc], w);
        argv[argc] = words[argc];
        argc++;
    }
    argv[argc] = NULL;
    return argc;
}

static raw_globals rg;
static cmd_args args;
static st_err err;

/* Parses the words after the command name (NULL-terminated) as spec's arguments. */
static st_code parse_with(const cmd_spec *spec, ...)
{
    static char *argv[MAX_ARGV];
    va_list ap;
    va_start(ap, spec);
    int argc = make_argv(argv, ap);
    va_end(ap);
    memset(&rg, 0, sizeof rg);
    st_err_clear(&err);
    return cli_parse_args(spec, argc, argv, 1, &rg, &args, &err);
}

#define PARSE(name, ...) parse_with(row(name), __VA_ARGS__, NULL)

static const cmd_spec *row(const char *name)
{
    const cmd_spec *c = cli_command(name);
    cr_assert(c != NULL, "no command '%s' in the table", name);
    return c;
}

static void expect_usage(st_code rc, const char *msg)
{
    cr_expect_eq(rc, ST_USAGE, "rc %d", (int)rc);
    cr_expect_str_eq(err.msg, msg);
}

Test(cli_args, value_after_a_space_or_an_equals_sign)
{
    cr_assert_eq(PARSE("add", "--title", "one", "--level=HIGH", "--customer="), ST_OK, "%s", err.msg);
    cr_expect_str_eq(cli_opt(&args, "title"), "one");
    cr_expect_str_eq(cli_opt(&args, "level"), "HIGH");
    cr_expect_str_eq(cli_opt(&args, "customer"), "", "an empty value is a value");
    cr_expect_null(cli_opt(&args, "ref"));
    cr_expect(cli_flag(&args, "title") && !cli_flag(&args, "ref"));
    /* A value may itself look like an option. */
    cr_assert_eq(PARSE("add", "--title", "--json"), ST_OK, "%s", err.msg);
    cr_expect_str_eq(cli_opt(&args, "title"), "--json");
}

Test(cli_args, unknown_option_names_the_command_and_the_option)
{
    expect_usage(PARSE("list", "--bogus"), "list: unknown option '--bogus'");
    expect_usage(PARSE("list", "--bogus=3"), "list: unknown option '--bogus'");
    /* Another command's option is unknown here. */
    expect_usage(PARSE("list", "--title", "x"), "list: unknown option '--title'");
}

Test(cli_args, missing_value_and_value_on_a_flag)
{
    expect_usage(PARSE("add", "--title"), "--title: missing value");
    expect_usage(PARSE("list", "--json=yes"), "--json: takes no value");
}

Test(cli_args, an_option_given_twice_is_refused_unless_repeatable)
{
    expect_usage(PARSE("add", "--title", "x", "--title", "y"), "--title: given twice");
    expect_usage(PARSE("list", "--json", "--json"), "--json: given twice");

    /* No command repeats an option yet: a row made for the test. */
    static const cmd_spec tagged = {"tag", NULL, 0, 1,
                                    {{"tag", "T", true, "a tag"}, {"v", NULL, true, "more output"}},
                                    "tag [X] [--tag T]...", NULL, "tag x --tag a"};
    cr_assert_eq(parse_with(&tagged, "--tag", "a", "--v", "x", "--tag=b", "--v", "--tag", "c", NULL), ST_OK,
                 "%s", err.msg);
    cr_expect_str_eq(cli_opt(&args, "tag"), "a");
    cr_expect_str_eq(cli_opt_nth(&args, "tag", 1), "b");
    cr_expect_str_eq(cli_opt_nth(&args, "tag", 2), "c");
    cr_expect_null(cli_opt_nth(&args, "tag", 3));
    cr_expect_eq(args.count[1], 2, "a repeated flag is counted");
    cr_expect_eq(args.npos, 1);
    cr_expect_str_eq(args.pos[0], "x");
}

Test(cli_args, positionals_double_dash_and_help)
{
    expect_usage(PARSE("show", "--json"), "show: missing argument (usage: show ID [--json] [--explain])");
    expect_usage(PARSE("show", "1", "2"),
                 "show: unexpected argument '2' (usage: show ID [--json] [--explain])");
    cr_assert_eq(PARSE("show", "--", "--json"), ST_OK, "%s", err.msg);
    cr_expect_str_eq(args.pos[0], "--json", "after -- every word is a positional");
    cr_expect(!cli_flag(&args, "json"));
    cr_assert_eq(PARSE("show", "-1"), ST_OK, "a single dash is not an option");
    cr_expect_str_eq(args.pos[0], "-1");
    /* --help skips the positional check: the usage is printed instead. */
    cr_assert_eq(PARSE("show", "--help"), ST_OK, "%s", err.msg);
    cr_expect(args.help);
    cr_assert_eq(PARSE("set-level", "3", "HIGH", "--reason", "r"), ST_OK, "%s", err.msg);
    cr_expect_eq(args.npos, 2);
}

Test(cli_args, global_options_among_a_commands_arguments)
{
    cr_assert_eq(PARSE("list", "--db", "x.db", "--all", "--read-only", "--now=2026-11-20T10:00:00Z"), ST_OK,
                 "%s", err.msg);
    cr_expect_str_eq(rg.db, "x.db");
    cr_expect(rg.read_only);
    cr_expect_str_eq(rg.now, "2026-11-20T10:00:00Z");
    cr_expect(cli_flag(&args, "all"));
    cr_assert_eq(PARSE("list", "--db", "a", "--db", "b"), ST_OK, "a global given twice: the last counts");
    cr_expect_str_eq(rg.db, "b");
    expect_usage(PARSE("list", "--db"), "--db: missing value");
    expect_usage(PARSE("list", "--demo=1"), "--demo: takes no value");
}

Test(cli_args, uptime_through_the_common_parser)
{
    cr_assert_eq(PARSE("uptime", "--month", "2026-10", "--json"), ST_OK, "%s", err.msg);
    cr_expect_str_eq(cli_opt(&args, "month"), "2026-10");
    cr_expect(cli_flag(&args, "json"));
    cr_assert_eq(PARSE("uptime", "--month=2026-09", "--config", "c.json"), ST_OK, "%s", err.msg);
    cr_expect_str_eq(cli_opt(&args, "month"), "2026-09");
    cr_expect_str_eq(rg.config, "c.json");
    cr_assert_eq(PARSE("uptime", "--help"), ST_OK, "%s", err.msg);
    cr_expect(args.help);
    cr_expect(row("uptime")->about != NULL, "uptime --help says what it reports");
    expect_usage(PARSE("uptime", "--month"), "--month: missing value");
    expect_usage(PARSE("uptime", "--bogus"), "uptime: unknown option '--bogus'");
    expect_usage(PARSE("uptime", "2026-10"),
                 "uptime: unexpected argument '2026-10' (usage: uptime [--month YYYY-MM] [--json])");
}

Test(cli_args, every_row_of_the_table_is_complete)
{
    size_t n;
    const cmd_spec *t = cli_commands(&n);
    cr_assert(n > 0);
    for (size_t i = 0; i < n; i++) {
        const cmd_spec *c = &t[i];
        cr_expect(c->run != NULL, "%s: no function", c->name);
        cr_expect(c->usage && strncmp(c->usage, c->name, strlen(c->name)) == 0, "%s: usage", c->name);
        cr_expect(c->example && strncmp(c->example, c->name, strlen(c->name)) == 0, "%s: example", c->name);
        cr_expect(c->min_pos <= c->max_pos && c->max_pos <= MAX_POS, "%s: positionals", c->name);
        cr_expect_eq(cli_command(c->name), c, "%s: named twice", c->name);
        for (int k = 0; k < MAX_OPTS && c->opts[k].name; k++) {
            const opt_spec *o = &c->opts[k];
            cr_expect(o->meaning && *o->meaning && !strchr(o->meaning, '\n'), "%s --%s: meaning", c->name,
                      o->name);
            cr_expect(!o->arg || *o->arg, "%s --%s: empty placeholder", c->name, o->name);
            cr_expect(strcmp(o->name, "help") != 0, "%s: --help is everyone's", c->name);
            for (int m = 0; m < k; m++)
                cr_expect(strcmp(c->opts[m].name, o->name) != 0, "%s --%s: twice", c->name, o->name);
        }
    }
}
