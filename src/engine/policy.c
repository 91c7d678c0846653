/* policy: loading and validating the policy file (SPEC §6). Every refusal reads
 * "SOURCE: KEY: reason" with KEY a path such as levels[2].clock, so that whoever edits the file
 * can find the offending value. Only this parser (and the other parsers) include cJSON.h. */
#include "slatop/policy.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/text.h"

#define POLICY_MAX_BYTES (1024 * 1024)
/* Ten years of minutes: anything longer is a typo, not a response target. */
#define MAX_RESPONSE_MINUTES (10LL * 366 * 24 * 60)
#define MAX_NOTICE_DAYS 3660
#define MAX_ID_BYTES 64

typedef struct {
    const char *source;
    st_err *err;
} pctx;

typedef char keypath[256];

static st_code fail(pctx *c, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static st_code fail(pctx *c, const char *key, const char *fmt, ...)
{
    strbuf reason;
    sb_init(&reason);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&reason, fmt, ap);
    va_end(ap);
    /* Keys and values quoted in the message come from the file: keep them terminal-safe. */
    char *k = text_sanitize(key, false), *r = text_sanitize(reason.buf, false);
    st_code rc = st_fail(c->err, ST_INVALID, "%s: %s: %s", c->source, k, r);
    free(k);
    free(r);
    sb_done(&reason);
    return rc;
}

/* Child paths: "parent.key" (or "key" at the top) and "parent[i]", cut to fit. */
static void path_join(keypath out, const char *a, const char *sep, const char *b)
{
    size_t n = 0;
    const char *parts[3] = {a, sep, b};
    for (int k = 0; k < 3; k++)
        for (const char *q = parts[k]; *q && n + 1 < sizeof(keypath); q++)
            out[n++] = *q;
    out[n] = '\0';
}

static void path_key(keypath out, const char *parent, const char *key)
{
    path_join(out, parent, parent[0] ? "." : "", key);
}

static void path_index(keypath out, const char *parent, size_t i)
{
    char num[32];
    snprintf(num, sizeof num, "[%zu]", i);
    path_join(out, parent, num, "");
}

static const char *json_type_name(const cJSON *v)
{
    if (cJSON_IsObject(v))
        return "an object";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    return "invalid";
}

/* Refuses keys outside `allowed` and keys given twice (cJSON keeps both; we would read the
 * first and silently ignore the second). */
static st_code check_keys(pctx *c, const cJSON *obj, const char *path, const char *const *allowed,
                          size_t n_allowed)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        keypath kp;
        path_key(kp, path, it->string ? it->string : "");
        bool known = false;
        for (size_t i = 0; i < n_allowed && !known; i++)
            known = strcmp(it->string, allowed[i]) == 0;
        if (!known)
            return fail(c, kp, "unknown key");
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
            if (strcmp(prev->string, it->string) == 0)
                return fail(c, kp, "duplicate key");
    }
    return ST_OK;
}

/* A string value; `required` decides whether absence is an error. *out is borrowed from the
 * cJSON tree (NULL when absent). */
static st_code get_string(pctx *c, const cJSON *obj, const char *path, const char *key, bool required,
                          const char **out)
{
    keypath kp;
    path_key(kp, path, key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v)
        return required ? fail(c, kp, "required key is missing") : ST_OK;
    if (!cJSON_IsString(v))
        return fail(c, kp, "must be a string, not %s", json_type_name(v));
    if (!utf8_valid(v->valuestring, strlen(v->valuestring)))
        return fail(c, kp, "invalid UTF-8");
    *out = v->valuestring;
    return ST_OK;
}

