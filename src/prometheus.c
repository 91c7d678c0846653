/* prometheus: query_range requests and answers as plain values (PROMETHEUS.md). */
#define _GNU_SOURCE /* strtod_l, newlocale: numbers are parsed in the C locale, not the user's */
#include "slatop/prometheus.h"

#include <cjson/cJSON.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "slatop/text.h"

size_t prom_chunks(st_time from, st_time to, size_t max_points, prom_chunk **out)
{
    *out = NULL;
    if (from >= to || max_points == 0)
        return 0;
    int64_t points = (to - from) / 60;
    size_t n = (size_t)((points + (int64_t)max_points - 1) / (int64_t)max_points);
    prom_chunk *c = xcalloc(n, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        st_time minute0 = from + (st_time)(i * max_points) * 60;
        st_time minute_end = minute0 + (st_time)max_points * 60;
        if (minute_end > to)
            minute_end = to;
        c[i].first = minute0 + 60; /* the point at T describes [T-60, T) */
        c[i].last = minute_end;
    }
    *out = c;
    return n;
}

static void form_escape(strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '_' || *p == '.' || *p == '~') {
            sb_append_c(sb, (char)*p);
        } else {
            sb_append_c(sb, '%');
            sb_append_c(sb, hex[*p >> 4]);
            sb_append_c(sb, hex[*p & 15]);
        }
    }
}

char *prom_form_body(const char *query, const prom_chunk *c)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "query=");
    form_escape(&sb, query);
    sb_printf(&sb, "&start=%lld&end=%lld&step=60", (long long)c->first, (long long)c->last);
    return sb_steal(&sb);
}

static locale_t c_locale(void)
{
    static locale_t loc = (locale_t)0;
    if (loc == (locale_t)0)
        loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    return loc;
}

bool prom_parse_value(const char *s, double *out)
{
    if (!s || !*s)
        return false;
    if (strcmp(s, "NaN") == 0) {
        *out = NAN;
        return true;
    }
    if (strcmp(s, "+Inf") == 0 || strcmp(s, "Inf") == 0) {
        *out = INFINITY;
        return true;
    }
    if (strcmp(s, "-Inf") == 0) {
        *out = -INFINITY;
        return true;
    }
    /* Only plain decimal notation: strtod would also take "inf", "nan(...)" and hex floats. */
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789+-.eE", *p))
            return false;
    locale_t loc = c_locale();
    if (loc == (locale_t)0)
        return false;
    char *end = NULL;
    double v = strtod_l(s, &end, loc);
    if (end == s || *end)
        return false;
    *out = v;
    return true;
}

void prom_result_done(prom_result *r)
{
    if (!r)
        return;
    free(r->warning);
    memset(r, 0, sizeof *r);
}

/* A short, terminal-safe excerpt of an untrusted body for an error message. */
static char *excerpt(const char *body, size_t len)
{
    size_t n = 0;
    while (n < len && n < 120 && body[n] != '\n' && body[n] != '\r')
        n++;
    char *raw = xstrndup(body, n);
    char *safe = text_sanitize(raw, true);
    free(raw);
    return safe;
}

st_code prom_check_body(const char *body, size_t len, long http_status, const char *content_type, st_err *err)
{
    bool ok_status = http_status == 0 || http_status == 200;
    bool json = !content_type || !*content_type || strncasecmp(content_type, "application/json", 16) == 0;
    if (json && len > 0)
        return ST_OK; /* parse it: a JSON error body names the problem best */
    if (ok_status && len == 0)
        return st_fail(err, ST_NET, "empty response");
    char *ex = excerpt(body ? body : "", len);
    bool html = content_type && strncasecmp(content_type, "text/html", 9) == 0;
    st_code rc;
    if (html || !*ex)
        rc = st_fail(err, ST_NET, "HTTP %ld: not JSON (%s)", http_status,
                     content_type ? content_type : "no type");
    else
        rc = st_fail(err, ST_NET, "HTTP %ld: not JSON (%s): %s", http_status,
                     content_type ? content_type : "no type", ex);
    free(ex);
    return rc;
}

