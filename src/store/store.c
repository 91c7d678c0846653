/* store: see store.h. The facade over a backend (store_backend.h): what does not depend on the
 * engine lives here once — read-only refusal, transaction bookkeeping, audit chaining (seq,
 * prev_hash, hash) and verification, and the syslog copy of each entry after its commit. Every
 * thing else is the backend's (SQLite: src/store/sqlite/; PostgreSQL: src/store/pg/). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/audit.h"
#include "slatop/store.h"

#include "store_backend.h"

static bool is_pg(const char *locator);

/* The one place a locator picks its backend. A path is an SQLite file; a URL scheme names a
 * backend this build may lack. NULL (with err set) when none serves it. */
static const store_backend_ops *backend_for(const char *locator, st_err *err)
{
    (void)err;
    if (is_pg(locator))
        return &store_pg_ops;
    return &store_sqlite_ops;
}

st_code store_open(const char *locator, store_mode mode, st_store **out, st_err *err)
{
    *out = NULL;
    if (!locator || !*locator)
        return st_fail(err, ST_USAGE, "database path is empty");
    const store_backend_ops *ops = backend_for(locator, err);
    if (!ops)
        return ST_USAGE;
    store_backend *be = NULL;
    st_code code = ops->open(locator, mode, &be, err);
    if (code != ST_OK)
        return code;
    st_store *s = xcalloc(1, sizeof *s);
    s->ops = ops;
    s->be = be;
    s->locator = xstrdup(locator);
    s->read_only = mode == STORE_OPEN_RO;
    *out = s;
    return ST_OK;
}

static bool is_pg(const char *locator)
{
    return strncmp(locator, "postgresql://", 13) == 0 || strncmp(locator, "postgres://", 11) == 0;
}

char *store_locator_shown(const char *locator)
{
    return is_pg(locator) ? store_pg_redact(locator) : xstrdup(locator);
}

st_code store_remove(const char *locator, st_err *err)
{
    if (!locator || !*locator)
        return st_fail(err, ST_USAGE, "database path is empty");
    const store_backend_ops *ops = backend_for(locator, err);
    if (!ops)
        return ST_USAGE;
    return ops->remove(locator, err);
}

static void clear_pending(st_store *s)
{
    for (size_t i = 0; i < s->n_pending; i++)
        audit_entry_done(&s->pending[i]);
    s->n_pending = 0;
}

void store_close(st_store *s)
{
    if (!s)
        return;
    store_rollback(s);
    s->ops->close(s->be);
    clear_pending(s);
    free(s->pending);
    store_clock_memo_free(s);
    free(s->locator);
    free(s);
}

const char *store_path(const st_store *s)
{
    return s->locator;
}

/* ---- transactions ------------------------------------------------------------------------- */

/* ST_OK when a write may happen now: refuses read-only stores (ST_CONFLICT "read-only") and
 * writes outside store_begin/store_commit (ST_INVALID). */
static st_code require_write(st_store *s, st_err *err)
{
    if (s->read_only)
        return st_fail(err, ST_CONFLICT, "%s: opened read-only: changes are refused", s->locator);
    if (!s->in_txn)
        return st_fail(err, ST_INVALID, "%s: write outside a transaction (store_begin first)", s->locator);
    return ST_OK;
}

/* Consumes the test hook: ST_IO as a real write failure would. */
static st_code injected_failure(st_store *s, const char *what, st_err *err)
{
    if (!s->fail_next_write)
        return ST_OK;
    s->fail_next_write = false;
    return st_fail(err, ST_IO, "%s: %s failed: injected write failure (test)", s->locator, what);
}

void store_test_fail_next_write(st_store *s)
{
    s->fail_next_write = true;
}

/* ST_OK when a transaction may start now (a read-write store with none open). */
static st_code may_begin(st_store *s, st_err *err)
{
    if (s->read_only)
        return st_fail(err, ST_CONFLICT, "%s: opened read-only: changes are refused", s->locator);
    if (s->in_txn)
        return st_fail(err, ST_INVALID, "%s: a transaction is already open", s->locator);
    return ST_OK;
}

