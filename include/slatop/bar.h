/* bar: a horizontal percentage bar as text (the report view's compliance bars). Pure. */
#ifndef SLATOP_BAR_H
#define SLATOP_BAR_H

#include <stdbool.h>
#include <stddef.h>

/* Writes into out (n bytes, NUL-terminated) a bar `width` cells wide filled to percent (clamped
 * to 0..100): in UTF-8, full blocks (U+2588) and one eighth-block (U+2589..U+258F) for the
 * remainder, rounded to the nearest eighth; with ascii, '#' per cell rounded to the nearest cell.
 * The rest of the cells are blanks (' ', '.' with ascii), so the bar always spans width cells.
 * Returns the number of filled eighths (ascii: filled cells), for tests. A too small out is cut
 * at a whole character. */
int bar_draw(double percent, int width, bool ascii, char *out, size_t n);

#endif
