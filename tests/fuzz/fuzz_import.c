/* libFuzzer: the ticket file of `slatop import` (JSON array or JSON lines). */
#include "fuzz_common.h"
#include "slatop/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    import_batch b;
    st_err err;
    st_err_clear(&err);
    st_code rc = import_parse((const char *)data, size, "fuzz.json", &b, &err);
    fuzz_check_err(rc, &err);
    if (rc == ST_OK) {
        for (size_t i = 0; i < b.n; i++)
            if (b.records[i].title == NULL)
                __builtin_trap();
    } else if (b.n != 0) {
        __builtin_trap(); /* "on error it is left empty" */
    }
    import_batch_done(&b);
    return 0;
}
