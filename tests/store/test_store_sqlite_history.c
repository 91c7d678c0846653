/* The SQLite backend's two ways of streaming every ticket with its history (store_history.h): by
 * id through the audit_ticket index, and in one pass over the log in seq order, visiting a ticket
 * at its last entry. On a log whose tickets' entries interleave, both must visit the same tickets
 * with the same entries; the log pass in the order the histories end. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/store_history.h"
#include "store_fixture.h"

/* Always an SQLite file, whatever SLATOP_TEST_STORE says. */
static void setup_sqlite(void)
{
    setup();
    snprintf(dbpath, sizeof dbpath, "%s/slatop.db", tmpdir);
}

/* What a walk saw: per visit, "id:seq,seq,...;" in visiting order. */
typedef struct {
    char buf[4096];
    size_t len;
    int visits;
} seen;

static st_code note(void *ctx, const st_ticket *t, const st_audit_entry *h, size_t n, st_err *err)
{
    (void)err;
    seen *s = ctx;
    s->len += (size_t)snprintf(s->buf + s->len, sizeof s->buf - s->len, "%lld:", (long long)t->id);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(h[i].ticket_id, t->id, "an entry of ticket %lld given with ticket %lld",
                     (long long)h[i].ticket_id, (long long)t->id);
        s->len += (size_t)snprintf(s->buf + s->len, sizeof s->buf - s->len, "%s%lld", i ? "," : "",
                                   (long long)h[i].seq);
    }
    s->len += (size_t)snprintf(s->buf + s->len, sizeof s->buf - s->len, ";");
    s->visits++;
    return ST_OK;
}

