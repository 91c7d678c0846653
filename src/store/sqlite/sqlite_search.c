/* sqlite_search: the SQLite backend's search, filters and per-state counts (store_search.h).
 * Text search goes through two FTS5 tables with the trigram tokenizer (substrings, case-folded),
 * one over the tickets' title, customer, assignee and ref and one over message bodies, kept in
 * sync by triggers in the same transaction as every write; a level's tickets come from the few
 * levels in ticket_groups. FTS5 folds case for all of
 * Unicode while the list's rule is ASCII-only, so each candidate is re-checked with LIKE (ASCII
 * case-insensitive, as the plain scan): the index narrows, the rule decides. A text shorter than
 * three characters has no trigram: it falls back to a LIKE scan of the open tickets, which the
 * caller's cancel callback can abandon (the bounded scan SPEC §11 allows). */
#include "sqlite_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- schema step ---------------------------------------------------------------------------- */

/* A ticket row's group (store_search.h store_group): its next clock's tier, clock kind and target
 * (-1 for none) and its first response's kind (0 unanswered, 1 met, 2 missed: sla_timer_at's
 * rule), and the trigger statements that move it in or out of ticket_groups; r is "new", "old"
 * or "tickets". */
#define GROUP_KIND(r)                                                                                        \
    "CASE WHEN " r ".first_response IS NULL THEN 0 WHEN " r ".response_due IS NULL OR " r                   \
    ".first_response <= " r ".response_due THEN 1 ELSE 2 END"
#define GROUP_KEY(r)                                                                                         \
    r ".level, " r ".policy_version, coalesce(" r ".next_tier, -1), coalesce(" r ".next_clock, -1), "       \
    "coalesce(" r ".next_target_s, -1), " GROUP_KIND(r)
#define GROUP_ADD(r)                                                                                         \
    "INSERT INTO ticket_groups(level, policy_version, tier, clock, target_s, kind, n) SELECT " GROUP_KEY(r)   \
    ", 1 WHERE true ON CONFLICT DO UPDATE SET n = n + 1;"
#define GROUP_SUB(r)                                                                                         \
    "UPDATE ticket_groups SET n = n - 1 WHERE (level, policy_version, tier, clock, target_s, kind) = (SELECT " \
    GROUP_KEY(r) ");"
#define GROUP_COLUMNS "status, level, policy_version, first_response, response_due, next_tier, next_clock, next_target_s"

/* The search step: the FTS tables (built from the rows already there), their triggers, the
 * created and customer orders as indexes, and the per-(level, policy version) counts behind the
 * status line. Self-contained so that it can be chained after any other step. */
static const char search_schema[] =
    "CREATE VIRTUAL TABLE tickets_fts USING fts5(title, customer, assignee, ref, level,\n"
    "  content='tickets', content_rowid='id', tokenize='trigram');\n"
    "INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild');\n"
    "CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN\n"
    "  INSERT INTO tickets_fts(rowid, title, customer, assignee, ref, level)\n"
    "  VALUES (new.id, new.title, new.customer, new.assignee, new.ref, new.level); END;\n"
    "CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN\n"
    "  INSERT INTO tickets_fts(tickets_fts, rowid, title, customer, assignee, ref, level)\n"
    "  VALUES ('delete', old.id, old.title, old.customer, old.assignee, old.ref, old.level); END;\n"
    "CREATE TRIGGER tickets_fts_update AFTER UPDATE OF title, customer, assignee, ref, level ON tickets BEGIN\n"
    "  INSERT INTO tickets_fts(tickets_fts, rowid, title, customer, assignee, ref, level)\n"
    "  VALUES ('delete', old.id, old.title, old.customer, old.assignee, old.ref, old.level);\n"
    "  INSERT INTO tickets_fts(rowid, title, customer, assignee, ref, level)\n"
    "  VALUES (new.id, new.title, new.customer, new.assignee, new.ref, new.level); END;\n"
    "CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages', content_rowid='id',\n"
    "  tokenize='trigram');\n"
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');\n"
    /* messages are append-only (their triggers refuse updates and deletes) */
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN\n"
    "  INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END;\n"
    "CREATE INDEX tickets_created_order ON tickets(created, id) WHERE status != 'resolved';\n"
    "CREATE INDEX tickets_customer_order ON tickets(customer IS NULL, customer, next_tier, next_key, id)\n"
    "  WHERE status != 'resolved';\n"
    "";

