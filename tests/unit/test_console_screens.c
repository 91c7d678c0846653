/* Screen tests of the console, in process: curses on /dev/null at a fixed size, keys from a
 * script, a frozen clock, the screen read back and compared with tests/snapshots/NAME.txt.
 * SLATOP_UPDATE_SNAPSHOTS=1 rewrites the snapshot files on purpose. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/config.h"
#include "slatop/console.h"
#include "slatop/demo.h"
#include "slatop/ops.h"
#include "slatop/store.h"
#include "slatop/text.h"
#include "support_cli.h"

#define NOW "2026-11-21T10:00:00Z" /* a Saturday: Chatti's London business hours are closed */

static char db_path[512];
static st_time now_t;

static st_time at(const char *iso)
{
    st_time t;
    cr_assert(time_parse_iso(iso, &t), "%s", iso);
    return t;
}

/* A database with every timer state and one hostile ticket. */
static void make_db(void)
{
    support_sandbox();
    snprintf(db_path, sizeof db_path, "%s", support_path("console.db"));
    now_t = at(NOW);
    st_clock clk;
    clock_freeze(&clk, at("2026-11-20T06:00:00Z"));
    st_err err;
    st_err_clear(&err);
    cr_assert_eq(ops_init_db(db_path, support_source("share/policies/chatti.json"), &clk, &err), ST_OK, "%s",
                 err.msg);
    st_store *s;
    st_ops *o;
    cr_assert_eq(store_open(db_path, STORE_OPEN_RW, &s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ops_new(s, &clk, &o, &err), ST_OK, "%s", err.msg);
    struct {
        const char *title, *level, *customer, *created;
    } tk[] = {
        {"Platform unavailable: API returns 503", "URGENT", "Northwind",
         "2026-11-21T09:00:00Z"},                                                        /* breached */
        {"Reach lost to Brazil", "HIGH", "Stark Logistics", "2026-11-21T08:30:00Z"},     /* warn */
        {"Account suspended: no API call", "URGENT", "Soylent", "2026-11-21T09:50:00Z"}, /* ok */
        {"Sender ID changed for France", "NORMAL", "Initech", "2026-11-20T16:00:00Z"},   /* paused */
        {"Evil \x1b]0;pwned\x07 title \x1b[2J\xe2\x80\xae reversed \xc2\x9b"
         "6n",
         "LOW", "Bad\x1b[31mCust\xff", "2026-11-21T08:00:00Z"},                  /* paused */
        {"Delivery receipts delayed", "HIGH", "Globex", "2026-11-21T07:00:00Z"}, /* met */
    };
    for (size_t i = 0; i < sizeof tk / sizeof tk[0]; i++) {
        ops_new_ticket in = {.title = tk[i].title,
                             .level = tk[i].level,
                             .customer = tk[i].customer,
                             .created = at(tk[i].created)};
        int64_t id;
        clk.frozen_at = at(tk[i].created);
        cr_assert_eq(ops_add(o, &in, &id, &err), ST_OK, "%s", err.msg);
        cr_assert_eq(id, (int64_t)i + 1);
    }
    clk.frozen_at = at("2026-11-21T07:30:00Z");
    cr_assert_eq(ops_respond(o, 6, -1, &err), ST_OK, "%s", err.msg);
    clk.frozen_at = at("2026-11-21T08:45:00Z");
    cr_assert_eq(ops_assign(o, 2, "priya", -1, &err), ST_OK, "%s", err.msg);
    ops_free(o);
    store_close(s);
}

/* The OS user appears in the audit columns: written as USER so snapshots do not depend on it. */
static char *normalise(const char *text)
{
    const char *u = os_user();
    char padded[64], repl[64];
    snprintf(padded, sizeof padded, "%-10s", u);
    snprintf(repl, sizeof repl, "%-10s", "USER");
    strbuf sb;
    sb_init(&sb);
    for (const char *p = text; *p;) {
        if (strncmp(p, padded, strlen(padded)) == 0) {
            sb_append(&sb, repl);
            p += strlen(padded);
        } else if (strncmp(p, u, strlen(u)) == 0) {
            sb_append(&sb, "USER");
            p += strlen(u);
        } else {
            sb_append_c(&sb, *p++);
        }
    }
    return sb_steal(&sb);
}

static void check_snapshot(const char *name, const char *raw)
{
    char *text = normalise(raw);
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/snapshots/%s.txt", SLATOP_SOURCE_DIR, name);
    const char *upd = getenv("SLATOP_UPDATE_SNAPSHOTS");
    if (upd && strcmp(upd, "1") == 0) {
        FILE *f = fopen(path, "w");
        cr_assert(f, "cannot write %s", path);
        fputs(text, f);
        fclose(f);
    } else {
        char *want = NULL;
        size_t len;
        st_err err;
        cr_assert_eq(read_file_all(path, 1 << 20, &want, &len, &err), ST_OK,
                     "%s (run with SLATOP_UPDATE_SNAPSHOTS=1 to create it)", err.msg);
        cr_expect_str_eq(text, want, "snapshot %s differs:\n--- got ---\n%s--- want ---\n%s", name, text,
                         want);
        free(want);
    }
    free(text);
}

typedef struct {
    app_snapshot *s;
    size_t n;
    int status;
} run_result;

/* Runs the console on the test database; status and err returned for the caller to check. */
static run_result run_opts(const st_config *cfg, const char *script, int cols, int rows, bool ro, bool ascii,
                           st_err *err)
{
    app_script_opts o = {.db_path = db_path,
                         .config = cfg,
                         .read_only = ro,
                         .ascii = ascii,
                         .cols = cols,
                         .rows = rows,
                         .script = script,
                         .max_frames = -1};
    clock_freeze(&o.clock, now_t);
    st_err_clear(err);
    run_result r;
    r.status = app_run_scripted(&o, &r.s, &r.n, err);
    return r;
}

static run_result run(const char *script, int cols, int rows, bool ro, bool ascii)
{
    st_err err;
    run_result r = run_opts(NULL, script, cols, rows, ro, ascii, &err);
    cr_assert_eq(r.status, 0, "console exited %d: %s", r.status, err.msg);
    return r;
}

/* The ticket as stored now (caller: ticket_done). */
static void stored_ticket(int64_t id, st_ticket *t)
{
    st_store *s;
    st_err err;
    cr_assert_eq(store_open(db_path, STORE_OPEN_RO, &s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_ticket_get(s, id, t, &err), ST_OK, "%s", err.msg);
    store_close(s);
}

static const char *snap_of(const run_result *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->s[i].name, name) == 0)
            return r->s[i].text;
    cr_assert_fail("no snapshot %s", name);
    return NULL;
}

