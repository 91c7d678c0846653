/* theme: the names of the console's theme elements, curses-free, so that the configuration check
 * (app_config_check, run by every command) needs neither curses nor the console's UI. ui.c maps
 * each element to curses attributes. */
#ifndef SLATOP_THEME_H
#define SLATOP_THEME_H

#include <stdbool.h>

#include "slatop/sla.h"

/* Theme elements; one per timer state (EL_OK ...), named as the state, from sla.h's table. */
typedef enum {
    EL_NORMAL,
#define UI_STATE_ELEMENT(id, name, symbol, ascii, rank) EL_##id,
    SLA_STATES(UI_STATE_ELEMENT)
#undef UI_STATE_ELEMENT
        EL_SELECTED,
    EL_HEADER,
    EL_STATUS,
    EL_ERROR,
    EL_BADGE,
    EL_DIM,
    EL_COUNT
} ui_element;

/* The config's name of e ("normal", each timer state's name, "selected", ... "dim"); a static
 * string, "?" out of range. */
const char *theme_element_name(ui_element e);
/* The element named `name` (as the config's theme section spells it); false when none is. */
bool theme_element_parse(const char *name, ui_element *out);

#endif
