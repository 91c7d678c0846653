/* pg_search: the PostgreSQL backend's search, filters and per-state counts (store_search.h), with
 * SQLite's results, orders and counts. The text rule (the id, or an ASCII case-insensitive
 * substring of title, customer, assignee, level, ref or a message body) is ILIKE, which in the C
 * locale `slatop init` gives a database folds ASCII only, as the rule says; the server runs it
 * beside the data, so the console receives a page, never the candidates; with pg_trgm's trigram
 * indexes (made when the extension can be created) a text with a trigram goes through them, with
 * the same results. The per-state groups are kept in a table by a trigger, as on SQLite
 * (pg_schema.c, schema 5), and a group's due ranges are ranges of an index. */
#include "pg_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The filter, with its parameters as $P (the LIKE pattern or NULL), $I (the text as an id, or -1)
 * and $L (the level or NULL): typed casts so that an unused NULL still has a type. */
#define TEXT_MATCH_(P, I, BODY_TAIL)                                                                         \
    "($" P "::text IS NULL OR tickets.id = $" I "::bigint OR tickets.title ILIKE $" P                       \
    " OR tickets.customer ILIKE $" P " OR tickets.assignee ILIKE $" P " OR tickets.level ILIKE $" P         \
    " OR tickets.ref ILIKE $" P " OR EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = tickets.id"      \
    " AND m.body ILIKE $" P BODY_TAIL "))"
#define TEXT_MATCH(P, I) TEXT_MATCH_(P, I, "")
#define FILTER(P, I, L) " AND " TEXT_MATCH(P, I) " AND ($" L "::text IS NULL OR tickets.level = $" L ")"
/* The same rule with the bodies tested row by row (an index probe each: OFFSET 0 keeps the planner
 * from hashing every matching message first), for the many short reads of a count's id windows
 * and of a marked scan: a hash is built again by every statement, and by a scan's first FETCH,
 * a pass over every message for a short text (38 ms a 2,048-id window at 1,000,000, against 17). */
#define TEXT_MATCH_EACH(P, I) TEXT_MATCH_(P, I, " OFFSET 0")

/* The same rule through the trigram indexes (pg_search_index_create), as two halves the planner
 * plans apart: the tickets whose id or columns match (a BitmapOr of index scans for a rare text,
 * the list's order with a filter, stopping at the page, for a common one), and those with a
 * matching message body (a semi-join either way round). Each half brings its first
 * limit + offset rows in the list's order, and the list takes its page from their union: the
 * page of the whole. pg_trgm's scans recheck the rows they find with ILIKE itself, so the results
 * are the plain rule's. P, I, L as FILTER's. */
#define HALF_WHERE(L) "status <> 'resolved' AND ($" L "::text IS NULL OR level = $" L ")"
#define COLUMNS_MATCH(P, I)                                                                                  \
    "(id = $" I "::bigint OR title ILIKE $" P " OR customer ILIKE $" P " OR assignee ILIKE $" P              \
    " OR level ILIKE $" P " OR ref ILIKE $" P ")"
#define BODY_MATCH(P) "id IN (SELECT m.ticket_id FROM messages m WHERE m.body ILIKE $" P ")"

#define OPEN_WHERE "WHERE status <> 'resolved'"
#define INDEXED_MAX_OFFSET 5000

/* True when f's text is searched through the trigram indexes: it holds three ASCII letters or
 * digits in a row, so pg_trgm has a trigram to look up (in the C locale only those make words). */