static void snap_all(run_result *r, const char *prefix)
{
    for (size_t i = 0; i < r->n; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s%s", prefix, r->s[i].name);
        check_snapshot(name, r->s[i].text);
    }
    app_snapshots_free(r->s, r->n);
}

TestSuite(console_screens, .init = make_db);

Test(console_screens, list_80x24_and_120x40)
{
    run_result r = run("<snap list_80x24>", 80, 24, false, false);
    const char *s = snap_of(&r, "list_80x24");
    cr_expect(strstr(s, "-30:00") != NULL, "breached countdown shown overdue:\n%s", s);
    cr_expect(strstr(s, "6h30m") != NULL && strstr(s, "24h00m") != NULL, "hours as XhYYm:\n%s", s);
    cr_expect(strstr(s, "resumes Mon 09:00") != NULL, "paused says when it resumes:\n%s", s);
    cr_expect(strstr(s, "\x1b") == NULL && strstr(s, "\xc2\x9b") == NULL, "no raw escapes");
    snap_all(&r, "");
    r = run("<snap list_120x40>", 120, 40, false, false);
    snap_all(&r, "");
}

Test(console_screens, countdown_ticks_with_the_clock)
{
    /* The countdowns in their last hour carry the seconds; the status clock shows minutes (fewer
     * bytes a tick). */
    run_result r = run("<snap a><sleep 5><snap b><sleep 60><snap c>", 80, 24, false, false);
    cr_expect(strstr(snap_of(&r, "a"), " 20:00 ") != NULL);
    cr_expect(strstr(snap_of(&r, "b"), " 19:55 ") != NULL, "%s", snap_of(&r, "b"));
    cr_expect(strstr(snap_of(&r, "b"), "2026-11-21 10:00 UTC") != NULL, "clock: %s", snap_of(&r, "b"));
    cr_expect(strstr(snap_of(&r, "c"), " 18:55 ") != NULL, "%s", snap_of(&r, "c"));
    cr_expect(strstr(snap_of(&r, "c"), "2026-11-21 10:01 UTC") != NULL, "clock ticks: %s", snap_of(&r, "c"));
    app_snapshots_free(r.s, r.n);
}