/* The per-state counts (SPEC §8: the next clock's state), a string of its own (C's limit on
 * a literal's length). */
static const char groups_schema[] =
    /* The per-state counts (SPEC §8: the next clock's state): a group's tickets by next due, so
     * the breached and warn ones are ranges of it; also the level filter's count (status makes it
     * covering: SQLite checks the partial index's columns). */
    "CREATE INDEX tickets_next_state ON tickets(level, policy_version, next_tier, next_clock, next_target_s,\n"
    "  next_due, status) WHERE status != 'resolved';\n"
    /* Open tickets per group (store_group), kept by triggers as ticket_counts is: the status
     * line's totals without a scan. */
    "CREATE TABLE ticket_groups(level TEXT NOT NULL, policy_version INTEGER NOT NULL, tier INTEGER NOT NULL,\n"
    "  clock INTEGER NOT NULL, target_s INTEGER NOT NULL, kind INTEGER NOT NULL, n INTEGER NOT NULL,\n"
    "  PRIMARY KEY(level, policy_version, tier, clock, target_s, kind)) WITHOUT ROWID;\n"
    "INSERT INTO ticket_groups SELECT " GROUP_KEY("tickets") ", count(*)\n"
    "  FROM tickets WHERE status != 'resolved' GROUP BY 1, 2, 3, 4, 5, 6;\n"
    "CREATE TRIGGER tickets_groups_insert AFTER INSERT ON tickets WHEN new.status != 'resolved' BEGIN\n"
    "  " GROUP_ADD("new") " END;\n"
    "CREATE TRIGGER tickets_groups_delete AFTER DELETE ON tickets WHEN old.status != 'resolved' BEGIN\n"
    "  " GROUP_SUB("old") " END;\n"
    "CREATE TRIGGER tickets_groups_update_old AFTER UPDATE OF " GROUP_COLUMNS "\n"
    "  ON tickets WHEN old.status != 'resolved' BEGIN " GROUP_SUB("old") " END;\n"
    "CREATE TRIGGER tickets_groups_update_new AFTER UPDATE OF " GROUP_COLUMNS "\n"
    "  ON tickets WHEN new.status != 'resolved' BEGIN " GROUP_ADD("new") " END;\n";

/* Runs a schema step's sql (several statements) inside the migration's transaction; `what` names
 * it in the error ("building the search index"). */
