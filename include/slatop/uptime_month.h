/* uptime_month: a calendar month's uptime from the configured monitoring source (SPEC §7), fetched
 * to completion (a past month cached complete is read from the cache instead) and computed under
 * the latest policy. Shared by `slatop uptime`, `slatop report` and the console's `:report` view,
 * so all three say the same figures, or the same reason there are none. Blocking: the console calls
 * it in the child process that computes its report, never on the loop. */
#ifndef SLATOP_UPTIME_MONTH_H
#define SLATOP_UPTIME_MONTH_H

#include <stdbool.h>

#include "slatop/config.h"
#include "slatop/ops.h"
#include "slatop/query.h"
#include "slatop/util.h"

typedef struct uptime_month_state uptime_month_state; /* opaque: the connection and fetch */

typedef struct {
    query_uptime u;     /* the report and the windows its maintenance refers to */
    char *source;       /* owned: the source's URL, redacted */
    st_time fetched_at; /* when the figures were fetched (a cached month: when it was cached) */
    bool partial;       /* the monitoring API answered with warnings */
    /* Problems that did not stop the figures (code ST_OK when none): the status page could not be
     * read (cached windows used); what was fetched could not be cached. Untrusted text. */
    st_err status_page_warning;
    st_err cache_warning;
    uptime_month_state *state; /* owned */
} uptime_month;

/* The uptime of `month` ([ms, me), its "YYYY-MM" name) as of clock's now, read from the database at
 * db_path (opened read-only when read_only, which then caches nothing) and fetched from cfg's
 * monitoring source. Caller owns *out (uptime_month_done) when ST_OK. Errors: ST_INVALID "no
 * monitoring source configured (config: monitoring.prometheus.url)" (cfg NULL or without one),
 * ST_INVALID for a month not started, the store's, the fetch's (naming the redacted URL). */
st_code uptime_month_get(const char *db_path, bool read_only, const st_config *cfg, const st_clock *clock,
                         const char *month, st_time ms, st_time me, uptime_month *out, st_err *err);
/* The same, read-only, on a new connection to o's database, never touching o's own (for the
 * console's child process, which must not use a connection it inherited; nothing is cached). */
st_code uptime_month_get_fresh(st_ops *o, const st_config *cfg, const st_clock *clock, const char *month,
                               st_time ms, st_time me, uptime_month *out, st_err *err);
void uptime_month_done(uptime_month *m);

#endif