static st_code get_number(pctx *c, const cJSON *obj, const char *path, const char *key, bool *present,
                          double *out)
{
    keypath kp;
    path_key(kp, path, key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *present = v != NULL;
    if (!v)
        return ST_OK;
    if (!cJSON_IsNumber(v))
        return fail(c, kp, "must be a number, not %s", json_type_name(v));
    if (!isfinite(v->valuedouble))
        return fail(c, kp, "number out of range");
    *out = v->valuedouble;
    return ST_OK;
}

/* An integer in [lo, hi]; fractions are refused, not rounded. */
static st_code get_integer(pctx *c, const cJSON *obj, const char *path, const char *key, bool required,
                           int64_t lo, int64_t hi, const char *what, bool *present, int64_t *out)
{
    keypath kp;
    path_key(kp, path, key);
    double d = 0;
    st_code rc = get_number(c, obj, path, key, present, &d);
    if (rc != ST_OK)
        return rc;
    if (!*present)
        return required ? fail(c, kp, "required key is missing") : ST_OK;
    if (d != floor(d))
        return fail(c, kp, "must be %s, not a fraction (%g)", what, d);
    if (d < (double)lo || d > (double)hi)
        return fail(c, kp, "must be %s in %lld..%lld (got %.0f)", what, (long long)lo, (long long)hi, d);
    *out = (int64_t)d;
    return ST_OK;
}

static char **string_array(pctx *c, const cJSON *arr, const char *path, bool non_empty, size_t *n_out,
                           st_code *rc)
{
    *n_out = 0;
    *rc = ST_OK;
    if (!cJSON_IsArray(arr)) {
        *rc = fail(c, path, "must be an array of strings, not %s", json_type_name(arr));
        return NULL;
    }
    size_t n = (size_t)cJSON_GetArraySize(arr);
    if (n == 0 && non_empty) {
        *rc = fail(c, path, "must not be empty");
        return NULL;
    }
    char **out = xcalloc(n ? n : 1, sizeof *out);
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        keypath kp;
        path_index(kp, path, i);
        if (!cJSON_IsString(it))
            *rc = fail(c, kp, "must be a string, not %s", json_type_name(it));
        else if (!utf8_valid(it->valuestring, strlen(it->valuestring)))
            *rc = fail(c, kp, "invalid UTF-8");
        if (*rc != ST_OK) {
            for (size_t j = 0; j < i; j++)
                free(out[j]);
            free(out);
            return NULL;
        }
        out[i] = xstrdup(it->valuestring);
    }
    *n_out = n;
    return out;
}

/* Level ids are typed on the command line and stored with tickets: printable, no spaces. */
static st_code check_id(pctx *c, const char *kp, const char *id)
{
    size_t n = strlen(id);
    if (n == 0)
        return fail(c, kp, "must not be empty");
    if (n > MAX_ID_BYTES)
        return fail(c, kp, "longer than %d bytes", MAX_ID_BYTES);
    for (size_t i = 0; i < n;) {
        int32_t cp;
        i += utf8_decode(id + i, n - i, &cp);
        if (cp == ' ' || text_is_unsafe(cp))
            return fail(c, kp, "must not contain spaces or control characters");
    }
    return ST_OK;
}

static st_code parse_criteria(pctx *c, const cJSON *v, const char *path, pol_level *lv)
{
    static const char *const keys[] = {"mode", "items"};
    if (!cJSON_IsObject(v))
        return fail(c, path, "must be an object, not %s", json_type_name(v));
    st_code rc = check_keys(c, v, path, keys, 2);
    const char *mode = NULL;
    if (rc == ST_OK)
        rc = get_string(c, v, path, "mode", true, &mode);
    if (rc != ST_OK)
        return rc;
    keypath kp;
    if (strcmp(mode, "all") == 0) {
        lv->criteria_mode = POL_CRIT_ALL;
    } else if (strcmp(mode, "any") == 0) {
        lv->criteria_mode = POL_CRIT_ANY;
    } else {
        path_key(kp, path, "mode");
        return fail(c, kp, "must be \"all\" or \"any\"");
    }
    path_key(kp, path, "items");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(v, "items");
    if (!items)
        return fail(c, kp, "required key is missing");
    lv->criteria = string_array(c, items, kp, true, &lv->n_criteria, &rc);
    lv->has_criteria = rc == ST_OK;
    return rc;
}

static const char *const metric_names[POL_METRIC_COUNT] = {"first_response", "next_response", "resolution"};
static const char *const status_names[POL_STATUS_COUNT] = {"open", "pending", "on_hold", "resolved"};

/* A metric's name as an index, or -1; the refusal lists the names. */
static int metric_index(const char *name)
{
    for (int m = 0; m < POL_METRIC_COUNT; m++)
        if (strcmp(name, metric_names[m]) == 0)
            return m;
    return -1;
}

/* An object keyed by metric: unknown names and repeated keys are refused. */
static st_code check_metric_keys(pctx *c, const cJSON *obj, const char *path)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        keypath kp;
        path_key(kp, path, it->string);
        if (metric_index(it->string) < 0)
            return fail(c, kp, "unknown metric (metrics are first_response, next_response, resolution)");
    }
    return check_keys(c, obj, path, metric_names, POL_METRIC_COUNT);
}

static st_code parse_clock(pctx *c, const cJSON *obj, const char *path, pol_clock *out)
{
    const char *clock;
    st_code rc = get_string(c, obj, path, "clock", true, &clock);
    if (rc != ST_OK)
        return rc;
    if (strcmp(clock, "24x7") == 0) {
        *out = POL_CLOCK_24X7;
    } else if (strcmp(clock, "business") == 0) {
        *out = POL_CLOCK_BUSINESS;
    } else {
        keypath kp;
        path_key(kp, path, "clock");
        return fail(c, kp, "must be \"24x7\" or \"business\"");
    }
    return ST_OK;
}

