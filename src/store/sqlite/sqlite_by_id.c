/* sqlite_by_id: store_tickets_by_id's batched read: the ids bound as one JSON array (json_each is
 * built into SQLite since 3.38), each a rowid lookup, in one statement for a whole window. */
#include "sqlite_internal.h"

st_code sq_tickets_by_id(store_backend *s, const char *ids, st_ticket **out, size_t *n_out, st_err *err)
{
    *out = NULL;
    *n_out = 0;
    sqlite3_stmt *stmt;
    st_code code = sq_stmt(s,
                           "SELECT " SQ_TICKET_COLUMNS " FROM tickets"
                           " WHERE id IN (SELECT value FROM json_each('[' || ?1 || ']'))",
                           &stmt, err);
    if (code != ST_OK)
        return code;
    sqlite3_bind_text(stmt, 1, ids, -1, SQLITE_STATIC);
    void *arr = NULL;
    code = sq_collect_rows(s, stmt, sizeof **out, sq_read_ticket_item, sq_free_ticket_item,
                           "reading tickets by id", &arr, n_out, err);
    *out = arr;
    return code;
}
