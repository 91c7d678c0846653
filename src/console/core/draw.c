/* draw: what every view draws with (view.h's drawing helpers): untrusted text sanitised and fitted
 * before any curses call, rules and boxes in the locale's charset, the theme's attributes per
 * element, the state symbols, and the view constructor. Below the views and the window stack
 * (ui.c), which sets it up with draw_init when the terminal opens. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/countdown.h"
#include "slatop/sla.h"
#include "slatop/text.h"
#include "slatop/theme.h"
#include "slatop/view.h"

static struct {
    bool ascii;             /* draw as in a non-UTF-8 locale */
    bool seconds_always;    /* the configuration's "countdown_seconds": "always" */
    attr_t attrs[EL_COUNT]; /* the theme: each element's attributes */
} draw;

/* ---- drawing helpers ---- */

void ui_put(WINDOW *w, int y, int x, const char *s, int cols, attr_t attr)
{
    /* Never past the window's right edge: curses would wrap the rest onto the next row (a narrow
     * pane shrinks every view's columns to what remains). */
    if (cols > getmaxx(w) - x)
        cols = getmaxx(w) - x;
    if (cols <= 0 || y < 0 || y >= getmaxy(w))
        return;
    if (!s)
        s = "";
    /* Printable ASCII (most of a screen: every countdown, most titles) goes in as ready-made cells:
     * it needs no sanitising, and waddstr would run every byte through ncurses' multibyte decoder,
     * wctob and wcwidth. Same attributes, same screen (checked against tmux captures). */
    chtype cells[256];
    int n = 0;
    while (n <= cols && s[n] >= 0x20 && s[n] < 0x7f)
        n++;
    if (!s[n] && n <= cols && cols <= (int)(sizeof cells / sizeof *cells)) {
        for (int i = 0; i < cols; i++) /* the text, then blanks to the cell's width */
            cells[i] = (chtype)(i < n ? (unsigned char)s[i] : ' ') | attr;
        mvwaddchnstr(w, y, x, cells, cols);
        return;
    }
    char *safe = text_sanitize(s, draw.ascii);
    char *fit = text_fit(safe, cols, draw.ascii ? "~" : "\xe2\x80\xa6", true);
    wattrset(w, (int)attr);
    mvwaddstr(w, y, x, fit);
    wattrset(w, A_NORMAL);
    free(fit);
    free(safe);
}

void ui_putf(WINDOW *w, int y, int x, int cols, attr_t attr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    ui_put(w, y, x, s, cols, attr);
    free(s);
}

void ui_hline(WINDOW *w, int y, int x, int cols)
{
    if (draw.ascii)
        mvwhline(w, y, x, '-', cols);
    else
        mvwhline(w, y, x, ACS_HLINE, cols);
}

void ui_box(WINDOW *w)
{
    if (draw.ascii)
        wborder(w, '|', '|', '-', '-', '+', '+', '+', '+');
    else
        box(w, 0, 0);
}

attr_t ui_attr(ui_element e)
{
    return (e >= 0 && e < EL_COUNT) ? draw.attrs[e] : A_NORMAL;
}

ui_element ui_state_element(int s)
{
#define UI_STATE_ELEMENT(id, name, symbol, ascii, rank) EL_##id,
    static const ui_element el[] = {SLA_STATES(UI_STATE_ELEMENT)};
#undef UI_STATE_ELEMENT
    return (s >= 0 && s < SLA_STATE_COUNT) ? el[s] : EL_NORMAL;
}

const char *ui_state_symbol(int s)
{
    return sla_state_symbol((sla_state)s, draw.ascii);
}

void ui_countdown(int64_t remaining_s, char buf[static 24])
{
    countdown_format(remaining_s, draw.seconds_always, buf);
}

void ui_short_time(const tz_zone *z, st_time t, char buf[static 32])
{
    static const char *wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    tz_local l;
    tz_to_local(z, t, &l);
    snprintf(buf, 32, "%s %02d:%02d", wd[l.weekday % 7], (int)(l.sec_of_day / 3600),
             (int)(l.sec_of_day / 60 % 60));
}

/* ---- themes ---- */

