/* sla: due time, remaining time, timer state, sticky breach derivation and the explain ledger
 * (SPEC §2). Pure: no I/O, no terminal, no global state. */
#ifndef SLATOP_SLA_H
#define SLATOP_SLA_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/policy.h"
#include "slatop/util.h"

/* The ONE table of timer states (as actions.h is for actions). Each row: enum suffix; the name
 * (command line, JSON, the console's state filter, and the theme element of the same name that
 * the console generates as EL_<suffix>); the symbol in UTF-8 and in ASCII (states read without
 * colour); the position in the console's per-state counts (most urgent first, closed last).
 * A new state is one row here plus where sla_timer_at decides it. */
#define SLA_STATES(X)                                                                              \
    X(OK, "ok", "\xe2\x97\x8f" /* ● */, "o", 3)                                                     \
    X(WARN, "warn", "\xe2\x96\xb2" /* ▲ */, "!", 1)                                                 \
    X(PAUSED, "paused", "\xe2\x80\x96" /* ‖ */, "=", 2)                                             \
    X(BREACHED, "breached", "\xe2\x9c\x96" /* ✖ */, "X", 0)                                         \
    X(MET, "met", "\xe2\x9c\x94" /* ✔ */, "+", 5)                                                   \
    X(MISSED, "missed", "\xe2\x9c\x98" /* ✘ */, "x", 4)

typedef enum {
#define SLA_STATE_ENUM(id, name, symbol, ascii, rank) SLA_##id,
    SLA_STATES(SLA_STATE_ENUM)
#undef SLA_STATE_ENUM
        SLA_STATE_COUNT
} sla_state;
/* The state's name from the table; "?" out of range (static strings). */
const char *sla_state_name(sla_state s);
/* Its symbol from the table, UTF-8 or (ascii) ASCII; "?" out of range (static strings). */
const char *sla_state_symbol(sla_state s, bool ascii);
/* The state shown at position `rank` of per-state summaries (0 = most urgent), by the table's
 * last column; SLA_STATE_COUNT when no state has that position. */
sla_state sla_state_at_rank(int rank);
/* Every name in table order, space-separated, for messages: "ok warn ... missed" (static). */
const char *sla_state_names(void);

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
    SEG_PAUSED,       /* the clock stood still: a status its metric's pause_on lists (clocks.h) */
    SEG_RESOLVED,     /* the resolution clock stood still: the ticket was resolved (clocks.h) */
} sla_seg_kind;
/* "counted", "wall", "closed", "holiday", "dst", "level_change", "paused", "resolved" (static
 * strings). */
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
