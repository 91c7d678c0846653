/* ui: the terminal side of the console (ncurses): set-up and tear-down, themes, the view stack,
 * key reading, rendering with wnoutrefresh + one doupdate. Curses-free interface so that the
 * event loop (app.c) never includes curses.h. One terminal per process. */
#ifndef SLATOP_UI_H
#define SLATOP_UI_H

#include <stdbool.h>

#include "slatop/console.h"
#include "slatop/util.h"

/* Opens curses on the real terminal (stdin/stdout), or, when null_cols > 0, on /dev/null with a
 * fixed size (screen tests) and TERM `term`. Decides colour (c->color) and ASCII mode (c->ascii
 * unless already forced) and pushes the list view; the caller lays it out (ui_relayout). Errors:
 * ST_IO naming the terminal. */
st_code ui_open(con_state *c, int null_cols, int null_rows, const char *term, st_err *err);
/* Restores the terminal (endwin) and frees every view. Safe to call twice. */
void ui_close(void);
/* The descriptor to poll for keys, -1 when there is none (null terminal). */
int ui_input_fd(void);
/* Non-blocking: the next key from the terminal, false when none is waiting. */
bool ui_read_key(km_key *out);
/* True while a key typed during start-up waits in ncurses' buffer, where polling ui_input_fd
 * cannot see it: the caller reads keys before it blocks. */
bool ui_key_held(void);
/* Dispatches a key to the view stack (top first) and returns what the answering view asks for
 * (the actions every view shares become effects too: help pushes the help view, the dashboard
 * toggles, reload reloads; KM_RESIZE asks for a relayout). Applying it is the caller's. */
con_effect ui_handle_key(con_state *c, km_key k);
/* Lays the screen out for its size and c->dash_on (creating or dropping the dashboard panel) and
 * returns the rows the list shows; the caller sets them on the model and reloads. */
int ui_relayout(con_state *c);
/* Pushes v (from an effect) on top of the stack; ui takes ownership. */
void ui_push(view *v);
/* Pops v (an effect's `from`) and frees it; false when v is the bottom view (the list), which is
 * never closed (closing it means quitting). */
bool ui_close_view(view *v);
/* The status-line message changed. */
void ui_status_changed(void);
/* A second passed: ticking views become dirty. */
void ui_tick(con_state *c);
/* The data was reloaded: views refresh what they show. */
void ui_data_changed(con_state *c);
/* The dashboard panel's model changed: redraw the panel when shown. */
void ui_panel_changed(void);
/* Draws dirty windows (wnoutrefresh) and sends them with one doupdate. Returns true when a frame
 * was sent. */
bool ui_render(con_state *c);
/* Rings the terminal's bell (an alert, SPEC §8). */
void ui_bell(void);
/* Runs a slice of each view's background work (view_ops.idle) once the screen is drawn; true
 * while some remains, and the loop then polls instead of sleeping. */
bool ui_idle(con_state *c);
/* Resizes the screen (scripts; a real terminal resizes through KM_RESIZE); the caller relayouts. */
void ui_resize(int cols, int rows);
/* The screen as text (rows lines, '\n'-terminated) appended to sb. */
void ui_screen_text(strbuf *sb);

#endif