/* {"minutes": N, "clock": "24x7" | "business"} */
static st_code parse_target(pctx *c, const cJSON *v, const char *path, pol_target *t)
{
    static const char *const keys[] = {"minutes", "clock"};
    if (!cJSON_IsObject(v))
        return fail(c, path, "must be an object, not %s", json_type_name(v));
    st_code rc = check_keys(c, v, path, keys, 2);
    bool present;
    if (rc == ST_OK)
        rc = get_integer(c, v, path, "minutes", true, 1, MAX_RESPONSE_MINUTES,
                         "a positive whole number of minutes", &present, &t->minutes);
    return rc == ST_OK ? parse_clock(c, v, path, &t->clock) : rc;
}

/* "targets": one target per metric; first_response given here or by the §6 pair, never both. */
static st_code parse_targets(pctx *c, const cJSON *lvobj, const cJSON *v, const char *path, pol_level *lv)
{
    if (!cJSON_IsObject(v))
        return fail(c, path, "must be an object, not %s", json_type_name(v));
    st_code rc = check_metric_keys(c, v, path);
    for (int m = 0; m < POL_METRIC_COUNT && rc == ST_OK; m++) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, metric_names[m]);
        keypath kp;
        path_key(kp, path, metric_names[m]);
        if (!t)
            continue;
        if (m == POL_METRIC_FIRST_RESPONSE
            && (cJSON_GetObjectItemCaseSensitive(lvobj, "response_minutes")
                || cJSON_GetObjectItemCaseSensitive(lvobj, "clock")))
            return fail(c, kp, "given twice (also response_minutes and clock): use one form");
        rc = parse_target(c, t, kp, &lv->targets[m]);
    }
    return rc;
}

static st_code parse_level(pctx *c, const cJSON *v, const char *path, pol_level *lv)
{
    static const char *const keys[] = {"id", "label", "description", "response_minutes", "clock",
                                       "targets", "examples", "criteria"};
    if (!cJSON_IsObject(v))
        return fail(c, path, "must be an object, not %s", json_type_name(v));
    st_code rc = check_keys(c, v, path, keys, sizeof keys / sizeof keys[0]);
    if (rc != ST_OK)
        return rc;
    const char *id, *label, *desc;
    keypath kp;
    bool present;
    if ((rc = get_string(c, v, path, "id", true, &id)) != ST_OK)
        return rc;
    path_key(kp, path, "id");
    if ((rc = check_id(c, kp, id)) != ST_OK)
        return rc;
    lv->id = xstrdup(id);
    if ((rc = get_string(c, v, path, "label", false, &label)) != ST_OK
        || (rc = get_string(c, v, path, "description", false, &desc)) != ST_OK)
        return rc;
    lv->label = xstrdup(label);
    lv->description = xstrdup(desc);
    const cJSON *tg = cJSON_GetObjectItemCaseSensitive(v, "targets");
    if (tg) {
        path_key(kp, path, "targets");
        if ((rc = parse_targets(c, v, tg, kp, lv)) != ST_OK)
            return rc;
    }
    pol_target *fr = &lv->targets[POL_METRIC_FIRST_RESPONSE];
    if (fr->minutes == 0) { /* the §6 shorthand */
        rc = get_integer(c, v, path, "response_minutes", true, 1, MAX_RESPONSE_MINUTES,
                         "a positive whole number of minutes", &present, &fr->minutes);
        if (rc == ST_OK)
            rc = parse_clock(c, v, path, &fr->clock);
        if (rc != ST_OK)
            return rc;
    }
    lv->response_minutes = fr->minutes;
    lv->clock = fr->clock;
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(v, "examples");
    if (ex) {
        path_key(kp, path, "examples");
        lv->examples = string_array(c, ex, kp, false, &lv->n_examples, &rc);
        if (rc != ST_OK)
            return rc;
    }
    const cJSON *cr = cJSON_GetObjectItemCaseSensitive(v, "criteria");
    if (cr) {
        path_key(kp, path, "criteria");
        return parse_criteria(c, cr, kp, lv);
    }
    return ST_OK;
}

static st_code parse_levels(pctx *c, const cJSON *root, st_policy *p)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "levels");
    if (!arr)
        return fail(c, "levels", "required key is missing");
    if (!cJSON_IsArray(arr))
        return fail(c, "levels", "must be an array, not %s", json_type_name(arr));
    size_t n = (size_t)cJSON_GetArraySize(arr);
    if (n == 0)
        return fail(c, "levels", "must list at least one level");
    p->levels = xcalloc(n, sizeof *p->levels);
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        keypath kp;
        path_index(kp, "levels", i);
        p->n_levels = i + 1; /* so policy_free releases a half-parsed level */
        st_code rc = parse_level(c, it, kp, &p->levels[i]);
        if (rc != ST_OK)
            return rc;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(p->levels[j].id, p->levels[i].id) == 0) {
                keypath idkey;
                path_key(idkey, kp, "id");
                return fail(c, idkey, "duplicate level id '%s' (also levels[%zu])", p->levels[i].id, j);
            }
        }
    }
    return ST_OK;
}

