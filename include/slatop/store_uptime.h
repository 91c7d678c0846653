/* store_uptime: the uptime cache in the database — fetched minutes, which months are complete,
 * and every maintenance window seen (the status page lists only its latest 50), so the panel opens
 * with the last known picture when the monitoring API is down and a past month is fetched once.
 * `source` is the cache key (uptime_source_key / the redacted status page URL). Writes open their
 * own transaction unless one is already open. */
#ifndef SLATOP_STORE_UPTIME_H
#define SLATOP_STORE_UPTIME_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/store.h"
#include "slatop/uptime.h"
#include "slatop/util.h"

/* Stores minutes[i] for minute month_start + 60 i (no-data minutes too, so a later answer can
 * fill them). */
st_code store_uptime_put_minutes(st_store *s, const char *source, st_time month_start,
                                 const uptime_minute *minutes, size_t n, st_err *err);
/* Fills out[0..n) (the caller initialises them) from the cache; *found gets how many minutes were
 * cached. */
st_code store_uptime_get_minutes(st_store *s, const char *source, st_time month_start, uptime_minute *out,
                                 size_t n, size_t *found, st_err *err);
/* Month bookkeeping ("YYYY-MM"). *known false when the month was never fetched. */
st_code store_uptime_month_get(st_store *s, const char *source, const char *month, bool *known,
                               st_time *fetched_at, bool *complete, st_err *err);
st_code store_uptime_month_put(st_store *s, const char *source, const char *month, st_time fetched_at,
                               bool complete, st_err *err);
/* Upserts windows (by id). */
st_code store_uptime_windows_put(st_store *s, const char *source, const uptime_window *w, size_t n,
                                 st_err *err);
/* Every window seen for source, by start. Caller owns *out (uptime_windows_free). */
st_code store_uptime_windows_get(st_store *s, const char *source, uptime_window **out, size_t *n,
                                 st_err *err);

#endif
