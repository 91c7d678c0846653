/* view: the console's views behind one small ops table each (htop's Panel, tig's view ops):
 * draw into the view's window, handle an action (returning an effect, console.h, that the event
 * loop applies: no view calls the loop), resize, destroy. A new view (the uptime dashboard) is one file: an
 * ops table and a constructor. Only ui.c and the view_*.c files include this header (it includes curses.h).
 */
#ifndef SLATOP_VIEW_H
#define SLATOP_VIEW_H

#include <curses.h>
#include <stdbool.h>

#include "slatop/console.h"
#include "slatop/theme.h"

typedef struct {
    const char *name;
    bool modal; /* overlays the views below (prompt, triage); keys never pass through */
    bool ticks; /* redraw every second (countdowns, clock) */
    int height; /* modal views: rows wanted (0: as tall as fits, up to 20) */
    /* Draws into v->win (fully: werase first). Must not call refresh functions. */
    void (*draw)(view *v, con_state *c);
    /* a = the key's action (ACT_NONE when unbound); k = the raw key, for text entry. Returns what
     * the loop should do; the view changes only itself (and the list model, through its
     * functions). */
    con_effect (*key)(view *v, con_state *c, st_action a, km_key k);
    /* Optional: the view's area changed (the window is already moved/resized). */
    void (*resize)(view *v, con_state *c);
    /* Optional: frees v->priv. The window is freed by ui. */
    void (*destroy)(view *v);
    /* Optional: the data changed under the view (reload, another engineer's change). */
    void (*reload)(view *v, con_state *c);
    /* Optional, for views that tick: a new second only (nothing else changed since the last
     * draw): redraw just what the second changed (countdowns, states) without werase, so a tick
     * costs per changed cell, and return true; false asks for a full draw. Called only when the
     * view is the top one and not dirty. */
    bool (*tick)(view *v, con_state *c);
    /* Optional: background work in slices of a few ms (the audit view's chain walk), run by the
     * loop between ticks and keys once the screen is drawn; sets v->dirty when the screen should
     * change; returns true while work remains (the loop then polls instead of sleeping). */
    bool (*idle)(view *v, con_state *c);
} view_ops;

struct view {
    const view_ops *ops;
    WINDOW *win; /* owned by ui */
    bool dirty;
    bool ticked; /* a second passed since the last draw (views with ops->tick) */
    void *priv;  /* owned by the view (destroy) */
};

/* For a full-screen view's unhandled actions: VR_PASS for the actions every view shares (help,
 * dashboard, reload, the command prompt), VR_NONE for the rest, so that a key meant for the list
 * never acts on the list hidden below a detail or the audit log. */
view_result view_pass_shared(st_action a);
/* Creates a view (ui places its window when pushed). priv ownership passes to the view. */
view *view_new(const view_ops *ops, void *priv);

/* Sets up the drawing helpers below for c's charset (c->ascii) and theme (the config's; colours
 * when c->color and the terminal has them, else c->color becomes false). The window stack calls
 * it once the terminal is open. */
void draw_init(con_state *c);
/* Drawing helpers. Every string that may hold untrusted text goes through ui_put: sanitised
 * (text_sanitize; ASCII placeholders in non-UTF-8 locales) and fitted to `cols` display columns
 * (text_fit, padded) before any curses call. */
