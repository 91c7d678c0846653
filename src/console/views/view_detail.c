/* view_detail: one ticket (SPEC §8 "Console"): its fields and status, every clock (state with why
 * it is paused, due in the business zone and the display zone, remaining, met or missed with the
 * stop), the conversation oldest first (each message's kind said in words, never colour alone),
 * the explain ledger of the first response and the history, in one scrollable pager. The data is
 * loaded when the view opens and when the store changes; each second the clocks are re-timed and
 * the lines rebuilt (no I/O). Untrusted text (bodies, names) is sanitised where it is drawn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/clocks_next.h"
#include "slatop/query.h"
#include "slatop/sla.h"
#include "slatop/view.h"

typedef struct {
    pager p;
    int64_t id;
    bool loaded;
    query_detail q; /* when loaded */
    char err[600];
} detail;

static void unload(detail *d)
{
    if (d->loaded)
        query_detail_done(&d->q);
    d->loaded = false;
}

static void load(detail *d, con_state *c)
{
    unload(d);
    st_err e;
    st_err_clear(&e);
    if (query_ticket_detail(c->ops, d->id, c->now, &d->q, &e) != ST_OK) {
        snprintf(d->err, sizeof d->err, "ticket %lld: %s", (long long)d->id, e.msg);
        return;
    }
    d->loaded = true;
    d->err[0] = '\0';
    if (d->q.history_rc != ST_OK)
        snprintf(d->err, sizeof d->err, "history: %s", d->q.history_err.msg);
}

static void fmt2(con_state *c, const tz_zone *biz, st_time t, char *out, size_t n)
{
    if (t == ST_TIME_NONE) {
        snprintf(out, n, "-");
        return;
    }
    char a[64], b[64];
    tz_format(c->display_zone, t, b, sizeof b);
    if (biz && strcmp(tz_name(biz), tz_name(c->display_zone)) != 0) {
        tz_format(biz, t, a, sizeof a);
        snprintf(out, n, "%s  (%s)", a, b);
    } else {
        snprintf(out, n, "%s", b);
    }
}

/* Why a running clock stands still, in words ("pending", "on hold", "hours, resumes 09:00"). */
static void paused_text(con_state *c, const clk_clock *k, const tz_zone *biz, char *out, size_t n)
{
    switch (k->paused_by) {
    case CLK_PAUSED_PENDING:
        snprintf(out, n, " (pending)");
        return;
    case CLK_PAUSED_ON_HOLD:
        snprintf(out, n, " (on hold)");
        return;
    case CLK_PAUSED_HOURS:
        if (k->resumes_at != ST_TIME_NONE) {
            char t[32];
            ui_short_time(biz ? biz : c->display_zone, k->resumes_at, t);
            snprintf(out, n, " (hours, resumes %s)", t);
        } else {
            snprintf(out, n, " (hours)");
        }
        return;
    case CLK_PAUSED_NONE:
        break;
    }
    out[0] = '\0';
}

/* Every clock, one block each: state, remaining or stop, due in both zones. */
static void build_clocks(detail *d, con_state *c, const tz_zone *biz)
{
    pager *p = &d->p;
    const clk_result *r = &d->q.clocks;
    if (d->q.clocks_rc != ST_OK) {
        pager_add(p, EL_ERROR, 0, false, "Clocks     %s", d->q.clocks_err.msg);
        return;
    }
    pager_add(p, EL_HEADER, 0, false, "Clocks: %zu%s", r->n, r->n == 0 ? " (none defined for this level)" : "");
    for (size_t i = 0; i < r->n; i++) {
        const clk_clock *k = &r->clocks[i];
        char why[64], cd[24], buf[160];
        paused_text(c, k, biz, why, sizeof why);
        ui_countdown(k->remaining_s, cd);
        bool stopped = k->stopped != ST_TIME_NONE;
        pager_add(p, ui_state_element((int)k->state), 0, true, "  %-3s %-14s #%d  %s %s%s  %s %s%s",
                  clocks_metric_abbrev(k->metric), policy_metric_name(k->metric), k->cycle,
                  ui_state_symbol((int)k->state), sla_state_name(k->state), why, cd,
                  stopped ? "margin" : "left", (int)i == r->next ? "  <- next" : "");
        pager_add(p, EL_DIM, 0, false, "        target %lld min %s%s", (long long)(k->target_s / 60),
                  k->clock == POL_CLOCK_BUSINESS ? "business" : "24x7",
                  k->breached_ever ? ", breached in history" : "");
        fmt2(c, biz, k->started, buf, sizeof buf);
        pager_add(p, EL_NORMAL, 0, false, "        started %s", buf);
        if (k->due == ST_TIME_NONE)
            pager_add(p, EL_NORMAL, 0, false, "        due     - (paused before it was reached)");
        else {
            fmt2(c, biz, k->due, buf, sizeof buf);
            pager_add(p, EL_NORMAL, 0, false, "        due     %s", buf);
        }
        if (stopped) {
            fmt2(c, biz, k->stopped, buf, sizeof buf);
            pager_add(p, EL_NORMAL, 0, false, "        %s at %s", k->state == SLA_MET ? "met" : "missed", buf);
        }
    }
}

