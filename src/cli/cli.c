/* cli: the command line (SPEC §3). Parses the global options and the command's options into
 * plain values first, then resolves config/db/clock, then runs one command. Results are built in
 * memory and written only on success, so an error never leaves half an answer on stdout; every
 * error is one sanitised line on stderr. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_internal.h"
#include "slatop/app.h"
#include "slatop/cli.h"
#include "slatop/config.h"
#include "slatop/demo.h"
#include "slatop/ops.h"
#include "slatop/store.h"
#include "slatop/text.h"

#ifndef SLATOP_VERSION
#define SLATOP_VERSION "0.0.0"
#endif

/* ---- errors and output ---------------------------------------------------------------------- */

int cli_fail(cli_ctx *c, const st_err *err)
{
    /* Messages can quote user input: sanitise so the line is one line and terminal-safe. */
    char *msg = text_sanitize(err->msg, c ? c->g.ascii : false);
    fprintf(stderr, "slatop: %s\n", msg);
    free(msg);
    return st_exit_status(err->code);
}

int cli_usage_fail(cli_ctx *c, const char *fmt, ...)
{
    st_err err;
    err.code = ST_USAGE;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err.msg, sizeof err.msg, fmt, ap);
    va_end(ap);
    return cli_fail(c, &err);
}

/* Writes the whole answer at once; a failing stdout (full disk, closed pipe) is an error too. */
int cli_emit(cli_ctx *c, strbuf *out)
{
    if (out->len)
        fwrite(out->buf, 1, out->len, stdout);
    sb_done(out);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        st_err err;
        st_fail(&err, ST_IO, "stdout: write error: %s", strerror(errno));
        return cli_fail(c, &err);
    }
    return 0;
}

/* ---- argument helpers ----------------------------------------------------------------------- */

/* The row of opts (at most n, ending at a row without a name) named name[0..len), or -1. */
static int opt_find(const opt_spec *opts, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n && opts[i].name; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

const char *cli_opt_nth(const cmd_args *a, const char *name, int n)
{
    int k = opt_find(a->cmd->opts, MAX_OPTS, name, strlen(name));
    for (int i = 0; k >= 0 && i < a->nval; i++)
        if (a->val_opt[i] == k && n-- == 0)
            return a->val[i];
    return NULL;
}

const char *cli_opt(const cmd_args *a, const char *name)
{
    return cli_opt_nth(a, name, 0);
}

bool cli_flag(const cmd_args *a, const char *name)
{
    int i = opt_find(a->cmd->opts, MAX_OPTS, name, strlen(name));
    return i >= 0 && a->count[i] > 0;
}

/* A ticket id: a positive decimal integer. */
bool cli_parse_id(const char *s, int64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v <= 0)
        return false;
    *out = (int64_t)v;
    return true;
}

int cli_need_reason(cli_ctx *c, const cmd_args *a, const char **out)
{
    const char *r = cli_opt(a, "reason");
    if (!r)
        return cli_usage_fail(c, "%s: missing --reason", a->cmd->name);
    if (!*r)
        return cli_usage_fail(c, "--reason: must not be empty");
    *out = r;
    return 0;
}

/* ---- database ------------------------------------------------------------------------------- */

/* Opens the database (and the ops layer) for reading or for a change. */
int cli_open_db(cli_ctx *c, bool write)
{
    st_err err;
    st_err_clear(&err);
    if (write && c->g.read_only) {
        char *shown = store_locator_shown(c->g.db_path ? c->g.db_path : "");
        st_fail(&err, ST_CONFLICT, "--read-only: refusing to change the database %s", shown);
        free(shown);
        return cli_fail(c, &err);
    }
    if (!c->g.db_path) {
        st_fail(&err, ST_USAGE, "no database path: give --db PATH or set SLATOP_DB (HOME is not set)");
        return cli_fail(c, &err);
    }
    st_code rc = store_open(c->g.db_path, write ? STORE_OPEN_RW : STORE_OPEN_RO, &c->store, &err);
    if (rc == ST_OK)
        rc = ops_new(c->store, &c->g.clock, &c->ops, &err);
    if (rc != ST_OK) {
        if (rc == ST_NOTFOUND)
            st_fail(&err, ST_NOTFOUND, "--db %s: no such database (create it with 'slatop init --policy " SLATOP_POLICY_DIR
                             "/haptik.json', or try 'slatop --demo')",
                    c->g.db_path);
        return cli_fail(c, &err);
    }
    ops_set_read_only(c->ops, c->g.read_only);
    return 0;
}

