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

#endif