static bool indexed(const store_backend *b, const store_filter *f)
{
    if (!b->search_indexed || !f || !f->text)
        return false;
    int run = 0;
    for (const char *c = f->text; *c; c++) {
        bool alnum = (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z');
        run = alnum ? run + 1 : 0;
        if (run >= 3)
            return true;
    }
    return false;
}

/* The list's SQL for sort (pg_ticket_list_sql, so the orders stay one) with the filter, plain or
 * by index, added to its WHERE: $1 limit, $2 offset, $3..$5 the filter. Built once, kept for the
 * process. */
static const char *search_sql(store_sort sort, bool by_index)
{
    static char *cache[4][2];
    unsigned k = (unsigned)sort < 4 ? (unsigned)sort : 0;
    if (cache[k][by_index])
        return cache[k][by_index];
    const char *base = pg_ticket_list_sql((store_sort)k, false);
    const char *where = strstr(base, OPEN_WHERE);
    size_t head = (size_t)(where - base) + strlen(OPEN_WHERE);
    if (!by_index) {
        cache[k][0] = xasprintf("%.*s%s%s", (int)head, base, FILTER("3", "4", "5"), base + head);
        return cache[k][0];
    }
    const char *order = strstr(base, " ORDER BY ");
    int order_len = (int)(strstr(order, " LIMIT ") - order);
    cache[k][1] = xasprintf("%.*s AND ($5::text IS NULL OR tickets.level = $5) AND tickets.id IN ("
                            "(SELECT id FROM tickets WHERE " HALF_WHERE("5") " AND " COLUMNS_MATCH("3", "4")
                            "%.*s LIMIT $1::bigint + $2::bigint) UNION ALL (SELECT id FROM tickets WHERE "
                            HALF_WHERE("5") " AND " BODY_MATCH("3") "%.*s LIMIT $1::bigint + $2::bigint))%s",
                            (int)head, base, order_len, order, order_len, order, base + head);
    return cache[k][1];
}

/* What the trigram search needs (pg_trgm, a trusted extension since PostgreSQL 13, which a
 * database's owner may create), made when they are missing and the extension can be created;
 * when it cannot (not installed, no right to create it, a read-only role), the plain scan stays,
 * with the same results. A failure of the connection itself is an error. */
static const char search_index_sql[] =
    "BEGIN; CREATE EXTENSION IF NOT EXISTS pg_trgm;"
    " CREATE INDEX IF NOT EXISTS tickets_search ON tickets USING gin (title gin_trgm_ops,"
    " customer gin_trgm_ops, assignee gin_trgm_ops, level gin_trgm_ops, ref gin_trgm_ops)"
    " WHERE status <> 'resolved';"
    " CREATE INDEX IF NOT EXISTS messages_search ON messages USING gin (body gin_trgm_ops); COMMIT";

st_code pg_search_index_create(store_backend *b, st_err *err)
{
    PGresult *r = PQexec(b->conn, search_index_sql);
    b->search_indexed = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!b->search_indexed)
        PQclear(PQexec(b->conn, "ROLLBACK"));
    if (PQstatus(b->conn) == CONNECTION_BAD)
        return pg_fail(b, NULL, "creating the search indexes", err);
    return ST_OK;
}

/* Adds f's three parameters; *like is the pattern the caller frees (it must outlive the call). */
static void filter_params(pg_params *p, const store_filter *f, char **like)
{
    *like = NULL;
    const char *t = f && f->text && *f->text ? f->text : NULL;
    if (t) {
        char *l = *like = xmalloc(2 * strlen(t) + 3);
        *l++ = '%';
        for (const char *c = t; *c; c++) {
            if (*c == '%' || *c == '_' || *c == '\\')
                *l++ = '\\';
            *l++ = *c;
        }
        *l++ = '%';
        *l = '\0';
        pgp_text(p, *like);
        char *end;
        long long id = strtoll(t, &end, 10);
        char canon[32]; /* only the id's own digits equal it, as the plain rule's strcmp */
        snprintf(canon, sizeof canon, "%lld", id);
        pgp_int(p, (!*end && strcmp(canon, t) == 0) ? id : -1);
    } else {
        pgp_null(p);
        pgp_int(p, -1);
    }
    if (f && f->level)
        pgp_text(p, f->level);
    else
        pgp_null(p);
}

st_code pg_ticket_search(store_backend *b, const store_filter *f, store_sort sort, int64_t offset, int64_t limit,
                         st_ticket **out, size_t *n, st_err *err)
{
    pg_params p = {0};
    if (limit > 0)
        pgp_int(&p, limit);
    else
        pgp_null(&p);
    pgp_int(&p, offset > 0 ? offset : 0);
    char *like;
    filter_params(&p, f, &like);
    void *arr = NULL;
    /* Deep pages (the count paging through a common text's matches) take the plain form: each half
     * would bring offset + limit rows, and the list's order with a filter is cheaper there. */
    bool by_index = indexed(b, f) && offset <= INDEXED_MAX_OFFSET;
    st_code code = pg_collect_rows(b, search_sql(sort, by_index), &p, "searching tickets", sizeof **out,
                                   pg_read_ticket_item, pg_free_ticket_item, &arr, n, err);
    free(like);
    *out = arr;
    return code;
}