/* ---- commands ------------------------------------------------------------------------------- */

/* Options several commands share, with one meaning each. */
#define OPT_JSON {"json", NULL, false, "print JSON instead of text"}
#define OPT_REASON {"reason", "R", false, "why: kept in the audit log (required, not empty)"}
#define OPT_EXPECT_VERSION                                                                          \
    {"expect-version", "N", false, "refuse the change unless the ticket is still at version N"}

#define OPT_BODY {"body", "TEXT", false, "the message text (\"-\": standard input)"}
#define OPT_BODY_FILE {"body-file", "FILE", false, "read the message text from FILE (\"-\": standard input)"}
static const cmd_spec COMMANDS[] = {
    {"init", cmd_init, 0, 0,
     {{"policy", "FILE", false, "the policy file (JSON) the new database starts with"}},
     "init --policy FILE", NULL, "init --policy /usr/local/share/slatop/policies/haptik.json"},
    {"add", cmd_add, 0, 0,
     {{"title", "T", false, "the ticket's title (required)"},
      {"level", "L", false, "its level (default: the channel's, else the lowest)"},
      {"customer", "C", false, "the customer"},
      {"channel", "CH", false, "where it came in (email, phone, ...)"},
      {"ref", "R", false, "an outside reference, unique among tickets"},
      {"created", "ISO8601", false, "when it came in (default: now)"},
      OPT_BODY, OPT_BODY_FILE},
     "add --title T [--level L] [--customer C] [--channel CH] [--ref R] [--created ISO8601]\n"
     "    [--body TEXT | --body-file FILE]",
     NULL, "add --title 'Login fails' --level S2 --customer Acme --body 'Since 9:00 every login fails'"},
    {"import", cmd_import, 1, 1, {{0}}, "import FILE", NULL, "import tickets.json"},
    {"list", cmd_list, 0, 0,
     {OPT_JSON,
      {"all", NULL, false, "resolved tickets too"},
      {"status", "S", false, "only this status: open, pending, on_hold or resolved"},
      {"level", "L", false, "only this level (of the current policy)"},
      {"state", "S", false, "only this timer state: ok, warn, paused, breached, met or missed"},
      {"sort", "KEY", false, "order by urgency (default), level, created or customer"},
      {"limit", "N", false, "at most N tickets (after the filters)"}},
     "list [--json] [--all] [--status S] [--level L] [--state S] [--sort KEY] [--limit N]", NULL,
     "list --status open --level S0 --sort created --limit 20 --json"},
    {"show", cmd_show, 1, 1, {OPT_JSON, {"explain", NULL, false, "add the ledger behind the due time"}},
     "show ID [--json] [--explain]", NULL, "show 42 --explain"},
    {"raise", cmd_raise, 1, 1, {OPT_REASON, OPT_EXPECT_VERSION},
     "raise ID --reason R [--expect-version N]", NULL,
     "raise 42 --reason 'customer escalated'"},
    {"lower", cmd_lower, 1, 1, {OPT_REASON, OPT_EXPECT_VERSION},
     "lower ID --reason R [--expect-version N]", NULL,
     "lower 42 --reason 'workaround given'"},
    {"set-level", cmd_set_level, 1, 2, {OPT_REASON, OPT_EXPECT_VERSION},
     "set-level ID LEVEL --reason R [--expect-version N]", NULL,
     "set-level 42 S1 --reason 'outage'"},
    {"respond", cmd_respond, 1, 1, {OPT_EXPECT_VERSION}, "respond ID [--expect-version N]", NULL, "respond 42"},
    {"resolve", cmd_resolve, 1, 1, {OPT_EXPECT_VERSION}, "resolve ID [--expect-version N]", NULL, "resolve 42 --expect-version 3"},
    {"reopen", cmd_reopen, 1, 1, {OPT_REASON, OPT_EXPECT_VERSION},
     "reopen ID --reason R [--expect-version N]", NULL,
     "reopen 42 --reason 'came back'"},
    {"message", cmd_message, 1, 1,
     {{"from", "NAME", false, "who wrote it (default: the ticket's customer)"}, OPT_BODY, OPT_BODY_FILE,
      OPT_EXPECT_VERSION},
     "message ID [--from NAME] (--body TEXT | --body-file FILE)", "Records a message from the customer.",
     "message 42 --from 'Ann at Acme' --body-file mail.txt"},
    {"reply", cmd_reply, 1, 1, {OPT_BODY, OPT_BODY_FILE, OPT_EXPECT_VERSION},
     "reply ID (--body TEXT | --body-file FILE)", "Records a public reply (it stops the response clocks).",
     "reply 42 --body 'Fixed on our side; please retry.'"},
    {"note", cmd_note, 1, 1, {OPT_BODY, OPT_BODY_FILE, OPT_EXPECT_VERSION},
     "note ID (--body TEXT | --body-file FILE)", "Records an internal note (it stops no clock).",
     "note 42 --body - < findings.txt"},
    {"set-status", cmd_set_status, 1, 2,
     {{"reason", "R", false, "why: kept in the audit log (required for pending and on_hold)"},
      OPT_EXPECT_VERSION},
     "set-status ID open|pending|on_hold [--reason R]", NULL,
     "set-status 42 pending --reason 'asked for logs'"},
    {"assign", cmd_assign, 1, 1, {{"to", "NAME", false, "the new assignee (required)"}, OPT_EXPECT_VERSION},
     "assign ID --to NAME [--expect-version N]", NULL, "assign 42 --to priya"},
    {"due", cmd_due, 0, 0,
     {{"level", "L", false, "the level (required)"},
      {"created", "ISO8601", false, "when the ticket came in (required)"},
      {"policy", "FILE", false, "use this policy file and open no database"},
      OPT_JSON},
     "due --level L --created ISO8601 [--policy FILE] [--json]", NULL,
     "due --level S0 --created 2026-11-20T10:00:00Z"},
    {"audit", cmd_audit, 0, 2,
     {OPT_JSON,
      {"anchor", "SEQ:HASH", false, "with verify: the chain must hold this entry (a hash kept elsewhere)"},
      {"format", "csv|json", false, "with export: the output format (required)"}},
     "audit [ID] [--json] | audit verify [--anchor SEQ:HASH] | audit head | audit export --format csv|json",
     NULL, "audit verify"},
    {"uptime", cmd_uptime, 0, 0,
     {{"month", "YYYY-MM", false, "the month to report (default: the current month)"}, OPT_JSON},
     "uptime [--month YYYY-MM] [--json]",
     "  the month's uptime, downtime periods, maintenance exclusions and error budget from the\n"
     "  configured monitoring source (config: monitoring.prometheus); default: the current month\n",
     "uptime --month 2026-10"},
    {"report", cmd_report, 0, 0,
     {{"month", "YYYY-MM", false, "the month to report (default: the current month)"}, OPT_JSON,
      {"csv", NULL, false, "print the breaches as CSV"}},
     "report [--month YYYY-MM] [--json | --csv]",
     "  the month's SLA compliance per metric and level, every breach with its level changes and\n"
     "  pauses, and the month's uptime, from the audit log (SPEC 9); default: the current month\n",
     "report --month 2026-10 --json"},
    {"policy", cmd_policy, 0, 2,
     {{"json", NULL, false, "with show: print the stored policy as JSON"},
      {"reason", "R", false, "with apply: why, kept in the audit log (required)"}},
     "policy show [--json] | policy apply FILE --reason R", NULL,
     "policy apply new.json --reason 'contract renewed'"},
    {"migrate", cmd_migrate, 0, 0,
     {{"to", "URI", false, "the empty PostgreSQL database to copy into (required)"}},
     "migrate --to URI",
     "  copies the current database (--db) into an empty PostgreSQL database in one transaction:\n"
     "  every policy version, ticket, message, audit entry (hashes unchanged) and the uptime cache\n",
     "migrate --to 'postgresql://db.example.com/slatop?user=slatop&sslmode=verify-full'"},
};
#define N_COMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static void print_help(void)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "usage: slatop [GLOBAL OPTIONS] [COMMAND [ARGS]]\n"
                   "With no command slatop opens the console.\n\n"
                   "Global options:\n"
                   "  --db PATH         database (else $SLATOP_DB, config 'db', $XDG_DATA_HOME/slatop/slatop.db)\n"
                   "  --config PATH     configuration file (else $SLATOP_CONFIG, $XDG_CONFIG_HOME/slatop/config.json,\n"
                   "                    ~/.config/slatop/config.json, /etc/slatop/config.json)\n"
                   "  --now ISO8601     set the clock (e.g. 2026-11-20T10:00:00Z)\n"
                   "  --read-only       refuse every change\n"
                   "  --no-color        no colours (also NO_COLOR)\n"
                   "  --demo            build a fresh demo database and open the console on it\n"
                   "  --max-frames N    exit the console after N screen updates\n"
                   "  --keys FILE       read console key presses from FILE\n"
                   "  --help, -h, --version\n\nCommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        sb_printf(&sb, "  %s\n", COMMANDS[i].usage);
    sb_append(&sb, "\n'slatop help COMMAND' (or COMMAND --help) lists its options with an example.\n"
                   "Exit status: 0 success, 1 refused by the data, 2 usage error. See slatop(1).\n");
    fputs(sb.buf, stdout);
    sb_done(&sb);
}

