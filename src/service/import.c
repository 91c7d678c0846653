/* import: parses `slatop import FILE` (a JSON array of ticket records, or JSON lines) into
 * ops_new_ticket values. The array form is cut into its elements by a small scanner and each
 * element is parsed on its own, exactly like a JSON line: memory stays proportional to one record
 * rather than to a cJSON tree of a million, and a syntax error names its record. */
#include "slatop/import.h"

#include <cjson/cJSON.h>
#include <stdio.h>
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
    free((char *)r->body);
    for (size_t k = 0; k < r->n_messages; k++) {
        free((char *)r->messages[k].author);
        free((char *)r->messages[k].body);
    }
    free((ops_new_message *)r->messages);
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
    bool nul_marked; /* this record's \u0000 escapes were read as U+FFFF (NUL_MARK) */
} parse_ctx;

/* cJSON decodes \u0000 into a NUL that silently ends the string; a record holding one has its
 * escapes rewritten to this (a noncharacter) before parsing, so the value holding it is named
 * and refused (SPEC §8: NUL is refused, never cut). */
#define NUL_MARK "\xEF\xBF\xBF"

static bool holds_nul(const parse_ctx *c, const char *s)
{
    return c->nul_marked && s && strstr(s, NUL_MARK) != NULL;
}

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

static const char *const import_keys[] = {"title", "level", "customer", "channel", "ref", "created", "body", "messages"};
#define N_IMPORT_KEYS (sizeof import_keys / sizeof *import_keys)
enum { KEY_TITLE, KEY_LEVEL, KEY_CUSTOMER, KEY_CHANNEL, KEY_REF, KEY_CREATED, KEY_BODY, KEY_MESSAGES };

static const char *const message_keys[] = {"kind", "author", "at", "body"};
#define N_MESSAGE_KEYS (sizeof message_keys / sizeof *message_keys)
enum { MKEY_KIND, MKEY_AUTHOR, MKEY_AT, MKEY_BODY };

/* Fills seen[] (n keys) with obj's members by key; refuses unknown and repeated keys, naming
 * them after `prefix` ("" or "messages[K]."). */
static st_code members(parse_ctx *c, const cJSON *obj, size_t record, const char *prefix,
                       const char *const *keys, size_t n, const char *listed, const cJSON **seen)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        size_t k = 0;
        while (k < n && strcmp(it->string, keys[k]) != 0)
            k++;
        char *key = xasprintf("%s%s", prefix, it->string);
        st_code rc = ST_OK;
        if (k == n) {
            char *why = xasprintf("unknown key (keys: %s)", listed);
            rc = record_fail(c, record, key, why);
            free(why);
        } else if (seen[k]) {
            rc = record_fail(c, record, key, "duplicate key");
        }
        free(key);
        if (rc != ST_OK)
            return rc;
        seen[k] = it;
    }
    return ST_OK;
}

/* An ISO 8601 time value, or the error naming key. */
static st_code time_value(parse_ctx *c, size_t record, const char *key, const char *text, st_time *out)
{
    if (time_parse_iso(text, out))
        return ST_OK;
    char *shown = text_sanitize(text, false);
    char *why = xasprintf("not an ISO 8601 time: '%s' (e.g. 2026-11-20T10:00:00Z)", shown);
    record_fail(c, record, key, why);
    free(why);
    free(shown);
    return ST_INVALID;
}

