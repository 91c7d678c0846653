/* sla_internal: the explain ledger's builder, shared by sla.c (one first-response timer) and
 * clocks.c (every clock, with paused stretches between the counted ones). Engine-only. */
#ifndef SLATOP_SLA_INTERNAL_H
#define SLATOP_SLA_INTERNAL_H

#include "slatop/sla.h"

/* A ledger under construction; zero it with closed_from = SIZE_MAX. Owns v and its rules until
 * ledger_finish hands them over. */
typedef struct {
    sla_segment *v;
    size_t n, cap;
    size_t closed_from; /* index of an open run of merged closed pieces, or SIZE_MAX */
} sla_ledger;

/* Appends one segment; takes ownership of rule (may be NULL for a closed piece: finish names it). */
void ledger_push(sla_ledger *l, st_time start, st_time end, sla_seg_kind kind, int64_t counted, char *rule);
/* Appends level-change markers of ev[*k..] with at <= upto; *k walks ev (sorted by at). */
void ledger_markers(sla_ledger *l, const sla_event *ev, size_t n_ev, size_t *k, st_time upto);
/* Appends the pieces of [t, end): counted, closed, holiday and DST for calendar c, or one wall
 * piece per stretch between markers when c is NULL; markers from ev[*k..] inside it. */
void ledger_span(sla_ledger *l, const cal_calendar *c, st_time t, st_time end, const sla_event *ev, size_t n_ev,
                 size_t *k);
/* Names the closed pieces and hands the segments to *out (caller owns: sla_segments_free). */
void ledger_finish(sla_ledger *l, const cal_calendar *c, sla_segment **out, size_t *n_out);

#endif
