/* view_prompt: the modal prompts: a one-line text prompt, a y/n confirmation, and the
 * re-prioritization flow (preview, required reason, confirm) that `+`, `-`, `t` and `:level` share.
 * Typed text is limited to printable characters and a length; every change goes through ops with
 * the ticket version the user saw. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/sla.h"
#include "slatop/text.h"
#include "slatop/view.h"

/* ---- a line editor ---- */

typedef struct {
    strbuf text;
    int max_len; /* in characters */
    int len;
} line_edit;

static void le_init(line_edit *le, const char *initial, int max_len)
{
    sb_init(&le->text);
    le->max_len = max_len;
    le->len = 0;
    if (initial) { /* our own pre-fill may hold untrusted text: keep only what could be typed */
        size_t n = strlen(initial);
        for (size_t i = 0; i < n && le->len < max_len;) {
            int32_t cp;
            size_t used = utf8_decode(initial + i, n - i, &cp);
            if (cp >= 0x20 && !text_is_unsafe(cp)) {
                sb_append_n(&le->text, initial + i, used);
                le->len++;
            }
            i += used;
        }
    }
}

/* True when the key was text editing. */
static bool le_key(line_edit *le, km_key k)
{
    if (k == KM_BACKSPACE || k == 0x08) {
        while (le->text.len > 0) { /* drop one whole UTF-8 character */
            unsigned char ch = (unsigned char)le->text.buf[--le->text.len];
            if ((ch & 0xc0) != 0x80)
                break;
        }
        le->text.buf[le->text.len] = '\0';
        if (le->len > 0)
            le->len--;
        return true;
    }
    if (k == 0x15) { /* C-u clears */
        sb_reset(&le->text);
        le->len = 0;
        return true;
    }
    if (k >= 0x20 && k < 0x110000 && !text_is_unsafe(k) && !(k >= 0xd800 && k <= 0xdfff)) {
        if (le->len < le->max_len) {
            utf8_encode(&le->text, k);
            le->len++;
        }
        return true;
    }
    return false;
}

static bool le_blank(const line_edit *le)
{
    for (size_t i = 0; i < le->text.len; i++)
        if (le->text.buf[i] != ' ')
            return false;
    return true;
}

/* "Reason: text_" with the tail visible when it is longer than the field. */
static void le_draw(const line_edit *le, WINDOW *w, int y, int x, int cols, const char *label, bool active)
{
    int lw = text_width(label);
    ui_put(w, y, x, label, lw, A_BOLD);
    int field = cols - lw - 1;
    if (field < 2)
        return;
    char *safe = text_sanitize(le->text.buf ? le->text.buf : "", false);
    const char *shown = safe;
    while (text_width(shown) > field - 1) { /* skip leading characters so the cursor end shows */
        int32_t cp;
        shown += utf8_decode(shown, strlen(shown), &cp);
    }
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, shown);
    if (active)
        sb_append_c(&sb, '_');
    ui_put(w, y, x + lw + 1, sb.buf, field, A_UNDERLINE);
    sb_done(&sb);
    free(safe);
}

/* ---- text prompt ---- */

typedef struct {
    char *title;
    line_edit le;
    bool required;
    prompt_done_fn done;
    void *ctx;
    char err[80];
} prompt;

static void prompt_draw(view *v, con_state *c)
{
    (void)c;
    prompt *p = v->priv;
    WINDOW *w = v->win;
    int cols = getmaxx(w);
    werase(w);
    ui_box(w);
    ui_put(w, 1, 2, p->title, cols - 4, A_BOLD);
    le_draw(&p->le, w, 3, 2, cols - 4, ">", true);
    ui_put(w, 5, 2, p->err[0] ? p->err : "Enter accepts, Esc cancels", cols - 4,
           p->err[0] ? ui_attr(EL_ERROR) : ui_attr(EL_DIM));
}