st_code pg_ticket_search_count(store_backend *b, const store_filter *f, int64_t *n, st_err *err)
{
    *n = 0;
    if (!f || ((!f->text || !*f->text) && !f->level)) /* every open ticket: the kept counts, no scan */
        return pg_query_int(b, "SELECT coalesce(sum(n), 0) FROM ticket_counts WHERE status <> 'resolved'", NULL, n,
                            "counting tickets", err);
    pg_params p = {0};
    if (!f->text || !*f->text) { /* a level's open tickets: its groups' counts, no scan */
        pgp_text(&p, f->level);
        return pg_query_int(b, "SELECT coalesce(sum(n), 0) FROM ticket_groups WHERE level = $1", &p, n,
                            "counting tickets", err);
    }
    char *like;
    filter_params(&p, f, &like);
    st_code code = pg_query_int(b,
                                indexed(b, f) ? "SELECT count(*) FROM (SELECT id FROM tickets WHERE " HALF_WHERE("3")
                                                " AND " COLUMNS_MATCH("1", "2") " UNION SELECT id FROM tickets WHERE "
                                                HALF_WHERE("3") " AND " BODY_MATCH("1") ") u"
                                              : "SELECT count(*) FROM tickets " OPEN_WHERE FILTER("1", "2", "3"),
                                &p, n, "counting tickets", err);
    free(like);
    return code;
}

/* A row's group (store_group), as sqlite_search.c's GROUP_KIND and GROUP_KEY. */
#define GROUP_KIND                                                                                           \
    "CASE WHEN first_response IS NULL THEN 0 WHEN response_due IS NULL OR first_response <= response_due"   \
    " THEN 1 ELSE 2 END"
#define GROUP_WHERE                                                                                          \
    " FROM tickets " OPEN_WHERE " AND level = $1 AND policy_version = $2 AND coalesce(next_tier, -1) = $3"  \
    " AND coalesce(next_clock, -1) = $4 AND coalesce(next_target_s, -1) = $5"

static st_code read_group(store_backend *b, const PGresult *r, int row, void *item, st_err *err)
{
    (void)b, (void)err;
    store_group *g = item;
    g->level = pg_str(r, row, 0);
    g->policy_version = pg_int(r, row, 1);
    g->tier = (int)pg_int(r, row, 2);
    g->clock = (int)pg_int(r, row, 3);
    g->target_s = pg_int(r, row, 4);
    g->kind = (int)pg_int(r, row, 5);
    g->n = pg_int(r, row, 6);
    return ST_OK;
}

static void free_group(void *item)
{
    free(((store_group *)item)->level);
}

st_code pg_ticket_groups(store_backend *b, const char *level, store_group **out, size_t *n, st_err *err)
{
    pg_params p = {0};
    if (level)
        pgp_text(&p, level);
    else
        pgp_null(&p);
    void *arr = NULL;
    /* kept by the trigger (schema 5); a running clock's state does not depend on the first
     * response: one group per clock */
    st_code code = pg_collect_rows(
        b,
        "SELECT level, policy_version, tier, clock, target_s, CASE WHEN tier IN (0, 1) THEN 0 ELSE kind END,"
        " sum(n) FROM ticket_groups WHERE ($1::text IS NULL OR level = $1) AND n > 0 GROUP BY 1, 2, 3, 4, 5, 6"
        " ORDER BY 1, 2, 3, 4, 5, 6",
        &p, "counting tickets by state", sizeof **out, read_group, free_group, &arr, n, err);
    *out = arr;
    return code;
}

/* The group's five parameters, then (for a due range) from and to as $6 and $7. */
static void group_params(pg_params *p, const store_group *g, bool range, st_time from, st_time to)
{
    pgp_text(p, g->level);
    pgp_int(p, g->policy_version);
    pgp_int(p, g->tier);
    pgp_int(p, g->clock);
    pgp_int(p, g->target_s);
    if (range) {
        pgp_int(p, from == ST_TIME_NONE ? INT64_MIN : from);
        pgp_int(p, to == ST_TIME_NONE ? INT64_MAX : to);
    }
}

st_code pg_ticket_count_due(store_backend *b, const store_group *g, st_time from, st_time to, bool due_none,
                            int64_t *n, st_err *err)
{
    *n = 0;
    pg_params p = {0};
    group_params(&p, g, !due_none, from, to);
    return pg_query_int(b,
                   due_none ? "SELECT count(*)" GROUP_WHERE " AND next_due IS NULL"
                            : "SELECT count(*)" GROUP_WHERE " AND next_due >= $6 AND next_due < $7",
                   &p, n, "counting tickets by due time", err);
}

