/* model: the plain value types the store, the ops layer, the command line and the console share:
 * tickets and audit entries. Strings inside are owned by the struct; *_done frees them. */
#ifndef SLATOP_MODEL_H
#define SLATOP_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "slatop/util.h"

/* Schema 2 (SPEC §8): who the ticket waits on. The first response is a fact (first_response), not
 * a status; a schema-1 "responded" ticket is "open". */
typedef enum { TK_OPEN, TK_PENDING, TK_ON_HOLD, TK_RESOLVED } tk_status;
const char *tk_status_name(tk_status s); /* "open", "pending", "on_hold", "resolved" */
bool tk_status_parse(const char *s, tk_status *out);

/* The ticket's next clock (SPEC §8) as the ops layer stored it at the last write that touched
 * the ticket (schema 3): the list's urgency order is (tier, key, id) straight from an index, and
 * the console re-times the clock at any later instant from these fields alone (clocks_next.h).
 * Plain numbers here: their meaning (metric, clock, paused_by) is the engine's (clocks.h). */
typedef struct {
    int tier;            /* 0 running, 1 every running clock paused by status, 2 none; -1 not
                            computed yet (a migrated row the ops layer has not filled) */
    int64_t key;         /* tier 0: due (INT64_MAX: none); tier 1: remaining_s; tier 2: 0 */
    int metric;          /* a pol_metric, -1 when none */
    int cycle;
    int64_t target_s;
    int clock;           /* a pol_clock */
    st_time due;         /* ST_TIME_NONE while paused by status before reaching it */
    int64_t remaining_s; /* at `at` (stands still while paused by status) */
    st_time at;          /* when it was computed (the write): re-timing counts from here */
    int paused_by;       /* a clk_paused_by, by status only (hours is re-timed) */
} tk_next;

typedef struct {
    int64_t id;
    char *ref;        /* may be NULL */
    char *title;
    char *customer;   /* may be NULL */
    char *channel;    /* may be NULL */
    char *level;      /* a level id of its policy version */
    char *assignee;   /* may be NULL */
    tk_status status;
    st_time created;
    st_time first_response; /* ST_TIME_NONE when none */
    st_time resolved;       /* ST_TIME_NONE when none */
    st_time clock_start;    /* where the current level's clock starts (created, or the change) */
    st_time due;            /* due time in force */
    st_time response_due;   /* due in force at first response, ST_TIME_NONE when none */
    bool breached_hist;     /* sticky breach already established by history at the last write */
    int64_t policy_version;
    int64_t version;        /* bumped by every change */
    char *updated_by;       /* actor of the last change */
    st_time updated_at;     /* event time of the last change */
    tk_next next;           /* schema 3: the next clock at the last write (order and column) */
} st_ticket;
void ticket_done(st_ticket *t);
void ticket_copy(st_ticket *dst, const st_ticket *src); /* deep copy; dst uninitialised */

typedef enum {
    AU_CREATED,
    AU_REPRIORITIZED,
    AU_RESPONDED,
    AU_RESOLVED,
    AU_REOPENED,
    AU_ASSIGNED,
    AU_POLICY_APPLIED,
    AU_STATUS_CHANGED,
    AU_MESSAGE,
} au_kind;
/* "created", "reprioritized", "responded", "resolved", "reopened", "assigned", "policy_applied",
 * "status_changed", "message" */
const char *au_kind_name(au_kind k);
bool au_kind_parse(const char *s, au_kind *out);

typedef struct {
    int64_t seq;          /* 1, 2, 3 ... assigned by the store */
    st_time at;           /* event time (the program's clock, --now) */
    st_time recorded_at;  /* real time written */
    char *actor;          /* OS user */
    au_kind kind;
    int64_t ticket_id;    /* 0 for policy_applied */
    char *from_level;     /* may be NULL */
    char *to_level;       /* may be NULL */
    st_time old_due;      /* ST_TIME_NONE when not applicable */
    st_time new_due;      /* ST_TIME_NONE when not applicable */
    char *reason;         /* may be NULL */
    char *detail;         /* may be NULL: assignee for assigned, "version N sha256 H" for policy */
    /* Schema 2 (NULL / 0 elsewhere): status changes carry from/to_status, messages the rest. */
    char *from_status;    /* may be NULL */
    char *to_status;      /* may be NULL */
    int64_t message_id;   /* 0 when not a message */
    char *message_kind;   /* "customer", "reply", "note"; may be NULL */
    char *body_sha256;    /* hex SHA-256 of the message body; may be NULL */
    /* Schema 4 (SPEC §10): the host name of the writer, beside the actor; NULL on entries written
     * before it (they keep their hashes). */
    char *host;
    char prev_hash[65];   /* hex SHA-256 of the previous entry ("" for seq 1 is 64 zeros) */
    char hash[65];        /* hex SHA-256 of this entry's canonical content (incl. prev_hash) */
} st_audit_entry;
void audit_entry_done(st_audit_entry *e);

/* A message of a ticket's conversation (SPEC §8). */
typedef enum { MSG_CUSTOMER, MSG_REPLY, MSG_NOTE } msg_kind;
const char *msg_kind_name(msg_kind k); /* "customer", "reply", "note" */
bool msg_kind_parse(const char *s, msg_kind *out);

/* The longest message body, in bytes of (repaired) UTF-8. */
#define MSG_BODY_MAX 65536

typedef struct {
    int64_t id;           /* assigned by the store */
    int64_t ticket_id;
    msg_kind kind;
    char *author;         /* may be NULL (a customer message on a ticket without a customer) */
    st_time at;           /* event time (--now) */
    st_time recorded_at;  /* real time written, assigned by the store */
    char *body;           /* valid UTF-8 without NUL, at most MSG_BODY_MAX bytes */
} st_message;
void message_done(st_message *m);

#endif
