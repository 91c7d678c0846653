/* report: the monthly SLA compliance report (SPEC §9), computed ticket by ticket from each
 * ticket's history replayed as of the period's end. Pure: no I/O; the caller feeds tickets (the
 * service streams them from the audit log) and renders the result.
 *
 * Scope: a clock cycle belongs to the period when it stopped in [from, to) (met, or missed: it
 * stopped after its due, or was ever breached, as breaches are sticky), or when it is still
 * running at `to` and breached then (breached_open). A cycle's level is the level in force at its
 * stop (or at `to`). */
#ifndef SLATOP_REPORT_H
#define SLATOP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slatop/clocks.h"
#include "slatop/policy.h"
#include "slatop/util.h"

/* One level change that shaped a breached cycle. Strings owned (NULL when absent). */
typedef struct {
    st_time at;
    char *actor, *from_level, *to_level, *reason;
} rpt_level_change;

/* One stretch in which a breached cycle's clock stood still by status. Strings owned. */
typedef struct {
    st_time from;
    st_time to;        /* ST_TIME_NONE: still paused at the cycle's stop or the period's end */
    pol_status status; /* pending, on_hold, or resolved (resolution, between resolve and reopen) */
    char *actor, *reason;
} rpt_pause;

typedef struct {
    int64_t ticket_id;
    char *title, *customer; /* owned; customer may be NULL */
    pol_metric metric;
    int cycle;
    char *level;     /* owned: the level in force at the stop (or the period's end) */
    st_time due;     /* ST_TIME_NONE when none (a lowered level whose due is not reached) */
    st_time stopped; /* ST_TIME_NONE while open at the period's end */
    int64_t over_s;  /* past the due, in the clock's measure, to the stop or the period's end (>= 0) */
    rpt_level_change *changes; /* owned */
    size_t n_changes;
    rpt_pause *pauses; /* owned */
    size_t n_pauses;
    size_t ord; /* internal: the order it was made in (ties of ticket_id keep it) */
} rpt_breach;

typedef struct {
    pol_metric metric;
    char *level; /* owned */
    int64_t target_s;
    pol_clock clock;
    int64_t met, missed, breached_open;
    bool has_percent; /* false: no cycle counted (JSON null) */
    double compliance_percent;
    bool has_times;                 /* false: no cycle stopped in the period (JSON null) */
    int64_t median_s, p90_s, max_s; /* counted time of the cycles stopped, nearest rank */
    /* internal: the counted times */
    int64_t *times;
    size_t n_times, cap_times;
    int64_t version; /* internal: the lowest policy version with this row, and its level's index */
    size_t level_ix;
} rpt_row;

typedef struct {
    int64_t met, missed, breached_open;
    bool has_percent;
    double compliance_percent;
} rpt_total;

typedef struct {
    st_time from, to;
    rpt_row *rows; /* owned: metric order, then the order their policy lists the levels */
    size_t n_rows, cap_rows;
    rpt_total totals[POL_METRIC_COUNT];
    rpt_breach *breaches; /* owned: by ticket id, then the order of its clocks */
    size_t n_breaches, cap_breaches;
    int64_t *policy_versions; /* owned, ascending: the versions whose tickets appear */
    size_t n_versions;
    /* Optional sink (report_set_sink): each breach handed over as made, then freed, not kept */
    st_code (*sink)(void *ctx, const rpt_breach *b, st_err *err);
    void *sink_ctx;
    /* internal scratch */
    clk_result clk;
    const st_policy *seeded_p;
    size_t *row_of; /* seeded_p's level x metric -> row index + 1 (0: none) */
    size_t cap_row_of;
} rpt_report;

/* Starts an empty report for [from, to). Free with report_done. */
void report_init(rpt_report *r, st_time from, st_time to);
void report_done(rpt_report *r);

/* What the report says of a ticket beside its clocks; borrowed. */
typedef struct {
    int64_t id;
    const char *title;
    const char *customer; /* may be NULL */
    int64_t policy_version;
} rpt_ticket;

/* Streams the breaches instead of keeping them: each is passed to fn as soon as its ticket is
 * added (borrowed for the call), in the order the tickets are added, and the report then keeps
 * neither breaches nor counted times (its percentiles stay null), so its memory stays constant.
 * An error fn returns is report_add_ticket's. Call before adding tickets. */
void report_set_sink(rpt_report *r, st_code (*fn)(void *ctx, const rpt_breach *b, st_err *err), void *ctx);

/* Adds one ticket, in any order of tickets (report_finish orders what they made): its history
 * ev[0..n) (clocks.h's events; those at or after `to` must already be left out) under policy p,
 * which must stay alive until report_done. Errors: clocks_compute's, naming the ticket; the
 * sink's. */
st_code report_add_ticket(rpt_report *r, const st_policy *p, const rpt_ticket *t, const clk_event *ev,
                          size_t n, st_err *err);

/* Computes the percentages and percentiles once every ticket is added. */
void report_finish(rpt_report *r);

#endif
