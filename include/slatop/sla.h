/* sla: due time, remaining time, timer state, sticky breach derivation and the explain ledger
 * (SPEC §2). Pure: no I/O, no terminal, no global state. */
#ifndef SLATOP_SLA_H
#define SLATOP_SLA_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/policy.h"
#include "slatop/util.h"

typedef enum { SLA_OK, SLA_WARN, SLA_PAUSED, SLA_BREACHED, SLA_MET, SLA_MISSED } sla_state;
/* "ok", "warn", "paused", "breached", "met", "missed" (static strings). */
const char *sla_state_name(sla_state s);

/* Due time of `level` with its clock starting at `start` (creation, or the change instant under
 * reprioritize_from=change). ST_TIME_NONE only if the calendar never opens. */
st_time sla_due(const st_policy *p, size_t level, st_time start);

/* What the timer of one ticket needs. */
typedef struct {
    size_t level;
    st_time due;            /* due time in force now */
    st_time first_response; /* ST_TIME_NONE when none */
    st_time response_due;   /* due time in force when the first response was recorded */
} sla_input;

typedef struct {
    sla_state state;
    int64_t remaining_s;  /* business (business level) or wall (24x7) seconds in [now, due);
                             negative when overdue: the same measure over [due, now). For met/missed:
                             the margin at first response (due - response, same measure). */
    st_time resumes_at;   /* paused: the next business instant; else ST_TIME_NONE */
} sla_timer;

/* Timer state at `now`, first match wins: met/missed, breached, paused, warn, ok. */
void sla_timer_at(const st_policy *p, const sla_input *in, st_time now, sla_timer *out);

/* One step of a ticket's history, oldest first, for breach derivation and the ledger. */
typedef struct {
    st_time at;
    bool sets_due;        /* created or reprioritized: new_due is in force from `at` */
    st_time new_due;
    bool first_response;  /* the first response was recorded at `at` */
    const char *from_level, *to_level; /* borrowed; for the ledger (may be NULL) */
} sla_event;

/* Sticky breach (SPEC §2): true if at any instant up to `now` the ticket had no first response
 * and the instant was at or past the due time then in force. A change whose new due is already
 * past counts as a breach even if undone the same second. */
bool sla_breached_ever(const sla_event *ev, size_t n, st_time now);

typedef enum {
    SEG_COUNTED,      /* counted business time */
    SEG_WALL,         /* counted 24x7 time */
    SEG_CLOSED,       /* outside business hours */
    SEG_HOLIDAY,      /* a holiday */
    SEG_DST,          /* an offset change (zero-length marker at the instant) */
    SEG_LEVEL_CHANGE, /* a re-prioritization (zero-length marker) */
} sla_seg_kind;
/* "counted", "wall", "closed", "holiday", "dst", "level_change" (static strings). */
const char *sla_seg_kind_name(sla_seg_kind k);

typedef struct {
    st_time start, end;
    sla_seg_kind kind;
    int64_t counted_s;
    char *rule; /* owned: e.g. "Mon 10:00-19:00 Asia/Kolkata", "holiday 2026-01-26" */
} sla_segment;

/* The ledger from `start` to `due` for `level`, with level changes from `ev` (may be NULL)
 * inserted as markers. The counted_s of all segments adds up to the level's target.
 * Caller owns *out (sla_segments_free). */
void sla_explain(const st_policy *p, size_t level, st_time start, st_time due, const sla_event *ev,
                 size_t n_ev, sla_segment **out, size_t *n_out);
void sla_segments_free(sla_segment *s, size_t n);

#endif
