/* uptime: the pure uptime engine (SPEC §2 "Uptime"): per-minute error ratios and maintenance
 * windows in, downtime minutes, periods, uptime %, error budget, burn rates and a projection out.
 * No I/O, no clock: the caller passes `now`. */
#ifndef SLATOP_UPTIME_H
#define SLATOP_UPTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slatop/util.h"

/* What is known about one minute. UPTIME_NODATA: no point from the API, "-Inf" or an unparsable
 * value. UPTIME_VALUE: `value` is the minute's error ratio, possibly NaN (no valid requests: not
 * downtime) or +Inf (errors with no counted requests: downtime). */
typedef enum { UPTIME_NODATA = 0, UPTIME_VALUE = 1 } uptime_kind;

typedef struct {
    double value;
    uptime_kind kind;
} uptime_minute;

/* A maintenance window, from the policy or the status page. Strings owned by whoever built it
 * (uptime_window_done frees them when the window was built with heap strings). */
typedef struct {
    char *id;
    char *name;
    char *status;  /* Statuspage status, or NULL */
    st_time start; /* window is [start, end) */
    st_time end;
    st_time announced; /* ST_TIME_NONE when unknown (then never excluded) */
} uptime_window;
void uptime_window_done(uptime_window *w);
void uptime_windows_free(uptime_window *w, size_t n);

/* The UTC calendar month "YYYY-MM" as [*start, *end). False when malformed. */
bool uptime_month_parse(const char *s, st_time *start, st_time *end);
/* The month containing t as "YYYY-MM" into buf (>= 8 bytes), with its bounds. */
void uptime_month_of(st_time t, char buf[static 8], st_time *start, st_time *end);

/* How many of the latest elapsed minutes may lack data (scrape and ingestion lag) before the
 * current state is unknown. */
#define UPTIME_STATE_FRESH_MINUTES 5

typedef struct {
    st_time month_start, month_end; /* a UTC calendar month [start, end) */
    st_time now;                    /* minutes at or after floor(now) to the minute are not elapsed */
    const uptime_minute *minutes;   /* minutes[i] describes [month_start + 60 i, + 60); borrowed */
    size_t n_minutes;               /* may be short: missing elapsed minutes count as no data */
    bool has_target;
    double target_percent;        /* e.g. 99.9 */
    double threshold;             /* ratio strictly above it is downtime, e.g. 0.05 */
    int notice_days;              /* announcement needed before a window's start */
    const uptime_window *windows; /* borrowed; may overlap; any month */
    size_t n_windows;
    bool partial; /* the API answered with warnings */
} uptime_input;

typedef struct {
    st_time start, end; /* [start, end) */
    int64_t minutes;
    double peak_error_rate; /* may be +Inf */
    bool no_data_before;    /* the minute just before / after is a no-data minute: possible */
    bool no_data_after;     /* downtime the report flags */
} uptime_period;

typedef struct {
    size_t window; /* index into input windows */
    bool has_notice;
    double notice_days;       /* (start - announced) / 86400 */
    bool excluded;            /* announced early enough: its downtime minutes are excluded */
    int64_t excluded_minutes; /* downtime minutes this window excluded */
} uptime_maint;

typedef struct {
    int64_t minutes;           /* minutes in the month */
    int64_t elapsed_minutes;   /* minutes of the month before now (== minutes for a past month) */
    int64_t downtime_minutes;  /* not excluded */
    int64_t excluded_minutes;  /* downtime minutes excluded by maintenance */
    int64_t no_data_minutes;   /* among the elapsed minutes */
    double uptime_percent;     /* SPEC: (minutes in month - downtime) / minutes in month, x 100 */
    double mtd_uptime_percent; /* month to date: (elapsed - downtime) / elapsed (== above when over) */
    bool has_target;
    double target_percent;
    double budget_minutes;      /* (1 - target) * minutes in month */
    double budget_left_minutes; /* budget - downtime (negative when overspent) */
    double burn_rate_1h;        /* downtime fraction of the last 60 elapsed minutes / (1 - target) */
    double burn_rate_6h;
    double projected_uptime_percent; /* month end, at the month-to-date downtime rate */
    bool complete;                   /* month over, no no-data minute, no warnings */
    bool down_now;                   /* the last elapsed minute with data is downtime */
    st_time down_since;              /* start of that run when down_now */
    int64_t data_minutes;            /* elapsed minutes with data (elapsed - no data) */
    /* Whether the current state is known: a minute with data among the last
     * UPTIME_STATE_FRESH_MINUTES elapsed ones. Minutes without data are not "up": when every
     * fetch fails, the state is unknown, not up. */
    bool state_known;
    st_time last_data_end; /* end of the last elapsed minute with data; ST_TIME_NONE when none */
    uptime_period *periods;
    size_t n_periods;
    uptime_maint *maintenance; /* windows overlapping the month, in input order */
    size_t n_maintenance;
} uptime_report;

/* Computes the report. Caller owns out's arrays (uptime_report_done). Errors: ST_INVALID for a
 * malformed input (month bounds not minute-aligned, threshold or target out of range). */
st_code uptime_compute(const uptime_input *in, uptime_report *out, st_err *err);
void uptime_report_done(uptime_report *r);

/* Minute classification used by the engine (exported for the panel): true when a minute with
 * data is downtime under `threshold`. */
bool uptime_is_downtime(const uptime_minute *m, double threshold);

#endif
