/* clocks_next: the stored next clock and its re-timing (see clocks_next.h). */
#include "slatop/clocks_next.h"

#include <stdint.h>
#include <string.h>

#include "slatop/calendar.h"

void clocks_next_of(const clk_result *r, st_time at, tk_next *out)
{
    memset(out, 0, sizeof *out);
    out->at = at;
    clk_order o = clocks_order(r);
    out->tier = o.tier;
    out->key = o.key;
    out->metric = -1;
    out->due = ST_TIME_NONE;
    if (r->next < 0)
        return;
    const clk_clock *c = &r->clocks[r->next];
    out->metric = (int)c->metric;
    out->cycle = c->cycle;
    out->target_s = c->target_s;
    out->clock = (int)c->clock;
    out->due = c->due;
    out->remaining_s = c->remaining_s;
    /* Hours are re-timed at every instant; only a status pause lasts until the next write. */
    out->paused_by = c->paused_by == CLK_PAUSED_PENDING || c->paused_by == CLK_PAUSED_ON_HOLD
                         ? (int)c->paused_by
                         : (int)CLK_PAUSED_NONE;
}

/* Business (or wall, cal NULL) seconds from a to b: negative when b is before a. */
static int64_t span(const cal_calendar *cal, st_time a, st_time b)
{
    if (!cal)
        return b - a;
    return a <= b ? cal_business_seconds(cal, a, b) : -cal_business_seconds(cal, b, a);
}

bool clocks_next_at(const st_policy *p, const tk_next *n, st_time now, clk_clock *out)
{
    if (n->tier < 0 || n->tier > 1 || n->metric < 0 || n->metric >= POL_METRIC_COUNT)
        return false;
    memset(out, 0, sizeof *out);
    out->metric = (pol_metric)n->metric;
    out->cycle = n->cycle;
    out->target_s = n->target_s;
    out->clock = (pol_clock)n->clock;
    out->started = ST_TIME_NONE;
    out->due = n->due;
    out->stopped = ST_TIME_NONE;
    out->resumes_at = ST_TIME_NONE;
    out->remaining_s = n->remaining_s;
    out->paused_by = (clk_paused_by)n->paused_by;
    if (n->tier == 1) { /* paused by status: remaining stands still; overdue stays breached */
        out->state = n->due != ST_TIME_NONE && now >= n->due ? SLA_BREACHED : SLA_PAUSED;
        out->breached_ever = out->state == SLA_BREACHED;
        return true;
    }
    const cal_calendar *cal = out->clock == POL_CLOCK_BUSINESS ? p->calendar : NULL;
    /* From the remaining time at the write, not from the due: a clock paused by status while
     * overdue keeps its past due, and the pause is not counted (clocks.h). */
    if (n->at != ST_TIME_NONE)
        out->remaining_s = n->remaining_s - span(cal, n->at, now);
    if (cal && !cal_is_business(cal, now)) {
        out->paused_by = CLK_PAUSED_HOURS;
        out->resumes_at = cal_next_open(cal, now);
    }
    out->state = clocks_running_state(p, n->due, out->paused_by, out->remaining_s, n->target_s, now);
    out->breached_ever = out->state == SLA_BREACHED;
    return true;
}

const char *clocks_metric_abbrev(pol_metric m)
{
    switch (m) {
    case POL_METRIC_FIRST_RESPONSE:
        return "FR";
    case POL_METRIC_NEXT_RESPONSE:
        return "NR";
    case POL_METRIC_RESOLUTION:
        return "RES";
    case POL_METRIC_COUNT:
        break;
    }
    return "?";
}
