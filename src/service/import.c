/* import: parses `slatop import FILE` (a JSON array of ticket records, or JSON lines) into
 * ops_new_ticket values. The array form is cut into its elements by a small scanner and each
 * element is parsed on its own, exactly like a JSON line: memory stays proportional to one record
 * rather than to a cJSON tree of a million, and a syntax error names its record. */
#include "slatop/import.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/text.h"

void import_batch_init(import_batch *b)
{
    b->records = NULL;
    b->n = 0;
}

static void record_free(ops_new_ticket *r)
{
    /* The batch allocated every string, so casting away the const of the ops view is sound. */
    free((char *)r->title);
    free((char *)r->level);
    free((char *)r->customer);
    free((char *)r->channel);
    free((char *)r->ref);
}

void import_batch_done(import_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        record_free(&b->records[i]);
    free(b->records);
    import_batch_init(b);
}

/* ---- duplicate refs: a small open-addressing set of (ref, record number) ---- */

typedef struct {
    const char *ref; /* borrowed from the batch */
    size_t record;   /* 1-based */
} ref_slot;

typedef struct {
    ref_slot *slots;
    size_t cap; /* power of two */
    size_t used;
} ref_set;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static void ref_set_grow(ref_set *rs);

/* Adds ref for `record`; returns the earlier record number if already present, else 0. */
static size_t ref_set_add(ref_set *rs, const char *ref, size_t record)
{
    if ((rs->used + 1) * 2 > rs->cap)
        ref_set_grow(rs);
    size_t mask = rs->cap - 1;
    for (size_t i = (size_t)fnv1a(ref) & mask;; i = (i + 1) & mask) {
        if (!rs->slots[i].ref) {
            rs->slots[i].ref = ref;
            rs->slots[i].record = record;
            rs->used++;
            return 0;
        }
        if (strcmp(rs->slots[i].ref, ref) == 0)
            return rs->slots[i].record;
    }
}

static void ref_set_grow(ref_set *rs)
{
    ref_set bigger = {xcalloc(rs->cap ? rs->cap * 2 : 64, sizeof(ref_slot)), rs->cap ? rs->cap * 2 : 64, 0};
    for (size_t i = 0; i < rs->cap; i++)
        if (rs->slots[i].ref)
            ref_set_add(&bigger, rs->slots[i].ref, rs->slots[i].record);
    free(rs->slots);
    *rs = bigger;
}

/* ---- one record ---- */

typedef struct {
    const char *source;
    import_batch *batch;
    size_t cap;
    ref_set refs;
    st_err *err;
} parse_ctx;

static st_code record_fail(parse_ctx *c, size_t record, const char *key, const char *reason)
{
    /* Keys and values come from the file: sanitise before they can reach a terminal. */
    char *k = text_sanitize(key, false);
    st_fail(c->err, ST_INVALID, "%s: record %zu: %s: %s", c->source, record, k, reason);
    free(k);
    return ST_INVALID;
}