/* Reads messages[K] into *m (strings owned by m). */
static st_code take_message(parse_ctx *c, const cJSON *obj, size_t record, size_t k, ops_new_message *m)
{
    char prefix[40];
    snprintf(prefix, sizeof prefix, "messages[%zu].", k);
    char key[64];
    if (!cJSON_IsObject(obj)) {
        snprintf(key, sizeof key, "messages[%zu]", k);
        return record_fail(c, record, key, "must be an object {kind, author, at, body}");
    }
    const cJSON *seen[N_MESSAGE_KEYS] = {NULL};
    st_code rc = members(c, obj, record, prefix, message_keys, N_MESSAGE_KEYS, "kind, author, at, body", seen);
    if (rc != ST_OK)
        return rc;
    const char *vals[N_MESSAGE_KEYS] = {NULL};
    for (size_t i = 0; i < N_MESSAGE_KEYS; i++) {
        const cJSON *v = seen[i];
        if (!v || (cJSON_IsNull(v) && (i == MKEY_AUTHOR || i == MKEY_AT)))
            continue;
        snprintf(key, sizeof key, "%s%s", prefix, message_keys[i]);
        if (!cJSON_IsString(v))
            return record_fail(c, record, key, "must be a string");
        if (holds_nul(c, v->valuestring))
            return record_fail(c, record, key, "contains a NUL character (refused, not cut)");
        vals[i] = v->valuestring;
    }
    m->at = ST_TIME_NONE;
    snprintf(key, sizeof key, "%skind", prefix);
    if (!vals[MKEY_KIND])
        return record_fail(c, record, key, "missing (required: customer, reply or note)");
    if (!msg_kind_parse(vals[MKEY_KIND], &m->kind)) {
        char *shown = text_sanitize(vals[MKEY_KIND], false);
        char *why = xasprintf("unknown kind '%s' (kinds: customer, reply, note)", shown);
        record_fail(c, record, key, why);
        free(why);
        free(shown);
        return ST_INVALID;
    }
    snprintf(key, sizeof key, "%sbody", prefix);
    if (!vals[MKEY_BODY])
        return record_fail(c, record, key, "missing (required)");
    snprintf(key, sizeof key, "%sat", prefix);
    if (vals[MKEY_AT] && (rc = time_value(c, record, key, vals[MKEY_AT], &m->at)) != ST_OK)
        return rc;
    /* An empty author is no author, as the ticket's optional strings. */
    m->author = vals[MKEY_AUTHOR] && !blank_string(vals[MKEY_AUTHOR]) ? xstrdup(vals[MKEY_AUTHOR]) : NULL;
    m->body = xstrdup(vals[MKEY_BODY]);
    m->body_len = strlen(m->body);
    return ST_OK;
}

/* Reads the messages array into r (owned by r); times must ascend where given. */
static st_code take_messages(parse_ctx *c, const cJSON *arr, size_t record, ops_new_ticket *r)
{
    if (cJSON_IsNull(arr))
        return ST_OK;
    if (!cJSON_IsArray(arr))
        return record_fail(c, record, "messages", "must be an array of {kind, author, at, body}");
    size_t n = (size_t)cJSON_GetArraySize(arr);
    ops_new_message *ms = xcalloc(n ? n : 1, sizeof *ms);
    r->messages = ms;
    st_time prev = ST_TIME_NONE;
    size_t k = 0;
    for (const cJSON *it = arr->child; it; it = it->next, k++) {
        st_code rc = take_message(c, it, record, k, &ms[k]);
        r->n_messages = k + 1; /* the record frees what was taken, even on error */
        if (rc != ST_OK)
            return rc;
        if (ms[k].at != ST_TIME_NONE) {
            if (prev != ST_TIME_NONE && ms[k].at < prev) {
                char key[40];
                snprintf(key, sizeof key, "messages[%zu].at", k);
                return record_fail(c, record, key, "before the message above it (messages ascend in time)");
            }
            prev = ms[k].at;
        }
    }
    return ST_OK;
}

