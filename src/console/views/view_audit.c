/* view_audit: the audit log, all entries or one ticket's, a window of it at a time (keyset on seq),
 * with whether the hash chain verifies: walked in slices between ticks from when the view opens
 * or the log changes ("verified through seq N" meanwhile; a mismatch shows when found).
 * `/` filters the lines by text; Enter narrows to the selected entry's ticket and back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/query.h"
#include "slatop/view.h"

/* Entries loaded at once: a window of the log around the cursor, found by keyset on seq, so that
 * opening and paging cost the same with ten entries or a million (SPEC §11). */
#define AUDIT_WINDOW 200
/* Verification runs in slices of about this long between ticks and keys. */
#define VERIFY_SLICE_NS 4000000LL

typedef struct {
    pager p;
    int64_t ticket;    /* 0 = all */
    int64_t opened_on; /* the ticket the view was opened for (0 = all) */
    int64_t *seqs;     /* owned: the seq of each pager line (the window, oldest first) */
    size_t n;
    bool more_before, more_after; /* the log goes on beyond the window */
    int64_t total;                /* entries in the log (all) or loaded (a ticket's) */
    query_verify *walk;           /* owned: the chain walk, done in slices (idle) */
    bool failed;
    st_mono shown_at; /* when the walk's progress was last drawn */
    char verify_msg[600];
    char err[600];
} audit_view;

/* Collects a stretch of the log into an array (the window's loader). */
typedef struct {
    st_audit_entry *e;
    size_t n;
} entry_batch;

static st_code batch_add(void *ctx, const st_audit_entry *e, st_err *err)
{
    (void)err;
    entry_batch *b = ctx;
    b->e = xrealloc(b->e, (b->n + 1) * sizeof *b->e);
    st_audit_entry *x = &b->e[b->n++];
    *x = *e;
    x->actor = xstrdup(e->actor);
    x->from_level = xstrdup(e->from_level);
    x->to_level = xstrdup(e->to_level);
    x->reason = xstrdup(e->reason);
    x->detail = xstrdup(e->detail);
    x->from_status = x->to_status = x->message_kind = x->body_sha256 = x->host = NULL; /* not shown */
    return ST_OK;
}

static void batch_done(entry_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        audit_entry_done(&b->e[i]);
    free(b->e);
    b->e = NULL;
    b->n = 0;
}

/* Reads up to `limit` entries after `after` (ascending) or before `before` (newest first, then
 * turned oldest first) into *b. */
static st_code read_stretch(audit_view *a, con_state *c, int64_t after, int64_t before, int64_t limit,
                            entry_batch *b, st_err *e)
{
    query_audit_range_req r = {.ticket_id = a->ticket, .after_seq = after, .before_seq = before, .limit = limit,
                               .newest_first = before > 0};
    st_code rc = query_audit_range(c->ops, &r, batch_add, b, e);
    if (rc == ST_OK && r.newest_first)
        for (size_t i = 0; i < b->n / 2; i++) {
            st_audit_entry t = b->e[i];
            b->e[i] = b->e[b->n - 1 - i];
            b->e[b->n - 1 - i] = t;
        }
    return rc;
}

/* Fills the pager with the window around `center` (a seq; 0: the start, INT64_MAX: the end). */
static void load_window(audit_view *a, con_state *c, int64_t center)
{
    st_err e;
    st_err_clear(&e);
    a->err[0] = '\0';
    entry_batch lo = {0}, hi = {0};
    int64_t half = AUDIT_WINDOW / 2;
    /* Entries up to center (newest first, one extra to know whether the log goes on), then after. */
    st_code rc = center > 0 ? read_stretch(a, c, 0, center == INT64_MAX ? INT64_MAX : center + 1,
                                           center == INT64_MAX ? AUDIT_WINDOW + 1 : half + 1, &lo, &e)
                            : ST_OK;
    a->more_before = lo.n > (size_t)(center == INT64_MAX ? AUDIT_WINDOW : half);
    size_t skip = a->more_before ? 1 : 0;
    int64_t after = lo.n ? lo.e[lo.n - 1].seq : 0;
    int64_t want = AUDIT_WINDOW - (int64_t)(lo.n - skip);
    if (rc == ST_OK && (center != INT64_MAX || lo.n == 0))
        rc = read_stretch(a, c, after, 0, want + 1, &hi, &e);
    a->more_after = hi.n > (size_t)want;
    if (rc != ST_OK)
        snprintf(a->err, sizeof a->err, "audit log: %s", e.msg);
    pager_clear(&a->p);
    free(a->seqs);
    a->n = 0;
    size_t n_hi = a->more_after ? hi.n - 1 : hi.n;
    a->seqs = xcalloc(lo.n + n_hi + 1, sizeof *a->seqs);
    for (size_t k = 0; k < lo.n - skip + n_hi && rc == ST_OK; k++) {
        const st_audit_entry *x = k < lo.n - skip ? &lo.e[k + skip] : &hi.e[k - (lo.n - skip)];
        char at[64], tk[24] = "-";
        tz_format(c->display_zone, x->at, at, sizeof at);
        if (x->ticket_id)
            snprintf(tk, sizeof tk, "#%lld", (long long)x->ticket_id);
        pager_add(&a->p, EL_NORMAL, x->ticket_id, true, "%5lld %s %-10s %-14s %6s %s%s%s %s%s%s",
                  (long long)x->seq, at, x->actor, au_kind_name(x->kind), tk,
                  x->from_level ? x->from_level : "", x->from_level && x->to_level ? "->" : "",
                  x->to_level ? x->to_level : "", x->detail ? x->detail : "",
                  x->detail && x->reason ? " " : "", x->reason ? x->reason : "");
        a->seqs[a->n++] = x->seq;
    }
    batch_done(&lo);
    batch_done(&hi);
    if (a->n == 0)
        pager_add(&a->p, EL_DIM, 0, false, "%s", a->err[0] ? a->err : "no entries");
}

