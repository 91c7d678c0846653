/* keymap: key codes independent of curses, key names ("+", "K", "Enter", "Esc", "Up", "PgDn",
 * "C-x", "F1", "Space"), and the action each key triggers (defaults from actions.h, remapped from
 * the config's "keys"). Pure: tested without a terminal. */
#ifndef SLATOP_KEYMAP_H
#define SLATOP_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/actions.h"
#include "slatop/config.h"
#include "slatop/util.h"

/* A key: a Unicode code point for a character (control keys are their C0 code: C-x = 0x18), or
 * one of the named keys below, which lie above Unicode. */
typedef int km_key;
enum {
    KM_NONE = -1,
    KM_ENTER = 0x0d,
    KM_TAB = 0x09,
    KM_ESC = 0x1b,
    KM_SPECIAL = 0x200000,
    KM_UP,
    KM_DOWN,
    KM_LEFT,
    KM_RIGHT,
    KM_PGUP,
    KM_PGDN,
    KM_HOME,
    KM_END,
    KM_BACKSPACE,
    KM_DELETE,
    KM_INSERT,
    KM_RESIZE,
    KM_F0 = 0x200100, /* KM_F0 + n is Fn, n = 1..24 */
};

/* Parses a key name: a single character ("+", "K", "é"), "Enter", "Esc", "Tab", "Space", "Up",
 * "Down", "Left", "Right", "PgUp", "PgDn", "Home", "End", "Backspace", "Delete", "Insert",
 * "C-x" (control + letter), "F1".."F24". Case-insensitive for the long names. */
bool km_parse_key(const char *name, km_key *out);
/* The canonical name of k into buf (>= 16 bytes). Returns buf. */
char *km_key_name(km_key k, char buf[static 16]);

#define KM_MAX_BINDINGS 256

/* key -> action. Embedded by value; no resources. */
typedef struct {
    struct {
        km_key key;
        st_action action;
    } b[KM_MAX_BINDINGS];
    size_t n;
} km_map;

/* The defaults from actions.h. */
void km_init_defaults(km_map *m);
/* Applies the config's bindings: each named action gets exactly its listed keys (its defaults
 * are dropped), and a listed key is taken away from any other action. Errors (ST_INVALID) name
 * "keys.ACTION" for an unknown action and "keys.ACTION[i]" for an unknown key name. */
st_code km_apply_config(km_map *m, const cfg_keybinding *kb, size_t n, st_err *err);
/* The action of a key, ACT_NONE when unbound. */
st_action km_lookup(const km_map *m, km_key k);
/* Appends the names of the keys bound to a, separated by " ", to sb (nothing when unbound). */
void km_keys_of(const km_map *m, st_action a, strbuf *sb);

/* The actions table, by action. Static strings. */
const char *act_name(st_action a);
const char *act_help(st_action a);
const char *act_default_keys(st_action a);
/* ACT_NONE when unknown. */
st_action act_from_name(const char *name);

#endif
