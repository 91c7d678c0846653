/* store_clock: a ticket's clock history (store_audit_clock_scan), with a memo of the ticket read
 * last. A change recomputes the ticket's next clock from its whole history, so without the memo
 * each raise of a ticket reads every entry the ones before it wrote: the 1,000th raise of one
 * ticket stepped 1,000 rows (SQLite: 44% of the raise). The log is append-only and a write holds
 * the writers' lock, so the entries up to the memo's last seq stay that ticket's history up to
 * there: the next scan asks the backend for that last entry again (to check the memo still
 * matches the database, which a restore or another file may have replaced) and what came after
 * it. A rollback drops the memo: it may hold the transaction's own appends. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/store.h"

#include "store_backend.h"

typedef struct {
    int64_t seq;
    st_time at;
    au_kind kind;
    char *to_level, *reason, *to_status, *message_kind; /* owned */
} memo_row;

struct store_clock_memo {
    int64_t ticket;   /* 0: none */
    int64_t too_long; /* the last ticket whose history passed MEMO_MAX: never memoized again */
    memo_row *rows;
    size_t n, cap;
};

/* A history longer than this is read from the backend each time (about 100 bytes an entry). */
#define MEMO_MAX 50000

void store_clock_memo_drop(st_store *s, int64_t ticket)
{
    store_clock_memo *m = s->memo;
    if (!m)
        m = s->memo = xcalloc(1, sizeof *m);
    for (size_t i = 0; i < m->n; i++) {
        free(m->rows[i].to_level);
        free(m->rows[i].reason);
        free(m->rows[i].to_status);
        free(m->rows[i].message_kind);
    }
    m->n = 0;
    m->ticket = ticket == m->too_long ? 0 : ticket;
}

void store_clock_memo_free(st_store *s)
{
    if (!s->memo)
        return;
    store_clock_memo_drop(s, 0);
    free(s->memo->rows);
    free(s->memo);
    s->memo = NULL;
}

int64_t store_clock_memo_last(const st_store *s, int64_t ticket)
{
    const store_clock_memo *m = s->memo;
    return m && m->ticket == ticket && m->n > 0 ? m->rows[m->n - 1].seq : 0;
}

static void memo_add(store_clock_memo *m, const st_audit_entry *e)
{
    if (m->n == MEMO_MAX) {
        m->too_long = m->ticket; /* read whole each time, without copying it first */
        m->ticket = 0;           /* the rows are dropped at the next scan's start */
        return;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 64;
        m->rows = xrealloc(m->rows, m->cap * sizeof *m->rows);
    }
    m->rows[m->n++] = (memo_row){e->seq, e->at, e->kind, xstrdup(e->to_level), xstrdup(e->reason),
                                 xstrdup(e->to_status), xstrdup(e->message_kind)};
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether e is the memo row w: every column the memo keeps. */
static bool same_entry(const memo_row *w, const st_audit_entry *e)
{
    return e->seq == w->seq && e->at == w->at && e->kind == w->kind && same_text(e->to_level, w->to_level) &&
           same_text(e->reason, w->reason) && same_text(e->to_status, w->to_status) &&
           same_text(e->message_kind, w->message_kind);
}

/* One scan: the caller's visitor, and whether the backend's first entry is the memo's last. */
typedef struct {
    store_clock_memo *m;
    store_audit_visit visit;
    void *ctx;
    int64_t from;  /* the memo's last seq the scan began at; 0: the whole history */
    bool first;    /* no entry seen yet */
    bool mismatch; /* the backend's first entry is not the memo's last: stopped, read again whole */
} memo_scan;

static st_code memo_visit(void *ctx, const st_audit_entry *e, st_err *err)
{
    memo_scan *sc = ctx;
    store_clock_memo *m = sc->m;
    if (sc->first && sc->from > 0) {
        sc->first = false;
        if (!same_entry(&m->rows[m->n - 1], e)) {
            sc->mismatch = true;
            return ST_CONFLICT; /* ends the backend's scan; nothing has reached the caller yet */
        }
        st_code code = ST_OK;
        for (size_t i = 0; code == ST_OK && i < m->n; i++) {
            const memo_row *w = &m->rows[i];
            st_audit_entry r = {.seq = w->seq, .at = w->at, .kind = w->kind, .ticket_id = m->ticket,
                                .to_level = w->to_level, .reason = w->reason, .to_status = w->to_status,
                                .message_kind = w->message_kind};
            code = sc->visit(sc->ctx, &r, err);
        }
        return code;
    }
    sc->first = false;
    if (m->ticket == e->ticket_id)
        memo_add(m, e);
    return sc->visit(sc->ctx, e, err);
}

st_code store_audit_clock_scan(st_store *s, int64_t ticket_id, store_audit_visit visit, void *ctx,
                               st_err *err)
{
    if (ticket_id <= 0)
        return st_fail(err, ST_USAGE, "%s: a ticket's history needs a ticket id", s->locator);
    if (!s->ops->audit_clock_scan) {
        store_audit_range r = {.ticket_id = ticket_id};
        return s->ops->audit_range(s->be, &r, visit, ctx, err);
    }
    memo_scan sc = {s->memo, visit, ctx, store_clock_memo_last(s, ticket_id), true, false};
    if (sc.from == 0)
        store_clock_memo_drop(s, ticket_id), sc.m = s->memo;
    st_code code = s->ops->audit_clock_scan(s->be, ticket_id, sc.from, memo_visit, &sc, err);
    if (sc.from > 0 && ((code == ST_OK && sc.first) || sc.mismatch)) {
        /* The memo's last entry is gone or another: this is not the database it was read from. */
        store_clock_memo_drop(s, ticket_id);
        sc = (memo_scan){s->memo, visit, ctx, 0, true, false};
        code = s->ops->audit_clock_scan(s->be, ticket_id, 0, memo_visit, &sc, err);
    }
    if (code != ST_OK)
        store_clock_memo_drop(s, 0); /* a scan cut short leaves no partial history behind */
    return code;
}