/* The conversation, oldest first: a header line per message saying its kind in words, then the
 * body line by line (the pager sanitises each when it draws it). */
static void build_messages(detail *d, con_state *c)
{
    pager *p = &d->p;
    if (d->q.messages_rc != ST_OK) {
        pager_add(p, EL_ERROR, 0, false, "Conversation: %s", d->q.messages_err.msg);
        return;
    }
    pager_add(p, EL_HEADER, 0, false, "Conversation: %zu %s", d->q.n_messages,
              d->q.n_messages == 1 ? "message" : "messages");
    for (size_t i = 0; i < d->q.n_messages; i++) {
        const st_message *m = &d->q.messages[i];
        char at[64];
        tz_format(c->display_zone, m->at, at, sizeof at);
        static const char *const kinds[] = {"customer", "reply", "note (internal)"};
        pager_add(p, m->kind == MSG_NOTE ? EL_DIM : EL_NORMAL, 0, true, "  -- %s from %s at %s",
                  kinds[m->kind], m->author ? m->author : "-", at);
        for (const char *line = m->body; line;) {
            const char *nl = strchr(line, '\n');
            int len = nl ? (int)(nl - line) : (int)strlen(line);
            if (len > 0 || nl) /* the last line's empty tail after a final newline is not shown */
                pager_add(p, EL_NORMAL, 0, true, "     %.*s", len, line);
            line = nl ? nl + 1 : NULL;
        }
    }
}

