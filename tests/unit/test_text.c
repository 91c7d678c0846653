/* text: the sanitiser against a hostile corpus, display widths, truncation, JSON escaping. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/text.h"

/* Strings an attacker could put in a ticket title, customer name or reason. */
static const char *const hostile[] = {
    "\x1b]0;owned title\x07",                       /* OSC 0: set window title */
    "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\", /* OSC 8 hyperlink */
    "\x1b]52;c;cm0gLXJmIH4=\x07",                   /* OSC 52: write the clipboard */
    "\x1b[2J\x1b[H",                                /* CSI clear screen, cursor home */
    "a\x1b[10;20Hb\x1b[3A",                         /* cursor moves */
    "\x1b[6n",                                      /* DSR: terminal answers on stdin */
    "\x1b[21t",                                     /* window title report */
    "x\xc2\x9b" "31mred",                           /* C1 CSI, valid UTF-8 */
    "x\x9b" "31mred",                               /* 8-bit CSI byte: invalid UTF-8 */
    "secret\b\b\b\b\b\bpublic",                    /* backspace overprint */
    "fake\rreal",                                   /* carriage return overprint */
    "line1\nline2\ttab\x7f",                        /* LF, TAB, DEL */
    "abc\xe2\x80\xae" "fdp.exe",                    /* U+202E right-to-left override */
    "zero\xe2\x80\x8bwidth\xef\xbb\xbf",            /* U+200B, U+FEFF */
    "\xe2\x81\xa6isolate\xe2\x81\xa9",              /* U+2066 .. U+2069 */
    "\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f",             /* U+061C, LRM, RLM */
    "soft\xc2\xadhyphen\xe1\xa0\x8e",               /* U+00AD, U+180E */
    "sep\xe2\x80\xa8para\xe2\x80\xa9",              /* U+2028, U+2029 */
    "bad\xff\xfe utf8 \x80\xbf",                    /* stray bytes */
    "overlong \xc0\xaf \xe0\x80\xaf \xf0\x80\x80\xaf", /* overlong '/' */
    "surrogate \xed\xa0\x80 \xed\xbf\xbf",          /* U+D800, U+DFFF */
    "toolarge \xf4\x90\x80\x80 \xf5\x80\x80\x80",   /* > U+10FFFF */
    "truncated \xe2\x82",                           /* cut sequence at the end */
    "truncated mid \xe2\x82 x \xf0\x9f\x98",        /* cut sequences in the middle */
    "tag\xf3\xa0\x80\x81\xf3\xa0\x81\x81",          /* tag characters (invisible) */
    "nul\x01\x02\x1f",
};
#define N_HOSTILE (sizeof hostile / sizeof hostile[0])

static bool valid_utf8(const char *s)
{
    return utf8_valid(s, strlen(s));
}

static void assert_terminal_safe(const char *out, const char *in)
{
    cr_assert(valid_utf8(out), "not valid UTF-8 for input %zu bytes", strlen(in));
    for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
        cr_assert(*p >= 0x20 && *p != 0x7f, "raw control byte 0x%02x in output", *p);
        cr_assert(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f), "C1 character in output");
    }
    size_t n = strlen(out), i = 0;
    while (i < n) {
        int32_t cp;
        i += utf8_decode(out + i, n - i, &cp);
        cr_assert(!text_is_unsafe(cp), "unsafe code point U+%04X in output", (unsigned)cp);
        cr_assert(!(cp >= 0x200B && cp <= 0x200F) && !(cp >= 0x202A && cp <= 0x202E)
                      && !(cp >= 0x2066 && cp <= 0x2069) && cp != 0xFEFF && cp != 0x061C,
                  "bidi or zero-width U+%04X in output", (unsigned)cp);
    }
}

Test(text, hostile_corpus_is_terminal_safe)
{
    for (size_t i = 0; i < N_HOSTILE; i++) {
        char *out = text_sanitize(hostile[i], false);
        assert_terminal_safe(out, hostile[i]);
        free(out);
    }
}

Test(text, hostile_corpus_ascii_mode_is_printable_ascii)
{
    for (size_t i = 0; i < N_HOSTILE; i++) {
        char *out = text_sanitize(hostile[i], true);
        for (const unsigned char *p = (const unsigned char *)out; *p; p++)
            cr_assert(*p >= 0x20 && *p < 0x7f, "corpus %zu: byte 0x%02x", i, *p);
        free(out);
    }
}

