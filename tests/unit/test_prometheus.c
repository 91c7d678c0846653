/* Prometheus query_range answers (bodies as Prometheus 2.42 and proxies send them). */
#define _GNU_SOURCE /* strtod_l, newlocale: the reference for exact value parsing */
#include <criterion/criterion.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
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

/* --- the fast scanner against the general (cJSON) parser --------------------------------------- */

#define NMIN 400

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

static void ws(char *b, size_t *n)
{
    static const char sp[] = " \t\n\r";
    if (rnd(4) == 0)
        for (unsigned k = rnd(3) + 1; k > 0; k--)
            b[(*n)++] = sp[rnd(4)];
}

static void put(char *b, size_t *n, const char *s)
{
    size_t l = strlen(s);
    memcpy(b + *n, s, l);
    *n += l;
}

static void gen_value(char *v, size_t cap)
{
    static const char *const fixed[] = {"0", "NaN", "+Inf", "-Inf", "Inf", "bogus", "0,5", "1e400", "-0", ".5",
                                        "5.", "1e-3", "+1", "1e", "", "0.009900990099009901", "nan", "0x10",
                                        "1.7976931348623157e308", "4.9e-324", "123456789012345678901234"};
    switch (rnd(5)) {
    case 0:
        snprintf(v, cap, "%s", fixed[rnd(sizeof fixed / sizeof *fixed)]);
        break;
    case 1:
        snprintf(v, cap, "%.17g", (double)rnd(1000000) / (double)(rnd(999) + 1));
        break;
    case 2:
        snprintf(v, cap, "%.*f", (int)rnd(20), (double)rnd(100000) / 997.0);
        break;
    case 3:
        snprintf(v, cap, "%ue%d", rnd(100000), (int)rnd(60) - 30);
        break;
    default:
        snprintf(v, cap, "%u", rnd(3));
        break;
    }
}

static void gen_time(char *t, size_t cap, long long ts)
{
    switch (rnd(8)) {
    case 0:
        snprintf(t, cap, "%lld.%03u", ts - 1, rnd(1000));
        break;
    case 1:
        snprintf(t, cap, "%.9e", (double)ts);
        break;
    case 2:
        snprintf(t, cap, "%lld.5", ts - 1);
        break;
    case 3:
        snprintf(t, cap, "-%lld", ts);
        break;
    default:
        snprintf(t, cap, "%lld", ts);
        break;
    }
}

/* A success answer with random values, times, whitespace, labels and extra keys. */
static size_t gen_body(char *b)
{
    static const char *const labels[] = {"{}", "{\"__name__\":\"up\"}", "{\"job\":\"a\\\"b\\\\c\\/d\\n\\t\"}",
                                         "{\"x\":\"\\u00e9\\u20AC\"}", "{\"x\":\"\\ud83d\\ude00\"}",
                                         "{\"n\":[1,-2.5e3,true,false,null,{\"a\":[]}]}"};
    size_t n = 0;
    ws(b, &n);
    put(b, &n, "{");
    ws(b, &n);
    if (rnd(6) == 0)
        put(b, &n, "\"stats\":{\"timings\":{\"evalTotalTime\":0.001}},");
    put(b, &n, "\"status\"");
    ws(b, &n);
    put(b, &n, ":");
    ws(b, &n);
    put(b, &n, rnd(20) == 0 ? "\"error\"," : "\"success\",");
    ws(b, &n);
    if (rnd(20) == 0)
        put(b, &n, "\"warnings\":[\"w1\",\"w2\"],");
    put(b, &n, "\"data\":");
    ws(b, &n);
    put(b, &n, "{\"resultType\":");
    put(b, &n, rnd(30) == 0 ? "\"vector\"" : "\"matrix\"");
    put(b, &n, ",\"result\":[");
    ws(b, &n);
    unsigned series = rnd(20) == 0 ? 2 : rnd(15) == 0 ? 0 : 1;
    for (unsigned s = 0; s < series; s++) {
        if (s)
            put(b, &n, ",");
        put(b, &n, "{\"metric\":");
        put(b, &n, labels[rnd(sizeof labels / sizeof *labels)]);
        put(b, &n, ",");
        ws(b, &n);
        put(b, &n, "\"values\":");
        ws(b, &n);
        put(b, &n, "[");
        unsigned points = rnd(60);
        for (unsigned i = 0; i < points; i++) {
            char t[64], v[64];
            long long ts = (long long)MS + 60 * (long long)(rnd(NMIN + 20)) - 600;
            gen_time(t, sizeof t, ts);
            gen_value(v, sizeof v);
            if (i)
                put(b, &n, ",");
            ws(b, &n);
            put(b, &n, "[");
            ws(b, &n);
            put(b, &n, t);
            ws(b, &n);
            put(b, &n, ",");
            ws(b, &n);
            put(b, &n, "\"");
            put(b, &n, v);
            put(b, &n, "\"");
            ws(b, &n);
            put(b, &n, "]");
        }
        ws(b, &n);
        put(b, &n, "]}");
    }
    put(b, &n, "]}");
    ws(b, &n);
    put(b, &n, "}");
    ws(b, &n);
    return n;
}