Test(console_screens, detail_audit_help)
{
    run_result r = run("j<Enter><snap detail>q"
                       "a<snap audit><Enter><snap audit_one>q"
                       "?<snap help>q",
                       120, 40, false, false);
    cr_expect(strstr(snap_of(&r, "detail"), "Explain") != NULL);
    cr_expect(strstr(snap_of(&r, "audit"), "chain verifies") != NULL);
    snap_all(&r, "");
}

Test(console_screens, raise_prompt_preview_and_confirm)
{
    /* urgency order (SPEC §8, next clocks): #1 (FR due 09:30), #3 (FR 10:20), #2 (FR 10:30), #6
     * (RES 2026-11-22 07:00), #4 (FR, paused, Mon): raise #4 */
    run_result r = run("jjjj+<snap raise_prompt><Enter><snap raise_required>customer waiting<Enter>"
                       "<snap raise_confirm>y<snap raise_done>a<snap raise_audit>",
                       80, 24, false, false);
    cr_expect(strstr(snap_of(&r, "raise_prompt"), "NORMAL") != NULL);
    cr_expect(strstr(snap_of(&r, "raise_required"), "reason is required") != NULL);
    cr_expect(strstr(snap_of(&r, "raise_audit"), "NORMAL->HIGH") != NULL);
    snap_all(&r, "");

    /* the change is in the store, by the OS user */
    st_store *s;
    st_err err;
    cr_assert_eq(store_open(db_path, STORE_OPEN_RO, &s, &err), ST_OK, "%s", err.msg);
    st_audit_entry *e;
    size_t n;
    cr_assert_eq(store_audit_list(s, 0, &e, &n, &err), ST_OK);
    cr_assert(n > 0);
    const st_audit_entry *last = &e[n - 1];
    cr_expect_eq(last->kind, AU_REPRIORITIZED);
    cr_expect_str_eq(last->actor, os_user());
    cr_expect_str_eq(last->reason, "customer waiting");
    cr_expect_eq(last->ticket_id, 4);
    for (size_t i = 0; i < n; i++)
        audit_entry_done(&e[i]);
    free(e);
    store_close(s);
}

Test(console_screens, escape_cancels_a_raise)
{
    run_result r = run("+abc<Esc><snap cancelled>", 80, 24, false, false);
    cr_expect(strstr(snap_of(&r, "cancelled"), "Reason") == NULL);
    app_snapshots_free(r.s, r.n);
    st_ticket t;
    stored_ticket(1, &t);
    cr_expect_str_eq(t.level, "URGENT");
    cr_expect_eq(t.version, 1);
    ticket_done(&t);
}

Test(console_screens, triage_proposes_and_applies)
{
    /* ticket #4 (NORMAL): tick HIGH's three criteria -> HIGH, applied through the prompt */
    run_result r = run("jjjjt<Down><Down><Down><Down><snap triage_cursor>"
                       "<Space><Down><Space><Down><Space><snap triage_ticked><Enter><snap triage_prompt>"
                       "<Enter>y<snap triage_done>",
                       120, 40, false, false);
    cr_expect(strstr(snap_of(&r, "triage_ticked"), "Proposed level: HIGH") != NULL, "%s",
              snap_of(&r, "triage_ticked"));
    cr_expect(strstr(snap_of(&r, "triage_prompt"), "triage: In production") != NULL);
    snap_all(&r, "");
    st_ticket t;
    stored_ticket(4, &t);
    cr_expect_str_eq(t.level, "HIGH");
    ticket_done(&t);
}

