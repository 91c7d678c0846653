/* uptime_source: fetching one month of per-minute error ratios (and the status page's maintenance
 * windows) from the configured monitoring source, on a fetcher — asynchronously for the console,
 * or to completion for the command line.
 *
 * Sources. http(s)://HOST[:PORT][/PREFIX]: POST PREFIX/api/v1/query_range, the month's elapsed
 * minutes split into requests of at most 11,000 points, step 60, start aligned to the minute.
 * file://DIR: the same query_range JSON read from DIR/YYYY-MM.json (one answer covering the
 * month; points past `now` are ignored) — what the demo writes. The status page URL (http(s) or
 * file://) is fetched as is: a scheduled-maintenances.json body. */
#ifndef SLATOP_UPTIME_SOURCE_H
#define SLATOP_UPTIME_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/config.h"
#include "slatop/fetcher.h"
#include "slatop/policy.h"
#include "slatop/store.h"
#include "slatop/uptime.h"
#include "slatop/util.h"

typedef struct uptime_job uptime_job; /* opaque: one month being fetched */

/* The cache key of a Prometheus source: its redacted URL and query. Caller frees. */
char *uptime_source_key(const cfg_prometheus *p);

/* Queues the transfers for the minutes of [month_start, month_end) elapsed before now, plus the
 * status page (statuspage_url may be NULL). Secrets are loaded here (fetch_auth_load errors).
 * Caller owns *out (uptime_job_free); the fetcher must outlive it. */
st_code uptime_job_start(fetcher *f, const cfg_prometheus *p, const char *statuspage_url, st_time month_start,
                         st_time month_end, st_time now, uptime_job **out, st_err *err);
/* Same, fetching only the minutes from `from` (clamped to the month; minutes before it stay
 * UPTIME_NODATA in the result): the panel's incremental polls. file:// sources read the whole
 * month's file anyway. */
st_code uptime_job_start_from(fetcher *f, const cfg_prometheus *p, const char *statuspage_url,
                              st_time month_start, st_time month_end, st_time from, st_time now,
                              uptime_job **out, st_err *err);
/* The first minute this job fetched. */
st_time uptime_job_from(const uptime_job *j);
/* Offers a finished transfer: true when it belonged to this job (then the job took its contents
 * and r is emptied), false to leave it to someone else. */
bool uptime_job_offer(uptime_job *j, fetch_result *r);
/* True when every transfer of the job has been offered back. */
bool uptime_job_done(const uptime_job *j);
/* The result once done. minutes (borrowed, valid until uptime_job_free) covers the elapsed
 * minutes from month_start; windows are moved to the caller (uptime_windows_free; NULL when no
 * status page). The first error (one line naming the redacted URL) is returned: a Prometheus error
 * fails the job; a status page error is reported in *statuspage_err and leaves windows empty. */
st_code uptime_job_result(uptime_job *j, const uptime_minute **minutes, size_t *n_minutes, bool *partial,
                          uptime_window **windows, size_t *n_windows, st_err *statuspage_err, st_err *err);
void uptime_job_free(uptime_job *j);

/* The uptime settings of a policy, normally the database's latest (NULL: the defaults, no target,
 * threshold 0.05, notice 7 days), with copies of its maintenance windows. Pure: the caller gets
 * the policy from ops_policy, whose parsed copy the console's list uses too. Owned: _done. */
typedef struct {
    bool has_target;
    double target_percent;
    double threshold;
    int notice_days;
    uptime_window *windows;
    size_t n_windows;
} uptime_settings;
void uptime_settings_of(const st_policy *p, uptime_settings *out);
void uptime_settings_done(uptime_settings *u);

/* Caches a fetched month, minutes[0..n) (minutes[i] is minute month_start + 60 i), one day of
 * minutes per call and per transaction: from *from on, which moves to the slice's end. A whole
 * month in one transaction held the write lock long enough (~0.25 s) to stop the clocks of the
 * consoles sharing the database; the console saves a slice per turn of its loop, the command line
 * calls until *last. The call that reaches n (*last; the first, with no minutes) writes the month
 * record (complete when the month is over, the n minutes cover it all with data, and there were
 * no warnings) and the status page windows (sp_key may be NULL); earlier slices record the month
 * as incomplete. On failure nothing of the slice is written and *from stays. */
#define UPTIME_CACHE_SLICE_MINUTES 1440
st_code uptime_cache_save_next(st_store *s, const char *key, const char *sp_key, st_time month_start,
                               st_time month_end, st_time now, const uptime_minute *minutes, size_t n,
                               size_t *from, bool partial, const uptime_window *sp, size_t n_sp, bool *last,
                               st_err *err);

/* All maintenance windows to judge a month by: the policy's, every status page window cached
 * under sp_key (may be NULL), and `fresh` ones not cached (a read-only database). Caller owns
 * *out (uptime_windows_free). */
st_code uptime_windows_collect(st_store *s, const uptime_settings *u, const char *sp_key,
                               const uptime_window *fresh, size_t n_fresh, uptime_window **out, size_t *n,
                               st_err *err);

#endif