static void compare_paths(const char *body, size_t len, long status)
{
    static uptime_minute a[NMIN], c[NMIN];
    memset(a, 0, sizeof a);
    memset(c, 0, sizeof c);
    for (size_t i = 0; i < NMIN; i++)
        a[i].kind = c[i].kind = UPTIME_NODATA;
    prom_result ra, rc;
    st_err ea, ec;
    st_err_clear(&ea);
    st_err_clear(&ec);
    st_code ca = prom_parse_query_range(body, len, status, "application/json", MS, a, NMIN, &ra, &ea);
    st_code cc = prom_parse_query_range_cjson(body, len, status, "application/json", MS, c, NMIN, &rc, &ec);
    cr_assert_eq(ca, cc, "%.*s", (int)len, body);
    if (ca != ST_OK)
        cr_assert_str_eq(ea.msg, ec.msg);
    cr_assert_eq(ra.n_series, rc.n_series);
    cr_assert_eq(ra.partial, rc.partial);
    cr_assert((ra.warning == NULL) == (rc.warning == NULL));
    if (ra.warning)
        cr_assert_str_eq(ra.warning, rc.warning);
    for (size_t i = 0; i < NMIN; i++) {
        cr_assert_eq(a[i].kind, c[i].kind, "minute %zu of %.*s", i, (int)len, body);
        cr_assert_eq(memcmp(&a[i].value, &c[i].value, sizeof(double)), 0, "minute %zu: %.17g vs %.17g in %.*s",
                     i, a[i].value, c[i].value, (int)len, body);
    }
    prom_result_done(&ra);
    prom_result_done(&rc);
}

Test(prometheus, fast_path_equals_cjson_on_generated_answers)
{
    static char body[16384];
    for (int k = 0; k < 3000; k++) {
        size_t n = gen_body(body);
        cr_assert_lt(n, sizeof body);
        compare_paths(body, n, rnd(10) == 0 ? 400 : 200);
    }
}

Test(prometheus, fast_path_equals_cjson_on_damaged_answers)
{
    /* Malformed JSON, truncations and stray bytes must be refused (or read) exactly as before. */
    static const char junk[] = "{}[]\",:\\ \x01tfn-0.eE+u";
    static char body[16384];
    for (int k = 0; k < 3000; k++) {
        size_t n = gen_body(body);
        unsigned edits = rnd(3) + 1;
        for (unsigned e = 0; e < edits && n > 0; e++) {
            size_t at = rnd((unsigned)n);
            switch (rnd(3)) {
            case 0:
                body[at] = junk[rnd(sizeof junk - 1)];
                break;
            case 1:
                memmove(body + at, body + at + 1, n - at - 1);
                n--;
                break;
            default:
                n = at; /* truncated */
                break;
            }
        }
        if (n > 0)
            compare_paths(body, n, 200);
    }
}

