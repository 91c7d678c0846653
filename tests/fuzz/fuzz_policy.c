/* libFuzzer: the policy loader (policy_parse), then the calendar it builds. */
#include "fuzz_common.h"
#include "slatop/calendar.h"
#include "slatop/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_policy *p = NULL;
    st_err err;
    st_err_clear(&err);
    st_code rc = policy_parse((const char *)data, size, "fuzz.json", &p, &err);
    fuzz_check_err(rc, &err);
    if (rc != ST_OK)
        return 0;
    const st_time start = 1763632800; /* 2025-11-20T10:00:00Z */
    for (size_t i = 0; i < p->n_levels; i++) {
        if (policy_level_index(p, p->levels[i].id) < 0)
            __builtin_trap();
        int64_t target = policy_level_target_s(p, i);
        /* Only modest targets: a sparse calendar may need many days to use up a huge one. */
        if (p->calendar != NULL && target > 0 && target <= 7 * 86400) {
            st_time due = cal_add_business(p->calendar, start, target);
            if (due != ST_TIME_NONE && cal_business_seconds(p->calendar, start, due) != target)
                __builtin_trap();
        }
    }
    for (size_t i = 0; i < p->n_channels; i++)
        if (policy_channel_level(p, p->channels[i].channel) == NULL)
            __builtin_trap();
    policy_free(p);
    return 0;
}
