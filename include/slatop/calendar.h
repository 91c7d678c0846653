/* calendar: business-time arithmetic in a named zone (SPEC §2 "Business time"). Pure once
 * built. An instant is business time when its local date is not a holiday and its local time of
 * day lies in [start, end) of one of that weekday's intervals; computed per constant-offset span,
 * so skipped local times never occur and repeated ones count twice. Cost grows with the calendar
 * days crossed, never with minutes. */
#ifndef SLATOP_CALENDAR_H
#define SLATOP_CALENDAR_H

#include <stdbool.h>

#include "slatop/tz.h"
#include "slatop/util.h"

typedef struct {
    int32_t start; /* seconds after local midnight, 0..86399 */
    int32_t end;   /* start < end <= 86400 (24:00) */
} cal_interval;

typedef struct {
    tz_zone *zone;             /* owned */
    cal_interval *week[7];     /* owned; Monday = 0; sorted, non-overlapping */
    size_t n_week[7];
    int64_t *holidays;         /* owned; sorted local dates as days since 1970-01-01 */
    size_t n_holidays;
} cal_calendar;

void cal_free(cal_calendar *c); /* frees the calendar and everything it owns; NULL is fine */

/* True if the week has any open interval (holidays aside). */
bool cal_has_open_time(const cal_calendar *c);
bool cal_is_business(const cal_calendar *c, st_time t);
/* Business seconds inside [a, b) (0 when b <= a). */
int64_t cal_business_seconds(const cal_calendar *c, st_time a, st_time b);
/* The earliest T >= start such that business time inside [start, T) equals `seconds` (> 0).
 * A target that runs out exactly at closing gives the closing instant. ST_TIME_NONE if the
 * calendar never opens within 100 years. */
st_time cal_add_business(const cal_calendar *c, st_time start, int64_t seconds);
/* The earliest business instant >= t (t itself when open), or ST_TIME_NONE. */
st_time cal_next_open(const cal_calendar *c, st_time t);
/* The first instant > t where business/non-business flips (next opening or closing, including
 * offset changes and holiday boundaries that flip it), or ST_TIME_NONE. */
st_time cal_next_boundary(const cal_calendar *c, st_time t);

#endif
