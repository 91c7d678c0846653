/* Prometheus query_range answers (bodies as Prometheus 2.42 and proxies send them). */
#include <criterion/criterion.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/prometheus.h"

#define MS 1793491200 /* 2026-11-01T00:00:00Z */

static uptime_minute mins[100];

static st_code parse(const char *body, long status, const char *ctype, prom_result *r, st_err *err)
{
    memset(mins, 0, sizeof mins);
    return prom_parse_query_range(body, strlen(body), status, ctype, MS, mins, 100, r, err);
}

Test(prometheus, success_with_special_values_and_fractional_times)
{
    const char *body =
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":["
        "[1793491260,\"0.0011\"],[1793491320,\"NaN\"],[1793491380,\"+Inf\"],[1793491440,\"-Inf\"],"
        "[1793491500.000,\"1e-3\"],[1793491560.4,\"0.05\"],[1793491680,\"bogus\"],[1793491740,\"0,5\"]]}]}}";
    prom_result r;
    st_err err;
    cr_assert_eq(parse(body, 200, "application/json", &r, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(r.n_series, 1);
    cr_assert_not(r.partial);
    cr_assert_eq(mins[0].kind, UPTIME_VALUE);
    cr_assert_float_eq(mins[0].value, 0.0011, 1e-15);
    cr_assert(isnan(mins[1].value));
    cr_assert_eq(mins[1].kind, UPTIME_VALUE);
    cr_assert(isinf(mins[2].value) && mins[2].value > 0);
    cr_assert_eq(mins[3].kind, UPTIME_NODATA); /* -Inf */
    cr_assert_float_eq(mins[4].value, 0.001, 1e-15);
    cr_assert_float_eq(mins[5].value, 0.05, 1e-15); /* fractional timestamp rounds to its minute */
    cr_assert_eq(mins[6].kind, UPTIME_NODATA);      /* missing point */
    cr_assert_eq(mins[7].kind, UPTIME_NODATA);      /* unparsable */
    cr_assert_eq(mins[8].kind, UPTIME_NODATA);      /* comma decimal is not a number */
    prom_result_done(&r);
}

Test(prometheus, numbers_ignore_the_user_locale)
{
    /* Where a comma-decimal locale is installed this proves strtod's locale is not used; where
     * none is, the assertions still pin the C-locale grammar. */
    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8"))
        setlocale(LC_NUMERIC, "fr_FR.UTF-8");
    double v = 0;
    cr_assert(prom_parse_value("0.25", &v));
    cr_assert_float_eq(v, 0.25, 1e-15);
    cr_assert_not(prom_parse_value("inf", &v));
    cr_assert_not(prom_parse_value("0x10", &v));
    cr_assert_not(prom_parse_value("", &v));
    setlocale(LC_NUMERIC, "C");
}

Test(prometheus, empty_result_is_no_data)
{
    prom_result r;
    st_err err;
    cr_assert_eq(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}", 200,
                       "application/json", &r, &err),
                 ST_OK);
    cr_assert_eq(r.n_series, 0);
    cr_assert_eq(mins[0].kind, UPTIME_NODATA);
    prom_result_done(&r);
}

Test(prometheus, warnings_mark_partial)
{
    prom_result r;
    st_err err;
    cr_assert_eq(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]},"
                       "\"warnings\":[\"PromQL info: metric might not be a counter\"]}",
                       200, "application/json", &r, &err),
                 ST_OK);
    cr_assert(r.partial);
    cr_assert_str_eq(r.warning, "PromQL info: metric might not be a counter");
    prom_result_done(&r);
}

Test(prometheus, api_errors_name_status_type_and_message)
{
    prom_result r;
    st_err err;
    cr_assert_eq(
        parse("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"exceeded maximum resolution "
              "of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)\"}",
              400, "application/json", &r, &err),
        ST_NET);
    cr_assert(strstr(err.msg, "HTTP 400 bad_data: exceeded maximum resolution of 11,000 points"), "%s",
              err.msg);
    cr_assert_eq(
        parse("{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"expanding series: boom\"}", 422,
              "application/json", &r, &err),
        ST_NET);
    cr_assert(strstr(err.msg, "HTTP 422 execution: expanding series"), "%s", err.msg);
    cr_assert_eq(
        parse("{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out in expression "
              "evaluation\"}",
              503, "application/json", &r, &err),
        ST_NET);
    cr_assert(strstr(err.msg, "HTTP 503 timeout: query timed out"), "%s", err.msg);
}

Test(prometheus, non_json_bodies_by_content_type)
{
    prom_result r;
    st_err err;
    cr_assert_eq(parse("Unauthorized\n", 401, "text/plain; charset=utf-8", &r, &err), ST_NET);
    cr_assert_str_eq(err.msg, "HTTP 401: not JSON (text/plain; charset=utf-8): Unauthorized");
    cr_assert_eq(parse("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", 502,
                       "text/html", &r, &err),
                 ST_NET);
    cr_assert_str_eq(err.msg, "HTTP 502: not JSON (text/html)");
    cr_assert_eq(parse("{not json", 200, "application/json", &r, &err), ST_INVALID);
    cr_assert_eq(parse("", 200, "application/json", &r, &err), ST_NET);
}

Test(prometheus, wrong_types_and_many_series)
{
    prom_result r;
    st_err err;
    cr_assert_eq(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":"
                       "[[\"x\",1]]}]}}",
                       200, "application/json", &r, &err),
                 ST_INVALID);
    cr_assert(strstr(err.msg, "values[0]"), "%s", err.msg);
    cr_assert_eq(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}", 200,
                       NULL, &r, &err),
                 ST_INVALID);
    cr_assert_eq(
        parse("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[]},"
              "{\"values\":[]}]}}",
              200, NULL, &r, &err),
        ST_INVALID);
    cr_assert(strstr(err.msg, "sum()"), "%s", err.msg);
    cr_assert_eq(parse("[1,2,3]", 200, NULL, &r, &err), ST_INVALID);
}

Test(prometheus, chunks_stay_under_the_point_limit)
{
    prom_chunk *c;
    /* a 30-day month: 43,200 points -> 4 chunks */
    size_t n = prom_chunks(MS, MS + 43200 * 60, PROM_MAX_POINTS, &c);
    cr_assert_eq(n, 4);
    st_time expect = MS + 60;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(c[i].first, expect);
        cr_assert_eq(c[i].first % 60, 0);
        cr_assert_leq((c[i].last - c[i].first) / 60 + 1, PROM_MAX_POINTS);
        expect = c[i].last + 60;
    }
    cr_assert_eq(c[n - 1].last, MS + 43200 * 60);
    char *body = prom_form_body("sum(x{code=\"500\"}) / 2", &c[0]);
    cr_assert_str_eq(
        body, "query=sum%28x%7Bcode%3D%22500%22%7D%29%20%2F%202&start=1793491260&end=1794151200&step=60");
    free(body);
    free(c);
    cr_assert_eq(prom_chunks(MS, MS, PROM_MAX_POINTS, &c), 0);
}