static bool verify_slice(audit_view *a, con_state *c);

/* The window from the log's start, the count, and a new chain walk (run in slices by idle). */
static void load(audit_view *a, con_state *c)
{
    st_err e;
    int64_t seq = 0;
    char hash[65];
    a->total = 0;
    if (!a->ticket && query_audit_head(c->ops, &seq, hash, &e) == ST_OK)
        a->total = seq; /* seq runs 1..head without gaps in a log that verifies */
    load_window(a, c, 0);
    if (a->ticket)
        a->total = (int64_t)a->n;
    query_verify_free(a->walk);
    a->walk = query_verify_new();
    a->failed = false;
    a->verify_msg[0] = '\0';
    a->shown_at = 0;
    verify_slice(a, c); /* the first slice now: a short log is verified when the view opens */
}

static void draw(view *v, con_state *c)
{
    (void)c;
    audit_view *a = v->priv;
    WINDOW *w = v->win;
    int cols = getmaxx(w);
    werase(w);
    char title[160];
    const char *more = a->ticket && a->more_after ? "+" : "";
    if (a->ticket)
        snprintf(title, sizeof title, "Audit log of ticket #%lld: %lld%s entries", (long long)a->ticket,
                 (long long)a->total, more);
    else
        snprintf(title, sizeof title, "Audit log: %lld entries", (long long)a->total);
    ui_putf(w, 0, 0, cols, ui_attr(EL_HEADER), "%s%s%s", title, a->p.search ? "  filter: " : "",
            a->p.search ? a->p.search : "");
    if (a->failed)
        ui_putf(w, 1, 0, cols, ui_attr(EL_ERROR), "%s CHAIN DOES NOT VERIFY: %s",
                ui_state_symbol(SLA_BREACHED), a->verify_msg);
    else if (query_verify_done(a->walk))
        ui_putf(w, 1, 0, cols, ui_attr(EL_MET), "%s chain verifies: %lld entries checked",
                ui_state_symbol(SLA_MET), (long long)query_verify_checked(a->walk));
    else
        ui_putf(w, 1, 0, cols, ui_attr(EL_DIM), "verifying the chain: verified through seq %lld",
                (long long)query_verify_through(a->walk));
    pager_draw(&a->p, w, 2, getmaxy(w) - 2);
}

/* Moves the window when the cursor would leave it (no filter: pager lines are the window's).
 * The selected entry keeps its place on the screen. */
static void follow(audit_view *a, con_state *c, st_action act, int h)
{
    if (a->p.search || a->n == 0)
        return;
    int64_t page = h > 1 ? h - 1 : 1, sel = a->p.sel, target = sel;
    switch (act) {
    case ACT_DOWN: target = sel + 1; break;
    case ACT_UP: target = sel - 1; break;
    case ACT_PAGE_DOWN: target = sel + page; break;
    case ACT_PAGE_UP: target = sel - page; break;
    case ACT_FIRST:
        if (a->more_before)
            load_window(a, c, 0), a->p.sel = a->p.top = 0;
        return;
    case ACT_LAST:
        if (a->more_after)
            load_window(a, c, INT64_MAX);
        return;
    default:
        return;
    }
    if ((target < 0 && !a->more_before) || (target >= (int64_t)a->n && !a->more_after) ||
        (target >= 0 && target < (int64_t)a->n))
        return;
    int64_t seq = a->seqs[sel < (int64_t)a->n ? sel : (int64_t)a->n - 1], on_screen = sel - a->p.top;
    load_window(a, c, seq);
    for (size_t i = 0; i < a->n; i++)
        if (a->seqs[i] == seq)
            a->p.sel = (int64_t)i;
    a->p.top = a->p.sel - on_screen;
}

/* A slice of the chain walk: true when what the status line says changed enough to draw (the
 * end, a mismatch, or progress a fifth of a second after the last drawn). */
static bool verify_slice(audit_view *a, con_state *c)
{
    if (query_verify_done(a->walk) || a->failed)
        return false;
    st_mono end = mono_now() + VERIFY_SLICE_NS;
    st_err e;
    st_err_clear(&e);
    do {
        if (query_verify_step(c->ops, a->walk, 256, &e) != ST_OK) {
            a->failed = true;
            snprintf(a->verify_msg, sizeof a->verify_msg, "%s", e.msg);
        }
    } while (!query_verify_done(a->walk) && !a->failed && mono_now() < end);
    st_mono now = mono_now();
    if (query_verify_done(a->walk) || a->failed || now - a->shown_at >= 200000000LL) {
        a->shown_at = now;
        return true;
    }
    return false;
}

/* Between ticks and keys: the chain walk goes on in slices; true while it does. A mismatch shows
 * the moment it is found. */
static bool idle(view *v, con_state *c)
{
    audit_view *a = v->priv;
    if (verify_slice(a, c))
        v->dirty = true;
    return !query_verify_done(a->walk) && !a->failed;
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
    follow(a, c, act, getmaxy(v->win) - 2);
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
    free(a->seqs);
    query_verify_free(a->walk);
    pager_done(&a->p);
    free(a);
}

static const view_ops audit_ops = {
    .name = "audit", .draw = draw, .key = key, .reload = reload, .destroy = destroy, .idle = idle};

view *view_audit_new(con_state *c, int64_t ticket_id)
{
    audit_view *a = xcalloc(1, sizeof *a);
    pager_init(&a->p);
    a->ticket = a->opened_on = ticket_id;
    load(a, c);
    return view_new(&audit_ops, a);
}
