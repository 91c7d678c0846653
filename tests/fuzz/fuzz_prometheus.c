/* libFuzzer: Prometheus answers. The first byte picks the HTTP status and content type the body
 * arrived with; the rest is the body. Also the value parser on a short prefix. */
#include <stdlib.h>

#include "fuzz_common.h"
#include "slatop/prometheus.h"

#define FUZZ_MINUTES 1440

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = {200, 200, 200, 400, 422, 503, 500, 401, 404, 502};
    static const char *const types[] = {"application/json", NULL, "text/plain; charset=utf-8", "text/html",
                                        "application/json; charset=utf-8"};
    if (size == 0)
        return 0;
    long status = statuses[data[0] % 10];
    const char *type = types[(data[0] / 10) % 5];
    const char *body = (const char *)data + 1;
    size_t len = size - 1;

    static uptime_minute minutes[FUZZ_MINUTES];
    for (size_t i = 0; i < FUZZ_MINUTES; i++)
        minutes[i] = (uptime_minute){.value = 0, .kind = UPTIME_NODATA};
    prom_result res;
    memset(&res, 0, sizeof res);
    st_err err;
    st_err_clear(&err);
    /* 1743465600 = 2025-04-01T00:00:00Z: seeds use timestamps in that day. */
    st_code rc = prom_parse_query_range(body, len, status, type, 1743465600, minutes, FUZZ_MINUTES, &res, &err);
    fuzz_check_err(rc, &err);
    prom_result_done(&res); /* the caller owns res whatever the outcome (uptime_source.c does the same) */
    st_err_clear(&err);
    fuzz_check_err(prom_check_body(body, len, status, type, &err), &err);

    char *v = fuzz_cstr(data + 1, len < 40 ? len : 40);
    double d;
    (void)prom_parse_value(v, &d);
    free(v);
    return 0;
}
