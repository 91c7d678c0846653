/* cli_internal: shared between cli.c (commands) and cli_text.c (text output). Not a public
 * interface: only the command line's own files include it. */
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
#include "slatop/store.h"

/* One run of the command line. Owns what its *_owned fields, store and ops point to. */
typedef struct {
    cli_globals g;
    st_store *store;
    st_ops *ops;
    st_config *config_owned;
    char *db_owned;
    char *demo_owned;
    char **uptime_argv;      /* `uptime` and its own arguments, globals taken out (array owned) */
    int uptime_argc;
} cli_ctx;

/* Prints "slatop: MSG" (sanitised, one line) on stderr; returns the exit status for err. */
int cli_fail(cli_ctx *c, const st_err *err);
/* Prints the ticket list (text or JSON) of the open database; returns the exit status. */
int cli_print_list(cli_ctx *c, bool all, bool json);

/* The zone for absolute times shown and for times typed without an offset: config
 * display_timezone, else $TZ, else the system zone, else UTC (NULL if even UTC cannot be loaded).
 * Caller frees with tz_free. */
struct tz_zone *display_zone(const cli_ctx *c);

/* Text forms, appended to out. Every untrusted string is sanitised. */
void clitext_list(cli_ctx *c, strbuf *out, const ops_view *v, size_t n);
void clitext_show(cli_ctx *c, strbuf *out, const ops_view *v, const st_audit_entry *h, size_t nh,
                  const sla_segment *segs, size_t nseg);
void clitext_audit_line(cli_ctx *c, strbuf *out, const st_audit_entry *e, const char *indent);
void clitext_audit_csv(cli_ctx *c, strbuf *out, const st_audit_entry *e, size_t n);
void clitext_policy(cli_ctx *c, strbuf *out, const st_policy *p, int64_t version);

#endif
