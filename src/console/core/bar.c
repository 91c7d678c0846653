/* bar: see bar.h. */
#include "slatop/bar.h"

#include <string.h>

/* U+2588 (8/8) down to U+258F (1/8): index = eighths filled. */
static const char *const eighths[9] = {"",
                                       "\xe2\x96\x8f",
                                       "\xe2\x96\x8e",
                                       "\xe2\x96\x8d",
                                       "\xe2\x96\x8c",
                                       "\xe2\x96\x8b",
                                       "\xe2\x96\x8a",
                                       "\xe2\x96\x89",
                                       "\xe2\x96\x88"};

static void put(char *out, size_t n, size_t *len, const char *s)
{
    size_t k = strlen(s);
    if (*len + k + 1 > n)
        return;
    memcpy(out + *len, s, k);
    *len += k;
    out[*len] = '\0';
}

int bar_draw(double percent, int width, bool ascii, char *out, size_t n)
{
    if (n == 0)
        return 0;
    out[0] = '\0';
    if (width <= 0)
        return 0;
    if (!(percent > 0)) /* NaN too */
        percent = 0;
    if (percent > 100)
        percent = 100;
    size_t len = 0;
    int unit = ascii ? 1 : 8;
    int filled = (int)(percent / 100.0 * (double)(width * unit) + 0.5); /* nearest */
    int full = filled / unit, part = filled % unit;
    for (int i = 0; i < full; i++)
        put(out, n, &len, ascii ? "#" : eighths[8]);
    int cells = full;
    if (part) {
        put(out, n, &len, eighths[part]);
        cells++;
    }
    for (; cells < width; cells++)
        put(out, n, &len, ascii ? "." : " ");
    return filled;
}
