/* ops: every change a user can make (add, import, re-prioritize, respond, resolve, reopen, assign,
 * apply a policy), each as one store transaction that also writes its audit entry, plus the
 * computed view of a ticket (timer, sticky breach). The command line and the console call the
 * same functions, so a change from either is the same change. */
#ifndef SLATOP_OPS_H
#define SLATOP_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/clocks.h"
#include "slatop/model.h"
#include "slatop/policy.h"
#include "slatop/sla.h"
#include "slatop/util.h"

/* The store, declared only: readers of ops.h (the console's views through query.h) need not see
 * the store's interface. */
typedef struct st_store st_store;
typedef struct st_ops st_ops; /* opaque: borrows the store and clock, caches parsed policies */

/* Creates a new database at db_path with the policy file's contents as version 1 (audited as
 * policy_applied, reason "init"). The file is validated first; nothing is created on error. */
st_code ops_init_db(const char *db_path, const char *policy_path, const st_clock *clock, st_err *err);
/* Same, from policy JSON text already in memory (`source` names it in errors). */
st_code ops_init_db_text(const char *db_path, const char *json, const char *source, const st_clock *clock,
                         st_err *err);

/* store and clock are borrowed and must outlive the ops. Caller owns *out (ops_free). On a
 * read-write store it first completes the migration to schema 3 (ops_fill_next). */
st_code ops_new(st_store *store, const st_clock *clock, st_ops **out, st_err *err);
/* Schema 3 stores each ticket's next clock (SPEC §8), which only the engine can compute, so the
 * store's migration leaves migrated rows marked and this fills them from their histories, in one
 * transaction, when the store is writable (the store sits below the engine and cannot call it).
 * A no-op when nothing is marked. */
st_code ops_fill_next(st_ops *o, st_err *err);
void ops_free(st_ops *o);
st_store *ops_store(st_ops *o);
/* Marks the ops read-only: every change is refused with ST_CONFLICT "read-only". */
void ops_set_read_only(st_ops *o, bool ro);

/* The policy of a version (0 = latest). Borrowed: owned by the ops' cache. */
st_code ops_policy(st_ops *o, int64_t version, const st_policy **out, int64_t *version_out, st_err *err);

/* One message of an imported conversation (SPEC §8). */
typedef struct {
    msg_kind kind;
    const char *author; /* NULL: a customer message's is the ticket's customer, a reply's or note's the OS user */
    st_time at;         /* ST_TIME_NONE: now; else not before the ticket's creation nor an earlier message */
    const char *body;   /* required: body_len bytes */
    size_t body_len;
} ops_new_message;

typedef struct {
    const char *title;    /* required, non-empty */
    const char *level;    /* NULL: channel default, else the lowest level */
    const char *customer; /* may be NULL */
    const char *channel;  /* may be NULL */
    const char *ref;      /* may be NULL; unique */
    st_time created;      /* ST_TIME_NONE: now */
    const char *body;     /* may be NULL: else the first customer message, body_len bytes */
    size_t body_len;
    const ops_new_message *messages; /* then these, oldest first, as if recorded one by one */
    size_t n_messages;
} ops_new_ticket;

/* Adds one ticket (audited as created). */
st_code ops_add(st_ops *o, const ops_new_ticket *in, int64_t *id_out, st_err *err);
/* Adds all or nothing in one transaction; errors name "record N" (1-based) and the key
 * ("messages[K].at", K 0-based). */
st_code ops_add_many(st_ops *o, const ops_new_ticket *in, size_t n, int64_t *first_id, st_err *err);

typedef enum { OPS_UP, OPS_DOWN, OPS_TO } ops_move;
typedef struct {
    int64_t id;
    char *from_level, *to_level; /* owned */
    st_time old_due, new_due;
    int64_t remaining_s;         /* at the program's now, under the new level */
    bool breaches_immediately;   /* the new due is at or before now */
    int64_t new_version;         /* ticket version after the change (preview: current) */
} ops_change;
void ops_change_done(ops_change *c);

/* What a re-prioritization would do, writing nothing (the console's preview).
 * Errors: ST_NOTFOUND, ST_CONFLICT (past the top/bottom, resolved, same level), ST_INVALID. */
