/* The hand-written formatters that list --json and audit export use millions of times (SPEC §11)
 * print exactly what the printf formats they replaced printed: times against gmtime_r and the old snprintf format,
 * integers against "%" PRId64. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "slatop/jsonout.h"
#include "slatop/util.h"

static void expect_time(st_time t)
{
    char got[21], want[64];
    time_t tt = (time_t)t;
    struct tm tm;
    cr_assert(gmtime_r(&tt, &tm));
    /* the replaced format (strftime's %Y does not pad years below 1000) */
    snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    time_format_iso(t, got);
    cr_expect_str_eq(got, want, "time %lld", (long long)t);
}

Test(fast_format, times_match_gmtime)
{
    /* the epoch, leap days, the ends of the format's years, second/minute/hour/day boundaries */
    static const st_time fixed[] = {0, 59, 60, 3599, 3600, 86399, 86400, 951782400, 951868799, 1709164800,
                                    1764633600, -1, -86400, -62167219200LL, 253402300799LL};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        expect_time(fixed[i]);
    uint64_t x = 88172645463325252ULL; /* xorshift: a spread of times over 0000..9999 */
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        expect_time((st_time)(x % (253402300799ULL + 62167219200ULL)) - 62167219200LL);
    }
    char buf[21];
    cr_expect_str_eq(time_format_iso(253402300800LL, buf), "9999-12-31T23:59:59Z"); /* clamped */
    cr_expect_str_eq(time_format_iso(-62167219201LL, buf), "0000-01-01T00:00:00Z");
}

Test(fast_format, integers_match_printf)
{
    static const int64_t v[] = {0, 1, -1, 9, 10, -10, 99, 100, 12345, -863329, 1000000, 8999999999999999LL,
                                -8999999999999999LL};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        strbuf sb;
        sb_init(&sb);
        json_append_number(&sb, (double)v[i]);
        char want[32];
        snprintf(want, sizeof want, "%" PRId64, v[i]);
        cr_expect_str_eq(sb.buf, want);
        sb_done(&sb);
    }
}
