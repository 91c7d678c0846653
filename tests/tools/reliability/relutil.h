/* relutil: helpers shared by the reliability tests (tests/unit/test_reliability_*.c): run the real
 * slatop binary with arguments and capture its exit status, stdout and stderr; temporary
 * directories; an independent scan for bytes that must never reach a terminal. Header-only
 * (static inline) so that it adds nothing to the other engineers' test executables. */
#ifndef SLATOP_TESTS_RELUTIL_H
#define SLATOP_TESTS_RELUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "slatop/util.h"

/* The binary under test: $SLATOP_BINARY (ctest sets it), else the path compiled in. */
static inline const char *rel_binary(void)
{
    const char *b = getenv("SLATOP_BINARY");
#ifdef SLATOP_BINARY
    if (b == NULL || b[0] == '\0')
        b = SLATOP_BINARY;
#endif
    return b;
}

static inline const char *rel_source_dir(void)
{
    const char *s = getenv("SLATOP_SOURCE_DIR");
#ifdef SLATOP_SOURCE_DIR
    if (s == NULL || s[0] == '\0')
        s = SLATOP_SOURCE_DIR;
#endif
    return s;
}

/* True when built with AddressSanitizer (gcc and clang spellings): long loops run shorter. */
static inline bool rel_under_asan(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return true;
#else
    return false;
#endif
#else
    return false;
#endif
}

/* An integer from the environment, else def. */
static inline long rel_env_long(const char *name, long def)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0')
        return def;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    return (end != NULL && *end == '\0' && n > 0) ? n : def;
}

typedef struct {
    int status;    /* exit status, or 128 + signal number when killed */
    bool signaled;
    strbuf out;    /* everything written to stdout */
    strbuf err;    /* everything written to stderr */
} rel_result;

static inline void rel_result_init(rel_result *r)
{
    r->status = -1;
    r->signaled = false;
    sb_init(&r->out);
    sb_init(&r->err);
}

static inline void rel_result_done(rel_result *r)
{
    sb_done(&r->out);
    sb_done(&r->err);
}

/* Starts argv (argv[0] a path) with stdin from stdin_path (NULL: /dev/null) and stdout/stderr on
 * pipes. Returns the pid, or -1. */
static inline pid_t rel_spawn(char *const argv[], const char *stdin_path, int *out_fd, int *err_fd)
{
    int po[2], pe[2];
    if (pipe(po) != 0)
        return -1;
    if (pipe(pe) != 0) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(po[0]);
        close(po[1]);
        close(pe[0]);
        close(pe[1]);
        return -1;
    }
    if (pid == 0) {
        int in = open(stdin_path != NULL ? stdin_path : "/dev/null", O_RDONLY);
        if (in >= 0) {
            dup2(in, 0);
            close(in);
        }
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(po[1]);
        close(pe[0]);
        close(pe[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    *out_fd = po[0];
    *err_fd = pe[0];
    return pid;
}

/* Reads both pipes to their end and reaps pid into r. */
static inline void rel_collect(pid_t pid, int out_fd, int err_fd, rel_result *r)
{
    struct pollfd fds[2] = {{.fd = out_fd, .events = POLLIN}, {.fd = err_fd, .events = POLLIN}};
    int open_fds = 2;
    char buf[8192];
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            ssize_t k = read(fds[i].fd, buf, sizeof buf);
            if (k > 0) {
                sb_append_n(i == 0 ? &r->out : &r->err, buf, (size_t)k);
            } else if (k == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st)) {
        r->status = WEXITSTATUS(st);
    } else if (WIFSIGNALED(st)) {
        r->status = 128 + WTERMSIG(st);
        r->signaled = true;
    }
}

/* Runs the binary with args (NULL-terminated array, without argv[0]); r must be initialised
 * (rel_result_init) and is appended to. Returns r->status. */
static inline int rel_run_in(rel_result *r, const char *stdin_path, const char *const *args)
{
    size_t n = 0;
    while (args[n] != NULL)
        n++;
    char **argv = xcalloc(n + 2, sizeof *argv);
    argv[0] = (char *)rel_binary();
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = (char *)args[i];
    int of = -1, ef = -1;
    pid_t pid = rel_spawn(argv, stdin_path, &of, &ef);
    free(argv);
    if (pid < 0) {
        r->status = -1;
        return -1;
    }
    rel_collect(pid, of, ef, r);
    return r->status;
}

/* RUN(&r, "--db", db, "list") runs the binary with those arguments. */
#define REL_RUN(r, ...) rel_run_in((r), NULL, (const char *const[]){__VA_ARGS__, NULL})

/* A fresh directory under $TMPDIR (or /tmp); caller frees the string and removes the tree. */
static inline char *rel_mkdtemp(const char *tag)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    char *path = xasprintf("%s/slatop-%s-XXXXXX", base, tag);
    if (mkdtemp(path) == NULL) {
        free(path);
        return NULL;
    }
    return path;
}

