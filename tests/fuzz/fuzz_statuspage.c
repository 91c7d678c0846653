/* libFuzzer: Statuspage scheduled-maintenance answers (first byte: status and content type). */
#include "fuzz_common.h"
#include "slatop/statuspage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = {200, 200, 200, 500, 404, 503};
    static const char *const types[] = {"application/json", NULL, "text/html", "application/json; charset=utf-8"};
    if (size == 0)
        return 0;
    uptime_window *w = NULL;
    size_t n = 0;
    st_err err;
    st_err_clear(&err);
    st_code rc = statuspage_parse((const char *)data + 1, size - 1, statuses[data[0] % 6], types[(data[0] / 6) % 4],
                                  &w, &n, &err);
    fuzz_check_err(rc, &err);
    if (rc == ST_OK) {
        for (size_t i = 0; i < n; i++)
            if (w[i].id == NULL)
                __builtin_trap();
        uptime_windows_free(w, n);
    }
    return 0;
}