static st_code schema_step(store_backend *s, const char *const *sql, size_t n, const char *what, st_err *err)
{
    char *msg = NULL;
    int rc = SQLITE_OK;
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
        rc = sqlite3_exec(s->db, sql[i], NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return ST_OK;
    st_code code = (rc & 0xff) == SQLITE_FULL
                       ? st_fail(err, ST_IO, "%s: database or disk is full while %s", s->path, what)
                       : st_fail(err, ST_IO, "%s: %s failed: %s", s->path, what, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return code;
}

st_code sq_schema_search(store_backend *s, st_err *err)
{
    const char *const sql[] = {search_schema, groups_schema};
    return schema_step(s, sql, 2, "building the search index", err);
}

/* Schema 6: the resolved tickets in each list order, so the lists with resolved tickets (f all,
 * list --all) merge two index walks (sq_ticket_list_sql); partial, so a change to an open ticket
 * never touches them. */
static const char resolved_order_schema[] =
    "CREATE INDEX tickets_resolved_urgency ON tickets(next_tier, next_key, id) WHERE status = 'resolved';\n"
    "CREATE INDEX tickets_resolved_level ON tickets(level_rank, next_tier, next_key, id)\n"
    "  WHERE status = 'resolved';\n"
    "CREATE INDEX tickets_resolved_created ON tickets(created, id) WHERE status = 'resolved';\n"
    "CREATE INDEX tickets_resolved_customer ON tickets(customer IS NULL, customer, next_tier, next_key, id)\n"
    "  WHERE status = 'resolved';\n";

st_code sq_schema_resolved_order(store_backend *s, st_err *err)
{
    const char *const sql[] = {resolved_order_schema};
    return schema_step(s, sql, 1, "indexing resolved tickets", err);
}

/* Schema 7: the tickets' FTS index without the level. FTS5 writes a segment in every transaction
 * that changes an indexed column, and a raise or lower changes the level: that segment (the
 * title's trigrams deleted and added again) was a fifth of a raise, and its merges most of the
 * slow ones (slatop_bench reprioritize). A level's tickets are found through ticket_groups instead
 * (LEVEL_MATCH). The update trigger now runs only when an indexed column changes: a ticket's
 * update sets every column, so "UPDATE OF" alone ran it on every change. */
static const char fts_without_level_schema[] =
    "DROP TRIGGER tickets_fts_insert;\n"
    "DROP TRIGGER tickets_fts_delete;\n"
    "DROP TRIGGER tickets_fts_update;\n"
    "DROP TABLE tickets_fts;\n"
    "CREATE VIRTUAL TABLE tickets_fts USING fts5(title, customer, assignee, ref,\n"
    "  content='tickets', content_rowid='id', tokenize='trigram');\n"
    "INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild');\n"
    "CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN\n"
    "  INSERT INTO tickets_fts(rowid, title, customer, assignee, ref)\n"
    "  VALUES (new.id, new.title, new.customer, new.assignee, new.ref); END;\n"
    "CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN\n"
    "  INSERT INTO tickets_fts(tickets_fts, rowid, title, customer, assignee, ref)\n"
    "  VALUES ('delete', old.id, old.title, old.customer, old.assignee, old.ref); END;\n"
    "CREATE TRIGGER tickets_fts_update AFTER UPDATE OF title, customer, assignee, ref ON tickets\n"
    "  WHEN old.title IS NOT new.title OR old.customer IS NOT new.customer\n"
    "    OR old.assignee IS NOT new.assignee OR old.ref IS NOT new.ref BEGIN\n"
    "  INSERT INTO tickets_fts(tickets_fts, rowid, title, customer, assignee, ref)\n"
    "  VALUES ('delete', old.id, old.title, old.customer, old.assignee, old.ref);\n"
    "  INSERT INTO tickets_fts(rowid, title, customer, assignee, ref)\n"
    "  VALUES (new.id, new.title, new.customer, new.assignee, new.ref); END;\n";

st_code sq_schema_fts_without_level(store_backend *s, st_err *err)
{
    const char *const sql[] = {fts_without_level_schema};
    return schema_step(s, sql, 1, "rebuilding the search index", err);
}

/* ---- cancellation ----------------------------------------------------------------------------- */

static int on_progress(void *arg)
{
    store_backend *s = arg;
    return s->cancel && s->cancel(s->cancel_ctx) ? 1 : 0;
}

void sq_set_cancel(store_backend *s, bool (*cancel)(void *ctx), void *ctx)
{
    s->cancel = cancel;
    s->cancel_ctx = ctx;
    /* ~10,000 VM steps: well under a millisecond between looks, too rare to cost anything */
    sqlite3_progress_handler(s->db, cancel ? 10000 : 0, cancel ? on_progress : NULL, s);
}

/* An SQLite failure while searching: an interrupt is ST_BUSY "interrupted" (the caller asked). */
static st_code search_fail(store_backend *s, int rc, const char *what, st_err *err)
{
    if (rc == SQLITE_INTERRUPT)
        return st_fail(err, ST_BUSY, "%s: %s: interrupted", s->path, what);
    return sq_fail(s, rc, what, err);
}

/* Steps a bound count(*) statement into *n, then resets it. */
static st_code count_row(store_backend *s, sqlite3_stmt *stmt, const char *what, int64_t *n, st_err *err)
{
    st_code code = ST_OK;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(stmt, 0);
    else
        code = search_fail(s, rc, what, err);
    sqlite3_reset(stmt);
    return code;
}

/* ---- the filter as SQL ---------------------------------------------------------------------- */

/* Parameters: ?1 limit, ?2 offset (listing only); ?3 the FTS5 phrase, ?4 the LIKE pattern, ?5 the
 * text as an id, ?6 the level. */
#define TEXT_RECHECK                                                                                         \
    "(title LIKE ?4 ESCAPE '\\' OR customer LIKE ?4 ESCAPE '\\' OR assignee LIKE ?4 ESCAPE '\\'"            \
    " OR level LIKE ?4 ESCAPE '\\' OR ref LIKE ?4 ESCAPE '\\'"                                               \
    " OR EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = tickets.id AND m.body LIKE ?4 ESCAPE '\\'))"
/* The open tickets at a level the text is part of: levels are few, so they come from ticket_groups
 * (every open ticket's level, kept by triggers) and the tickets_next_state index, not from the FTS
 * index (schema 7 took the level out of it). */
#define LEVEL_MATCH "level IN (SELECT level FROM ticket_groups WHERE level LIKE ?4 ESCAPE '\\')"
#define TEXT_FTS                                                                                             \
    " AND (id = ?5 OR ((id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?3)"                    \
    " OR id IN (SELECT m.ticket_id FROM messages m WHERE m.id IN"                                            \
    " (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?3)) OR " LEVEL_MATCH ") AND " TEXT_RECHECK "))"
#define TEXT_SCAN " AND (id = ?5 OR " TEXT_RECHECK ")"
/* The same filter with the candidates as an AND term on the rowid, so that SQLite reads them
 * (and sorts them) instead of walking every open ticket: for counts, whole reads and a listing
 * of few candidates (where the order index's walk would test a million rows to find ten). Equal
 * to TEXT_FTS: the id itself, or a candidate that passes the recheck. */
#define TEXT_FTS_IN                                                                                          \
    " AND id IN (SELECT ?5 UNION SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?3"                   \
    " UNION SELECT m.ticket_id FROM messages m WHERE m.id IN"                                                \
    " (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?3)"                                          \
    " UNION SELECT id FROM tickets WHERE status != 'resolved' AND " LEVEL_MATCH ")"                          \
    " AND (id = ?5 OR " TEXT_RECHECK ")"
/* Up to this many index candidates a listing reads them and sorts (milliseconds); past it the
 * order index's walk stops early, at a page of matches. */
#define FEW_CANDIDATES 5000
/* The candidates: ?1 the FTS5 phrase, ?2 the LIKE pattern (the level's open tickets are counted in
 * ticket_groups). */
#define FEW_SQL                                                                                              \
    "SELECT (SELECT count(*) FROM (SELECT 1 FROM tickets_fts WHERE tickets_fts MATCH ?1 LIMIT 5001))"        \
    " + (SELECT count(*) FROM (SELECT 1 FROM messages_fts WHERE messages_fts MATCH ?1 LIMIT 5001))"          \
    " + (SELECT coalesce(sum(n), 0) FROM ticket_groups WHERE level LIKE ?2 ESCAPE '\\')"
#define LEVEL_ONLY " AND level = ?6"
/* In a listing the order's index is walked and the level tested on each row ('+' keeps SQLite
 * from sorting a level's every ticket to show a page of them). */
#define LEVEL_IN_ORDER " AND +level = ?6"

enum { TX_NONE, TX_FTS, TX_SCAN, TX_FTS_IN, TX_KINDS };

static const char *const text_where[TX_KINDS] = {"", TEXT_FTS, TEXT_SCAN, TEXT_FTS_IN};

/* Characters (not bytes) of UTF-8 text. */
static size_t utf8_chars(const char *t)
{
    size_t n = 0;
    for (; *t; t++)
        n += ((unsigned char)*t & 0xc0) != 0x80;
    return n;
}

static int text_kind(const store_filter *f)
{
    if (!f || !f->text || !*f->text)
        return TX_NONE;
    return utf8_chars(f->text) >= 3 ? TX_FTS : TX_SCAN;
}

/* The listing SQL for sort and filter kinds: the list's own ORDER BY (sq_ticket_list_sql, so the
 * orders stay one) with the filter added to its WHERE. Built once, kept for the process (the
 * statement cache borrows SQL text for good). */
static const char *search_sql(store_sort sort, int tk, bool level)
{
    static char *cache[4][TX_KINDS][2];
    unsigned k = (unsigned)sort < 4 ? (unsigned)sort : 0;
    char **slot = &cache[k][tk][level ? 1 : 0];
    if (!*slot) {
        const char *base = sq_ticket_list_sql(sort, false);
        const char *order = strstr(base, " ORDER BY ");
        const char *where = strstr(base, "WHERE status != 'resolved'");
        size_t head = (size_t)(where - base) + strlen("WHERE status != 'resolved'");
        *slot = xasprintf("%.*s%s%s%s", (int)head, base, text_where[tk], level ? LEVEL_IN_ORDER : "", order);
    }
    return *slot;
}

static const char *count_sql(int tk, bool level)
{
    static char *cache[TX_KINDS][2];
    char **slot = &cache[tk][level ? 1 : 0];
    if (!*slot)
        *slot = xasprintf("SELECT count(*) FROM tickets WHERE status != 'resolved'%s%s", text_where[tk],
                          level ? LEVEL_ONLY : "");
    return *slot;
}

/* The text as an FTS5 string (quotes doubled), malloc'd: the caller frees it. */
static char *fts_phrase(const char *t)
{
    char *phrase = xmalloc(2 * strlen(t) + 3), *p = phrase;
    *p++ = '"';
    for (const char *c = t; *c; c++) {
        if (*c == '"')
            *p++ = '"';
        *p++ = *c;
    }
    *p++ = '"';
    *p = '\0';
    return phrase;
}

/* The text as a LIKE pattern for "contains" (%, _ and the escape itself escaped), malloc'd: the
 * caller frees it. */
static char *like_pattern(const char *t)
{
    char *like = xmalloc(2 * strlen(t) + 3), *l = like;
    *l++ = '%';
    for (const char *c = t; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            *l++ = '\\';
        *l++ = *c;
    }
    *l++ = '%';
    *l = '\0';
    return like;
}

/* The number of index candidates for text (FEW_SQL), to choose between reading them and walking. */
static st_code few_candidates(store_backend *s, const char *text, int64_t *few, st_err *err)
{
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s, FEW_SQL, &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_text(stmt, 1, fts_phrase(text), -1, free);
    sqlite3_bind_text(stmt, 2, like_pattern(text), -1, free);
    return count_row(s, stmt, "searching tickets", few, err);
}

/* Binds ?3..?6 for f. The phrase and pattern are made here: an FTS5 string doubles its quotes. */
static void bind_filter(sqlite3_stmt *stmt, const store_filter *f, int tk)
{
    if (tk != TX_NONE) {
        const char *t = f->text;
        sqlite3_bind_text(stmt, 3, fts_phrase(t), -1, free);
        sqlite3_bind_text(stmt, 4, like_pattern(t), -1, free);
        char *end;
        long long id = strtoll(t, &end, 10);
        /* only the id's own digits equal it, as the plain rule's strcmp */
        char canon[32];
        snprintf(canon, sizeof canon, "%lld", id);
        sqlite3_bind_int64(stmt, 5, (!*end && strcmp(canon, t) == 0) ? id : -1);
    }
    if (f && f->level)
        sq_bind_text(stmt, 6, f->level);
}

/* ---- the ops -------------------------------------------------------------------------------- */

st_code sq_ticket_search(store_backend *s, const store_filter *f, store_sort sort, int64_t offset,
                         int64_t limit, st_ticket **out, size_t *n, st_err *err)
{
    *out = NULL;
    *n = 0;
    int tk = text_kind(f);
    bool level = f && f->level;
    sqlite3_stmt *stmt;
    st_code code = ST_OK;
    if (tk == TX_FTS && limit <= 0) {
        tk = TX_FTS_IN; /* every match is read anyway */
    } else if (tk == TX_FTS) {
        int64_t few = 0;
        if ((code = few_candidates(s, f->text, &few, err)) != ST_OK)
            return code;
        /* Few: read and sort them. Many: walk the order's index testing each row by the rule
         * (TEXT_SCAN, equal to TEXT_FTS: every row the rule takes is an index candidate): with
         * over FEW_CANDIDATES matches a page is found within a few thousand rows, where reading
         * the candidates first (TEXT_FTS's IN) costs seconds at 1,000,000. */
        tk = few <= FEW_CANDIDATES ? TX_FTS_IN : TX_SCAN;
    }
    code = sq_stmt(s, search_sql(sort, tk, level), &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_int64(stmt, 1, limit > 0 ? limit : -1);
    sqlite3_bind_int64(stmt, 2, offset > 0 ? offset : 0);
    bind_filter(stmt, f, tk);
    void *arr = NULL;
    code = sq_collect_rows(s, stmt, sizeof **out, sq_read_ticket_item, sq_free_ticket_item, "searching tickets",
                           &arr, n, err);
    if (code != ST_OK && sqlite3_errcode(s->db) == SQLITE_INTERRUPT)
        code = search_fail(s, SQLITE_INTERRUPT, "searching tickets", err);
    *out = arr;
    return code;
}

st_code sq_ticket_search_count(store_backend *s, const store_filter *f, int64_t *n, st_err *err)
{
    *n = 0;
    int tk = text_kind(f);
    if (tk == TX_FTS)
        tk = TX_FTS_IN; /* a count reads the candidates, never every open ticket */
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s, count_sql(tk, f && f->level), &stmt, err);
    if (code != ST_OK)
        return code;
    bind_filter(stmt, f, tk);
    return count_row(s, stmt, "counting tickets", n, err);
}

static st_code read_group(store_backend *s, sqlite3_stmt *stmt, void *item, st_err *err)
{
    (void)s, (void)err;
    store_group *g = item;
    g->level = sq_column_strdup(stmt, 0);
    g->policy_version = sqlite3_column_int64(stmt, 1);
    g->tier = sqlite3_column_int(stmt, 2);
    g->clock = sqlite3_column_int(stmt, 3);
    g->target_s = sqlite3_column_int64(stmt, 4);
    g->kind = sqlite3_column_int(stmt, 5);
    g->n = sqlite3_column_int64(stmt, 6);
    return ST_OK;
}

static void free_group(void *item)
{
    free(((store_group *)item)->level);
}

st_code sq_ticket_groups(store_backend *s, const char *level, store_group **out, size_t *n, st_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s,
                           /* a running clock's state does not depend on the first response: one
                            * group per clock, whatever its kind */
                           "SELECT level, policy_version, tier, clock, target_s,"
                           " CASE WHEN tier IN (0, 1) THEN 0 ELSE kind END, sum(n) FROM ticket_groups"
                           " WHERE (?1 IS NULL OR level = ?1) AND n > 0 GROUP BY 1, 2, 3, 4, 5, 6",
                           &stmt, err);
    if (code != ST_OK)
        return code;
    sq_bind_text(stmt, 1, level);
    void *arr = NULL;
    code = sq_collect_rows(s, stmt, sizeof **out, read_group, free_group, "counting tickets by state", &arr, n,
                           err);
    *out = arr;
    return code;
}

/* The WHERE repeats tickets_next_state's columns: a range of it, read without the table for a
 * count. ?1..?5 the group, ?6 and ?7 the due range. */
#define GROUP_RANGE                                                                                          \
    " FROM tickets WHERE status != 'resolved' AND level = ?1 AND policy_version = ?2 AND next_tier = ?3"    \
    " AND next_clock = ?4 AND next_target_s = ?5"
#define COUNT_DUE_SQL "SELECT count(*)" GROUP_RANGE " AND next_due >= ?6 AND next_due < ?7"
#define COUNT_DUE_NONE_SQL "SELECT count(*)" GROUP_RANGE " AND next_due IS NULL"
/* ?9 the last id read, ?10 the page's size */
#define ROWS_PAGE " AND id > ?9 ORDER BY id LIMIT ?10"
#define ROWS_DUE_SQL "SELECT " SQ_TICKET_COLUMNS GROUP_RANGE " AND next_due >= ?6 AND next_due < ?7" ROWS_PAGE
#define ROWS_DUE_NONE_SQL "SELECT " SQ_TICKET_COLUMNS GROUP_RANGE " AND next_due IS NULL" ROWS_PAGE
/* Tiers -1 and 2: the group itself, kind included (the rows the caller re-times one by one). */
#define ROWS_GROUP_SQL                                                                                       \
    "SELECT " SQ_TICKET_COLUMNS " FROM tickets WHERE status != 'resolved' AND level = ?1"                   \
    " AND policy_version = ?2 AND coalesce(next_tier, -1) = ?3 AND coalesce(next_clock, -1) = ?4"          \
    " AND coalesce(next_target_s, -1) = ?5 AND " GROUP_KIND("tickets") " = ?8" ROWS_PAGE

static void bind_group(sqlite3_stmt *stmt, const store_group *g, st_time from, st_time to)
{
    sq_bind_text(stmt, 1, g->level);
    sqlite3_bind_int64(stmt, 2, g->policy_version);
    sqlite3_bind_int(stmt, 3, g->tier);
    sqlite3_bind_int(stmt, 4, g->clock);
    sqlite3_bind_int64(stmt, 5, g->target_s);
    sqlite3_bind_int64(stmt, 6, from == ST_TIME_NONE ? INT64_MIN : from);
    sqlite3_bind_int64(stmt, 7, to == ST_TIME_NONE ? INT64_MAX : to);
}

st_code sq_ticket_count_due(store_backend *s, const store_group *g, st_time from, st_time to, bool due_none,
                            int64_t *n, st_err *err)
{
    *n = 0;
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s, due_none ? COUNT_DUE_NONE_SQL : COUNT_DUE_SQL, &stmt, err);
    if (code != ST_OK)
        return code;
    bind_group(stmt, g, from, to);
    return count_row(s, stmt, "counting tickets by due time", n, err);
}

