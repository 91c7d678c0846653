/* ops: every change a user can make, each as one store transaction holding the ticket update and
 * its audit entry (SPEC §2, §3). The pattern of every change is the same: BEGIN IMMEDIATE, read
 * the ticket inside the transaction, check, compute with the SLA engine, update with the version
 * read (or the caller's), append the audit entry, commit; any failure rolls back, so nothing is
 * half-written. */
#include "slatop/ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slatop/audit.h"
#include "slatop/clocks_next.h"
#include "slatop/store.h"
#include "slatop/text.h"

/* Policy files are small; this only guards against pointing --policy at something huge. */
#define OPS_POLICY_MAX_BYTES (16u * 1024u * 1024u)
/* How far ahead of now a ticket's creation time may be (clocks that disagree a little). */
#define OPS_CREATED_AHEAD_MAX_S 300
/* How many ticket ids a "still used by open tickets" message lists before summarising. */
#define OPS_MAX_IDS_SHOWN 10

typedef struct {
    int64_t version;
    st_policy *policy; /* owned */
} ops_cached_policy;

struct st_ops {
    st_store *store;       /* borrowed */
    const st_clock *clock; /* borrowed */
    bool read_only;
    ops_cached_policy *cache; /* owned */
    size_t n_cache;
    clk_result clocks;        /* owned: reused by every next-clock computation */
    clk_event *ev;            /* owned: the history being streamed into compute_next */
    size_t n_ev, ev_cap;
};

/* ---- small helpers ---- */

static bool is_blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\v' && *s != '\f')
            return false;
    return true;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Copy of s without leading and trailing ASCII white space. Caller frees. */
static char *trimmed_dup(const char *s)
{
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_space(s[n - 1]))
        n--;
    return xstrndup(s, n);
}

/* Replaces *dst with a copy of src (NULL allowed). */
static void set_str(char **dst, const char *src)
{
    free(*dst);
    *dst = xstrdup(src);
}

/* Untrusted text (levels, refs typed by users) goes into error lines that reach a terminal:
 * sanitise it first. Caller frees. */
static char *shown(const char *s)
{
    return text_sanitize(s ? s : "", false);
}

static void levels_list(const st_policy *p, strbuf *sb)
{
    for (size_t i = 0; i < p->n_levels; i++) {
        if (i)
            sb_append(sb, ", ");
        sb_append(sb, p->levels[i].id);
    }
}

static st_code unknown_level(st_err *err, const char *key, const st_policy *p, const char *level)
{
    strbuf sb;
    sb_init(&sb);
    levels_list(p, &sb);
    char *lv = shown(level);
    st_fail(err, ST_INVALID, "%s: unknown level '%s' (levels: %s)", key, lv, sb.buf);
    free(lv);
    sb_done(&sb);
    return ST_INVALID;
}

/* A fresh audit entry for a change of ticket `id` at `at` by the OS user. Strings owned by the
 * entry (audit_entry_done). */
static void entry_init(st_audit_entry *e, au_kind kind, int64_t ticket_id, st_time at)
{
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->ticket_id = ticket_id;
    e->at = at;
    e->recorded_at = ST_TIME_NONE;
    e->actor = xstrdup(os_user());
    e->old_due = ST_TIME_NONE;
    e->new_due = ST_TIME_NONE;
}

static st_code refuse_read_only(const st_ops *o, st_err *err)
{
    if (o->read_only)
        return st_fail(err, ST_CONFLICT, "read-only: changes are disabled (--read-only)");
    return ST_OK;
}

/* ---- policy cache ---- */

static const st_policy *cache_find(const st_ops *o, int64_t version)
{
    for (size_t i = 0; i < o->n_cache; i++)
        if (o->cache[i].version == version)
            return o->cache[i].policy;
    return NULL;
}

st_code ops_policy(st_ops *o, int64_t version, const st_policy **out, int64_t *version_out, st_err *err)
{
    if (version > 0) {
        const st_policy *hit = cache_find(o, version);
        if (hit) {
            *out = hit;
            if (version_out)
                *version_out = version;
            return ST_OK;
        }
    }
    /* version 0 (the latest) always asks the store: another engineer may have applied one. */
    char *json = NULL;
    int64_t got = 0;
    st_code rc = store_policy_get(o->store, version, &json, &got, err);
    if (rc != ST_OK)
        return rc;
    const st_policy *hit = cache_find(o, got);
    if (!hit) {
        char source[64];
        snprintf(source, sizeof source, "policy version %lld", (long long)got);
        st_policy *p = NULL;
        rc = policy_parse(json, strlen(json), source, &p, err);
        if (rc != ST_OK) {
            free(json);
            return rc;
        }
        o->cache = xrealloc(o->cache, (o->n_cache + 1) * sizeof *o->cache);
        o->cache[o->n_cache].version = got;
        o->cache[o->n_cache].policy = p;
        o->n_cache++;
        hit = p;
    }
    free(json);
    *out = hit;
    if (version_out)
        *version_out = got;
    return ST_OK;
}

/* ---- lifetime ---- */

st_code ops_new(st_store *store, const st_clock *clock, st_ops **out, st_err *err)
{
    (void)err;
    st_ops *o = xcalloc(1, sizeof *o);
    o->store = store;
    o->clock = clock;
    clocks_result_init(&o->clocks);
    st_code rc = ops_fill_next(o, err);
    if (rc != ST_OK) {
        ops_free(o);
        return rc;
    }
    *out = o;
    return ST_OK;
}

void ops_free(st_ops *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n_cache; i++)
        policy_free(o->cache[i].policy);
    free(o->cache);
    clocks_result_done(&o->clocks);
    free(o->ev);
    free(o);
}

st_store *ops_store(st_ops *o)
{
    return o->store;
}

void ops_set_read_only(st_ops *o, bool ro)
{
    o->read_only = ro;
}

/* ---- init ---- */

st_code ops_init_db_text(const char *db_path, const char *json, const char *source, const st_clock *clock,
                         st_err *err)
{
    /* Validate before creating anything: a bad policy must leave no file behind. */
    st_policy *p = NULL;
    st_code rc = policy_parse(json, strlen(json), source, &p, err);
    if (rc != ST_OK)
        return rc;
    policy_free(p);
    char sha[65];
    rc = audit_sha256_hex(json, strlen(json), sha, err);
    if (rc != ST_OK)
        return rc;

    st_store *s = NULL;
    rc = store_open(db_path, STORE_OPEN_CREATE, &s, err);
    if (rc != ST_OK)
        return rc; /* nothing of ours exists (an existing file is left alone) */

    st_time at = clock_now(clock);
    int64_t version = 0;
    st_audit_entry e;
    entry_init(&e, AU_POLICY_APPLIED, 0, at);
    e.reason = xstrdup("init");

    rc = store_begin(s, err);
    if (rc == ST_OK)
        rc = store_policy_put(s, json, sha, at, os_user(), "init", &version, err);
    if (rc == ST_OK) {
        e.detail = xasprintf("version %lld sha256 %s", (long long)version, sha);
        rc = store_audit_append(s, &e, err);
    }
    if (rc == ST_OK)
        rc = store_commit(s, err);
    if (rc != ST_OK)
        store_rollback(s);
    audit_entry_done(&e);
    store_close(s);
    st_err ignored; /* the failure that got here is the one to report */
    if (rc != ST_OK)
        store_remove(db_path, &ignored);
    return rc;
}