/* Reads the common envelope: an error status becomes "HTTP N errorType: error". */
static st_code check_envelope(const cJSON *root, long http_status, st_err *err)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "status");
    if (cJSON_IsString(status) && strcmp(status->valuestring, "error") == 0) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "errorType");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "error");
        char *safe = text_sanitize(cJSON_IsString(msg) ? msg->valuestring : "(no message)", true);
        char *t = text_sanitize(cJSON_IsString(type) ? type->valuestring : "error", true);
        st_fail(err, ST_NET, "HTTP %ld %.40s: %.300s", http_status, t, safe);
        free(t);
        free(safe);
        return ST_NET;
    }
    if (http_status != 0 && http_status != 200)
        return st_fail(err, ST_NET, "HTTP %ld", http_status);
    if (!cJSON_IsString(status) || strcmp(status->valuestring, "success") != 0)
        return st_fail(err, ST_INVALID, "answer has no \"status\":\"success\"");
    return ST_OK;
}

st_code prom_parse_query_range(const char *body, size_t len, long http_status, const char *content_type,
                               st_time month_start, uptime_minute *minutes, size_t n_minutes,
                               prom_result *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    st_code rc = prom_check_body(body, len, http_status, content_type, err);
    if (rc)
        return rc;
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!root) {
        if (http_status != 0 && http_status != 200)
            return st_fail(err, ST_NET, "HTTP %ld: body is not valid JSON", http_status);
        return st_fail(err, ST_INVALID, "answer is not valid JSON");
    }
    rc = check_envelope(root, http_status, err);
    if (rc)
        goto done;
    const cJSON *warnings = cJSON_GetObjectItemCaseSensitive(root, "warnings");
    if (cJSON_IsArray(warnings) && cJSON_GetArraySize(warnings) > 0) {
        out->partial = true;
        const cJSON *w0 = cJSON_GetArrayItem(warnings, 0);
        out->warning = text_sanitize(cJSON_IsString(w0) ? w0->valuestring : "warning", true);
    }
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
    const cJSON *result = cJSON_GetObjectItemCaseSensitive(data, "result");
    if (!cJSON_IsObject(data) || !cJSON_IsString(type) || !cJSON_IsArray(result)) {
        rc = st_fail(err, ST_INVALID, "data: expected {\"resultType\", \"result\": [...]}");
        goto done;
    }
    if (strcmp(type->valuestring, "matrix") != 0) {
        rc = st_fail(err, ST_INVALID, "data.resultType: expected \"matrix\"");
        goto done;
    }
    out->n_series = (size_t)cJSON_GetArraySize(result);
    if (out->n_series > 1) {
        rc = st_fail(err, ST_INVALID, "query returned %zu series, expected one (wrap it in sum())",
                     out->n_series);
        goto done;
    }
    if (out->n_series == 0)
        goto done;
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(result, 0), "values");
    if (!cJSON_IsArray(values)) {
        rc = st_fail(err, ST_INVALID, "data.result[0].values: expected an array");
        goto done;
    }
    int i = 0;
    const cJSON *pt;
    cJSON_ArrayForEach(pt, values)
    {
        const cJSON *ts = cJSON_GetArrayItem(pt, 0);
        const cJSON *val = cJSON_GetArrayItem(pt, 1);
        if (!cJSON_IsArray(pt) || !cJSON_IsNumber(ts) || !cJSON_IsString(val) || !isfinite(ts->valuedouble)) {
            rc = st_fail(err, ST_INVALID, "data.result[0].values[%d]: expected [time, \"value\"]", i);
            goto done;
        }
        i++;
        double tsd = floor(ts->valuedouble + 0.5);
        if (tsd < -9e15 || tsd > 9e15)
            continue;
        st_time off = (st_time)tsd - 60 - month_start;
        if (off < 0)
            continue;
        size_t idx = (size_t)(off / 60);
        if (idx >= n_minutes)
            continue;
        double v;
        if (!prom_parse_value(val->valuestring, &v) || (isinf(v) && v < 0)) {
            minutes[idx].kind = UPTIME_NODATA;
            minutes[idx].value = 0;
        } else {
            minutes[idx].kind = UPTIME_VALUE;
            minutes[idx].value = v;
        }
    }
done:
    cJSON_Delete(root);
    return rc;
}
