/* clocks_next: the ticket's next clock (SPEC §8) as a few stored numbers (model.h tk_next), and
 * back to a live clock at any instant. The ops layer stores it on every write, so the list's
 * order is an index walk and a row's countdown is re-timed without reading the ticket's history:
 * between two writes nothing changes the next clock but the passing of time (its due is fixed
 * while it runs; its remaining time stands still while paused by status). Pure. */
#ifndef SLATOP_CLOCKS_NEXT_H
#define SLATOP_CLOCKS_NEXT_H

#include <stdbool.h>

#include "slatop/clocks.h"
#include "slatop/model.h"
#include "slatop/policy.h"

/* The next clock of r (clocks_compute's result at `at`) and its order key (clocks_order) into *out. */
void clocks_next_of(const clk_result *r, st_time at, tk_next *out);

/* The stored next clock n re-timed at now under its policy p: remaining time, state (breached,
 * paused by status or by hours with resumes_at, warn, ok), as clocks_compute would give it at
 * now with no event since the write. False (and *out untouched) when there is none (tier 2, or
 * not computed). */
bool clocks_next_at(const st_policy *p, const tk_next *n, st_time now, clk_clock *out);

/* "FR", "NR", "RES" (the console's column); "?" out of range (static strings). */
const char *clocks_metric_abbrev(pol_metric m);

#endif
