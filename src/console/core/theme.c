/* theme: the theme elements' names (see theme.h). */
#include <string.h>

#include "slatop/theme.h"

/* Element names as the config's "theme" object spells them; the states' come from sla.h. */
#define UI_STATE_ELEMENT_NAME(id, name, symbol, ascii, rank) [EL_##id] = name,
/* the table's shape, kept by hand: */
/* clang-format off */
static const char *const element_names[EL_COUNT] = {
    [EL_NORMAL] = "normal",
    SLA_STATES(UI_STATE_ELEMENT_NAME)
    [EL_SELECTED] = "selected", [EL_HEADER] = "header", [EL_STATUS] = "status",
    [EL_ERROR] = "error",       [EL_BADGE] = "badge",   [EL_DIM] = "dim",
};
/* clang-format on */
#undef UI_STATE_ELEMENT_NAME

const char *theme_element_name(ui_element e)
{
    return (e >= 0 && e < EL_COUNT) ? element_names[e] : "?";
}

bool theme_element_parse(const char *name, ui_element *out)
{
    for (int e = 0; e < EL_COUNT; e++)
        if (strcmp(element_names[e], name) == 0) {
            *out = (ui_element)e;
            return true;
        }
    return false;
}
