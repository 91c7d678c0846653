/* view_list: the ticket list (SPEC §4): level, id, countdown, state, customer, title, assignee,
 * one page of rows loaded from the store. Keys that change a ticket open the prompts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/sla.h"
#include "slatop/text.h"
#include "slatop/view.h"

typedef struct {
    int level, id, countdown, state, customer, title, assignee;
} columns;

/* Column widths for the screen width; the id and countdown columns grow with what the visible
 * rows hold (a seven-digit id, a countdown a thousand hours overdue) and the title gives way. */
static columns layout(const con_state *c, int cols)
{
    columns k = {.level = 6, .id = 4, .countdown = 9, .state = 19, .customer = 11, .assignee = 9};
    if (cols >= 120) {
        k.customer = 18;
        k.assignee = 12;
        k.level = 8;
    }
    for (size_t i = 0; i < c->n_rows; i++) {
        char buf[32];
        int w = snprintf(buf, sizeof buf, "%lld", (long long)c->rows[i].v.t.id);
        if (w > k.id)
            k.id = w;
        duration_format_hms(c->rows[i].v.timer.remaining_s, buf);
        w = (int)strlen(buf);
        if (w > k.countdown)
            k.countdown = w;
    }
    k.title = cols - (k.level + k.id + k.countdown + k.state + k.customer + k.assignee + 6);
    if (k.title < 4)
        k.title = 4;
    return k;
}

static void state_text(con_state *c, const ops_view *v, char *buf, size_t n)
{
    const char *sym = ui_state_symbol((int)v->timer.state);
    if (v->timer.state == SLA_PAUSED && v->timer.resumes_at != ST_TIME_NONE && v->policy->calendar) {
        char t[32];
        ui_short_time(v->policy->calendar->zone, v->timer.resumes_at, t);
        snprintf(buf, n, "%s resumes %s", sym, t);
    } else {
        snprintf(buf, n, "%s %s%s", sym, sla_state_name(v->timer.state),
                 v->breached_ever && v->timer.state != SLA_BREACHED && v->timer.state != SLA_MISSED ? " (b)"
                                                                                                    : "");
    }
    (void)c;
}

/* What the last full draw put in each row's ticking cells (countdown, state), so that a tick
 * redraws only the cells whose text or colour changed. Valid until the next full draw. */
typedef struct {
    char cd[24], st[64];
    attr_t attr;
} tick_cells;

typedef struct {
    bool valid;
    columns k;
    int cols, rows;
    int64_t top, sel, total;
    size_t n; /* rows drawn */
    tick_cells *cells;
} list_priv;

/* The ticking cells of one row, as drawn. */
static void row_cells(con_state *c, const ops_view *ov, bool sel, const columns *k, tick_cells *out)
{
    char cd[24];
    out->attr = sel ? ui_attr(EL_SELECTED) : ui_attr(ui_state_element((int)ov->timer.state));
    ui_countdown(ov->timer.remaining_s, cd);
    if (ov->timer.state == SLA_MET || ov->timer.state == SLA_MISSED)
        snprintf(out->cd, sizeof out->cd, "%*s", k->countdown, ""); /* answered: no countdown */
    else
        snprintf(out->cd, sizeof out->cd, "%*s", k->countdown, cd);
    state_text(c, ov, out->st, sizeof out->st);
}

static void draw(view *v, con_state *c)
{
    WINDOW *w = v->win;
    int cols = getmaxx(w), rows = getmaxy(w);
    columns k = layout(c, cols);
    list_priv *lp = v->priv;
    lp->valid = true;
    lp->k = k;
    lp->cols = cols;
    lp->rows = rows;
    lp->top = c->top;
    lp->sel = c->sel;
    lp->total = c->total;
    lp->n = 0;
    lp->cells = xrealloc(lp->cells, (c->n_rows ? c->n_rows : 1) * sizeof *lp->cells);
    werase(w);
    int x = 0;
    attr_t h = ui_attr(EL_DIM) | A_BOLD;
    ui_put(w, 0, x, "LEVEL", k.level, h), x += k.level + 1;
    ui_putf(w, 0, x, k.id, h, "%*s", k.id, "ID"), x += k.id + 1;
    ui_putf(w, 0, x, k.countdown, h, "%*s", k.countdown, "COUNTDOWN"), x += k.countdown + 1;
    ui_put(w, 0, x, "STATE", k.state, h), x += k.state + 1;
    ui_put(w, 0, x, "CUSTOMER", k.customer, h), x += k.customer + 1;
    ui_put(w, 0, x, "TITLE", k.title, h), x += k.title + 1;
    ui_put(w, 0, x, "ASSIGNEE", cols - x, h);
    if (c->total == 0) {
        ui_put(w, 2, 2, c->filtered ? "no ticket matches the filter (Esc clears it)" : "no open tickets",
               cols - 4, ui_attr(EL_DIM));
        return;
    }
    for (size_t i = 0; i < c->n_rows && (int)i + 1 < rows; i++) {
        const ops_view *ov = &c->rows[i].v;
        bool sel = c->top + (int64_t)i == c->sel;
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
        ui_put(w, y, x, tc->cd, k.countdown, st), x += k.countdown;
        ui_put(w, y, x, " ", 1, base), x += 1;
        ui_put(w, y, x, tc->st, k.state, st), x += k.state;
        ui_put(w, y, x, " ", 1, base), x += 1;
        ui_put(w, y, x, ov->t.customer ? ov->t.customer : "", k.customer, base), x += k.customer;
        ui_put(w, y, x, " ", 1, base), x += 1;
        ui_put(w, y, x, ov->t.title, k.title, base), x += k.title;
        ui_put(w, y, x, " ", 1, base), x += 1;
        ui_put(w, y, x, ov->t.assignee ? ov->t.assignee : "", cols - x, base);
    }
}

