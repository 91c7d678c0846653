/* view_triage: the policy's criteria per level as a checklist for the selected ticket. Ticking
 * proposes a level: an "all" level needs every one of its items, an "any" level one of them, and
 * the highest matching level wins. Enter applies it through the re-prioritization prompt with the
 * ticked criteria as the reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/view.h"

typedef struct {
    size_t level, item;
} crit_ref;

typedef struct {
    int64_t id;
    char *cur_level;
    const st_policy *pol; /* borrowed from the ops cache */
    crit_ref *items;
    bool *ticked;
    size_t n;
    int64_t sel, top;
    char err[120];
} triage;

/* The proposed level index, or -1. */
static int proposal(const triage *t)
{
    for (size_t l = 0; l < t->pol->n_levels; l++) {
        const pol_level *lv = &t->pol->levels[l];
        if (!lv->has_criteria || lv->n_criteria == 0)
            continue;
        size_t got = 0;
        for (size_t i = 0; i < t->n; i++)
            if (t->items[i].level == l && t->ticked[i])
                got++;
        if (lv->criteria_mode == POL_CRIT_ALL ? got == lv->n_criteria : got > 0)
            return (int)l;
    }
    return -1;
}

/* The box's body is a list of lines: each level's heading before its first criterion, then its
 * criteria. The line of item i. */
static int64_t line_of(const triage *t, size_t item)
{
    int64_t line = 0;
    for (size_t i = 0; i <= item && i < t->n; i++)
        line += (i == 0 || t->items[i].level != t->items[i - 1].level) ? 2 : 1;
    return line - 1;
}

/* "more above/below" on the box's border, right-aligned: the box scrolls (issue 12, defect 13). */
static void more_mark(WINDOW *w, int y, bool up, int64_t n, bool ascii)
{
    char buf[48];
    snprintf(buf, sizeof buf, " %s %lld more ", ascii ? (up ? "^" : "v") : (up ? "\u2191" : "\u2193"),
             (long long)n);
    int width = (int)strlen(buf) - (ascii ? 0 : 2);
    int x = getmaxx(w) - 2 - width;
    if (x > 1)
        ui_put(w, y, x, buf, width, A_BOLD);
}

static void draw(view *v, con_state *c)
{
    triage *t = v->priv;
    WINDOW *w = v->win;
    int cols = getmaxx(w) - 4, rows = getmaxy(w);
    werase(w);
    ui_box(w);
    ui_putf(w, 1, 2, cols, A_BOLD, "Triage #%lld (now %s): Space ticks, Enter applies, Esc cancels",
            (long long)t->id, t->cur_level);
    /* Lines y0 .. rows-3; the blank line under the title goes first when the box is short. */
    int y0 = rows >= 12 ? 3 : 2;
    int64_t body = rows - 2 - y0 > 1 ? rows - 2 - y0 : 1;
    int64_t total = t->n ? line_of(t, t->n - 1) + 1 : 0;
    int64_t sel = t->n ? line_of(t, (size_t)t->sel) : 0;
    /* A level's first criterion brings its heading into view with it. */
    int64_t want_top =
        t->n && (t->sel == 0 || t->items[t->sel].level != t->items[t->sel - 1].level) ? sel - 1 : sel;
    if (want_top < t->top)
        t->top = want_top;
    if (sel >= t->top + body)
        t->top = sel - body + 1;
    if (t->top > total - body)
        t->top = total - body;
    if (t->top < 0)
        t->top = 0;
    int64_t line = 0;
    for (size_t i = 0; i < t->n && line < t->top + body; i++) {
        const pol_level *lv = &t->pol->levels[t->items[i].level];
        if (i == 0 || t->items[i].level != t->items[i - 1].level) {
            if (line >= t->top)
                ui_putf(w, y0 + (int)(line - t->top), 2, cols, ui_attr(EL_DIM), "%s%s%s (%s of):", lv->id,
                        lv->label ? " " : "", lv->label ? lv->label : "",
                        lv->criteria_mode == POL_CRIT_ALL ? "all" : "any");
            if (++line >= t->top + body)
                break;
        }
        if (line >= t->top)
            ui_putf(w, y0 + (int)(line - t->top), 4, cols - 2,
                    (int64_t)i == t->sel ? ui_attr(EL_SELECTED) : A_NORMAL, "[%c] %s",
                    t->ticked[i] ? 'x' : ' ', lv->criteria[t->items[i].item]);
        line++;
    }
    if (t->top > 0)
        more_mark(w, 0, true, t->top, c->ascii);
    if (t->top + body < total)
        more_mark(w, rows - 1, false, total - t->top - body, c->ascii);
    int p = proposal(t);
    if (t->err[0])
        ui_put(w, rows - 2, 2, t->err, cols, ui_attr(EL_ERROR));
    else if (p >= 0)
        ui_putf(w, rows - 2, 2, cols, A_BOLD, "Proposed level: %s%s%s", t->pol->levels[p].id,
                t->pol->levels[p].label ? " " : "", t->pol->levels[p].label ? t->pol->levels[p].label : "");
    else
        ui_put(w, rows - 2, 2, "Proposed level: none yet (tick the criteria that hold)", cols,
               ui_attr(EL_DIM));
}

