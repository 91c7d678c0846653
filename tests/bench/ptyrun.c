/* ptyrun: runs a program in a real pseudo-terminal of a given size, keeps a screen model of what
 * it draws (libvterm), and measures it from the outside: bytes written to the terminal, the
 * program's CPU time and peak RSS, how long until some text appears on the screen. The
 * benchmarks use it so that every figure is taken from the real binary in a real terminal.
 *
 *   ptyrun [options] -- PROGRAM ARGS...
 *     --size COLSxROWS        terminal size (default 120x40)
 *     --warmup-ms N           bytes are counted only after N ms (the first paint is not idle cost)
 *     --duration-ms N         measure for N ms after the warm-up, then stop the program
 *     --align-ms P            start the measured window at the first instant after the warm-up
 *                             that is P ms past a wall-clock second: programs that tick on the
 *                             second then have exactly duration/1000 ticks inside it, not one
 *                             more or less depending on where the window happened to fall
 *     --wait-text T           finish when the screen shows T (prints wait_ms)
 *     --then-run CMD          once --wait-text is seen, run CMD with sh -c (prints run_ms)
 *     --then-wait-row A,B     after CMD returns, finish when one screen row shows both A and B
 *                             (prints then_ms: CMD's return to the row appearing)
 *     --until-exit            finish when the program exits (prints exit_ms, exit_us, maxrss_kb)
 *                             and out_us: when its last byte of output was read (a program that
 *                             draws one screen and exits: the screen complete, its terminal
 *                             restored, before the process is torn down)
 *     --send KEYS             type KEYS into the terminal once the first screen is drawn (prints
 *                             send_ms: when, from the start; wait_ms - send_ms is key to screen)
 *     --hold-ms N             run --then-run CMD only N ms after --wait-text is seen
 *     --sample-row R          every --sample-ms (default 100) read screen row R (negative: from
 *                             the bottom) and time its changes (prints sample_changes and
 *                             max_gap_ms, the longest time between two successive changes)
 *     --script FILE           once the first screen is drawn, play FILE's steps in order, one a
 *                             line: "send KEYS" types KEYS (\r \n \t \e \\ \xHH escapes), "wait TEXT"
 *                             waits until the screen shows TEXT, "gone TEXT" until it no longer
 *                             does, "sleep MS" pauses, "#" comments;
 *                             after the last step the program is stopped (prints script_steps,
 *                             script_ms, script_failed: the step that timed out, 0 if none, and
 *                             vmhwm_kb: the peak RSS, /proc/PID/status's VmHWM read just before,
 *                             or at the timeout)
 *     --steps FILE            once --wait-text is seen, runs FILE's steps one after another in
 *                             the same session, one a line: PRE<TAB>KEY<TAB>TEXT (escapes \r,
 *                             \e, \t, \\, \xHH). PRE is typed (a prompt opened, its text typed),
 *                             then, once the screen has been quiet 50 ms, KEY; the step's time
 *                             is KEY's write to TEXT on the screen (prints steps_done, step_ms:
 *                             each step's time in ms, comma-separated, and step_max_ms). With
 *                             --sample-row, the gaps are sampled all through the steps
 *     --timeout-ms N          give up after N ms (exit status 3)
 *     --dump                  print the final screen to stderr
 * Prints one line of key=value pairs on stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vterm.h>

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int rows = 40, cols = 120;
static VTerm *vt;
static VTermScreen *screen;

/* One screen row as UTF-8. */
static void row_text(int r, char *out, size_t outsz)
{
    size_t n = 0;
    for (int c = 0; c < cols && n + 8 < outsz; c++) {
        VTermScreenCell cell;
        VTermPos pos = {.row = r, .col = c};
        if (!vterm_screen_get_cell(screen, pos, &cell))
            continue;
        uint32_t ch = cell.chars[0];
        if (ch == 0) {
            if (cell.width == 1)
                out[n++] = ' ';
            continue;
        }
        if (ch < 0x80) {
            out[n++] = (char)ch;
        } else if (ch < 0x800) {
            out[n++] = (char)(0xc0 | (ch >> 6));
            out[n++] = (char)(0x80 | (ch & 0x3f));
        } else if (ch < 0x10000) {
            out[n++] = (char)(0xe0 | (ch >> 12));
            out[n++] = (char)(0x80 | ((ch >> 6) & 0x3f));
            out[n++] = (char)(0x80 | (ch & 0x3f));
        } else {
            out[n++] = (char)(0xf0 | (ch >> 18));
            out[n++] = (char)(0x80 | ((ch >> 12) & 0x3f));
            out[n++] = (char)(0x80 | ((ch >> 6) & 0x3f));
            out[n++] = (char)(0x80 | (ch & 0x3f));
        }
    }
    out[n] = '\0';
}

