/* view_help: the key help, generated from the one actions table with the keys in force (so a
 * remapping in the config shows here). */
#include <stdlib.h>

#include "slatop/view.h"

typedef struct {
    pager p;
} help;

static void build(help *h, con_state *c)
{
    pager_add(&h->p, EL_HEADER, 0, false,
              "slatop keys (remap in the config: \"keys\": {\"raise\": [\"+\", \"K\"]})");
    pager_add(&h->p, EL_NORMAL, 0, false, "%s", "");
    for (int a = ACT_NONE + 1; a < ACT_COUNT; a++) {
        strbuf keys;
        sb_init(&keys);
        km_keys_of(&c->keys, (st_action)a, &keys);
        pager_add(&h->p, EL_NORMAL, 0, true, "  %-16s %-10s %s", keys.len ? keys.buf : "(unbound)",
                  act_name((st_action)a), act_help((st_action)a));
        sb_done(&keys);
    }
    pager_add(&h->p, EL_NORMAL, 0, false, "%s", "");
    strbuf states;
    sb_init(&states);
    for (int s = 0; s < SLA_STATE_COUNT; s++)
        sb_printf(&states, "%s%s %s", s ? "  " : "", ui_state_symbol(s), sla_state_name((sla_state)s));
    pager_add(&h->p, EL_DIM, 0, false, "States: %s; (b) = breached in its history", states.buf);
    sb_done(&states);
    pager_add(&h->p, EL_DIM, 0, false,
              "Status line: a count with + is still being counted (large lists count between ticks).");
    pager_add(&h->p, EL_DIM, 0, false,
              "In prompts: type, Backspace deletes, C-u clears, Enter accepts, Esc cancels.");
}

static void draw(view *v, con_state *c)
{
    (void)c;
    help *h = v->priv;
    werase(v->win);
    pager_draw(&h->p, v->win, 0, getmaxy(v->win));
}

static con_effect key(view *v, con_state *c, st_action a, km_key k)
{
    (void)c;
    (void)k;
    help *h = v->priv;
    view_result r = pager_key(&h->p, a, getmaxy(v->win));
    if (r != VR_PASS)
        return con_fx(r);
    if (a == ACT_HELP || a == ACT_BACK || a == ACT_QUIT)
        return con_fx(VR_CLOSE);
    return con_fx(view_pass_shared(a));
}

static void destroy(view *v)
{
    help *h = v->priv;
    pager_done(&h->p);
    free(h);
}

static const view_ops help_ops = {.name = "help", .draw = draw, .key = key, .destroy = destroy};

view *view_help_new(con_state *c)
{
    help *h = xcalloc(1, sizeof *h);
    pager_init(&h->p);
    build(h, c);
    return view_new(&help_ops, h);
}
