/* cli_internal: shared by the command line's files: cli.c (the command table, parser, globals,
 * dispatch), one file per command family (cli_tickets.c, cli_audit.c, cli_policy.c, cli_uptime.c)
 * and cli_text.c (text output). Not a public interface: only the command line's own files include
 * it. */
#ifndef SLATOP_CLI_INTERNAL_H
#define SLATOP_CLI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/cli.h"
#include "slatop/config.h"
#include "slatop/model.h"
#include "slatop/ops.h"
#include "slatop/policy.h"
#include "slatop/sla.h"

/* One run of the command line. Owns what its *_owned fields, store and ops point to. */
typedef struct {
    cli_globals g;
    st_store *store;
    st_ops *ops;
    st_config *config_owned;
    char *db_owned;
    char *demo_owned;
    st_time now_at; /* --now as given (when g.now_given) */
} cli_ctx;

/* The command table (cli.c): a row per command, each with the options it takes. One parser
 * (cli_parse_args) reads every command's arguments from its row. */
#define MAX_OPTS 8
#define MAX_POS 3
#define MAX_VALUES 16 /* option values one command line keeps (>= MAX_OPTS: only repeats can run out) */

/* One option. The meaning is one line, for `COMMAND --help` and shell completion. */
typedef struct {
    const char *name;    /* without the leading "--" */
    const char *arg;     /* the value's placeholder ("FILE", "ISO8601"), or NULL: a flag, no value */
    bool repeatable;     /* may be given again, every value kept; else a second one is a usage error */
    const char *meaning; /* what it does, one line */
} opt_spec;

typedef struct cmd_spec cmd_spec;

/* A command's arguments as parsed; every string is borrowed from argv. */
typedef struct {
    const cmd_spec *cmd;
    int count[MAX_OPTS];         /* how often each of cmd->opts was given */
    const char *val[MAX_VALUES]; /* the values given, in command-line order ... */
    int val_opt[MAX_VALUES];     /* ... and the option (index into cmd->opts) each belongs to */
    int nval;
    const char *pos[MAX_POS];
    int npos;
    bool help; /* --help was given: the positionals were not checked, nothing is to run */
} cmd_args;

typedef int (*cmd_fn)(cli_ctx *c, const cmd_args *a);

struct cmd_spec {
    const char *name;
    cmd_fn run;
    int min_pos, max_pos;
    opt_spec opts[MAX_OPTS]; /* ends at the first row without a name */
    const char *usage;
    const char *about;   /* printed as is under the usage line by COMMAND --help, or NULL */
    const char *example; /* one typical command line, without "slatop " (help COMMAND prints it) */
};

/* The global options as typed (before resolution); strings borrowed from argv. */
typedef struct {
    const char *db, *config, *now, *max_frames, *keys;
    bool read_only, no_color, demo, help, version;
} raw_globals;

/* The command table's row for name, or NULL. */
const cmd_spec *cli_command(const char *name);
/* The whole command table (static, *n rows), for what reads every row: help, completion, tests. */
const cmd_spec *cli_commands(size_t *n);
/* The global options' table (static, *n rows): help and completion read it. */
const opt_spec *cli_global_opts(size_t *n);
/* Prints the shell completion script for shell ("bash", "zsh", "fish"), built from the command
 * table, to stdout (cli_completion.c). Returns the exit status. */
int cli_print_completion(cli_ctx *c, const char *shell);
/* Parses argv[start..argc) as cmd's options and positionals into *a: `--opt value` and
 * `--opt=value`, `--` ends the options, --help sets a->help; global options met there go to *rg.
 * Returns ST_OK, or ST_USAGE with err's message naming the argument. */
st_code cli_parse_args(const cmd_spec *cmd, int argc, char **argv, int start, raw_globals *rg, cmd_args *a,
                       st_err *err);

