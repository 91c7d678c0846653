/* prometheus: query_range requests and answers as plain values (PROMETHEUS.md). */
#define _GNU_SOURCE /* strtod_l, newlocale: numbers are parsed in the C locale, not the user's */
#include "slatop/prometheus.h"

#include <cjson/cJSON.h>
#include <locale.h>
#include <float.h>
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

/* Clinger's fast path: a decimal whose significand fits in 53 bits and whose power of ten is
 * exact (|e| <= 22) is one correctly rounded multiplication or division of two exact doubles,
 * hence bit-identical to strtod's correctly rounded result; strtod_l cost most of a month's parse.
 * Anything else (more digits, larger exponents, odd grammar) returns false and goes to strtod_l. */
/* The next fast path, for significands of up to 19 digits (Prometheus prints up to 17) and
 * |exponent| <= 27: x87 extended precision holds the significand and the power of ten exactly,
 * so one multiplication or division rounds x once to 64 bits. Rounding that to a double gives
 * strtod's result unless the 64-bit value sits within one unit of a midpoint between two doubles
 * (its 11 extra bits near 10000000000), where a second rounding could differ: those, and every
 * platform without 64-bit long doubles, return false and go to strtod_l. */
static bool extended_decimal(uint64_t m, int exp10, bool neg, double *out)
{
#if LDBL_MANT_DIG == 64
    /* Checked once at run time too: under valgrind (or a precision control of 53 bits) long double
     * arithmetic is double arithmetic, and this path would round twice unseen. */
    static int extended = -1;
    if (extended < 0) {
        volatile long double one = 1.0L, tiny = 0x1p-60L;
        extended = one + tiny != one;
    }
    if (!extended)
        return false;
    static const long double pow10[28] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
                                          1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
                                          1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
    if (m == 0 || exp10 > 27 || exp10 < -27)
        return false;
    long double x = exp10 >= 0 ? (long double)m * pow10[exp10] : (long double)m / pow10[-exp10];
    int e;
    uint64_t bits = (uint64_t)ldexpl(frexpl(x, &e), 64); /* the 64-bit significand, exactly */
    unsigned low = (unsigned)(bits & 0x7ff);
    if (low >= 0x3ff && low <= 0x401)
        return false;
    *out = neg ? -(double)x : (double)x;
    return true;
#else
    (void)m, (void)exp10, (void)neg, (void)out;
    return false;
#endif
}

static bool fast_decimal(const char *s, const char *end, double *out)
{
    static const double pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *p = s;
    bool neg = false;
    if (p < end && (*p == '+' || *p == '-'))
        neg = *p++ == '-';
    uint64_t m = 0;
    int nd = 0, exp10 = 0;
    bool any = false, dot = false;
    for (; p < end; p++) {
        if (*p == '.' && !dot) {
            dot = true;
            continue;
        }
        if (*p < '0' || *p > '9')
            break;
        any = true;
        if (m == 0 && *p == '0') {
            if (dot && --exp10 < -400)
                return false;
            continue;
        }
        if (nd >= 19) /* past 19 digits m could overflow */
            return false;
        m = m * 10 + (uint64_t)(*p - '0');
        nd++;
        if (dot)
            exp10--;
        if (exp10 < -400)
            return false;
    }
    if (!any)
        return false;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (p >= end || *p < '0' || *p > '9')
            return false;
        int e = 0;
        for (; p < end && *p >= '0' && *p <= '9'; p++)
            if (e < 100000)
                e = e * 10 + (*p - '0');
        exp10 += eneg ? -e : e;
    }
    if (p != end)
        return false;
    if (m > ((uint64_t)1 << 53))
        return extended_decimal(m, exp10, neg, out);
    double v = (double)m;
    if (m == 0)
        v = 0;
    else if (exp10 >= 0 && exp10 <= 22)
        v *= pow10[exp10];
    else if (exp10 < 0 && exp10 >= -22)
        v /= pow10[-exp10];
    else
        return extended_decimal(m, exp10, neg, out);
    *out = neg ? -v : v;
    return true;
}

