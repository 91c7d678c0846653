/* config: the user's configuration file (SPEC §5, §7), loaded and validated strictly: unknown keys
 * and wrong types are refused as "FILE: KEY: reason" so a typo never silently means a default. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "slatop/config.h"
#include "slatop/tz.h"

#define CONFIG_MAX_BYTES (1024 * 1024)
#define DEFAULT_QUERY                                                                              \
    "sum(increase(http_requests_total{code=\"500\"}[1m])) / "                                      \
    "sum(increase(http_requests_total{code!~\"4..\"}[1m]))"

/* Expands a leading "~/" with $HOME so paths in the file read as a shell user expects. */
static char *expand_home(const char *s)
{
    if (s[0] == '~' && s[1] == '/') {
        const char *home = getenv("HOME");
        if (home && *home)
            return xasprintf("%s%s", home, s + 1);
    }
    return xstrdup(s);
}

static st_code bad(st_err *err, const char *src, const char *key, const char *why)
{
    return st_fail(err, ST_INVALID, "%s: %s: %s", src, key, why);
}

static st_code get_string(const cJSON *v, const char *src, const char *key, bool path, char **out,
                          st_err *err)
{
    if (!cJSON_IsString(v) || !v->valuestring)
        return bad(err, src, key, "must be a string");
    if (v->valuestring[0] == '\0')
        return bad(err, src, key, "must not be empty");
    free(*out);
    *out = path ? expand_home(v->valuestring) : xstrdup(v->valuestring);
    return ST_OK;
}

/* The strings of array arr into out[*n...] (room for each given by the caller), counting them in
 * *n as they are taken, so a failure leaves only what was taken for the caller to free. Errors
 * name the element: KEY[I]. */
static st_code get_strings(const cJSON *arr, const char *src, const char *key, char **out, size_t *n, st_err *err)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, arr)
    {
        char vkey[240];
        snprintf(vkey, sizeof vkey, "%s[%zu]", key, *n);
        st_code rc = get_string(v, src, vkey, false, &out[*n], err);
        if (rc != ST_OK)
            return rc;
        (*n)++;
    }
    return ST_OK;
}

static st_code get_int(const cJSON *v, const char *src, const char *key, int lo, int hi, int *out,
                       st_err *err)
{
    if (!cJSON_IsNumber(v))
        return bad(err, src, key, "must be a number");
    double d = v->valuedouble;
    /* The range first: casting an out-of-range (or NaN) double to an integer is undefined. */
    if (!(d >= lo && d <= hi) || d != (double)(int)d)
        return st_fail(err, ST_INVALID, "%s: %s: must be a whole number from %d to %d", src, key, lo, hi);
    *out = (int)d;
    return ST_OK;
}

static st_code parse_prometheus(const cJSON *obj, const char *src, cfg_prometheus *p, st_err *err)
{
    if (!cJSON_IsObject(obj))
        return bad(err, src, "monitoring.prometheus", "must be an object");
    bool have_url = false;
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        char key[160];
        snprintf(key, sizeof key, "monitoring.prometheus.%s", it->string);
        st_code rc;
        if (strcmp(it->string, "url") == 0) {
            rc = get_string(it, src, key, false, &p->url, err);
            have_url = true;
        } else if (strcmp(it->string, "query") == 0)
            rc = get_string(it, src, key, false, &p->query, err);
        else if (strcmp(it->string, "requests_query") == 0)
            rc = get_string(it, src, key, false, &p->requests_query, err);
        else if (strcmp(it->string, "username") == 0)
            rc = get_string(it, src, key, false, &p->username, err);
        else if (strcmp(it->string, "password_file") == 0)
            rc = get_string(it, src, key, true, &p->password_file, err);
        else if (strcmp(it->string, "bearer_token_file") == 0)
            rc = get_string(it, src, key, true, &p->bearer_token_file, err);
        else if (strcmp(it->string, "ca_file") == 0)
            rc = get_string(it, src, key, true, &p->ca_file, err);
        else if (strcmp(it->string, "timeout_s") == 0)
            rc = get_int(it, src, key, 1, 3600, &p->timeout_s, err);
        else if (strcmp(it->string, "poll_s") == 0)
            rc = get_int(it, src, key, 1, 86400, &p->poll_s, err);
        else
            rc = bad(err, src, key, "unknown key");
        if (rc != ST_OK)
            return rc;
    }
    if (!have_url)
        return bad(err, src, "monitoring.prometheus.url", "missing");
    const char *u = p->url;
    if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0 && strncmp(u, "file://", 7) != 0)
        return bad(err, src, "monitoring.prometheus.url", "must start with http://, https:// or file://");
    return ST_OK;
}

