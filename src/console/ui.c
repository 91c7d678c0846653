/* ui: terminal set-up and tear-down, the view stack, keys, and rendering (the drawing helpers and
 * the theme are core/draw.c). Every window is
 * drawn into curses' virtual screen and sent with wnoutrefresh + one doupdate, so a tick sends
 * only the changed cells; nothing here ever calls clear(). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "slatop/sla.h"
#include "slatop/text.h"
#include "slatop/ui.h"
#include "slatop/view.h"

#define MAX_VIEWS 16
/* SPEC §11: the console works from a 40x10 pane up (a tmux split on a jump host); below 80x24 the
 * views give way (view_list drops columns, modals take the whole pane, the bars shorten). */
#define MIN_COLS 40
#define MIN_ROWS 10
#define FULL_COLS 80
#define FULL_ROWS 24

static struct {
    SCREEN *scr;
    FILE *null_out, *null_in;
    bool open;
    bool ascii;
    view *stack[MAX_VIEWS];
    int n;
    view *dash; /* the panel slot (d) */
    WINDOW *hdr, *status, *small;
    bool too_small;
    bool bars_dirty;
    bool clock_dirty; /* a second passed: the status line's clock and counts only */
    char *status_drawn; /* the status line's text as last drawn: a second that changes nothing in
                         * it (most of them: the clock shows minutes) redraws nothing there */
    con_state *c; /* borrowed, for helpers that need the locale mode */
    bool key_held; /* ui_open pushed a key typed during start-up back into ncurses' own buffer:
                    * the descriptor no longer shows it, so the loop must read before it waits */
} ui;

/* ---- layout ---- */

/* Every window leaves the (hidden) cursor where the last change put it: no cursor move after
 * each update (9 bytes a second on an idle console). */
static WINDOW *new_win(int h, int w, int y, int x)
{
    WINDOW *win = newwin(h, w, y, x);
    if (win)
        leaveok(win, TRUE);
    return win;
}

/* The panel takes up to 14 rows, never more than half the list area. */
static int dash_rows(void)
{
    int h = (LINES - 2) / 2;
    return h > 14 ? 14 : h;
}

/* Below 24 rows a modal may cover the bars (up to the whole pane) rather than lose its last lines. */
static int modal_height(view *v)
{
    int h = LINES - 4;
    int want = v->ops->height > 0 ? v->ops->height : 20;
    if (LINES < FULL_ROWS && want > h)
        h = want < LINES ? want : LINES;
    return h > want ? want : h;
}

static void place(view *v, con_state *c)
{
    if (v->win)
        delwin(v->win);
    int main_h = LINES - 2;
    if (v == ui.dash) {
        v->win = new_win(dash_rows(), COLS, LINES - 1 - dash_rows(), 0);
    } else if (v->ops->modal) {
        int w = COLS - 8 > 96 ? 96 : COLS - 8;
        int h = modal_height(v);
        if (COLS < FULL_COLS) /* a narrow pane: every column for the modal's text */
            w = COLS;
        if (h < 3)
            h = LINES;
        v->win = new_win(h, w, (LINES - h) / 2, (COLS - w) / 2);
    } else {
        int h = main_h - (c->dash_on ? dash_rows() : 0);
        v->win = new_win(h > 1 ? h : 1, COLS, 1, 0);
    }
    v->dirty = true;
    if (v->ops->resize && !ui.too_small)
        v->ops->resize(v, c);
}

static void free_bars(void)
{
    if (ui.hdr)
        delwin(ui.hdr);
    if (ui.status)
        delwin(ui.status);
    if (ui.small)
        delwin(ui.small);
    ui.hdr = ui.status = ui.small = NULL;
    free(ui.status_drawn);
    ui.status_drawn = NULL;
}