st_code ops_preview_level(st_ops *o, int64_t id, ops_move move, const char *level, ops_change *out,
                          st_err *err);
/* Re-prioritizes (reason required, non-empty). expect_version < 0 skips the version check; a
 * stale version is refused naming who changed the ticket and when. */
st_code ops_set_level(st_ops *o, int64_t id, ops_move move, const char *level, const char *reason,
                      int64_t expect_version, ops_change *out, st_err *err);
st_code ops_respond(st_ops *o, int64_t id, int64_t expect_version, st_err *err);
st_code ops_resolve(st_ops *o, int64_t id, int64_t expect_version, st_err *err);
st_code ops_reopen(st_ops *o, int64_t id, const char *reason, int64_t expect_version, st_err *err);
st_code ops_assign(st_ops *o, int64_t id, const char *assignee, int64_t expect_version, st_err *err);
/* Records a message (SPEC §8) of body_len bytes (repaired to UTF-8; NUL or more than MSG_BODY_MAX
 * bytes refused) with its audit entry. A customer message's author is `author`, else the ticket's
 * customer; a reply's and a note's is the OS user (author must be NULL). A customer message moves
 * a pending or on_hold ticket to open and reopens a resolved one (audited, reason "customer
 * message"); a reply records the first response when there is none. *msg_id may be NULL. */
st_code ops_message(st_ops *o, int64_t id, msg_kind kind, const char *author, const char *body,
                    size_t body_len, int64_t expect_version, int64_t *msg_id, st_err *err);
/* Moves an unresolved ticket to open, pending or on_hold (pending and on_hold need a reason);
 * resolve and reopen stay ops_resolve and ops_reopen. */
st_code ops_set_status(st_ops *o, int64_t id, tk_status to, const char *reason, int64_t expect_version,
                       st_err *err);
/* Validates the file, refuses a version that drops a level an open ticket uses (naming the
 * tickets), stores the next version and audits it. */
st_code ops_policy_apply(st_ops *o, const char *path, const char *reason, int64_t *version_out, st_err *err);

/* A ticket as the user sees it at `now`. */
typedef struct {
    st_ticket t;               /* owned copy */
    const st_policy *policy;   /* borrowed from the ops cache: the ticket's policy version */
    size_t level_index;
    sla_timer timer;
    bool breached_ever;
    bool has_next;             /* the ticket has a next clock (SPEC §8) */
    clk_clock next;            /* it, re-timed at now from the stored one (clocks_next.h): metric,
                                  cycle, due, remaining, state, paused_by, resumes_at */
} ops_view;
/* Re-times v's next clock at now (no I/O): the console calls it once a second. */
void ops_view_retime_next(ops_view *v, st_time now);
/* The state the list shows for v: its next clock's, else (no clock running) its first response's
 * (met or missed). */
sla_state ops_view_state(const ops_view *v);
/* ops_view_state of t's view at now, without building the view (no copy): counting a million
 * rows' states. */
st_code ops_state_of(st_ops *o, const st_ticket *t, st_time now, sla_state *out, st_err *err);
void ops_view_done(ops_view *v);
/* Builds the view of t (deep-copied) at now. */
st_code ops_view_of(st_ops *o, const st_ticket *t, st_time now, ops_view *out, st_err *err);
st_code ops_get_view(st_ops *o, int64_t id, st_time now, ops_view *out, st_err *err);
/* The history of a ticket as SLA events (for breach derivation and explain). Caller owns *out
 * (free the array; strings are borrowed from `entries`). */
void ops_events_from_audit(const st_audit_entry *entries, size_t n, sla_event **out, size_t *n_out);
/* The history of a ticket of policy p created at `created` (its clocks start there, though its
 * created entry records when it was entered) as clock events (SPEC §8, clocks_compute), from its
 * audit entries oldest first; schema-1 entries (resolve and reopen without statuses) read as their kinds
 * say. Entries that name a level p lacks are skipped. Caller owns *out (free the array; strings
 * are borrowed from `entries`). */
void ops_clock_events(const st_policy *p, st_time created, const st_audit_entry *entries, size_t n,
                      clk_event **out, size_t *n_out);

#endif