st_code ops_init_db(const char *db_path, const char *policy_path, const st_clock *clock, st_err *err)
{
    char *json = NULL;
    size_t len = 0;
    st_code rc = read_file_all(policy_path, OPS_POLICY_MAX_BYTES, &json, &len, err);
    if (rc != ST_OK)
        return rc;
    if (strlen(json) != len) {
        free(json);
        return st_fail(err, ST_INVALID, "%s: contains a NUL byte", policy_path);
    }
    rc = ops_init_db_text(db_path, json, policy_path, clock, err);
    free(json);
    return rc;
}

/* The sticky breach as the formula over the ticket's current fields: the history up to the last
 * write (breached_hist), plus what happened since under the due in force (SPEC §2). */
static bool breached_now(const st_ticket *t, st_time now)
{
    if (t->breached_hist)
        return true;
    if (t->first_response == ST_TIME_NONE)
        return t->due != ST_TIME_NONE && now >= t->due;
    return t->response_due != ST_TIME_NONE && t->first_response > t->response_due;
}

/* ---- the next clock (schema 3) ---- */

static void push_clock_event(const st_policy *p, st_time created, const st_audit_entry *e, clk_event *ev, size_t *k);

/* The next clock of the ticket whose history is ev[0..n) under p at now into *out. A history the
 * engine refuses (a level its policy version lacks) has no clock rather than no write: the ticket
 * still lists, last. */
static void next_of_events(st_ops *o, const st_policy *p, const clk_event *ev, size_t n, st_time now, tk_next *out)
{
    st_err ignored;
    if (clocks_compute(p, ev, n, now, &o->clocks, &ignored) != ST_OK) {
        memset(out, 0, sizeof *out);
        out->tier = 2;
        out->metric = -1;
        out->due = ST_TIME_NONE;
        out->at = now;
        return;
    }
    clocks_next_of(&o->clocks, now, out);
}

/* The clock events of one ticket as its history streams by, into the ops' reused buffer. The
 * store's strings are gone after each row, and the next clock needs no actor or reason. */
typedef struct {
    st_ops *o;
    const st_policy *p;
    st_time created;
} event_sink;

static void events_reserve(st_ops *o, size_t n)
{
    if (n <= o->ev_cap)
        return;
    o->ev_cap = n < 64 ? 64 : n * 2;
    o->ev = xrealloc(o->ev, o->ev_cap * sizeof *o->ev);
}

static st_code event_sink_visit(void *ctx, const st_audit_entry *e, st_err *err)
{
    (void)err;
    event_sink *s = ctx;
    events_reserve(s->o, s->o->n_ev + 1);
    push_clock_event(s->p, s->created, e, s->o->ev, &s->o->n_ev);
    if (s->o->n_ev > 0) {
        s->o->ev[s->o->n_ev - 1].actor = NULL;
        s->o->ev[s->o->n_ev - 1].reason = NULL;
    }
    return ST_OK;
}

/* Computes ticket t's next clock at now into t->next from its stored history, plus `pending` (an
 * entry about to be appended in this transaction; NULL for none), writing nothing. Reads the
 * history as a stream of the clock's columns only: a write's cost barely grows with it. */
static st_code compute_next(st_ops *o, st_ticket *t, const st_audit_entry *pending, st_time now, st_err *err)
{
    const st_policy *p = NULL;
    st_code rc = ops_policy(o, t->policy_version, &p, NULL, err);
    if (rc != ST_OK)
        return rc;
    event_sink sink = {o, p, t->created};
    o->n_ev = 0;
    rc = store_audit_clock_scan(o->store, t->id, event_sink_visit, &sink, err);
    if (rc == ST_OK && pending)
        (void)event_sink_visit(&sink, pending, err);
    if (rc == ST_OK)
        next_of_events(o, p, o->ev, o->n_ev, now, &t->next);
    return rc;
}

/* Computes ticket t's next clock at now from its stored history and stores it, in the open
 * transaction (for writes that do not go through change_commit's single update). */
static st_code store_next(st_ops *o, st_ticket *t, st_time now, st_err *err)
{
    st_code rc = compute_next(o, t, NULL, now, err);
    return rc != ST_OK ? rc : store_ticket_set_next(o->store, t->id, &t->next, err);
}

/* How many migrated tickets one transaction of ops_fill_next takes. */
#define OPS_FILL_BATCH 4096

st_code ops_fill_next(st_ops *o, st_err *err)
{
    char *pending = NULL;
    st_code rc = store_meta_get(o->store, "next_fill", &pending, err);
    bool due = rc == ST_OK && pending && strcmp(pending, "1") == 0;
    free(pending);
    if (rc != ST_OK || !due || store_read_only(o->store))
        return rc; /* a read-only opener lists the unfilled rows first until a writer fills them */
    rc = store_begin(o->store, err);
    st_time now = clock_now(o->clock);
    for (;;) {
        int64_t *ids = NULL;
        size_t n = 0;
        if (rc == ST_OK)
            rc = store_tickets_next_missing(o->store, OPS_FILL_BATCH, &ids, &n, err);
        for (size_t i = 0; rc == ST_OK && i < n; i++) {
            st_ticket t;
            rc = store_ticket_get(o->store, ids[i], &t, err);
            if (rc == ST_OK) {
                rc = store_next(o, &t, now, err);
                ticket_done(&t);
            }
        }
        free(ids);
        if (rc != ST_OK || n < OPS_FILL_BATCH)
            break;
    }
    if (rc == ST_OK)
        rc = store_meta_set(o->store, "next_fill", "0", err);
    if (rc == ST_OK)
        rc = store_commit(o->store, err);
    if (rc != ST_OK) {
        store_rollback(o->store);
        st_err_prefix(err, "filling the next clocks of schema-2 tickets");
    }
    return rc;
}

/* ---- the change skeleton ---- */

