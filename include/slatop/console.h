/* console: the console's state and logic shared by the event loop (app.c) and the views
 * (view_*.c), plus the scripted entry point the screen tests use. Curses-free: only ui.c and the
 * views include curses.h. */
#ifndef SLATOP_CONSOLE_H
#define SLATOP_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/cli.h"
#include "slatop/keymap.h"
#include "slatop/ops.h"
#include "slatop/store.h"
#include "slatop/tz.h"
#include "slatop/uptime_panel.h"
#include "slatop/util.h"

/* One visible row of the list: the ticket as the user sees it now. */
typedef struct {
    ops_view v; /* owned (ops_view_done) */
} con_row;

/* The list filter: a text filter and a level-or-state filter. */
typedef struct {
    char *text;  /* owned, NULL = none: matched case-insensitively against id, level, title,
                    customer, assignee, ref */
    char *level; /* owned, NULL = none: a level id */
    int state;   /* -1 = none, else an sla_state */
} con_filter;

typedef struct con_state con_state;

/* A key script item (the --keys FILE syntax, see con_script_parse). */
typedef enum { SCR_KEY, SCR_SLEEP, SCR_SNAP, SCR_RESIZE, SCR_IDLE } con_script_kind;
typedef struct {
    con_script_kind kind;
    km_key key;     /* SCR_KEY */
    int64_t ms;     /* SCR_SLEEP */
    char *name;     /* SCR_SNAP, owned */
    int cols, rows; /* SCR_RESIZE */
} con_script_item;

/* Parses a key script. Syntax (one item after another; newlines are ignored, so one key per line
 * and whole words per line both work):
 *   any character          that key (UTF-8; a space is the Space key)
 *   <Enter> <Esc> <Up> ... a named key, as in the config (keymap.h): <C-x>, <F1>, <PgDn>, <Space>
 *   <lt>                   a literal '<'
 *   <sleep 1.5>            let the console run 1.5 s (with a frozen clock: advance it instead)
 *   <snap NAME>            (tests) record the screen as snapshot NAME
 *   <resize 100x30>        (tests) resize the screen to 100 columns by 30 rows
 *   <idle>                 (tests) wait (up to 10 s) until no monitoring fetch is in flight
 *   # ...                  a line starting with '#' is a comment
 * Errors (ST_USAGE) name `source` and the line. Caller owns *out (con_script_free). */
st_code con_script_parse(const char *text, const char *source, con_script_item **out, size_t *n, st_err *err);
void con_script_free(con_script_item *items, size_t n);

/* Options of the scripted console (screen tests): curses on a null output of a fixed size, keys
 * from `script`, the clock as given (freeze it for reproducible screens). Borrowed pointers. */
typedef struct {
    const char *db_path;
    const st_config *config; /* NULL: defaults (and no dashboard panel model) */
    st_clock clock;
    bool read_only;
    bool no_color;
    bool ascii;       /* draw as in a non-UTF-8 locale */
    const char *term; /* NULL: "xterm-256color" */
    int cols, rows;
    const char *script; /* con_script_parse syntax */
    long max_frames;    /* -1: unlimited */
} app_script_opts;

/* A screen read back at a <snap NAME>: `rows` lines of text, each '\n'-terminated, trailing
 * blanks kept. Owned by the array (app_snapshots_free). */
typedef struct {
    char *name;
    char *text;
} app_snapshot;

/* Runs the console with o; the script's end quits. *snaps gets the snapshots (caller owns).
 * Returns the console's exit status (0 on a clean quit); err filled on failure. */
int app_run_scripted(const app_script_opts *o, app_snapshot **snaps, size_t *n_snaps, st_err *err);
void app_snapshots_free(app_snapshot *s, size_t n);

typedef enum { CON_VIEW_LIST, CON_VIEW_DETAIL, CON_VIEW_AUDIT, CON_VIEW_HELP } con_view_kind;

struct con_state {
    /* borrowed */
    const st_config *config;
    /* owned */
    st_store *store;
    st_ops *ops;
    tz_zone *display_zone;
    km_map keys;
    st_clock clock;
    bool read_only, color, ascii;

    /* the list: rows[] are the visible window [top, top + n_rows) of the ordering */
    store_sort sort;
    con_filter filter;
    st_ticket *matches; /* owned, filtered mode only: every matching ticket in order */
    size_t n_matches;
    bool filtered;
    int64_t total;    /* rows in the ordering (all open tickets, or the matches) */
    int64_t top, sel; /* absolute indices in the ordering */
    int page;         /* visible rows */
    con_row *rows;
    size_t n_rows;
    int64_t count_state[SLA_STATE_COUNT]; /* per sla_state, over the visible rows (see report) */
    int64_t data_version;
    bool reload_needed;
    /* The latest policy (borrowed from ops' cache, which keeps every version it loaded) and its
     * version, read at each reload (another engineer may apply one), not at each key or second:
     * ops_policy(0) reads the store. NULL when it cannot be read. */
    const st_policy *policy;
    int64_t policy_version;

    st_time now;
    char msg[300];
    bool msg_error;
    bool quit;
    bool dash_on;
    uptime_panel *panel; /* owned; NULL without a config (screen tests) or when it failed */
    char panel_err[520]; /* why there is no panel */
    int exit_status;
};

/* Reloads the visible rows from the store (and the matches when a filter is on). */
st_code con_reload(con_state *c, st_err *err);
/* Recomputes every visible row's timer at c->now (once a second; no I/O). */
void con_retime(con_state *c);
/* Moves the selection by delta rows (clamped), reloading the window when it scrolls. */
void con_move(con_state *c, int64_t delta);
void con_move_to(con_state *c, int64_t index);
/* The selected row, or NULL when the list is empty. Borrowed. */
con_row *con_selected(con_state *c);
/* Sets the status-line message (errors shown as such). */
void con_msg(con_state *c, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sets the filter (takes ownership of nothing: copies) and reloads from the top. */
void con_set_filter_text(con_state *c, const char *text);
/* Parses a level id or state name; false (message set) when it is neither. */
bool con_set_filter_level_or_state(con_state *c, const char *what);
void con_clear_filter(con_state *c);
void con_cycle_sort(con_state *c);
const char *con_sort_name(store_sort s);
/* After a change this program made: reload at once (data_version does not move for our own
 * writes). */
void con_changed(con_state *c);

#endif