static con_effect prompt_key(view *v, con_state *c, st_action a, km_key k)
{
    prompt *p = v->priv;
    (void)a;
    if (k == KM_ESC)
        return con_fx(VR_CLOSE);
    if (k == KM_ENTER) {
        if (p->required && le_blank(&p->le)) {
            snprintf(p->err, sizeof p->err, "required: type something, or Esc to cancel");
            return con_fx(VR_REDRAW);
        }
        con_effect fx = p->done(c, p->le.text.buf ? p->le.text.buf : "", p->ctx);
        fx.r = VR_CLOSE;
        return fx;
    }
    p->err[0] = '\0';
    le_key(&p->le, k);
    return con_fx(VR_REDRAW);
}

static void prompt_destroy(view *v)
{
    prompt *p = v->priv;
    free(p->title);
    sb_done(&p->le.text);
    free(p->ctx);
    free(p);
}

static const view_ops prompt_ops = {.name = "prompt",
                                    .modal = true,
                                    .height = 7,
                                    .draw = prompt_draw,
                                    .key = prompt_key,
                                    .destroy = prompt_destroy};

view *view_prompt_new(const char *title, const char *initial, int max_len, bool required, prompt_done_fn done,
                      void *ctx)
{
    prompt *p = xcalloc(1, sizeof *p);
    p->title = xstrdup(title);
    le_init(&p->le, initial, max_len);
    if (!p->le.text.buf)
        sb_append(&p->le.text, "");
    p->required = required;
    p->done = done;
    p->ctx = ctx;
    return view_new(&prompt_ops, p);
}

/* ---- confirmation ---- */

typedef struct {
    char *question;
    confirm_fn yes;
    void *ctx;
} confirm;

static void confirm_draw(view *v, con_state *c)
{
    (void)c;
    confirm *q = v->priv;
    werase(v->win);
    ui_box(v->win);
    ui_put(v->win, 2, 2, q->question, getmaxx(v->win) - 4, A_BOLD);
}

static con_effect confirm_key(view *v, con_state *c, st_action a, km_key k)
{
    (void)a;
    confirm *q = v->priv;
    con_effect fx = con_fx(VR_CLOSE);
    if (k == 'y' || k == 'Y' || k == KM_ENTER)
        fx = q->yes(c, q->ctx);
    fx.r = VR_CLOSE;
    return fx;
}

static void confirm_destroy(view *v)
{
    confirm *q = v->priv;
    free(q->question);
    free(q->ctx);
    free(q);
}

static const view_ops confirm_ops = {.name = "confirm",
                                     .modal = true,
                                     .height = 5,
                                     .draw = confirm_draw,
                                     .key = confirm_key,
                                     .destroy = confirm_destroy};

view *view_confirm_new(const char *question, confirm_fn yes, void *ctx)
{
    confirm *q = xcalloc(1, sizeof *q);
    q->question = xstrdup(question);
    q->yes = yes;
    q->ctx = ctx;
    return view_new(&confirm_ops, q);
}

/* ---- re-prioritization: preview, reason, confirm ---- */

#define REASON_MAX 200

typedef struct {
    int64_t id, version;
    char *title;
    ops_move move;
    char *level;
    ops_change pv; /* the preview, at the moment the prompt opened */
    line_edit reason;
    bool confirming;
    char err[96];
} reprio;

static void reprio_draw(view *v, con_state *c)
{
    reprio *r = v->priv;
    WINDOW *w = v->win;
    int cols = getmaxx(w) - 4;
    int gap = getmaxy(w) >= 11 ? 1 : 0; /* a short pane (SPEC §11): no blank rows between the parts */
    werase(w);
    ui_box(w);
    const char *verb = r->move == OPS_UP ? "Raise" : r->move == OPS_DOWN ? "Lower" : "Set level of";
    ui_putf(w, 1, 2, cols, A_BOLD, "%s #%lld: %s", verb, (long long)r->id, r->title);
    ui_putf(w, 2 + gap, 2, cols, A_NORMAL, "level      %s %s %s", r->pv.from_level,
            c->ascii ? "->" : "\xe2\x86\x92", r->pv.to_level);
    char a[64], b[64], cd[24];
    tz_format(c->display_zone, r->pv.old_due, a, sizeof a);
    tz_format(c->display_zone, r->pv.new_due, b, sizeof b);
    ui_putf(w, 3 + gap, 2, cols, A_NORMAL, "due        %s %s %s", a, c->ascii ? "->" : "\xe2\x86\x92", b);
    ui_countdown(r->pv.remaining_s, cd);
    ui_putf(w, 4 + gap, 2, cols, r->pv.breaches_immediately ? ui_attr(EL_BREACHED) : A_NORMAL, "remaining  %s%s",
            cd, r->pv.breaches_immediately ? "   BREACHES IMMEDIATELY" : "");
    le_draw(&r->reason, w, 5 + 2 * gap, 2, cols, "Reason:", !r->confirming);
    if (r->err[0])
        ui_put(w, 6 + 3 * gap, 2, r->err, cols, ui_attr(EL_ERROR));
    else if (r->confirming)
        ui_put(w, 6 + 3 * gap, 2, "Apply this change? y or Enter confirms, Esc cancels", cols, A_BOLD);
    else
        ui_putf(w, 6 + 3 * gap, 2, cols, ui_attr(EL_DIM),
                "Reason required (printable, up to %d characters); Enter accepts, Esc cancels", REASON_MAX);
}

