/* demo_month: the demo's previous calendar month, with known outcomes, so `:report` and
 * `slatop report --month` show something real: four tickets met, one first response missed, one
 * breached and still open at the month's end (answered and resolved as this month starts), one
 * whose resolution clock stood still while pending. Added after today's tickets (ids after
 * theirs), so today's demo is unchanged. Only 24x7 levels, so the outcomes do not depend on the
 * zone the demo picks. */
#include "slatop/demo.h"
#include "slatop/ops.h"
#include "slatop/store.h"
#include "slatop/uptime.h"

typedef struct {
    const char *title, *customer, *level;
    int64_t day, minute;          /* created: days and minutes after the month's start */
    int respond_min, resolve_min; /* minutes after creation; -1: at the next month's start */
    int pending_min, resumes_min; /* pending from/to (minutes after creation); 0: never */
} past_ticket;

static const past_ticket PAST[] = {
    {"Past: webhook retries slow", "Globex Retail", "HIGH", 2, 9 * 60, 45, 300, 0, 0},
    {"Past: sender ID rejected in Spain", "Initech GmbH", "HIGH", 7, 14 * 60, 60, 1200, 0, 0},
    {"Past: API timeouts from one region", "Northwind Telecom", "URGENT", 11, 8 * 60, 10, 180, 0, 0},
    /* URGENT's first response is due in 30 min: answered after 50, missed by 20 */
    {"Past: all traffic to Italy failing", "Wayne Shipping", "URGENT", 14, 10 * 60, 50, 180, 0, 0},
    /* HIGH resolves in 24 h: 1 h counted, 2 days pending, then 3 h: met thanks to the pause */
    {"Past: delivery reports missing", "Umbrella Health", "HIGH", 19, 9 * 60, 30, 3120, 60, 2940},
    /* three hours before the month ends, untouched until it does: both clocks breached and open */
    {"Past: portal login loops", "Acme Corp", "URGENT", -1, 21 * 60, -1, -1, 0, 0},
};

st_code demo_past_month(const char *path, st_time now, st_err *err)
{
    char cur[8], prev[8];
    st_time cur_start, cur_end, start, end;
    uptime_month_of(now, cur, &cur_start, &cur_end);
    uptime_month_of(cur_start - 1, prev, &start, &end);
    st_clock clk;
    clock_freeze(&clk, start);
    st_store *s = NULL;
    st_ops *o = NULL;
    st_code rc = store_open(path, STORE_OPEN_RW, &s, err);
    if (rc == ST_OK)
        rc = ops_new(s, &clk, &o, err);
    for (size_t i = 0; rc == ST_OK && i < sizeof PAST / sizeof PAST[0]; i++) {
        const past_ticket *p = &PAST[i];
        /* day -1: the month's last day */
        st_time created =
            p->day >= 0 ? start + p->day * 86400 + p->minute * 60 : end - 86400 + p->minute * 60;
        clock_freeze(&clk, created);
        ops_new_ticket nt = {.title = p->title, .level = p->level, .customer = p->customer, .channel = "email",
                             .created = created};
        int64_t id = 0;
        rc = ops_add(o, &nt, &id, err);
        if (rc == ST_OK && p->pending_min) {
            clock_freeze(&clk, created + p->respond_min * 60);
            rc = ops_respond(o, id, -1, err);
            clock_freeze(&clk, created + p->pending_min * 60);
            if (rc == ST_OK)
                rc = ops_set_status(o, id, TK_PENDING, "waiting for the customer's logs", -1, err);
            clock_freeze(&clk, created + p->resumes_min * 60);
            if (rc == ST_OK)
                rc = ops_set_status(o, id, TK_OPEN, NULL, -1, err);
        } else if (rc == ST_OK) {
            clock_freeze(&clk, p->respond_min < 0 ? end : created + p->respond_min * 60);
            rc = ops_respond(o, id, -1, err);
        }
        clock_freeze(&clk, p->resolve_min < 0 ? end : created + p->resolve_min * 60);
        if (rc == ST_OK)
            rc = ops_resolve(o, id, -1, err);
    }
    ops_free(o);
    if (s)
        store_close(s);
    return rc;
}