/* A new second: only the countdown and state cells whose text or colour changed. Anything else
 * that differs from the last full draw (layout, window, selection, rows) asks for a full draw. */
static bool tick(view *v, con_state *c)
{
    list_priv *lp = v->priv;
    WINDOW *w = v->win;
    int cols = getmaxx(w), rows = getmaxy(w);
    if (!lp->valid || cols != lp->cols || rows != lp->rows || c->top != lp->top || c->sel != lp->sel ||
        c->total != lp->total)
        return false;
    size_t shown = c->total == 0 ? 0 : c->n_rows;
    if (rows - 1 >= 0 && shown > (size_t)(rows - 1))
        shown = (size_t)(rows - 1);
    columns k = layout(c, cols);
    if (shown != lp->n || memcmp(&k, &lp->k, sizeof k) != 0)
        return false;
    int x_cd = k.level + 1 + k.id + 1, x_st = x_cd + k.countdown + 1;
    for (size_t i = 0; i < shown; i++) {
        tick_cells now, *was = &lp->cells[i];
        row_cells(c, &c->rows[i].v, c->top + (int64_t)i == c->sel, &k, &now);
        int y = (int)i + 1;
        if (now.attr != was->attr || strcmp(now.cd, was->cd) != 0)
            ui_put(w, y, x_cd, now.cd, k.countdown, now.attr);
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

static bool refuse_read_only(con_state *c)
{
    if (c->read_only)
        con_msg(c, true, "read-only: changes are refused (started with --read-only)");
    return c->read_only;
}

/* Prompt callbacks: each gets the selected ticket's id and version as drawn. */
typedef struct {
    int64_t id, version;
} ticket_ref;

static ticket_ref *ref_of(con_row *r)
{
    ticket_ref *t = xmalloc(sizeof *t);
    t->id = r->v.t.id;
    t->version = r->v.t.version;
    return t;
}

static void do_respond(con_state *c, void *ctx)
{
    ticket_ref *t = ctx;
    st_err e;
    st_err_clear(&e);
    if (ops_respond(c->ops, t->id, t->version, &e) != ST_OK)
        con_msg(c, true, "respond #%lld: %s", (long long)t->id, e.msg);
    else
        con_msg(c, false, "#%lld: first response recorded", (long long)t->id);
    con_changed(c);
}

static void do_assign(con_state *c, const char *text, void *ctx)
{
    ticket_ref *t = ctx;
    st_err e;
    st_err_clear(&e);
    if (ops_assign(c->ops, t->id, text, t->version, &e) != ST_OK)
        con_msg(c, true, "assign #%lld: %s", (long long)t->id, e.msg);
    else
        con_msg(c, false, "#%lld assigned to %s", (long long)t->id, text);
    con_changed(c);
}

static void do_search(con_state *c, const char *text, void *ctx)
{
    (void)ctx;
    con_set_filter_text(c, text);
}

static void do_filter(con_state *c, const char *text, void *ctx)
{
    (void)ctx;
    if (!*text) {
        free(c->filter.level);
        c->filter.level = NULL;
        c->filter.state = -1;
        con_set_filter_text(c, c->filter.text);
        return;
    }
    con_set_filter_level_or_state(c, text);
}

/* Jumps to a ticket: select it when it is in the current ordering's loaded part, else open its
 * detail (the ordering is paged, so its position is not known without a scan). */
static void jump_to(con_state *c, int64_t id)
{
    for (size_t i = 0; i < c->n_rows; i++)
        if (c->rows[i].v.t.id == id) {
            con_move_to(c, c->top + (int64_t)i);
            return;
        }
    for (size_t i = 0; i < c->n_matches; i++)
        if (c->matches[i].id == id) {
            con_move_to(c, (int64_t)i);
            return;
        }
    view *d = view_detail_new(c, id);
    if (d)
        ui_push(d);
}

static void do_command(con_state *c, const char *text, void *ctx)
{
    (void)ctx;
    while (*text == ' ' || *text == ':')
        text++;
    char *arg = strchr(text, ' ');
    size_t cmd_len = arg ? (size_t)(arg - text) : strlen(text);
    while (arg && *arg == ' ')
        arg++;
    if (cmd_len == 0)
        return;
    if ((strncmp(text, "q", cmd_len) == 0 || strncmp(text, "quit", cmd_len) == 0) && cmd_len <= 4) {
        c->quit = true;
    } else if (strncmp(text, "ticket", cmd_len) == 0 && arg && *arg) {
        char *end;
        long long id = strtoll(arg[0] == '#' ? arg + 1 : arg, &end, 10);
        if (*end || id <= 0)
            con_msg(c, true, ":ticket: '%.40s' is not a ticket id", arg);
        else
            jump_to(c, id);
    } else if (strncmp(text, "level", cmd_len) == 0 && arg && *arg) {
        if (!c->read_only) {
            view *p = view_reprio_new(c, OPS_TO, arg, NULL);
            if (p)
                ui_push(p);
        } else {
            con_msg(c, true, "read-only: changes are refused (started with --read-only)");
        }
    } else if (strncmp(text, "filter", cmd_len) == 0) {
        con_set_filter_text(c, arg ? arg : "");
    } else {
        con_msg(c, true, ":%.40s: unknown command (ticket ID, level L, filter TEXT, q)", text);
    }
}

static view_result key(view *v, con_state *c, st_action a, km_key k)
{
    (void)v;
    (void)k;
    int64_t page = c->page > 1 ? c->page - 1 : 1;
    con_row *r = con_selected(c);
    switch (a) {
    case ACT_DOWN:
        con_move(c, 1);
        return VR_REDRAW;
    case ACT_UP:
        con_move(c, -1);
        return VR_REDRAW;
    case ACT_PAGE_DOWN:
        con_move(c, page);
        return VR_REDRAW;
    case ACT_PAGE_UP:
        con_move(c, -page);
        return VR_REDRAW;
    case ACT_FIRST:
        con_move_to(c, 0);
        return VR_REDRAW;
    case ACT_LAST:
        con_move_to(c, c->total - 1);
        return VR_REDRAW;
    case ACT_OPEN:
        if (r) {
            view *d = view_detail_new(c, r->v.t.id);
            if (d)
                ui_push(d);
        }
        return VR_NONE;
    case ACT_RAISE:
    case ACT_LOWER:
        if (r && !refuse_read_only(c)) {
            view *p = view_reprio_new(c, a == ACT_RAISE ? OPS_UP : OPS_DOWN, NULL, NULL);
            if (p)
                ui_push(p);
        }
        return VR_NONE;
    case ACT_TRIAGE:
        if (r && !refuse_read_only(c)) {
            view *t = view_triage_new(c);
            if (t)
                ui_push(t);
        }
        return VR_NONE;
    case ACT_RESPOND:
        if (r && !refuse_read_only(c)) {
            char q[160];
            snprintf(q, sizeof q, "Record the first response on #%lld now? (y/Enter: yes, Esc: no)",
                     (long long)r->v.t.id);
            ui_push(view_confirm_new(q, do_respond, ref_of(r)));
        }
        return VR_NONE;
    case ACT_ASSIGN:
        if (r && !refuse_read_only(c))
            ui_push(view_prompt_new("Assign to (name):", r->v.t.assignee, 64, true, do_assign, ref_of(r)));
        return VR_NONE;
    case ACT_SEARCH:
        ui_push(
            view_prompt_new("Filter by text (empty clears):", c->filter.text, 80, false, do_search, NULL));
        return VR_NONE;
    case ACT_FILTER: {
        char title[160];
        snprintf(title, sizeof title, "Filter by level or state (%s; empty clears):", sla_state_names());
        ui_push(view_prompt_new(title, c->filter.level, 40, false, do_filter, NULL));
        return VR_NONE;
    }
    case ACT_BACK:
        if (c->filtered)
            con_clear_filter(c);
        return VR_REDRAW;
    case ACT_SORT:
        con_cycle_sort(c);
        return VR_REDRAW;
    case ACT_AUDIT:
        ui_push(view_audit_new(c, 0));
        return VR_NONE;
    case ACT_COMMAND:
        ui_push(view_prompt_new(":", NULL, 120, false, do_command, NULL));
        return VR_NONE;
    case ACT_QUIT:
        return VR_QUIT;
    default:
        return VR_PASS;
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