/* ---- option parsing ------------------------------------------------------------------------- */

/* The global options: accepted before the command and among its arguments; given twice, the
 * last one counts. print_help's text says the same for people. */
static const opt_spec GLOBAL_OPTS[] = {
    {"db", "PATH", true, "the database (else $SLATOP_DB, config 'db', $XDG_DATA_HOME/slatop/slatop.db)"},
    {"config", "PATH", true, "the configuration file (else $SLATOP_CONFIG, then the usual places)"},
    {"now", "ISO8601", true, "set the clock (e.g. 2026-11-20T10:00:00Z)"},
    {"max-frames", "N", true, "exit the console after N screen updates"},
    {"keys", "FILE", true, "read console key presses from FILE"},
    {"read-only", NULL, true, "refuse every change"},
    {"no-color", NULL, true, "no colours (also NO_COLOR)"},
    {"demo", NULL, true, "build a fresh demo database and open the console on it"},
    {"help", NULL, true, "print the usage"},
    {"version", NULL, true, "print the version"},
};
#define N_GLOBAL_OPTS (sizeof GLOBAL_OPTS / sizeof GLOBAL_OPTS[0])

/* argv[*i] ("--NAME" or "--NAME=VALUE") is option o: takes its value into *val (NULL for a flag),
 * from after '=' or from the next word (then *i moves on to it). */
