/* view_list: the ticket list (SPEC §4): level, id, countdown, state, customer, title, assignee,
 * one page of rows loaded from the store. Keys that change a ticket open the prompts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/clocks_next.h"
#include "slatop/sla.h"
#include "slatop/text.h"
#include "slatop/view.h"

/* A width of 0: the column is dropped (a narrow pane). All ints: tick() compares layouts with
 * memcmp. */
typedef struct {
    int level, id, countdown, state, customer, title, assignee;
    int state_word; /* 0: the state cell is its symbol alone */
} columns;

/* The countdown cell's remaining time (standing still while paused by status), empty when no
 * clock runs; the cell puts the next clock's metric before it ("FR   20:00", "RES 21h00m"). */
#define METRIC_W 3
static void countdown_text(const ops_view *v, char buf[static 24])
{
    buf[0] = '\0';
    if (v->has_next)
        ui_countdown(v->next.remaining_s, buf);
}

static void countdown_cell(const ops_view *v, int width, char *out, size_t n)
{
    char cd[24];
    countdown_text(v, cd);
    int w = width - METRIC_W - 1;
    snprintf(out, n, "%-*s %*s", METRIC_W, v->has_next ? clocks_metric_abbrev(v->next.metric) : "", w > 0 ? w : 0,
             cd);
}

#define FULL_COLS 80
#define TITLE_MIN 12 /* a narrow pane drops a column rather than cut the title below this */

/* The widths of the columns drawn, each followed by one blank, the title taking what remains (up
 * to the last column, which runs to the edge). */
static int title_width(const columns *k, int cols)
{
    int used = k->level + 1 + k->id + 1 + k->countdown + 1 + k->state + 1;
    if (k->customer)
        used += k->customer + 1;
    if (k->assignee)
        used += k->assignee + 1;
    return cols - used;
}

/* Column widths for the screen width; the id and countdown columns grow with what the visible
 * rows hold (a seven-digit id, a countdown a thousand hours overdue) and the title gives way.
 * Below 80 columns (SPEC §11) the assignee goes, then the customer, then the state's word (its
 * symbol stays), while the title would be narrower than TITLE_MIN. */
static columns layout(const list_model *m, int cols)
{
    columns k = {.level = 6, .id = 4, .countdown = 12, .state = 19, .customer = 11, .assignee = 9, .state_word = 1};
    if (cols < FULL_COLS) {
        k.countdown = METRIC_W + 1 + 6; /* "FR -30:00"; wider below when a row needs it */
        k.assignee = 0;
    }
    if (cols >= 120) {
        k.customer = 18;
        k.assignee = 12;
        k.level = 8;
    }
    for (size_t i = 0; i < lm_n_rows(m); i++) {
        char buf[32];
        const ops_view *v = lm_row(m, i);
        int w = snprintf(buf, sizeof buf, "%lld", (long long)v->t.id);
        if (w > k.id)
            k.id = w;
        countdown_text(v, buf);
        w = (int)strlen(buf) + METRIC_W + 1;
        if (w > k.countdown)
            k.countdown = w;
    }
    if (cols < FULL_COLS && title_width(&k, cols) < TITLE_MIN)
        k.customer = 0;
    if (cols < FULL_COLS && title_width(&k, cols) < TITLE_MIN) {
        k.state_word = 0;
        k.state = 1;
        for (int i = 0; i < SLA_STATE_COUNT; i++) {
            int w = text_width(ui_state_symbol(i));
            if (w > k.state)
                k.state = w;
        }
    }
    k.title = title_width(&k, cols);
    if (k.title < 4)
        k.title = 4;
    return k;
}

/* The state cell, from the next clock (ops_view_state): paused says why (pending, on hold, or
 * when business hours resume). */
static void state_text(con_state *c, const ops_view *v, bool word, char *buf, size_t n)
{
    sla_state st = ops_view_state(v);
    const char *sym = ui_state_symbol((int)st);
    if (!word) { /* a narrow pane: the symbol alone (SPEC §11) */
        snprintf(buf, n, "%s", sym);
        return;
    }
    clk_paused_by why = v->has_next ? v->next.paused_by : CLK_PAUSED_NONE;
    st_time resumes = v->has_next ? v->next.resumes_at : v->timer.resumes_at;
    if (st == SLA_PAUSED && (why == CLK_PAUSED_PENDING || why == CLK_PAUSED_ON_HOLD)) {
        snprintf(buf, n, "%s %s", sym, why == CLK_PAUSED_PENDING ? "pending" : "on hold");
    } else if (st == SLA_PAUSED && resumes != ST_TIME_NONE && v->policy->calendar) {
        char t[32];
        ui_short_time(v->policy->calendar->zone, resumes, t);
        snprintf(buf, n, "%s resumes %s", sym, t);
    } else {
        snprintf(buf, n, "%s %s%s", sym, sla_state_name(st),
                 v->breached_ever && st != SLA_BREACHED && st != SLA_MISSED ? " (b)" : "");
    }
    (void)c;
}