st_code pg_ticket_group_rows(store_backend *b, const store_group *g, st_time from, st_time to, bool due_none,
                             int64_t after_id, int64_t limit, st_ticket **out, size_t *n, st_err *err)
{
    bool whole = g->tier != 0 && g->tier != 1; /* tiers -1 and 2: the group itself, its kind too */
    pg_params p = {0};
    group_params(&p, g, !whole && !due_none, from, to);
    if (whole)
        pgp_int(&p, g->kind);
    pgp_int(&p, after_id);
    if (limit > 0)
        pgp_int(&p, limit);
    else
        pgp_null(&p);
    const char *sql =
        whole      ? "SELECT " PG_TICKET_COLUMNS GROUP_WHERE " AND " GROUP_KIND " = $6 AND id > $7 ORDER BY id LIMIT $8"
        : due_none ? "SELECT " PG_TICKET_COLUMNS GROUP_WHERE " AND next_due IS NULL AND id > $6 ORDER BY id LIMIT $7"
                   : "SELECT " PG_TICKET_COLUMNS GROUP_WHERE
                     " AND next_due >= $6 AND next_due < $7 AND id > $8 ORDER BY id LIMIT $9";
    void *arr = NULL;
    st_code code = pg_collect_rows(b, sql, &p, "reading tickets by state", sizeof **out, pg_read_ticket_item,
                                   pg_free_ticket_item, &arr, n, err);
    *out = arr;
    return code;
}

/* ---- the cursor (store_ticket_cursor_*) ------------------------------------------------------
 * Paging by offset makes every page re-read all before it: at 1,000,000 tickets a read of the
 * whole list never ends. A count reads its matches in any order: by id, each page the ids after
 * the last one read (an index range however deep). A read in the list's order (a state filter's
 * matches, the list with resolved tickets) is a server-side cursor on a second connection of
 * its own (b->reader, opened on the first such read and kept): the cursor needs a transaction,
 * which on the store's connection would hold every other read and write of the console to its
 * snapshot. With the resolved tickets it is two cursors in one snapshot, the open and the
 * resolved tickets each in its partial index's order (schema 5), merged here: the server plans
 * no merge of the two (PostgreSQL 15 sorts every ticket for a UNION ALL ... ORDER BY, 3.7 s at
 * 1,000,000 before a cursor's first row). */
typedef struct {
    store_backend *b;
    store_filter f; /* owned copies of the text and level */
    store_sort sort;
    bool any_order, all, done, open;
    bool marked;  /* pc[0] is a scan_sql cursor: its rows carry hit, markers are skipped */
    bool retried; /* ordered_open has replaced a lost reader once */
    int64_t after_id;
    int64_t max_id; /* the largest id when the count began (0: not read yet) */
    int arms;                /* arms open on b->reader: 1, or 2 with the resolved tickets */
    pg_cursor pc[2];         /* [0] the open tickets (or the filter's; few_matches': one batch, no
                                cursor), [1] the resolved ones */
    const PGresult *head[2]; /* each arm's next row (NULL: to read; at its end when pc.done and
                                its batch is read) */
    int head_row[2];
    int64_t changes; /* slatop_schema.changes in the cursors' snapshot */
} pg_ticket_cursor;

/* The list's query for sort over the open (resolved false) or the resolved tickets, unlimited, with
 * level_rank after PG_TICKET_COLUMNS for the merge. Built once, kept for the process. */
#define ARM_LEVEL_RANK 29 /* the column after PG_TICKET_COLUMNS */
static const char *arm_sql(store_sort sort, bool resolved)
{
    static char *cache[4][2];
    unsigned k = (unsigned)sort < 4 ? (unsigned)sort : 0;
    if (!cache[k][resolved]) {
        const char *base = pg_ticket_list_sql((store_sort)k, false), *order = strstr(base, " ORDER BY ");
        int order_len = (int)(strstr(order, " LIMIT ") - order);
        cache[k][resolved] = xasprintf("SELECT " PG_TICKET_COLUMNS ", level_rank FROM tickets WHERE status %s 'resolved'%.*s",
                                       resolved ? "=" : "<>", order_len, order);
    }
    return cache[k][resolved];
}