static short color_by_name(const char *name)
{
    static const char *names[] = {"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"};
    if (!name || strcasecmp(name, "default") == 0)
        return -1;
    for (short i = 0; i < 8; i++)
        if (strcasecmp(name, names[i]) == 0)
            return i;
    if (strncasecmp(name, "color", 5) == 0) { /* color0..color255, as far as the terminal has them */
        long n = strtol(name + 5, NULL, 10);
        if (n >= 0 && n < COLORS && n < 256)
            return (short)n;
    }
    return -1;
}

void draw_init(con_state *c)
{
    draw.ascii = c->ascii;
    draw.seconds_always = c->config && c->config->countdown_seconds_always;
    /* mono: attributes only, readable on any terminal and without colour */
    attr_t mono[EL_COUNT] = {
        [EL_NORMAL] = A_NORMAL,    [EL_OK] = A_NORMAL,        [EL_WARN] = A_BOLD,
        [EL_PAUSED] = A_DIM,       [EL_BREACHED] = A_BOLD,    [EL_MET] = A_NORMAL,
        [EL_MISSED] = A_UNDERLINE, [EL_SELECTED] = A_REVERSE, [EL_HEADER] = A_REVERSE,
        [EL_STATUS] = A_REVERSE,   [EL_ERROR] = A_BOLD,       [EL_BADGE] = A_BOLD | A_REVERSE,
        [EL_DIM] = A_DIM,
    };
    memcpy(draw.attrs, mono, sizeof mono);
    const char *theme = c->config && c->config->theme ? c->config->theme : "default";
    bool use_color = c->color && has_colors() && strcmp(theme, "mono") != 0;
    c->color = use_color;
    if (!use_color)
        return;
    start_color();
    use_default_colors();
    struct {
        short fg, bg;
        attr_t extra;
    } def[EL_COUNT] = {
        [EL_NORMAL] = {-1, -1, 0},
        [EL_OK] = {-1, -1, 0},
        [EL_WARN] = {COLOR_YELLOW, -1, A_BOLD},
        [EL_PAUSED] = {COLOR_CYAN, -1, 0},
        [EL_BREACHED] = {COLOR_RED, -1, A_BOLD},
        [EL_MET] = {COLOR_GREEN, -1, 0},
        [EL_MISSED] = {COLOR_MAGENTA, -1, 0},
        [EL_SELECTED] = {-1, -1, A_REVERSE},
        [EL_HEADER] = {COLOR_WHITE, COLOR_BLUE, A_BOLD},
        [EL_STATUS] = {COLOR_BLACK, COLOR_CYAN, 0},
        [EL_ERROR] = {COLOR_RED, -1, A_BOLD},
        [EL_BADGE] = {COLOR_BLACK, COLOR_YELLOW, A_BOLD},
        [EL_DIM] = {-1, -1, A_DIM},
    };
    if (c->config && strcmp(theme, "custom") == 0) {
        for (size_t i = 0; i < c->config->n_colors; i++) {
            const cfg_color *cc = &c->config->colors[i];
            ui_element e;
            if (theme_element_parse(cc->element, &e)) {
                def[e].fg = color_by_name(cc->fg);
                def[e].bg = color_by_name(cc->bg);
                def[e].extra = (cc->bold ? A_BOLD : 0) | (cc->reverse ? A_REVERSE : 0) |
                               (cc->underline ? A_UNDERLINE : 0);
            }
        }
    }
    for (int e = 0; e < EL_COUNT; e++) {
        if (def[e].fg == -1 && def[e].bg == -1) {
            draw.attrs[e] = def[e].extra;
            continue;
        }
        init_pair((short)(e + 1), def[e].fg, def[e].bg);
        draw.attrs[e] = COLOR_PAIR(e + 1) | def[e].extra;
    }
}

/* ---- views ---- */

view_result view_pass_shared(st_action a)
{
    return (a == ACT_HELP || a == ACT_DASHBOARD || a == ACT_RELOAD || a == ACT_COMMAND) ? VR_PASS : VR_NONE;
}

view *view_new(const view_ops *ops, void *priv)
{
    view *v = xcalloc(1, sizeof *v);
    v->ops = ops;
    v->priv = priv;
    v->dirty = true;
    return v;
}