static st_code parse_monitoring(const cJSON *obj, const char *src, st_config *c, st_err *err)
{
    if (!cJSON_IsObject(obj))
        return bad(err, src, "monitoring", "must be an object");
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        st_code rc;
        if (strcmp(it->string, "prometheus") == 0) {
            c->has_prometheus = true;
            rc = parse_prometheus(it, src, &c->prometheus, err);
        } else if (strcmp(it->string, "statuspage") == 0) {
            if (!cJSON_IsObject(it))
                return bad(err, src, "monitoring.statuspage", "must be an object");
            rc = ST_OK;
            const cJSON *s;
            cJSON_ArrayForEach(s, it)
            {
                char key[160];
                snprintf(key, sizeof key, "monitoring.statuspage.%s", s->string);
                if (strcmp(s->string, "url") != 0)
                    return bad(err, src, key, "unknown key");
                rc = get_string(s, src, key, false, &c->statuspage_url, err);
                if (rc != ST_OK)
                    return rc;
            }
            if (!c->statuspage_url)
                return bad(err, src, "monitoring.statuspage.url", "missing");
        } else {
            char key[160];
            snprintf(key, sizeof key, "monitoring.%s", it->string);
            rc = bad(err, src, key, "unknown key");
        }
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* "alerts": {"bell": true, "command": ["notify-send", "slatop"]} (SPEC §8). The command is an
 * argument vector run without a shell, so it must name at least the program. */
static st_code parse_alerts(const cJSON *obj, const char *src, st_config *c, st_err *err)
{
    if (!cJSON_IsObject(obj))
        return bad(err, src, "alerts", "must be an object with bell, command");
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        char key[160];
        snprintf(key, sizeof key, "alerts.%s", it->string);
        if (strcmp(it->string, "bell") == 0) {
            if (!cJSON_IsBool(it))
                return bad(err, src, key, "must be true or false");
            c->alerts_bell = cJSON_IsTrue(it);
        } else if (strcmp(it->string, "command") == 0) {
            size_t n = cJSON_IsArray(it) ? (size_t)cJSON_GetArraySize(it) : 0;
            if (n == 0)
                return bad(err, src, key, "must be a non-empty array of strings (program, arguments)");
            c->alerts_command = xcalloc(n + 1, sizeof *c->alerts_command);
            st_code rc = get_strings(it, src, key, c->alerts_command, &c->n_alerts_command, err);
            if (rc != ST_OK)
                return rc;
        } else {
            return bad(err, src, key, "unknown key");
        }
    }
    return ST_OK;
}

/* A key given twice in one object, anywhere in the file: the first such key's path into *path
 * (e.g. "theme" or "monitoring.prometheus.url"). JSON allows it, but which value wins would be a
 * guess, so the file is refused instead (and no section is ever parsed twice). */
static bool find_duplicate_key(const cJSON *node, strbuf *path)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, node)
    {
        if (cJSON_IsObject(node) && a->string)
            for (const cJSON *b = node->child; b != a; b = b->next)
                if (b->string && strcmp(a->string, b->string) == 0) {
                    sb_append(path, a->string);
                    return true;
                }
        if (cJSON_IsObject(a) || cJSON_IsArray(a)) {
            size_t mark = path->len;
            if (cJSON_IsObject(node) && a->string)
                sb_printf(path, "%s.", a->string);
            if (find_duplicate_key(a, path))
                return true;
            path->len = mark;
            if (path->buf)
                path->buf[mark] = '\0';
        }
    }
    return false;
}

static bool color_name_ok(const char *s)
{
    static const char *const names[] = {"default", "black", "red",     "green", "yellow",
                                        "blue",    "magenta", "cyan",  "white", NULL};
    for (size_t i = 0; names[i]; i++)
        if (strcmp(s, names[i]) == 0)
            return true;
    /* "color0".."color255" for 256-colour terminals. */
    if (strncmp(s, "color", 5) == 0 && s[5]) {
        char *end;
        long n = strtol(s + 5, &end, 10);
        return *end == '\0' && n >= 0 && n <= 255;
    }
    return false;
}

/* "countdown_seconds": "always" (H:MM:SS everywhere) or "last_hour" (the default: seconds only in
 * a countdown's last hour and its first overdue hour). */
static st_code parse_countdown_seconds(const cJSON *v, const char *src, st_config *c, st_err *err)
{
    if (!cJSON_IsString(v) || (strcmp(v->valuestring, "always") != 0 && strcmp(v->valuestring, "last_hour") != 0))
        return bad(err, src, "countdown_seconds", "must be \"always\" or \"last_hour\"");
    c->countdown_seconds_always = strcmp(v->valuestring, "always") == 0;
    return ST_OK;
}

