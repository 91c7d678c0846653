/* view_dash: the dashboard panel slot (`d`), drawing the uptime panel's model (uptime_panel.h:
 * state, month-to-date against target, budget gauge, periods, maintenance, day strip, data age,
 * last error). Without a model (no config, or it failed to open) it says so plainly instead of
 * showing invented numbers. */
#include <stdlib.h>

#include "slatop/view.h"

static ui_element element_of(uptime_line_kind k)
{
    switch (k) {
    case UPL_HEADER:
        return EL_HEADER;
    case UPL_OK:
        return EL_MET;
    case UPL_WARN:
        return EL_WARN;
    case UPL_ERROR:
        return EL_ERROR;
    case UPL_DIM:
        return EL_DIM;
    case UPL_NORMAL:
        break;
    }
    return EL_NORMAL;
}

static void draw(view *v, con_state *c)
{
    WINDOW *w = v->win;
    int cols = getmaxx(w), rows = getmaxy(w);
    werase(w);
    ui_hline(w, 0, 0, cols);
    ui_put(w, 0, 2, " Dashboard (d hides) ", 21, A_BOLD);
    if (!c->panel) {
        ui_put(w, 2, 2, "no monitoring source", cols - 4, ui_attr(EL_WARN));
        if (c->panel_err[0])
            ui_put(w, 3, 2, c->panel_err, cols - 4, ui_attr(EL_ERROR));
        return;
    }
    uptime_line *lines = NULL;
    size_t n = uptime_panel_render(c->panel, c->now, cols - 4 >= 20 ? cols - 4 : 20, c->ascii, &lines);
    for (size_t i = 0; i < n && (int)i + 1 < rows; i++) /* already sanitised; ui_put fits it again */
        ui_put(w, (int)i + 1, 2, lines[i].text, cols - 4, ui_attr(element_of(lines[i].kind)));
    uptime_lines_free(lines, n);
}

static con_effect key(view *v, con_state *c, st_action a, km_key k)
{
    (void)v;
    (void)c;
    (void)a;
    (void)k;
    return con_fx(VR_PASS);
}

/* ticks: the data age and month-to-date move with the clock */
static const view_ops dash_ops = {.name = "dashboard", .ticks = true, .draw = draw, .key = key};

view *view_dash_new(con_state *c)
{
    (void)c;
    return view_new(&dash_ops, NULL);
}
