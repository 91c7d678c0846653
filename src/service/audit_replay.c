/* audit_replay: see audit_replay.h. What each entry does to a ticket row mirrors the writes in
 * src/service/ops.c: one committed change bumps the row's version once, whatever number of
 * entries it appends. */
#include "audit_replay.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/text.h"

#define RP_CUSTOMER_MESSAGE "customer message"

typedef struct audit_replay audit_replay;

/* 40 bytes a ticket: 1,000,000 tickets replay in 40 MB. */
typedef struct {
    int64_t id;
    st_time first_response; /* ST_TIME_NONE when none */
    st_time resolved;       /* ST_TIME_NONE when not resolved */
    uint32_t level;         /* interned string + 1; 0 = none */
    uint32_t assignee;      /* interned string + 1; 0 = none */
    int32_t version;
    uint8_t status; /* tk_status */
    /* add --body and import write the ticket and its messages in one change, each message dated
     * at or before the created entry. One dated in the created entry's very second may instead be
     * a separate `message`/`reply` written right after the add: each such one leaves the version
     * one higher or not, so the row may hold `version` up to `version + ambiguous`. */
    uint16_t ambiguous;
} rp_ticket;

struct audit_replay {
    rp_ticket *t; /* sorted by id: tickets are created in id order, so appends keep it sorted */
    size_t n, cap;
    char **strs; /* interned levels and assignees */
    size_t n_strs, cap_strs;
    uint32_t *slots; /* open addressing over strs: index + 1, 0 = empty */
    size_t n_slots;
    /* The entry before the current one, for the changes that append two entries. */
    int64_t prev_seq, prev_ticket;
    au_kind prev_kind;
    bool prev_customer;
    st_time prev_at;
    /* The ticket whose creation run is open: its created entry, then (import, add --body) the
     * messages its add wrote in the same change, each dated at or before the created entry. */
    int64_t creating;
    st_time created_at;
    st_err problem; /* the log's own first contradiction; ST_OK when none */
};

static audit_replay *audit_replay_new(size_t expect_tickets)
{
    audit_replay *r = xcalloc(1, sizeof *r);
    if (expect_tickets > 0) { /* sized once: doubling would briefly hold 1.5 times the array */
        r->cap = expect_tickets;
        r->t = xmalloc(r->cap * sizeof *r->t);
    }
    r->n_slots = 64;
    r->slots = xcalloc(r->n_slots, sizeof *r->slots);
    st_err_clear(&r->problem);
    return r;
}

static void audit_replay_free(audit_replay *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_strs; i++)
        free(r->strs[i]);
    free(r->strs);
    free(r->slots);
    free(r->t);
    free(r);
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static void slot_put(uint32_t *slots, size_t n_slots, const char *s, uint32_t v)
{
    size_t i = (size_t)(str_hash(s) & (n_slots - 1));
    while (slots[i])
        i = (i + 1) & (n_slots - 1);
    slots[i] = v;
}

/* s's interned number (index + 1); 0 for NULL. */
static uint32_t intern(audit_replay *r, const char *s)
{
    if (!s)
        return 0;
    size_t i = (size_t)(str_hash(s) & (r->n_slots - 1));
    for (; r->slots[i]; i = (i + 1) & (r->n_slots - 1))
        if (strcmp(r->strs[r->slots[i] - 1], s) == 0)
            return r->slots[i];
    if (r->n_strs == r->cap_strs) {
        r->cap_strs = r->cap_strs ? 2 * r->cap_strs : 16;
        r->strs = xrealloc(r->strs, r->cap_strs * sizeof *r->strs);
    }
    r->strs[r->n_strs++] = xstrdup(s);
    uint32_t v = (uint32_t)r->n_strs;
    if (2 * r->n_strs > r->n_slots) { /* keep the table at most half full */
        free(r->slots);
        r->n_slots *= 2;
        r->slots = xcalloc(r->n_slots, sizeof *r->slots);
        for (size_t k = 0; k < r->n_strs; k++)
            slot_put(r->slots, r->n_slots, r->strs[k], (uint32_t)(k + 1));
    } else {
        slot_put(r->slots, r->n_slots, s, v);
    }
    return v;
}

static const char *str_of(const audit_replay *r, uint32_t v)
{
    return v ? r->strs[v - 1] : NULL;
}

