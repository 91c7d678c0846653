/* The console's key names, the actions table and its remapping, and the --keys script syntax:
 * pure code, no terminal. */
#include <criterion/criterion.h>
#include <string.h>

#include "slatop/config.h"
#include "slatop/console.h"
#include "slatop/keymap.h"

Test(console_keymap, key_names_round_trip)
{
    struct {
        const char *name;
        km_key key;
        const char *canon;
    } cases[] = {
        {"+", '+', "+"},
        {"K", 'K', "K"},
        {"Enter", KM_ENTER, "Enter"},
        {"return", KM_ENTER, "Enter"},
        {"Esc", KM_ESC, "Esc"},
        {"Up", KM_UP, "Up"},
        {"Down", KM_DOWN, "Down"},
        {"PgUp", KM_PGUP, "PgUp"},
        {"PgDn", KM_PGDN, "PgDn"},
        {"C-x", 0x18, "C-x"},
        {"c-F", 0x06, "C-f"},
        {"F1", KM_F0 + 1, "F1"},
        {"F12", KM_F0 + 12, "F12"},
        {"Space", ' ', "Space"},
        {"\xc3\xa9", 0xe9, "\xc3\xa9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        km_key k;
        cr_assert(km_parse_key(cases[i].name, &k), "%s", cases[i].name);
        cr_expect_eq(k, cases[i].key, "%s", cases[i].name);
        char buf[16];
        cr_expect_str_eq(km_key_name(k, buf), cases[i].canon);
    }
    const char *bad[] = {"", "Foo", "C-", "C-xx", "F0", "F25", "\x1b", "\x7f", "\xc2\x9b", "\xff"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        km_key k;
        cr_expect(!km_parse_key(bad[i], &k), "accepted bad key name #%zu", i);
    }
}

Test(console_keymap, defaults_come_from_the_one_table)
{
    km_map m;
    km_init_defaults(&m);
    cr_expect_eq(km_lookup(&m, '+'), ACT_RAISE);
    cr_expect_eq(km_lookup(&m, '-'), ACT_LOWER);
    cr_expect_eq(km_lookup(&m, 'j'), ACT_DOWN);
    cr_expect_eq(km_lookup(&m, KM_DOWN), ACT_DOWN);
    cr_expect_eq(km_lookup(&m, KM_ENTER), ACT_OPEN);
    cr_expect_eq(km_lookup(&m, KM_ESC), ACT_BACK);
    cr_expect_eq(km_lookup(&m, 'q'), ACT_QUIT);
    cr_expect_eq(km_lookup(&m, 'Z'), ACT_NONE);
    for (int a = ACT_NONE + 1; a < ACT_COUNT; a++) {
        strbuf sb;
        sb_init(&sb);
        km_keys_of(&m, (st_action)a, &sb);
        cr_expect(sb.len > 0, "action %s has no default key", act_name((st_action)a));
        cr_expect_eq(act_from_name(act_name((st_action)a)), (st_action)a);
        cr_expect(strlen(act_help((st_action)a)) > 0);
        sb_done(&sb);
    }
    cr_expect_eq(act_from_name("no-such-action"), ACT_NONE);
}

Test(console_keymap, config_remaps_and_steals_keys)
{
    const char *json =
        "{\"keys\": {\"raise\": [\"K\", \"+\"], \"quit\": [\"Q\", \"C-c\"], \"down\": [\"n\", \"Down\"]}}";
    st_config *cfg;
    st_err err;
    cr_assert_eq(config_parse(json, strlen(json), "cfg.json", &cfg, &err), ST_OK, "%s", err.msg);
    km_map m;
    km_init_defaults(&m);
    cr_assert_eq(km_apply_config(&m, cfg->keys, cfg->n_keys, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(km_lookup(&m, 'K'), ACT_RAISE);
    cr_expect_eq(km_lookup(&m, '+'), ACT_RAISE);
    cr_expect_eq(km_lookup(&m, 'Q'), ACT_QUIT);
    cr_expect_eq(km_lookup(&m, 0x03), ACT_QUIT);
    cr_expect_eq(km_lookup(&m, 'q'), ACT_NONE, "the listed keys replace the defaults");
    cr_expect_eq(km_lookup(&m, 'j'), ACT_NONE);
    cr_expect_eq(km_lookup(&m, 'n'), ACT_DOWN);
    strbuf sb;
    sb_init(&sb);
    km_keys_of(&m, ACT_QUIT, &sb);
    cr_expect(strstr(sb.buf, "Q") && strstr(sb.buf, "C-c"), "%s", sb.buf);
    sb_done(&sb);
    config_free(cfg);

    const char *bad_action = "{\"keys\": {\"fly\": [\"F\"]}}";
    const char *bad_key = "{\"keys\": {\"raise\": [\"+\", \"Hyper-x\"]}}";
    cr_assert_eq(config_parse(bad_action, strlen(bad_action), "c", &cfg, &err), ST_OK);
    km_map before = m;
    cr_expect_eq(km_apply_config(&m, cfg->keys, cfg->n_keys, &err), ST_INVALID);
    cr_expect(strstr(err.msg, "keys.fly") != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, "unknown action (down up page-down") != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, " back quit)") != NULL, "%s", err.msg);
    config_free(cfg);
    cr_assert_eq(config_parse(bad_key, strlen(bad_key), "c", &cfg, &err), ST_OK);
    cr_expect_eq(km_apply_config(&m, cfg->keys, cfg->n_keys, &err), ST_INVALID);
    cr_expect(strstr(err.msg, "keys.raise[1]") != NULL, "%s", err.msg);
    cr_expect(memcmp(&before, &m, sizeof m) == 0, "a refused config leaves the map untouched");
    config_free(cfg);
}

Test(console_keymap, script_syntax)
{
    con_script_item *it;
    size_t n;
    st_err err;
    const char *text = "# a comment line\n"
                       "ab c<Enter>\n"
                       "<sleep 1.5><snap list><resize 100x30><lt><C-x><PgDn>\xc3\xa9\n";
    cr_assert_eq(con_script_parse(text, "keys.txt", &it, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 12);
    cr_expect(it[0].kind == SCR_KEY && it[0].key == 'a');
    cr_expect(it[1].kind == SCR_KEY && it[1].key == 'b');
    cr_expect(it[2].kind == SCR_KEY && it[2].key == ' ');
    cr_expect(it[3].kind == SCR_KEY && it[3].key == 'c');
    cr_expect(it[4].kind == SCR_KEY && it[4].key == KM_ENTER);
    cr_expect(it[5].kind == SCR_SLEEP && it[5].ms == 1500);
    cr_expect(it[6].kind == SCR_SNAP && strcmp(it[6].name, "list") == 0);
    cr_expect(it[7].kind == SCR_RESIZE && it[7].cols == 100 && it[7].rows == 30);
    cr_expect(it[8].kind == SCR_KEY && it[8].key == '<');
    cr_expect(it[9].kind == SCR_KEY && it[9].key == 0x18);
    cr_expect(it[10].kind == SCR_KEY && it[10].key == KM_PGDN);
    cr_expect(it[11].kind == SCR_KEY && it[11].key == 0xe9);
    con_script_free(it, n);

    const char *bad[] = {"j\n<Bogus>",   "j\n\nk<sleep x>", "<Enter", "a\x1b",
                         "<resize 0x4>", "<snap >",         "x\xff"};
    const char *line[] = {"line 2", "line 3", "line 1", "line 1", "line 1", "line 1", "line 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st_err_clear(&err);
        cr_expect_eq(con_script_parse(bad[i], "k.txt", &it, &n, &err), ST_USAGE, "case %zu accepted", i);
        cr_expect(strstr(err.msg, "k.txt") && strstr(err.msg, line[i]), "case %zu: %s", i, err.msg);
    }
}

/* The man page's --keys spelling (<Down>, <C-x>, <F5>) works in the config's keys too, and an
 * unknown key name's error lists the names there are. */
Test(console_keymap, config_accepts_angle_bracket_names_and_lists_valid_ones)
{
    const char *json = "{\"keys\": {\"down\": [\"<Down>\", \"n\"], \"quit\": [\"<C-c>\"], \"reload\": [\"<F5>\", \"<\"],"
                       " \"raise\": [\"<lt>\", \"+\"]}}";
    st_config *cfg;
    st_err err;
    cr_assert_eq(config_parse(json, strlen(json), "cfg.json", &cfg, &err), ST_OK, "%s", err.msg);
    km_map m;
    km_init_defaults(&m);
    cr_assert_eq(km_apply_config(&m, cfg->keys, cfg->n_keys, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(km_lookup(&m, KM_DOWN), ACT_DOWN);
    cr_expect_eq(km_lookup(&m, 'n'), ACT_DOWN);
    cr_expect_eq(km_lookup(&m, 0x03), ACT_QUIT);
    cr_expect_eq(km_lookup(&m, KM_F0 + 5), ACT_RELOAD);
    cr_expect_eq(km_lookup(&m, '+'), ACT_RAISE);
    cr_expect_eq(km_lookup(&m, '<'), ACT_RAISE, "<lt> is '<', taken from reload");
    config_free(cfg);

    const char *bad = "{\"keys\": {\"raise\": [\"<Hyper-x>\"]}}";
    cr_assert_eq(config_parse(bad, strlen(bad), "c", &cfg, &err), ST_OK);
    cr_expect_eq(km_apply_config(&m, cfg->keys, cfg->n_keys, &err), ST_INVALID);
    cr_expect_str_eq(err.msg,
                     "keys.raise[0]: unknown key name '<Hyper-x>' (one character, or Enter Esc Tab Space Up Down "
                     "Left Right PgUp PgDn Home End Backspace Delete Insert C-x F1..F24, each also as <Name>)");
    config_free(cfg);
}
