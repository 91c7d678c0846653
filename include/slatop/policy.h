/* policy: the policy model (SPEC §6) and its loading and validation. Only the policy parser
 * includes cJSON.h. */
#ifndef SLATOP_POLICY_H
#define SLATOP_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/calendar.h"
#include "slatop/util.h"

typedef enum { POL_CLOCK_24X7, POL_CLOCK_BUSINESS } pol_clock;
typedef enum { POL_CRIT_ALL, POL_CRIT_ANY } pol_crit_mode;
typedef enum { POL_REPRIO_CREATED, POL_REPRIO_CHANGE } pol_reprio;

/* The SLA metrics of SPEC §8, in this order wherever clocks are listed. */
typedef enum {
    POL_METRIC_FIRST_RESPONSE,
    POL_METRIC_NEXT_RESPONSE,
    POL_METRIC_RESOLUTION,
    POL_METRIC_COUNT
} pol_metric;
/* "first_response", "next_response", "resolution"; "?" out of range (static strings). */
const char *policy_metric_name(pol_metric m);

/* A ticket's status (SPEC §8), as pause_on names them. */
typedef enum {
    POL_STATUS_OPEN,
    POL_STATUS_PENDING,
    POL_STATUS_ON_HOLD,
    POL_STATUS_RESOLVED,
    POL_STATUS_COUNT
} pol_status;
/* "open", "pending", "on_hold", "resolved"; "?" out of range (static strings). */
const char *policy_status_name(pol_status s);

/* One metric's target. minutes == 0: the level does not define the metric (no clock). */
typedef struct {
    int64_t minutes;
    pol_clock clock;
} pol_target;

typedef struct {
    char *id;                 /* e.g. "S0", "URGENT" */
    char *label;              /* may be NULL */
    char *description;        /* may be NULL */
    int64_t response_minutes; /* > 0: the first_response target (SPEC §6's pair, or */
    pol_clock clock;          /* targets.first_response, whichever form the file used) */
    /* Per metric (SPEC §8); [POL_METRIC_FIRST_RESPONSE] repeats response_minutes and clock,
     * which stay the first-response target the engine reads (hand-built policies set only
     * those). */
    pol_target targets[POL_METRIC_COUNT];
    char **examples;
    size_t n_examples;
    bool has_criteria;
    pol_crit_mode criteria_mode;
    char **criteria;
    size_t n_criteria;
} pol_level;

typedef struct {
    char *channel;
    char *level; /* a level id of this policy */
} pol_channel;

typedef struct {
    char *id;
    char *name;
    st_time start, end;
    st_time announced; /* ST_TIME_NONE when not given */
} pol_maintenance;

typedef struct {
    bool has_target;
    double target_percent;       /* e.g. 99.9 */
    double error_rate_threshold; /* default 0.05 */
    int notice_days;             /* default 7 */
    pol_maintenance *maintenance;
    size_t n_maintenance;
} pol_uptime;

/* A loaded, validated policy. Everything inside is owned by it; free with policy_free. */
typedef struct {
    char *name;
    char *description;       /* may be NULL */
    pol_level *levels;       /* ordered highest first */
    size_t n_levels;
    cal_calendar *calendar;  /* NULL when the file has no business_hours */
    char *zone_name;         /* business zone name, or NULL */
    double warn_fraction;    /* default 0.25 */
    pol_reprio reprioritize_from;
    /* Per metric, the statuses that pause its clocks: bit (1u << pol_status). Parsed default:
     * pending and on_hold pause resolution, nothing pauses the others. */
    unsigned pause_on[POL_METRIC_COUNT];
    pol_channel *channels;
    size_t n_channels;
    pol_uptime uptime;
} st_policy;

/* Parses and validates policy JSON. `source` names the file in errors, which read
 * "SOURCE: KEY: reason" (KEY a path like levels[2].clock or business_hours.week.mon[0]).
 * Caller owns *out (policy_free). Errors: ST_INVALID. */
st_code policy_parse(const char *text, size_t len, const char *source, st_policy **out, st_err *err);
/* Reads the file and parses it (errors name the path). */
st_code policy_load_file(const char *path, st_policy **out, st_err *err);
void policy_free(st_policy *p);

/* Index of level `id` (exact match), or -1. */
int policy_level_index(const st_policy *p, const char *id);
/* The default level id for a channel, or NULL (owned by the policy). */
const char *policy_channel_level(const st_policy *p, const char *channel);
/* The level a new ticket gets without an explicit level: the channel's default, else the lowest
 * level. *from_channel (may be NULL) tells which (false for an unknown channel or none: a caller
 * may warn that a named channel has no default). Owned by the policy. */
const char *policy_default_level(const st_policy *p, const char *channel, bool *from_channel);
/* Target of a level in seconds. */
int64_t policy_level_target_s(const st_policy *p, size_t level);
/* The level's target for metric m (first_response from response_minutes and clock); false, with
 * *out zeroed, when the level does not define the metric. */
bool policy_level_target(const st_policy *p, size_t level, pol_metric m, pol_target *out);

#endif