/* The countdown cell is plain text on every row, the selected one included: in a ticket's last
 * hour it changes every second, and a colour or the selection's reverse video there would cost two
 * attribute changes on the wire each second for each run of such rows (issue 13's idle_bytes_near:
 * 1.05x the floor with them). The state cell beside it carries the colour and the symbol. */
#define COUNTDOWN_ATTR A_NORMAL

/* What the last full draw put in each row's ticking cells (countdown, state), so that a tick
 * redraws only the cells whose text or colour changed. Valid until the next full draw. */
typedef struct {
    char cd[40], st[64];
    attr_t attr; /* the state cell's */
} tick_cells;

typedef struct {
    bool valid;
    columns k;
    int cols, rows;
    int64_t top, sel, total;
    bool counting; /* the list's matches were still being read (lm_counting) */
    size_t n; /* rows drawn */
    tick_cells *cells;
} list_priv;

/* The ticking cells of one row, as drawn. */
static void row_cells(con_state *c, const ops_view *ov, bool sel, const columns *k, tick_cells *out)
{
    out->attr = sel ? ui_attr(EL_SELECTED) : ui_attr(ui_state_element((int)ops_view_state(ov)));
    countdown_cell(ov, k->countdown, out->cd, sizeof out->cd); /* no clock running: blank */
    state_text(c, ov, k->state_word != 0, out->st, sizeof out->st);
}

static void draw(view *v, con_state *c)
{
    const list_model *m = c->list;
    WINDOW *w = v->win;
    int cols = getmaxx(w), rows = getmaxy(w);
    columns k = layout(m, cols);
    list_priv *lp = v->priv;
    size_t n_rows = lm_n_rows(m);
    lp->valid = true;
    lp->k = k;
    lp->cols = cols;
    lp->rows = rows;
    lp->top = lm_top(m);
    lp->sel = lm_sel(m);
    lp->total = lm_total(m);
    lp->counting = lm_counting(m);
    lp->n = 0;
    lp->cells = xrealloc(lp->cells, (n_rows ? n_rows : 1) * sizeof *lp->cells);
    werase(w);
    int x = 0;
    attr_t h = ui_attr(EL_DIM) | A_BOLD;
    ui_put(w, 0, x, "LEVEL", k.level, h), x += k.level + 1;
    ui_putf(w, 0, x, k.id, h, "%*s", k.id, "ID"), x += k.id + 1;
    ui_putf(w, 0, x, k.countdown, h, "%*s", k.countdown, "COUNTDOWN"), x += k.countdown + 1;
    ui_put(w, 0, x, k.state_word ? "STATE" : "", k.state, h), x += k.state + 1;
    if (k.customer)
        ui_put(w, 0, x, "CUSTOMER", k.customer, h), x += k.customer + 1;
    ui_put(w, 0, x, "TITLE", k.assignee ? k.title : cols - x, h), x += k.title + 1;
    if (k.assignee)
        ui_put(w, 0, x, "ASSIGNEE", cols - x, h);
    if (lp->total == 0) { /* none yet, while a search or a filter's scan still reads (lm_work) */
        ui_put(w, 2, 2,
               lp->counting       ? "searching... (Esc clears the filter)"
               : lm_filtered(m) ? "no ticket matches the filter (Esc clears it)"
                                : "no open tickets",
               cols - 4, ui_attr(EL_DIM));
        return;
    }
    for (size_t i = 0; i < n_rows && (int)i + 1 < rows; i++) {
        const ops_view *ov = lm_row(m, i);
        bool sel = lp->top + (int64_t)i == lp->sel;
        attr_t base = sel ? ui_attr(EL_SELECTED) : A_NORMAL;
        tick_cells *tc = &lp->cells[lp->n++];
        row_cells(c, ov, sel, &k, tc);
        attr_t st = tc->attr;
        int y = (int)i + 1;
        char buf[64];
        x = 0;
        ui_put(w, y, x, ov->t.level, k.level, base), x += k.level;
        ui_put(w, y, x, " ", 1, base), x += 1;
        snprintf(buf, sizeof buf, "%*lld", k.id, (long long)ov->t.id);
        ui_put(w, y, x, buf, k.id, base), x += k.id;
        ui_put(w, y, x, " ", 1, base), x += 1;
        ui_put(w, y, x, tc->cd, k.countdown, COUNTDOWN_ATTR), x += k.countdown;
        ui_put(w, y, x, " ", 1, base), x += 1;
        ui_put(w, y, x, tc->st, k.state, st), x += k.state;
        ui_put(w, y, x, " ", 1, base), x += 1;
        if (k.customer) {
            ui_put(w, y, x, ov->t.customer ? ov->t.customer : "", k.customer, base), x += k.customer;
            ui_put(w, y, x, " ", 1, base), x += 1;
        }
        if (!k.assignee) { /* the title is the last column: to the edge */
            ui_put(w, y, x, ov->t.title, cols - x, base);
            continue;
        }
        ui_put(w, y, x, ov->t.title, k.title, base), x += k.title;
        ui_put(w, y, x, " ", 1, base), x += 1;
        ui_put(w, y, x, ov->t.assignee ? ov->t.assignee : "", cols - x, base);
    }
}