Test(console_screens, read_only_badge_and_refusal)
{
    run_result r = run("+<snap read_only>", 80, 24, true, false);
    const char *s = snap_of(&r, "read_only");
    cr_expect(strstr(s, " RO ") != NULL);
    cr_expect(strstr(s, "read-only") != NULL);
    snap_all(&r, "");
}

Test(console_screens, too_small_and_back)
{
    run_result r = run("<resize 39x20><snap too_small>j<resize 80x24><snap recovered>", 80, 24, false, false);
    cr_expect(strstr(snap_of(&r, "too_small"), "terminal too small") != NULL);
    cr_expect(strstr(snap_of(&r, "recovered"), "COUNTDOWN") != NULL);
    snap_all(&r, "");
    /* starting small, even 1x1, then growing */
    r = run("<snap small_start><resize 1x1><resize 2x40><resize 120x40><snap grown>", 39, 9, false, false);
    cr_expect(strstr(snap_of(&r, "small_start"), "too small") != NULL, "%s", snap_of(&r, "small_start"));
    cr_expect(strstr(snap_of(&r, "grown"), "COUNTDOWN") != NULL, "%s", snap_of(&r, "grown"));
    app_snapshots_free(r.s, r.n);
}

Test(console_screens, ascii_locale_has_only_ascii)
{
    run_result r = run("<snap list_ascii>a<snap audit_ascii>", 80, 24, false, true);
    for (size_t i = 0; i < r.n; i++)
        for (const unsigned char *p = (const unsigned char *)r.s[i].text; *p; p++)
            cr_expect(*p < 0x80 && (*p >= 0x20 || *p == '\n'), "%s: byte 0x%02x", r.s[i].name, *p);
    snap_all(&r, "");
}

Test(console_screens, filter_sort_and_commands)
{
    run_result r =
        run("/stark<Enter><snap filter_text><Esc>fpaused<Enter><snap filter_state><Esc>"
            "s<snap sort_level>:ticket 5<Enter><snap jump>:bogus<Enter><snap bad_command>:q<Enter>",
            80, 24, false, false);
    cr_expect(strstr(snap_of(&r, "filter_text"), "Stark") != NULL);
    cr_expect(strstr(snap_of(&r, "filter_text"), "Northwind") == NULL);
    cr_expect(strstr(snap_of(&r, "filter_state"), "Initech") != NULL);
    cr_expect(strstr(snap_of(&r, "filter_state"), "Northwind") == NULL);
    cr_expect(strstr(snap_of(&r, "bad_command"), "unknown command") != NULL);
    snap_all(&r, "");
    /* an empty level/state filter keeps the text filter */
    r = run("/stark<Enter>fwarn<Enter><snap both>f<Enter><snap text_only>", 80, 24, false, false);
    cr_expect(strstr(snap_of(&r, "both"), "filter: warn /stark") != NULL, "%s", snap_of(&r, "both"));
    cr_expect(strstr(snap_of(&r, "text_only"), "filter: /stark") != NULL, "%s", snap_of(&r, "text_only"));
    cr_expect(strstr(snap_of(&r, "text_only"), "Northwind") == NULL);
    app_snapshots_free(r.s, r.n);
}

Test(console_screens, dashboard_slot_is_honest)
{
    run_result r = run("d<snap dash_on>d<snap dash_off>", 80, 24, false, false);
    cr_expect(strstr(snap_of(&r, "dash_on"), "no monitoring source") != NULL);
    cr_expect(strstr(snap_of(&r, "dash_off"), "no monitoring source") == NULL);
    snap_all(&r, "");
}

