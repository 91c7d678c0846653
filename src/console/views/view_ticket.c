/* view_ticket: the actions that change one ticket (SPEC §4, §8), the same from the list and from
 * the detail view: reply and note (written in the editor, which the loop runs), pending, on hold,
 * open (a reason prompt), resolve and respond (y confirms), reopen (reason required), raise and
 * lower (the re-prioritization flow), assign (a name). Each writes through ops with the ticket
 * version the user saw, so a stale view is refused naming who changed the ticket; a refusal is
 * one line in the status line and changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/view.h"

#define READ_ONLY_MSG "read-only: changes are refused (started with --read-only)"
#define REASON_MAX 200

/* What a prompt's or a confirmation's callback acts on: the ticket as drawn, and the action. */
typedef struct {
    int64_t id, version;
    st_action act;
    tk_status to; /* the status to set (the status prompts) */
} ticket_ref;

static ticket_ref *ref_of(const st_ticket *t, st_action act, tk_status to)
{
    ticket_ref *r = xmalloc(sizeof *r);
    r->id = t->id;
    r->version = t->version;
    r->act = act;
    r->to = to;
    return r;
}

/* Writes the change a prompt (text: its reason or name) or a confirmation (text NULL) asked for.
 * The prompt closes with what happened, and the data reloads at once (the store's change counter
 * does not move for this program's own writes). */
static con_effect write_change(con_state *c, const ticket_ref *t, const char *text)
{
    st_err e;
    st_err_clear(&e);
    long long id = (long long)t->id;
    char done[160];
    const char *verb;
    st_code rc;
    switch (t->act) {
    case ACT_RESPOND:
        verb = "respond";
        rc = ops_respond(c->ops, t->id, t->version, &e);
        snprintf(done, sizeof done, "#%lld: first response recorded", id);
        break;
    case ACT_RESOLVE:
        verb = "resolve";
        rc = ops_resolve(c->ops, t->id, t->version, &e);
        snprintf(done, sizeof done, "#%lld resolved", id);
        break;
    case ACT_ASSIGN:
        verb = "assign";
        rc = ops_assign(c->ops, t->id, text, t->version, &e);
        snprintf(done, sizeof done, "#%lld assigned to %s", id, text);
        break;
    case ACT_REOPEN:
        verb = "reopen";
        rc = ops_reopen(c->ops, t->id, text, t->version, &e);
        snprintf(done, sizeof done, "#%lld reopened", id);
        break;
    default: /* pending, on hold, open */
        verb = "set status";
        rc = ops_set_status(c->ops, t->id, t->to, text, t->version, &e);
        snprintf(done, sizeof done, "#%lld %s", id, tk_status_name(t->to));
        break;
    }
    con_effect fx = rc == ST_OK ? con_fx_say(VR_CLOSE, false, "%s", done)
                                : con_fx_say(VR_CLOSE, true, "%s #%lld: %s", verb, id, e.msg);
    fx.reload = true;
    return fx;
}

static con_effect confirmed(con_state *c, void *ctx)
{
    return write_change(c, ctx, NULL);
}

static con_effect prompted(con_state *c, const char *text, void *ctx)
{
    return write_change(c, ctx, text);
}

/* The editor is the loop's to run (it hands the terminal over): this only asks for it. */
static con_effect edit(const st_ticket *t, msg_kind kind)
{
    con_effect fx = con_fx(VR_NONE);
    fx.edit = xcalloc(1, sizeof *fx.edit);
    fx.edit->id = t->id;
    fx.edit->version = t->version;
    fx.edit->kind = kind;
    fx.edit->title = xstrdup(t->title);
    return fx;
}

static con_effect status_prompt(const st_ticket *t, tk_status to)
{
    if (t->status == to)
        return con_fx_say(VR_NONE, true, "#%lld is already %s", (long long)t->id, tk_status_name(to));
    if (t->status == TK_RESOLVED)
        return con_fx_say(VR_NONE, true, "#%lld is resolved (reopen it first: O)", (long long)t->id);
    char title[160];
    bool required = to != TK_OPEN; /* SPEC §8: pending and on_hold need a reason */
    snprintf(title, sizeof title, "#%lld %s: reason%s", (long long)t->id,
             to == TK_PENDING   ? "pending (waiting on the customer)"
             : to == TK_ON_HOLD ? "on hold (waiting on a third party)"
                                : "open (waiting on the support team)",
             required ? " (required):" : " (optional):");
    return con_fx_push(VR_NONE,
                       view_prompt_new(title, NULL, REASON_MAX, required, prompted, ref_of(t, ACT_NONE, to)));
}

static bool is_ticket_action(st_action a)
{
    switch (a) {
    case ACT_RAISE:
    case ACT_LOWER:
    case ACT_RESPOND:
    case ACT_ASSIGN:
    case ACT_REPLY:
    case ACT_NOTE:
    case ACT_SET_PENDING:
    case ACT_SET_ON_HOLD:
    case ACT_SET_OPEN:
    case ACT_RESOLVE:
    case ACT_REOPEN:
        return true;
    default:
        return false;
    }
}

con_effect view_ticket_action(con_state *c, st_action a, const st_ticket *t)
{
    if (!is_ticket_action(a) || !t)
        return con_fx(VR_PASS);
    if (c->read_only)
        return con_fx_say(VR_NONE, true, READ_ONLY_MSG);
    char q[200];
    switch (a) {
    case ACT_RAISE:
    case ACT_LOWER:
        return view_reprio_open_for(c, t, a == ACT_RAISE ? OPS_UP : OPS_DOWN, NULL, NULL, VR_NONE);
    case ACT_RESPOND:
        snprintf(q, sizeof q, "Record the first response on #%lld now? (y/Enter: yes, Esc: no)",
                 (long long)t->id);
        return con_fx_push(VR_NONE, view_confirm_new(q, confirmed, ref_of(t, a, t->status)));
    case ACT_ASSIGN:
        return con_fx_push(VR_NONE, view_prompt_new("Assign to (name):", t->assignee, 64, true, prompted,
                                                    ref_of(t, a, t->status)));
    case ACT_REPLY:
    case ACT_NOTE:
        return edit(t, a == ACT_REPLY ? MSG_REPLY : MSG_NOTE);
    case ACT_SET_PENDING:
        return status_prompt(t, TK_PENDING);
    case ACT_SET_ON_HOLD:
        return status_prompt(t, TK_ON_HOLD);
    case ACT_SET_OPEN:
        return status_prompt(t, TK_OPEN);
    case ACT_RESOLVE:
        if (t->status == TK_RESOLVED)
            return con_fx_say(VR_NONE, true, "#%lld is already resolved", (long long)t->id);
        snprintf(q, sizeof q, "Resolve #%lld now? This stops every clock. (y/Enter: yes, Esc: no)",
                 (long long)t->id);
        return con_fx_push(VR_NONE, view_confirm_new(q, confirmed, ref_of(t, a, TK_RESOLVED)));
    case ACT_REOPEN:
        if (t->status != TK_RESOLVED)
            return con_fx_say(VR_NONE, true, "#%lld is not resolved (it is %s)", (long long)t->id,
                              tk_status_name(t->status));
        snprintf(q, sizeof q, "Reopen #%lld: reason (required):", (long long)t->id);
        return con_fx_push(VR_NONE,
                           view_prompt_new(q, NULL, REASON_MAX, true, prompted, ref_of(t, a, TK_OPEN)));
    default:
        return con_fx(VR_PASS);
    }
}
