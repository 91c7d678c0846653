/* alerts: the list's clocks to the crossing detector, the bell and alerts.command
 * (con_alerts.h). The clocks fed are those each list row carries: its first-response timer and
 * its next clock (feed_row). */
#include <stdio.h>
#include <stdlib.h>

#include "slatop/alert_detect.h"
#include "slatop/alert_spawn.h"
#include "slatop/con_alerts.h"
#include "slatop/ui.h"

struct con_alerts {
    alert_detector *detect;
    alert_runner *run; /* NULL: no alerts.command */
    bool bell;
    alert_obs *obs;          /* this tick's observations */
    const ops_view **rows;   /* the row of each observation */
    size_t n_obs, cap_obs;
};

static con_alerts *alerts_new(const st_config *config)
{
    con_alerts *a = xcalloc(1, sizeof *a);
    a->detect = alert_detect_new();
    a->bell = config ? config->alerts_bell : true;
    if (config && config->alerts_command)
        a->run = alert_runner_new(config->alerts_command);
    return a;
}

void con_alerts_free(con_alerts *a)
{
    if (!a)
        return;
    alert_detect_free(a->detect);
    alert_runner_free(a->run);
    free(a->obs);
    free(a->rows);
    free(a);
}

static void add_obs(con_alerts *a, const ops_view *v, pol_metric m, int cycle, sla_state s)
{
    if (a->n_obs == a->cap_obs) {
        a->cap_obs = a->cap_obs ? a->cap_obs * 2 : 64;
        a->obs = xrealloc(a->obs, a->cap_obs * sizeof *a->obs);
        a->rows = xrealloc(a->rows, a->cap_obs * sizeof *a->rows);
    }
    a->obs[a->n_obs] = (alert_obs){v->t.id, (int)m, cycle, s};
    a->rows[a->n_obs++] = v;
}

/* Every clock a list row carries. */
static void feed_row(con_alerts *a, const ops_view *v)
{
    add_obs(a, v, POL_METRIC_FIRST_RESPONSE, 1, v->timer.state);
    /* The row's next clock (SPEC §8), re-timed each second: a next-reply cycle or the resolution
     * clock crossing alerts too. The first response is already watched above. */
    if (v->has_next && v->next.metric != POL_METRIC_FIRST_RESPONSE)
        add_obs(a, v, v->next.metric, v->next.cycle, v->next.state);
}

static void say(con_state *c, const char *msg)
{
    snprintf(c->msg, sizeof c->msg, "%.*s", (int)sizeof c->msg - 1, msg); /* the tail may go */
    c->msg_error = true;
    ui_status_changed();
}

static void run_command(con_state *c, con_alerts *a, const alert_crossing *x)
{
    const ops_view *v = a->rows[x->obs];
    const char *level = v->policy && v->level_index < v->policy->n_levels ? v->policy->levels[v->level_index].id
                                                                           : "?";
    alert_event ev = {v->t.id, level, policy_metric_name((pol_metric)a->obs[x->obs].metric),
                      sla_state_name(x->state), v->t.title};
    st_err e;
    st_err_clear(&e);
    if (alert_runner_start(a->run, &ev, &e) != ST_OK)
        say(c, e.msg);
}

void con_alerts_tick(con_state *c)
{
    if (!c->alerts)
        c->alerts = alerts_new(c->config);
    con_alerts *a = c->alerts;
    st_err e;
    st_err_clear(&e);
    if (a->run && alert_runner_reap(a->run, &e) > 0)
        say(c, e.msg);
    a->n_obs = 0;
    for (size_t i = 0; i < lm_n_rows(c->list); i++)
        feed_row(a, lm_row(c->list, i));
    const alert_crossing *x;
    size_t n = alert_detect_step(a->detect, a->obs, a->n_obs, &x);
    if (n > 0 && a->bell)
        ui_bell(); /* once per batch: several clocks crossing in one second ring once */
    for (size_t i = 0; a->run && i < n; i++)
        run_command(c, a, &x[i]);
}