void ui_put(WINDOW *w, int y, int x, const char *s, int cols, attr_t attr);
/* Like ui_put with a printf-style format (for our own text; still sanitised). */
void ui_putf(WINDOW *w, int y, int x, int cols, attr_t attr, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* A horizontal rule (ACS line in UTF-8, '-' otherwise). */
void ui_hline(WINDOW *w, int y, int x, int cols);
/* Box around w (ASCII '+' '-' '|' in non-UTF-8 locales). */
void ui_box(WINDOW *w);

attr_t ui_attr(ui_element e);
/* The element for a timer state. */
ui_element ui_state_element(int sla_state);
/* The symbol (UTF-8 or ASCII by locale) and a short name for a timer state. Static strings. */
const char *ui_state_symbol(int sla_state);

/* Helpers shared by views. */
/* The countdown as SPEC §11 writes it (countdown_format under the configuration's
 * countdown_seconds): "27h04m", "59:59", "-0:42"; H:MM:SS with "always". */
void ui_countdown(int64_t remaining_s, char buf[static 24]);
/* "Mon 09:00" in the zone. */
void ui_short_time(const tz_zone *z, st_time t, char buf[static 32]);

/* A scrolling list of text lines with a cursor, shared by the detail, audit and help views.
 * Lines are untrusted text (drawn through ui_put). Embedded by value: pager_init/pager_done. */
typedef struct {
    char *text; /* owned */
    ui_element el;
    int64_t tag;     /* the view's own use (an audit entry's ticket id) */
    bool selectable; /* the cursor stops here */
} pager_line;
typedef struct {
    pager_line *lines;
    size_t n, cap;
    int64_t top, sel;
    char *search; /* owned, NULL: lines containing it (case-insensitive) are the only ones shown */
} pager;
void pager_init(pager *p);
void pager_done(pager *p);
void pager_clear(pager *p); /* drops the lines, keeps position and search */
void pager_add(pager *p, ui_element el, int64_t tag, bool selectable, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Draws rows [y0, y0 + h) of w. */
void pager_draw(pager *p, WINDOW *w, int y0, int h);
/* Movement actions; VR_PASS for anything else. h = visible rows. */
view_result pager_key(pager *p, st_action a, int h);
/* The selected line, NULL when none. */
const pager_line *pager_selected(const pager *p);

/* The views. Each returns a new view (for an effect's push; ui owns it once pushed). */
view *view_list_new(void);
view *view_audit_new(con_state *c, int64_t ticket_id); /* 0 = all */
view *view_help_new(con_state *c);
/* The dashboard panel shown in the panel slot with `d`. */
view *view_dash_new(con_state *c);
/* Views that may be refused answer with an effect of r: the view to push, or the message why
 * not. */
con_effect view_detail_open(con_state *c, int64_t ticket_id, view_result r);
con_effect view_triage_open(con_state *c, view_result r); /* for the selected ticket */
/* The month's SLA compliance report (month "YYYY-MM"; NULL or "": the current one up to now),
 * computed in a child process while the console runs on. */
con_effect view_report_open(con_state *c, const char *month, view_result r);

/* Prompts (modal). */
typedef con_effect (*prompt_done_fn)(con_state *c, const char *text, void *ctx);
/* A one-line text prompt; done is called with the text on Enter (not called on Esc) and the
 * prompt closes with what it returns (its VR_QUIT quits; other results close the prompt). ctx is
 * owned by the prompt and freed with free() when it closes. */
view *view_prompt_new(const char *title, const char *initial, int max_len, bool required, prompt_done_fn done,
                      void *ctx);
/* The re-prioritization flow for the selected ticket: preview, reason, confirm. move/level as
 * ops_preview_level; reason pre-filled (triage). An effect of r pushing the flow, or the message
 * why it is refused. */
con_effect view_reprio_open(con_state *c, ops_move move, const char *level, const char *reason,
                            view_result r);
/* The same flow for ticket t (the detail view's, which need not be the list's selection), with
 * the version t carries. */
con_effect view_reprio_open_for(con_state *c, const st_ticket *t, ops_move move, const char *level,
                                const char *reason, view_result r);
/* y / Enter confirms (the prompt closes with what yes returns), anything else cancels. */
typedef con_effect (*confirm_fn)(con_state *c, void *ctx);
view *view_confirm_new(const char *question, confirm_fn yes, void *ctx);

/* The actions that change one ticket (view_ticket.c), shared by the list (its selection) and the
 * detail view (its ticket): raise, lower, respond, assign, reply, note, pending, on hold, open,
 * resolve, reopen. The effect pushes the prompt or confirmation, asks the loop for the editor
 * (fx.edit), or says why not (read-only, a status the action does not apply to); VR_PASS when a
 * is none of these actions or t is NULL. */
con_effect view_ticket_action(con_state *c, st_action a, const st_ticket *t);

#endif
