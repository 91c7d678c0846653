/* store_history: see store_history.h. The facade's side: the backend streams. */
#include <stdint.h>

#include "slatop/store_history.h"

#include "store_backend.h"

st_code store_ticket_histories(st_store *s, st_time before, store_history_fn visit, void *ctx, st_err *err)
{
    if (!s->ops->ticket_histories)
        return st_fail(err, ST_USAGE, "%s: the %s backend cannot stream ticket histories", s->locator,
                       s->ops->name);
    return s->ops->ticket_histories(s->be, before == ST_TIME_NONE ? INT64_MAX : before, visit, ctx, err);
}

st_code store_ticket_histories_log(st_store *s, st_time before, store_history_fn visit, void *ctx, st_err *err)
{
    if (!s->ops->ticket_histories_log)
        return store_ticket_histories(s, before, visit, ctx, err); /* the same tickets, by id */
    return s->ops->ticket_histories_log(s->be, before == ST_TIME_NONE ? INT64_MAX : before, visit, ctx, err);
}
