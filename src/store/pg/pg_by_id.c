/* pg_by_id: store_tickets_by_id's batched read: one WHERE id = ANY($1), the ids sent as one
 * array literal. */
#include "pg_internal.h"

st_code pg_tickets_by_id(store_backend *b, const char *ids, st_ticket **out, size_t *n_out, st_err *err)
{
    *out = NULL;
    *n_out = 0;
    pg_params p = {0};
    pgp_text(&p, ids);
    void *rows = NULL;
    st_code code = pg_collect_rows(
        b, "SELECT " PG_TICKET_COLUMNS " FROM tickets WHERE id = ANY(('{' || $1::text || '}')::bigint[])", &p,
        "reading tickets by id", sizeof **out, pg_read_ticket_item, pg_free_ticket_item, &rows, n_out, err);
    *out = rows;
    return code;
}
