/* alert_spawn: alerts.command started without a shell and reaped without waiting
 * (alert_spawn.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "slatop/alert_spawn.h"
#include "slatop/text.h"

extern char **environ;

static const char *const alert_vars[] = {"SLATOP_TICKET_ID", "SLATOP_LEVEL", "SLATOP_METRIC", "SLATOP_STATE",
                                         "SLATOP_TITLE"};
#define N_ALERT_VARS (sizeof alert_vars / sizeof *alert_vars)

char *alert_text_clean(const char *s)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, ""); /* an empty value is still a string */
    size_t n = s ? strlen(s) : 0;
    for (size_t i = 0; i < n;) {
        int32_t cp;
        size_t used = utf8_decode(s + i, n - i, &cp);
        i += used;
        if (cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029)
            sb_append(&sb, " ");
        else if (cp >= 0 && !text_is_unsafe(cp))
            utf8_encode(&sb, cp);
    }
    return sb_steal(&sb);
}

static bool is_alert_var(const char *entry)
{
    for (size_t i = 0; i < N_ALERT_VARS; i++) {
        size_t k = strlen(alert_vars[i]);
        if (strncmp(entry, alert_vars[i], k) == 0 && entry[k] == '=')
            return true;
    }
    return false;
}

char **alert_env_build(char *const *base, const alert_event *ev)
{
    size_t n = 0;
    while (base && base[n])
        n++;
    char **env = xcalloc(n + N_ALERT_VARS + 1, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_alert_var(base[i]))
            env[k++] = xstrdup(base[i]);
    const char *vals[N_ALERT_VARS] = {NULL, ev->level, ev->metric, ev->state, ev->title};
    env[k++] = xasprintf("%s=%lld", alert_vars[0], (long long)ev->ticket_id);
    for (size_t i = 1; i < N_ALERT_VARS; i++) {
        char *v = alert_text_clean(vals[i]);
        env[k++] = xasprintf("%s=%s", alert_vars[i], v);
        free(v);
    }
    return env;
}

void alert_env_free(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

struct alert_runner {
    char *const *argv; /* borrowed */
    pid_t kids[ALERT_MAX_CHILDREN];
    size_t n_kids;
};

alert_runner *alert_runner_new(char *const *argv)
{
    alert_runner *r = xcalloc(1, sizeof *r);
    r->argv = argv;
    return r;
}

void alert_runner_free(alert_runner *r)
{
    free(r);
}

size_t alert_runner_running(const alert_runner *r)
{
    return r->n_kids;
}

/* The program's name for messages: sanitised, as the configuration is the user's but a message
 * line must stay one line. */
static void prog_name(const alert_runner *r, char *buf, size_t cap)
{
    char *p = alert_text_clean(r->argv[0]);
    snprintf(buf, cap, "%s", p);
    free(p);
}

st_code alert_runner_start(alert_runner *r, const alert_event *ev, st_err *err)
{
    char prog[128];
    prog_name(r, prog, sizeof prog);
    if (r->n_kids == ALERT_MAX_CHILDREN)
        return st_fail(err, ST_BUSY, "alerts.command: %d still running, alert not run", ALERT_MAX_CHILDREN);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    for (int fd = 0; fd <= 2; fd++)
        posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
    /* Its own process group (a key the console reads never signals it); the signals the console
     * catches or ignores back to their defaults; none blocked. */
    sigset_t def, none;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigaddset(&def, SIGINT);
    sigaddset(&def, SIGTERM);
    sigaddset(&def, SIGHUP);
    sigaddset(&def, SIGCHLD);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    char **env = alert_env_build(environ, ev);
    pid_t pid;
    int rc = posix_spawnp(&pid, r->argv[0], &fa, &at, r->argv, env);
    alert_env_free(env);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return st_fail(err, ST_IO, "alerts.command: %s: %s", prog, strerror(rc));
    r->kids[r->n_kids++] = pid;
    return ST_OK;
}

size_t alert_runner_reap(alert_runner *r, st_err *last)
{
    size_t failed = 0;
    for (size_t i = 0; i < r->n_kids;) {
        int status = 0;
        pid_t got = waitpid(r->kids[i], &status, WNOHANG);
        if (got == 0 || (got < 0 && errno == EINTR)) {
            i++; /* still running */
            continue;
        }
        /* exited, or gone (ECHILD: SIGCHLD ignored, the kernel reaped it): forget it */
        r->kids[i] = r->kids[--r->n_kids];
        if (got < 0)
            continue;
        char prog[128];
        prog_name(r, prog, sizeof prog);
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
            failed++;
            st_fail(last, ST_IO, "alerts.command: %s exited %d", prog, WEXITSTATUS(status));
        } else if (WIFSIGNALED(status)) {
            failed++;
            st_fail(last, ST_IO, "alerts.command: %s killed by signal %d", prog, WTERMSIG(status));
        }
    }
    return failed;
}
