/* bar: percent and width to cells, UTF-8 eighths and the ASCII fallback. */
#include <criterion/criterion.h>
#include <string.h>

#include "slatop/bar.h"

#define FULL "\xe2\x96\x88"
#define HALF "\xe2\x96\x8c"
#define ONE8 "\xe2\x96\x8f"

Test(bar, ascii_rounds_to_cells)
{
    char b[64];
    cr_assert_eq(bar_draw(100, 10, true, b, sizeof b), 10);
    cr_assert_str_eq(b, "##########");
    cr_assert_eq(bar_draw(0, 10, true, b, sizeof b), 0);
    cr_assert_str_eq(b, "..........");
    cr_assert_eq(bar_draw(75, 4, true, b, sizeof b), 3);
    cr_assert_str_eq(b, "###.");
    cr_assert_eq(bar_draw(84.9, 10, true, b, sizeof b), 8);
    cr_assert_str_eq(b, "########..");
    cr_assert_eq(bar_draw(85, 10, true, b, sizeof b), 9); /* 8.5 rounds up */
}

Test(bar, utf8_eighths)
{
    char b[128];
    cr_assert_eq(bar_draw(100, 3, false, b, sizeof b), 24);
    cr_assert_str_eq(b, FULL FULL FULL);
    cr_assert_eq(bar_draw(50, 3, false, b, sizeof b), 12); /* one and a half cells */
    cr_assert_str_eq(b, FULL HALF " ");
    cr_assert_eq(bar_draw(1, 10, false, b, sizeof b), 1); /* 0.8 eighths: one */
    cr_assert_str_eq(b, ONE8 "         ");
    cr_assert_eq(bar_draw(0, 2, false, b, sizeof b), 0);
    cr_assert_str_eq(b, "  ");
}

Test(bar, clamps_and_degenerate)
{
    char b[64];
    cr_assert_eq(bar_draw(250, 4, true, b, sizeof b), 4);
    cr_assert_str_eq(b, "####");
    cr_assert_eq(bar_draw(-5, 4, true, b, sizeof b), 0);
    cr_assert_eq(bar_draw(50, 0, true, b, sizeof b), 0);
    cr_assert_str_eq(b, "");
    /* a too small buffer is cut at a whole character, never mid-sequence */
    char s[8];
    bar_draw(100, 5, false, s, sizeof s);
    cr_assert_str_eq(s, FULL FULL);
}
