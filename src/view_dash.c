/* view_dash: the dashboard panel slot (`d`). The uptime panel (SPEC §7) replaces this view's body;
 * until a monitoring source is wired into the console it says so plainly instead of showing
 * invented numbers. */
#include "slatop/view.h"

static void draw(view *v, con_state *c)
{
    WINDOW *w = v->win;
    int cols = getmaxx(w);
    werase(w);
    ui_hline(w, 0, 0, cols);
    ui_put(w, 0, 2, " Dashboard ", 11, A_BOLD);
    if (c->config && c->config->has_prometheus) {
        ui_put(w, 2, 2, "no monitoring source in this console yet: the uptime panel is not built in", cols - 4,
               ui_attr(EL_WARN));
        /* the URL is not shown: it may carry user:password@ */
        ui_put(w, 3, 2, "monitoring is configured: `slatop uptime` reports it", cols - 4, ui_attr(EL_DIM));
    } else {
        ui_put(w, 2, 2, "no monitoring source", cols - 4, ui_attr(EL_WARN));
        ui_put(w, 3, 2, "configure \"monitoring\" in the config file (SPEC section 7) to see uptime here", cols - 4,
               ui_attr(EL_DIM));
    }
    ui_put(w, 5, 2, "d hides this panel", cols - 4, ui_attr(EL_DIM));
}

static view_result key(view *v, con_state *c, st_action a, km_key k)
{
    (void)v;
    (void)c;
    (void)a;
    (void)k;
    return VR_PASS;
}

static const view_ops dash_ops = {.name = "dashboard", .draw = draw, .key = key};

view *view_dash_new(con_state *c)
{
    (void)c;
    return view_new(&dash_ops, NULL);
}