/* The backend's transaction has begun (code ST_OK): the facade's follows. */
static st_code begun(st_store *s, st_code code)
{
    if (code != ST_OK)
        return code;
    s->in_txn = true;
    clear_pending(s);
    return ST_OK;
}

st_code store_begin(st_store *s, st_err *err)
{
    st_code code = may_begin(s, err);
    return code != ST_OK ? code : begun(s, s->ops->begin(s->be, err));
}

st_code store_begin_ticket(st_store *s, int64_t id, st_ticket *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    st_code code = may_begin(s, err);
    if (code != ST_OK)
        return code;
    if (s->ops->begin_ticket) /* one round trip on a server */
        return begun(s, s->ops->begin_ticket(s->be, id, store_clock_memo_last(s, id), out, err));
    if ((code = store_begin(s, err)) == ST_OK && (code = store_ticket_get(s, id, out, err)) != ST_OK) {
        store_rollback(s);
        memset(out, 0, sizeof *out);
    }
    return code;
}

/* The backend's commit has returned code: the facade's transaction ends either way. */
static st_code committed(st_store *s, st_code code)
{
    if (code != ST_OK) {
        store_rollback(s);
        return code;
    }
    s->in_txn = false;
    /* Only now is each entry history: a rolled-back entry must never reach the system log. */
    for (size_t i = 0; i < s->n_pending; i++)
        audit_syslog(&s->pending[i]);
    clear_pending(s);
    return ST_OK;
}

st_code store_commit(st_store *s, st_err *err)
{
    if (!s->in_txn)
        return st_fail(err, ST_INVALID, "%s: commit without a transaction", s->locator);
    return committed(s, s->ops->commit(s->be, err));
}

void store_rollback(st_store *s)
{
    if (s->in_txn && s->memo)
        store_clock_memo_drop(s, 0); /* it may hold the transaction's own appends */
    s->ops->rollback(s->be);
    s->in_txn = false;
    clear_pending(s);
}

/* ---- maintenance and change notification: the backend's ---------------------------------- */

void store_defer_maintenance(st_store *s)
{
    s->ops->defer_maintenance(s->be);
}

bool store_idle(st_store *s)
{
    return s->ops->idle(s->be);
}

int store_watch_fd(st_store *s)
{
    return s->ops->watch_fd(s->be);
}

bool store_watch_due(st_store *s)
{
    return s->ops->watch_due(s->be);
}

int store_watch_timeout_ms(st_store *s, int timeout_ms)
{
    return s->ops->watch_timeout_ms(s->be, timeout_ms);
}

bool store_unreachable(st_store *s, char *msg, size_t size)
{
    return s->ops->unreachable && s->ops->unreachable(s->be, msg, size);
}

void store_set_cache_kib(st_store *s, int kib)
{
    if (s->ops->set_cache_kib)
        s->ops->set_cache_kib(s->be, kib);
}

st_code store_changes_since(st_store *s, int64_t *version, bool *changed, st_err *err)
{
    return s->ops->changes_since(s->be, version, changed, err);
}

/* ---- meta and policies -------------------------------------------------------------------- */

st_code store_meta_get(st_store *s, const char *key, char **value, st_err *err)
{
    return s->ops->meta_get(s->be, key, value, err);
}

st_code store_meta_set(st_store *s, const char *key, const char *value, st_err *err)
{
    st_code code = require_write(s, err);
    return code != ST_OK ? code : s->ops->meta_set(s->be, key, value, err);
}

st_code store_policy_put(st_store *s, const char *json, const char *sha256_hex, st_time at, const char *actor,
                         const char *reason, int64_t *version_out, st_err *err)
{
    st_code code = require_write(s, err);
    return code != ST_OK ? code
                         : s->ops->policy_put(s->be, json, sha256_hex, at, actor, reason, version_out, err);
}