/* Starts a change of ticket `id`: refuses read-only, opens the transaction, reads the ticket
 * inside it and checks the caller's version. On success the transaction stays open and *t is
 * owned by the caller (ticket_done); on failure everything is rolled back. */
static st_code change_begin(st_ops *o, int64_t id, int64_t expect_version, st_ticket *t, st_err *err)
{
    memset(t, 0, sizeof *t);
    st_code rc = refuse_read_only(o, err);
    if (rc != ST_OK)
        return rc;
    rc = store_begin_ticket(o->store, id, t, err);
    if (rc != ST_OK)
        return rc;
    if (expect_version >= 0 && t->version != expect_version) {
        /* Said here rather than left to the update, so a stale caller hears about the other
         * engineer's change before any status check that change may have caused. */
        char when[21];
        char *who = shown(t->updated_by);
        st_fail(err, ST_CONFLICT, "ticket %lld changed since version %lld: by %s at %s (now version %lld)",
                (long long)id, (long long)expect_version, who,
                t->updated_at == ST_TIME_NONE ? "?" : time_format_iso(t->updated_at, when),
                (long long)t->version);
        free(who);
        store_rollback(o->store);
        ticket_done(t);
        memset(t, 0, sizeof *t);
        return ST_CONFLICT;
    }
    return ST_OK;
}

/* Finishes a change: writes t (against the version read), appends e (NULL: the change appended
 * its entries itself, at the clock's now), commits. Rolls back on any failure. Does not free t or e. */
static st_code change_commit(st_ops *o, st_ticket *t, st_audit_entry *e, st_err *err)
{
    st_time at = e ? e->at : clock_now(o->clock);
    set_str(&t->updated_by, e ? e->actor : os_user());
    t->updated_at = at;
    /* Evaluated on the state after the change: a response at the due instant is met (SPEC §2),
     * and a set-level has already folded its history in. */
    t->breached_hist = breached_now(t, at);
    /* The next clock from the history this change completes (e folded in before it is appended),
     * so the row, its next clock and its order index are written by one UPDATE. */
    st_code rc = compute_next(o, t, e, at, err);
    if (rc == ST_OK && e) /* one round trip on a server */
        rc = store_ticket_update_append_commit(o->store, t, t->version, e, err);
    else if (rc == ST_OK) /* the change's entries are already appended */
        rc = store_ticket_update(o->store, t, t->version, err);
    if (rc == ST_OK && !e)
        rc = store_commit(o->store, err);
    if (rc != ST_OK)
        store_rollback(o->store);
    return rc;
}

static st_code change_fail(st_ops *o, st_ticket *t, st_code rc)
{
    store_rollback(o->store);
    ticket_done(t);
    return rc;
}

static st_code ticket_level_index(const st_policy *p, const st_ticket *t, size_t *out, st_err *err)
{
    int idx = policy_level_index(p, t->level);
    if (idx < 0) {
        char *lv = shown(t->level);
        st_fail(err, ST_INVALID, "ticket %lld: level '%s' is not in its policy version %lld",
                (long long)t->id, lv, (long long)t->policy_version);
        free(lv);
        return ST_INVALID;
    }
    *out = (size_t)idx;
    return ST_OK;
}

/* ---- add ---- */

/* Validates one new ticket against the latest policy p and fills *t (caller owns, ticket_done).
 * `many` switches the error keys from option names (--level) to record keys (level). */
static st_code build_ticket(st_ops *o, const st_policy *p, int64_t policy_version, const ops_new_ticket *in,
                            st_time now, bool many, st_ticket *t, st_err *err)
{
    memset(t, 0, sizeof *t);
    if (!in->title || is_blank(in->title)) {
        if (many)
            return st_fail(err, ST_INVALID, "title: must not be empty");
        return st_fail(err, ST_USAGE, "--title is required (non-empty)");
    }
    const char *level = in->level;
    if (level) {
        if (policy_level_index(p, level) < 0)
            return unknown_level(err, many ? "level" : "--level", p, level);
    } else {
        level = policy_default_level(p, in->channel, NULL);
    }
    /* A creation time ahead of now would give a due time that far ahead: a typo, not a ticket. */
    if (in->created != ST_TIME_NONE && in->created > now + OPS_CREATED_AHEAD_MAX_S) {
        char at[21];
        return st_fail(err, many ? ST_INVALID : ST_USAGE,
                       "%s: %s is %lld hours ahead of now (at most %d minutes)", many ? "created" : "--created",
                       time_format_iso(in->created, at), (long long)((in->created - now + 1800) / 3600), /* nearest: --now ticks */
                       OPS_CREATED_AHEAD_MAX_S / 60);
    }
    if (in->ref) {
        if (is_blank(in->ref))
            return st_fail(err, many ? ST_INVALID : ST_USAGE, "%s: must not be empty",
                           many ? "ref" : "--ref");
        int64_t other = 0;
        st_err ferr;
        st_code rc = store_ticket_find_ref(o->store, in->ref, &other, &ferr);
        if (rc == ST_OK && other > 0) {
            char *r = shown(in->ref);
            st_fail(err, ST_CONFLICT, "%s: '%s' is already used by ticket %lld", many ? "ref" : "--ref", r,
                    (long long)other);
            free(r);
            return ST_CONFLICT;
        }
        if (rc != ST_OK && rc != ST_NOTFOUND) {
            *err = ferr;
            return rc;
        }
    }
    st_time created = in->created == ST_TIME_NONE ? now : in->created;
    size_t idx = (size_t)policy_level_index(p, level);
    st_time due = sla_due(p, idx, created);
    if (due == ST_TIME_NONE)
        return st_fail(err, ST_INVALID, "level %s: the business calendar never opens", level);

    t->ref = xstrdup(in->ref);
    t->title = trimmed_dup(in->title);
    t->customer = xstrdup(in->customer);
    t->channel = xstrdup(in->channel);
    t->level = xstrdup(level);
    t->assignee = NULL;
    t->status = TK_OPEN;
    t->created = created;
    t->first_response = ST_TIME_NONE;
    t->resolved = ST_TIME_NONE;
    t->clock_start = created;
    t->due = due;
    t->response_due = ST_TIME_NONE;
    t->policy_version = policy_version;
    t->version = 1;
    t->updated_by = xstrdup(os_user());
    t->updated_at = now;
    t->breached_hist = breached_now(t, now); /* an old ticket can be born breached */
    return ST_OK;
}

/* Appends message m (body already repaired) to ticket t's conversation with its audit entry, in
 * the open transaction. `first_response`: this message records the ticket's first response. The
 * entry's time is the message's: the clocks read the conversation from the audit history. */