/* A text's matches in the list's order (a state filter's scan of a search): every row the scan
 * passes comes back, a match (hit) and, of the others, every SCAN_MARK-th as a marker the reader
 * skips, so that a FETCH of SCAN_BATCH rows ends after at most SCAN_BATCH * SCAN_MARK rows of the
 * index however rare the text. Filtered on the server, a rare word's first page was one FETCH
 * reading every ticket (3.6 s at 1,000,000, which no key could interrupt: a FETCH runs in the
 * cursor's transaction); now the scan goes in slices between ticks, as on SQLite. $1 the
 * pattern, $2 the id, $3 the level (filter_params). Built once, kept for the process. */
#define SCAN_MARK "16"
#define SCAN_BATCH 64
#define SCAN_HIT 29 /* the column after PG_TICKET_COLUMNS */
static const char *scan_sql(store_sort sort)
{
    static char *cache[4];
    unsigned k = (unsigned)sort < 4 ? (unsigned)sort : 0;
    if (!cache[k]) {
        const char *base = pg_ticket_list_sql((store_sort)k, false), *order = strstr(base, " ORDER BY ");
        int order_len = (int)(strstr(order, " LIMIT ") - order);
        /* row_number() OVER () counts the rows in the index's order, before the filter above it */
        cache[k] = xasprintf("SELECT * FROM (SELECT " PG_TICKET_COLUMNS ", " TEXT_MATCH_EACH("1", "2")
                             " AS hit, row_number() OVER () AS rn FROM tickets " OPEN_WHERE
                             " AND ($3::text IS NULL OR tickets.level = $3)%.*s) s WHERE hit OR rn %% " SCAN_MARK
                             " = 0",
                             order_len, order);
    }
    return cache[k];
}

/* Column positions in PG_TICKET_COLUMNS of the list orders' keys. */
enum { COL_ID = 0, COL_CUSTOMER = 3, COL_CREATED = 8, COL_NEXT_TIER = 19, COL_NEXT_KEY = 20 };

/* Integer columns, NULL first (the list's order: pg_read.c). */
static int cmp_int(const PGresult *a, int ra, const PGresult *b, int rb, int col)
{
    bool na = PQgetisnull(a, ra, col), nb = PQgetisnull(b, rb, col);
    if (na || nb)
        return na == nb ? 0 : na ? -1 : 1;
    int64_t x = pg_int(a, ra, col), y = pg_int(b, rb, col);
    return x < y ? -1 : x > y;
}

/* Two rows in sort's list order (pg_read.c's ORDER BY): < 0 when a comes first. */
static int cmp_rows(store_sort sort, const PGresult *a, int ra, const PGresult *b, int rb)
{
    int c = 0;
    if (sort == STORE_SORT_CREATED)
        return (c = cmp_int(a, ra, b, rb, COL_CREATED)) ? c : cmp_int(a, ra, b, rb, COL_ID);
    if (sort == STORE_SORT_LEVEL && (c = cmp_int(a, ra, b, rb, ARM_LEVEL_RANK)))
        return c;
    if (sort == STORE_SORT_CUSTOMER) { /* customer IS NULL (false first), then its bytes (COLLATE "C") */
        bool na = PQgetisnull(a, ra, COL_CUSTOMER), nb = PQgetisnull(b, rb, COL_CUSTOMER);
        if (na != nb)
            return na ? 1 : -1;
        if (!na) {
            int la = PQgetlength(a, ra, COL_CUSTOMER), lb = PQgetlength(b, rb, COL_CUSTOMER);
            c = memcmp(PQgetvalue(a, ra, COL_CUSTOMER), PQgetvalue(b, rb, COL_CUSTOMER),
                       (size_t)(la < lb ? la : lb));
            if (c || la != lb)
                return c ? c : la < lb ? -1 : 1;
        }
    }
    if ((c = cmp_int(a, ra, b, rb, COL_NEXT_TIER)) || (c = cmp_int(a, ra, b, rb, COL_NEXT_KEY)))
        return c;
    return cmp_int(a, ra, b, rb, COL_ID);
}

/* A count's page: the matches after $2, up to $6 (an id window: a rare text's page would
 * otherwise read every ticket after $2 in one statement, 985 ms at 1,000,000 tickets, the clock
 * held meanwhile; a window's few thousand rows take the server some ms, each message body test by
 * index or by one hash, as it plans). */