/* A new second: only the countdown and state cells whose text or colour changed. Anything else
 * that differs from the last full draw (layout, window, selection, rows) asks for a full draw. */
static bool tick(view *v, con_state *c)
{
    const list_model *m = c->list;
    list_priv *lp = v->priv;
    WINDOW *w = v->win;
    int cols = getmaxx(w), rows = getmaxy(w);
    if (!lp->valid || cols != lp->cols || rows != lp->rows || lm_top(m) != lp->top || lm_sel(m) != lp->sel ||
        lm_total(m) != lp->total || lm_counting(m) != lp->counting)
        return false;
    size_t shown = lm_total(m) == 0 ? 0 : lm_n_rows(m);
    if (rows - 1 >= 0 && shown > (size_t)(rows - 1))
        shown = (size_t)(rows - 1);
    columns k = layout(m, cols);
    if (shown != lp->n || memcmp(&k, &lp->k, sizeof k) != 0)
        return false;
    int x_cd = k.level + 1 + k.id + 1, x_st = x_cd + k.countdown + 1;
    for (size_t i = 0; i < shown; i++) {
        tick_cells now, *was = &lp->cells[i];
        row_cells(c, lm_row(m, i), lp->top + (int64_t)i == lp->sel, &k, &now);
        int y = (int)i + 1;
        if (strcmp(now.cd, was->cd) != 0)
            ui_put(w, y, x_cd, now.cd, k.countdown, COUNTDOWN_ATTR);
        if (now.attr != was->attr || strcmp(now.st, was->st) != 0)
            ui_put(w, y, x_st, now.st, k.state, now.attr);
        *was = now;
    }
    return true;
}

static void destroy(view *v)
{
    list_priv *lp = v->priv;
    if (lp)
        free(lp->cells);
    free(lp);
}

#define READ_ONLY_MSG "read-only: changes are refused (started with --read-only)"

/* After a change this program made: reload at once (the store's change counter does not move for
 * our own writes). */
static con_effect changed(con_effect fx)
{
    fx.reload = true;
    return fx;
}

static con_effect do_search(con_state *c, const char *text, void *ctx)
{
    (void)ctx;
    lm_set_filter_text(c->list, text);
    return changed(con_fx(VR_CLOSE));
}

static con_effect do_filter(con_state *c, const char *text, void *ctx)
{
    (void)ctx;
    if (!*text) {
        lm_clear_filter_level(c->list);
        return changed(con_fx(VR_CLOSE));
    }
    if (!lm_set_filter_level_or_state(c->list, text))
        return con_fx_say(VR_CLOSE, true, "filter: '%.60s' is not a level, a state (%s), all or resolved",
                          text, sla_state_names());
    return changed(con_fx(VR_CLOSE));
}

/* A move of the selection: redraw, or say why the window could not be loaded. */
static con_effect moved(st_code rc, const st_err *e)
{
    return rc == ST_OK ? con_fx(VR_REDRAW) : con_fx_say(VR_REDRAW, true, "%s", e->msg);
}

/* Jumps to a ticket: select it when it is in the current ordering's loaded part, else open its
 * detail (the ordering is paged, so its position is not known without a scan). */
static con_effect jump_to(con_state *c, int64_t id)
{
    int64_t index;
    if (lm_find(c->list, id, &index)) {
        st_err e;
        st_err_clear(&e);
        st_code rc = lm_move_to(c->list, index, &e);
        con_effect fx = moved(rc, &e);
        fx.r = VR_CLOSE;
        return fx;
    }
    return view_detail_open(c, id, VR_CLOSE);
}