int ui_relayout(con_state *c)
{
    ui.too_small = COLS < MIN_COLS || LINES < MIN_ROWS;
    free_bars();
    ui.hdr = new_win(1, COLS, 0, 0);
    ui.status = new_win(1, COLS, LINES - 1, 0);
    /* The "too small" notice gets its window only when needed: a full-screen window is ~130 KB of
     * cells to allocate and clear before the first screen. */
    ui.small = ui.too_small ? new_win(LINES, COLS, 0, 0) : NULL;
    ui.bars_dirty = true;
    if (ui.dash && !c->dash_on) {
        ui.dash->ops->destroy ? ui.dash->ops->destroy(ui.dash) : (void)0;
        if (ui.dash->win)
            delwin(ui.dash->win);
        free(ui.dash);
        ui.dash = NULL;
    }
    if (!ui.dash && c->dash_on)
        ui.dash = view_dash_new(c);
    int page = LINES - 2 - (c->dash_on ? dash_rows() : 0) - 1; /* list: one header row */
    if (!ui.too_small) {
        for (int i = 0; i < ui.n; i++)
            place(ui.stack[i], c);
        if (ui.dash)
            place(ui.dash, c);
    }
    return page > 0 ? page : 1;
}

static void ui_dirty_all(void);

void ui_push(view *v)
{
    if (ui.n == MAX_VIEWS) { /* a runaway chain of views: drop the new one */
        if (v->ops->destroy)
            v->ops->destroy(v);
        free(v);
        return;
    }
    ui.stack[ui.n++] = v;
    if (!ui.too_small)
        place(v, ui.c);
    else
        v->win = new_win(1, 1, 0, 0);
    ui_dirty_all();
}

static void destroy_view(view *v)
{
    if (v->ops->destroy)
        v->ops->destroy(v);
    if (v->win)
        delwin(v->win);
    free(v);
}

bool ui_close_view(view *v)
{
    if (ui.n > 0 && v == ui.stack[0])
        return false;
    for (int i = 0; i < ui.n; i++)
        if (ui.stack[i] == v) {
            memmove(&ui.stack[i], &ui.stack[i + 1], (size_t)(ui.n - i - 1) * sizeof ui.stack[0]);
            ui.n--;
            destroy_view(v);
            break;
        }
    ui_dirty_all();
    return true;
}

void ui_status_changed(void)
{
    ui.bars_dirty = true;
}

static void ui_dirty_all(void)
{
    for (int i = 0; i < ui.n; i++)
        ui.stack[i]->dirty = true;
    if (ui.dash)
        ui.dash->dirty = true;
    ui.bars_dirty = true;
}

/* ---- open / close ---- */

st_code ui_open(con_state *c, int null_cols, int null_rows, const char *term, st_err *err)
{
    memset(&ui, 0, sizeof ui);
    ui.c = c;
    ui.ascii = c->ascii;
    if (null_cols > 0) {
        ui.null_out = fopen("/dev/null", "w");
        ui.null_in = fopen("/dev/null", "r");
        if (!ui.null_out || !ui.null_in) {
            if (ui.null_out)
                fclose(ui.null_out);
            if (ui.null_in)
                fclose(ui.null_in);
            return st_fail(err, ST_IO, "/dev/null: cannot open");
        }
        ui.scr = newterm(term, ui.null_out, ui.null_in);
    } else {
        if (!isatty(STDIN_FILENO) && !isatty(STDOUT_FILENO))
            return st_fail(err, ST_IO, "console: standard input and output are not a terminal");
        ui.scr = newterm(NULL, stdout, stdin);
    }
    if (!ui.scr) {
        if (ui.null_out)
            fclose(ui.null_out);
        if (ui.null_in)
            fclose(ui.null_in);
        const char *t = term ? term : getenv("TERM");
        return st_fail(err, ST_IO, "console: cannot open the terminal (TERM=%s unknown?)", t ? t : "(unset)");
    }
    ui.open = true;
    set_term(ui.scr);
    if (null_cols > 0)
        resizeterm(null_rows, null_cols);
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    leaveok(stdscr, TRUE);
    typeahead(-1); /* no poll of the keyboard every few lines of an update (9 syscalls a tick) */
    draw_init(c);
    /* Debian 12's ncurses writes one row at a time until the screen leaves its initial state;
     * one refresh + endwin right after start-up batches every later update into one write. */
    refresh();
    endwin();
    refresh();
    /* endwin sent rmkx; ncurses would re-send smkx only at the first read, so arrow keys typed
     * before it would arrive in the wrong mode: read once now (nodelay: returns at once). */
    keypad(stdscr, TRUE);
    if (!ui.null_in) {
        wint_t ch;
        int r = wget_wch(stdscr, &ch);
        if (r == OK)
            ui.key_held = unget_wch((wchar_t)ch) == OK;
        else if (r == KEY_CODE_YES)
            ui.key_held = ungetch((int)ch) == OK;
    }
    ui_push(view_list_new());
    return ST_OK;
}

