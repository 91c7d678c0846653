/* tz: a time zone loaded once from the system's zone database (TZif, RFC 8536, including the
 * POSIX TZ footer rule for instants past the last transition), then plain arithmetic. Several
 * zones live in one process at once; TZ is never changed. */
#ifndef SLATOP_TZ_H
#define SLATOP_TZ_H

#include "slatop/util.h"

typedef struct tz_zone tz_zone; /* opaque, immutable after load */

/* Loads zone `name` (e.g. "Europe/London", "UTC") from $TZDIR or /usr/share/zoneinfo.
 * Refuses names with "..", absolute paths, and files that are not TZif. Caller owns *out
 * (tz_free). Errors: ST_INVALID "unknown time zone 'X'". */
st_code tz_load(const char *name, tz_zone **out, st_err *err);
void tz_free(tz_zone *z);
/* The name it was loaded with (owned by the zone). */
const char *tz_name(const tz_zone *z);

/* UTC offset in seconds in force at instant t; *abbr (if not NULL) gets the abbreviation,
 * owned by the zone. */
int32_t tz_offset_at(const tz_zone *z, st_time t, const char **abbr);
/* The first instant > t at which the offset changes, or ST_TIME_NONE if it never does. */
st_time tz_next_change(const tz_zone *z, st_time t);

/* Local calendar view of an instant. */
typedef struct {
    int64_t days;       /* local date as days since 1970-01-01 */
    int32_t sec_of_day; /* 0..86399 */
    int weekday;        /* 0 = Monday .. 6 = Sunday */
    int32_t offset;     /* seconds east of UTC */
    const char *abbr;   /* owned by the zone */
} tz_local;
void tz_to_local(const tz_zone *z, st_time t, tz_local *out);
/* The instant at which zone z's clocks read `wall` (a local date and time counted as if UTC).
 * In a daylight-saving gap the offset before the change is used (01:30 in a 01:00-02:00 gap is
 * 02:30 after it); in an overlap, the later of the two instants. */
st_time tz_local_to_utc(const tz_zone *z, st_time wall);
/* Parses an ISO 8601 time as time_parse_iso does, except that a time without Z or an offset is
 * read in zone z, as date(1) reads it in $TZ (z NULL: UTC). False when malformed. */
bool tz_parse_iso(const tz_zone *z, const char *s, st_time *out);
/* Formats t in zone z as "YYYY-MM-DD HH:MM:SS ABBR" into buf (>= 40 bytes). Returns buf. */
char *tz_format(const tz_zone *z, st_time t, char *buf, size_t bufsz);

#endif