st_code store_policy_get(st_store *s, int64_t version, char **json, int64_t *version_out, st_err *err)
{
    return s->ops->policy_get(s->be, version, json, version_out, err);
}

/* ---- tickets ------------------------------------------------------------------------------ */

st_code store_ticket_insert(st_store *s, st_ticket *t, st_err *err)
{
    st_code code = require_write(s, err);
    return code != ST_OK ? code : s->ops->ticket_insert(s->be, t, err);
}

st_code store_ticket_update(st_store *s, st_ticket *t, int64_t expect_version, st_err *err)
{
    st_code code = require_write(s, err);
    if (code == ST_OK)
        code = injected_failure(s, "updating a ticket", err);
    return code != ST_OK ? code : s->ops->ticket_update(s->be, t, expect_version, err);
}

st_code store_ticket_get(st_store *s, int64_t id, st_ticket *out, st_err *err)
{
    return s->ops->ticket_get(s->be, id, out, err);
}

st_code store_ticket_find_ref(st_store *s, const char *ref, int64_t *id_out, st_err *err)
{
    return s->ops->ticket_find_ref(s->be, ref, id_out, err);
}

st_code store_tickets_using_level(st_store *s, const char *level, int64_t **ids, size_t *n, st_err *err)
{
    return s->ops->tickets_using_level(s->be, level, ids, n, err);
}

st_code store_ticket_list(st_store *s, const store_list_query *q, st_ticket **out, size_t *n, st_err *err)
{
    return s->ops->ticket_list(s->be, q, out, n, err);
}

st_code store_ticket_count(st_store *s, bool include_resolved, int64_t *n, st_err *err)
{
    return s->ops->ticket_count(s->be, include_resolved, n, err);
}

st_code store_ticket_set_next(st_store *s, int64_t id, const tk_next *next, st_err *err)
{
    st_code code = require_write(s, err);
    return code != ST_OK ? code : s->ops->ticket_set_next(s->be, id, next, err);
}

st_code store_tickets_next_missing(st_store *s, size_t limit, int64_t **ids, size_t *n, st_err *err)
{
    return s->ops->tickets_next_missing(s->be, limit, ids, n, err);
}

bool store_read_only(const st_store *s)
{
    return s->read_only;
}

/* ---- audit -------------------------------------------------------------------------------- */

st_code store_audit_head(st_store *s, int64_t *seq, char hash[65], st_err *err)
{
    return s->ops->audit_head(s->be, seq, hash, err);
}

static void push_pending(st_store *s, const st_audit_entry *e)
{
    if (s->n_pending == s->cap_pending) {
        s->cap_pending = s->cap_pending ? 2 * s->cap_pending : 8;
        s->pending = xrealloc(s->pending, s->cap_pending * sizeof *s->pending);
    }
    st_audit_entry *p = &s->pending[s->n_pending++];
    *p = *e;
    p->actor = xstrdup(e->actor);
    p->from_level = xstrdup(e->from_level);
    p->to_level = xstrdup(e->to_level);
    p->reason = xstrdup(e->reason);
    p->detail = xstrdup(e->detail);
    p->from_status = xstrdup(e->from_status);
    p->to_status = xstrdup(e->to_status);
    p->message_kind = xstrdup(e->message_kind);
    p->body_sha256 = xstrdup(e->body_sha256);
    p->host = xstrdup(e->host);
}

/* What store_audit_append does before the backend stores e: checks, then e chained to the head. */
static st_code chain_entry(st_store *s, st_audit_entry *e, st_err *err)
{
    st_code code = require_write(s, err);
    if (code == ST_OK)
        code = injected_failure(s, "appending to the audit log", err);
    if (code != ST_OK)
        return code;
    if (!e->actor || e->at == ST_TIME_NONE)
        return st_fail(err, ST_INVALID, "%s: audit entry without %s", s->locator,
                       e->actor ? "a time" : "an actor");
    /* The head is read inside the write transaction, so no other writer can chain in between. */
    int64_t last = 0;
    char prev[65];
    if ((code = store_audit_head(s, &last, prev, err)) != ST_OK)
        return code;
    e->seq = last + 1;
    memcpy(e->prev_hash, prev, sizeof e->prev_hash);
    e->recorded_at = wall_now();
    if (!e->host) /* which machine wrote it, as recorded_at says when (SPEC §10) */
        e->host = xstrdup(os_host());
    return audit_compute_hash(e, e->hash, err);
}