static st_code parse_theme(const cJSON *v, const char *src, st_config *c, st_err *err)
{
    if (cJSON_IsString(v)) {
        if (strcmp(v->valuestring, "default") != 0 && strcmp(v->valuestring, "mono") != 0)
            return bad(err, src, "theme", "must be \"default\", \"mono\" or an object of elements");
        free(c->theme);
        c->theme = xstrdup(v->valuestring);
        return ST_OK;
    }
    if (!cJSON_IsObject(v))
        return bad(err, src, "theme", "must be \"default\", \"mono\" or an object of elements");
    free(c->theme);
    c->theme = xstrdup("custom");
    size_t n = (size_t)cJSON_GetArraySize(v);
    c->colors = xcalloc(n ? n : 1, sizeof *c->colors);
    const cJSON *el;
    cJSON_ArrayForEach(el, v)
    {
        char key[200];
        snprintf(key, sizeof key, "theme.%s", el->string);
        if (!cJSON_IsObject(el))
            return bad(err, src, key, "must be an object with fg, bg, bold, reverse, underline");
        cfg_color *col = &c->colors[c->n_colors++];
        col->element = xstrdup(el->string);
        const cJSON *f;
        cJSON_ArrayForEach(f, el)
        {
            char fkey[260];
            snprintf(fkey, sizeof fkey, "%s.%s", key, f->string);
            if (strcmp(f->string, "fg") == 0 || strcmp(f->string, "bg") == 0) {
                char **dst = f->string[0] == 'f' ? &col->fg : &col->bg;
                st_code rc = get_string(f, src, fkey, false, dst, err);
                if (rc != ST_OK)
                    return rc;
                if (!color_name_ok(*dst))
                    return bad(err, src, fkey, "unknown colour (default, black, red, green, yellow, "
                                               "blue, magenta, cyan, white, color0..color255)");
            } else if (strcmp(f->string, "bold") == 0 || strcmp(f->string, "reverse") == 0 ||
                       strcmp(f->string, "underline") == 0) {
                if (!cJSON_IsBool(f))
                    return bad(err, src, fkey, "must be true or false");
                bool b = cJSON_IsTrue(f);
                if (f->string[0] == 'b')
                    col->bold = b;
                else if (f->string[0] == 'r')
                    col->reverse = b;
                else
                    col->underline = b;
            } else {
                return bad(err, src, fkey, "unknown key");
            }
        }
    }
    return ST_OK;
}