void ui_close(void)
{
    if (!ui.open)
        return;
    while (ui.n > 0)
        destroy_view(ui.stack[--ui.n]);
    if (ui.dash)
        destroy_view(ui.dash);
    ui.dash = NULL;
    free_bars();
    endwin();
    delscreen(ui.scr);
    if (ui.null_out)
        fclose(ui.null_out);
    if (ui.null_in)
        fclose(ui.null_in);
    ui.open = false;
}

int ui_input_fd(void)
{
    return ui.null_in ? -1 : STDIN_FILENO;
}

bool ui_key_held(void)
{
    return ui.key_held;
}

bool ui_read_key(km_key *out)
{
    ui.key_held = false; /* the held key is the first this reads */
    if (ui.null_in)
        return false;
    wint_t ch;
    int r = wget_wch(stdscr, &ch);
    if (r == ERR)
        return false;
    if (r == KEY_CODE_YES) {
        switch (ch) {
        case KEY_UP:
            *out = KM_UP;
            break;
        case KEY_DOWN:
            *out = KM_DOWN;
            break;
        case KEY_LEFT:
            *out = KM_LEFT;
            break;
        case KEY_RIGHT:
            *out = KM_RIGHT;
            break;
        case KEY_PPAGE:
            *out = KM_PGUP;
            break;
        case KEY_NPAGE:
            *out = KM_PGDN;
            break;
        case KEY_HOME:
            *out = KM_HOME;
            break;
        case KEY_END:
            *out = KM_END;
            break;
        case KEY_BACKSPACE:
            *out = KM_BACKSPACE;
            break;
        case KEY_DC:
            *out = KM_DELETE;
            break;
        case KEY_IC:
            *out = KM_INSERT;
            break;
        case KEY_ENTER:
            *out = KM_ENTER;
            break;
        case KEY_RESIZE:
            *out = KM_RESIZE;
            break;
        default:
            if (ch > KEY_F0 && ch <= KEY_F(24))
                *out = KM_F0 + (int)(ch - KEY_F0);
            else
                *out = KM_NONE;
        }
        return true;
    }
    if (ch == '\n' || ch == '\r')
        *out = KM_ENTER;
    else if (ch == 127 || ch == 8)
        *out = KM_BACKSPACE;
    else
        *out = (km_key)ch;
    return true;
}

/* ---- keys ---- */