#define BY_ID_SQL                                                                                            \
    "SELECT " PG_TICKET_COLUMNS " FROM tickets " OPEN_WHERE " AND " TEXT_MATCH_EACH("3", "4")                 \
    " AND ($5::text IS NULL OR tickets.level = $5) AND tickets.id > $2 AND tickets.id <= $6"                   \
    " ORDER BY tickets.id LIMIT $1"
#define ID_WINDOW 2048

st_code pg_ticket_cursor_open(store_backend *b, const store_filter *f, store_sort sort, bool any_order, bool all,
                              void **out, st_err *err)
{
    (void)err;
    pg_ticket_cursor *c = xcalloc(1, sizeof *c);
    c->b = b;
    c->sort = sort;
    c->any_order = any_order && !all;
    c->all = all;
    c->after_id = INT64_MIN;
    c->f.text = f && f->text ? xstrdup(f->text) : NULL;
    c->f.level = f && f->level ? xstrdup(f->level) : NULL;
    *out = c;
    return ST_OK;
}

/* A text's matches when they are few: through the trigram indexes, all of them at once in the
 * list's order, as pc[0]'s one batch (c->arms 1, no cursor, nothing left to FETCH: one statement,
 * so the change counter is never asked). A rare
 * word's scan_sql would pass every ticket for them (4.6 s at 1,000,000 tickets); with more than
 * SCAN_FEW matches, or no index, c->arms stays 0 and the scan reads them. So does a text whose
 * index read takes over FEW_BUDGET_MS: a word of many message bodies ("invoice", one in eight at
 * 1,000,000) took 150-240 ms there, the key's screen waiting on it; a rare word 2-16 ms. The
 * cancel itself costs 5-13 ms (PQcancel's connection). Every text cursor comes here (a search's
 * count job too), so a rare word that misses the budget (a cold cache, a server whose round trip
 * nears it) is read by the scan, without a frozen key but seconds slower at 1,000,000 tickets. */
#define SCAN_FEW 2000
#define FEW_BUDGET_MS 30
static st_code few_matches(pg_ticket_cursor *c, st_err *err)
{
    store_backend *r = c->b->reader;
    if (!indexed(c->b, &c->f))
        return ST_OK;
    pg_params p = {0};
    pgp_int(&p, SCAN_FEW + 1);
    pgp_int(&p, 0);
    char *like;
    filter_params(&p, &c->f, &like);
    PGresult *res = NULL;
    bool late;
    st_code rc = pg_run_within(r, search_sql(c->sort, true), &p, FEW_BUDGET_MS, &res, &late, "searching tickets",
                               err);
    free(like);
    if (rc != ST_OK || late || PQntuples(res) > SCAN_FEW) {
        PQclear(res);
        return rc;
    }
    memset(&c->pc[0], 0, sizeof c->pc[0]);
    c->pc[0].b = r;
    c->pc[0].res = res;
    c->pc[0].rows = PQntuples(res);
    c->pc[0].done = true; /* nothing to FETCH: the batch is the whole */
    c->arms = 1;
    return ST_OK;
}

/* Opens c's server-side cursors on the reader connection (reader_ready has connected it). */
static st_code open_arms(pg_ticket_cursor *c, st_err *err)
{
    store_backend *b = c->b;
    st_code rc = ST_OK;
    if (c->all) {
        rc = pg_cursor_open(b->reader, &c->pc[0], arm_sql(c->sort, false), NULL, err);
        if (rc == ST_OK) { /* the second in the first's transaction: the same snapshot */
            c->arms = 1;
            if ((rc = pg_cursor_open(b->reader, &c->pc[1], arm_sql(c->sort, true), NULL, err)) == ST_OK)
                c->arms = 2;
        }
    } else if (c->f.text && (rc = few_matches(c, err)) != ST_OK) {
        return rc;
    } else if (c->arms == 0) {
        pg_params p = {0};
        c->marked = c->f.text != NULL;
        if (!c->marked) {
            pgp_null(&p); /* no limit */
            pgp_int(&p, 0);
        }
        char *like = NULL;
        filter_params(&p, &c->f, &like);
        if ((rc = pg_cursor_open(b->reader, &c->pc[0], c->marked ? scan_sql(c->sort) : search_sql(c->sort, false),
                                 &p, err)) == ST_OK) {
            c->arms = 1;
            c->pc[0].batch = c->marked ? SCAN_BATCH : 0;
        }
        free(like);
    }
    if (rc == ST_OK && c->pc[0].name[0]) /* the same snapshot as the cursors' */
        rc = pg_query_int(b->reader, "SELECT changes FROM slatop_schema", NULL, &c->changes, "searching tickets", err);
    return rc;
}

