/* console: the console's state shared by the event loop (app.c) and the views (view_*.c), the
 * effects a view returns for the loop to apply, plus the scripted entry point the screen tests
 * use. Curses-free (only ui.c and the views include curses.h) and store-free: the views read
 * through list_model.h and query.h. */
#ifndef SLATOP_CONSOLE_H
#define SLATOP_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/config.h"
#include "slatop/keymap.h"
#include "slatop/list_model.h"
#include "slatop/ops.h"
#include "slatop/tz.h"
#include "slatop/uptime_panel.h"
#include "slatop/util.h"

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
    st_store *store; /* the event loop's only (change notification); views read through list/ops */
    st_ops *ops;
    list_model *list;
    tz_zone *display_zone;
    km_map keys;
    st_clock clock;
    bool read_only, color, ascii;

    int64_t data_version;
    bool reload_needed;
    bool search_abandoned; /* a key arrived during the last reload's reads: reload after it */

    st_time now;
    char msg[300];
    bool msg_error;
    bool quit;
    bool dash_on;
    uptime_panel *panel; /* owned; NULL without a config (screen tests) or when it failed */
    char panel_err[520]; /* why there is no panel */
    int exit_status;
    struct con_alerts *alerts; /* owned (con_alerts.h); NULL until the first tick */
};

/* ---- effects: what a view's key handler (or a prompt's callback) asks of the event loop ---- */

typedef struct view view; /* a view (view.h) */

/* A message to write in the user's editor (a reply or a note), which the loop runs with the
 * terminal handed over (editor.h) and then records with the ticket version the user saw. */
typedef struct {
    int64_t id, version;
    msg_kind kind; /* MSG_REPLY or MSG_NOTE */
    char *title;   /* owned: the ticket's title, for the file's header */
} con_edit;

typedef enum {
    VR_NONE,   /* nothing changed */
    VR_REDRAW, /* this view changed: redraw it */
    VR_CLOSE,  /* pop this view (the one below is redrawn) */
    VR_QUIT,   /* leave the console */
    VR_PASS,   /* not handled here: offer the action to the view below (modal views never pass) */
} view_result;

/* A view never calls the loop: it returns this, and the loop (app.c) applies it, in this order:
 * close, quit, push, the message, the editor, the dashboard toggle and relayout, the reload (whose
 * failure replaces the message). Plain value; `push` is owned by the effect until applied. */
typedef struct {
    view_result r;
    view *from;     /* the view that answered (set by ui; the one VR_CLOSE closes) */
    view *push;     /* NULL, or a new view to push on top */
    con_edit *edit; /* NULL, or a message to write in the editor (owned until applied, after push) */
    bool quit;      /* leave the console after closing (a prompt's ":q") */
    bool reload;    /* the data changed (a change this program made): reload the list */
    bool relayout;  /* the screen's layout changed (resize) */
    bool dashboard; /* toggle the dashboard panel */
    bool has_msg, msg_error;
    char msg[300]; /* for the status line, when has_msg */
} con_effect;

/* An effect of r alone. */
con_effect con_fx(view_result r);
/* An effect of r that pushes v (v may be NULL: nothing to push). */
con_effect con_fx_push(view_result r, view *v);
/* Sets fx's status-line message (errors shown as such); returns fx for chaining. */
con_effect *con_fx_msg(con_effect *fx, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An effect of r with a message. */
con_effect con_fx_say(view_result r, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