con_effect ui_handle_key(con_state *c, km_key k)
{
    if (k == KM_NONE)
        return con_fx(VR_NONE);
    if (k == KM_RESIZE) {
        con_effect fx = con_fx(VR_NONE);
        fx.relayout = true;
        return fx;
    }
    st_action a = km_lookup(&c->keys, k);
    if (ui.too_small)
        return con_fx(a == ACT_QUIT ? VR_QUIT : VR_NONE);
    con_effect fx = con_fx(VR_PASS);
    view *v = NULL;
    for (int i = ui.n - 1; i >= 0 && fx.r == VR_PASS; i--) {
        v = ui.stack[i];
        fx = v->ops->key(v, c, a, k);
        if (fx.r == VR_PASS && v->ops->modal)
            fx.r = VR_NONE;
    }
    fx.from = v;
    if (fx.r == VR_PASS) { /* the actions every view shares */
        if (a == ACT_HELP) {
            fx.push = view_help_new(c);
        } else if (a == ACT_DASHBOARD) {
            fx.dashboard = true;
        } else if (a == ACT_RELOAD) {
            fx.reload = true;
            con_fx_msg(&fx, false, "reloaded");
        }
    }
    ui_dirty_all();
    return fx;
}

void ui_tick(con_state *c)
{
    (void)c;
    for (int i = 0; i < ui.n; i++) {
        view *v = ui.stack[i];
        if (v->ops->ticks && v->ops->tick)
            v->ticked = true; /* ui_render decides: just the second's cells, or a full draw */
        else if (v->ops->ticks)
            v->dirty = true;
    }
    if (ui.dash && ui.dash->ops->ticks)
        ui.dash->dirty = true;
    ui.clock_dirty = true;
}

void ui_data_changed(con_state *c)
{
    for (int i = 0; i < ui.n; i++)
        if (ui.stack[i]->ops->reload)
            ui.stack[i]->ops->reload(ui.stack[i], c);
    if (ui.dash && ui.dash->ops->reload)
        ui.dash->ops->reload(ui.dash, c);
    ui_dirty_all();
}

void ui_panel_changed(void)
{
    if (ui.dash)
        ui.dash->dirty = true;
}

void ui_bell(void)
{
    beep(); /* the terminal's bel (BEL on every terminal slatop targets), written at once */
}

void ui_resize(int cols, int rows)
{
    resizeterm(rows, cols);
}

/* ---- rendering ---- */

static void draw_header(con_state *c)
{
    WINDOW *w = ui.hdr;
    attr_t a = ui_attr(EL_HEADER);
    werase(w);
    wbkgdset(w, ' ' | a);
    const list_model *m = c->list;
    const st_policy *pol = lm_policy(m);
    const char *pname = pol ? pol->name : "?";
    char tmp[128];
    int x = 0;
    int ro_w = c->read_only ? 4 : 0;
    const char *more = lm_counting(m) ? "+" : ""; /* still counting (lm_work): at least this many */
    if (COLS >= FULL_COLS)
        snprintf(tmp, sizeof tmp, " slatop | %.40s v%lld | %lld%s %s | sort:%s ", pname,
                 (long long)lm_policy_version(m), (long long)lm_total(m), more,
                 lm_filtered(m) ? "match" : "open", lm_sort_name(m));
    else if (c->msg[0]) /* a narrow pane: the message gets the whole bar */
        tmp[0] = '\0';
    else
        snprintf(tmp, sizeof tmp, " %lld%s %s | sort:%s ", (long long)lm_total(m), more,
                 lm_filtered(m) ? "match" : "open", lm_sort_name(m));
    int w1 = text_width(tmp);
    ui_put(w, 0, x, tmp, w1 < COLS - ro_w ? w1 : COLS - ro_w, a);
    x += w1;
    if (c->read_only) {
        ui_put(w, 0, x, " RO ", 4, ui_attr(EL_BADGE));
        x += 4;
    }
    if (x < COLS) {
        if (c->msg[0])
            ui_put(w, 0, x, c->msg, COLS - x, c->msg_error ? (ui_attr(EL_ERROR) | A_REVERSE) : a);
        else
            ui_put(w, 0, x, "", COLS - x, a);
    }
    wnoutrefresh(w);
}

