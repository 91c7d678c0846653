/* reactor: the console's one-thread event loop core, modelled on redis ae.c. File events
 * (a descriptor, readable and/or writable, a callback and its data) and one-shot timers on the
 * monotonic clock (st_mono); reactor_wait_once sleeps until the earliest timer falls due or a
 * descriptor is ready, then dispatches. Callbacks may add or delete any event, their own
 * included: a deleted descriptor is not dispatched again in the same turn, a deleted timer never
 * fires. Curses-free and pure POSIX (poll(2)). */
#ifndef SLATOP_REACTOR_H
#define SLATOP_REACTOR_H

#include <stdint.h>

#include "slatop/util.h"

typedef struct reactor reactor; /* opaque */

enum { REACTOR_READABLE = 1, REACTOR_WRITABLE = 2 };

/* mask: what is ready (REACTOR_READABLE and/or REACTOR_WRITABLE; a hang-up or error counts as
 * whatever was asked for, so the owner's read or write sees it). */
typedef void reactor_file_fn(reactor *r, int fd, int mask, void *data);
/* A timer fires once; to repeat, the callback adds a new one. */
typedef void reactor_timer_fn(reactor *r, int64_t id, void *data);

/* Caller owns the result (reactor_free). Never fails but on out-of-memory, which aborts. */
reactor *reactor_new(void);
/* Forgets every event; descriptors stay their owners' (never closed here). */
void reactor_free(reactor *r);

/* Watches fd for mask (replacing what was watched before; 0 = stop watching) and calls fn with
 * data (borrowed) when it is ready. ST_USAGE for a negative fd or an unknown mask bit. */
st_code reactor_watch(reactor *r, int fd, int mask, reactor_file_fn *fn, void *data, st_err *err);
/* Stops watching fd; nothing when it was not watched. */
void reactor_unwatch(reactor *r, int fd);

/* Calls fn(data) once at monotonic time `when` (or at the first wait after it). Returns the
 * timer's id, > 0. */
int64_t reactor_timer_add(reactor *r, st_mono when, reactor_timer_fn *fn, void *data);
/* Same, ms milliseconds from now (ms < 0 counts as 0). */
int64_t reactor_timer_in(reactor *r, int ms, reactor_timer_fn *fn, void *data);
/* Deletes a timer that has not fired; nothing for 0, an unknown id or one already fired. */
void reactor_timer_del(reactor *r, int64_t id);

/* Waits until the earliest timer falls due, a watched descriptor is ready, a signal arrives or
 * max_ms passes (-1: no limit), then dispatches ready descriptors and due timers (earliest
 * first; timers added by callbacks wait for the next call). With no timer, no descriptor and no
 * limit it returns at once, since nothing could end the wait. *dispatched (may be NULL) gets how
 * many callbacks ran. ST_IO when poll(2) fails (not for EINTR). */
st_code reactor_wait_once(reactor *r, int max_ms, int *dispatched, st_err *err);

#endif