Test(text, placeholders_are_visible_and_exact)
{
    char *out = text_sanitize("a\x1b[2Jb", false);
    cr_assert_str_eq(out, "a\xe2\x90\x9b[2Jb"); /* ESC -> U+241B */
    free(out);
    out = text_sanitize("x\ny\tz\x7f", false);
    cr_assert_str_eq(out, "x\xe2\x90\x8ay\xe2\x90\x89z\xe2\x90\xa1"); /* U+240A U+2409 U+2421 */
    free(out);
    out = text_sanitize("\xc2\x9b" "1m", false);
    cr_assert_str_eq(out, "\xef\xbf\xbd" "1m");
    free(out);
    out = text_sanitize("\x9b" "1m", false);
    cr_assert_str_eq(out, "\xef\xbf\xbd" "1m");
    free(out);
    out = text_sanitize("abc\xe2\x80\xae" "fdp", false);
    cr_assert_str_eq(out, "abc\xef\xbf\xbd" "fdp");
    free(out);
    out = text_sanitize("\xc0\xaf", false); /* overlong: one placeholder per byte */
    cr_assert_str_eq(out, "\xef\xbf\xbd\xef\xbf\xbd");
    free(out);
    out = text_sanitize("\xed\xa0\x80", false);
    cr_assert_str_eq(out, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    free(out);
}

Test(text, safe_text_passes_unchanged)
{
    const char *ok = "Caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 e\xcc\x81 \xd0\x9f\xd1\x80\xd0\xb8";
    char *out = text_sanitize(ok, false);
    cr_assert_str_eq(out, ok);
    free(out);
    out = text_sanitize(ok, true);
    cr_assert_str_eq(out, "Caf? ?? ? e? ???");
    free(out);
    out = text_sanitize(NULL, false);
    cr_assert_str_eq(out, "");
    free(out);
}

Test(text, sanitize_into_appends)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "> ");
    text_sanitize_into(&sb, "a\rb", true);
    cr_assert_str_eq(sb.buf, "> a?b");
    sb_done(&sb);
}

Test(text, utf8_decode_cases)
{
    int32_t cp;
    cr_assert_eq(utf8_decode("A", 1, &cp), 1);
    cr_assert_eq(cp, 'A');
    cr_assert_eq(utf8_decode("\xe2\x82\xac", 3, &cp), 3);
    cr_assert_eq(cp, 0x20AC);
    cr_assert_eq(utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
    cr_assert_eq(cp, 0x1F600);
    cr_assert_eq(utf8_decode("\xf4\x8f\xbf\xbf", 4, &cp), 4);
    cr_assert_eq(cp, 0x10FFFF);
    cr_assert_eq(utf8_decode("\xc0\xaf", 2, &cp), 1);
    cr_assert_eq(cp, -1);
    cr_assert_eq(utf8_decode("\xe0\x80\xaf", 3, &cp), 1);
    cr_assert_eq(cp, -1);
    cr_assert_eq(utf8_decode("\xed\xa0\x80", 3, &cp), 1);
    cr_assert_eq(cp, -1);
    cr_assert_eq(utf8_decode("\xf4\x90\x80\x80", 4, &cp), 1);
    cr_assert_eq(cp, -1);
    cr_assert_eq(utf8_decode("\xe2\x82\xac", 2, &cp), 1); /* truncated by n */
    cr_assert_eq(cp, -1);
    cr_assert_eq(utf8_decode("\x80", 1, &cp), 1);
    cr_assert_eq(cp, -1);
    cr_assert_eq(utf8_decode("", 0, &cp), 0);
}

Test(text, utf8_valid_cases)
{
    cr_assert(utf8_valid("", 0));
    cr_assert(utf8_valid("abc \xc3\xa9 \xf0\x9f\x98\x80", 11));
    cr_assert(!utf8_valid("\xc0\xaf", 2));
    cr_assert(!utf8_valid("\xed\xa0\x80", 3));
    cr_assert(!utf8_valid("ok\xe2\x82", 4));
    cr_assert(!utf8_valid("\x9b", 1));
}

Test(text, utf8_encode_roundtrip)
{
    const int32_t cps[] = {0x41, 0xE9, 0x20AC, 0xFFFD, 0x1F600, 0x10FFFF};
    strbuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        sb_reset(&sb);
        utf8_encode(&sb, cps[i]);
        int32_t cp;
        cr_assert_eq(utf8_decode(sb.buf, sb.len, &cp), sb.len);
        cr_assert_eq(cp, cps[i]);
    }
    sb_reset(&sb);
    utf8_encode(&sb, 0xD800); /* a surrogate cannot be encoded: replacement */
    cr_assert_str_eq(sb.buf, "\xef\xbf\xbd");
    sb_done(&sb);
}