static void draw_status(con_state *c)
{
    WINDOW *w = ui.status;
    attr_t a = ui_attr(EL_STATUS);
    strbuf sb;
    sb_init(&sb);
    bool names = COLS >= 120;          /* at 80 columns the symbols alone keep the zone and clock visible */
    const list_model *m = c->list;
    const char *more = lm_counts_partial(m) ? "+" : ""; /* a tally so far: at least this many */
    for (int i = 0; i < SLA_STATE_COUNT; i++) {
        sla_state st = sla_state_at_rank(i);
        sb_printf(&sb, " %s%s%lld%s%s%s", ui_state_symbol((int)st), names ? " " : "",
                  (long long)lm_count(m, (int)st), more, names ? " " : "", names ? sla_state_name(st) : "");
    }
    sb_append(&sb, " |");
    const char *ftext = lm_filter_text(m), *flevel = lm_filter_level(m);
    int fstate = lm_filter_state(m);
    lm_statuses fstat = lm_filter_statuses(m);
    if (ftext || flevel || fstate >= 0 || fstat != LM_STATUSES_OPEN) {
        sb_append(&sb, " filter:");
        if (fstat != LM_STATUSES_OPEN)
            sb_append(&sb, fstat == LM_STATUSES_ALL ? " all statuses" : " resolved");
        if (flevel)
            sb_printf(&sb, " %s", flevel);
        if (fstate >= 0)
            sb_printf(&sb, " %s", sla_state_name((sla_state)fstate));
        if (ftext)
            sb_printf(&sb, " /%s", ftext);
        sb_append(&sb, " |");
    }
    const st_policy *p = lm_policy(m);
    char when[64], biz[64] = "";
    /* The clock to the minute: the countdowns carry the seconds, and a seconds digit here would
     * cost a cursor move and two attribute changes on the wire every second (issue 5's idle
     * bytes; ARCHITECTURE.md: show only the precision that matters). */
    {
        tz_local l;
        tz_to_local(c->display_zone, c->now, &l);
        int64_t y;
        unsigned mo, d;
        civil_from_days(l.days, &y, &mo, &d);
        if (COLS >= FULL_COLS)
            snprintf(when, sizeof when, "%04d-%02u-%02u %02d:%02d %s", (int)y, mo, d, (int)(l.sec_of_day / 3600),
                     (int)(l.sec_of_day / 60 % 60), l.abbr ? l.abbr : "");
        else /* a narrow pane: the time without the date */
            snprintf(when, sizeof when, "%02d:%02d %s", (int)(l.sec_of_day / 3600), (int)(l.sec_of_day / 60 % 60),
                     l.abbr ? l.abbr : "");
    }
    if (p && p->calendar) {
        char t[32];
        tz_local l;
        tz_to_local(p->calendar->zone, c->now, &l);
        ui_short_time(p->calendar->zone, c->now, t);
        snprintf(biz, sizeof biz, " %s %s %s |", p->zone_name ? p->zone_name : tz_name(p->calendar->zone), t,
                 l.abbr ? l.abbr : "");
    }
    /* a narrow pane drops the business zone before it cuts the counts, the filter or the clock */
    if (COLS < FULL_COLS && text_width(sb.buf) + text_width(biz) + text_width(when) + 2 > COLS)
        biz[0] = '\0';
    sb_printf(&sb, "%s %s ", biz, when);
    /* the clock stays visible: cut the counts rather than the time */
    int rw = text_width(when) + 2;
    int lw = COLS - rw;
    if (!ui.bars_dirty && ui.status_drawn && strcmp(ui.status_drawn, sb.buf) == 0) {
        sb_done(&sb);
        return;
    }
    werase(w);
    char *left = xstrndup(sb.buf, strlen(sb.buf) - strlen(when) - 2);
    ui_put(w, 0, 0, left, lw, a);
    ui_putf(w, 0, lw, rw, a | A_BOLD, " %s ", when);
    free(left);
    free(ui.status_drawn);
    ui.status_drawn = sb_steal(&sb);
    wnoutrefresh(w);
}

