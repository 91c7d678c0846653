/* alert_spawn: the command's environment (pure), and real children started, capped and reaped
 * without waiting. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "slatop/alert_spawn.h"

static const char *env_get(char **env, const char *name)
{
    size_t k = strlen(name);
    const char *found = NULL;
    for (size_t i = 0; env[i]; i++)
        if (strncmp(env[i], name, k) == 0 && env[i][k] == '=') {
            cr_expect(found == NULL, "%s twice", name);
            found = env[i] + k + 1;
        }
    return found;
}

Test(alert_spawn, env_keeps_the_environment_and_replaces_the_alert_vars)
{
    char *base[] = {"PATH=/bin", "SLATOP_TITLE=stale", "HOME=/h", "SLATOP_STATE=old", "SLATOP_TICKETS=kept", NULL};
    alert_event ev = {42, "S0", "first_response", "breached", "plain title"};
    char **env = alert_env_build(base, &ev);
    cr_expect_str_eq(env_get(env, "PATH"), "/bin");
    cr_expect_str_eq(env_get(env, "HOME"), "/h");
    cr_expect_str_eq(env_get(env, "SLATOP_TICKETS"), "kept", "only the five exact names are replaced");
    cr_expect_str_eq(env_get(env, "SLATOP_TICKET_ID"), "42");
    cr_expect_str_eq(env_get(env, "SLATOP_LEVEL"), "S0");
    cr_expect_str_eq(env_get(env, "SLATOP_METRIC"), "first_response");
    cr_expect_str_eq(env_get(env, "SLATOP_STATE"), "breached");
    cr_expect_str_eq(env_get(env, "SLATOP_TITLE"), "plain title");
    size_t n = 0;
    while (env[n])
        n++;
    cr_expect_eq(n, 8);
    alert_env_free(env);
}

/* A hostile title: escapes, C1, bidi, zero-width, invalid UTF-8 and line breaks never reach the
 * command's environment; the printable text and non-ASCII letters do. */
Test(alert_spawn, hostile_title_is_cleaned)
{
    const char *t = "A\033]0;PWN\007B \033[2J C\302\233D \342\200\256E\342\200\213F\377G\nH\tI \xc3\xa9";
    alert_event ev = {1, "S1", "next_response", "warn", t};
    char **env = alert_env_build(NULL, &ev);
    cr_expect_str_eq(env_get(env, "SLATOP_TITLE"), "A]0;PWNB [2J CD EFG H I \xc3\xa9");
    alert_env_free(env);
    char *c = alert_text_clean(NULL);
    cr_expect_str_eq(c, "");
    free(c);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Reaps until nothing runs (the test may wait; the console never does). */
static size_t reap_all(alert_runner *r, st_err *last)
{
    size_t failed = 0;
    for (int i = 0; i < 500 && alert_runner_running(r) > 0; i++) {
        failed += alert_runner_reap(r, last);
        usleep(10000);
    }
    cr_assert_eq(alert_runner_running(r), 0, "children still running after 5 s");
    return failed;
}

Test(alert_spawn, runs_without_a_shell_with_the_environment_and_dev_null)
{
    char dir[] = "/tmp/slatop-alert-XXXXXX";
    cr_assert(mkdtemp(dir));
    char out[256];
    snprintf(out, sizeof out, "%s/out", dir);
    /* argv[2] has shell syntax that must arrive as one literal argument */
    char *argv[] = {"sh", "-c",
                    "{ printf '%s|' \"$0\"; env | grep -E '^SLATOP_(TICKET_ID|LEVEL|METRIC|STATE|TITLE)=' | sort; "
                    "[ -t 0 ] || read x || echo stdin-empty; } >\"$OUT\"",
                    "$(touch pwned) ; x", NULL};
    cr_assert_eq(setenv("OUT", out, 1), 0);
    alert_runner *r = alert_runner_new(argv);
    alert_event ev = {7, "URGENT", "first_response", "warn", "T \033[31mred"};
    st_err e;
    st_err_clear(&e);
    cr_assert_eq(alert_runner_start(r, &ev, &e), ST_OK, "%s", e.msg);
    cr_expect_eq(reap_all(r, &e), 0, "%s", e.msg);
    const char *got = slurp(out);
    cr_assert(got, "the command did not run");
    cr_expect_str_eq(got, "$(touch pwned) ; x|SLATOP_LEVEL=URGENT\nSLATOP_METRIC=first_response\n"
                          "SLATOP_STATE=warn\nSLATOP_TICKET_ID=7\nSLATOP_TITLE=T [31mred\nstdin-empty\n");
    cr_expect(access("pwned", F_OK) != 0, "an argument went through a shell");
    alert_runner_free(r);
    unlink(out);
    rmdir(dir);
}

/* Runs argv once: what starting it returns, then (when started) how many failures reaping
 * counts, and the message of either. */
static void expect_run(char *const *argv, st_code start, size_t failed, const char *msg)
{
    alert_runner *r = alert_runner_new(argv);
    alert_event ev = {1, "S0", "first_response", "warn", "t"};
    st_err e;
    st_err_clear(&e);
    cr_expect_eq(alert_runner_start(r, &ev, &e), start, "%s: %s", argv[0], e.msg);
    if (start == ST_OK)
        cr_expect_eq(reap_all(r, &e), failed, "%s", argv[0]);
    else
        cr_expect_eq(alert_runner_running(r), 0);
    cr_expect_str_eq(e.msg, msg);
    alert_runner_free(r);
}

Test(alert_spawn, failures_are_reported)
{
    char *missing[] = {"slatop-no-such-command-xyz", "a", NULL};
    expect_run(missing, ST_IO, 0, "alerts.command: slatop-no-such-command-xyz: No such file or directory");
    char *exit3[] = {"sh", "-c", "exit 3", NULL};
    expect_run(exit3, ST_OK, 1, "alerts.command: sh exited 3");
    char *killed[] = {"sh", "-c", "kill -9 $$", NULL};
    expect_run(killed, ST_OK, 1, "alerts.command: sh killed by signal 9");
    char *fine[] = {"true", NULL};
    expect_run(fine, ST_OK, 0, "");
}

/* A storm of crossings: past ALERT_MAX_CHILDREN nothing more starts until one is reaped, and
 * starting never waits for a child. */
Test(alert_spawn, children_are_capped_and_never_waited_for)
{
    char *slow[] = {"sleep", "1", NULL};
    alert_runner *r = alert_runner_new(slow);
    alert_event ev = {1, "S0", "first_response", "warn", "t"};
    st_err e;
    st_err_clear(&e);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < ALERT_MAX_CHILDREN; i++)
        cr_assert_eq(alert_runner_start(r, &ev, &e), ST_OK, "%s", e.msg);
    cr_expect_eq(alert_runner_start(r, &ev, &e), ST_BUSY);
    cr_expect_str_eq(e.msg, "alerts.command: 8 still running, alert not run");
    cr_expect_eq(alert_runner_reap(r, &e), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    cr_expect_lt(ms, 800.0, "starting and reaping waited for the children: %.0f ms", ms);
    cr_expect_eq(alert_runner_running(r), ALERT_MAX_CHILDREN);
    cr_expect_eq(reap_all(r, &e), 0);
    cr_expect_eq(alert_runner_start(r, &ev, &e), ST_OK, "room again once reaped: %s", e.msg);
    reap_all(r, &e);
    alert_runner_free(r);
}