st_code sq_ticket_group_rows(store_backend *s, const store_group *g, st_time from, st_time to, bool due_none,
                             int64_t after_id, int64_t limit, st_ticket **out, size_t *n, st_err *err)
{
    *out = NULL;
    *n = 0;
    bool whole = g->tier != 0 && g->tier != 1;
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s, whole ? ROWS_GROUP_SQL : due_none ? ROWS_DUE_NONE_SQL : ROWS_DUE_SQL, &stmt, err);
    if (code != ST_OK)
        return code;
    bind_group(stmt, g, from, to);
    if (whole)
        sqlite3_bind_int(stmt, 8, g->kind);
    sqlite3_bind_int64(stmt, 9, after_id);
    sqlite3_bind_int64(stmt, 10, limit > 0 ? limit : -1);
    void *arr = NULL;
    code = sq_collect_rows(s, stmt, sizeof **out, sq_read_ticket_item, sq_free_ticket_item,
                           "reading tickets by state", &arr, n, err);
    *out = arr;
    return code;
}

/* ---- the cursor ---------------------------------------------------------------------------- */

/* A statement of its own (not the cache's: it stays open between calls while the cache's are
 * reused), stepped a few rows per call. */
typedef struct sq_cursor {
    store_backend *s;
    sqlite3_stmt *stmt;
    int hit_col; /* marked_sql's hit column; -1: every row is a match */
    bool done;
    bool ended; /* sq_cursors_end: a write came between two reads */
    struct sq_cursor *next; /* s->cursors */
} sq_cursor;

