/* keymap: key names and the key -> action map generated from the actions table. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "slatop/keymap.h"
#include "slatop/text.h"

static const struct {
    const char *name;
    const char *keys;
    const char *help;
} act_table[ACT_COUNT] = {[ACT_NONE] = {"none", "", ""},
#define ST_ACTION_ROW(id, nm, ks, hp) [ACT_##id] = {nm, ks, hp},
                          ST_ACTIONS(ST_ACTION_ROW)
#undef ST_ACTION_ROW
};

const char *act_name(st_action a)
{
    return (a > ACT_NONE && a < ACT_COUNT) ? act_table[a].name : "none";
}

const char *act_help(st_action a)
{
    return (a > ACT_NONE && a < ACT_COUNT) ? act_table[a].help : "";
}

const char *act_default_keys(st_action a)
{
    return (a > ACT_NONE && a < ACT_COUNT) ? act_table[a].keys : "";
}

st_action act_from_name(const char *name)
{
    for (int a = ACT_NONE + 1; a < ACT_COUNT; a++)
        if (strcmp(act_table[a].name, name) == 0)
            return (st_action)a;
    return ACT_NONE;
}

static const struct {
    const char *name;
    km_key key;
} named_keys[] = {
    {"Enter", KM_ENTER},
    {"Esc", KM_ESC},
    {"Tab", KM_TAB},
    {"Space", ' '},
    {"Up", KM_UP},
    {"Down", KM_DOWN},
    {"Left", KM_LEFT},
    {"Right", KM_RIGHT},
    {"PgUp", KM_PGUP},
    {"PgDn", KM_PGDN},
    {"Home", KM_HOME},
    {"End", KM_END},
    {"Backspace", KM_BACKSPACE},
    {"Delete", KM_DELETE},
    {"Insert", KM_INSERT},
    /* aliases accepted on input only (the first spelling above is the one printed) */
    {"Return", KM_ENTER},
    {"Escape", KM_ESC},
    {"PageUp", KM_PGUP},
    {"PageDown", KM_PGDN},
    {"lt", '<'},
    {"Hash", '#'},
};

bool km_parse_key(const char *name, km_key *out)
{
    if (!name || !*name)
        return false;
    size_t len = strlen(name);
    int32_t cp;
    size_t used = utf8_decode(name, len, &cp);
    if (used == len) { /* one character, taken literally ("+", "K", "-", "?") */
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp < 0)
            return false;
        *out = cp;
        return true;
    }
    for (size_t i = 0; i < sizeof named_keys / sizeof named_keys[0]; i++)
        if (strcasecmp(name, named_keys[i].name) == 0) {
            *out = named_keys[i].key;
            return true;
        }
    if ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' && name[2] && !name[3]) {
        char ch = name[2];
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        if (ch >= '@' && ch <= '_') {
            *out = ch - '@';
            return true;
        }
        return false;
    }
    if ((name[0] == 'F' || name[0] == 'f') && name[1] >= '1' && name[1] <= '9') {
        int n = 0;
        for (const char *p = name + 1; *p; p++) {
            if (*p < '0' || *p > '9')
                return false;
            n = n * 10 + (*p - '0');
            if (n > 24)
                return false;
        }
        *out = KM_F0 + n;
        return true;
    }
    return false;
}

char *km_key_name(km_key k, char buf[static 16])
{
    for (size_t i = 0; i < 15; i++) /* the printed spellings come first in the table */
        if (named_keys[i].key == k) {
            snprintf(buf, 16, "%s", named_keys[i].name);
            return buf;
        }
    if (k > KM_F0 && k <= KM_F0 + 24) {
        snprintf(buf, 16, "F%d", k - KM_F0);
    } else if (k >= 0 && k < 0x20) {
        snprintf(buf, 16, "C-%c", (char)(k + '`'));
    } else if (k > 0x20 && k < 0x110000 && k != 0x7f) {
        strbuf sb;
        sb_init(&sb);
        utf8_encode(&sb, k);
        snprintf(buf, 16, "%s", sb.buf);
        sb_done(&sb);
    } else {
        snprintf(buf, 16, "key-%x", (unsigned)k);
    }
    return buf;
}

static void bind(km_map *m, km_key k, st_action a)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->b[i].key == k) {
            m->b[i].action = a;
            return;
        }
    if (m->n < KM_MAX_BINDINGS) {
        m->b[m->n].key = k;
        m->b[m->n].action = a;
        m->n++;
    }
}

void km_init_defaults(km_map *m)
{
    m->n = 0;
    for (int a = ACT_NONE + 1; a < ACT_COUNT; a++) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%s", act_table[a].keys);
        for (char *save = NULL, *tok = strtok_r(tmp, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
            km_key k;
            if (km_parse_key(tok, &k))
                bind(m, k, (st_action)a);
        }
    }
}

/* A key name as the config writes it: as km_parse_key, or in the --keys file's spelling "<Down>",
 * "<C-x>", "<lt>" (the man page documents one set of names for both). */
static bool parse_config_key(const char *name, km_key *out)
{
    size_t len = strlen(name);
    if (len > 2 && name[0] == '<' && name[len - 1] == '>') {
        char inner[32];
        if (len - 2 >= sizeof inner)
            return false;
        memcpy(inner, name + 1, len - 2);
        inner[len - 2] = '\0';
        return km_parse_key(inner, out);
    }
    return km_parse_key(name, out);
}

st_code km_apply_config(km_map *m, const cfg_keybinding *kb, size_t n, st_err *err)
{
    km_map next = *m; /* all or nothing: a bad entry leaves m untouched */
    for (size_t i = 0; i < n; i++) {
        st_action a = act_from_name(kb[i].action);
        if (a == ACT_NONE) {
            char names[400] = "";
            for (int b = ACT_NONE + 1; b < ACT_COUNT; b++)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", b > 1 ? " " : "",
                         act_table[b].name);
            return st_fail(err, ST_INVALID, "keys.%.64s: unknown action (%s)", kb[i].action, names);
        }
        for (size_t j = 0; j < next.n; j++) /* the listed keys replace the defaults */
            if (next.b[j].action == a)
                next.b[j].action = ACT_NONE;
        for (size_t j = 0; j < kb[i].n_keys; j++) {
            km_key k;
            if (!parse_config_key(kb[i].keys[j], &k))
                return st_fail(err, ST_INVALID,
                               "keys.%s[%zu]: unknown key name '%.64s' (one character, or Enter Esc Tab Space Up "
                               "Down Left Right PgUp PgDn Home End Backspace Delete Insert C-x F1..F24, each also "
                               "as <Name>)",
                               kb[i].action, j, kb[i].keys[j]);
            bind(&next, k, a);
        }
    }
    *m = next;
    return ST_OK;
}

st_action km_lookup(const km_map *m, km_key k)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->b[i].key == k)
            return m->b[i].action;
    return ACT_NONE;
}

void km_keys_of(const km_map *m, st_action a, strbuf *sb)
{
    bool first = true;
    for (size_t i = 0; i < m->n; i++)
        if (m->b[i].action == a) {
            char name[16];
            if (!first)
                sb_append_c(sb, ' ');
            sb_append(sb, km_key_name(m->b[i].key, name));
            first = false;
        }
}
