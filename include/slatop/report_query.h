/* report_query: the SLA compliance report of a period (SPEC §9) read from the database: every
 * ticket's audit history, streamed one ticket at a time and replayed as of the period's end under
 * its policy version, fed to the report engine (report.h). Nothing is read from the tickets'
 * current state but what never changes after creation (creation time, title, customer, policy
 * version), so a past month's report stays the same when its tickets change later. */
#ifndef SLATOP_REPORT_QUERY_H
#define SLATOP_REPORT_QUERY_H

#include "slatop/ops.h"
#include "slatop/report.h"
#include "slatop/util.h"

/* The report of [from, to). Caller owns *out (report_done), which borrows o's cached policies: o
 * must outlive it. Errors: the store's, a policy version that cannot be read, a history the clocks
 * cannot replay (naming the ticket). */
st_code report_query_period(st_ops *o, st_time from, st_time to, rpt_report *out, st_err *err);

/* The breaches of [from, to) alone, each passed to fn (borrowed for the call) as soon as it is
 * computed, in the report's order (by ticket id, then the ticket's clocks), in constant memory:
 * the histories are read one ticket at a time by id. Errors: report_query_period's, and fn's. */
st_code report_query_breaches(st_ops *o, st_time from, st_time to,
                              st_code (*fn)(void *ctx, const rpt_breach *b, st_err *err), void *ctx, st_err *err);

/* The same on a new read-only connection to o's database, never touching o's own (for a child
 * process, which must not use a connection it inherited): calls fn with the report, which is freed
 * when fn returns. Errors: opening the database, and report_query_period's. */
typedef void report_fn(const rpt_report *r, void *ctx);
st_code report_query_fresh(st_ops *o, const st_clock *clock, st_time from, st_time to, report_fn *fn, void *ctx,
                           st_err *err);

#endif