Test(text, unsafe_classification)
{
    const int32_t unsafe[] = {0x00, 0x1B, 0x0A, 0x09, 0x7F, 0x80, 0x9B, 0x9F, 0xAD, 0x061C, 0x180E,
                              0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202E, 0x2028,
                              0x2029, 0x2060, 0x2064, 0x2066, 0x2069, 0xFEFF, -1};
    for (size_t i = 0; i < sizeof unsafe / sizeof unsafe[0]; i++)
        cr_assert(text_is_unsafe(unsafe[i]), "U+%04X should be unsafe", (unsigned)unsafe[i]);
    const int32_t safe[] = {0x20, 'a', 0x7E, 0xA0, 0xE9, 0x0301, 0x4E2D, 0x1F600, 0x2026, 0xFFFD};
    for (size_t i = 0; i < sizeof safe / sizeof safe[0]; i++)
        cr_assert(!text_is_unsafe(safe[i]), "U+%04X should be safe", (unsigned)safe[i]);
}

Test(text, widths)
{
    cr_assert_eq(text_cp_width('a'), 1);
    cr_assert_eq(text_cp_width(0xE9), 1);
    cr_assert_eq(text_cp_width(0x4E2D), 2);  /* CJK */
    cr_assert_eq(text_cp_width(0xAC00), 2);  /* Hangul syllable */
    cr_assert_eq(text_cp_width(0x3042), 2);  /* Hiragana */
    cr_assert_eq(text_cp_width(0xFF21), 2);  /* fullwidth A */
    cr_assert_eq(text_cp_width(0x1F600), 2); /* emoji */
    cr_assert_eq(text_cp_width(0x20000), 2); /* CJK extension B */
    cr_assert_eq(text_cp_width(0x0301), 0);  /* combining acute */
    cr_assert_eq(text_cp_width(0x20DD), 0);  /* enclosing circle */
    cr_assert_eq(text_cp_width(0xFE0F), 0);  /* variation selector */
    cr_assert_eq(text_cp_width(0x200B), 0);
    cr_assert_eq(text_cp_width(0xFFFD), 1);
    cr_assert_eq(text_cp_width(0x2026), 1);  /* ellipsis */
    cr_assert_eq(text_cp_width(0x0410), 1);  /* Cyrillic */
    cr_assert_eq(text_width("abc"), 3);
    cr_assert_eq(text_width("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"), 6);
    cr_assert_eq(text_width("e\xcc\x81"), 1);
    cr_assert_eq(text_width("\xf0\x9f\x98\x80!"), 3);
    cr_assert_eq(text_width(""), 0);
    cr_assert_eq(text_width(NULL), 0);
}

Test(text, widths_do_not_depend_on_locale)
{
    /* The test runs under LC_ALL=C.UTF-8, but nothing here calls setlocale: the C locale. */
    cr_assert_eq(text_width("\xe4\xb8\xad\xe6\x96\x87"), 4);
}

Test(text, fit_short_and_padding)
{
    char *s = text_fit("abc", 5, "~", true);
    cr_assert_str_eq(s, "abc  ");
    free(s);
    s = text_fit("abc", 5, "~", false);
    cr_assert_str_eq(s, "abc");
    free(s);
    s = text_fit("abcde", 5, "~", true);
    cr_assert_str_eq(s, "abcde");
    free(s);
    s = text_fit("", 3, NULL, true);
    cr_assert_str_eq(s, "   ");
    free(s);
}

Test(text, fit_truncates_with_ellipsis)
{
    char *s = text_fit("abcdef", 5, "~", true);
    cr_assert_str_eq(s, "abcd~");
    free(s);
    s = text_fit("abcdef", 5, "\xe2\x80\xa6", false);
    cr_assert_str_eq(s, "abcd\xe2\x80\xa6");
    free(s);
    s = text_fit("abcdef", 3, NULL, false);
    cr_assert_str_eq(s, "abc");
    free(s);
    s = text_fit("abcdef", 0, "~", true);
    cr_assert_str_eq(s, "");
    free(s);
    s = text_fit("abcdef", -4, "~", true);
    cr_assert_str_eq(s, "");
    free(s);
    s = text_fit("abcdef", 1, "~~", true); /* marker wider than the room: plain cut */
    cr_assert_str_eq(s, "a");
    free(s);
}

