/* report_fresh: the report on a connection of its own (report_query.h). */
#include "slatop/report_query.h"
#include "slatop/store.h"

st_code report_query_fresh(st_ops *o, const st_clock *clock, st_time from, st_time to, report_fn *fn,
                           void *ctx, st_err *err)
{
    st_store *s = NULL;
    st_ops *fo = NULL;
    st_code rc = store_open(store_path(ops_store(o)), STORE_OPEN_RO, &s, err);
    if (rc == ST_OK)
        rc = ops_new(s, clock, &fo, err);
    rpt_report r;
    if (rc == ST_OK)
        rc = report_query_period(fo, from, to, &r, err);
    if (rc == ST_OK) {
        fn(&r, ctx);
        report_done(&r);
    }
    ops_free(fo);
    if (s)
        store_close(s);
    return rc;
}