Test(console_screens, remapped_keys_show_in_help)
{
    st_config *cfg;
    st_err err;
    const char *json = "{\"keys\": {\"raise\": [\"K\", \"+\"], \"quit\": [\"Q\"]}}";
    cr_assert_eq(config_parse(json, strlen(json), "test", &cfg, &err), ST_OK, "%s", err.msg);
    run_result r = run_opts(cfg, "?<snap help>qQ", 120, 40, false, false, &err);
    cr_assert_eq(r.status, 0, "%s", err.msg);
    const char *help = snap_of(&r, "help");
    cr_expect(strstr(help, "+ K") != NULL || strstr(help, "K +") != NULL, "%s", help);
    cr_expect(strstr(help, "Q                quit") != NULL, "%s", help);
    app_snapshots_free(r.s, r.n);
    config_free(cfg);

    const char *bad = "{\"keys\": {\"fly\": [\"F\"]}}";
    cr_assert_eq(config_parse(bad, strlen(bad), "test", &cfg, &err), ST_OK, "%s", err.msg);
    r = run_opts(cfg, "q", 120, 40, false, false, &err);
    cr_expect_neq(r.status, 0);
    cr_expect(strstr(err.msg, "keys.fly") != NULL, "%s", err.msg);
    app_snapshots_free(r.s, r.n);
    config_free(cfg);
}

Test(console_screens, respond_and_assign)
{
    /* #3 is the second row: record its first response (y), then assign it */
    run_result r = run("jr<snap respond_confirm>y<snap responded>:ticket 3<Enter>A<snap assign_prompt>"
                       "<C-u>dana<Enter><snap assigned>",
                       80, 24, false, false);
    cr_expect(strstr(snap_of(&r, "respond_confirm"), "first response on #3") != NULL);
    cr_expect(strstr(snap_of(&r, "assigned"), "dana") != NULL, "%s", snap_of(&r, "assigned"));
    snap_all(&r, "");
    st_ticket t;
    stored_ticket(3, &t);
    cr_expect_eq(t.first_response, now_t);
    cr_expect_str_eq(t.assignee, "dana");
    ticket_done(&t);
}

