/* cli: the command line (SPEC §3). Parses the global options and the command's options into
 * plain values first, then resolves config/db/clock, then runs one command. Results are built in
 * memory and written only on success, so an error never leaves half an answer on stdout; every
 * error is one sanitised line on stderr. */
#include <errno.h>
#include <stdarg.h>
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

/* Raw global options, as typed. */
typedef struct {
    const char *db, *config, *now, *max_frames, *keys;
    bool read_only, no_color, demo, help, version;
} raw_globals;

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

static int opt_index(const cmd_spec *cmd, const char *name, size_t len)
{
    for (int i = 0; i < MAX_OPTS && cmd->opts[i].name; i++)
        if (strlen(cmd->opts[i].name) == len && strncmp(cmd->opts[i].name, name, len) == 0)
            return i;
    return -1;
}

const char *cli_opt(const cmd_args *a, const char *name)
{
    int i = opt_index(a->cmd, name, strlen(name));
    return i >= 0 && a->set[i] ? a->val[i] : NULL;
}

bool cli_flag(const cmd_args *a, const char *name)
{
    int i = opt_index(a->cmd, name, strlen(name));
    return i >= 0 && a->set[i];
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
        st_fail(&err, ST_CONFLICT, "--read-only: refusing to change the database %s", c->g.db_path);
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
            st_fail(&err, ST_NOTFOUND, "--db %s: no such database (create it with 'slatop init --policy FILE')",
                    c->g.db_path);
        return cli_fail(c, &err);
    }
    ops_set_read_only(c->ops, c->g.read_only);
    return 0;
}

/* ---- commands ------------------------------------------------------------------------------- */

static const cmd_spec COMMANDS[] = {
    {"init", cmd_init, 0, 0, {{"policy", true}}, "init --policy FILE"},
    {"add", cmd_add, 0, 0,
     {{"title", true}, {"level", true}, {"customer", true}, {"channel", true}, {"ref", true}, {"created", true}},
     "add --title T [--level L] [--customer C] [--channel CH] [--ref R] [--created ISO8601]"},
    {"import", cmd_import, 1, 1, {{0}}, "import FILE"},
    {"list", cmd_list, 0, 0, {{"json", false}, {"all", false}}, "list [--json] [--all]"},
    {"show", cmd_show, 1, 1, {{"json", false}, {"explain", false}}, "show ID [--json] [--explain]"},
    {"raise", cmd_raise, 1, 1, {{"reason", true}, {"expect-version", true}}, "raise ID --reason R [--expect-version N]"},
    {"lower", cmd_lower, 1, 1, {{"reason", true}, {"expect-version", true}}, "lower ID --reason R [--expect-version N]"},
    {"set-level", cmd_set_level, 1, 2, {{"reason", true}, {"expect-version", true}},
     "set-level ID LEVEL --reason R [--expect-version N]"},
    {"respond", cmd_respond, 1, 1, {{"expect-version", true}}, "respond ID [--expect-version N]"},
    {"resolve", cmd_resolve, 1, 1, {{"expect-version", true}}, "resolve ID [--expect-version N]"},
    {"reopen", cmd_reopen, 1, 1, {{"reason", true}, {"expect-version", true}}, "reopen ID --reason R [--expect-version N]"},
    {"assign", cmd_assign, 1, 1, {{"to", true}, {"expect-version", true}}, "assign ID --to NAME [--expect-version N]"},
    {"due", cmd_due, 0, 0, {{"level", true}, {"created", true}, {"policy", true}, {"json", false}},
     "due --level L --created ISO8601 [--policy FILE] [--json]"},
    {"audit", cmd_audit, 0, 2, {{"json", false}, {"anchor", true}, {"format", true}},
     "audit [ID] [--json] | audit verify [--anchor SEQ:HASH] | audit head | audit export --format csv|json"},
    {"uptime", NULL, 0, 0, {{0}}, "uptime [--month YYYY-MM] [--json]"},
    {"policy", cmd_policy, 0, 2, {{"json", false}, {"reason", true}},
     "policy show [--json] | policy apply FILE --reason R"},
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
                   "  --help, --version\n\nCommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        sb_printf(&sb, "  %s\n", COMMANDS[i].usage);
    sb_append(&sb, "\nExit status: 0 success, 1 refused by the data, 2 usage error. See slatop(1).\n");
    fputs(sb.buf, stdout);
    sb_done(&sb);
}

/* ---- option parsing ------------------------------------------------------------------------- */

/* Tries argv[*i] as a global option. Returns 1 consumed, 0 not a global option, 2 usage error
 * (printed). */