static con_effect key(view *v, con_state *c, st_action a, km_key k)
{
    triage *t = v->priv;
    t->err[0] = '\0';
    if (k == KM_ESC || a == ACT_QUIT)
        return con_fx(VR_CLOSE);
    switch (a) {
    case ACT_DOWN:
        t->sel = t->sel + 1 < (int64_t)t->n ? t->sel + 1 : t->sel;
        return con_fx(VR_REDRAW);
    case ACT_UP:
        t->sel = t->sel > 0 ? t->sel - 1 : 0;
        return con_fx(VR_REDRAW);
    case ACT_FIRST:
        t->sel = 0;
        return con_fx(VR_REDRAW);
    case ACT_LAST:
        t->sel = (int64_t)t->n - 1;
        return con_fx(VR_REDRAW);
    case ACT_TOGGLE:
        if (t->n)
            t->ticked[t->sel] = !t->ticked[t->sel];
        return con_fx(VR_REDRAW);
    case ACT_OPEN: {
        int p = proposal(t);
        if (p < 0) {
            snprintf(t->err, sizeof t->err, "tick the criteria that hold first");
            return con_fx(VR_REDRAW);
        }
        if (strcmp(t->pol->levels[p].id, t->cur_level) == 0) {
            snprintf(t->err, sizeof t->err, "the ticket is already %s", t->cur_level);
            return con_fx(VR_REDRAW);
        }
        strbuf reason;
        sb_init(&reason);
        sb_append(&reason, "triage: ");
        bool first = true;
        for (size_t i = 0; i < t->n; i++)
            if (t->ticked[i]) {
                sb_printf(&reason, "%s%s", first ? "" : "; ",
                          t->pol->levels[t->items[i].level].criteria[t->items[i].item]);
                first = false;
            }
        con_effect fx = view_reprio_open(c, OPS_TO, t->pol->levels[p].id, reason.buf, VR_CLOSE);
        sb_done(&reason);
        return fx;
    }
    default:
        return con_fx(VR_NONE);
    }
}

static void destroy(view *v)
{
    triage *t = v->priv;
    free(t->cur_level);
    free(t->items);
    free(t->ticked);
    free(t);
}

static const view_ops triage_ops = {
    .name = "triage", .modal = true, .height = 60, .draw = draw, .key = key, .destroy = destroy};

con_effect view_triage_open(con_state *c, view_result r)
{
    const ops_view *row = lm_selected(c->list);
    if (!row)
        return con_fx(r);
    const st_policy *p = row->policy;
    size_t n = 0;
    for (size_t l = 0; l < p->n_levels; l++)
        if (p->levels[l].has_criteria)
            n += p->levels[l].n_criteria;
    if (n == 0)
        return con_fx_say(r, true, "the policy has no criteria to triage with");
    triage *t = xcalloc(1, sizeof *t);
    t->id = row->t.id;
    t->cur_level = xstrdup(row->t.level);
    t->pol = p;
    t->items = xcalloc(n, sizeof *t->items);
    t->ticked = xcalloc(n, sizeof *t->ticked);
    for (size_t l = 0; l < p->n_levels; l++)
        if (p->levels[l].has_criteria)
            for (size_t i = 0; i < p->levels[l].n_criteria; i++)
                t->items[t->n++] = (crit_ref){l, i};
    return con_fx_push(r, view_new(&triage_ops, t));
}