/* A walk whose filter no index decides (TX_SCAN's recheck, or a level tested on the order's rows)
 * in the list's order: every row comes back with the filter's verdict as a last column (hit), so
 * that a cursor read ends after MARKED_ROWS rows however rare the matches. With the filter in the
 * WHERE, one step ran until the next match: a rare two-letter text held a read 40 s at 1,000,000
 * tickets, the countdowns with it (PostgreSQL's scan_sql marks rows for the same reason). */
#define MARKED_ROWS 2048
static const char *marked_sql(store_sort sort, bool any_order, int tk, bool level)
{
    static char *cache[5][2][2]; /* [4]: in no particular order (the table's, no LIMIT) */
    unsigned k = any_order ? 4 : (unsigned)sort < 4 ? (unsigned)sort : 0;
    char **slot = &cache[k][tk == TX_SCAN][level ? 1 : 0];
    if (!*slot) /* the listing's ORDER BY and LIMIT (sq_ticket_list_sql), so the orders stay one */
        *slot = xasprintf("SELECT " SQ_TICKET_COLUMNS ", (1%s%s) AS hit FROM tickets WHERE status != 'resolved'%s",
                          tk == TX_SCAN ? " AND (id = ?5 OR " TEXT_RECHECK ")" : "", level ? " AND level = ?6" : "",
                          k < 4 ? strstr(sq_ticket_list_sql((store_sort)k, false), " ORDER BY ") : "");
    return *slot;
}