st_code store_audit_append(st_store *s, st_audit_entry *e, st_err *err)
{
    st_code code = chain_entry(s, e, err);
    if (code == ST_OK && (code = s->ops->audit_insert(s->be, e, err)) == ST_OK)
        push_pending(s, e);
    return code;
}

st_code store_audit_append_commit(st_store *s, st_audit_entry *e, st_err *err)
{
    st_code code = chain_entry(s, e, err);
    if (code == ST_OK)
        push_pending(s, e); /* to the system log once committed; dropped with a rollback */
    if (code == ST_OK && s->ops->audit_insert_commit) /* one round trip on a server */
        code = s->ops->audit_insert_commit(s->be, e, err);
    else if (code == ST_OK && (code = s->ops->audit_insert(s->be, e, err)) == ST_OK)
        code = s->ops->commit(s->be, err);
    return committed(s, code);
}

st_code store_ticket_update_append_commit(st_store *s, st_ticket *t, int64_t expect_version, st_audit_entry *e,
                                          st_err *err)
{
    if (!s->ops->ticket_update_audit_commit) {
        st_code code = store_ticket_update(s, t, expect_version, err);
        if (code != ST_OK) {
            store_rollback(s);
            return code;
        }
        return store_audit_append_commit(s, e, err);
    }
    st_code code = require_write(s, err);
    if (code == ST_OK)
        code = injected_failure(s, "updating a ticket", err);
    if (code == ST_OK)
        code = chain_entry(s, e, err);
    if (code == ST_OK) {
        push_pending(s, e);
        code = s->ops->ticket_update_audit_commit(s->be, t, expect_version, e, err);
    }
    return committed(s, code);
}

st_code store_message_insert(st_store *s, st_message *m, st_err *err)
{
    st_code code = require_write(s, err);
    if (code == ST_OK)
        code = injected_failure(s, "adding a message", err);
    if (code != ST_OK)
        return code;
    if (!m->body || m->at == ST_TIME_NONE)
        return st_fail(err, ST_INVALID, "%s: message without %s", s->locator, m->body ? "a time" : "a body");
    m->recorded_at = wall_now();
    return s->ops->message_insert(s->be, m, err);
}

st_code store_message_list(st_store *s, int64_t ticket_id, st_message **out, size_t *n, st_err *err)
{
    return s->ops->message_list(s->be, ticket_id, out, n, err);
}

st_code store_message_get(st_store *s, int64_t id, st_message *out, st_err *err)
{
    return s->ops->message_get(s->be, id, out, err);
}

st_code store_audit_list(st_store *s, int64_t ticket_id, st_audit_entry **out, size_t *n, st_err *err)
{
    return s->ops->audit_list(s->be, ticket_id, out, n, err);
}

/* store_audit_verify's walk: the chain so far and what was seen of the anchor. */
typedef struct {
    st_store *s;
    audit_verifier v;
    int64_t anchor_seq;
    const char *anchor_hash;
    bool anchor_seen, anchor_matches;
    store_audit_observer observe;
    void *observe_ctx;
} verify_walk;

/* The chain holds each message body's hash, not the body: the body is checked against it. */
static st_code verify_message_body(st_store *s, const st_audit_entry *e, st_err *err)
{
    st_message m;
    st_code code = store_message_get(s, e->message_id, &m, err);
    if (code == ST_NOTFOUND)
        return st_fail(err, ST_VERIFY, "audit entry %" PRId64 ": message %" PRId64 " is missing (removed)",
                       e->seq, e->message_id);
    if (code != ST_OK)
        return code;
    char hash[65];
    code = audit_sha256_hex(m.body, strlen(m.body), hash, err);
    if (code == ST_OK && (!e->body_sha256 || strcmp(hash, e->body_sha256) != 0 || m.ticket_id != e->ticket_id))
        code = st_fail(err, ST_VERIFY, "audit entry %" PRId64 ": message %" PRId64 " differs from its hash (edited)",
                       e->seq, e->message_id);
    message_done(&m);
    return code;
}

