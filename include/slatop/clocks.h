/* clocks: every SLA clock of a ticket's whole life (SPEC §8), computed from the policy, the
 * ticket's history and `now`. Pure: no I/O, no global state. Counted time is measured per
 * stretch between events with the calendar's business-time arithmetic, so the cost grows with
 * the events and the calendar days crossed, never with minutes.
 *
 * The clocks: first_response (one cycle, from creation to the first reply or respond, or the
 * resolve that records it); next_response (a cycle armed by the oldest unanswered customer
 * message after the first response, stopped by reply, respond or resolve); resolution (from
 * creation, stopped by resolve, resumed by reopen; time resolved is not counted). A clock also
 * stands still while the ticket's status is one its metric's pause_on lists. */
#ifndef SLATOP_CLOCKS_H
#define SLATOP_CLOCKS_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/policy.h"
#include "slatop/sla.h"
#include "slatop/util.h"

/* One step of a ticket's history, as the audit log and the messages record it. */
typedef enum {
    CLK_EV_CREATED,  /* first event, and only there: the ticket at `level`, status open */
    CLK_EV_LEVEL,    /* re-prioritized to `level` */
    CLK_EV_STATUS,   /* status set to `status`: resolve is RESOLVED, reopen is OPEN from it */
    CLK_EV_CUSTOMER, /* a customer message; on a pending, on_hold or resolved ticket it also
                        sets the status to open, as the store records beside it */
    CLK_EV_REPLY,    /* a public reply */
    CLK_EV_NOTE,     /* an internal note: stops nothing */
    CLK_EV_RESPOND,  /* a response given outside slatop */
} clk_ev_kind;

typedef struct {
    clk_ev_kind kind;
    st_time at;         /* never earlier than the event before it */
    size_t level;       /* CREATED, LEVEL: index into the policy's levels */
    pol_status status;  /* STATUS */
    const char *actor;  /* borrowed, may be NULL: who, for the explain rules */
    const char *reason; /* borrowed, may be NULL */
} clk_event;

/* Why a running clock is not counting now. */
typedef enum { CLK_PAUSED_NONE, CLK_PAUSED_HOURS, CLK_PAUSED_PENDING, CLK_PAUSED_ON_HOLD } clk_paused_by;
/* "none", "hours", "pending", "on_hold" (static strings; JSON writes none as null). */
const char *clocks_paused_by_name(clk_paused_by p);

typedef struct {
    pol_metric metric;
    int cycle;               /* 1, 2, ... (next_response: in arming order) */
    size_t level;            /* the level whose target is in force (at the stop, if stopped) */
    int64_t target_s;
    pol_clock clock;         /* 24x7 or business */
    st_time started;         /* creation, or the arming customer message */
    st_time due;             /* when counted time reaches the target; ST_TIME_NONE while paused
                                by status before reaching it (a clock paused while overdue keeps
                                its past due) */
    int64_t remaining_s;     /* target - counted time up to now (or up to the stop): negative
                                when overdue, in the clock's measure */
    sla_state state;         /* met/missed, breached, paused, warn, ok: first match wins */
    clk_paused_by paused_by; /* running clocks only: the status, else hours (business clock
                                outside business hours), else none */
    st_time resumes_at;      /* paused_by hours: the next business instant; else ST_TIME_NONE */
    st_time stopped;         /* ST_TIME_NONE while running */
    bool breached_ever;      /* sticky: at some instant running and at or past the due then in
                                force (a level change whose due is already past counts) */
} clk_clock;

/* A running clock's state at now, first match wins: breached (now at or past due), paused (by
 * status or hours, or no due), warn (remaining within the policy's warn fraction of the
 * target), ok. */
sla_state clocks_running_state(const st_policy *p, st_time due, clk_paused_by paused_by, int64_t remaining_s,
                               int64_t target_s, st_time now);

/* The clocks of one ticket. Reusable across tickets (clocks_compute overwrites it and keeps its
 * buffers, so a loop over many tickets allocates only while they grow). */
typedef struct {
    clk_clock *clocks;      /* owned: metric order, cycles ascending; a metric the level in
                               force does not define has no clock */
    size_t n;
    int next;               /* index of the ticket's next clock (SPEC §8), or -1 */
    st_time first_response; /* when the first response was recorded (reply, respond, or the
                               resolve that records it), else ST_TIME_NONE */
    pol_status status;      /* the status after the history */
    /* internal scratch, owned */
    size_t cap;
    void *scratch;
} clk_result;

void clocks_result_init(clk_result *r);
void clocks_result_done(clk_result *r); /* frees what it owns; the struct may be reused after init */

/* Computes every clock of the ticket whose history is ev[0..n) (oldest first; events after `now`
 * are ignored). Errors (ST_INVALID, naming the event): no history, a first event that is not
 * CREATED or a later one that is, times going backwards, a level or status out of range. */
st_code clocks_compute(const st_policy *p, const clk_event *ev, size_t n, st_time now, clk_result *out,
                       st_err *err);

/* The list order (SPEC §8 "Order"): tier 0, tickets whose next clock runs and is not paused by
 * status, by its due (ST_TIME_NONE, a calendar that never opens, last); tier 1, every running
 * clock paused by status, by the least remaining time; tier 2, the rest. Ties: the caller's id. */
typedef struct {
    int tier;
    int64_t key;
} clk_order;
clk_order clocks_order(const clk_result *r);
/* <0, 0, >0 as a sorts before, with, after b. */
int clocks_order_cmp(clk_order a, clk_order b);

/* The ledger of one clock (metric m, cycle): from where its measure starts (its start, or the
 * last level change under reprioritize_from=change) to its due (or, with no due, to now; a
 * stopped clock to its stop): counted segments, closed hours, holidays, DST shifts, level
 * changes, and the stretches paused by status or resolved, each with its rule (who, when, why).
 * Caller owns *out (sla_segments_free). Errors: those of clocks_compute; ST_NOTFOUND when the
 * ticket has no such clock. */
st_code clocks_explain(const st_policy *p, const clk_event *ev, size_t n, st_time now, pol_metric m, int cycle,
                       sla_segment **out, size_t *n_out, st_err *err);

#endif
