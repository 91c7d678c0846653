/* libFuzzer: the configuration file (config_parse). */
#include "fuzz_common.h"
#include "slatop/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_config *c = NULL;
    st_err err;
    st_err_clear(&err);
    st_code rc = config_parse((const char *)data, size, "fuzz.json", &c, &err);
    fuzz_check_err(rc, &err);
    if (rc == ST_OK)
        config_free(c);
    return 0;
}
