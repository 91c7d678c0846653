/* view_audit: the audit log, all entries or one ticket's, with whether the hash chain verifies
 * (query_audit_page: computed when the view opens and when the log changes, never per tick).
 * `/` filters the lines by text; Enter narrows to the selected entry's ticket and back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/query.h"
#include "slatop/view.h"

typedef struct {
    pager p;
    int64_t ticket;    /* 0 = all */
    int64_t opened_on; /* the ticket the view was opened for (0 = all) */
    query_audit q;
    char verify_msg[600];
    char err[600];
} audit_view;

static void load(audit_view *a, con_state *c)
{
    query_audit_done(&a->q);
    st_err e;
    st_err_clear(&e);
    a->err[0] = '\0';
    query_audit_req req = {.ticket_id = a->ticket, .verify = true};
    if (query_audit_page(c->ops, &req, &a->q, &e) != ST_OK)
        snprintf(a->err, sizeof a->err, "audit log: %s", e.msg);
    snprintf(a->verify_msg, sizeof a->verify_msg, "%s", a->q.verified ? "" : a->q.verify_err.msg);
    pager_clear(&a->p);
    for (size_t i = 0; i < a->q.n; i++) {
        const st_audit_entry *x = &a->q.entries[i];
        char at[64], tk[24] = "-";
        tz_format(c->display_zone, x->at, at, sizeof at);
        if (x->ticket_id)
            snprintf(tk, sizeof tk, "#%lld", (long long)x->ticket_id);
        pager_add(&a->p, EL_NORMAL, x->ticket_id, true, "%5lld %s %-10s %-14s %6s %s%s%s %s%s%s",
                  (long long)x->seq, at, x->actor, au_kind_name(x->kind), tk,
                  x->from_level ? x->from_level : "", x->from_level && x->to_level ? "->" : "",
                  x->to_level ? x->to_level : "", x->detail ? x->detail : "",
                  x->detail && x->reason ? " " : "", x->reason ? x->reason : "");
    }
    if (a->q.n == 0)
        pager_add(&a->p, EL_DIM, 0, false, "%s", a->err[0] ? a->err : "no entries");
}

static void draw(view *v, con_state *c)
{
    (void)c;
    audit_view *a = v->priv;
    WINDOW *w = v->win;
    int cols = getmaxx(w);
    werase(w);
    char title[160];
    if (a->ticket)
        snprintf(title, sizeof title, "Audit log of ticket #%lld: %zu entries", (long long)a->ticket, a->q.n);
    else
        snprintf(title, sizeof title, "Audit log: %zu entries", a->q.n);
    ui_putf(w, 0, 0, cols, ui_attr(EL_HEADER), "%s%s%s", title, a->p.search ? "  filter: " : "",
            a->p.search ? a->p.search : "");
    if (a->q.verified)
        ui_putf(w, 1, 0, cols, ui_attr(EL_MET), "%s chain verifies: %lld entries checked",
                ui_state_symbol(SLA_MET), (long long)a->q.checked);
    else
        ui_putf(w, 1, 0, cols, ui_attr(EL_ERROR), "%s CHAIN DOES NOT VERIFY: %s",
                ui_state_symbol(SLA_BREACHED), a->verify_msg);
    pager_draw(&a->p, w, 2, getmaxy(w) - 2);
}

static con_effect set_search(con_state *c, const char *text, void *ctx)
{
    (void)c;
    audit_view *a = *(audit_view **)ctx;
    free(a->p.search);
    a->p.search = *text ? xstrdup(text) : NULL;
    a->p.sel = a->p.top = 0;
    return con_fx(VR_CLOSE);
}

static con_effect key(view *v, con_state *c, st_action act, km_key k)
{
    (void)k;
    audit_view *a = v->priv;
    view_result r = pager_key(&a->p, act, getmaxy(v->win) - 2);
    if (r != VR_PASS)
        return con_fx(r);
    switch (act) {
    case ACT_OPEN: {
        const pager_line *l = pager_selected(&a->p);
        if (a->ticket)
            a->ticket = a->opened_on == a->ticket ? 0 : a->opened_on;
        else if (l && l->tag)
            a->ticket = l->tag;
        a->p.sel = a->p.top = 0;
        load(a, c);
        return con_fx(VR_REDRAW);
    }
    case ACT_SEARCH:
    case ACT_FILTER: {
        audit_view **ctx = xmalloc(sizeof *ctx);
        *ctx = a;
        return con_fx_push(VR_NONE, view_prompt_new("Filter the audit log by text (empty clears):",
                                                    a->p.search, 80, false, set_search, ctx));
    }
    case ACT_BACK:
        if (a->p.search) {
            free(a->p.search);
            a->p.search = NULL;
            return con_fx(VR_REDRAW);
        }
        return con_fx(VR_CLOSE);
    case ACT_QUIT:
        return con_fx(VR_CLOSE);
    case ACT_AUDIT:
        return con_fx(VR_NONE);
    default:
        return con_fx(view_pass_shared(act));
    }
}

static void reload(view *v, con_state *c)
{
    load(v->priv, c);
}

static void destroy(view *v)
{
    audit_view *a = v->priv;
    query_audit_done(&a->q);
    pager_done(&a->p);
    free(a);
}

static const view_ops audit_ops = {
    .name = "audit", .draw = draw, .key = key, .reload = reload, .destroy = destroy};

view *view_audit_new(con_state *c, int64_t ticket_id)
{
    audit_view *a = xcalloc(1, sizeof *a);
    pager_init(&a->p);
    a->ticket = a->opened_on = ticket_id;
    load(a, c);
    return view_new(&audit_ops, a);
}