static bool screen_has(const char *t)
{
    char line[4096];
    for (int r = 0; r < rows; r++) {
        row_text(r, line, sizeof line);
        if (strstr(line, t))
            return true;
    }
    return false;
}

static bool screen_row_has_both(const char *a, const char *b)
{
    char line[4096];
    for (int r = 0; r < rows; r++) {
        row_text(r, line, sizeof line);
        if (strstr(line, a) && strstr(line, b))
            return true;
    }
    return false;
}

/* Nanoseconds the process has spent on a CPU (scheduler statistics: exact, unlike clock ticks). */
static long long cpu_ns(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long long ns = -1;
    if (fscanf(f, "%lld", &ns) != 1)
        ns = -1;
    fclose(f);
    return ns;
}

/* The program's peak resident set (VmHWM) in kB, -1 when /proc cannot tell. */
static long vmhwm_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/* One step of the player. --script and --steps are both read into these: a send, a wait for
 * text (or for its absence), a sleep, a wait for a quiet screen, or a timed key (its write to
 * the text it brings on the screen). */
typedef struct {
    char kind;       /* 's' send, 'w' wait, 'g' gone, 'z' sleep, 'q' quiet, 'k' timed key */
    char text[512];  /* the keys ('s', 'k') or the screen text ('w', 'g') */
    char until[512]; /* 'k': the text the key brings */
    int64_t ms;      /* 'z', 'q' */
} step;

/* Decodes \r, \n, \e, \t, \\ and \xHH in place (keys are written in a text file). */
static void unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p != '\\' || !p[1]) {
            *o++ = *p;
            continue;
        }
        p++;
        switch (*p) {
        case 'r': *o++ = '\r'; break;
        case 'n': *o++ = '\n'; break;
        case 'e': *o++ = '\033'; break;
        case 't': *o++ = '\t'; break;
        case 'x': {
            unsigned v = 0;
            if (sscanf(p + 1, "%2x", &v) == 1) {
                *o++ = (char)v;
                p += 2;
            }
            break;
        }
        default: *o++ = *p; break;
        }
    }
    *o = '\0';
}

/* Appends a step to *v (realloc'd). */
static step *add_step(step **v, int *n)
{
    *v = realloc(*v, (size_t)(*n + 1) * sizeof **v);
    if (!*v)
        abort();
    step *x = &(*v)[(*n)++];
    memset(x, 0, sizeof *x);
    return x;
}

/* Reads a --script file (one step a line: send KEYS, wait TEXT, gone TEXT, sleep MS, # comment)
 * or, with steps, a --steps file (PRE<TAB>KEY<TAB>TEXT a line: PRE is sent, the screen left
 * quiet 50 ms, then KEY timed to TEXT) into *out (malloc'd); false with a message on a bad line. */
static bool load_steps(const char *path, bool steps, step **out, int *n_out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "ptyrun: cannot read %s: %s\n", path, strerror(errno));
        return false;
    }
    step *st = NULL;
    int n = 0;
    char line[1024];
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '\0' || (!steps && line[0] == '#'))
            continue;
        if (steps) {
            char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
            if (!t2) {
                fprintf(stderr, "ptyrun: %s: '%s' is not PRE<TAB>KEY<TAB>TEXT\n", path, line);
                ok = false;
                break;
            }
            *t1 = *t2 = '\0';
            unescape(line);
            if (*line) {
                step *x = add_step(&st, &n);
                x->kind = 's';
                snprintf(x->text, sizeof x->text, "%s", line);
            }
            step *q = add_step(&st, &n);
            q->kind = 'q';
            q->ms = 50;
            step *k = add_step(&st, &n);
            k->kind = 'k';
            unescape(t1 + 1);
            unescape(t2 + 1);
            snprintf(k->text, sizeof k->text, "%s", t1 + 1);
            snprintf(k->until, sizeof k->until, "%s", t2 + 1);
            continue;
        }
        const char *arg = strchr(line, ' ') ? strchr(line, ' ') + 1 : "";
        step *x = add_step(&st, &n);
        if (!strncmp(line, "send ", 5)) {
            x->kind = 's';
            snprintf(x->text, sizeof x->text, "%s", arg);
            unescape(x->text);
        } else if (!strncmp(line, "wait ", 5) || !strncmp(line, "gone ", 5)) {
            x->kind = line[0] == 'w' ? 'w' : 'g';
            snprintf(x->text, sizeof x->text, "%s", arg);
        } else if (!strncmp(line, "sleep ", 6)) {
            x->kind = 'z';
            x->ms = atoll(arg);
        } else {
            fprintf(stderr, "ptyrun: %s: unknown step '%s' (send, wait, gone, sleep)\n", path, line);
            ok = false;
        }
    }
    fclose(f);
    *out = st;
    *n_out = n;
    return ok;
}