Test(prometheus, fixed_edge_answers_match_cjson)
{
    static const char *const bodies[] = {
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}} trailing",
        "\xEF\xBB\xBF{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}",
        "{\"status\":\"success\",\"status\":\"error\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}",
        "{\"st\\u0061tus\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[[1793491260,\"1\","
        "3]]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[[1793491260,"
        "\"0\\u002e5\"]]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[[1793491260,\"1\"]],"
        "\"values\":[[1793491320,\"2\"]]}]},\"data\":{}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[[1e999,\"1\"]]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[[1793491260."
        "00000000000000000000000000000000000000000000000000000000000001,\"1\"]]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[[01793491260,\"1\"]]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":{\"a\":[1,\"2\"]}}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[[1793491260,\"1\"]]},"
        "{\"values\":[]}]}}",
        "{\"status\":\"success\",\"warnings\":[],\"data\":{\"resultType\":\"matrix\",\"result\":[]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"a\":\"\\ud800\"},"
        "\"values\":[[1793491260,\"1\"]]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"a\":\"x\ty\"},"
        "\"values\":[[1793491260,\"1\"]]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"a\":\"\\u0000\x7f\xff\"},"
        "\"values\":[[1793491260,\"1\"]]}]}}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++)
        compare_paths(bodies[i], strlen(bodies[i]), 200);
    /* nesting around the scanner's depth limit, in a label */
    static char deep[4096];
    for (int depth = 190; depth <= 210; depth += 5) {
        size_t n = 0;
        n += (size_t)snprintf(deep, sizeof deep, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                                                 "\"result\":[{\"metric\":{\"a\":");
        for (int d = 0; d < depth; d++)
            deep[n++] = '[';
        for (int d = 0; d < depth; d++)
            deep[n++] = ']';
        n += (size_t)snprintf(deep + n, sizeof deep - n, "},\"values\":[[1793491260,\"1\"]]}]}}");
        compare_paths(deep, n, 200);
    }
}

/* The extended-precision path: 16-19 digit significands (Prometheus prints up to 17) with
 * exponents to +-27, and strings a hair away from the midpoint between two doubles, where a
 * second rounding would differ from strtod's. */
Test(prometheus, long_significands_equal_strtod_exactly)
{
    locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    cr_assert(c != (locale_t)0);
    char s[96];
    for (int k = 0; k < 300000; k++) {
        if (k % 3 == 2) {
            /* the midpoint above a random double, to 17-19 significant digits */
            double d = (double)rnd(4000000000u) * (double)rnd(4000000000u) / (double)(rnd(1000000000u) + 1);
            d = ldexp(d, (int)rnd(120) - 60);
            long double mid = ((long double)d + (long double)nextafter(d, INFINITY)) / 2;
            snprintf(s, sizeof s, "%.*Le", 16 + (int)rnd(3), mid);
        } else {
            uint64_t m = (uint64_t)rnd(1000000000u) * 1000000000u + rnd(1000000000u);
            int digits = 16 + (int)rnd(4);
            while (m >= 1000000000000000000ull && digits < 19)
                m /= 10;
            char num[32];
            int n = snprintf(num, sizeof num, "%llu", (unsigned long long)m);
            int dot = (int)rnd((unsigned)n + 1);
            snprintf(s, sizeof s, "%s%.*s.%se%d", rnd(2) ? "-" : "", dot, num, num + dot, (int)rnd(55) - 27);
        }
        double v = 0;
        char *end = NULL;
        double want = strtod_l(s, &end, c);
        cr_assert(*end == '\0', "%s", s);
        cr_assert(prom_parse_value(s, &v), "%s", s);
        cr_assert_eq(memcmp(&v, &want, sizeof v), 0, "%s: %.17g vs %.17g", s, v, want);
    }
    /* 2^53 + 1: exactly halfway, ties to even */
    double v = 0;
    cr_assert(prom_parse_value("9007199254740993", &v));
    cr_assert_eq(v, 9007199254740992.0);
    freelocale(c);
}

Test(prometheus, values_equal_strtod_exactly)
{
    locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    cr_assert(c != (locale_t)0);
    char s[64];
    for (int k = 0; k < 200000; k++) {
        switch (rnd(4)) {
        case 0:
            snprintf(s, sizeof s, "%.*g", (int)rnd(19) + 1, (double)rnd(4000000000u) / (double)(rnd(100000) + 1));
            break;
        case 1:
            snprintf(s, sizeof s, "%s%u.%0*u", rnd(2) ? "-" : "", rnd(100000), (int)rnd(12), rnd(1000000000u));
            break;
        case 2:
            snprintf(s, sizeof s, "%u%u%ue%d", rnd(1000000000u), rnd(1000000000u), rnd(1000), (int)rnd(80) - 40);
            break;
        default:
            snprintf(s, sizeof s, "%s0.%0*u", rnd(2) ? "+" : "", (int)rnd(25), rnd(10000) + 1);
            break;
        }
        double v = 0;
        char *end = NULL;
        double want = strtod_l(s, &end, c);
        cr_assert(prom_parse_value(s, &v), "%s", s);
        cr_assert(*end == '\0', "%s", s);
        cr_assert_eq(memcmp(&v, &want, sizeof v), 0, "%s: %.17g vs %.17g", s, v, want);
    }
    freelocale(c);
}