static void build(detail *d, con_state *c)
{
    pager *p = &d->p;
    pager_clear(p);
    if (!d->loaded) {
        pager_add(p, EL_ERROR, 0, false, "%s", d->err);
        return;
    }
    query_detail_retime(&d->q, c->now);
    ops_view *v = &d->q.v;
    const st_ticket *t = &v->t;
    const pol_level *lv = &v->policy->levels[v->level_index];
    const tz_zone *biz = v->policy->calendar ? v->policy->calendar->zone : NULL;
    char buf[160], cd[24];
    pager_add(p, EL_HEADER, 0, false, "Ticket #%lld  %s%s%s", (long long)t->id, t->level,
              lv->label ? " " : "", lv->label ? lv->label : "");
    pager_add(p, EL_NORMAL, 0, false, "Title      %s", t->title);
    pager_add(p, EL_NORMAL, 0, false, "Customer   %s", t->customer ? t->customer : "-");
    pager_add(p, EL_NORMAL, 0, false, "Channel    %s    Ref %s", t->channel ? t->channel : "-",
              t->ref ? t->ref : "-");
    pager_add(p, EL_NORMAL, 0, false, "Status     %s    Assignee %s", tk_status_name(t->status),
              t->assignee ? t->assignee : "-");
    ui_countdown(v->timer.remaining_s, cd);
    pager_add(p, ui_state_element((int)v->timer.state), 0, false,
              "Timer      %s %s  %s (first response, %s clock, target %lld min)%s",
              ui_state_symbol((int)v->timer.state), sla_state_name(v->timer.state), cd,
              lv->clock == POL_CLOCK_BUSINESS ? "business" : "24x7", (long long)lv->response_minutes,
              v->breached_ever ? "  breached in history" : "");
    if (v->timer.state == SLA_PAUSED && v->timer.resumes_at != ST_TIME_NONE) {
        fmt2(c, biz, v->timer.resumes_at, buf, sizeof buf);
        pager_add(p, EL_PAUSED, 0, false, "Resumes    %s", buf);
    }
    fmt2(c, biz, t->due, buf, sizeof buf);
    pager_add(p, EL_NORMAL, 0, false, "Due        %s", buf);
    fmt2(c, biz, t->resolved, buf, sizeof buf);
    pager_add(p, EL_NORMAL, 0, false, "Resolved   %s", buf);
    fmt2(c, biz, t->created, buf, sizeof buf);
    pager_add(p, EL_NORMAL, 0, false, "Created    %s", buf);
    fmt2(c, biz, t->first_response, buf, sizeof buf);
    pager_add(p, EL_NORMAL, 0, false, "Responded  %s", buf);
    pager_add(p, EL_DIM, 0, false, "Zones      business %s, display %s", biz ? tz_name(biz) : "(24x7 only)",
              tz_name(c->display_zone));
    pager_add(p, EL_DIM, 0, false, "Versions   policy v%lld, ticket v%lld, last change by %s",
              (long long)t->policy_version, (long long)t->version, t->updated_by ? t->updated_by : "-");
    pager_add(p, EL_NORMAL, 0, false, "%s", "");
    build_clocks(d, c, biz);
    pager_add(p, EL_NORMAL, 0, false, "%s", "");
    build_messages(d, c);
    pager_add(p, EL_NORMAL, 0, false, "%s", "");
    pager_add(p, EL_HEADER, 0, false, "Explain: why #%lld's first response is due when it is", (long long)t->id);
    int64_t total = 0;
    for (size_t i = 0; i < d->q.n_segs; i++) {
        const sla_segment *s = &d->q.segs[i];
        char a[64], b[64], dur[24];
        tz_format(biz ? biz : c->display_zone, s->start, a, sizeof a);
        tz_format(biz ? biz : c->display_zone, s->end, b, sizeof b);
        duration_format_hms(s->counted_s, dur);
        total += s->counted_s;
        pager_add(p, s->counted_s > 0 ? EL_NORMAL : EL_DIM, 0, true, "  %-12s %s .. %s  %9s  %s",
                  sla_seg_kind_name(s->kind), a, b, dur, s->rule ? s->rule : "");
    }
    char tot[24];
    duration_format_hms(total, tot);
    pager_add(p, EL_DIM, 0, false, "  counted in total %s", tot);
    pager_add(p, EL_NORMAL, 0, false, "%s", "");
    pager_add(p, EL_HEADER, 0, false, "History: %zu %s", d->q.n_history,
              d->q.n_history == 1 ? "entry" : "entries");
    for (size_t i = 0; i < d->q.n_history; i++) {
        const st_audit_entry *a = &d->q.history[i];
        char at[64];
        tz_format(c->display_zone, a->at, at, sizeof at);
        pager_add(p, EL_NORMAL, 0, true, "  %4lld %s %-10s %-13s %s%s%s %s%s", (long long)a->seq, at,
                  a->actor, au_kind_name(a->kind), a->from_level ? a->from_level : "",
                  a->from_level ? "->" : "", a->to_level ? a->to_level : "", a->detail ? a->detail : "",
                  a->reason ? a->reason : "");
    }
    if (d->err[0])
        pager_add(p, EL_ERROR, 0, false, "%s", d->err);
}

static void draw(view *v, con_state *c)
{
    detail *d = v->priv;
    build(d, c);
    werase(v->win);
    pager_draw(&d->p, v->win, 0, getmaxy(v->win));
}

static con_effect key(view *v, con_state *c, st_action a, km_key k)
{
    (void)k;
    detail *d = v->priv;
    view_result r = pager_key(&d->p, a, getmaxy(v->win));
    if (r != VR_PASS)
        return con_fx(r);
    switch (a) {
    case ACT_BACK:
    case ACT_QUIT:
        return con_fx(VR_CLOSE);
    case ACT_AUDIT:
        return con_fx_push(VR_NONE, view_audit_new(c, d->id));
    case ACT_TRIAGE:
        return con_fx_say(VR_NONE, false, "go back to the list (q) to triage the ticket");
    default: { /* the ticket actions (view_ticket.c) on this ticket, as loaded */
        con_effect fx = view_ticket_action(c, a, d->loaded ? &d->q.v.t : NULL);
        return fx.r == VR_PASS ? con_fx(view_pass_shared(a)) : fx;
    }
    }
}

static void reload(view *v, con_state *c)
{
    load(v->priv, c);
}

static void destroy(view *v)
{
    detail *d = v->priv;
    unload(d);
    pager_done(&d->p);
    free(d);
}

static const view_ops detail_ops = {
    .name = "detail", .ticks = true, .draw = draw, .key = key, .reload = reload, .destroy = destroy};

con_effect view_detail_open(con_state *c, int64_t ticket_id, view_result r)
{
    detail *d = xcalloc(1, sizeof *d);
    pager_init(&d->p);
    d->id = ticket_id;
    load(d, c);
    if (!d->loaded) {
        con_effect fx = con_fx_say(r, true, "%s", d->err);
        destroy(&(view){.priv = d});
        return fx;
    }
    return con_fx_push(r, view_new(&detail_ops, d));
}
