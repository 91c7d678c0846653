/* support_cli: runs the real binary in a sandbox for end-to-end tests of the command line. */
#include "support_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SLATOP_BINARY
#define SLATOP_BINARY "slatop"
#endif
#ifndef SLATOP_SOURCE_DIR
#define SLATOP_SOURCE_DIR "."
#endif

static char support_dir[256];

static void support_die(const char *what)
{
    fprintf(stderr, "support_cli: %s: %s\n", what, strerror(errno));
    abort();
}

const char *support_sandbox(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(support_dir, sizeof support_dir, "%s/slatop-cli-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(support_dir))
        support_die("mkdtemp");
    setenv("HOME", support_dir, 1);
    setenv("XDG_DATA_HOME", support_path("data"), 1);
    setenv("XDG_CONFIG_HOME", support_path("config"), 1);
    setenv("XDG_STATE_HOME", support_path("state"), 1);
    setenv("TZ", "UTC", 1);
    setenv("LC_ALL", "C.UTF-8", 1);
    unsetenv("SLATOP_DB");
    unsetenv("SLATOP_CONFIG");
    unsetenv("NO_COLOR");
    return support_dir;
}

const char *support_path(const char *name)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", support_dir, name);
    return b;
}

const char *support_source(const char *rel)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    const char *src = getenv("SLATOP_SOURCE_DIR");
    snprintf(b, sizeof bufs[0], "%s/%s", src && *src ? src : SLATOP_SOURCE_DIR, rel);
    return b;
}

void support_write_file(const char *path, const char *content, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        support_die(path);
    if (len && fwrite(content, 1, len, f) != len)
        support_die(path);
    if (fclose(f) != 0)
        support_die(path);
}

typedef struct {
    char *buf;
    size_t len, cap;
} support_buf;

static void support_buf_add(support_buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->buf = realloc(b->buf, b->cap);
        if (!b->buf)
            abort();
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

void support_run_argv(support_result *r, const char *stdin_text, const char *const *argv)
{
    memset(r, 0, sizeof *r);
    int po[2], pe[2];
    if (pipe(po) != 0 || pipe(pe) != 0)
        support_die("pipe");
    int in_fd;
    if (stdin_text) {
        const char *inpath = support_path(".stdin");
        support_write_file(inpath, stdin_text, strlen(stdin_text));
        in_fd = open(inpath, O_RDONLY);
    } else {
        in_fd = open("/dev/null", O_RDONLY);
    }
    if (in_fd < 0)
        support_die("stdin");
    size_t n = 0;
    while (argv[n])
        n++;
    const char **av = calloc(n + 2, sizeof *av);
    const char *bin = getenv("SLATOP_BINARY");
    av[0] = bin && *bin ? bin : SLATOP_BINARY;
    for (size_t i = 0; i < n; i++)
        av[i + 1] = argv[i];
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        support_die("fork");
    if (pid == 0) {
        dup2(in_fd, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        close(po[1]);
        close(pe[1]);
        close(in_fd);
        execv(av[0], (char *const *)av);
        _exit(127);
    }
    free(av);
    close(in_fd);
    close(po[1]);
    close(pe[1]);
    support_buf out = {0}, err = {0};
    support_buf_add(&out, "", 0);
    support_buf_add(&err, "", 0);
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    time_t deadline = time(NULL) + 30;
    bool killed = false;
    while (open_fds > 0) {
        int left = (int)(deadline - time(NULL));
        if (left <= 0) {
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
        int pr = poll(fds, 2, left * 1000);
        if (pr < 0 && errno == EINTR)
            continue;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[4096];
            ssize_t got = read(fds[i].fd, chunk, sizeof chunk);
            if (got > 0) {
                support_buf_add(i == 0 ? &out : &err, chunk, (size_t)got);
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (killed)
        r->status = 137;
    else if (WIFEXITED(st))
        r->status = WEXITSTATUS(st);
    else
        r->status = 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    r->out = out.buf;
    r->out_len = out.len;
    r->err = err.buf;
    r->err_len = err.len;
}

void support_run(support_result *r, ...)
{
    const char *argv[64];
    size_t n = 0;
    va_list ap;
    va_start(ap, r);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 63)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    support_run_argv(r, NULL, argv);
}

void support_result_done(support_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

size_t support_count_lines(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

static bool support_cp_unsafe(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0xad || cp == 0x61c ||
           cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
           (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

bool support_has_unsafe_bytes(const char *buf, size_t len, size_t *where)
{
    const unsigned char *s = (const unsigned char *)buf;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            if (c == '\n') {
                i++;
                continue;
            }
            n = 1;
            cp = c;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
            cp = c & 0x07;
        } else {
            goto bad;
        }
        if (i + n > len)
            goto bad;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                goto bad;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            goto bad;
        if (support_cp_unsafe(cp))
            goto bad;
        i += n;
    }
    return false;
bad:
    if (where)
        *where = i;
    return true;
}