static st_code append_message(st_ops *o, st_message *m, bool first_response, st_err *err)
{
    st_audit_entry e;
    entry_init(&e, AU_MESSAGE, m->ticket_id, m->at);
    e.message_kind = xstrdup(msg_kind_name(m->kind));
    char hash[65];
    st_code rc = audit_sha256_hex(m->body, strlen(m->body), hash, err);
    if (rc == ST_OK)
        rc = store_message_insert(o->store, m, err);
    if (rc == ST_OK) {
        e.message_id = m->id;
        e.body_sha256 = xstrdup(hash);
        /* The marker ops_events_from_audit reads, as resolve's. */
        if (first_response)
            e.detail = xstrdup("first response recorded");
        rc = store_audit_append(o->store, &e, err);
    }
    audit_entry_done(&e);
    return rc;
}

/* Inserts one validated ticket and its created entry in the open transaction, and its body, when
 * given, as the first customer message. */
static st_code insert_one(st_ops *o, st_ticket *t, const char *body, st_time now, st_err *err)
{
    st_code rc = store_ticket_insert(o->store, t, err);
    if (rc != ST_OK)
        return rc;
    st_audit_entry e;
    entry_init(&e, AU_CREATED, t->id, now);
    e.to_level = xstrdup(t->level);
    e.new_due = t->due;
    rc = store_audit_append(o->store, &e, err);
    audit_entry_done(&e);
    if (rc == ST_OK && body) {
        st_message m = {.ticket_id = t->id, .kind = MSG_CUSTOMER, .at = t->created};
        m.author = xstrdup(t->customer);
        m.body = xstrdup(body);
        rc = append_message(o, &m, false, err);
        message_done(&m);
    }
    return rc;
}

/* An imported conversation, checked: repaired bodies and event times, owned (conversation_done). */
typedef struct {
    char **bodies;
    st_time *ats;
    size_t n;
    size_t first_reply; /* index of the first reply, or n */
} conversation;

static void conversation_done(conversation *c)
{
    for (size_t k = 0; k < c->n; k++)
        free(c->bodies[k]);
    free(c->bodies);
    free(c->ats);
    memset(c, 0, sizeof *c);
}

/* Checks the messages of a new ticket created at `created` (SPEC §8): each time not before the
 * creation nor an earlier message, nor ahead of now; each body repaired. Errors name
 * "messages[K].KEY" (K 0-based, as the file indexes its array). */
static st_code conversation_check(const ops_new_ticket *in, st_time created, st_time now, conversation *c,
                                  st_err *err)
{
    memset(c, 0, sizeof *c);
    c->bodies = xcalloc(in->n_messages ? in->n_messages : 1, sizeof *c->bodies);
    c->ats = xcalloc(in->n_messages ? in->n_messages : 1, sizeof *c->ats);
    c->first_reply = in->n_messages;
    st_time prev = created;
    st_code rc = ST_OK;
    for (size_t k = 0; rc == ST_OK && k < in->n_messages; k++) {
        const ops_new_message *m = &in->messages[k];
        st_time at = m->at == ST_TIME_NONE ? now : m->at;
        char a[21], b[21];
        if (at < prev)
            rc = st_fail(err, ST_INVALID, "messages[%zu].at: %s is before %s %s", k, time_format_iso(at, a),
                         k == 0 ? "the ticket's creation" : "the message before it,", time_format_iso(prev, b));
        else if (at > now + OPS_CREATED_AHEAD_MAX_S)
            rc = st_fail(err, ST_INVALID, "messages[%zu].at: %s is ahead of now (at most %d minutes)", k,
                         time_format_iso(at, a), OPS_CREATED_AHEAD_MAX_S / 60);
        if (rc != ST_OK)
            break;
        char what[48];
        snprintf(what, sizeof what, "messages[%zu].body", k);
        rc = utf8_repair(m->body ? m->body : "", m->body_len, MSG_BODY_MAX, what, &c->bodies[k], err);
        c->ats[k] = prev = at;
        c->n = k + 1;
        if (m->kind == MSG_REPLY && c->first_reply == in->n_messages)
            c->first_reply = k;
    }
    if (rc != ST_OK)
        conversation_done(c);
    return rc;
}

/* Appends the checked conversation of the inserted ticket t, one message and audit entry each,
 * exactly as `message`, `reply` and `note` would have recorded them at their times. */
static st_code conversation_insert(st_ops *o, const st_ticket *t, const ops_new_ticket *in, const conversation *c,
                                   st_err *err)
{
    st_code rc = ST_OK;
    for (size_t k = 0; rc == ST_OK && k < c->n; k++) {
        const ops_new_message *nm = &in->messages[k];
        st_message m = {.ticket_id = t->id, .kind = nm->kind, .at = c->ats[k], .body = c->bodies[k]};
        const char *author = nm->author ? nm->author : nm->kind == MSG_CUSTOMER ? t->customer : os_user();
        m.author = xstrdup(author);
        rc = append_message(o, &m, k == c->first_reply, err);
        m.body = NULL; /* the conversation's */
        message_done(&m);
    }
    return rc;
}

static st_code add_batch(st_ops *o, const ops_new_ticket *in, size_t n, bool many, int64_t *first_id,
                         st_err *err)
{
    st_code rc = refuse_read_only(o, err);
    if (rc != ST_OK)
        return rc;
    if (first_id)
        *first_id = 0;
    if (n == 0)
        return ST_OK;
    st_time now = clock_now(o->clock);
    rc = store_begin(o->store, err);
    if (rc != ST_OK)
        return rc;
    /* The latest policy, read inside the transaction so it cannot change under the batch. */
    const st_policy *p = NULL;
    int64_t pv = 0;
    rc = ops_policy(o, 0, &p, &pv, err);
    for (size_t i = 0; rc == ST_OK && i < n; i++) {
        st_ticket t;
        char *body = NULL;
        rc = build_ticket(o, p, pv, &in[i], now, many, &t, err);
        if (rc == ST_OK && in[i].body)
            rc = utf8_repair(in[i].body, in[i].body_len, MSG_BODY_MAX, many ? "body" : "--body", &body, err);
        conversation conv = {0};
        if (rc == ST_OK && in[i].n_messages > 0) {
            rc = conversation_check(&in[i], t.created, now, &conv, err);
            if (rc == ST_OK && conv.first_reply < conv.n) {
                /* The first reply is the first response, met or missed against the creation's due. */
                t.first_response = conv.ats[conv.first_reply];
                t.response_due = t.due;
                t.breached_hist = false;
                t.breached_hist = breached_now(&t, now);
            }
        }
        if (rc == ST_OK)
            rc = insert_one(o, &t, body, now, err);
        if (rc == ST_OK && conv.n > 0)
            rc = conversation_insert(o, &t, &in[i], &conv, err);
        conversation_done(&conv);
        if (rc == ST_OK && in[i].n_messages > 0) /* a conversation: its clocks from what it wrote */
            rc = store_next(o, &t, now, err);
        else if (rc == ST_OK) { /* its whole history is known here: no read back */
            clk_event ev[2] = {{.kind = CLK_EV_CREATED, .at = t.created,
                                .level = (size_t)policy_level_index(p, t.level)},
                               {.kind = CLK_EV_CUSTOMER, .at = t.created}};
            next_of_events(o, p, ev, body ? 2 : 1, now, &t.next);
            rc = store_ticket_set_next(o->store, t.id, &t.next, err);
        }
        free(body);
        if (rc == ST_OK && i == 0 && first_id)
            *first_id = t.id;
        ticket_done(&t);
        if (rc != ST_OK && many)
            st_err_prefix(err, "record %zu", i + 1);
    }
    if (rc == ST_OK)
        rc = store_commit(o->store, err);
    if (rc != ST_OK) {
        store_rollback(o->store);
        if (first_id)
            *first_id = 0;
    }
    return rc;
}