/* The position of id in r->t, or where it would go (*found false). */
static size_t find(const audit_replay *r, int64_t id, bool *found)
{
    size_t lo = 0, hi = r->n;
    if (r->n && r->t[r->n - 1].id < id)
        lo = r->n; /* the usual case: a new ticket after every other */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->t[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < r->n && r->t[lo].id == id;
    return lo;
}

static void problem(audit_replay *r, const st_audit_entry *e, const char *what)
{
    if (r->problem.code == ST_OK)
        st_fail(&r->problem, ST_VERIFY, "audit entry %" PRId64 ": ticket %" PRId64 " %s", e->seq,
                e->ticket_id, what);
}

static void create(audit_replay *r, const st_audit_entry *e)
{
    bool found;
    size_t at = find(r, e->ticket_id, &found);
    if (found) {
        problem(r, e, "created twice");
        return;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1024;
        r->t = xrealloc(r->t, r->cap * sizeof *r->t);
    }
    memmove(&r->t[at + 1], &r->t[at], (r->n - at) * sizeof *r->t);
    r->n++;
    r->t[at] = (rp_ticket){.id = e->ticket_id,
                           .first_response = ST_TIME_NONE,
                           .resolved = ST_TIME_NONE,
                           .level = intern(r, e->to_level),
                           .version = 1,
                           .status = TK_OPEN};
}

/* Whether e is the second entry of the change that appended the one before it. */
static bool same_change(const audit_replay *r, const st_audit_entry *e)
{
    if (r->prev_seq != e->seq - 1 || r->prev_ticket != e->ticket_id)
        return false;
    /* A customer message on a pending, on-hold or resolved ticket opens it in the same change
     * (SPEC §8); after that message the ticket is open, so no separate change can be this one. */
    if (e->kind == AU_STATUS_CHANGED || e->kind == AU_REOPENED)
        return r->prev_kind == AU_MESSAGE && r->prev_customer && e->reason &&
               strcmp(e->reason, RP_CUSTOMER_MESSAGE) == 0;
    return false;
}

static void apply(audit_replay *r, rp_ticket *t, const st_audit_entry *e)
{
    bool bump = !same_change(r, e);
    tk_status to;
    switch (e->kind) {
    case AU_REPRIORITIZED:
        t->level = intern(r, e->to_level);
        break;
    case AU_RESPONDED:
        t->first_response = e->at;
        break;
    case AU_RESOLVED:
        if (t->first_response == ST_TIME_NONE) /* resolving records it (SPEC §2) */
            t->first_response = e->at;
        t->status = TK_RESOLVED;
        t->resolved = e->at;
        break;
    case AU_REOPENED:
    case AU_STATUS_CHANGED:
        if (!e->to_status) /* schema 1 wrote no statuses: its reopen went back to open */
            to = TK_OPEN;
        else if (!tk_status_parse(e->to_status, &to)) {
            problem(r, e, "changes to an unknown status");
            return;
        }
        t->status = (uint8_t)to;
        if (to != TK_RESOLVED)
            t->resolved = ST_TIME_NONE;
        break;
    case AU_ASSIGNED:
        t->assignee = intern(r, e->detail);
        break;
    case AU_MESSAGE: {
        if (e->message_kind && strcmp(e->message_kind, "reply") == 0 && t->first_response == ST_TIME_NONE)
            t->first_response = e->at;
        if (r->creating == e->ticket_id && r->prev_seq == e->seq - 1 && r->prev_ticket == e->ticket_id &&
            e->at <= r->created_at) {
            /* add --body or an import's conversation: each message carries its own time, at or
             * before the created entry's recording time. Before it, it can only be the add's. */
            if (e->at == r->created_at && t->ambiguous < UINT16_MAX)
                t->ambiguous++;
            bump = false;
        }
        break;
    }
    default:
        break;
    }
    if (bump)
        t->version++;
}

/* Applies e (already proven by the chain) to the replayed state. A log that contradicts itself (an
 * entry for a ticket it never created, a ticket created twice) is kept as the replay's first
 * problem and said after the pass, so that chain problems later in the same pass are said first. */
static void audit_replay_feed(void *ctx, const st_audit_entry *e)
{
    audit_replay *r = ctx;
    if (e->ticket_id != 0) { /* 0: a policy change, which no ticket row records */
        if (e->kind == AU_CREATED) {
            create(r, e);
        } else {
            bool found;
            size_t at = find(r, e->ticket_id, &found);
            if (found)
                apply(r, &r->t[at], e);
            else
                problem(r, e, "has no creation entry before it");
        }
    }
    if (e->kind == AU_CREATED) {
        r->creating = e->ticket_id;
        r->created_at = e->at;
    } else if (!(e->kind == AU_MESSAGE && r->creating == e->ticket_id && r->prev_seq == e->seq - 1 &&
                 e->at <= r->created_at))
        r->creating = 0;
    r->prev_seq = e->seq;
    r->prev_ticket = e->ticket_id;
    r->prev_kind = e->kind;
    r->prev_customer = e->message_kind && strcmp(e->message_kind, "customer") == 0;
    r->prev_at = e->at;
}

/* "ticket 12: FIELD is ROW but the log says LOG", the untrusted strings made safe to print. */
static st_code disagree(st_err *err, int64_t id, const char *field, const char *row, const char *log)
{
    char *a = row ? text_sanitize(row, false) : NULL;
    char *b = log ? text_sanitize(log, false) : NULL;
    st_fail(err, ST_VERIFY, "ticket %" PRId64 ": %s is %.120s but the log says %.120s", id, field,
            a ? a : "none", b ? b : "none");
    free(a);
    free(b);
    return ST_VERIFY;
}

static const char *time_or_null(st_time t, char buf[static 21])
{
    return t == ST_TIME_NONE ? NULL : time_format_iso(t, buf);
}

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static st_code compare(const audit_replay *r, const rp_ticket *t, const st_ticket *row, st_err *err)
{
    char x[21], y[21];
    if (!str_eq(row->level, str_of(r, t->level)))
        return disagree(err, t->id, "level", row->level, str_of(r, t->level));
    if (row->status != (tk_status)t->status)
        return disagree(err, t->id, "status", tk_status_name(row->status),
                        tk_status_name((tk_status)t->status));
    if (!str_eq(row->assignee, str_of(r, t->assignee)))
        return disagree(err, t->id, "assignee", row->assignee, str_of(r, t->assignee));
    if (row->first_response != t->first_response)
        return disagree(err, t->id, "first response", time_or_null(row->first_response, x),
                        time_or_null(t->first_response, y));
    if (row->resolved != t->resolved)
        return disagree(err, t->id, "resolved", time_or_null(row->resolved, x), time_or_null(t->resolved, y));
    if (row->version < t->version || row->version > (int64_t)t->version + t->ambiguous) {
        if (t->ambiguous > 0)
            return st_fail(err, ST_VERIFY,
                           "ticket %" PRId64 ": version is %" PRId64 " but the log says %" PRId32
                           " %s %" PRId32,
                           t->id, row->version, t->version, t->ambiguous == 1 ? "or" : "to",
                           (int32_t)(t->version + t->ambiguous));
        return st_fail(err, ST_VERIFY, "ticket %" PRId64 ": version is %" PRId64 " but the log says %" PRId32,
                       t->id, row->version, t->version);
    }
    return ST_OK;
}

/* audit_replay_check's merge of the rows (in id order) with the replayed tickets (in id order). */
typedef struct {
    const audit_replay *r;
    size_t next; /* the first replayed ticket not yet matched with a row */
} check_walk;

static st_code missing_row(const rp_ticket *t, st_err *err)
{
    return st_fail(err, ST_VERIFY,
                   "ticket %" PRId64 ": in the audit log but missing from the database (removed)", t->id);
}

static st_code check_visit(void *ctx, const st_ticket *row, st_err *err)
{
    check_walk *w = ctx;
    const audit_replay *r = w->r;
    if (w->next < r->n && r->t[w->next].id < row->id)
        return missing_row(&r->t[w->next], err);
    if (w->next == r->n || r->t[w->next].id != row->id)
        return st_fail(err, ST_VERIFY, "ticket %" PRId64 ": not in the audit log (no creation entry)",
                       row->id);
    return compare(r, &r->t[w->next++], row, err);
}

static st_code audit_replay_check(audit_replay *r, st_store *s, st_err *err)
{
    if (r->problem.code != ST_OK) {
        if (err)
            *err = r->problem;
        return r->problem.code;
    }
    check_walk w = {.r = r};
    st_code code = store_ticket_scan(s, check_visit, &w, err);
    if (code == ST_OK && w.next < r->n)
        code = missing_row(&r->t[w.next], err);
    return code;
}

/* One pass: chain and anchor with the replay fed alongside, then the rows. */
static st_code verify_once(st_store *s, int64_t anchor_seq, const char *anchor_hash, int64_t *checked,
                           bool *head_moved, st_err *err)
{
    *head_moved = false;
    int64_t tickets = 0, seq0 = 0, seq1 = 0;
    char head0[65], head1[65];
    if (store_ticket_count(s, true, &tickets, NULL) != ST_OK) /* only a size hint */
        tickets = 0;
    st_code code = store_audit_head(s, &seq0, head0, err);
    if (code != ST_OK)
        return code;
    audit_replay *r = audit_replay_new((size_t)tickets);
    code = store_audit_verify_observed(s, anchor_seq, anchor_hash, audit_replay_feed, r, checked, err);
    if (code == ST_OK) {
        code = audit_replay_check(r, s, err);
        /* The log and the rows are read one after the other: a change committed in between makes
         * a row newer than the log read. Every change appends an entry, so the head tells. */
        if (code == ST_VERIFY && store_audit_head(s, &seq1, head1, NULL) == ST_OK)
            *head_moved = seq1 != seq0 || strcmp(head0, head1) != 0;
    }
    audit_replay_free(r);
    return code;
}

st_code audit_replay_verify(st_store *s, int64_t anchor_seq, const char *anchor_hash, int64_t *checked,
                            st_err *err)
{
    bool head_moved = false;
    st_code code = ST_OK;
    for (int attempt = 0; attempt < 3; attempt++) {
        code = verify_once(s, anchor_seq, anchor_hash, checked, &head_moved, err);
        if (!head_moved)
            break;
    }
    return code;
}