static void append(st_store *s, int64_t ticket, const char *reason)
{
    st_err err = {0};
    st_audit_entry e = make_entry(ticket, reason);
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_audit_append(s, &e, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    audit_entry_done(&e);
}

static st_code stop_at_two(void *ctx, const st_ticket *t, const st_audit_entry *h, size_t n, st_err *err)
{
    (void)h;
    (void)n;
    int *count = ctx;
    ++*count;
    return t->id == 2 ? st_fail(err, ST_IO, "stopped at ticket 2") : ST_OK;
}

TestSuite(store_history, .init = setup_sqlite, .fini = teardown);

Test(store_history, the_log_pass_visits_what_the_walk_by_id_does)
{
    st_store *s = create_db();
    int64_t a = add_ticket(s, "a", 9000, ST_TIME_NONE, TK_OPEN);
    int64_t b = add_ticket(s, "b", 9000, ST_TIME_NONE, TK_OPEN);
    int64_t c = add_ticket(s, "c", 9000, ST_TIME_NONE, TK_OPEN); /* no entries */
    int64_t d = add_ticket(s, "d", 9000, ST_TIME_NONE, TK_OPEN);
    /* seq 1..6: a b a d b a; a's history ends last, d's first. */
    append(s, a, "1");
    append(s, b, "2");
    append(s, a, "3");
    append(s, d, "4");
    append(s, b, "5");
    append(s, a, "6");
    st_err err = {0};
    seen byid = {0}, bylog = {0};
    cr_assert_eq(store_ticket_histories(s, ST_TIME_NONE, note, &byid, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_ticket_histories_log(s, ST_TIME_NONE, note, &bylog, &err), ST_OK, "%s", err.msg);
    char want_id[128], want_log[128];
    snprintf(want_id, sizeof want_id, "%lld:1,3,6;%lld:2,5;%lld:;%lld:4;", (long long)a, (long long)b,
             (long long)c, (long long)d);
    /* c (no entries) when the tickets are read up to d, at seq 4; then d, b, a as they end. */
    snprintf(want_log, sizeof want_log, "%lld:;%lld:4;%lld:2,5;%lld:1,3,6;", (long long)c, (long long)d,
             (long long)b, (long long)a);
    cr_assert_str_eq(byid.buf, want_id);
    cr_assert_str_eq(bylog.buf, want_log);
    store_close(s);
}

Test(store_history, tickets_created_at_or_after_the_bound_are_left_out)
{
    st_store *s = create_db();
    int64_t a = add_ticket(s, "a", 9000, ST_TIME_NONE, TK_OPEN); /* created at 1000 */
    append(s, a, "1");
    st_err err = {0};
    seen before = {0}, at = {0};
    cr_assert_eq(store_ticket_histories_log(s, 1001, note, &before, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_ticket_histories_log(s, 1000, note, &at, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(before.visits, 1);
    cr_assert_eq(at.visits, 0, "visited: %s", at.buf);
    store_close(s);
}

Test(store_history, a_visitor_error_stops_the_pass_and_is_returned)
{
    st_store *s = create_db();
    for (int i = 0; i < 3; i++)
        append(s, add_ticket(s, "t", 9000, ST_TIME_NONE, TK_OPEN), "r");
    st_err err = {0};
    int count = 0;
    cr_assert_eq(store_ticket_histories_log(s, ST_TIME_NONE, stop_at_two, &count, &err), ST_IO);
    cr_assert_str_eq(err.msg, "stopped at ticket 2");
    cr_assert_eq(count, 2);
    /* The connection is usable after it: the read transaction ended. */
    seen again = {0};
    cr_assert_eq(store_ticket_histories_log(s, ST_TIME_NONE, note, &again, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(again.visits, 3);
    store_close(s);
}

/* What a replay reads, per ticket by id: the ticket's unchanging fields, then each entry's. */
typedef struct {
    char by_id[8][512];
} fields;

static st_code note_fields(void *ctx, const st_ticket *t, const st_audit_entry *h, size_t n, st_err *err)
{
    (void)err;
    fields *f = ctx;
    cr_assert(t->id > 0 && t->id < 8);
    char *b = f->by_id[t->id];
    size_t len = (size_t)snprintf(b, 512, "%s|%s|%lld|%lld", t->title, t->customer ? t->customer : "(null)",
                                  (long long)t->created, (long long)t->policy_version);
    for (size_t i = 0; i < n; i++) {
        const st_audit_entry *e = &h[i];
        len += (size_t)snprintf(b + len, 512 - len, ";%lld %d %lld %s %s %s %s %s", (long long)e->seq, (int)e->kind,
                                (long long)e->at, e->actor ? e->actor : "(null)", e->to_level ? e->to_level : "(null)",
                                e->reason ? e->reason : "(null)", e->to_status ? e->to_status : "(null)",
                                e->message_kind ? e->message_kind : "(null)");
    }
    return ST_OK;
}

Test(store_history, the_log_pass_gives_every_field_a_replay_reads_as_the_walk_by_id_does)
{
    st_store *s = create_db();
    int64_t a = add_ticket(s, "first title", 9000, ST_TIME_NONE, TK_OPEN);
    int64_t b = add_ticket(s, "second", 9000, ST_TIME_NONE, TK_OPEN);
    append(s, a, "raised");
    st_err err = {0};
    st_audit_entry e = make_entry(b, NULL); /* a NULL reason stays NULL, not "" */
    e.kind = AU_STATUS_CHANGED;
    e.to_status = xstrdup("pending");
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_audit_append(s, &e, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    audit_entry_done(&e);
    e = make_entry(a, "a reply");
    e.kind = AU_MESSAGE;
    e.message_kind = xstrdup("reply");
    e.message_id = 7;
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_audit_append(s, &e, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    audit_entry_done(&e);
    fields byid = {0}, bylog = {0};
    cr_assert_eq(store_ticket_histories(s, ST_TIME_NONE, note_fields, &byid, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_ticket_histories_log(s, ST_TIME_NONE, note_fields, &bylog, &err), ST_OK, "%s", err.msg);
    for (int i = 0; i < 8; i++)
        cr_assert_str_eq(bylog.by_id[i], byid.by_id[i], "ticket %d", i);
    cr_assert(strstr(bylog.by_id[a], "first title|") == bylog.by_id[a], "%s", bylog.by_id[a]);
    cr_assert(strstr(bylog.by_id[a], " bob P2 raised (null) (null)"), "%s", bylog.by_id[a]);
    cr_assert(strstr(bylog.by_id[a], " bob P2 a reply (null) reply"), "%s", bylog.by_id[a]);
    cr_assert(strstr(bylog.by_id[b], " bob P2 (null) pending (null)"), "%s", bylog.by_id[b]);
    store_close(s);
}

/* Per ticket id: its entries' seqs summed and counted, and the visits. */
typedef struct {
    int64_t sum[1100], count[1100];
    int visits[1100];
} tally;

static st_code note_tally(void *ctx, const st_ticket *t, const st_audit_entry *h, size_t n, st_err *err)
{
    (void)err;
    tally *x = ctx;
    cr_assert(t->id > 0 && t->id < 1100);
    x->visits[t->id]++;
    for (size_t i = 0; i < n; i++) {
        cr_assert(i == 0 || h[i].seq > h[i - 1].seq, "ticket %lld: entries out of order", (long long)t->id);
        x->sum[t->id] += h[i].seq;
        x->count[t->id]++;
    }
    return ST_OK;
}

Test(store_history, many_histories_open_at_once_and_gaps_in_the_ids)
{
    /* 1,000 tickets (every 7th without entries: gaps in the ids with entries), three entries each,
     * interleaved so that hundreds of histories are open at once in the log pass. */
    st_store *s = create_db();
    st_err err = {0};
    enum { N = 1000 };
    int64_t ids[N];
    cr_assert_eq(store_begin(s, &err), ST_OK, "%s", err.msg);
    for (int i = 0; i < N; i++) {
        st_ticket t = make_ticket("t", "P2", 9000, ST_TIME_NONE, TK_OPEN);
        cr_assert_eq(store_ticket_insert(s, &t, &err), ST_OK, "%s", err.msg);
        ids[i] = t.id;
        ticket_done(&t);
    }
    for (int round = 0; round < 3; round++)
        for (int k = 0; k < N; k++) {
            int i = round == 1 ? N - 1 - k : k; /* the middle round backwards: histories end out of order */
            if (i % 7 == 3)
                continue;
            st_audit_entry e = make_entry(ids[i], "r");
            cr_assert_eq(store_audit_append(s, &e, &err), ST_OK, "%s", err.msg);
            audit_entry_done(&e);
        }
    cr_assert_eq(store_commit(s, &err), ST_OK, "%s", err.msg);
    tally *byid = calloc(1, sizeof *byid), *bylog = calloc(1, sizeof *bylog);
    cr_assert_eq(store_ticket_histories(s, ST_TIME_NONE, note_tally, byid, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_ticket_histories_log(s, ST_TIME_NONE, note_tally, bylog, &err), ST_OK, "%s", err.msg);
    for (int i = 0; i < N; i++) {
        int64_t id = ids[i];
        cr_assert_eq(bylog->visits[id], 1, "ticket %lld visited %d times", (long long)id, bylog->visits[id]);
        cr_assert_eq(bylog->count[id], i % 7 == 3 ? 0 : 3, "ticket %lld", (long long)id);
        cr_assert_eq(bylog->count[id], byid->count[id], "ticket %lld", (long long)id);
        cr_assert_eq(bylog->sum[id], byid->sum[id], "ticket %lld", (long long)id);
    }
    free(byid);
    free(bylog);
    store_close(s);
}