st_code ops_add(st_ops *o, const ops_new_ticket *in, int64_t *id_out, st_err *err)
{
    return add_batch(o, in, 1, false, id_out, err);
}

st_code ops_add_many(st_ops *o, const ops_new_ticket *in, size_t n, int64_t *first_id, st_err *err)
{
    return add_batch(o, in, n, true, first_id, err);
}

/* ---- re-prioritizing ---- */

void ops_change_done(ops_change *c)
{
    if (!c)
        return;
    free(c->from_level);
    free(c->to_level);
    c->from_level = c->to_level = NULL;
}

/* Works out a re-prioritization of t at now under policy p (t's version) into *c, writing
 * nothing. Fills c's level strings (owned by c). */
static st_code plan_level(const st_policy *p, const st_ticket *t, ops_move move, const char *level,
                          st_time now, ops_change *c, size_t *new_idx, st_time *clock_start, st_err *err)
{
    memset(c, 0, sizeof *c);
    if (t->status == TK_RESOLVED)
        return st_fail(err, ST_CONFLICT, "ticket %lld is resolved (reopen it first)", (long long)t->id);
    size_t cur = 0;
    st_code rc = ticket_level_index(p, t, &cur, err);
    if (rc != ST_OK)
        return rc;
    size_t to = cur;
    switch (move) {
    case OPS_UP:
        if (cur == 0)
            return st_fail(err, ST_CONFLICT, "ticket %lld is already at the top level %s", (long long)t->id,
                           t->level);
        to = cur - 1;
        break;
    case OPS_DOWN:
        if (cur + 1 >= p->n_levels)
            return st_fail(err, ST_CONFLICT, "ticket %lld is already at the bottom level %s",
                           (long long)t->id, t->level);
        to = cur + 1;
        break;
    case OPS_TO: {
        if (!level || is_blank(level))
            return st_fail(err, ST_USAGE, "level: a level id is required");
        int idx = policy_level_index(p, level);
        if (idx < 0)
            return unknown_level(err, "level", p, level);
        to = (size_t)idx;
        if (to == cur)
            return st_fail(err, ST_CONFLICT, "ticket %lld is already at level %s", (long long)t->id,
                           t->level);
        break;
    }
    default:
        return st_fail(err, ST_USAGE, "unknown move");
    }
    st_time start = p->reprioritize_from == POL_REPRIO_CHANGE ? now : t->created;
    st_time due = sla_due(p, to, start);
    if (due == ST_TIME_NONE)
        return st_fail(err, ST_INVALID, "level %s: the business calendar never opens", p->levels[to].id);

    c->id = t->id;
    c->from_level = xstrdup(t->level);
    c->to_level = xstrdup(p->levels[to].id);
    c->old_due = t->due;
    c->new_due = due;
    sla_input si = {
        .level = to, .due = due, .first_response = t->first_response, .response_due = t->response_due};
    sla_timer tm;
    sla_timer_at(p, &si, now, &tm);
    c->remaining_s = tm.remaining_s;
    /* Only a ticket still waiting for its first response can breach. */
    c->breaches_immediately = t->first_response == ST_TIME_NONE && due <= now;
    c->new_version = t->version;
    *new_idx = to;
    *clock_start = start;
    return ST_OK;
}

st_code ops_preview_level(st_ops *o, int64_t id, ops_move move, const char *level, ops_change *out,
                          st_err *err)
{
    memset(out, 0, sizeof *out);
    st_ticket t;
    st_code rc = store_ticket_get(o->store, id, &t, err);
    if (rc != ST_OK)
        return rc;
    const st_policy *p = NULL;
    rc = ops_policy(o, t.policy_version, &p, NULL, err);
    size_t idx = 0;
    st_time start = 0;
    if (rc == ST_OK)
        rc = plan_level(p, &t, move, level, clock_now(o->clock), out, &idx, &start, err);
    ticket_done(&t);
    if (rc != ST_OK)
        ops_change_done(out);
    return rc;
}

/* The sticky breach after a re-prioritization at `now` (SPEC §2), one step from the stored flag:
 * breached_hist already holds the history up to the last write, so only two things can add to it:
 * the segment since that write, under the due then in force (breached when the due passed
 * strictly before now: at `now` itself the new level governs), and the new level, breached at
 * once when its due is not after now. Equal to sla_breached_ever over the whole audit history
 * (test_ops checks both agree) without reading that history on every change. */
static bool breached_after_change(const st_ticket *t, st_time now, st_time new_due)
{
    if (t->breached_hist)
        return true;
    if (t->first_response != ST_TIME_NONE)
        return t->response_due != ST_TIME_NONE && t->first_response > t->response_due;
    return (t->due != ST_TIME_NONE && t->due < now) || (new_due != ST_TIME_NONE && new_due <= now);
}