static st_code take_value(const opt_spec *o, int argc, char **argv, int *i, const char **val, st_err *err)
{
    const char *eq = strchr(argv[*i], '=');
    *val = NULL;
    if (!o->arg) {
        if (eq)
            return st_fail(err, ST_USAGE, "--%s: takes no value", o->name);
        return ST_OK;
    }
    if (eq)
        *val = eq + 1;
    else if (*i + 1 < argc)
        *val = argv[++*i];
    else
        return st_fail(err, ST_USAGE, "--%s: missing value", o->name);
    return ST_OK;
}

/* The length of an option's name in "--NAME=VALUE" (arg without its "--"). */
static size_t name_len(const char *name)
{
    const char *eq = strchr(name, '=');
    return eq ? (size_t)(eq - name) : strlen(name);
}

/* Tries argv[*i] as a global option. Returns 1 taken, 0 not a global option, -1 usage error (err
 * set). */
static int parse_global(int argc, char **argv, int *i, raw_globals *rg, st_err *err)
{
    const char *arg = argv[*i];
    if (strncmp(arg, "--", 2) != 0)
        return 0;
    int k = opt_find(GLOBAL_OPTS, N_GLOBAL_OPTS, arg + 2, name_len(arg + 2));
    if (k < 0)
        return 0;
    const char *val;
    if (take_value(&GLOBAL_OPTS[k], argc, argv, i, &val, err) != ST_OK)
        return -1;
    switch (k) {
    case 0: rg->db = val; break;
    case 1: rg->config = val; break;
    case 2: rg->now = val; break;
    case 3: rg->max_frames = val; break;
    case 4: rg->keys = val; break;
    case 5: rg->read_only = true; break;
    case 6: rg->no_color = true; break;
    case 7: rg->demo = true; break;
    case 8: rg->help = true; break;
    default: rg->version = true; break;
    }
    return 1;
}

