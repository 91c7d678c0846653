/* alert_spawn: runs the configuration's alerts.command for a crossing (SPEC §8 "Alerts"): an
 * argument vector started with posix_spawnp (no shell), the alert in its environment, standard
 * input, output and error on /dev/null, in a process group of its own, and never waited for:
 * the event loop reaps it with alert_runner_reap (waitpid WNOHANG on its own children only, so
 * a child another part of the console waits for, such as $EDITOR, is never taken). Curses-free. */
#ifndef SLATOP_ALERT_SPAWN_H
#define SLATOP_ALERT_SPAWN_H

#include <stddef.h>
#include <stdint.h>

#include "slatop/util.h"

/* What the command is told (borrowed strings). */
typedef struct {
    int64_t ticket_id;
    const char *level;  /* the level id, e.g. "S0" */
    const char *metric; /* "first_response", "next_response", "resolution" */
    const char *state;  /* "warn", "breached" */
    const char *title;  /* untrusted: sanitised into SLATOP_TITLE */
} alert_event;

/* The command's environment: every entry of base (NULL-terminated, e.g. environ) but those
 * named SLATOP_TICKET_ID, SLATOP_LEVEL, SLATOP_METRIC, SLATOP_STATE or SLATOP_TITLE, then those
 * five from ev. The title (and any other value) keeps its printable text, line breaks become
 * spaces, and control characters, escape sequences' introducers, C1, bidi and invisible format
 * characters and invalid UTF-8 are removed. Pure. Caller owns the result (alert_env_free). */
char **alert_env_build(char *const *base, const alert_event *ev);
void alert_env_free(char **env);
/* s with every unsafe code point (text_is_unsafe) and invalid byte removed, tabs and line breaks
 * as single spaces. Pure. Caller owns the result (free). */
char *alert_text_clean(const char *s);

/* At most this many commands run at once: a crossing past it does not start the command (the
 * bell still rings) and alert_runner_start says so, so a storm of crossings cannot fork-bomb. */
#define ALERT_MAX_CHILDREN 8

typedef struct alert_runner alert_runner; /* opaque */

/* argv: the command (NULL-terminated, borrowed: it must outlive the runner). Caller owns the
 * result (alert_runner_free). */
alert_runner *alert_runner_new(char *const *argv);
/* Forgets the children without waiting for them (they finish on their own; the console is about
 * to exit, and init reaps them). */
void alert_runner_free(alert_runner *r);
/* Starts the command for ev with the environment alert_env_build(environ, ev). Errors (nothing
 * started): ST_BUSY "alerts.command: N still running, alert not run" at the cap;
 * ST_IO "alerts.command: PROG: REASON" when it cannot be started (no such program, ...). */
st_code alert_runner_start(alert_runner *r, const alert_event *ev, st_err *err);
/* Reaps the children that have exited, never waiting. Returns how many failed (a non-zero exit
 * or a signal); *last (may be NULL) describes the last: "alerts.command: PROG exited 3" or
 * "alerts.command: PROG killed by signal 9". */
size_t alert_runner_reap(alert_runner *r, st_err *last);
/* Children started and not yet reaped. */
size_t alert_runner_running(const alert_runner *r);

#endif