static void dump_screen(void)
{
    char line[4096];
    for (int r = 0; r < rows; r++) {
        row_text(r, line, sizeof line);
        fprintf(stderr, "|%s\n", line);
    }
}

int main(int argc, char **argv)
{
    int64_t warmup = 0, duration = -1, timeout = 60000, align = -1;
    const char *wait_text = NULL, *then_run = NULL, *then_row = NULL, *send = NULL, *script_path = NULL;
    const char *steps_file = NULL;
    bool until_exit = false, dump = false, sampling = false;
    int64_t hold = 0, sample_every = 100;
    int sample_row = 0;
    int i = 1;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
            if (sscanf(argv[++i], "%dx%d", &cols, &rows) != 2)
                return 2;
        } else if (!strcmp(argv[i], "--warmup-ms") && i + 1 < argc) {
            warmup = atoll(argv[++i]);
        } else if (!strcmp(argv[i], "--duration-ms") && i + 1 < argc) {
            duration = atoll(argv[++i]);
        } else if (!strcmp(argv[i], "--align-ms") && i + 1 < argc) {
            align = atoll(argv[++i]) % 1000;
        } else if (!strcmp(argv[i], "--timeout-ms") && i + 1 < argc) {
            timeout = atoll(argv[++i]);
        } else if (!strcmp(argv[i], "--wait-text") && i + 1 < argc) {
            wait_text = argv[++i];
        } else if (!strcmp(argv[i], "--then-run") && i + 1 < argc) {
            then_run = argv[++i];
        } else if (!strcmp(argv[i], "--then-wait-row") && i + 1 < argc) {
            then_row = argv[++i];
        } else if (!strcmp(argv[i], "--steps") && i + 1 < argc) {
            steps_file = argv[++i];
        } else if (!strcmp(argv[i], "--send") && i + 1 < argc) {
            send = argv[++i];
        } else if (!strcmp(argv[i], "--script") && i + 1 < argc) {
            script_path = argv[++i];
        } else if (!strcmp(argv[i], "--hold-ms") && i + 1 < argc) {
            hold = atoll(argv[++i]);
        } else if (!strcmp(argv[i], "--sample-row") && i + 1 < argc) {
            sample_row = atoi(argv[++i]);
            sampling = true;
        } else if (!strcmp(argv[i], "--sample-ms") && i + 1 < argc) {
            sample_every = atoll(argv[++i]);
        } else if (!strcmp(argv[i], "--until-exit")) {
            until_exit = true;
        } else if (!strcmp(argv[i], "--dump")) {
            dump = true;
        } else {
            fprintf(stderr, "ptyrun: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "ptyrun: no program given (ptyrun [options] -- PROGRAM ARGS...)\n");
        return 2;
    }
    if (steps_file && script_path) {
        fprintf(stderr, "ptyrun: --steps and --script are one player: give one of them\n");
        return 2;
    }
    if (steps_file && !wait_text) {
        fprintf(stderr, "ptyrun: --steps needs --wait-text (the screen the steps start from)\n");
        return 2;
    }
    int64_t last_output = 0;
    char row_a[512] = "", row_b[512] = "";
    if (then_row) {
        const char *comma = strchr(then_row, ',');
        if (!comma)
            return 2;
        snprintf(row_a, sizeof row_a, "%.*s", (int)(comma - then_row), then_row);
        snprintf(row_b, sizeof row_b, "%s", comma + 1);
    }

    /* The player: --script starts once the first screen is drawn and stops the program after its
     * last step; --steps starts at --wait-text and times its keys. */
    bool steps = steps_file != NULL;
    step *script = NULL;
    int n_script = 0, si = 0, script_failed = 0;
    int64_t script_start = -1, script_end = -1, step_start = -1, key_us = -1;
    if ((script_path || steps) && !load_steps(steps ? steps_file : script_path, steps, &script, &n_script))
        return 2;
    int64_t *step_us = calloc((size_t)n_script + 1, sizeof *step_us);
    size_t step_i = 0; /* timed keys done */

    vt = vterm_new(rows, cols);
    vterm_set_utf8(vt, 1);
    screen = vterm_obtain_screen(vt);
    vterm_screen_reset(screen, 1);

    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    int master;
    int64_t t0 = now_ms(), t0_us = now_us();
    if (align >= 0) { /* move the window's start to the wanted phase of the wall-clock second */
        struct timespec rt;
        clock_gettime(CLOCK_REALTIME, &rt);
        int64_t phase = (rt.tv_nsec / 1000000 + warmup) % 1000;
        warmup += (align - phase + 1000) % 1000;
    }
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    if (pid < 0) {
        perror("ptyrun: forkpty");
        return 1;
    }
    if (pid == 0) {
        execvp(argv[i], argv + i);
        fprintf(stderr, "ptyrun: cannot run %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }

    long long bytes = 0, chunks = 0, total_bytes = 0;
    long hwm = -1;
    int64_t wait_ms = -1, run_ms = -1, then_ms = -1, exit_ms = -1, then_start = -1, exit_us = -1, send_ms = -1;
    int64_t out_us = -1; /* the last byte read so far: with --until-exit, the program's last output */
    bool exited = false, timed_out = false, waited = false;
    long long cpu_at_warmup = -1, cpu_at_end = -1;
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    char buf[65536];
    if (sample_row < 0)
        sample_row += rows;
    if (sample_row < 0 || sample_row >= rows || sample_every <= 0)
        sampling = false;
    static char last_row[4096], cur_row[4096];
    int64_t next_sample = 0, last_change = -1, max_gap = -1, wait_seen = -1;
    int max_gap_step = -1; /* timed keys done (--steps; else script steps) when the longest gap ended */
    long long changes = 0;
    for (;;) {
        int64_t t = now_ms() - t0;
        if (sampling && t >= next_sample) {
            /* A change is timed when it is sampled: the gap error is at most one period. */
            next_sample = t + sample_every;
            row_text(sample_row, cur_row, sizeof cur_row);
            if (strcmp(cur_row, last_row) != 0) {
                if (last_change >= 0 && t - last_change > max_gap) {
                    max_gap = t - last_change;
                    max_gap_step = steps ? (int)step_i : si;
                }
                last_change = t;
                changes++;
                memcpy(last_row, cur_row, sizeof last_row);
            }
        }
        if (t > timeout) {
            timed_out = true;
            if (script && !steps && si < n_script)
                script_failed = si + 1;
            break;
        }
        if (cpu_at_warmup < 0 && t >= warmup)
            cpu_at_warmup = cpu_ns(pid);
        if (duration >= 0 && t >= warmup + duration) {
            cpu_at_end = cpu_ns(pid);
            break;
        }
        struct pollfd pfd = {.fd = master, .events = POLLIN};
        int pr = poll(&pfd, 1, 20);
        if (pr > 0) {
            ssize_t n = read(master, buf, sizeof buf);
            if (n > 0) {
                total_bytes += n;
                last_output = now_ms();
                out_us = now_us() - t0_us;
                if (now_ms() - t0 >= warmup) {
                    if (cpu_at_warmup < 0)
                        cpu_at_warmup = cpu_ns(pid);
                    bytes += n;
                    chunks++;
                }
                vterm_input_write(vt, buf, (size_t)n);
                vterm_screen_flush_damage(screen);
            } else if (n <= 0 && errno != EINTR && errno != EAGAIN) {
                /* EIO: the program closed the terminal (exited). */
                pfd.revents = POLLHUP;
            }
            if (pfd.revents & (POLLHUP | POLLERR)) {
                if (until_exit || !exited) {
                    if (wait4(pid, &status, 0, &ru) == pid) {
                        exited = true;
                        exit_us = now_us() - t0_us;
                        exit_ms = exit_us / 1000;
                    }
                }
                break;
            }
        }
        if (send && total_bytes > 0) {
            /* The first bytes are the first frame: the program reads keys from here on. */
            if (write(master, send, strlen(send)) < 0)
                perror("ptyrun: --send");
            send = NULL;
            send_ms = now_ms() - t0;
        }
        if (script && si < n_script && (steps ? waited : total_bytes > 0)) {
            int64_t tn = now_ms();
            if (script_start < 0)
                script_start = tn;
            if (step_start < 0)
                step_start = tn;
            step *x = &script[si];
            bool done = false;
            if (x->kind == 's') {
                if (write(master, x->text, strlen(x->text)) < 0)
                    perror("ptyrun: send");
                done = true;
            } else if (x->kind == 'w' || x->kind == 'g') {
                done = screen_has(x->text) == (x->kind == 'w');
            } else if (x->kind == 'z') {
                done = tn - step_start >= x->ms;
            } else if (x->kind == 'q') {
                done = tn - step_start >= x->ms && tn - last_output >= x->ms;
            } else if (key_us < 0) { /* 'k': the key now, its text on a later turn */
                if (write(master, x->text, strlen(x->text)) < 0)
                    perror("ptyrun: send");
                key_us = now_us();
            } else if (screen_has(x->until)) {
                step_us[step_i++] = now_us() - key_us;
                key_us = -1;
                done = true;
            }
            if (done) {
                si++;
                step_start = -1;
                if (si == n_script) {
                    script_end = now_ms();
                    if (!steps) {
                        hwm = vmhwm_kb(pid);
                        break;
                    }
                    if (duration < 0 && !until_exit)
                        break;
                }
            }
        }
        if (wait_text && wait_seen < 0 && screen_has(wait_text))
            wait_seen = now_ms();
        if (wait_seen >= 0 && !waited && now_ms() - wait_seen >= hold) {
            waited = true;
            wait_ms = wait_seen - t0;
            if (then_run) {
                int64_t s = now_ms();
                int rc = system(then_run);
                run_ms = now_ms() - s;
                if (rc != 0) {
                    fprintf(stderr, "ptyrun: '%s' failed (%d)\n", then_run, rc);
                    break;
                }
                then_start = now_ms();
            }
            if (!then_row && !until_exit && duration < 0 && !steps)
                break;
        }
        if (then_row && then_start >= 0 && screen_row_has_both(row_a, row_b)) {
            then_ms = now_ms() - then_start;
            break;
        }
        if (!exited) {
            pid_t w = wait4(pid, &status, WNOHANG, &ru);
            if (w == pid) {
                exited = true;
                exit_us = now_us() - t0_us;
                exit_ms = exit_us / 1000;
                /* Drain what is left so the screen is complete. */
                ssize_t n;
                while ((n = read(master, buf, sizeof buf)) > 0) {
                    total_bytes += n;
                    vterm_input_write(vt, buf, (size_t)n);
                }
                vterm_screen_flush_damage(screen);
                break;
            }
        }
    }
    int64_t measured = now_ms() - t0 - warmup;
    if (sampling && last_change >= 0 && now_ms() - t0 - last_change > max_gap)
        max_gap = now_ms() - t0 - last_change; /* a row frozen at the end counts too */
    if (!exited && script && !steps && hwm < 0)
        hwm = vmhwm_kb(pid); /* a script that timed out: the peak so far */
    if (!exited) {
        kill(pid, SIGTERM);
        int64_t s = now_ms();
        while (now_ms() - s < 2000) {
            if (wait4(pid, &status, WNOHANG, &ru) == pid) {
                exited = true;
                break;
            }
            ssize_t n = read(master, buf, sizeof buf);
            (void)n;
            usleep(10000);
        }
        if (!exited) {
            kill(pid, SIGKILL);
            wait4(pid, &status, 0, &ru);
        }
    }
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec
                 + (double)ru.ru_stime.tv_usec / 1e6;
    printf("bytes=%lld chunks=%lld total_bytes=%lld measured_ms=%lld cpu_s=%.6f maxrss_kb=%ld wait_ms=%lld "
           "run_ms=%lld then_ms=%lld exit_ms=%lld exit_us=%lld exit_status=%d timed_out=%d window_cpu_s=%.6f "
           "send_ms=%lld out_us=%lld\n",
           bytes, chunks, total_bytes, (long long)(duration >= 0 ? duration : measured), cpu, ru.ru_maxrss,
           (long long)wait_ms, (long long)run_ms, (long long)then_ms, (long long)exit_ms, (long long)exit_us,
           WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), timed_out,
           cpu_at_warmup >= 0 && cpu_at_end >= 0 ? (double)(cpu_at_end - cpu_at_warmup) / 1e9 : -1.0,
           (long long)send_ms, (long long)out_us);
    if (sampling)
        printf("sample_changes=%lld max_gap_ms=%lld max_gap_step=%d\n", changes, (long long)max_gap, max_gap_step);
    if (script && !steps)
        printf("script_steps=%d script_ms=%lld script_failed=%d vmhwm_kb=%ld\n", si,
               (long long)(script_end >= 0 ? script_end - script_start : -1), script_failed, hwm);
    free(script);
    if (steps) {
        int64_t worst = 0;
        printf("steps_done=%zu step_ms=", step_i);
        for (size_t k = 0; k < step_i; k++) {
            printf("%s%.1f", k ? "," : "", (double)step_us[k] / 1000.0);
            worst = step_us[k] > worst ? step_us[k] : worst;
        }
        printf(" step_max_ms=%.1f\n", (double)worst / 1000.0);
    }
    free(step_us);
    if (dump)
        dump_screen();
    vterm_free(vt);
    close(master);
    return timed_out ? 3 : 0;
}