const opt_spec *cli_global_opts(size_t *n)
{
    *n = N_GLOBAL_OPTS;
    return GLOBAL_OPTS;
}

/* ---- help and suggestions ------------------------------------------------------------------- */

/* The edit distance (insertions, deletions, substitutions, adjacent swaps) between a and b[0..bn),
 * capped: names longer than 63 bytes count as far apart. */
static size_t edit_distance(const char *a, const char *b, size_t bn)
{
    size_t an = strlen(a);
    if (an > 63 || bn > 63)
        return SIZE_MAX;
    size_t d[64][64];
    for (size_t i = 0; i <= an; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= bn; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= an; i++)
        for (size_t j = 1; j <= bn; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[an][bn];
}

/* Keeps the nearer of *best and cand to typed[0..len): a suggestion must be within 2 edits and
 * closer than the typed word's own length (else every short word would match). */
static void consider(const char *cand, const char *typed, size_t len, const char **best, size_t *best_d)
{
    size_t d = edit_distance(cand, typed, len);
    if (d <= 2 && d < len && d < *best_d) {
        *best = cand;
        *best_d = d;
    }
}

/* The command nearest to name, or NULL. */
static const char *suggest_command(const char *name)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    consider("help", name, strlen(name), &best, &best_d);
    for (size_t k = 0; k < N_COMMANDS; k++)
        consider(COMMANDS[k].name, name, strlen(name), &best, &best_d);
    return best;
}

/* The option (of cmd when not NULL, else only the global ones) nearest to name[0..len), or NULL. */
static const char *suggest_option(const cmd_spec *cmd, const char *name, size_t len)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (int k = 0; cmd && k < MAX_OPTS && cmd->opts[k].name; k++)
        consider(cmd->opts[k].name, name, len, &best, &best_d);
    for (size_t k = 0; k < N_GLOBAL_OPTS; k++)
        consider(GLOBAL_OPTS[k].name, name, len, &best, &best_d);
    return best;
}

static int unknown_command(cli_ctx *c, const char *name)
{
    const char *near = suggest_command(name);
    if (near)
        return cli_usage_fail(c, "unknown command '%s' (did you mean '%s'? see 'slatop help')", name, near);
    return cli_usage_fail(c, "unknown command '%s' (see 'slatop help')", name);
}