static con_effect reprio_key(view *v, con_state *c, st_action a, km_key k)
{
    (void)a;
    reprio *r = v->priv;
    if (k == KM_ESC)
        return con_fx(VR_CLOSE);
    if (!r->confirming) {
        if (k == KM_ENTER) {
            if (le_blank(&r->reason)) {
                snprintf(r->err, sizeof r->err, "a reason is required (Esc cancels)");
                return con_fx(VR_REDRAW);
            }
            r->err[0] = '\0';
            r->confirming = true;
            return con_fx(VR_REDRAW);
        }
        r->err[0] = '\0';
        le_key(&r->reason, k);
        return con_fx(VR_REDRAW);
    }
    if (k == 'y' || k == 'Y' || k == KM_ENTER) {
        ops_change out;
        memset(&out, 0, sizeof out);
        st_err e;
        st_err_clear(&e);
        con_effect fx = con_fx(VR_CLOSE);
        if (ops_set_level(c->ops, r->id, r->move, r->level, r->reason.text.buf, r->version, &out, &e) !=
            ST_OK) {
            con_fx_msg(&fx, true, "#%lld: %s", (long long)r->id, e.msg);
        } else {
            con_fx_msg(&fx, false, "#%lld %s %s %s%s", (long long)r->id, out.from_level,
                       c->ascii ? "->" : "\xe2\x86\x92", out.to_level,
                       out.breaches_immediately ? " (breached)" : "");
            ops_change_done(&out);
        }
        fx.reload = true; /* a change this program made: reload at once */
        return fx;
    }
    if (k == 'n' || k == 'N')
        return con_fx(VR_CLOSE);
    return con_fx(VR_NONE);
}

static void reprio_destroy(view *v)
{
    reprio *r = v->priv;
    free(r->title);
    free(r->level);
    ops_change_done(&r->pv);
    sb_done(&r->reason.text);
    free(r);
}

static const view_ops reprio_ops = {.name = "reprioritize",
                                    .modal = true,
                                    .height = 11,
                                    .draw = reprio_draw,
                                    .key = reprio_key,
                                    .destroy = reprio_destroy};

con_effect view_reprio_open(con_state *c, ops_move move, const char *level, const char *reason,
                            view_result res)
{
    const ops_view *row = lm_selected(c->list);
    if (!row)
        return con_fx_say(res, true, "no ticket selected");
    return view_reprio_open_for(c, &row->t, move, level, reason, res);
}

con_effect view_reprio_open_for(con_state *c, const st_ticket *t, ops_move move, const char *level,
                                const char *reason, view_result res)
{
    reprio *r = xcalloc(1, sizeof *r);
    st_err e;
    st_err_clear(&e);
    if (ops_preview_level(c->ops, t->id, move, level, &r->pv, &e) != ST_OK) {
        free(r);
        return con_fx_say(res, true, "#%lld: %s", (long long)t->id, e.msg);
    }
    r->id = t->id;
    r->version = t->version;
    r->title = xstrdup(t->title);
    r->move = move;
    r->level = xstrdup(level);
    le_init(&r->reason, reason, REASON_MAX);
    if (!r->reason.text.buf)
        sb_append(&r->reason.text, "");
    return con_fx_push(res, view_new(&reprio_ops, r));
}