/* Every match in no particular order: the candidates when they are few, else a walk of the rows. */
static const char *any_order_sql(int tk, bool level)
{
    static char *cache[TX_KINDS][2];
    char **slot = &cache[tk][level ? 1 : 0];
    if (!*slot)
        *slot = xasprintf("SELECT " SQ_TICKET_COLUMNS " FROM tickets WHERE status != 'resolved'%s%s",
                          text_where[tk], level ? LEVEL_ONLY : "");
    return *slot;
}

st_code sq_ticket_cursor_open(store_backend *s, const store_filter *f, store_sort sort, bool any_order, bool all,
                              void **out, st_err *err)
{
    *out = NULL;
    int tk = all ? TX_NONE : text_kind(f);
    if (tk == TX_FTS) {
        int64_t few = 0;
        st_code code = few_candidates(s, f->text, &few, err);
        if (code != ST_OK)
            return code;
        tk = few <= FEW_CANDIDATES ? TX_FTS_IN : TX_SCAN; /* as sq_ticket_search decides */
    }
    bool level = !all && f && f->level;
    /* In no particular order a level is an index range (tickets_next_state); in the list's order
     * it is tested on the order's rows, as a text that no candidates decide is (a text's few
     * candidates, TX_FTS_IN, are read and sorted with the level tested on them) */
    bool marked = !all && (tk == TX_SCAN || (level && !any_order && tk == TX_NONE));
    bool limited = all || !any_order; /* ?1 and ?2: the listing's LIMIT and OFFSET */
    const char *sql = all         ? sq_ticket_list_sql(sort, true)
                      : marked    ? marked_sql(sort, any_order, tk, level)
                      : any_order ? any_order_sql(tk, level)
                                  : search_sql(sort, tk, level);
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return sq_fail(s, rc, "searching tickets", err);
    }
    if (limited) {
        sqlite3_bind_int64(stmt, 1, -1);
        sqlite3_bind_int64(stmt, 2, 0);
    }
    if (!all)
        bind_filter(stmt, f, tk);
    sq_cursor *c = xcalloc(1, sizeof *c);
    c->s = s;
    c->stmt = stmt;
    c->hit_col = marked ? sqlite3_column_count(stmt) - 1 : -1;
    c->next = s->cursors;
    s->cursors = c;
    *out = c;
    return ST_OK;
}