static void ordered_close(pg_ticket_cursor *c, st_code rc);

/* How long a read waits for the reader's handshake before it returns with no row (ms). */
#define READER_WAIT_MS 1

/* b's reader, connected without blocking (pg_reader_new): *waiting while its attempt is under
 * way (the caller reads again, in its next slice), an error when the attempt failed. */
static st_code reader_ready(store_backend *b, bool *waiting, st_err *err)
{
    *waiting = false;
    if (b->reader && !b->reader->down && (!b->reader->conn || PQstatus(b->reader->conn) != CONNECTION_OK)) {
        pg_close_bare(b->reader); /* lost with an outage: connected again below */
        b->reader = NULL;
    }
    if (!b->reader)
        b->reader = pg_reader_new(b);
    if (!b->reader->down || pg_reconnect_step(b->reader))
        return ST_OK;
    if (pg_reader_wait(b->reader, READER_WAIT_MS) &&
        (pg_reconnect_step(b->reader) || b->reader->pending || b->reader->lookup)) {
        *waiting = b->reader->down;
        return ST_OK;
    }
    pg_close_bare(b->reader);
    b->reader = NULL;
    return st_fail(err, ST_IO, "%s: database unreachable while searching tickets (its second connection)",
                   b->name);
}

/* The reader, then open_arms; once more on a new reader when the kept one turns out lost (an idle
 * connection looks fine until it is used after the server restarted). *waiting: the reader is
 * still connecting, c is not open yet. */
static st_code ordered_open(pg_ticket_cursor *c, bool *waiting, st_err *err)
{
    if (!c->b->conn) /* the store's own connection is down: the outage's message, no new attempt */
        return pg_fail(c->b, NULL, "searching tickets", err);
    st_code rc = reader_ready(c->b, waiting, err);
    if (rc != ST_OK || *waiting)
        return rc;
    rc = open_arms(c, err);
    if (rc != ST_OK && !c->retried && c->b->reader &&
        (!c->b->reader->conn || PQstatus(c->b->reader->conn) != CONNECTION_OK)) {
        c->retried = true;
        ordered_close(c, rc); /* drops the lost reader */
        if ((rc = reader_ready(c->b, waiting, err)) != ST_OK || *waiting)
            return rc;
        rc = open_arms(c, err);
    }
    c->open = true;
    return rc;
}

/* Ends c's cursors (rolled back after a failure rc); a reader that fails to end them is dropped
 * (connected again by the next read). */
static void ordered_close(pg_ticket_cursor *c, st_code rc)
{
    for (int i = c->arms - 1; i >= 0; i--) { /* the first owns the transaction: it ends it */
        st_err ignored;
        if (pg_cursor_close(&c->pc[i], rc, &ignored) != ST_OK)
            rc = ST_IO;
    }
    c->arms = 0;
    if (rc != ST_OK || (c->b->reader && (!c->b->reader->conn || PQstatus(c->b->reader->conn) != CONNECTION_OK))) {
        pg_close_bare(c->b->reader);
        c->b->reader = NULL;
    }
}

/* Arm i's next row into c->head[i] (NULL at its end), fetching a batch when it has none left. */
static st_code arm_fill(pg_ticket_cursor *c, int i, st_err *err)
{
    if (c->head[i] || (c->pc[i].done && c->pc[i].row >= c->pc[i].rows))
        return ST_OK; /* (few_matches' one batch is done before its rows are read) */
    return pg_cursor_next(&c->pc[i], &c->head[i], &c->head_row[i], err);
}

/* Up to max rows into out; *end once every arm is at its end. A marked cursor fetches at most
 * once a call: the call may end with fewer rows (even none) and more to come. */
