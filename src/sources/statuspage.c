/* statuspage: Statuspage v2 scheduled maintenances as maintenance windows. */
#include "slatop/statuspage.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/prometheus.h"

static st_code get_time(const cJSON *o, const char *key, size_t i, bool required, st_time *out, st_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        *out = ST_TIME_NONE;
        if (required)
            return st_fail(err, ST_INVALID, "scheduled_maintenances[%zu].%s: missing", i, key);
        return ST_OK;
    }
    if (!cJSON_IsString(v) || !time_parse_iso(v->valuestring, out))
        return st_fail(err, ST_INVALID, "scheduled_maintenances[%zu].%s: expected an ISO 8601 time", i, key);
    return ST_OK;
}

static char *get_string(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

st_code statuspage_parse(const char *body, size_t len, long http_status, const char *content_type,
                         uptime_window **out, size_t *n, st_err *err)
{
    *out = NULL;
    *n = 0;
    st_code rc = prom_check_body(body, len, http_status, content_type, err);
    if (rc)
        return rc;
    if (http_status != 0 && http_status != 200)
        return st_fail(err, ST_NET, "HTTP %ld", http_status);
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!root)
        return st_fail(err, ST_INVALID, "answer is not valid JSON");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "scheduled_maintenances");
    if (!cJSON_IsArray(list)) {
        cJSON_Delete(root);
        return st_fail(err, ST_INVALID, "scheduled_maintenances: expected an array");
    }
    size_t cap = (size_t)cJSON_GetArraySize(list);
    uptime_window *w = xcalloc(cap ? cap : 1, sizeof *w);
    size_t i = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, list)
    {
        uptime_window *x = &w[i];
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
        if (!cJSON_IsObject(m) || !cJSON_IsString(id) || !*id->valuestring) {
            rc = st_fail(err, ST_INVALID, "scheduled_maintenances[%zu].id: expected a string", i);
            break;
        }
        if ((rc = get_time(m, "scheduled_for", i, true, &x->start, err)) ||
            (rc = get_time(m, "scheduled_until", i, true, &x->end, err)) ||
            (rc = get_time(m, "created_at", i, false, &x->announced, err)))
            break;
        x->id = xstrdup(id->valuestring);
        x->name = get_string(m, "name");
        x->status = get_string(m, "status");
        i++;
    }
    cJSON_Delete(root);
    if (rc) {
        uptime_windows_free(w, i + 1);
        return rc;
    }
    *out = w;
    *n = i;
    return ST_OK;
}
