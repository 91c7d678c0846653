/* prometheus: the Prometheus HTTP API as plain values — building query_range requests for a
 * month (split at 11,000 points, start aligned to the minute) and parsing their answers into
 * per-minute values (PROMETHEUS.md). Only this file and statuspage.c include cJSON.h here. */
#ifndef SLATOP_PROMETHEUS_H
#define SLATOP_PROMETHEUS_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/uptime.h"
#include "slatop/util.h"

/* Prometheus refuses more than this many points per series in one query_range. */
#define PROM_MAX_POINTS 11000

/* The default per-minute error-ratio expression (SPEC §7). */
#define PROM_DEFAULT_QUERY                                                                                   \
    "sum(increase(http_requests_total{code=\"500\"}[1m])) / "                                                \
    "sum(increase(http_requests_total{code!~\"4..\"}[1m]))"

/* One query_range request: point timestamps first..last inclusive, step 60. The point at T
 * describes the minute [T-60, T), so the minutes covered are [first-60, last). */
typedef struct {
    st_time first, last;
} prom_chunk;

/* Splits the minutes [from, to) (both multiples of 60) into chunks of at most max_points points.
 * Caller owns *out (free). Returns the number of chunks (0 when from >= to). */
size_t prom_chunks(st_time from, st_time to, size_t max_points, prom_chunk **out);

/* The form body "query=...&start=...&end=...&step=60" (percent-encoded). Caller frees. */
char *prom_form_body(const char *query, const prom_chunk *c);

/* Parses one value string with the C locale: "NaN", "+Inf", "-Inf" or a decimal number.
 * Returns false when unparsable. */
bool prom_parse_value(const char *s, double *out);

/* Checks an answer's transport facts before JSON parsing: a body that is not JSON (by content
 * type: text/plain 401, HTML 502 from a proxy) or empty becomes ST_NET "HTTP N: not JSON (TYPE):
 * excerpt" (excerpt sanitised, HTML never quoted). Shared with statuspage. */
st_code prom_check_body(const char *body, size_t len, long http_status, const char *content_type,
                        st_err *err);

/* The parsed answer of one query_range. */
typedef struct {
    size_t n_series; /* series in the result (0: no data at all) */
    bool partial;    /* the answer carried warnings */
    char *warning;   /* the first warning, or NULL; owned */
} prom_result;
void prom_result_done(prom_result *r);

/* Parses a query_range answer body. http_status and content_type (may be NULL) come from the
 * transport: a non-JSON body (text/plain 401, HTML from a proxy) is reported by status and type,
 * a JSON error as "HTTP 400 bad_data: <error>". Values land in minutes[] (indexed from
 * month_start, n_minutes long): a point at T sets minute (T-60-month_start)/60 — "-Inf" and
 * unparsable values become UPTIME_NODATA, points outside the array are ignored. Minutes without
 * a point are left untouched (the caller initialises them to UPTIME_NODATA). More than one series
 * is refused (ST_INVALID: "wrap it in sum()"). Errors: ST_NET for HTTP/API errors, ST_INVALID for
 * malformed JSON. */
st_code prom_parse_query_range(const char *body, size_t len, long http_status, const char *content_type,
                               st_time month_start, uptime_minute *minutes, size_t n_minutes,
                               prom_result *out, st_err *err);

/* The general (cJSON) parser alone, without the fast scanner prom_parse_query_range tries first;
 * same contract. For tests that compare the two paths. */
st_code prom_parse_query_range_cjson(const char *body, size_t len, long http_status, const char *content_type,
                                     st_time month_start, uptime_minute *minutes, size_t n_minutes,
                                     prom_result *out, st_err *err);

#endif