st_code sq_ticket_cursor_next(void *cur, st_ticket *out, size_t max, size_t *n, bool *done, st_err *err)
{
    sq_cursor *c = cur;
    *n = 0;
    if (c->ended)
        return st_fail(err, ST_BUSY, "%s: searching tickets: interrupted by a write", c->s->path);
    for (int passed = 0; !c->done && *n < max && passed < MARKED_ROWS;) {
        int rc = sqlite3_step(c->stmt);
        if (rc == SQLITE_DONE) {
            c->done = true;
            sqlite3_reset(c->stmt); /* the snapshot ends with the rows */
            break;
        }
        if (rc == SQLITE_ROW && c->hit_col >= 0 && sqlite3_column_int(c->stmt, c->hit_col) == 0) {
            passed++; /* not a match: the read returns after MARKED_ROWS of them, with what it has */
            continue;
        }
        if (rc != SQLITE_ROW) {
            st_code code = search_fail(c->s, rc, "searching tickets", err);
            for (size_t i = 0; i < *n; i++)
                ticket_done(&out[i]);
            *n = 0;
            return code;
        }
        memset(&out[*n], 0, sizeof out[*n]);
        st_code code = sq_read_ticket_item(c->s, c->stmt, &out[*n], err);
        if (code != ST_OK) {
            for (size_t i = 0; i < *n; i++)
                ticket_done(&out[i]);
            *n = 0;
            return code;
        }
        (*n)++;
    }
    *done = c->done;
    return ST_OK;
}

void sq_ticket_cursor_close(void *cur)
{
    sq_cursor *c = cur;
    if (!c)
        return;
    for (sq_cursor **p = &c->s->cursors; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    sqlite3_finalize(c->stmt);
    free(c);
}

void sq_cursors_end(store_backend *s)
{
    for (sq_cursor *c = s->cursors; c; c = c->next)
        if (!c->done && !c->ended) {
            sqlite3_reset(c->stmt);
            c->ended = true;
        }
}

const char *sq_ticket_search_sql(store_sort sort, bool text, bool level)
{
    return search_sql(sort, text ? TX_FTS : TX_NONE, level);
}

const char *sq_ticket_search_count_sql(bool level)
{
    return count_sql(TX_FTS_IN, level);
}

const char *sq_ticket_count_due_sql(void)
{
    return COUNT_DUE_SQL;
}