static st_code ordered_next(pg_ticket_cursor *c, st_ticket *out, size_t max, size_t *n, bool *end, st_err *err)
{
    st_code rc = ST_OK;
    *end = false;
    if (!c->open) {
        bool waiting = false;
        if ((rc = ordered_open(c, &waiting, err)) != ST_OK) {
            ordered_close(c, rc);
            return rc;
        }
        if (waiting)
            return ST_OK; /* no row yet, more to come */
    }
    int fetches = 0;
    while (*n < max && rc == ST_OK) {
        /* before each batch from the server: a commit since the snapshot, by any connection
         * (the counter is the database's; SQLite's cursor ends on this process's own writes,
         * another's reach it as a reload), ends the read, so that the caller reads again what is
         * there now */
        bool fetch = false;
        for (int i = 0; i < c->arms; i++)
            fetch |= !c->head[i] && !c->pc[i].done && c->pc[i].row >= c->pc[i].rows;
        if (fetch && c->marked && fetches++ > 0)
            break; /* the next batch in the next call (a slice of its own) */
        if (fetch) {
            int64_t now = 0;
            rc = pg_query_int(c->b, "SELECT changes FROM slatop_schema", NULL, &now, "searching tickets", err);
            if (rc == ST_OK && now != c->changes)
                rc = st_fail(err, ST_BUSY, "%s: searching tickets: interrupted by a write", c->b->name);
        }
        for (int i = 0; rc == ST_OK && i < c->arms; i++)
            rc = arm_fill(c, i, err);
        if (rc != ST_OK)
            break;
        int take = c->head[0] ? 0 : -1;
        if (c->arms == 2 && c->head[1] &&
            (take < 0 || cmp_rows(c->sort, c->head[1], c->head_row[1], c->head[0], c->head_row[0]) < 0))
            take = 1;
        if (take < 0) {
            *end = true; /* every arm at its end */
            break;
        }
        if (c->marked && PQgetvalue(c->head[take], c->head_row[take], SCAN_HIT)[0] != 't') {
            c->head[take] = NULL; /* a marker: the scan got this far */
            continue;
        }
        rc = pg_read_ticket_item(c->b->reader, c->head[take], c->head_row[take], &out[*n], err);
        c->head[take] = NULL;
        if (rc == ST_OK)
            (*n)++;
    }
    if (rc != ST_OK) {
        for (size_t i = 0; i < *n; i++)
            ticket_done(&out[i]);
        *n = 0;
    }
    return rc;
}

st_code pg_ticket_cursor_next(void *cur, st_ticket *out, size_t max, size_t *n, bool *done, st_err *err)
{
    pg_ticket_cursor *c = cur;
    *n = 0;
    *done = c->done;
    if (c->done || max == 0)
        return ST_OK;
    st_ticket *rows = NULL;
    st_code rc;
    if (!c->any_order) {
        bool end;
        rc = ordered_next(c, out, max, n, &end, err);
        if (rc != ST_OK)
            return rc;
        *done = c->done = end;
        return ST_OK;
    }
    if (c->max_id == 0) {
        rc = pg_query_int(c->b, "SELECT coalesce(max(id), 0) FROM tickets", NULL, &c->max_id, "searching tickets",
                          err);
        if (rc != ST_OK)
            return rc;
        if (c->after_id < 0)
            c->after_id = 0; /* ids start at 1 */
    }
    int64_t upto = c->after_id > INT64_MAX - ID_WINDOW ? INT64_MAX : c->after_id + ID_WINDOW;
    {
        pg_params p = {0};
        pgp_int(&p, (int64_t)max);
        pgp_int(&p, c->after_id);
        char *like;
        filter_params(&p, &c->f, &like);
        pgp_int(&p, upto);
        void *arr = NULL;
        rc = pg_collect_rows(c->b, BY_ID_SQL, &p, "searching tickets", sizeof *rows, pg_read_ticket_item,
                             pg_free_ticket_item, &arr, n, err);
        free(like);
        rows = arr;
    }
    if (rc != ST_OK)
        return rc;
    for (size_t i = 0; i < *n; i++)
        out[i] = rows[i]; /* moved */
    /* a full page goes on after its last row; a short one after its window, the end once that
     * reaches the largest id (a ticket added since is counted by the next count) */
    c->after_id = *n == max ? rows[*n - 1].id : upto;
    free(rows);
    *done = c->done = *n < max && upto >= c->max_id;
    return ST_OK;
}

void pg_ticket_cursor_close(void *cur)
{
    pg_ticket_cursor *c = cur;
    if (!c)
        return;
    if (c->open)
        ordered_close(c, ST_OK);
    free((char *)c->f.text);
    free((char *)c->f.level);
    free(c);
}
