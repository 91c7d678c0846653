/* alert_detect: which SLA clocks of the tickets the console's list holds crossed into warn or into
 * breached since the last tick (SPEC §8 "Alerts"). Pure: no I/O, no clock, no terminal. Fed one
 * batch of observations per tick, it reports each crossing exactly once: a (ticket, metric,
 * cycle) clock alerts at most once per state, however often it leaves and re-enters that state
 * (paused overnight, a level lowered then raised), and however the list is reloaded or re-sorted.
 * The first observation of a clock is its baseline and never alerts, so clocks already warn or
 * breached when the console started (or when a ticket first comes into view) stay quiet. */
#ifndef SLATOP_ALERT_DETECT_H
#define SLATOP_ALERT_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "slatop/sla.h"

/* One clock as the list shows it at this tick. */
typedef struct {
    int64_t ticket_id;
    int metric;      /* a pol_metric */
    int cycle;       /* 1, 2, ... (next_response cycles); 1 for the others */
    sla_state state;
} alert_obs;

/* A clock that crossed: obs is the index of its observation in the batch fed. */
typedef struct {
    size_t obs;
    sla_state state; /* SLA_WARN or SLA_BREACHED */
} alert_crossing;

/* How many clocks the detector remembers beyond those in the latest batch: a clock that left the
 * list (scrolled away, filtered out) is forgotten, least recently seen first, only past this, and
 * a forgotten clock seen again is a first observation (quiet). */
#define ALERT_DETECT_MEMORY 4096

typedef struct alert_detector alert_detector; /* opaque */

/* Caller owns the result (alert_detect_free). Aborts only on out-of-memory, as xmalloc does. */
alert_detector *alert_detect_new(void);
void alert_detect_free(alert_detector *d);

/* Feeds the observations of one tick (the same clock twice in one batch counts once). Returns how
 * many clocks crossed and points *out at them, in batch order; *out is owned by the detector and
 * valid until the next call. */
size_t alert_detect_step(alert_detector *d, const alert_obs *obs, size_t n, const alert_crossing **out);

/* Clocks remembered now (for tests of the memory bound). */
size_t alert_detect_remembered(const alert_detector *d);

#endif