bool prom_parse_value(const char *s, double *out)
{
    if (!s || !*s)
        return false;
    if (fast_decimal(s, s + strlen(s), out))
        return true;
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
        if (!((*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.' || *p == 'e' || *p == 'E'))
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

/* Sets the minute the point at ts describes (see prom_parse_query_range). */
static void set_minute(uptime_minute *m, bool ok, double v)
{
    if (!ok || (isinf(v) && v < 0)) {
        m->kind = UPTIME_NODATA;
        m->value = 0;
    } else {
        m->kind = UPTIME_VALUE;
        m->value = v;
    }
}

/* The index of the minute the point at a rounded time tsd describes, or n_minutes when outside. */
static size_t minute_index(st_time tsd, st_time month_start, size_t n_minutes)
{
    st_time off = tsd - 60 - month_start;
    if (off < 0)
        return n_minutes;
    size_t idx = (size_t)(off / 60);
    return idx < n_minutes ? idx : n_minutes;
}

static void store_point(double ts, const char *val, st_time month_start, uptime_minute *minutes, size_t n_minutes)
{
    double tsd = floor(ts + 0.5);
    if (tsd < -9e15 || tsd > 9e15)
        return;
    size_t idx = minute_index((st_time)tsd, month_start, n_minutes);
    if (idx >= n_minutes)
        return;
    double v = 0;
    bool ok = prom_parse_value(val, &v);
    set_minute(&minutes[idx], ok, v);
}

/* The fast path: a non-allocating scanner for plain success answers (a month is 43,200 points;
 * cJSON's tree cost ~3 allocations per point). It validates strict JSON syntax and declines
 * (returns false) on anything it does not handle exactly like parse_cjson — errors, warnings,
 * escaped keys or values, surrogate escapes, long numbers, deep nesting, trailing bytes — so the
 * caller falls back to parse_cjson, which then decides. Pass 1 validates the whole body without
 * writing minutes[]; pass 2 fills them, and a decline there is harmless because parse_cjson
 * rewrites the same points in the same order. */
typedef struct {
    const char *p, *end;
    int depth;
} jscan;

#define JSCAN_MAX_DEPTH 200 /* well under cJSON's nesting limit */

static void js_ws(jscan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

/* Consumes the punctuation c and the whitespace after it; false (nothing consumed) when the next
 * byte is not c. */
static bool js_punct(jscan *s, char c)
{
    if (s->p >= s->end || *s->p != c)
        return false;
    s->p++;
    js_ws(s);
    return true;
}

/* A string at s->p: *b and *n its raw content, *esc whether it holds escapes. */
static bool js_string(jscan *s, const char **b, size_t *n, bool *esc)
{
    if (s->p >= s->end || *s->p != '"')
        return false;
    const char *q = s->p + 1;
    const char *start = q;
    bool e = false;
    while (q < s->end) {
        unsigned char c = (unsigned char)*q;
        if (c == '"') {
            *b = start;
            *n = (size_t)(q - start);
            *esc = e;
            s->p = q + 1;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c != '\\') {
            q++;
            continue;
        }
        e = true;
        if (++q >= s->end)
            return false;
        switch (*q) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            q++;
            break;
        case 'u': {
            if (s->end - q < 5)
                return false;
            unsigned cp = 0;
            for (int k = 1; k <= 4; k++) {
                int h = hex_digit_value(q[k]);
                if (h < 0)
                    return false;
                cp = cp * 16 + (unsigned)h;
            }
            if (cp >= 0xD800 && cp <= 0xDFFF)
                return false; /* surrogates: left to cJSON's own pairing rules */
            q += 5;
            break;
        }
        default:
            return false;
        }
    }
    return false;
}

/* A strict JSON number at s->p: *b and *n its text. */
static bool js_number(jscan *s, const char **b, size_t *n)
{
    const char *q = s->p;
    const char *e = s->end;
    if (q < e && *q == '-')
        q++;
    if (q >= e || *q < '0' || *q > '9')
        return false;
    if (*q == '0')
        q++;
    else
        while (q < e && *q >= '0' && *q <= '9')
            q++;
    if (q < e && *q == '.') {
        q++;
        if (q >= e || *q < '0' || *q > '9')
            return false;
        while (q < e && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < e && (*q == '+' || *q == '-'))
            q++;
        if (q >= e || *q < '0' || *q > '9')
            return false;
        while (q < e && *q >= '0' && *q <= '9')
            q++;
    }
    if (q - s->p > 63)
        return false; /* cJSON reads at most 63 characters of a number */
    *b = s->p;
    *n = (size_t)(q - s->p);
    s->p = q;
    return true;
}

static bool js_literal(jscan *s, const char *lit, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
        return false;
    s->p += n;
    return true;
}

static bool js_value(jscan *s);

/* Enters a container at s->p (its open bracket): -1 to decline, 0 when it is empty (consumed
 * up to its close), 1 when members follow. */
static int js_enter(jscan *s, char open, char close)
{
    if (s->p >= s->end || *s->p != open || ++s->depth > JSCAN_MAX_DEPTH)
        return -1;
    s->p++;
    js_ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        s->depth--;
        return 0;
    }
    return 1;
}

/* After a member: 0 at the close (consumed), 1 after a ',' (consumed), -1 to decline. */
static int js_next(jscan *s, char close)
{
    js_ws(s);
    if (s->p >= s->end)
        return -1;
    if (*s->p == close) {
        s->p++;
        s->depth--;
        return 0;
    }
    if (*s->p != ',')
        return -1;
    s->p++;
    js_ws(s);
    return 1;
}

/* An object key and its colon; keys with escapes are declined: cJSON compares decoded keys. */
static bool js_key(jscan *s, const char **k, size_t *kn)
{
    bool esc;
    if (!js_string(s, k, kn, &esc) || esc)
        return false;
    js_ws(s);
    return js_punct(s, ':');
}

/* The members of an object (s->p at '{') or the elements of an array (at '['), skipped. */
static bool js_container(jscan *s)
{
    bool obj = *s->p == '{';
    char close = obj ? '}' : ']';
    int more = js_enter(s, *s->p, close);
    while (more > 0) {
        const char *k;
        size_t kn;
        if ((obj && !js_key(s, &k, &kn)) || !js_value(s))
            return false;
        more = js_next(s, close);
    }
    return more == 0;
}

/* Any value (leading whitespace allowed), skipped. */
static bool js_value(jscan *s)
{
    js_ws(s);
    if (s->p >= s->end)
        return false;
    const char *b;
    size_t n;
    bool esc;
    switch (*s->p) {
    case '{':
    case '[':
        return js_container(s);
    case '"':
        return js_string(s, &b, &n, &esc);
    case 't':
        return js_literal(s, "true", 4);
    case 'f':
        return js_literal(s, "false", 5);
    case 'n':
        return js_literal(s, "null", 4);
    default:
        return js_number(s, &b, &n);
    }
}

/* Iterates an object's members (s->p at '{'): on each key calls back with s->p at the value,
 * which the callback must consume. */
typedef bool (*js_member_fn)(jscan *s, const char *key, size_t klen, void *ctx);

static bool js_object(jscan *s, js_member_fn fn, void *ctx)
{
    int more = js_enter(s, '{', '}');
    while (more > 0) {
        const char *k;
        size_t kn;
        if (!js_key(s, &k, &kn) || !fn(s, k, kn, ctx))
            return false;
        more = js_next(s, '}');
    }
    return more == 0;
}

static bool key_is(const char *k, size_t n, const char *want)
{
    return strlen(want) == n && memcmp(k, want, n) == 0;
}

/* What pass 1 found; only the first occurrence of a key counts, as in cJSON. */
typedef struct {
    bool seen_status, status_ok, seen_data, seen_type, type_matrix, seen_result, seen_values;
    size_t n_series;
    const char *values; /* the '[' of data.result[0].values */
} fast_scan;

/* A string value without escapes equal to want (*eq), or false to decline. */
static bool js_plain_string(jscan *s, const char *want, bool *eq)
{
    const char *b;
    size_t n;
    bool esc;
    if (!js_string(s, &b, &n, &esc) || esc)
        return false;
    *eq = key_is(b, n, want);
    return true;
}

static bool fast_points(jscan *s, bool store, st_time month_start, uptime_minute *minutes, size_t n_minutes);

static bool series_member(jscan *s, const char *k, size_t n, void *ctx)
{
    fast_scan *f = ctx;
    if (!f->seen_values && key_is(k, n, "values")) {
        f->seen_values = true;
        if (s->p >= s->end || *s->p != '[')
            return false;
        f->values = s->p;
        return fast_points(s, false, 0, NULL, 0);
    }
    return js_value(s);
}

static bool data_member(jscan *s, const char *k, size_t n, void *ctx)
{
    fast_scan *f = ctx;
    if (!f->seen_type && key_is(k, n, "resultType")) {
        f->seen_type = true;
        return js_plain_string(s, "matrix", &f->type_matrix);
    }
    if (!f->seen_result && key_is(k, n, "result")) {
        f->seen_result = true;
        int more = js_enter(s, '[', ']');
        if (more > 0) {
            f->n_series = 1;
            if (!js_object(s, series_member, f))
                return false;
            more = js_next(s, ']'); /* a second series is refused with a message by parse_cjson */
        }
        return more == 0;
    }
    return js_value(s);
}

static bool top_member(jscan *s, const char *k, size_t n, void *ctx)
{
    fast_scan *f = ctx;
    if (key_is(k, n, "warnings"))
        return false; /* partial answers take the general path */
    if (!f->seen_status && key_is(k, n, "status")) {
        f->seen_status = true;
        return js_plain_string(s, "success", &f->status_ok);
    }
    if (!f->seen_data && key_is(k, n, "data")) {
        f->seen_data = true;
        return js_object(s, data_member, f);
    }
    return js_value(s);
}

/* A point's timestamp exactly as cJSON reads it (strtod of its text): an integer below 2^53 is
 * exact, and rounds to itself, so *sec is set and *integral true; otherwise *ts. */
static bool js_time(const char *b, size_t n, bool *integral, int64_t *sec, double *ts)
{
    const char *q = b;
    bool neg = *q == '-';
    if (neg)
        q++;
    size_t digits = n - (size_t)(q - b);
    if (digits <= 15) {
        int64_t v = 0;
        size_t i = 0;
        for (; i < digits && q[i] >= '0' && q[i] <= '9'; i++)
            v = v * 10 + (q[i] - '0');
        if (i == digits) {
            *integral = true;
            *sec = neg ? -v : v;
            return true;
        }
    }
    *integral = false;
    char buf[64];
    locale_t loc = c_locale();
    if (n >= sizeof buf || loc == (locale_t)0)
        return false;
    memcpy(buf, b, n);
    buf[n] = '\0';
    *ts = strtod_l(buf, NULL, loc);
    return isfinite(*ts);
}

/* The points of a values array (s->p at '['), each exactly [number, "string"]: pass 1 (store
 * false) only checks them, pass 2 parses and stores them. */
static bool fast_points(jscan *s, bool store, st_time month_start, uptime_minute *minutes, size_t n_minutes)
{
    int more = js_enter(s, '[', ']');
    while (more > 0) {
        const char *tb, *vb;
        size_t tn, vn;
        bool esc;
        if (!js_punct(s, '[') || !js_number(s, &tb, &tn))
            return false;
        js_ws(s);
        if (!js_punct(s, ',') || !js_string(s, &vb, &vn, &esc) || esc || vn >= 64)
            return false;
        js_ws(s);
        if (!js_punct(s, ']'))
            return false; /* also a point with a third element: cJSON's business */
        if (store) {
            bool integral;
            int64_t sec = 0;
            double ts = 0;
            if (!js_time(tb, tn, &integral, &sec, &ts))
                return false;
            if (integral) {
                size_t idx = minute_index((st_time)sec, month_start, n_minutes);
                if (idx < n_minutes) {
                    double v = 0;
                    bool ok = fast_decimal(vb, vb + vn, &v);
                    if (!ok) {
                        char val[64];
                        memcpy(val, vb, vn);
                        val[vn] = '\0';
                        ok = prom_parse_value(val, &v);
                    }
                    set_minute(&minutes[idx], ok, v);
                }
            } else {
                char val[64];
                memcpy(val, vb, vn);
                val[vn] = '\0';
                store_point(ts, val, month_start, minutes, n_minutes);
            }
        }
        more = js_next(s, ']');
    }
    return more == 0;
}

static bool parse_fast(const char *body, size_t len, st_time month_start, uptime_minute *minutes,
                       size_t n_minutes, prom_result *out)
{
    jscan s = {body, body + len, 0};
    fast_scan f;
    memset(&f, 0, sizeof f);
    js_ws(&s);
    if (!js_object(&s, top_member, &f))
        return false;
    js_ws(&s);
    if (s.p != s.end || !f.status_ok || !f.seen_data || !f.type_matrix || !f.seen_result)
        return false;
    if (f.n_series == 1) {
        if (!f.values)
            return false;
        jscan v = {f.values, body + len, 0};
        if (!fast_points(&v, true, month_start, minutes, n_minutes))
            return false;
    }
    out->n_series = f.n_series;
    return true;
}

/* The general parser (cJSON tree): every answer the fast scanner declines — errors, warnings,
 * odd shapes, malformed JSON — ends here, so its behaviour defines the contract. */
static st_code parse_cjson(const char *body, size_t len, long http_status, st_time month_start,
                           uptime_minute *minutes, size_t n_minutes, prom_result *out, st_err *err)
{
    st_code rc;
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
        store_point(ts->valuedouble, val->valuestring, month_start, minutes, n_minutes);
    }
done:
    cJSON_Delete(root);
    return rc;
}

static st_code parse_answer(const char *body, size_t len, long http_status, const char *content_type,
                            st_time month_start, uptime_minute *minutes, size_t n_minutes, prom_result *out,
                            st_err *err, bool try_fast)
{
    memset(out, 0, sizeof *out);
    st_code rc = prom_check_body(body, len, http_status, content_type, err);
    if (rc)
        return rc;
    if (try_fast && (http_status == 0 || http_status == 200) &&
        parse_fast(body, len, month_start, minutes, n_minutes, out))
        return ST_OK;
    memset(out, 0, sizeof *out);
    return parse_cjson(body, len, http_status, month_start, minutes, n_minutes, out, err);
}

st_code prom_parse_query_range_cjson(const char *body, size_t len, long http_status, const char *content_type,
                                     st_time month_start, uptime_minute *minutes, size_t n_minutes,
                                     prom_result *out, st_err *err)
{
    return parse_answer(body, len, http_status, content_type, month_start, minutes, n_minutes, out, err, false);
}

st_code prom_parse_query_range(const char *body, size_t len, long http_status, const char *content_type,
                               st_time month_start, uptime_minute *minutes, size_t n_minutes,
                               prom_result *out, st_err *err)
{
    return parse_answer(body, len, http_status, content_type, month_start, minutes, n_minutes, out, err, true);
}