static int parse_global(int argc, char **argv, int *i, raw_globals *rg)
{
    const char *arg = argv[*i];
    if (strncmp(arg, "--", 2) != 0)
        return 0;
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    static const struct {
        const char *name;
        int kind; /* 0 flag, 1 value */
    } G[] = {{"db", 1},        {"config", 1},  {"now", 1},   {"max-frames", 1}, {"keys", 1},   {"read-only", 0},
             {"no-color", 0},  {"demo", 0},    {"help", 0},  {"version", 0}};
    for (size_t k = 0; k < sizeof G / sizeof G[0]; k++) {
        if (strlen(G[k].name) != len || strncmp(G[k].name, name, len) != 0)
            continue;
        const char *val = NULL;
        if (G[k].kind == 1) {
            if (eq)
                val = eq + 1;
            else if (*i + 1 < argc)
                val = argv[++*i];
            else
                return cli_usage_fail(NULL, "--%s: missing value", G[k].name);
        } else if (eq) {
            return cli_usage_fail(NULL, "--%s: takes no value", G[k].name);
        }
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
    return 0;
}

/* Parses the command's own options and positionals (global options are accepted there too).
 * Returns 0, or the exit status of a usage error (printed). */
static int parse_command(const cmd_spec *cmd, int argc, char **argv, int start, raw_globals *rg, cmd_args *a,
                         bool *help)
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
        if (!only_pos && strncmp(arg, "--", 2) == 0) {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            int k = opt_index(cmd, name, len);
            if (k < 0) {
                if (strcmp(arg, "--help") == 0) {
                    *help = true;
                    continue;
                }
                int g = parse_global(argc, argv, &i, rg);
                if (g == 1)
                    continue;
                if (g != 0)
                    return g;
                return cli_usage_fail(NULL, "%s: unknown option '%.*s'", cmd->name, (int)(len + 2), arg);
            }
            if (a->set[k])
                return cli_usage_fail(NULL, "--%s: given twice", cmd->opts[k].name);
            if (cmd->opts[k].has_value) {
                if (eq)
                    a->val[k] = eq + 1;
                else if (i + 1 < argc)
                    a->val[k] = argv[++i];
                else
                    return cli_usage_fail(NULL, "--%s: missing value", cmd->opts[k].name);
            } else if (eq) {
                return cli_usage_fail(NULL, "--%s: takes no value", cmd->opts[k].name);
            }
            a->set[k] = true;
            continue;
        }
        if (a->npos >= cmd->max_pos)
            return cli_usage_fail(NULL, "%s: unexpected argument '%s' (usage: %s)", cmd->name, arg,
                                  cmd->usage);
        a->pos[a->npos++] = arg;
    }
    if (*help)
        return 0;
    if (a->npos < cmd->min_pos)
        return cli_usage_fail(NULL, "%s: missing argument (usage: %s)", cmd->name, cmd->usage);
    return 0;
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
    free(c->uptime_argv);
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
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strncmp(argv[i], "-", 1) != 0 || strcmp(argv[i], "-") == 0)
            break;
        int r = parse_global(argc, argv, &i, &rg);
        if (r == 1)
            continue;
        if (r != 0)
            return r;
        const char *eq = strchr(argv[i], '=');
        int len = eq ? (int)(eq - argv[i]) : (int)strlen(argv[i]);
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
    if (i < argc) {
        for (size_t k = 0; k < N_COMMANDS; k++)
            if (strcmp(COMMANDS[k].name, argv[i]) == 0)
                cmd = &COMMANDS[k];
        if (!cmd)
            return cli_usage_fail(&ctx, "unknown command '%s' (see --help)", argv[i]);
    }
    cmd_args args;
    bool help = false;
    if (cmd && !cmd->run) {
        /* uptime parses its own options; global options given after it are taken out first. */
        ctx.uptime_argv = xcalloc((size_t)(argc - i + 1), sizeof(char *));
        ctx.uptime_argv[ctx.uptime_argc++] = argv[i];
        for (int k = i + 1; k < argc; k++) {
            int r = strncmp(argv[k], "--", 2) == 0 && strcmp(argv[k], "--help") != 0 ? parse_global(argc, argv, &k, &rg) : 0;
            if (r == 1)
                continue;
            if (r != 0) {
                free(ctx.uptime_argv);
                return r;
            }
            ctx.uptime_argv[ctx.uptime_argc++] = argv[k];
        }
    }
    if (cmd && cmd->run) {
        int r = parse_command(cmd, argc, argv, i + 1, &rg, &args, &help);
        if (r != 0)
            return r;
        if (help) {
            printf("usage: slatop %s\n", cmd->usage);
            return 0;
        }
    }
    int rc = resolve(&ctx, &rg);
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
            st_err err;
            st_err_clear(&err);
            rc = app_run(&ctx.g, &err);
            if (rc != 0 && err.msg[0])
                cli_fail(&ctx, &err);
        } else if (!cmd->run) {
            rc = cli_uptime(&ctx.g, ctx.uptime_argc, ctx.uptime_argv);
        } else {
            rc = cmd->run(&ctx, &args);
        }
    }
    ctx_done(&ctx);
    return rc;
}