Test(console_screens, paging_loads_only_the_visible_rows)
{
    /* 60 more tickets: the 80x24 list shows 21 rows; G goes to the last, g back */
    st_clock clk;
    clock_freeze(&clk, now_t);
    st_store *s;
    st_ops *o;
    st_err err;
    cr_assert_eq(store_open(db_path, STORE_OPEN_RW, &s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ops_new(s, &clk, &o, &err), ST_OK, "%s", err.msg);
    ops_new_ticket in[60];
    char titles[60][32];
    for (int i = 0; i < 60; i++) {
        snprintf(titles[i], sizeof titles[i], "bulk %02d", i);
        in[i] = (ops_new_ticket){
            .title = titles[i], .level = "LOW", .customer = "Bulk", .created = now_t - 60 * i};
    }
    int64_t first;
    cr_assert_eq(ops_add_many(o, in, 60, &first, &err), ST_OK, "%s", err.msg);
    ops_free(o);
    store_close(s);
    run_result r =
        run("<snap page_top>G<snap page_last><PgUp><snap page_up>g<snap page_first>", 80, 24, false, false);
    /* the counts are the whole list's (SPEC §11), the same wherever the window is */
    for (int i = 0; i < 4; i++) {
        static const char *const names[] = {"page_top", "page_last", "page_up", "page_first"};
        cr_expect(strstr(snap_of(&r, names[i]), " \xe2\x9c\x96" "1 \xe2\x96\xb2" "1 \xe2\x80\x96" "62 \xe2\x97\x8f" "2 "
                                                  "\xe2\x9c\x98" "0 \xe2\x9c\x94" "0 |") != NULL,
                  "%s: whole-list counts", names[i]);
    }
    /* the bulk LOW tickets share one due (created while closed): ties by id, the last id last */
    cr_expect(strstr(snap_of(&r, "page_last"), "bulk 59") != NULL, "the last row is shown after G");
    cr_expect(strstr(snap_of(&r, "page_first"), "Northwind") != NULL);
    snap_all(&r, "");
}

Test(console_screens, dashboard_draws_the_uptime_panel)
{
    /* the demo's monitoring source (file://): the panel fetches it without blocking the loop */
    st_config *cfg;
    st_err err;
    cr_assert_eq(config_parse("{}", 2, "test", &cfg, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(demo_monitoring(db_path, now_t, cfg, &err), ST_OK, "%s", err.msg);
    run_result r = run_opts(cfg, "d<idle><sleep 1><snap dash>d<snap hidden>", 120, 40, false, false, &err);
    cr_assert_eq(r.status, 0, "%s", err.msg);
    const char *dash = snap_of(&r, "dash"), *hidden = snap_of(&r, "hidden");
    cr_expect(strstr(dash, "Dashboard") != NULL, "%s", dash);
    cr_expect(strstr(dash, "Uptime 2026-11") != NULL, "%s", dash);
    cr_expect(strstr(dash, "Downtime periods") != NULL, "%s", dash);
    cr_expect(strstr(dash, "no monitoring source") == NULL);
    cr_expect(strstr(dash, "COUNTDOWN") != NULL, "the list stays above the panel");
    cr_expect(strstr(hidden, "Dashboard") == NULL);
    app_snapshots_free(r.s, r.n);
    config_free(cfg);
}

Test(console_screens, themes_mono_and_custom)
{
    const char *good[] = {"{\"theme\": \"mono\"}",
                          "{\"theme\": {\"breached\": {\"fg\": \"white\", \"bg\": \"red\", \"bold\": true},"
                          " \"selected\": {\"fg\": \"color208\", \"reverse\": true}}}"};
    for (size_t i = 0; i < 2; i++) {
        st_config *cfg;
        st_err err;
        cr_assert_eq(config_parse(good[i], strlen(good[i]), "test", &cfg, &err), ST_OK, "%s", err.msg);
        run_result r = run_opts(cfg, "<snap themed>", 80, 24, false, false, &err);
        cr_assert_eq(r.status, 0, "%s", err.msg);
        cr_expect(strstr(snap_of(&r, "themed"), "-30:00") != NULL);
        app_snapshots_free(r.s, r.n);
        config_free(cfg);
    }
    const char *bad = "{\"theme\": {\"breachd\": {\"fg\": \"red\"}}}";
    st_config *cfg;
    st_err err;
    cr_assert_eq(config_parse(bad, strlen(bad), "test", &cfg, &err), ST_OK, "%s", err.msg);
    run_result r = run_opts(cfg, "q", 80, 24, false, false, &err);
    cr_expect_neq(r.status, 0);
    cr_expect(strstr(err.msg, "theme.breachd") != NULL, "%s", err.msg);
    app_snapshots_free(r.s, r.n);
    config_free(cfg);
}

/* A second redraws only the countdown and state cells it changed (view_list's tick): the screen
 * must be what a full redraw of the same moment shows (j then k redraws everything), also when
 * the second crosses a state change (the first row's 0:20:00 runs out after 1,200 s). */
Test(console_screens, a_tick_draws_what_a_full_redraw_draws)
{
    run_result r =
        run("<sleep 5><snap t1>jk<snap f1><sleep 1300><snap t2>jk<snap f2>", 120, 40, false, false);
    cr_assert_eq(r.status, 0);
    cr_expect_str_eq(snap_of(&r, "t1"), snap_of(&r, "f1"));
    cr_expect_str_eq(snap_of(&r, "t2"), snap_of(&r, "f2"));
    cr_expect(strstr(snap_of(&r, "t1"), " 19:55 ") != NULL, "%s", snap_of(&r, "t1"));
    cr_expect(strstr(snap_of(&r, "t2"), " -1:45 ") != NULL, "%s", snap_of(&r, "t2"));
    cr_expect(strstr(snap_of(&r, "t2"), "breached") != NULL, "%s", snap_of(&r, "t2"));
    app_snapshots_free(r.s, r.n);
}

/* SPEC §11's countdown at its boundaries on screen, each second drawn by a tick: ticket 3 runs out
 * (0:01, 0:00, -0:01) and ticket 1 passes one hour overdue (-59:59, then -1h00m). The
 * configuration's "countdown_seconds": "always" restores H:MM:SS. */
Test(console_screens, countdown_boundaries_and_seconds_always)
{
    run_result r = run("<sleep 1199><snap z1><sleep 1><snap z0><sleep 1><snap zm>"
                       "<sleep 598><snap h59><sleep 1><snap h60>",
                       80, 24, false, false);
    cr_assert_eq(r.status, 0);
    cr_expect(strstr(snap_of(&r, "z1"), "      0:01 ▲ warn") != NULL, "%s", snap_of(&r, "z1"));
    cr_expect(strstr(snap_of(&r, "z0"), "      0:00 ") != NULL, "%s", snap_of(&r, "z0"));
    cr_expect(strstr(snap_of(&r, "zm"), "     -0:01 ✖ breached") != NULL, "%s", snap_of(&r, "zm"));
    cr_expect(strstr(snap_of(&r, "h59"), "    -59:59 ✖ breached") != NULL, "%s", snap_of(&r, "h59"));
    cr_expect(strstr(snap_of(&r, "h60"), "    -1h00m ✖ breached") != NULL, "%s", snap_of(&r, "h60"));
    snap_all(&r, "countdown_");
    /* and one hour left: ticket 6's resolution clock (21h00m at the start) reads 1h00m, then 59:59 */
    strbuf script;
    sb_init(&script);
    for (int i = 0; i < 20; i++) /* a script's sleep is at most an hour */
        sb_append(&script, "<sleep 3600>");
    sb_append(&script, "<snap p60><sleep 1><snap p59>");
    r = run(script.buf, 80, 24, false, false);
    sb_done(&script);
    cr_expect(strstr(snap_of(&r, "p60"), "RES    1h00m ▲ warn") != NULL, "%s", snap_of(&r, "p60"));
    cr_expect(strstr(snap_of(&r, "p59"), "RES    59:59 ▲ warn") != NULL, "%s", snap_of(&r, "p59"));
    snap_all(&r, "countdown_");

    const char *always = "{\"countdown_seconds\": \"always\"}";
    st_config *cfg;
    st_err err;
    cr_assert_eq(config_parse(always, strlen(always), "test", &cfg, &err), ST_OK, "%s", err.msg);
    r = run_opts(cfg, "<snap list_seconds_always>", 80, 24, false, false, &err);
    cr_assert_eq(r.status, 0, "%s", err.msg);
    const char *s = snap_of(&r, "list_seconds_always");
    cr_expect(strstr(s, "-0:30:00") != NULL && strstr(s, "6:30:00") != NULL, "%s", s);
    snap_all(&r, "");
    config_free(cfg);
}

/* No line of a screen is wider than the pane (display width: symbols and ellipses are one cell). */
static void expect_fits(const char *name, const char *screen, int cols)
{
    char *copy = xstrdup(screen);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        cr_expect(text_width(line) <= cols, "%s: a line wider than %d:\n%s\n%s", name, cols, line, screen);
    free(copy);
}

/* SPEC §11's small panes: from 40x10 up the list drops the assignee, then the customer, then the
 * state's word (its symbol stays) as the width shrinks, and every view stays inside the pane. */
Test(console_screens, small_panes_drop_columns_in_order)
{
    run_result r = run("<snap list_40x10>", 40, 10, false, false);
    const char *s = snap_of(&r, "list_40x10");
    cr_expect(strstr(s, "-30:00") != NULL && strstr(s, "✖") != NULL, "%s", s);
    cr_expect(strstr(s, "ASSIGNEE") == NULL && strstr(s, "CUSTOMER") == NULL && strstr(s, "breached") == NULL,
              "%s", s);
    cr_expect(strstr(s, "terminal too small") == NULL, "%s", s);
    expect_fits("list_40x10", s, 40);
    snap_all(&r, "");
    r = run("<snap list_60x20>", 60, 20, false, false);
    s = snap_of(&r, "list_60x20");
    cr_expect(strstr(s, "ASSIGNEE") == NULL && strstr(s, "CUSTOMER") == NULL && strstr(s, "breached") != NULL,
              "%s", s);
    expect_fits("list_60x20", s, 60);
    snap_all(&r, "");

    /* every width from 40 to 80: a column once dropped stays dropped further down */
    bool assignee = true, customer = true, word = true;
    for (int cols = 80; cols >= 40; cols--) {
        r = run("<snap w>", cols, 12, false, false);
        s = snap_of(&r, "w");
        expect_fits("w", s, cols);
        bool a = strstr(s, "ASSIGNEE") != NULL, cu = strstr(s, "CUSTOMER") != NULL, wd = strstr(s, "STATE") != NULL;
        cr_expect(a == (cols >= 80), "assignee at %d columns:\n%s", cols, s);
        cr_expect((!cu || customer) && (!wd || word), "%d: a dropped column came back:\n%s", cols, s);
        cr_expect(!(a && !cu) && !(cu && !wd), "%d: a later column dropped first:\n%s", cols, s);
        cr_expect(strstr(s, "Platform") != NULL, "%d: the title shows:\n%s", cols, s);
        assignee = a, customer = cu, word = wd;
        app_snapshots_free(r.s, r.n);
    }
    cr_expect(!assignee && !customer && !word, "at 40 columns only the symbol is left");
}

/* Below 40x10, one line says so; 40x10 itself is a working console. */
Test(console_screens, too_small_below_40x10)
{
    run_result r = run("<snap too_small_39x10><resize 40x9><snap too_small_40x9><resize 40x10><snap ok>", 39, 10,
                       false, false);
    cr_expect(strstr(snap_of(&r, "too_small_39x10"), "terminal too small: 39x10, need 40x10") != NULL, "%s",
              snap_of(&r, "too_small_39x10"));
    cr_expect(strstr(snap_of(&r, "too_small_40x9"), "terminal too small") != NULL);
    cr_expect(strstr(snap_of(&r, "ok"), "COUNTDOWN") != NULL, "%s", snap_of(&r, "ok"));
    check_snapshot("too_small_39x10", snap_of(&r, "too_small_39x10"));
    check_snapshot("too_small_40x9", snap_of(&r, "too_small_40x9"));
    app_snapshots_free(r.s, r.n);
    r = run("<snap tiny>", 20, 5, false, false);
    cr_expect(strstr(snap_of(&r, "tiny"), "terminal too small") != NULL, "%s", snap_of(&r, "tiny"));
    expect_fits("tiny", snap_of(&r, "tiny"), 20);
    app_snapshots_free(r.s, r.n);
}

/* Every view at 40x10: inside the pane, and the lines that say what to do next are on screen. */
Test(console_screens, every_view_at_40x10)
{
    run_result r = run("j<Enter><snap small_detail>q"
                       "a<snap small_audit>q"
                       "?<snap small_help>q"
                       "/<snap small_filter><Esc>"
                       "jjt<snap small_triage><Esc>"
                       "+<snap small_raise>urgent<Enter><snap small_raise_confirm><Esc>",
                       40, 10, false, false);
    for (size_t i = 0; i < r.n; i++)
        expect_fits(r.s[i].name, r.s[i].text, 40);
    cr_expect(strstr(snap_of(&r, "small_detail"), "#3") != NULL, "%s", snap_of(&r, "small_detail"));
    cr_expect(strstr(snap_of(&r, "small_audit"), "chain verifies") != NULL, "%s", snap_of(&r, "small_audit"));
    cr_expect(strstr(snap_of(&r, "small_filter"), "> _") != NULL, "%s", snap_of(&r, "small_filter"));
    cr_expect(strstr(snap_of(&r, "small_triage"), "Proposed level") != NULL, "%s", snap_of(&r, "small_triage"));
    cr_expect(strstr(snap_of(&r, "small_raise"), "Reason:") != NULL, "%s", snap_of(&r, "small_raise"));
    cr_expect(strstr(snap_of(&r, "small_raise"), "Reason required") != NULL, "%s", snap_of(&r, "small_raise"));
    cr_expect(strstr(snap_of(&r, "small_raise_confirm"), "Apply this change?") != NULL, "%s",
              snap_of(&r, "small_raise_confirm"));
    snap_all(&r, "");
    /* the report computes in slices between ticks: its text, not a snapshot file */
    r = run(":report 2026-11<Enter><snap small_report>", 40, 10, false, false);
    cr_expect(strstr(snap_of(&r, "small_report"), "SLA compliance") != NULL, "%s", snap_of(&r, "small_report"));
    expect_fits("small_report", snap_of(&r, "small_report"), 40);
    app_snapshots_free(r.s, r.n);
}