/* "HH:MM" with HH 00..24; 24:00 is allowed (end of day) and only as an end. */
static bool parse_hhmm(const char *s, int32_t *out)
{
    if (strlen(s) != 5 || s[2] != ':')
        return false;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return false;
    *out = (int32_t)(h * 3600 + m * 60);
    return true;
}

typedef struct {
    cal_interval iv;
    size_t index; /* position in the file, for messages */
} src_interval;

static int cmp_src_interval(const void *a, const void *b)
{
    const src_interval *x = a, *y = b;
    if (x->iv.start != y->iv.start)
        return x->iv.start < y->iv.start ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

static st_code parse_day(pctx *c, const cJSON *arr, const char *path, cal_calendar *cal, int wd)
{
    if (!cJSON_IsArray(arr))
        return fail(c, path, "must be an array of [\"HH:MM\", \"HH:MM\"] intervals, not %s",
                    json_type_name(arr));
    size_t n = (size_t)cJSON_GetArraySize(arr);
    src_interval *tmp = xcalloc(n ? n : 1, sizeof *tmp);
    st_code rc = ST_OK;
    size_t i = 0;
    for (const cJSON *it = arr->child; it && rc == ST_OK; it = it->next, i++) {
        keypath kp;
        path_index(kp, path, i);
        const cJSON *a = it->child, *b = a ? a->next : NULL;
        if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 || !cJSON_IsString(a) || !cJSON_IsString(b)) {
            rc = fail(c, kp, "must be a pair of strings [\"HH:MM\", \"HH:MM\"]");
            break;
        }
        int32_t s, e;
        if (!parse_hhmm(a->valuestring, &s) || s == 86400) {
            rc = fail(c, kp, "bad start time '%s' (want HH:MM, 00:00..23:59)", a->valuestring);
            break;
        }
        if (!parse_hhmm(b->valuestring, &e)) {
            rc = fail(c, kp, "bad end time '%s' (want HH:MM, 00:00..24:00)", b->valuestring);
            break;
        }
        if (e <= s) {
            rc = fail(c, kp, "interval %s-%s ends before it starts (or is empty)", a->valuestring,
                      b->valuestring);
            break;
        }
        tmp[i].iv.start = s;
        tmp[i].iv.end = e;
        tmp[i].index = i;
    }
    if (rc == ST_OK && n > 1) {
        qsort(tmp, n, sizeof *tmp, cmp_src_interval);
        for (i = 1; i < n; i++) {
            if (tmp[i].iv.start < tmp[i - 1].iv.end) {
                size_t later = tmp[i].index > tmp[i - 1].index ? tmp[i].index : tmp[i - 1].index;
                size_t other = later == tmp[i].index ? tmp[i - 1].index : tmp[i].index;
                keypath kp;
                path_index(kp, path, later);
                rc = fail(c, kp, "overlaps %s[%zu]", path, other);
                break;
            }
        }
    }
    if (rc == ST_OK) {
        /* Merge touching intervals ([09:00,12:00) + [12:00,17:00)) so that every interval
         * boundary the calendar sees is a real opening or closing. */
        cal->week[wd] = xcalloc(n ? n : 1, sizeof(cal_interval));
        size_t m = 0;
        for (i = 0; i < n; i++) {
            if (m > 0 && cal->week[wd][m - 1].end == tmp[i].iv.start)
                cal->week[wd][m - 1].end = tmp[i].iv.end;
            else
                cal->week[wd][m++] = tmp[i].iv;
        }
        cal->n_week[wd] = m;
    }
    free(tmp);
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static st_code parse_business_hours(pctx *c, const cJSON *bh, st_policy *p)
{
    static const char *const keys[] = {"timezone", "week", "holidays"};
    static const char *const days[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    const char *path = "business_hours";
    if (!cJSON_IsObject(bh))
        return fail(c, path, "must be an object, not %s", json_type_name(bh));
    st_code rc = check_keys(c, bh, path, keys, 3);
    const char *zone = NULL;
    if (rc == ST_OK)
        rc = get_string(c, bh, path, "timezone", true, &zone);
    if (rc != ST_OK)
        return rc;
    cal_calendar *cal = xcalloc(1, sizeof *cal);
    p->calendar = cal;
    st_err tzerr;
    st_err_clear(&tzerr);
    if (tz_load(zone, &cal->zone, &tzerr) != ST_OK) {
        cal->zone = NULL;
        return fail(c, "business_hours.timezone", "unknown time zone '%s'", zone);
    }
    p->zone_name = xstrdup(zone);

    const cJSON *week = cJSON_GetObjectItemCaseSensitive(bh, "week");
    if (!week)
        return fail(c, "business_hours.week", "required key is missing");
    if (!cJSON_IsObject(week))
        return fail(c, "business_hours.week", "must be an object, not %s", json_type_name(week));
    for (const cJSON *it = week->child; it; it = it->next) {
        keypath kp;
        path_key(kp, "business_hours.week", it->string);
        bool known = false;
        for (int d = 0; d < 7 && !known; d++)
            known = strcmp(it->string, days[d]) == 0;
        if (!known)
            return fail(c, kp, "unknown key (weekdays are mon, tue, wed, thu, fri, sat, sun)");
    }
    if ((rc = check_keys(c, week, "business_hours.week", days, 7)) != ST_OK)
        return rc;
    for (int d = 0; d < 7; d++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(week, days[d]);
        keypath kp;
        path_key(kp, "business_hours.week", days[d]);
        if (arr) {
            if ((rc = parse_day(c, arr, kp, cal, d)) != ST_OK)
                return rc;
        }
    }

    const cJSON *hol = cJSON_GetObjectItemCaseSensitive(bh, "holidays");
    if (!hol)
        return ST_OK;
    if (!cJSON_IsArray(hol))
        return fail(c, "business_hours.holidays", "must be an array of \"YYYY-MM-DD\" dates, not %s",
                    json_type_name(hol));
    size_t n = (size_t)cJSON_GetArraySize(hol);
    cal->holidays = xcalloc(n ? n : 1, sizeof *cal->holidays);
    size_t i = 0;
    for (const cJSON *it = hol->child; it; it = it->next, i++) {
        keypath kp;
        path_index(kp, "business_hours.holidays", i);
        if (!cJSON_IsString(it))
            return fail(c, kp, "must be a \"YYYY-MM-DD\" string, not %s", json_type_name(it));
        if (!date_parse(it->valuestring, &cal->holidays[i]))
            return fail(c, kp, "bad date '%s' (want a real date as YYYY-MM-DD)", it->valuestring);
    }
    /* Sorted for binary search; a date listed twice is harmless, so it is kept once. */
    qsort(cal->holidays, n, sizeof *cal->holidays, cmp_i64);
    size_t m = 0;
    for (i = 0; i < n; i++)
        if (m == 0 || cal->holidays[m - 1] != cal->holidays[i])
            cal->holidays[m++] = cal->holidays[i];
    cal->n_holidays = m;
    return ST_OK;
}

typedef struct {
    const char *name;
    size_t pos;
} member_key;

static int cmp_member_key(const void *a, const void *b)
{
    const member_key *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* For each of obj's n members, whether a member before it has the same name. By sorting (n log n):
 * comparing each with all before it made a policy with 60,000 channels take seconds to load.
 * Caller frees. */
static bool *mark_repeated_keys(const cJSON *obj, size_t n)
{
    member_key *keys = xcalloc(n ? n : 1, sizeof *keys);
    size_t k = 0;
    for (const cJSON *it = obj->child; it && k < n; it = it->next, k++)
        keys[k] = (member_key){it->string ? it->string : "", k};
    qsort(keys, k, sizeof *keys, cmp_member_key);
    bool *again = xcalloc(n ? n : 1, sizeof *again);
    for (size_t i = 1; i < k; i++)
        if (strcmp(keys[i - 1].name, keys[i].name) == 0)
            again[keys[i].pos] = true;
    free(keys);
    return again;
}

static st_code parse_channels(pctx *c, const cJSON *ch, st_policy *p)
{
    if (!cJSON_IsObject(ch))
        return fail(c, "channels", "must be an object, not %s", json_type_name(ch));
    size_t n = (size_t)cJSON_GetArraySize(ch);
    p->channels = xcalloc(n ? n : 1, sizeof *p->channels);
    bool *again = mark_repeated_keys(ch, n);
    st_code rc = ST_OK;
    size_t i = 0;
    for (const cJSON *it = ch->child; it && rc == ST_OK; it = it->next, i++) {
        keypath kp;
        path_key(kp, "channels", it->string);
        if (it->string[0] == '\0')
            rc = fail(c, kp, "empty channel name");
        else if (again[i])
            rc = fail(c, kp, "duplicate key");
        else if (!cJSON_IsString(it))
            rc = fail(c, kp, "must be a level id string, not %s", json_type_name(it));
        else if (policy_level_index(p, it->valuestring) < 0)
            rc = fail(c, kp, "names no level of this policy ('%s')", it->valuestring);
        else {
            pol_channel *pc = &p->channels[p->n_channels++];
            pc->channel = xstrdup(it->string);
            pc->level = xstrdup(it->valuestring);
        }
    }
    free(again);
    return rc;
}

static st_code parse_time_key(pctx *c, const cJSON *obj, const char *path, const char *key, bool required,
                              st_time *out)
{
    const char *s;
    st_code rc = get_string(c, obj, path, key, required, &s);
    if (rc != ST_OK)
        return rc;
    if (!s) {
        *out = ST_TIME_NONE;
        return ST_OK;
    }
    if (!time_parse_iso(s, out)) {
        keypath kp;
        path_key(kp, path, key);
        return fail(c, kp, "bad time '%s' (want ISO 8601, e.g. 2026-11-20T10:00:00Z)", s);
    }
    return ST_OK;
}

static st_code parse_maintenance(pctx *c, const cJSON *arr, pol_uptime *u)
{
    const char *path = "uptime.maintenance";
    static const char *const keys[] = {"id", "name", "start", "end", "announced"};
    if (!cJSON_IsArray(arr))
        return fail(c, path, "must be an array, not %s", json_type_name(arr));
    size_t n = (size_t)cJSON_GetArraySize(arr);
    u->maintenance = xcalloc(n ? n : 1, sizeof *u->maintenance);
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        keypath kp;
        path_index(kp, path, i);
        if (!cJSON_IsObject(it))
            return fail(c, kp, "must be an object, not %s", json_type_name(it));
        st_code rc = check_keys(c, it, kp, keys, 5);
        if (rc != ST_OK)
            return rc;
        const char *id, *name;
        pol_maintenance *m = &u->maintenance[i];
        if ((rc = get_string(c, it, kp, "id", true, &id)) != ST_OK
            || (rc = get_string(c, it, kp, "name", true, &name)) != ST_OK)
            return rc;
        keypath sub;
        path_key(sub, kp, "id");
        if ((rc = check_id(c, sub, id)) != ST_OK)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(u->maintenance[j].id, id) == 0)
                return fail(c, sub, "duplicate maintenance id '%s' (also %s[%zu])", id, path, j);
        m->id = xstrdup(id);
        m->name = xstrdup(name);
        u->n_maintenance = i + 1;
        if ((rc = parse_time_key(c, it, kp, "start", true, &m->start)) != ST_OK
            || (rc = parse_time_key(c, it, kp, "end", true, &m->end)) != ST_OK
            || (rc = parse_time_key(c, it, kp, "announced", false, &m->announced)) != ST_OK)
            return rc;
        if (m->end <= m->start) {
            path_key(sub, kp, "end");
            return fail(c, sub, "must be after start");
        }
    }
    return ST_OK;
}

static st_code parse_uptime(pctx *c, const cJSON *up, pol_uptime *u)
{
    static const char *const keys[] = {"target_percent", "error_rate_threshold",
                                       "maintenance_notice_days", "maintenance"};
    const char *path = "uptime";
    if (!cJSON_IsObject(up))
        return fail(c, path, "must be an object, not %s", json_type_name(up));
    st_code rc = check_keys(c, up, path, keys, 4);
    if (rc != ST_OK)
        return rc;
    bool present;
    double d = 0;
    if ((rc = get_number(c, up, path, "target_percent", &present, &d)) != ST_OK)
        return rc;
    if (present) {
        if (!(d > 0 && d <= 100))
            return fail(c, "uptime.target_percent", "must be more than 0 and at most 100 (got %g)", d);
        u->has_target = true;
        u->target_percent = d;
    }
    if ((rc = get_number(c, up, path, "error_rate_threshold", &present, &d)) != ST_OK)
        return rc;
    if (present) {
        if (!(d >= 0 && d < 1))
            return fail(c, "uptime.error_rate_threshold", "must be at least 0 and less than 1 (got %g)", d);
        u->error_rate_threshold = d;
    }
    int64_t days = 0;
    rc = get_integer(c, up, path, "maintenance_notice_days", false, 0, MAX_NOTICE_DAYS,
                     "a whole number of days", &present, &days);
    if (rc != ST_OK)
        return rc;
    if (present)
        u->notice_days = (int)days;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(up, "maintenance");
    return m ? parse_maintenance(c, m, u) : ST_OK;
}

/* The key of level i's first business clock as the file wrote it ("levels[1].clock" for the §6
 * pair, "levels[1].targets.resolution.clock"), or leaves key empty. */
static void business_clock_key(const cJSON *lvj, const pol_level *lv, size_t i, char *key, size_t n)
{
    const cJSON *tg = cJSON_GetObjectItemCaseSensitive(lvj, "targets");
    for (int m = 0; m < POL_METRIC_COUNT; m++) {
        if (!lv->targets[m].minutes || lv->targets[m].clock != POL_CLOCK_BUSINESS)
            continue;
        if (cJSON_GetObjectItemCaseSensitive(tg, metric_names[m]))
            snprintf(key, n, "levels[%zu].targets.%s.clock", i, metric_names[m]);
        else
            snprintf(key, n, "levels[%zu].clock", i);
        return;
    }
}

/* "pause_on": metric -> statuses that pause its clocks. A metric left out keeps its default;
 * only pending and on_hold can pause (a clock runs while open and stops at resolve). */
static st_code parse_pause_on(pctx *c, const cJSON *po, st_policy *p)
{
    const char *path = "pause_on";
    if (!cJSON_IsObject(po))
        return fail(c, path, "must be an object, not %s", json_type_name(po));
    st_code rc = check_metric_keys(c, po, path);
    for (const cJSON *it = po->child; it && rc == ST_OK; it = it->next) {
        keypath kp;
        path_key(kp, path, it->string);
        if (!cJSON_IsArray(it))
            return fail(c, kp, "must be an array of statuses, not %s", json_type_name(it));
        unsigned bits = 0;
        size_t i = 0;
        for (const cJSON *s = it->child; s; s = s->next, i++) {
            keypath sk;
            path_index(sk, kp, i);
            if (!cJSON_IsString(s))
                return fail(c, sk, "must be a string, not %s", json_type_name(s));
            if (strcmp(s->valuestring, "pending") == 0)
                bits |= 1u << POL_STATUS_PENDING;
            else if (strcmp(s->valuestring, "on_hold") == 0)
                bits |= 1u << POL_STATUS_ON_HOLD;
            else
                return fail(c, sk, "unknown status '%s' (statuses that pause are pending, on_hold)",
                            s->valuestring);
        }
        p->pause_on[metric_index(it->string)] = bits;
    }
    return rc;
}

static st_code parse_root(pctx *c, const cJSON *root, st_policy *p)
{
    static const char *const keys[] = {"name", "version", "description", "levels", "business_hours",
                                       "warn_fraction", "reprioritize_from", "pause_on", "channels",
                                       "uptime"};
    st_code rc = check_keys(c, root, "", keys, sizeof keys / sizeof keys[0]);
    const char *name = NULL, *desc = NULL;
    if (rc == ST_OK)
        rc = get_string(c, root, "", "name", true, &name);
    if (rc != ST_OK)
        return rc;
    if (name[0] == '\0')
        return fail(c, "name", "must not be empty");
    p->name = xstrdup(name);
    bool present;
    int64_t version;
    if ((rc = get_integer(c, root, "", "version", false, 1, INT32_MAX, "a positive whole number", &present,
                          &version)) != ST_OK
        || (rc = get_string(c, root, "", "description", false, &desc)) != ST_OK)
        return rc;
    p->description = xstrdup(desc);
    if ((rc = parse_levels(c, root, p)) != ST_OK)
        return rc;

    const cJSON *bh = cJSON_GetObjectItemCaseSensitive(root, "business_hours");
    if (bh && (rc = parse_business_hours(c, bh, p)) != ST_OK)
        return rc;
    char business_key[128] = "";
    const cJSON *lvj = cJSON_GetObjectItemCaseSensitive(root, "levels")->child;
    for (size_t i = 0; i < p->n_levels && !business_key[0]; i++, lvj = lvj->next)
        business_clock_key(lvj, &p->levels[i], i, business_key, sizeof business_key);
    if (business_key[0]) {
        if (!p->calendar)
            return fail(c, "business_hours", "required key is missing (%s is \"business\")", business_key);
        if (!cal_has_open_time(p->calendar))
            return fail(c, "business_hours.week", "no open time on any weekday, but %s is \"business\"",
                        business_key);
    }

    double d = 0;
    if ((rc = get_number(c, root, "", "warn_fraction", &present, &d)) != ST_OK)
        return rc;
    if (present) {
        if (!(d > 0 && d < 1))
            return fail(c, "warn_fraction", "must be more than 0 and less than 1 (got %g)", d);
        p->warn_fraction = d;
    }
    const char *rf;
    if ((rc = get_string(c, root, "", "reprioritize_from", false, &rf)) != ST_OK)
        return rc;
    if (rf) {
        if (strcmp(rf, "created") == 0)
            p->reprioritize_from = POL_REPRIO_CREATED;
        else if (strcmp(rf, "change") == 0)
            p->reprioritize_from = POL_REPRIO_CHANGE;
        else
            return fail(c, "reprioritize_from", "must be \"created\" or \"change\"");
    }
    const cJSON *po = cJSON_GetObjectItemCaseSensitive(root, "pause_on");
    if (po && (rc = parse_pause_on(c, po, p)) != ST_OK)
        return rc;
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(root, "channels");
    if (ch && (rc = parse_channels(c, ch, p)) != ST_OK)
        return rc;
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(root, "uptime");
    if (up && (rc = parse_uptime(c, up, &p->uptime)) != ST_OK)
        return rc;
    return ST_OK;
}

/* Line and column (1-based) of byte offset `off` in text, for JSON syntax errors. */
static void line_col(const char *text, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

st_code policy_parse(const char *text, size_t len, const char *source, st_policy **out, st_err *err)
{
    pctx c = {source ? source : "policy", err};
    *out = NULL;
    if (memchr(text, '\0', len))
        return st_fail(err, ST_INVALID, "%s: not a JSON text (contains a NUL byte)", c.source);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root) {
        size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
        size_t line, col;
        line_col(text, off, &line, &col);
        return st_fail(err, ST_INVALID, "%s: invalid JSON at line %zu, column %zu", c.source, line, col);
    }
    /* Anything but whitespace after the value is an error, not a second document to ignore. */
    size_t off = (size_t)(end - text);
    while (off < len && strchr(" \t\r\n", text[off]))
        off++;
    if (off < len) {
        size_t line, col;
        line_col(text, off, &line, &col);
        cJSON_Delete(root);
        return st_fail(err, ST_INVALID, "%s: invalid JSON at line %zu, column %zu: text after the value",
                       c.source, line, col);
    }
    if (!cJSON_IsObject(root)) {
        st_code rc = st_fail(err, ST_INVALID, "%s: top level: must be a JSON object, not %s", c.source,
                             json_type_name(root));
        cJSON_Delete(root);
        return rc;
    }
    st_policy *p = xcalloc(1, sizeof *p);
    p->warn_fraction = 0.25;
    p->reprioritize_from = POL_REPRIO_CREATED;
    p->uptime.error_rate_threshold = 0.05;
    p->uptime.notice_days = 7;
    p->pause_on[POL_METRIC_RESOLUTION] = 1u << POL_STATUS_PENDING | 1u << POL_STATUS_ON_HOLD;
    st_code rc = parse_root(&c, root, p);
    cJSON_Delete(root);
    if (rc != ST_OK) {
        policy_free(p);
        return rc;
    }
    *out = p;
    return ST_OK;
}

st_code policy_load_file(const char *path, st_policy **out, st_err *err)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    st_code rc = read_file_all(path, POLICY_MAX_BYTES, &text, &len, err);
    if (rc != ST_OK)
        return rc;
    rc = policy_parse(text, len, path, out, err);
    free(text);
    return rc;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void policy_free(st_policy *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->description);
    for (size_t i = 0; i < p->n_levels; i++) {
        pol_level *lv = &p->levels[i];
        free(lv->id);
        free(lv->label);
        free(lv->description);
        free_strings(lv->examples, lv->n_examples);
        free_strings(lv->criteria, lv->n_criteria);
    }
    free(p->levels);
    cal_free(p->calendar);
    free(p->zone_name);
    for (size_t i = 0; i < p->n_channels; i++) {
        free(p->channels[i].channel);
        free(p->channels[i].level);
    }
    free(p->channels);
    for (size_t i = 0; i < p->uptime.n_maintenance; i++) {
        free(p->uptime.maintenance[i].id);
        free(p->uptime.maintenance[i].name);
    }
    free(p->uptime.maintenance);
    free(p);
}

