/* statuspage: Statuspage v2 scheduled maintenances (scheduled-maintenances.json and
 * upcoming.json) as maintenance windows. */
#ifndef SLATOP_STATUSPAGE_H
#define SLATOP_STATUSPAGE_H

#include <stddef.h>

#include "slatop/uptime.h"
#include "slatop/util.h"

/* Parses {"scheduled_maintenances":[{id,name,status,scheduled_for,scheduled_until,created_at,...}]}.
 * created_at is the announcement. Entries lacking id or a valid scheduled_for/scheduled_until are
 * refused (ST_INVALID naming scheduled_maintenances[i].KEY). Caller owns *out
 * (uptime_windows_free). http_status/content_type as in prom_parse_query_range. */
st_code statuspage_parse(const char *body, size_t len, long http_status, const char *content_type,
                         uptime_window **out, size_t *n, st_err *err);

#endif