/* Validates one parsed object and appends it to the batch. */
static st_code take_record(parse_ctx *c, const cJSON *obj, size_t record)
{
    if (!cJSON_IsObject(obj))
        return st_fail(c->err, ST_INVALID, "%s: record %zu: not a JSON object", c->source, record);
    const cJSON *seen[N_IMPORT_KEYS] = {NULL};
    st_code rc = members(c, obj, record, "", import_keys, N_IMPORT_KEYS,
                         "title, level, customer, channel, ref, created, body, messages", seen);
    if (rc != ST_OK)
        return rc;
    ops_new_ticket r = {.created = ST_TIME_NONE};
    const char *vals[N_IMPORT_KEYS] = {NULL};
    for (size_t k = 0; k < N_IMPORT_KEYS; k++) {
        const cJSON *v = seen[k];
        if (!v || k == KEY_MESSAGES)
            continue;
        /* null reads as "not given" for the optional keys, as exports often write it. */
        if (cJSON_IsNull(v) && k != KEY_TITLE)
            continue;
        if (!cJSON_IsString(v))
            return record_fail(c, record, import_keys[k], "must be a string");
        if (holds_nul(c, v->valuestring))
            return record_fail(c, record, import_keys[k], "contains a NUL character (refused, not cut)");
        vals[k] = v->valuestring;
    }
    if (!seen[KEY_TITLE])
        return record_fail(c, record, "title", "missing (required)");
    if (blank_string(vals[KEY_TITLE]))
        return record_fail(c, record, "title", "must not be empty");
    if (vals[KEY_LEVEL] && blank_string(vals[KEY_LEVEL]))
        return record_fail(c, record, "level", "must not be empty");
    st_time created = ST_TIME_NONE;
    if (vals[KEY_CREATED] && (rc = time_value(c, record, "created", vals[KEY_CREATED], &created)) != ST_OK)
        return rc;
    /* Empty optional strings (customer, channel, ref) read as absent: an empty ref is no ref. */
    const char *ref = vals[KEY_REF] && *vals[KEY_REF] ? vals[KEY_REF] : NULL;
    if (c->batch->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->batch->records = xrealloc(c->batch->records, c->cap * sizeof *c->batch->records);
    }
    r.title = xstrdup(vals[KEY_TITLE]);
    r.level = xstrdup(vals[KEY_LEVEL]);
    r.customer = vals[KEY_CUSTOMER] && *vals[KEY_CUSTOMER] ? xstrdup(vals[KEY_CUSTOMER]) : NULL;
    r.channel = vals[KEY_CHANNEL] && *vals[KEY_CHANNEL] ? xstrdup(vals[KEY_CHANNEL]) : NULL;
    r.ref = xstrdup(ref);
    r.created = created;
    if (vals[KEY_BODY]) {
        r.body = xstrdup(vals[KEY_BODY]);
        r.body_len = strlen(r.body);
    }
    /* In the batch from here on, so import_batch_done frees whatever was taken. */
    c->batch->records[c->batch->n++] = r;
    if (seen[KEY_MESSAGES]) {
        rc = take_messages(c, seen[KEY_MESSAGES], record, &c->batch->records[c->batch->n - 1]);
        if (rc != ST_OK)
            return rc;
    }
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

/* A copy of s[0..n) with every \u0000 escape rewritten to \uFFFF (same length), or NULL when s
 * holds none. Backslashes outside strings are JSON errors anyway, so strings need no tracking. */
static char *nul_escapes_marked(const char *s, size_t n)
{
    char *copy = NULL;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != '\\')
            continue;
        if (s[i + 1] == 'u' && i + 5 < n && memcmp(s + i + 2, "0000", 4) == 0) {
            if (!copy) {
                copy = xmalloc(n + 1);
                memcpy(copy, s, n);
                copy[n] = '\0';
            }
            memcpy(copy + i + 2, "FFFF", 4);
        }
        i++; /* the escaped character: "\\u0000" is a backslash and text */
    }
    return copy;
}

/* Parses text[start..end) as one JSON value and takes it as record number `record`. */
static st_code parse_record(parse_ctx *c, const char *text, size_t start, size_t end, size_t record)
{
    if (record > IMPORT_MAX_RECORDS)
        return st_fail(c->err, ST_INVALID, "%s: more than %u records (the limit)", c->source,
                       IMPORT_MAX_RECORDS);
    const char *parse_end = NULL;
    char *marked = nul_escapes_marked(text + start, end - start);
    c->nul_marked = marked != NULL;
    cJSON *obj = cJSON_ParseWithLengthOpts(marked ? marked : text + start, end - start, &parse_end, false);
    if (marked && parse_end) /* same length: map the end back onto text */
        parse_end = text + start + (parse_end - marked);
    free(marked);
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