st_code ops_set_level(st_ops *o, int64_t id, ops_move move, const char *level, const char *reason,
                      int64_t expect_version, ops_change *out, st_err *err)
{
    ops_change local = {0};
    ops_change *c = out ? out : &local;
    memset(c, 0, sizeof *c);
    if (is_blank(reason))
        return st_fail(err, ST_USAGE, "--reason is required");
    st_ticket t;
    st_code rc = change_begin(o, id, expect_version, &t, err);
    if (rc != ST_OK)
        return rc;
    st_time now = clock_now(o->clock);
    const st_policy *p = NULL;
    size_t idx = 0;
    st_time start = 0;
    rc = ops_policy(o, t.policy_version, &p, NULL, err);
    if (rc == ST_OK)
        rc = plan_level(p, &t, move, level, now, c, &idx, &start, err);
    if (rc != ST_OK) {
        ops_change_done(c);
        return change_fail(o, &t, rc);
    }

    t.breached_hist = breached_after_change(&t, now, c->new_due);
    set_str(&t.level, c->to_level);
    t.due = c->new_due;
    t.clock_start = start; /* response_due stays: it was fixed at response */

    st_audit_entry e;
    entry_init(&e, AU_REPRIORITIZED, id, now);
    e.from_level = xstrdup(c->from_level);
    e.to_level = xstrdup(c->to_level);
    e.old_due = c->old_due;
    e.new_due = c->new_due;
    e.reason = xstrdup(reason);
    rc = change_commit(o, &t, &e, err);
    audit_entry_done(&e);
    if (rc == ST_OK)
        c->new_version = t.version;
    else
        ops_change_done(c);
    ticket_done(&t);
    if (!out)
        ops_change_done(&local);
    return rc;
}

/* ---- status and owner ---- */

/* Checks one status or owner change against t and applies it to t and e (kind, time and actor
 * already set), writing nothing. */
typedef st_code (*change_apply)(st_ticket *t, st_time now, const char *arg, st_audit_entry *e, st_err *err);

/* Runs one change through the skeleton: begin, read, apply, update + audit, commit. */
static st_code run_change(st_ops *o, int64_t id, int64_t expect_version, au_kind kind, change_apply apply,
                          const char *arg, st_err *err)
{
    st_ticket t;
    st_code rc = change_begin(o, id, expect_version, &t, err);
    if (rc != ST_OK)
        return rc;
    st_time now = clock_now(o->clock);
    st_audit_entry e;
    entry_init(&e, kind, id, now);
    rc = apply(&t, now, arg, &e, err);
    if (rc == ST_OK)
        rc = change_commit(o, &t, &e, err);
    else
        store_rollback(o->store);
    audit_entry_done(&e);
    ticket_done(&t);
    return rc;
}

static st_code apply_respond(st_ticket *t, st_time now, const char *arg, st_audit_entry *e, st_err *err)
{
    (void)arg;
    if (t->status == TK_RESOLVED || t->first_response != ST_TIME_NONE) {
        char when[21];
        return st_fail(err, ST_CONFLICT, "ticket %lld already has a first response at %s", (long long)t->id,
                       t->first_response == ST_TIME_NONE ? "?" : time_format_iso(t->first_response, when));
    }
    t->first_response = now;
    t->response_due = t->due;
    e->to_level = xstrdup(t->level);
    e->new_due = t->due;
    return ST_OK;
}

static st_code apply_resolve(st_ticket *t, st_time now, const char *arg, st_audit_entry *e, st_err *err)
{
    (void)arg;
    if (t->status == TK_RESOLVED) {
        char when[21];
        return st_fail(err, ST_CONFLICT, "ticket %lld is already resolved (at %s)", (long long)t->id,
                       t->resolved == ST_TIME_NONE ? "?" : time_format_iso(t->resolved, when));
    }
    e->to_level = xstrdup(t->level);
    if (t->first_response == ST_TIME_NONE) {
        /* SPEC §2: resolving records the first response at the same instant, in this one entry. */
        t->first_response = now;
        t->response_due = t->due;
        e->new_due = t->due;
        e->detail = xstrdup("first response recorded");
    }
    e->from_status = xstrdup(tk_status_name(t->status));
    e->to_status = xstrdup(tk_status_name(TK_RESOLVED));
    t->status = TK_RESOLVED;
    t->resolved = now;
    return ST_OK;
}

static st_code apply_reopen(st_ticket *t, st_time now, const char *reason, st_audit_entry *e, st_err *err)
{
    (void)now;
    if (t->status != TK_RESOLVED)
        return st_fail(err, ST_CONFLICT, "ticket %lld is not resolved (it is %s)", (long long)t->id,
                       tk_status_name(t->status));
    e->from_status = xstrdup(tk_status_name(t->status));
    e->to_status = xstrdup(tk_status_name(TK_OPEN));
    t->status = TK_OPEN; /* the first response stands: its timer does not restart */
    t->resolved = ST_TIME_NONE;
    e->to_level = xstrdup(t->level);
    e->reason = xstrdup(reason);
    return ST_OK;
}

static st_code apply_assign(st_ticket *t, st_time now, const char *assignee, st_audit_entry *e, st_err *err)
{
    (void)now;
    if (t->assignee && strcmp(t->assignee, assignee) == 0) {
        char *who = shown(assignee);
        st_fail(err, ST_CONFLICT, "ticket %lld is already assigned to %s", (long long)t->id, who);
        free(who);
        return ST_CONFLICT;
    }
    set_str(&t->assignee, assignee); /* stored as typed; every output sanitises it */
    e->detail = xstrdup(assignee);
    return ST_OK;
}

st_code ops_respond(st_ops *o, int64_t id, int64_t expect_version, st_err *err)
{
    return run_change(o, id, expect_version, AU_RESPONDED, apply_respond, NULL, err);
}

st_code ops_resolve(st_ops *o, int64_t id, int64_t expect_version, st_err *err)
{
    return run_change(o, id, expect_version, AU_RESOLVED, apply_resolve, NULL, err);
}

st_code ops_reopen(st_ops *o, int64_t id, const char *reason, int64_t expect_version, st_err *err)
{
    if (is_blank(reason))
        return st_fail(err, ST_USAGE, "--reason is required");
    return run_change(o, id, expect_version, AU_REOPENED, apply_reopen, reason, err);
}

st_code ops_assign(st_ops *o, int64_t id, const char *assignee, int64_t expect_version, st_err *err)
{
    if (is_blank(assignee))
        return st_fail(err, ST_USAGE, "--to is required (a non-empty name)");
    return run_change(o, id, expect_version, AU_ASSIGNED, apply_assign, assignee, err);
}

/* ---- conversation and statuses (SPEC §8) ---- */

/* A status change of t to `to`, applied to t, and its entry (kind status_changed, or reopened from
 * resolved) in *e, not yet appended (caller owns it: audit_entry_done). */
static void status_change(st_ticket *t, tk_status to, const char *reason, st_time now, st_audit_entry *e)
{
    entry_init(e, t->status == TK_RESOLVED ? AU_REOPENED : AU_STATUS_CHANGED, t->id, now);
    e->to_level = xstrdup(t->level);
    e->reason = xstrdup(reason);
    e->from_status = xstrdup(tk_status_name(t->status));
    e->to_status = xstrdup(tk_status_name(to));
    if (t->status == TK_RESOLVED)
        t->resolved = ST_TIME_NONE;
    t->status = to;
}