static st_code verify_visit(void *ctx, const st_audit_entry *e, st_err *err)
{
    verify_walk *w = ctx;
    st_code code = audit_verifier_feed(&w->v, e, err);
    if (code == ST_OK && e->message_id != 0)
        code = verify_message_body(w->s, e, err);
    if (code == ST_OK && w->anchor_seq > 0 && e->seq == w->anchor_seq) {
        w->anchor_seen = true;
        w->anchor_matches = w->anchor_hash && strcmp(e->hash, w->anchor_hash) == 0;
    }
    if (code == ST_OK && w->observe)
        w->observe(w->observe_ctx, e);
    return code;
}

st_code store_audit_verify(st_store *s, int64_t anchor_seq, const char *anchor_hash, int64_t *checked,
                           st_err *err)
{
    return store_audit_verify_observed(s, anchor_seq, anchor_hash, NULL, NULL, checked, err);
}

st_code store_audit_verify_observed(st_store *s, int64_t anchor_seq, const char *anchor_hash,
                                    store_audit_observer observe, void *ctx, int64_t *checked, st_err *err)
{
    verify_walk w = {
        .s = s, .anchor_seq = anchor_seq, .anchor_hash = anchor_hash, .observe = observe, .observe_ctx = ctx};
    audit_verifier_init(&w.v);
    if (checked)
        *checked = 0;
    st_code code = s->ops->audit_scan(s->be, verify_visit, &w, err);
    if (checked)
        *checked = w.v.checked;
    if (code != ST_OK)
        return code;
    if (anchor_seq > 0 && !w.anchor_seen)
        return st_fail(err, ST_VERIFY, "anchor %" PRId64 ": log has only %" PRId64 " entries (truncated)",
                       anchor_seq, w.v.checked);
    if (anchor_seq > 0 && !w.anchor_matches)
        return st_fail(err, ST_VERIFY, "anchor %" PRId64 ": hash differs (history rewritten)", anchor_seq);
    return ST_OK;
}

st_code store_ticket_scan(st_store *s, store_ticket_visit visit, void *ctx, st_err *err)
{
    if (!s->ops->ticket_scan) /* a backend may not have it yet: say so rather than crash */
        return st_fail(err, ST_IO, "%s: the %s backend cannot scan tickets", s->locator, s->ops->name);
    return s->ops->ticket_scan(s->be, visit, ctx, err);
}

void store_verify_walk_init(store_verify_walk *w)
{
    audit_verifier_init(&w->v);
    w->through = 0;
    w->done = false;
}

/* A slice of the walk: verify_visit's walk, and the last entry it passed. */
typedef struct {
    verify_walk w;
    int64_t last, n;
} verify_slice;

static st_code slice_visit(void *ctx, const st_audit_entry *e, st_err *err)
{
    verify_slice *sl = ctx;
    st_code code = verify_visit(&sl->w, e, err);
    if (code == ST_OK) {
        sl->last = e->seq;
        sl->n++;
    }
    return code;
}

st_code store_audit_verify_step(st_store *s, store_verify_walk *w, int64_t max_entries, st_err *err)
{
    verify_slice sl = {.w = {.s = s, .v = w->v}, .last = w->through};
    store_audit_range r = {.after_seq = w->through, .limit = max_entries, .walk = true};
    st_code code = store_audit_scan_range(s, &r, slice_visit, &sl, err);
    w->v = sl.w.v;
    w->through = sl.last;
    if (code == ST_OK && (max_entries <= 0 || sl.n < max_entries))
        w->done = true;
    return code;
}