static bool blank_string(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

static const char *const import_keys[] = {"title", "level", "customer", "channel", "ref", "created"};
#define N_IMPORT_KEYS (sizeof import_keys / sizeof *import_keys)

/* Validates one parsed object and appends it to the batch. */
static st_code take_record(parse_ctx *c, const cJSON *obj, size_t record)
{
    if (!cJSON_IsObject(obj))
        return st_fail(c->err, ST_INVALID, "%s: record %zu: not a JSON object", c->source, record);
    const cJSON *seen[N_IMPORT_KEYS] = {NULL};
    for (const cJSON *it = obj->child; it; it = it->next) {
        size_t k = 0;
        while (k < N_IMPORT_KEYS && strcmp(it->string, import_keys[k]) != 0)
            k++;
        if (k == N_IMPORT_KEYS)
            return record_fail(c, record, it->string,
                               "unknown key (keys: title, level, customer, channel, ref, created)");
        if (seen[k])
            return record_fail(c, record, it->string, "duplicate key");
        seen[k] = it;
    }
    ops_new_ticket r = {.created = ST_TIME_NONE};
    const char *vals[N_IMPORT_KEYS] = {NULL};
    for (size_t k = 0; k < N_IMPORT_KEYS; k++) {
        const cJSON *v = seen[k];
        if (!v)
            continue;
        /* null reads as "not given" for the optional keys, as exports often write it. */
        if (cJSON_IsNull(v) && k != 0)
            continue;
        if (!cJSON_IsString(v))
            return record_fail(c, record, import_keys[k], "must be a string");
        vals[k] = v->valuestring;
    }
    if (!seen[0])
        return record_fail(c, record, "title", "missing (required)");
    if (blank_string(vals[0]))
        return record_fail(c, record, "title", "must not be empty");
    if (vals[1] && blank_string(vals[1]))
        return record_fail(c, record, "level", "must not be empty");
    st_time created = ST_TIME_NONE;
    if (vals[5] && !time_parse_iso(vals[5], &created)) {
        char *shown = text_sanitize(vals[5], false);
        char *why = xasprintf("not an ISO 8601 time: '%s' (e.g. 2026-11-20T10:00:00Z)", shown);
        record_fail(c, record, "created", why);
        free(why);
        free(shown);
        return ST_INVALID;
    }
    /* Empty optional strings (customer, channel, ref) read as absent: an empty ref is no ref. */
    const char *ref = vals[4] && *vals[4] ? vals[4] : NULL;
    if (c->batch->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->batch->records = xrealloc(c->batch->records, c->cap * sizeof *c->batch->records);
    }
    r.title = xstrdup(vals[0]);
    r.level = xstrdup(vals[1]);
    r.customer = vals[2] && *vals[2] ? xstrdup(vals[2]) : NULL;
    r.channel = vals[3] && *vals[3] ? xstrdup(vals[3]) : NULL;
    r.ref = xstrdup(ref);
    r.created = created;
    c->batch->records[c->batch->n++] = r;
    if (r.ref) {
        size_t other = ref_set_add(&c->refs, r.ref, record);
        if (other) {
            char *shown = text_sanitize(r.ref, false);
            char *why = xasprintf("duplicate '%s' (also record %zu)", shown, other);
            record_fail(c, record, "ref", why);
            free(why);
            free(shown);
            return ST_INVALID;
        }
    }
    return ST_OK;
}

static bool is_ws(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static size_t line_of(const char *text, size_t pos)
{
    size_t line = 1;
    for (size_t i = 0; i < pos; i++)
        if (text[i] == '\n')
            line++;
    return line;
}

/* Parses text[start..end) as one JSON value and takes it as record number `record`. */
static st_code parse_record(parse_ctx *c, const char *text, size_t start, size_t end, size_t record)
{
    if (record > IMPORT_MAX_RECORDS)
        return st_fail(c->err, ST_INVALID, "%s: more than %u records (the limit)", c->source,
                       IMPORT_MAX_RECORDS);
    const char *parse_end = NULL;
    cJSON *obj = cJSON_ParseWithLengthOpts(text + start, end - start, &parse_end, false);
    size_t stop = parse_end ? (size_t)(parse_end - text) : start;
    if (obj) {
        /* Anything but white space after the value is an error too (two objects on a line). */
        while (stop < end && is_ws(text[stop]))
            stop++;
        if (stop < end) {
            cJSON_Delete(obj);
            obj = NULL;
        }
    }
    if (!obj) {
        if (stop < start || stop > end)
            stop = start;
        return st_fail(c->err, ST_INVALID, "%s: record %zu: invalid JSON (line %zu)", c->source, record,
                       line_of(text, stop));
    }
    st_code rc = take_record(c, obj, record);
    cJSON_Delete(obj);
    return rc;
}

/* End (exclusive) of the array element starting at pos: the first ',' or ']' outside strings
 * and brackets, or len when the text ends first. */
static size_t element_end(const char *text, size_t len, size_t pos)
{
    int depth = 0;
    bool in_string = false;
    for (; pos < len; pos++) {
        char ch = text[pos];
        if (in_string) {
            if (ch == '\\')
                pos++;
            else if (ch == '"')
                in_string = false;
            continue;
        }
        if (ch == '"')
            in_string = true;
        else if (ch == '{' || ch == '[')
            depth++;
        else if ((ch == '}' || ch == ']') && depth > 0)
            depth--;
        else if ((ch == ',' || ch == ']') && depth == 0)
            return pos;
    }
    return len;
}

static st_code parse_array(parse_ctx *c, const char *text, size_t len, size_t pos)
{
    pos++; /* '[' */
    while (pos < len && is_ws(text[pos]))
        pos++;
    if (pos < len && text[pos] == ']') {
        pos++;
    } else {
        for (size_t record = 1;; record++) {
            size_t end = element_end(text, len, pos);
            if (end >= len)
                return st_fail(c->err, ST_INVALID,
                               "%s: record %zu: invalid JSON (line %zu): the array is not closed", c->source,
                               record, line_of(text, len));
            st_code rc = parse_record(c, text, pos, end, record);
            if (rc != ST_OK)
                return rc;
            pos = end + 1;
            if (text[end] == ']')
                break;
        }
    }
    while (pos < len && is_ws(text[pos]))
        pos++;
    if (pos < len)
        return st_fail(c->err, ST_INVALID, "%s: line %zu: unexpected text after the array", c->source,
                       line_of(text, pos));
    return ST_OK;
}

static st_code parse_lines(parse_ctx *c, const char *text, size_t len, size_t pos)
{
    size_t record = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t s = pos;
        while (s < end && is_ws(text[s]))
            s++;
        if (s < end) {
            st_code rc = parse_record(c, text, s, end, ++record);
            if (rc != ST_OK)
                return rc;
        }
        pos = end + 1;
    }
    return ST_OK;
}

st_code import_parse(const char *text, size_t len, const char *source, import_batch *out, st_err *err)
{
    import_batch_init(out);
    if (memchr(text, '\0', len))
        return st_fail(err, ST_INVALID, "%s: contains a NUL byte (not a JSON text file)", source);
    size_t pos = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3; /* a UTF-8 byte order mark, as some editors write */
    while (pos < len && is_ws(text[pos]))
        pos++;
    parse_ctx c = {.source = source, .batch = out, .err = err};
    st_code rc = ST_OK;
    if (pos == len)
        rc = ST_OK; /* an empty file: nothing to import */
    else if (text[pos] == '[')
        rc = parse_array(&c, text, len, pos);
    else if (text[pos] == '{')
        rc = parse_lines(&c, text, len, pos);
    else
        rc = st_fail(err, ST_INVALID,
                     "%s: line %zu: expected a JSON array of records or JSON lines (one object per line)",
                     source, line_of(text, pos));
    free(c.refs.slots);
    if (rc != ST_OK)
        import_batch_done(out);
    return rc;
}

st_code import_load_file(const char *path, import_batch *out, st_err *err)
{
    import_batch_init(out);
    char *text = NULL;
    size_t len = 0;
    st_code rc = read_file_all(path, IMPORT_MAX_BYTES, &text, &len, err);
    if (rc != ST_OK)
        return rc;
    rc = import_parse(text, len, path, out, err);
    free(text);
    return rc;
}

st_code import_file(st_ops *o, const char *path, int64_t *first_id, size_t *n_added, st_err *err)
{
    if (first_id)
        *first_id = 0;
    if (n_added)
        *n_added = 0;
    import_batch b;
    st_code rc = import_load_file(path, &b, err);
    if (rc != ST_OK)
        return rc;
    rc = ops_add_many(o, b.records, b.n, first_id, err);
    if (rc != ST_OK && err && strncmp(err->msg, "record ", 7) == 0)
        st_err_prefix(err, "%s", path); /* a record's fault is the file's: name it */
    else if (rc == ST_OK && n_added)
        *n_added = b.n;
    import_batch_done(&b);
    return rc;
}