/* The same, its entry appended in the open transaction. */
static st_code append_status_change(st_ops *o, st_ticket *t, tk_status to, const char *reason, st_time now,
                                    st_err *err)
{
    st_audit_entry e;
    status_change(t, to, reason, now, &e);
    st_code rc = store_audit_append(o->store, &e, err);
    audit_entry_done(&e);
    return rc;
}

st_code ops_message(st_ops *o, int64_t id, msg_kind kind, const char *author, const char *body,
                    size_t body_len, int64_t expect_version, int64_t *msg_id, st_err *err)
{
    if (msg_id)
        *msg_id = 0;
    if (kind != MSG_CUSTOMER && author)
        return st_fail(err, ST_USAGE, "--from is only for customer messages (a %s is by the OS user)",
                       msg_kind_name(kind));
    if (author && is_blank(author))
        return st_fail(err, ST_USAGE, "--from must not be empty");
    if (!body)
        return st_fail(err, ST_USAGE, "--body or --body-file is required");
    char *text = NULL;
    st_code rc = utf8_repair(body, body_len, MSG_BODY_MAX, "body", &text, err);
    if (rc != ST_OK)
        return rc;
    st_ticket t;
    if ((rc = change_begin(o, id, expect_version, &t, err)) != ST_OK) {
        free(text);
        return rc;
    }
    st_time now = clock_now(o->clock);
    st_message m = {.ticket_id = id, .kind = kind, .at = now, .body = text};
    m.author = xstrdup(kind == MSG_CUSTOMER ? (author ? author : t.customer) : os_user());
    bool first = kind == MSG_REPLY && t.first_response == ST_TIME_NONE;
    if (first) {
        t.first_response = now;
        t.response_due = t.due;
    }
    rc = append_message(o, &m, first, err);
    if (rc == ST_OK && kind == MSG_CUSTOMER && t.status != TK_OPEN)
        rc = append_status_change(o, &t, TK_OPEN, "customer message", now, err);
    if (rc == ST_OK && msg_id)
        *msg_id = m.id;
    message_done(&m);
    if (rc != ST_OK)
        return change_fail(o, &t, rc);
    rc = change_commit(o, &t, NULL, err);
    ticket_done(&t);
    if (rc != ST_OK && msg_id)
        *msg_id = 0;
    return rc;
}

st_code ops_set_status(st_ops *o, int64_t id, tk_status to, const char *reason, int64_t expect_version,
                       st_err *err)
{
    if (to == TK_RESOLVED)
        return st_fail(err, ST_USAGE, "STATUS: use 'resolve' to resolve a ticket");
    if (to != TK_OPEN && is_blank(reason))
        return st_fail(err, ST_USAGE, "--reason is required for %s", tk_status_name(to));
    st_ticket t;
    st_code rc = change_begin(o, id, expect_version, &t, err);
    if (rc != ST_OK)
        return rc;
    if (t.status == TK_RESOLVED)
        rc = st_fail(err, ST_CONFLICT, "ticket %lld is resolved (reopen it first)", (long long)id);
    else if (t.status == to)
        rc = st_fail(err, ST_CONFLICT, "ticket %lld is already %s", (long long)id, tk_status_name(to));
    if (rc != ST_OK)
        return change_fail(o, &t, rc);
    st_audit_entry e; /* the change's one entry: appended with the update (change_commit) */
    status_change(&t, to, is_blank(reason) ? NULL : reason, clock_now(o->clock), &e);
    rc = change_commit(o, &t, &e, err);
    audit_entry_done(&e);
    ticket_done(&t);
    return rc;
}

/* ---- policy versions ---- */

/* Open tickets using a level id that `np` does not have: the first such level and its tickets.
 * Returns ST_CONFLICT with the message, ST_OK when none. */
static st_code check_dropped_levels(st_ops *o, const st_policy *np, const char *path, int64_t latest,
                                    st_err *err)
{
    /* Called after the new version was put, so only versions up to `latest` (the one before) are
     * read: the new one must not enter the cache before it commits. */
    /* The level ids an open ticket can have are those of the stored versions. */
    for (int64_t v = 1; v <= latest; v++) {
        const st_policy *old = NULL;
        st_code rc = ops_policy(o, v, &old, NULL, err);
        if (rc != ST_OK)
            return rc;
        for (size_t i = 0; i < old->n_levels; i++) {
            const char *id = old->levels[i].id;
            if (policy_level_index(np, id) >= 0)
                continue;
            int64_t *ids = NULL;
            size_t n = 0;
            rc = store_tickets_using_level(o->store, id, &ids, &n, err);
            if (rc != ST_OK)
                return rc;
            if (n > 0) {
                strbuf sb;
                sb_init(&sb);
                for (size_t k = 0; k < n && k < OPS_MAX_IDS_SHOWN; k++)
                    sb_printf(&sb, "%s%lld", k ? ", " : "", (long long)ids[k]);
                if (n > OPS_MAX_IDS_SHOWN)
                    sb_printf(&sb, " and %zu more", n - OPS_MAX_IDS_SHOWN);
                st_fail(err, ST_CONFLICT, "%s: levels: drops level '%s' still used by open %s %s", path, id,
                        n == 1 ? "ticket" : "tickets", sb.buf);
                sb_done(&sb);
                free(ids);
                return ST_CONFLICT;
            }
            free(ids);
        }
    }
    return ST_OK;
}

st_code ops_policy_apply(st_ops *o, const char *path, const char *reason, int64_t *version_out, st_err *err)
{
    if (is_blank(reason))
        return st_fail(err, ST_USAGE, "--reason is required");
    st_code rc = refuse_read_only(o, err);
    if (rc != ST_OK)
        return rc;
    char *json = NULL;
    size_t len = 0;
    rc = read_file_all(path, OPS_POLICY_MAX_BYTES, &json, &len, err);
    if (rc != ST_OK)
        return rc;
    st_policy *np = NULL;
    rc = policy_parse(json, len, path, &np, err);
    if (rc != ST_OK) {
        free(json);
        return rc;
    }
    st_time now = clock_now(o->clock);
    char sha[65];
    rc = audit_sha256_hex(json, len, sha, err);
    if (rc != ST_OK) {
        policy_free(np);
        free(json);
        return rc;
    }
    st_audit_entry e;
    entry_init(&e, AU_POLICY_APPLIED, 0, now);
    e.reason = xstrdup(reason);

    int64_t latest = 0, version = 0;
    const st_policy *cur = NULL;
    rc = store_begin(o->store, err);
    if (rc == ST_OK)
        rc = ops_policy(o, 0, &cur, &latest, err);
    /* The new version goes in first: store_tickets_using_level looks at tickets under versions
     * other than the latest, which inside this transaction means every existing ticket. */
    if (rc == ST_OK)
        rc = store_policy_put(o->store, json, sha, now, e.actor, reason, &version, err);
    if (rc == ST_OK)
        rc = check_dropped_levels(o, np, path, latest, err);
    if (rc == ST_OK) {
        e.detail = xasprintf("version %lld sha256 %s", (long long)version, sha);
        rc = store_audit_append(o->store, &e, err);
    }
    if (rc == ST_OK)
        rc = store_commit(o->store, err);
    if (rc != ST_OK)
        store_rollback(o->store);
    else if (version_out)
        *version_out = version;
    audit_entry_done(&e);
    policy_free(np);
    free(json);
    return rc;
}

