/* theme: the theme elements' names (see theme.h). */
#include <string.h>

#include "slatop/theme.h"

static const char *const element_names[EL_COUNT] = {"normal", "ok",     "warn",     "paused", "breached",
                                                    "met",    "missed", "selected", "header", "status",
                                                    "error",  "badge",  "dim"};

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

const char *theme_element_list(void)
{
    return "normal ok warn paused breached met missed selected header status error badge dim";
}