/* Prints "slatop: MSG" (sanitised, one line) on stderr; returns the exit status for err. */
int cli_fail(cli_ctx *c, const st_err *err);
/* cli_fail with an ST_USAGE error formatted from fmt; c may be NULL. */
int cli_usage_fail(cli_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes out to stdout and frees it (out is consumed); returns the exit status. */
int cli_emit(cli_ctx *c, strbuf *out);
/* Writes out's text to stdout once it holds 64 KiB or more (all of it, flushed, when force) and
 * empties it, so that long output streams in constant memory; out stays the caller's.
 * ST_IO "stdout: write error: ..." when writing fails. */
st_code cli_stream_flush(strbuf *out, bool force, st_err *err);
/* The value of the command's option `name` (borrowed from argv), or NULL when not given. */
const char *cli_opt(const cmd_args *a, const char *name);
/* The n-th value (from 0) of a repeatable option `name` (borrowed from argv), or NULL. */
const char *cli_opt_nth(const cmd_args *a, const char *name, int n);
/* Whether the command's option `name` was given. */
bool cli_flag(const cmd_args *a, const char *name);
/* A ticket id (or version): a positive decimal integer. */
bool cli_parse_id(const char *s, int64_t *out);
/* The ticket id positional, else a usage error naming it. Returns 0 or the exit status. */
int cli_need_id(cli_ctx *c, const char *s, int64_t *id);
/* --expect-version N when given, else *out = -1. Returns 0 or the exit status. */
int cli_expect_version(cli_ctx *c, const cmd_args *a, int64_t *out);
/* --reason, required and not empty; *out borrowed from argv. Returns 0 or the exit status. */
int cli_need_reason(cli_ctx *c, const cmd_args *a, const char **out);
/* The body given by --body TEXT or --body-file FILE ("-": standard input), at most MSG_BODY_MAX
 * bytes read; *out NULL when neither is given and !required. Caller owns *out. Returns 0 or the
 * exit status (printed). */
int cli_read_body(cli_ctx *c, const cmd_args *a, bool required, char **out, size_t *len);
/* Opens c->store and c->ops (freed with the context), for writing when write. Returns 0 or the
 * exit status (printed). */
int cli_open_db(cli_ctx *c, bool write);
/* Prints the ticket list (text or JSON) of the open database; returns the exit status. */
int cli_print_list(cli_ctx *c, bool all, bool json);

/* The zone for absolute times shown and for times typed without an offset: config
 * display_timezone, else $TZ, else the system zone, else UTC (NULL if even UTC cannot be loaded).
 * Caller frees with tz_free. */
struct tz_zone *display_zone(const cli_ctx *c);

/* Text forms, appended to out. Every untrusted string is sanitised. */
/* The ticket list in two passes, so that it streams: every row is measured (clitext_list_measure)
 * before the header and the rows are written with the widths found. */
typedef struct {
    int w[8]; /* each column's width in display cells */
    size_t n; /* rows measured */
} clitext_cols;
void clitext_list_begin(clitext_cols *k);
void clitext_list_measure(cli_ctx *c, clitext_cols *k, const ops_view *v);
/* The header line, or "no tickets" when no row was measured. */
void clitext_list_header(cli_ctx *c, strbuf *out, const clitext_cols *k);
void clitext_list_row(cli_ctx *c, strbuf *out, const clitext_cols *k, const ops_view *v);
void clitext_show(cli_ctx *c, strbuf *out, const ops_view *v, const st_audit_entry *h, size_t nh,
                  const sla_segment *segs, size_t nseg);
void clitext_audit_line(cli_ctx *c, strbuf *out, const st_audit_entry *e, const char *indent);
/* audit export --format csv: the header line, then one line per entry. */
void clitext_audit_csv_header(strbuf *out);
void clitext_audit_csv_row(cli_ctx *c, strbuf *out, const st_audit_entry *e);
/* One CSV field (RFC 4180, sanitised: no control byte, no line break), then ',' or (last) '\n';
 * NULL is an empty field. csv_time: an ISO time, empty for ST_TIME_NONE. */
void csv_field(const cli_ctx *c, strbuf *out, const char *s, bool last);
/* As csv_field, for free text a spreadsheet might run: a value starting with = + - @, a tab or a
 * carriage return (OWASP's CSV injection list) gets a leading single quote, so it stays text. */
void csv_field_inert(const cli_ctx *c, strbuf *out, const char *s, bool last);
void csv_time(const cli_ctx *c, strbuf *out, st_time t);
/* The conversation, oldest first, after a blank line (nothing when n is 0); bodies keep their line
 * breaks, each line sanitised. */
void clitext_messages(cli_ctx *c, strbuf *out, const st_message *m, size_t n);
/* Every clock (SPEC §8): metric, cycle, state, due, remaining, why paused, when stopped. */
void clitext_clocks(cli_ctx *c, strbuf *out, const clk_result *r);
void clitext_policy(cli_ctx *c, strbuf *out, const st_policy *p, int64_t version);

/* The commands, one function per row of the command table (cli.c). Each returns the exit status. */
int cmd_init(cli_ctx *c, const cmd_args *a);   /* cli_policy.c */
int cmd_policy(cli_ctx *c, const cmd_args *a);
int cmd_add(cli_ctx *c, const cmd_args *a);    /* cli_tickets.c */
int cmd_import(cli_ctx *c, const cmd_args *a);
int cmd_list(cli_ctx *c, const cmd_args *a);
int cmd_show(cli_ctx *c, const cmd_args *a);
int cmd_raise(cli_ctx *c, const cmd_args *a);
int cmd_lower(cli_ctx *c, const cmd_args *a);
int cmd_set_level(cli_ctx *c, const cmd_args *a);
int cmd_respond(cli_ctx *c, const cmd_args *a);
int cmd_resolve(cli_ctx *c, const cmd_args *a);
int cmd_reopen(cli_ctx *c, const cmd_args *a);
int cmd_assign(cli_ctx *c, const cmd_args *a);
int cmd_due(cli_ctx *c, const cmd_args *a);
int cmd_message(cli_ctx *c, const cmd_args *a); /* cli_messages.c */
int cmd_reply(cli_ctx *c, const cmd_args *a);
int cmd_note(cli_ctx *c, const cmd_args *a);
int cmd_set_status(cli_ctx *c, const cmd_args *a);
int cmd_audit(cli_ctx *c, const cmd_args *a);  /* cli_audit.c */
int cmd_uptime(cli_ctx *c, const cmd_args *a); /* cli_uptime.c */
int cmd_report(cli_ctx *c, const cmd_args *a); /* cli_report.c */
int cmd_migrate(cli_ctx *c, const cmd_args *a); /* cli_migrate.c */

/* The month [ms, me) of uptime from the configured monitoring source, as `uptime` prints it (JSON
 * object or text), appended to out; warnings (status page, cache) go to stderr. Errors: no source
 * configured (ST_INVALID), a month not started, the fetch's and the store's. (cli_uptime.c) */
st_code cli_uptime_month(const cli_globals *g, const char *month, st_time ms, st_time me, bool json, strbuf *out,
                         st_err *err);

#endif