/* ---- views ---- */

void ops_view_done(ops_view *v)
{
    if (!v)
        return;
    ticket_done(&v->t);
    memset(v, 0, sizeof *v);
}

st_code ops_view_of(st_ops *o, const st_ticket *t, st_time now, ops_view *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    const st_policy *p = NULL;
    st_code rc = ops_policy(o, t->policy_version, &p, NULL, err);
    size_t idx = 0;
    if (rc == ST_OK)
        rc = ticket_level_index(p, t, &idx, err);
    if (rc != ST_OK)
        return rc;
    ticket_copy(&out->t, t);
    out->policy = p;
    out->level_index = idx;
    sla_input si = {
        .level = idx, .due = t->due, .first_response = t->first_response, .response_due = t->response_due};
    sla_timer_at(p, &si, now, &out->timer);
    out->breached_ever = breached_now(t, now);
    ops_view_retime_next(out, now);
    return ST_OK;
}

void ops_view_retime_next(ops_view *v, st_time now)
{
    v->has_next = clocks_next_at(v->policy, &v->t.next, now, &v->next);
}

sla_state ops_view_state(const ops_view *v)
{
    return v->has_next ? v->next.state : v->timer.state;
}

st_code ops_state_of(st_ops *o, const st_ticket *t, st_time now, sla_state *out, st_err *err)
{
    const st_policy *p = NULL;
    size_t idx = 0;
    st_code rc = ops_policy(o, t->policy_version, &p, NULL, err);
    if (rc == ST_OK)
        rc = ticket_level_index(p, t, &idx, err);
    if (rc != ST_OK)
        return rc;
    clk_clock next;
    if (clocks_next_at(p, &t->next, now, &next)) {
        *out = next.state;
        return ST_OK;
    }
    sla_input si = {
        .level = idx, .due = t->due, .first_response = t->first_response, .response_due = t->response_due};
    sla_timer timer;
    sla_timer_at(p, &si, now, &timer);
    *out = timer.state;
    return ST_OK;
}

st_code ops_get_view(st_ops *o, int64_t id, st_time now, ops_view *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    st_ticket t;
    st_code rc = store_ticket_get(o->store, id, &t, err);
    if (rc != ST_OK)
        return rc;
    rc = ops_view_of(o, &t, now, out, err);
    ticket_done(&t);
    return rc;
}

void ops_events_from_audit(const st_audit_entry *entries, size_t n, sla_event **out, size_t *n_out)
{
    sla_event *ev = xcalloc(n ? n : 1, sizeof *ev);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const st_audit_entry *e = &entries[i];
        sla_event x = {
            .at = e->at, .new_due = ST_TIME_NONE, .from_level = e->from_level, .to_level = e->to_level};
        switch (e->kind) {
        case AU_CREATED:
        case AU_REPRIORITIZED:
            x.sets_due = true;
            x.new_due = e->new_due;
            break;
        case AU_RESPONDED:
            x.first_response = true;
            break;
        case AU_MESSAGE: /* a reply that was the first response carries the same marker */
        case AU_RESOLVED:
            if (!e->detail || strcmp(e->detail, "first response recorded") != 0)
                continue;
            x.first_response = true;
            break;
        default:
            continue; /* reopen, assign, policy: no bearing on the clock */
        }
        ev[k++] = x;
    }
    *out = ev;
    *n_out = k;
}

/* A level id of p as an index, or -1. */
static long level_of(const st_policy *p, const char *level)
{
    return level ? (long)policy_level_index(p, level) : -1;
}

/* Appends entry e of a ticket created at `created` to its clock events ev[0..*k) (room for one
 * more is the caller's), when it bears on the clocks under p. */
static void push_clock_event(const st_policy *p, st_time created, const st_audit_entry *e, clk_event *ev, size_t *k)
{
    /* The log's order is the history's: two processes given the same --now may record a later
     * change a second earlier (the clock ticks from process start), so never go back. */
    st_time at = e->kind == AU_CREATED ? created : *k > 0 && e->at < ev[*k - 1].at ? ev[*k - 1].at : e->at;
    clk_event x = {.at = at, .actor = e->actor, .reason = e->reason};
    tk_status to = TK_OPEN;
    switch (e->kind) {
    case AU_CREATED:
    case AU_REPRIORITIZED: {
        long lv = level_of(p, e->to_level);
        if (lv < 0)
            return;
        x.kind = e->kind == AU_CREATED ? CLK_EV_CREATED : CLK_EV_LEVEL;
        x.level = (size_t)lv;
        break;
    }
    case AU_RESPONDED:
        x.kind = CLK_EV_RESPOND;
        break;
    case AU_RESOLVED:
    case AU_REOPENED:
    case AU_STATUS_CHANGED:
        /* The status a customer message sets is implied by its own event. */
        if (e->reason && strcmp(e->reason, "customer message") == 0 && *k > 0 && ev[*k - 1].kind == CLK_EV_CUSTOMER)
            return;
        x.kind = CLK_EV_STATUS;
        if (e->kind == AU_RESOLVED)
            to = TK_RESOLVED;
        else if (e->kind == AU_STATUS_CHANGED && !tk_status_parse(e->to_status, &to))
            return;
        x.status = (pol_status)to;
        break;
    case AU_MESSAGE: {
        msg_kind mk;
        if (!msg_kind_parse(e->message_kind, &mk))
            return;
        x.kind = mk == MSG_CUSTOMER ? CLK_EV_CUSTOMER : mk == MSG_REPLY ? CLK_EV_REPLY : CLK_EV_NOTE;
        break;
    }
    default:
        return; /* assign, policy: no bearing on the clocks */
    }
    ev[(*k)++] = x;
}

void ops_clock_events(const st_policy *p, st_time created, const st_audit_entry *entries, size_t n,
                      clk_event **out, size_t *n_out)
{
    clk_event *ev = xcalloc(n ? n : 1, sizeof *ev);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        push_clock_event(p, created, &entries[i], ev, &k);
    *out = ev;
    *n_out = k;
}
