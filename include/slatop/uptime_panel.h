/* uptime_panel: the dashboard panel's model (SPEC §7 "The console's dashboard panel"), curses-free
 * so it is tested without a terminal. It owns a fetcher and drives it from the console's single
 * thread: uptime_panel_attach registers curl's sockets and timer with the loop's reactor, the
 * loop calls uptime_panel_tick each turn (and wakes for uptime_panel_timeout_ms), and the
 * dashboard view draws uptime_panel_render's lines.
 * It opens with the last known picture from the database cache, polls every poll_s, caches what
 * it fetches, and keeps the last error while fetching fails. */
#ifndef SLATOP_UPTIME_PANEL_H
#define SLATOP_UPTIME_PANEL_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/config.h"
#include "slatop/policy.h"
#include "slatop/reactor.h"
#include "slatop/util.h"

typedef struct st_store st_store;         /* store.h: the panel's readers need not see it */
typedef struct uptime_panel uptime_panel; /* opaque */

/* cfg and store are borrowed and must outlive the panel; statuspage_url/prometheus from cfg (a
 * demo may pass its own cfg). policy (borrowed, read only during the call; NULL: none stored)
 * gives the target, threshold and maintenance windows. Without a monitoring source the panel says
 * so. read_only: never writes the cache. Caller owns *out (uptime_panel_free). Errors: starting
 * the fetcher. */
st_code uptime_panel_new(const st_config *cfg, st_store *store, const st_policy *policy, bool read_only,
                         st_time now, uptime_panel **out, st_err *err);
void uptime_panel_free(uptime_panel *p);

/* Wires the panel's transfers to r (borrowed: attach NULL, or free the panel, before freeing r),
 * so fetching never blocks the loop; until attached, fetches wait. A failure shows as the
 * panel's last error. Nothing without a monitoring source. */
void uptime_panel_attach(uptime_panel *p, reactor *r);
/* Non-blocking: starts a poll when one is due, collects finished transfers, caches them and
 * recomputes. True when what the panel shows changed. */
bool uptime_panel_tick(uptime_panel *p, st_time now);
/* Milliseconds until the panel wants a tick (next poll or minute boundary); >= 0. */
int uptime_panel_timeout_ms(const uptime_panel *p, st_time now);
/* True while a fetch is in flight or its minutes are still being written to the cache. */
bool uptime_panel_busy(const uptime_panel *p);

typedef enum { UPL_NORMAL, UPL_HEADER, UPL_OK, UPL_WARN, UPL_ERROR, UPL_DIM } uptime_line_kind;
typedef struct {
    char *text; /* sanitised, at most `cols` display columns */
    uptime_line_kind kind;
} uptime_line;
/* The panel as lines for a width of cols (>= 20): state, month-to-date against target, budget
 * gauge, burn rates, this month's periods, upcoming maintenance, a per-day strip (block
 * characters, or ASCII when ascii), the age of the data and the last error. Caller owns *out
 * (uptime_lines_free). */
size_t uptime_panel_render(const uptime_panel *p, st_time now, int cols, bool ascii, uptime_line **out);
void uptime_lines_free(uptime_line *l, size_t n);

#endif
