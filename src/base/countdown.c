/* countdown: see countdown.h. */
#include "slatop/countdown.h"

#include <stdio.h>

#include "slatop/util.h"

char *countdown_format(int64_t remaining_s, bool always_seconds, char buf[static 24])
{
    if (always_seconds)
        return duration_format_hms(remaining_s, buf);
    const char *sign = remaining_s < 0 ? "-" : "";
    /* |INT64_MIN| without overflow, as duration_format_hms does. */
    uint64_t a = remaining_s < 0 ? (uint64_t)(-(remaining_s + 1)) + 1 : (uint64_t)remaining_s;
    char tmp[64];
    if (a >= 3600)
        snprintf(tmp, sizeof tmp, "%s%lluh%02um", sign, (unsigned long long)(a / 3600), (unsigned)(a / 60 % 60));
    else
        snprintf(tmp, sizeof tmp, "%s%u:%02u", sign, (unsigned)(a / 60), (unsigned)(a % 60));
    snprintf(buf, 24, "%.23s", tmp);
    return buf;
}