int policy_level_index(const st_policy *p, const char *id)
{
    if (!p || !id)
        return -1;
    for (size_t i = 0; i < p->n_levels; i++)
        if (p->levels[i].id && strcmp(p->levels[i].id, id) == 0)
            return (int)i;
    return -1;
}

const char *policy_channel_level(const st_policy *p, const char *channel)
{
    if (!p || !channel)
        return NULL;
    for (size_t i = 0; i < p->n_channels; i++)
        if (strcmp(p->channels[i].channel, channel) == 0)
            return p->channels[i].level;
    return NULL;
}

int64_t policy_level_target_s(const st_policy *p, size_t level)
{
    if (!p || level >= p->n_levels)
        return 0;
    return p->levels[level].response_minutes * 60;
}

const char *policy_default_level(const st_policy *p, const char *channel, bool *from_channel)
{
    const char *level = channel ? policy_channel_level(p, channel) : NULL;
    if (from_channel)
        *from_channel = level != NULL;
    return level ? level : p->levels[p->n_levels - 1].id; /* the lowest */
}

bool policy_level_target(const st_policy *p, size_t level, pol_metric m, pol_target *out)
{
    *out = (pol_target){0, POL_CLOCK_24X7};
    if (!p || level >= p->n_levels || (unsigned)m >= POL_METRIC_COUNT)
        return false;
    const pol_level *lv = &p->levels[level];
    if (m == POL_METRIC_FIRST_RESPONSE)
        *out = (pol_target){lv->response_minutes, lv->clock};
    else
        *out = lv->targets[m];
    return out->minutes > 0;
}

const char *policy_metric_name(pol_metric m)
{
    return (unsigned)m < POL_METRIC_COUNT ? metric_names[m] : "?";
}

const char *policy_status_name(pol_status s)
{
    return (unsigned)s < POL_STATUS_COUNT ? status_names[s] : "?";
}
