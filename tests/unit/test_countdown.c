/* countdown_format: SPEC §11's countdown at each boundary (one hour, zero, one hour overdue), and
 * H:MM:SS under "countdown_seconds": "always". */
#include <criterion/criterion.h>
#include <stdint.h>

#include "slatop/countdown.h"

static void expect_cd(int64_t s, bool always, const char *want)
{
    char buf[24];
    cr_expect_str_eq(countdown_format(s, always, buf), want, "%lld s", (long long)s);
}

Test(countdown, hours_and_minutes_from_one_hour)
{
    expect_cd(27 * 3600 + 4 * 60 + 59, false, "27h04m"); /* seconds cut, never rounded up */
    expect_cd(3 * 3600 + 12 * 60, false, "3h12m");
    expect_cd(3601, false, "1h00m");
    expect_cd(3600, false, "1h00m");
    expect_cd(1000 * 3600, false, "1000h00m");
}

Test(countdown, minutes_and_seconds_in_the_last_hour)
{
    expect_cd(3599, false, "59:59");
    expect_cd(600, false, "10:00");
    expect_cd(61, false, "1:01");
    expect_cd(1, false, "0:01");
    expect_cd(0, false, "0:00");
}

Test(countdown, overdue_reads_the_same_with_a_minus)
{
    expect_cd(-1, false, "-0:01");
    expect_cd(-42, false, "-0:42");
    expect_cd(-3599, false, "-59:59");
    expect_cd(-3600, false, "-1h00m");
    expect_cd(-(3 * 3600 + 5 * 60 + 30), false, "-3h05m");
    char buf[24];
    cr_expect(countdown_format(INT64_MIN, false, buf)[0] == '-'); /* no overflow */
}

Test(countdown, seconds_always)
{
    expect_cd(27 * 3600 + 4 * 60, true, "27:04:00");
    expect_cd(3600, true, "1:00:00");
    expect_cd(3599, true, "0:59:59");
    expect_cd(0, true, "0:00:00");
    expect_cd(-42, true, "-0:00:42");
    expect_cd(-3600, true, "-1:00:00");
}