/* COMMAND --help: the usage, each option with its meaning, and the example. */
static void print_command_help(const cmd_spec *cmd)
{
    strbuf sb;
    sb_init(&sb);
    sb_printf(&sb, "usage: slatop %s\n%s", cmd->usage, cmd->about ? cmd->about : "");
    if (cmd->opts[0].name)
        sb_append(&sb, "\nOptions:\n");
    for (int k = 0; k < MAX_OPTS && cmd->opts[k].name; k++) {
        const opt_spec *o = &cmd->opts[k];
        char *left = xasprintf("--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        sb_printf(&sb, "  %-22s %s\n", left, o->meaning);
        free(left);
    }
    sb_printf(&sb, "\nExample:\n  slatop %s\n\nGlobal options (slatop --help) are accepted too.\n", cmd->example);
    fputs(sb.buf, stdout);
    sb_done(&sb);
}

const cmd_spec *cli_command(const char *name)
{
    for (size_t k = 0; k < N_COMMANDS; k++)
        if (strcmp(COMMANDS[k].name, name) == 0)
            return &COMMANDS[k];
    return NULL;
}

const cmd_spec *cli_commands(size_t *n)
{
    *n = N_COMMANDS;
    return COMMANDS;
}

st_code cli_parse_args(const cmd_spec *cmd, int argc, char **argv, int start, raw_globals *rg, cmd_args *a,
                       st_err *err)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    bool only_pos = false;
    for (int i = start; i < argc; i++) {
        const char *arg = argv[i];
        if (!only_pos && strcmp(arg, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (!only_pos && strcmp(arg, "-h") == 0) {
            a->help = true;
            continue;
        }
        if (!only_pos && strncmp(arg, "--", 2) == 0) {
            size_t len = name_len(arg + 2);
            int k = opt_find(cmd->opts, MAX_OPTS, arg + 2, len);
            if (k < 0) {
                if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
                    a->help = true;
                    continue;
                }
                int g = parse_global(argc, argv, &i, rg, err);
                if (g == 1)
                    continue;
                if (g != 0)
                    return err->code;
                const char *near = suggest_option(cmd, arg + 2, len);
                if (near)
                    return st_fail(err, ST_USAGE, "%s: unknown option '%.*s' (did you mean '--%s'?)", cmd->name,
                                   (int)(len + 2), arg, near);
                return st_fail(err, ST_USAGE, "%s: unknown option '%.*s'", cmd->name, (int)(len + 2), arg);
            }
            const opt_spec *o = &cmd->opts[k];
            if (a->count[k] > 0 && !o->repeatable)
                return st_fail(err, ST_USAGE, "--%s: given twice", o->name);
            const char *val;
            if (take_value(o, argc, argv, &i, &val, err) != ST_OK)
                return err->code;
            if (val) {
                if (a->nval >= MAX_VALUES)
                    return st_fail(err, ST_USAGE, "--%s: given too often (at most %d values in all)", o->name,
                                   MAX_VALUES);
                a->val_opt[a->nval] = k;
                a->val[a->nval++] = val;
            }
            a->count[k]++;
            continue;
        }
        if (a->npos >= cmd->max_pos)
            return st_fail(err, ST_USAGE, "%s: unexpected argument '%s' (usage: %s)", cmd->name, arg,
                           cmd->usage);
        a->pos[a->npos++] = arg;
    }
    if (!a->help && a->npos < cmd->min_pos)
        return st_fail(err, ST_USAGE, "%s: missing argument (usage: %s)", cmd->name, cmd->usage);
    return ST_OK;
}

/* ---- resolution ----------------------------------------------------------------------------- */

static char *default_db_path(void)
{
    const char *x = getenv("XDG_DATA_HOME");
    if (x && *x)
        return xasprintf("%s/slatop/slatop.db", x);
    const char *home = getenv("HOME");
    if (home && *home)
        return xasprintf("%s/.local/share/slatop/slatop.db", home);
    return NULL;
}

static int resolve(cli_ctx *c, const raw_globals *rg)
{
    st_err err;
    cli_globals *g = &c->g;
    clock_init_real(&g->clock);
    if (rg->now) {
        st_time t;
        if (!time_parse_iso(rg->now, &t))
            return cli_usage_fail(c, "--now: invalid time '%s' (expected ISO 8601 like 2026-11-20T10:00:00Z)",
                                  rg->now);
        clock_set_now(&g->clock, t);
        c->now_at = t;
        g->now_given = true;
    }
    g->max_frames = -1;
    if (rg->max_frames) {
        char *end;
        errno = 0;
        long v = strtol(rg->max_frames, &end, 10);
        if (errno || *end || !*rg->max_frames || v < 0)
            return cli_usage_fail(c, "--max-frames '%s': expected a non-negative integer", rg->max_frames);
        g->max_frames = v;
    }
    g->read_only = rg->read_only;
    const char *nc = getenv("NO_COLOR");
    g->no_color = rg->no_color || (nc && *nc);
    g->demo = rg->demo;
    g->keys_file = rg->keys;
    if (config_load(rg->config, &c->config_owned, &err) != ST_OK ||
        app_config_check(c->config_owned, NULL, &err) != ST_OK)
        return cli_fail(c, &err);
    g->config = c->config_owned;
    g->config_path = c->config_owned->path;
    const char *env_db = getenv("SLATOP_DB");
    if (rg->db && *rg->db)
        g->db_path = rg->db;
    else if (rg->db)
        return cli_usage_fail(c, "--db: must not be empty");
    else if (env_db && *env_db)
        g->db_path = env_db;
    else if (g->config->db)
        g->db_path = g->config->db;
    else
        g->db_path = c->db_owned = default_db_path();
    return 0;
}

static void ctx_done(cli_ctx *c)
{
    ops_free(c->ops);
    if (c->store)
        store_close(c->store);
    config_free(c->config_owned);
    free(c->db_owned);
    free(c->demo_owned);
}

static int run_demo(cli_ctx *c, const raw_globals *rg, bool have_command)
{
    st_err err;
    if (rg->db && *rg->db) {
        c->g.db_path = rg->db;
    } else {
        c->demo_owned = demo_default_path();
        if (!c->demo_owned)
            return cli_usage_fail(c,
                                  "--demo: no place for the demo database: give --db PATH (HOME is not set)");
        c->g.db_path = c->demo_owned;
    }
    if (demo_build(c->g.db_path, &c->g.clock, &err) != ST_OK)
        return cli_fail(c, &err);
    if (demo_monitoring(c->g.db_path, clock_now(&c->g.clock), c->config_owned, &err) != ST_OK)
        return cli_fail(c, &err);
    if (have_command)
        return -1; /* the caller runs the command on the demo database */
    if (isatty(STDOUT_FILENO)) {
        st_err_clear(&err);
        int rc = app_run(&c->g, &err);
        if (rc != 0 && err.msg[0])
            cli_fail(c, &err);
        return rc;
    }
    int rc = cli_open_db(c, false);
    return rc != 0 ? rc : cli_print_list(c, false, false);
}

int cli_main(int argc, char **argv)
{
    cli_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.g.ascii = !st_locale_init();

    raw_globals rg;
    memset(&rg, 0, sizeof rg);
    st_err err;
    st_err_clear(&err);
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strncmp(argv[i], "-", 1) != 0 || strcmp(argv[i], "-") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0) {
            rg.help = true;
            continue;
        }
        int r = parse_global(argc, argv, &i, &rg, &err);
        if (r == 1)
            continue;
        if (r != 0)
            return cli_fail(NULL, &err);
        const char *eq = strchr(argv[i], '=');
        int len = eq ? (int)(eq - argv[i]) : (int)strlen(argv[i]);
        const char *near = strncmp(argv[i], "--", 2) == 0 ? suggest_option(NULL, argv[i] + 2, (size_t)len - 2) : NULL;
        if (near)
            return cli_usage_fail(&ctx, "unknown option '%.*s' (did you mean '--%s'? see --help)", len, argv[i],
                                  near);
        return cli_usage_fail(&ctx, "unknown option '%.*s' (see --help)", len, argv[i]);
    }
    if (rg.help) {
        print_help();
        return 0;
    }
    if (rg.version) {
        printf("slatop %s\n", SLATOP_VERSION);
        return 0;
    }
    const cmd_spec *cmd = NULL;
    if (i < argc && strcmp(argv[i], "help") == 0) {
        if (i + 1 >= argc) {
            print_help();
            return 0;
        }
        if (!(cmd = cli_command(argv[i + 1])))
            return unknown_command(&ctx, argv[i + 1]);
        print_command_help(cmd);
        return 0;
    }
    if (i < argc && strcmp(argv[i], "completion") == 0) {
        if (i + 2 != argc)
            return cli_usage_fail(&ctx, "completion: expected one shell: bash, zsh or fish");
        return cli_print_completion(&ctx, argv[i + 1]);
    }
    if (i < argc) {
        cmd = cli_command(argv[i]);
        if (!cmd)
            return unknown_command(&ctx, argv[i]);
    }
    cmd_args args;
    if (cmd) {
        if (cli_parse_args(cmd, argc, argv, i + 1, &rg, &args, &err) != ST_OK)
            return cli_fail(NULL, &err);
        if (args.help) {
            print_command_help(cmd);
            return 0;
        }
    }
    int rc = resolve(&ctx, &rg);
    /* A command happens at one instant: with --now, at exactly that one. (The console's clock
     * goes on from --now.) Ticking, a command that reached its second check a second later, on a
     * slow or loaded machine, printed due times and "ahead of now" figures one second off. */
    if (rc == 0 && cmd && ctx.g.now_given)
        clock_freeze(&ctx.g.clock, ctx.now_at);
    if (rc == 0 && ctx.g.demo) {
        rc = run_demo(&ctx, &rg, cmd != NULL);
        if (rc != -1) {
            ctx_done(&ctx);
            return rc;
        }
        rc = 0;
    }
    if (rc == 0) {
        if (!cmd) {
            st_err_clear(&err);
            rc = app_run(&ctx.g, &err);
            if (rc != 0 && err.msg[0])
                cli_fail(&ctx, &err);
        } else {
            rc = cmd->run(&ctx, &args);
        }
    }
    ctx_done(&ctx);
    return rc;
}