static inline void rel_rmtree(const char *path)
{
    if (path == NULL)
        return;
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d != NULL) {
            struct dirent *de;
            while ((de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                    continue;
                char *sub = xasprintf("%s/%s", path, de->d_name);
                rel_rmtree(sub);
                free(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Writes len bytes to path (created 0644 before umask). Returns false on failure. */
static inline bool rel_write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* JSON field access for the tests' checks of --json outputs: NULL / -1 when absent. */
static inline const char *rel_jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static inline long rel_jint(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

/* qsort/bsearch comparator for arrays of strings. */
static inline int rel_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A fresh temporary directory (*dir_out, caller removes and frees it) holding NAME.db created by
 * the binary's `init` with the shipped Haptik policy. Returns the database path (caller frees), or
 * NULL with the reason in why. With SLATOP_TEST_STORE set (a locator prefix, as tests/store uses:
 * postgresql:///rel_) the database is on that backend instead, named after the directory. */
static inline char *rel_init_db(const char *name, char **dir_out, char *why, size_t whysz)
{
    *dir_out = rel_mkdtemp(name);
    if (*dir_out == NULL) {
        snprintf(why, whysz, "mkdtemp failed");
        return NULL;
    }
    const char *base = getenv("SLATOP_TEST_STORE");
    const char *dash = strrchr(*dir_out, '-');
    char *db = base && *base ? xasprintf("%s%s_%s", base, dash ? dash + 1 : "x", name)
                             : xasprintf("%s/%s.db", *dir_out, name);
    char *policy = xasprintf("%s/share/policies/haptik.json", rel_source_dir());
    rel_result r;
    rel_result_init(&r);
    int rc = rel_run_in(&r, NULL, (const char *const[]){"--db", db, "init", "--policy", policy, NULL});
    if (rc != 0) {
        snprintf(why, whysz, "init exit %d: %s", rc, r.err.buf ? r.err.buf : "");
        free(db);
        db = NULL;
    }
    rel_result_done(&r);
    free(policy);
    return db;
}

/* Strict UTF-8 decoder of our own (no overlongs, no surrogates, <= U+10FFFF), so that the scan
 * does not trust the library it checks. Returns bytes consumed, *cp = -1 when invalid. */
static inline size_t rel_utf8_next(const unsigned char *s, size_t n, int32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t need;
    int32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        v = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        v = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        v = c & 0x07;
        min = 0x10000;
    } else {
        *cp = -1;
        return 1;
    }
    if (n < need + 1) {
        *cp = -1;
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = -1;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = -1;
        return 1;
    }
    *cp = v;
    return need + 1;
}

/* True when s (NUL-terminated) is valid UTF-8 by rel_utf8_next. */
static inline bool rel_valid_utf8(const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n) {
        int32_t cp;
        i += rel_utf8_next((const unsigned char *)s + i, n - i, &cp);
        if (cp < 0)
            return false;
    }
    return true;
}

/* Appends s as a JSON string for an import file: controls, quote and backslash escaped, other
 * bytes as they are (so invalid UTF-8 stays raw). */
static inline void rel_json_put(strbuf *sb, const char *s)
{
    sb_append_c(sb, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
            sb_printf(sb, "\\u%04x", *p);
        else
            sb_append_c(sb, (char)*p);
    }
    sb_append_c(sb, '"');
}

/* Code points that must never reach a terminal raw (C0 other than \n and \t, DEL, C1, bidi
 * controls, zero-width and invisible format characters, BOM, line/paragraph separators). */
static inline bool rel_cp_unsafe(int32_t cp)
{
    if (cp == '\n' || cp == '\t')
        return false;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return true;
    if (cp == 0x061C || cp == 0x180E || cp == 0xFEFF)
        return true;
    if (cp >= 0x200B && cp <= 0x200F)
        return true;
    if (cp >= 0x2028 && cp <= 0x202E)
        return true;
    if (cp >= 0x2060 && cp <= 0x2064)
        return true;
    if (cp >= 0x2066 && cp <= 0x2069)
        return true;
    return false;
}

/* Scans output bytes. Returns the offset of the first invalid or unsafe sequence, or -1, and
 * describes it in why. */
static inline long rel_scan_unsafe(const char *buf, size_t len, char *why, size_t whysz)
{
    const unsigned char *s = (const unsigned char *)buf;
    size_t i = 0;
    while (i < len) {
        int32_t cp;
        size_t k = rel_utf8_next(s + i, len - i, &cp);
        if (cp < 0) {
            snprintf(why, whysz, "invalid UTF-8 byte 0x%02x at offset %zu", s[i], i);
            return (long)i;
        }
        if (rel_cp_unsafe(cp)) {
            snprintf(why, whysz, "unsafe code point U+%04X at offset %zu", (unsigned)cp, i);
            return (long)i;
        }
        i += k;
    }
    return -1;
}

/* Number of '\n'-terminated lines in s (a last unterminated line counts too). */
static inline int rel_count_lines(const char *s, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\n')
            n++;
    if (len > 0 && s[len - 1] != '\n')
        n++;
    return n;
}

/* Case-insensitive substring test (strcasestr is a GNU extension). */
static inline bool rel_contains_ci(const char *hay, const char *needle)
{
    if (hay == NULL)
        return false;
    size_t n = strlen(needle);
    for (; *hay != '\0'; hay++) {
        size_t i = 0;
        while (i < n && hay[i] != '\0' &&
               (hay[i] | 0x20) == (needle[i] | 0x20))
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
}

/* Milliseconds on the monotonic clock. */
static inline double rel_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Runs the binary with args (NULL-terminated, without argv[0]) in a pseudo-terminal of 80x24
 * with TERM=xterm-256color and a UTF-8 locale, for at most 60 s; out gets every byte it wrote to
 * the terminal, *status its exit status (128 + signal when killed). */
static inline void rel_run_pty(const char *const *args, strbuf *out, int *status)
{
    struct winsize ws = {.ws_row = 24, .ws_col = 80};
    int master = -1;
    size_t n = 0;
    while (args[n] != NULL)
        n++;
    char **argv = xcalloc(n + 2, sizeof *argv);
    argv[0] = (char *)rel_binary();
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = (char *)args[i];
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    if (pid < 0) {
        free(argv);
        *status = -1;
        return;
    }
    if (pid == 0) {
        setenv("TERM", "xterm-256color", 1);
        setenv("LC_ALL", "C.UTF-8", 1);
        unsetenv("NO_COLOR");
        execv(argv[0], argv);
        _exit(127);
    }
    free(argv);
    char buf[4096];
    double deadline = rel_ms() + 60000.0;
    for (;;) {
        struct pollfd pf = {.fd = master, .events = POLLIN};
        int k = poll(&pf, 1, 200);
        if (k > 0) {
            ssize_t got = read(master, buf, sizeof buf);
            if (got <= 0)
                break; /* EIO once the child is gone */
            sb_append_n(out, buf, (size_t)got);
        } else if (rel_ms() > deadline) {
            kill(pid, SIGKILL);
            break;
        }
    }
    close(master);
    int st = 0;
    waitpid(pid, &st, 0);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

#endif
