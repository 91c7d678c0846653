/* Hostile text in the console (issue 6): the real binary in a pseudo-terminal (forkpty, 80x24,
 * TERM=xterm-256color, UTF-8), on a database whose titles, customers, reasons and assignees carry
 * OSC 0/8/52, CSI queries, C1 controls, bidi overrides and zero-width characters, driven by --keys
 * through the list, the detail view, the audit log, the dashboard and help. The raw bytes sent to
 * the terminal must be valid UTF-8 with no C1, bidi or zero-width code point anywhere, no OSC,
 * title/hyperlink/clipboard OSC, no DCS, APC or PM introducer, none of the hostile sequences (the console's own
 * cursor and colour sequences are of course allowed). */
#include <criterion/criterion.h>

#include "../tools/reliability/relutil.h"

static const char *const HOSTILE[] = {
    "\x1b]0;pwned\x07 osc0",
    "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\",
    "\x1b]52;c;Y3VybA==\x07clip",
    "\x1b[6n dsr",
    "\x1b[21t wrep",
    "\xc2\x9b" "31m c1",
    "raw \x9b" "2J c1raw",
    "inv \xe2\x80\xae" "gpj.exe",
    "pay\xe2\x80\x8bpal",
    "\xef\xbb\xbf" "bom \xe2\x81\xa6" "iso",
    "bad \xff\xfe utf8",
    "good\b\b\b\bevil",
    "\x1bP+q544e\x1b\\ dcs",
};
#define N_HOSTILE (sizeof HOSTILE / sizeof HOSTILE[0])

/* Sequences that must never appear in the terminal stream, whatever the console does. (ncurses
 * itself sends OSC 104, "reset colours", for xterm-256color: OSC is matched by number.) */
static const char *const FORBIDDEN[] = {
    "\x1b]0;", "\x1b]2;", "\x1b]8;", "\x1b]52;", "\x1bP", "\x1b_", "\x1b^", "\x1b[6n", "\x1b[21t",
    "pwned\x07", "Y3VybA==\x07",
};

Test(reliability_console, hostile_text_never_reaches_the_terminal_raw, .timeout = 120)
{
    char *dir = NULL, why[600];
    char *db = rel_init_db("console", &dir, why, sizeof why);
    cr_assert(db != NULL, "%s", why);
    rel_result r;
    rel_result_init(&r);
    for (size_t i = 0; i < N_HOSTILE; i++) {
        cr_assert_eq(REL_RUN(&r, "--db", db, "add", "--title", HOSTILE[i], "--customer", HOSTILE[i], "--level", "S2"),
                     0, "add: %s", r.err.buf);
        char id[16];
        snprintf(id, sizeof id, "%zu", i + 1);
        cr_assert_eq(REL_RUN(&r, "--db", db, "raise", id, "--reason", HOSTILE[i]), 0, "raise: %s", r.err.buf);
        cr_assert_eq(REL_RUN(&r, "--db", db, "assign", id, "--to", HOSTILE[N_HOSTILE - 1 - i]), 0, "assign: %s",
                     r.err.buf);
    }
    rel_result_done(&r);

    /* List, a few tickets' detail, the audit log of one and of all, the dashboard, help, quit. */
    const char *keys = "<idle><Enter><idle><Esc>j<Enter><idle><Esc>jj<Enter><idle><Esc>a<idle><Esc>"
                       "G<Enter><idle><Esc>d<idle>d?<idle><Esc>q";
    char *keys_path = xasprintf("%s/keys", dir);
    cr_assert(rel_write_file(keys_path, keys, strlen(keys)));

    strbuf out;
    sb_init(&out);
    int status = -1;
    rel_run_pty((const char *const[]){"--db", db, "--max-frames", "40", "--keys", keys_path, NULL}, &out, &status);
    cr_assert_eq(status, 0, "console exit %d; last bytes: %.300s", status,
                 out.len > 300 ? out.buf + out.len - 300 : (out.buf ? out.buf : ""));
    cr_assert(out.len > 500, "the console wrote only %zu bytes", out.len);

    /* The hostile titles were on screen (as placeholders), so the scan below saw them. */
    bool shown = false;
    for (size_t at = 0; at + 5 <= out.len && !shown; at++)
        shown = memcmp(out.buf + at, "pwned", 5) == 0;
    cr_assert(shown, "the hostile titles never reached the screen: the scan would be void");
    for (size_t i = 0; i < sizeof FORBIDDEN / sizeof FORBIDDEN[0]; i++) {
        const char *hit = NULL;
        for (size_t at = 0; at + strlen(FORBIDDEN[i]) <= out.len && hit == NULL; at++)
            if (memcmp(out.buf + at, FORBIDDEN[i], strlen(FORBIDDEN[i])) == 0)
                hit = out.buf + at;
        cr_assert(hit == NULL, "forbidden sequence #%zu reached the terminal at byte %ld", i, (long)(hit - out.buf));
    }
    /* Valid UTF-8 throughout; the console's own controls are C0 (ESC, CR, LF, BS, BEL, SI/SO) and
     * ASCII, so any C1, bidi or invisible code point came from the data. */
    const unsigned char *s = (const unsigned char *)out.buf;
    size_t i = 0, n_esc = 0;
    while (i < out.len) {
        int32_t cp;
        size_t k = rel_utf8_next(s + i, out.len - i, &cp);
        cr_assert(cp >= 0, "invalid UTF-8 byte 0x%02x at %zu reached the terminal", s[i], i);
        if (cp >= 0x80)
            cr_assert(!rel_cp_unsafe(cp), "U+%04X at byte %zu reached the terminal", (unsigned)cp, i);
        if (cp == 0x1b)
            n_esc++;
        i += k;
    }
    fprintf(stderr, "reliability_console: %zu bytes from the console in a pty, %zu escape sequences, none hostile\n",
            out.len, n_esc);
    sb_done(&out);
    free(keys_path);
    rel_rmtree(dir);
    free(dir);
    free(db);
}