static st_code parse_keys(const cJSON *v, const char *src, st_config *c, st_err *err)
{
    if (!cJSON_IsObject(v))
        return bad(err, src, "keys", "must be an object of action -> list of keys");
    size_t n = (size_t)cJSON_GetArraySize(v);
    c->keys = xcalloc(n ? n : 1, sizeof *c->keys);
    const cJSON *a;
    cJSON_ArrayForEach(a, v)
    {
        char key[200];
        snprintf(key, sizeof key, "keys.%s", a->string);
        if (!cJSON_IsArray(a))
            return bad(err, src, key, "must be an array of key names");
        cfg_keybinding *kb = &c->keys[c->n_keys++];
        kb->action = xstrdup(a->string);
        size_t nk = (size_t)cJSON_GetArraySize(a);
        kb->keys = xcalloc(nk ? nk : 1, sizeof *kb->keys);
        st_code rc = get_strings(a, src, key, kb->keys, &kb->n_keys, err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

st_code config_parse(const char *text, size_t len, const char *source, st_config **out, st_err *err)
{
    *out = NULL;
    const char *src = source ? source : "config";
    st_config *c = xcalloc(1, sizeof *c);
    c->path = source ? xstrdup(source) : NULL;
    c->theme = xstrdup("default");
    c->prometheus.timeout_s = 15;
    c->prometheus.poll_s = 60;
    c->alerts_bell = true;

    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    st_code rc = ST_OK;
    /* Anything but whitespace after the value is refused (as a policy is), not a second document
     * to ignore. */
    size_t off = end && end >= text ? (size_t)(end - text) : 0;
    while (root && off < len && strchr(" \t\r\n", text[off]) && text[off] != '\0')
        off++;
    if (!root || off < len) {
        size_t line = 1;
        for (size_t i = 0; i < off && i < len; i++)
            line += text[i] == '\n';
        rc = st_fail(err, ST_INVALID, "%s: line %zu: %s", src, line,
                     root ? "text after the JSON value" : "not valid JSON");
        goto done;
    }
    if (!cJSON_IsObject(root)) {
        rc = bad(err, src, "(top level)", "must be a JSON object");
        goto done;
    }
    strbuf dup;
    sb_init(&dup);
    if (find_duplicate_key(root, &dup)) {
        rc = bad(err, src, dup.buf, "duplicate key");
        sb_done(&dup);
        goto done;
    }
    sb_done(&dup);
    const cJSON *it;
    cJSON_ArrayForEach(it, root)
    {
        const char *k = it->string;
        if (strcmp(k, "db") == 0)
            rc = get_string(it, src, "db", true, &c->db, err);
        else if (strcmp(k, "display_timezone") == 0) {
            rc = get_string(it, src, "display_timezone", false, &c->display_timezone, err);
            tz_zone *z = NULL;
            st_err zerr;
            if (rc == ST_OK && tz_load(c->display_timezone, &z, &zerr) != ST_OK)
                rc = st_fail(err, ST_INVALID, "%s: display_timezone: unknown time zone '%s'", src,
                             c->display_timezone);
            tz_free(z);
        }
        else if (strcmp(k, "theme") == 0)
            rc = parse_theme(it, src, c, err);
        else if (strcmp(k, "countdown_seconds") == 0)
            rc = parse_countdown_seconds(it, src, c, err);
        else if (strcmp(k, "keys") == 0)
            rc = parse_keys(it, src, c, err);
        else if (strcmp(k, "monitoring") == 0)
            rc = parse_monitoring(it, src, c, err);
        else if (strcmp(k, "alerts") == 0)
            rc = parse_alerts(it, src, c, err);
        else
            rc = bad(err, src, k, "unknown key");
        if (rc != ST_OK)
            goto done;
    }
    if (c->has_prometheus && !c->prometheus.query)
        c->prometheus.query = xstrdup(DEFAULT_QUERY);
done:
    cJSON_Delete(root);
    if (rc != ST_OK) {
        config_free(c);
        return rc;
    }
    *out = c;
    return ST_OK;
}

static st_code load_path(const char *path, st_config **out, st_err *err)
{
    char *text = NULL;
    size_t len = 0;
    st_code rc = read_file_all(path, CONFIG_MAX_BYTES, &text, &len, err);
    if (rc != ST_OK)
        return rc;
    rc = config_parse(text, len, path, out, err);
    free(text);
    return rc;
}

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Why a named configuration file cannot be used: a symlink loop is no missing file. */
static st_code missing_config(const char *what, const char *path, st_code code, st_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0 && errno == ELOOP)
        return st_fail(err, ST_IO, "%s%s: symlink loop (too many levels of symbolic links)", what, path);
    return st_fail(err, code, "%s%s: no such file", what, path);
}

st_code config_load(const char *explicit_path, st_config **out, st_err *err)
{
    *out = NULL;
    if (explicit_path) {
        if (!file_exists(explicit_path))
            return missing_config("--config ", explicit_path, ST_IO, err);
        return load_path(explicit_path, out, err);
    }
    const char *env = getenv("SLATOP_CONFIG");
    if (env && *env) {
        if (!file_exists(env))
            return missing_config("SLATOP_CONFIG=", env, ST_INVALID, err);
        return load_path(env, out, err);
    }
    const char *home = getenv("HOME");
    const char *xdg = getenv("XDG_CONFIG_HOME");
    char *cands[3] = {NULL, NULL, NULL};
    if (xdg && *xdg)
        cands[0] = xasprintf("%s/slatop/config.json", xdg);
    if (home && *home)
        cands[1] = xasprintf("%s/.config/slatop/config.json", home);
    cands[2] = xstrdup("/etc/slatop/config.json");
    st_code rc = ST_OK;
    bool found = false;
    for (int i = 0; i < 3 && !found; i++) {
        if (cands[i] && file_exists(cands[i])) {
            found = true;
            rc = load_path(cands[i], out, err);
        }
    }
    for (int i = 0; i < 3; i++)
        free(cands[i]);
    if (found)
        return rc;
    /* No file anywhere: the defaults. */
    return config_parse("{}", 2, NULL, out, err);
}

void config_free(st_config *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->db);
    free(c->display_timezone);
    free(c->theme);
    for (size_t i = 0; i < c->n_colors; i++) {
        free(c->colors[i].element);
        free(c->colors[i].fg);
        free(c->colors[i].bg);
    }
    free(c->colors);
    for (size_t i = 0; i < c->n_keys; i++) {
        for (size_t j = 0; j < c->keys[i].n_keys; j++)
            free(c->keys[i].keys[j]);
        free(c->keys[i].keys);
        free(c->keys[i].action);
    }
    free(c->keys);
    config_prometheus_done(&c->prometheus);
    free(c->statuspage_url);
    for (size_t i = 0; i < c->n_alerts_command; i++)
        free(c->alerts_command[i]);
    free(c->alerts_command);
    free(c);
}

void config_prometheus_done(cfg_prometheus *p)
{
    free(p->url);
    free(p->query);
    free(p->requests_query);
    free(p->username);
    free(p->password_file);
    free(p->bearer_token_file);
    free(p->ca_file);
    memset(p, 0, sizeof *p);
}
