/* con_alerts: the console's alerts (SPEC §8 "Alerts"): at each tick the clocks of the tickets the
 * list holds go through the crossing detector (alert_detect.h); a batch with a crossing rings
 * the bell once (unless alerts.bell is false), and each crossing starts alerts.command when the
 * configuration names one (alert_spawn.h). Its children are reaped at each tick, and a command
 * that cannot start or fails is shown on the status line. Curses-free. */
#ifndef SLATOP_CON_ALERTS_H
#define SLATOP_CON_ALERTS_H

#include "slatop/console.h"

typedef struct con_alerts con_alerts; /* opaque */

/* One tick, after the list was reloaded or re-timed: creates c->alerts on the first call (whose
 * clocks are the baseline: nothing alerts), detects, rings, starts and reaps. Never waits. */
void con_alerts_tick(con_state *c);
/* Frees a (NULL: nothing); running commands are left to finish on their own. */
void con_alerts_free(con_alerts *a);

#endif