bool ui_render(con_state *c)
{
    if (!ui.open)
        return false;
    if (ui.too_small) {
        if (!ui.bars_dirty || !ui.small)
            return false;
        werase(ui.small);
        /* One line, centred: the longest of these that fits the pane. */
        char msg[3][96];
        snprintf(msg[0], sizeof msg[0], "terminal too small: %dx%d, need %dx%d; q quits", COLS, LINES, MIN_COLS,
                 MIN_ROWS);
        snprintf(msg[1], sizeof msg[1], "terminal too small: %dx%d, need %dx%d", COLS, LINES, MIN_COLS, MIN_ROWS);
        snprintf(msg[2], sizeof msg[2], "terminal too small");
        int m = 0;
        while (m < 2 && (int)strlen(msg[m]) > COLS)
            m++;
        int w = (int)strlen(msg[m]) < COLS ? (int)strlen(msg[m]) : COLS;
        ui_put(ui.small, LINES / 2, (COLS - w) / 2, msg[m], w, A_BOLD);
        wnoutrefresh(ui.small);
        doupdate();
        ui.bars_dirty = false;
        for (int i = 0; i < ui.n; i++)
            ui.stack[i]->dirty = false;
        return true;
    }
    /* visible: from the topmost full view up, plus the panel */
    int base = 0;
    for (int i = ui.n - 1; i >= 0; i--)
        if (!ui.stack[i]->ops->modal) {
            base = i;
            break;
        }
    bool any = ui.bars_dirty || ui.clock_dirty || (ui.dash && ui.dash->dirty);
    for (int i = base; i < ui.n; i++)
        any = any || ui.stack[i]->dirty || ui.stack[i]->ticked;
    if (!any)
        return false;
    if (ui.bars_dirty) /* the header holds nothing that ticks */
        draw_header(c);
    draw_status(c);
    for (int i = base; i < ui.n; i++) {
        view *v = ui.stack[i];
        if (i == base && ui.dash) {
            ui.dash->ops->draw(ui.dash, c);
            wnoutrefresh(ui.dash->win);
            ui.dash->dirty = false;
        }
        /* the top view, when only a second passed: just the cells that second changed */
        bool tick_only = !v->dirty && v->ticked && v->ops->tick && i == ui.n - 1;
        if (!tick_only || !v->ops->tick(v, c))
            v->ops->draw(v, c);
        wnoutrefresh(v->win);
        v->dirty = v->ticked = false;
    }
    ui.bars_dirty = ui.clock_dirty = false;
    doupdate();
    return true;
}

bool ui_idle(con_state *c)
{
    bool more = false;
    for (int i = 0; ui.open && i < ui.n; i++)
        if (ui.stack[i]->ops->idle && ui.stack[i]->ops->idle(ui.stack[i], c))
            more = true;
    return more;
}

void ui_screen_text(strbuf *sb)
{
    cchar_t *line = xcalloc((size_t)COLS + 1, sizeof *line);
    for (int y = 0; y < LINES; y++) {
        int n = mvwin_wchnstr(curscr, y, 0, line, COLS) == ERR ? 0 : COLS;
        size_t start = sb->len;
        for (int i = 0; i < n; i++) {
            wchar_t wc[CCHARW_MAX + 1];
            attr_t a;
            short pair;
            if (getcchar(&line[i], wc, &a, &pair, NULL) == ERR || wc[0] == 0)
                continue;           /* the second cell of a wide character */
            if (a & A_ALTCHARSET) { /* line drawing, written as ASCII so snapshots read well */
                sb_append_c(sb, wc[0] == 'q' ? '-' : wc[0] == 'x' ? '|' : '+');
                continue;
            }
            for (int j = 0; wc[j]; j++)
                utf8_encode(sb, (int32_t)wc[j]);
        }
        while (sb->len > start && sb->buf[sb->len - 1] == ' ')
            sb->len--;
        sb->buf[sb->len] = '\0';
        sb_append_c(sb, '\n');
    }
    free(line);
}