static con_effect do_command(con_state *c, const char *text, void *ctx)
{
    (void)ctx;
    while (*text == ' ' || *text == ':')
        text++;
    char *arg = strchr(text, ' ');
    size_t cmd_len = arg ? (size_t)(arg - text) : strlen(text);
    while (arg && *arg == ' ')
        arg++;
    if (cmd_len == 0)
        return con_fx(VR_CLOSE);
    if ((strncmp(text, "q", cmd_len) == 0 || strncmp(text, "quit", cmd_len) == 0) && cmd_len <= 4) {
        con_effect fx = con_fx(VR_CLOSE);
        fx.quit = true;
        return fx;
    }
    if (strncmp(text, "ticket", cmd_len) == 0 && arg && *arg) {
        char *end;
        long long id = strtoll(arg[0] == '#' ? arg + 1 : arg, &end, 10);
        if (*end || id <= 0)
            return con_fx_say(VR_CLOSE, true, ":ticket: '%.40s' is not a ticket id", arg);
        return jump_to(c, id);
    }
    if (strncmp(text, "level", cmd_len) == 0 && arg && *arg) {
        if (c->read_only)
            return con_fx_say(VR_CLOSE, true, READ_ONLY_MSG);
        return view_reprio_open(c, OPS_TO, arg, NULL, VR_CLOSE);
    }
    if (strncmp(text, "report", cmd_len) == 0 && cmd_len >= 3)
        return view_report_open(c, arg, VR_CLOSE);
    if (strncmp(text, "filter", cmd_len) == 0) {
        lm_set_filter_text(c->list, arg ? arg : "");
        return changed(con_fx(VR_CLOSE));
    }
    return con_fx_say(VR_CLOSE, true, ":%.40s: unknown command (ticket ID, level L, filter TEXT, report [YYYY-MM], q)", text);
}

static con_effect key(view *v, con_state *c, st_action a, km_key k)
{
    (void)v;
    (void)k;
    list_model *m = c->list;
    int page_rows = lm_page(m);
    int64_t page = page_rows > 1 ? page_rows - 1 : 1;
    const ops_view *r = lm_selected(m);
    st_err e;
    st_err_clear(&e);
    bool changes = a == ACT_RAISE || a == ACT_LOWER || a == ACT_TRIAGE || a == ACT_RESPOND || a == ACT_ASSIGN;
    if (changes && r && c->read_only)
        return con_fx_say(VR_NONE, true, READ_ONLY_MSG);
    switch (a) {
    case ACT_DOWN:
        return moved(lm_move(m, 1, &e), &e);
    case ACT_UP:
        return moved(lm_move(m, -1, &e), &e);
    case ACT_PAGE_DOWN:
        return moved(lm_move(m, page, &e), &e);
    case ACT_PAGE_UP:
        return moved(lm_move(m, -page, &e), &e);
    case ACT_FIRST:
        return moved(lm_move_to(m, 0, &e), &e);
    case ACT_LAST:
        return moved(lm_move_to(m, lm_total(m) - 1, &e), &e);
    case ACT_OPEN:
        return r ? view_detail_open(c, r->t.id, VR_NONE) : con_fx(VR_NONE);
    case ACT_TRIAGE:
        return r ? view_triage_open(c, VR_NONE) : con_fx(VR_NONE);
    case ACT_SEARCH:
        return con_fx_push(VR_NONE, view_prompt_new("Search id, title, customer, assignee, ref, level, messages (empty clears):", lm_filter_text(m), 80,
                                                    false, do_search, NULL));
    case ACT_FILTER: {
        char title[160];
        snprintf(title, sizeof title, "Filter by level, state (%s) or all/resolved; empty clears:",
                 sla_state_names());
        return con_fx_push(VR_NONE, view_prompt_new(title, lm_filter_level(m), 40, false, do_filter, NULL));
    }
    case ACT_BACK:
        if (lm_filtered(m)) {
            lm_clear_filter(m);
            return changed(con_fx(VR_REDRAW));
        }
        return con_fx(VR_REDRAW);
    case ACT_SORT:
        lm_cycle_sort(m);
        return changed(con_fx_say(VR_REDRAW, false, "sorted by %s", lm_sort_name(m)));
    case ACT_AUDIT:
        return con_fx_push(VR_NONE, view_audit_new(c, 0));
    case ACT_COMMAND:
        return con_fx_push(VR_NONE, view_prompt_new(":", NULL, 120, false, do_command, NULL));
    case ACT_QUIT:
        return con_fx(VR_QUIT);
    default: /* the ticket actions (view_ticket.c) on the selection; VR_PASS for the rest */
        return view_ticket_action(c, a, r ? &r->t : NULL);
    }
}

static const view_ops list_ops = {
    .name = "list",
    .ticks = true,
    .draw = draw,
    .key = key,
    .destroy = destroy,
    .tick = tick,
};

view *view_list_new(void)
{
    return view_new(&list_ops, xcalloc(1, sizeof(list_priv)));
}