Test(text, fit_never_splits_wide_chars_or_sequences)
{
    /* 日本語 is 6 columns; 4 columns with "~" leaves 3: only 日 fits, then pad to 4. */
    char *s = text_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, "~", true);
    cr_assert_str_eq(s, "\xe6\x97\xa5~ ");
    cr_assert_eq(text_width(s), 4);
    free(s);
    s = text_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5, NULL, false);
    cr_assert_str_eq(s, "\xe6\x97\xa5\xe6\x9c\xac");
    free(s);
    s = text_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5, NULL, true);
    cr_assert_str_eq(s, "\xe6\x97\xa5\xe6\x9c\xac ");
    free(s);
    /* Combining marks stay with their base character. */
    s = text_fit("e\xcc\x81" "e\xcc\x81" "e\xcc\x81", 2, NULL, false);
    cr_assert_str_eq(s, "e\xcc\x81" "e\xcc\x81");
    free(s);
    s = text_fit("\xc3\xa9\xc3\xa9\xc3\xa9", 2, NULL, false);
    cr_assert_str_eq(s, "\xc3\xa9\xc3\xa9");
    cr_assert(valid_utf8(s));
    free(s);
}

static void assert_json(const char *in, const char *expected)
{
    strbuf sb;
    sb_init(&sb);
    json_append_string(&sb, in);
    cr_assert_str_eq(sb.buf, expected);
    sb_done(&sb);
}

Test(text, json_escaping_exact)
{
    assert_json(NULL, "null");
    assert_json("", "\"\"");
    assert_json("plain / text", "\"plain / text\"");
    assert_json("q\"b\\", "\"q\\\"b\\\\\"");
    assert_json("a\nb\tc\rd\be\ff", "\"a\\nb\\tc\\rd\\be\\ff\"");
    assert_json("\x1b[2J", "\"\\u001b[2J\"");
    assert_json("\x01\x1f", "\"\\u0001\\u001f\"");
    assert_json("del\x7f", "\"del\\u007f\"");
    assert_json("\xc2\x9b" "1m", "\"\\u009b1m\"");
    assert_json("\xc2\x85", "\"\\u0085\"");
    assert_json("abc\xe2\x80\xae" "fdp", "\"abc\\u202efdp\"");
    assert_json("z\xe2\x80\x8bw\xef\xbb\xbf", "\"z\\u200bw\\ufeff\"");
    assert_json("\xe2\x81\xa6x\xe2\x81\xa9", "\"\\u2066x\\u2069\"");
    assert_json("\xd8\x9c\xc2\xad\xe1\xa0\x8e", "\"\\u061c\\u00ad\\u180e\"");
    assert_json("\xe2\x80\xa8", "\"\\u2028\"");
    assert_json("tag\xf3\xa0\x80\x81", "\"tag\\udb40\\udc01\"");
    assert_json("bad\x9b" "x", "\"bad\xef\xbf\xbdx\"");
    assert_json("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"");
    assert_json("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    assert_json("\xe2\x82", "\"\xef\xbf\xbd\xef\xbf\xbd\"");
    assert_json("Caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80", "\"Caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80\"");
}

Test(text, json_hostile_corpus_is_clean)
{
    for (size_t i = 0; i < N_HOSTILE; i++) {
        strbuf sb;
        sb_init(&sb);
        json_append_string(&sb, hostile[i]);
        assert_terminal_safe(sb.buf, hostile[i]);
        sb_done(&sb);
    }
}

/* Property: whatever bytes come in, the sanitiser's output is terminal-safe, text_fit keeps to
 * its width, and the JSON form is safe. A fixed-seed generator biased to the dangerous bytes. */
static uint32_t rng_state = 12345u;
static uint32_t rng(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) & 0xFFFFFFu;
}

Test(text, random_bytes_property)
{
    static const unsigned char pool[] = {0x1b, '[', ']', 0x07, 0x9b, 0xc2, 0xe2, 0x80, 0xae, 0x8b, 0xed,
                                         0xa0, 0xf0, 0x9f, 0x98, 0xe6, 0x97, 0xa5, 0xcc, 0x81, 0x7f,
                                         '\n', '\r', '\b', 'a', ' ', 0xff, 0xc0, 0xf4, 0x90};
    char buf[64];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = rng() % (sizeof buf - 1);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)(rng() % 4 == 0 ? (unsigned char)(rng() % 256) : pool[rng() % sizeof pool]);
        buf[n] = '\0';
        char *s = text_sanitize(buf, false);
        assert_terminal_safe(s, buf);
        int cols = (int)(rng() % 20);
        char *f = text_fit(s, cols, "\xe2\x80\xa6", true);
        cr_assert(valid_utf8(f));
        cr_assert_eq(text_width(f), cols, "fit to %d gave width %d", cols, text_width(f));
        free(f);
        free(s);
        strbuf sb;
        sb_init(&sb);
        json_append_string(&sb, buf);
        assert_terminal_safe(sb.buf, buf);
        sb_done(&sb);
    }
}
