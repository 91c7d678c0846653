/* editor: the user's editor on a temp file, with the terminal handed over and taken back (see
 * editor.h). Why git's rule for $EDITOR rather than our own split on blanks: users write the
 * variable for git and mutt (`emacsclient -a ""`, quoted paths, `$HOME/...`), and only the shell
 * reads those as they mean; the file's path is passed as "$@", so no text of ours is ever shell
 * syntax. */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "slatop/editor.h"
#include "slatop/text.h"

extern char **environ;

const char *ed_command(const char *visual, const char *editor)
{
    const char *c[2] = {visual, editor};
    for (int i = 0; i < 2; i++)
        if (c[i] && c[i][strspn(c[i], " \t")] != '\0')
            return c[i];
    return "vi";
}

char **ed_argv_new(const char *command, const char *path)
{
    /* git's run-command.c: these characters (blanks included) make it a shell command */
    bool shell = command[strcspn(command, "|&;<>()$`\\\"' \t\n*?[#~=%")] != '\0';
    char **argv = xcalloc(6, sizeof *argv);
    size_t n = 0;
    if (shell) {
        strbuf sb;
        sb_init(&sb);
        sb_printf(&sb, "%s \"$@\"", command);
        argv[n++] = xstrdup("/bin/sh");
        argv[n++] = xstrdup("-c");
        argv[n++] = sb_steal(&sb);
    }
    argv[n++] = xstrdup(command); /* the shell's $0, or the program itself */
    argv[n++] = xstrdup(path);
    return argv;
}

void ed_argv_free(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

char *ed_header(int64_t ticket_id, const char *title, msg_kind kind)
{
    char *safe = text_sanitize(title ? title : "", false); /* one printable line */
    strbuf sb;
    sb_init(&sb);
    sb_printf(&sb, "\n# %s on ticket #%lld: %s\n", kind == MSG_NOTE ? "Note" : "Reply", (long long)ticket_id,
              safe);
    sb_append(&sb, kind == MSG_NOTE ? "# An internal note: the customer never sees it.\n"
                                    : "# A public reply to the customer.\n");
    sb_append(&sb, "# Lines starting with # are removed; an empty message cancels.\n");
    free(safe);
    return sb_steal(&sb);
}

static bool blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

char *ed_strip(const char *text, size_t len, size_t *out_len)
{
    strbuf sb;
    sb_init(&sb);
    size_t first = SIZE_MAX, end = 0; /* the first non-blank kept line's start, the last's end */
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        if (text[i] != '#') {
            size_t at = sb.len;
            sb_append_n(&sb, text + i, n);
            if (!blank_line(text + i, n)) {
                if (first == SIZE_MAX)
                    first = at;
                end = sb.len;
            }
            sb_append_c(&sb, '\n');
        }
        i += n + (nl ? 1 : 0);
    }
    char *out = NULL;
    if (first != SIZE_MAX) {
        out = xmalloc(end - first + 1);
        memcpy(out, sb.buf + first, end - first);
        out[end - first] = '\0';
        *out_len = end - first;
    } else {
        *out_len = 0;
    }
    sb_done(&sb);
    return out;
}

st_code ed_file_new(const char *header, ed_file *f, st_err *err)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || dir[0] != '/')
        dir = "/tmp";
    strbuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%s/slatop-message-XXXXXX", dir);
    f->path = sb_steal(&sb);
    int fd = mkstemp(f->path); /* 0600, O_EXCL: nobody else's file */
    if (fd < 0) {
        st_fail(err, ST_IO, "%s: cannot create: %s", f->path, strerror(errno));
        free(f->path);
        f->path = NULL;
        return ST_IO;
    }
    size_t len = strlen(header), done = 0;
    while (done < len) {
        ssize_t w = write(fd, header + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int saved = errno;
    if (close(fd) != 0 || done < len) {
        st_fail(err, ST_IO, "%s: cannot write: %s", f->path, strerror(done < len ? saved : errno));
        ed_file_done(f, false);
        return ST_IO;
    }
    return ST_OK;
}

st_code ed_file_read(const ed_file *f, char **body, size_t *len, st_err *err)
{
    char *text = NULL;
    size_t n = 0;
    *body = NULL;
    *len = 0;
    st_code rc = read_file_all(f->path, 4 * (size_t)MSG_BODY_MAX, &text, &n, err);
    if (rc != ST_OK)
        return rc;
    *body = ed_strip(text, n, len);
    free(text);
    return ST_OK;
}

void ed_file_done(ed_file *f, bool keep)
{
    if (f->path && !keep)
        unlink(f->path);
    free(f->path);
    f->path = NULL;
}

/* The terminal back from the editor: the termios the console had, the size read again (the
 * window may have been resized meanwhile), and every cell redrawn at the next update. */
static void take_back_terminal(void)
{
    reset_prog_mode();
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0 &&
        (ws.ws_row != LINES || ws.ws_col != COLS))
        resizeterm(ws.ws_row, ws.ws_col);
    clearok(curscr, TRUE);
    keypad(stdscr, TRUE);
}

st_code ed_run(char *const argv[], bool terminal, int *status, st_err *err)
{
    *status = -1;
    struct sigaction ign, dfl, old_int, old_quit, old_tstp, old_cont;
    memset(&ign, 0, sizeof ign);
    sigemptyset(&ign.sa_mask);
    dfl = ign;
    ign.sa_handler = SIG_IGN;
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    sigaction(SIGTSTP, &dfl, &old_tstp); /* not curses' handler: it would redraw over the editor */
    sigaction(SIGCONT, &dfl, &old_cont);
    if (terminal) {
        def_prog_mode();
        endwin();
    }
    fflush(stdout);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t def, none;
    sigemptyset(&def);
    sigemptyset(&none);
    static const int child_default[] = {SIGINT,  SIGQUIT, SIGTSTP, SIGCONT,
                                        SIGTERM, SIGHUP,  SIGPIPE, SIGWINCH};
    for (size_t i = 0; i < sizeof child_default / sizeof child_default[0]; i++)
        sigaddset(&def, child_default[i]);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], NULL, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    int ws = 0;
    if (rc == 0) {
        while (waitpid(pid, &ws, 0) < 0) {
            if (errno != EINTR) { /* someone else reaped it: no status to judge by */
                ws = -1;
                break;
            }
        }
    }
    if (terminal)
        take_back_terminal();
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    sigaction(SIGTSTP, &old_tstp, NULL);
    sigaction(SIGCONT, &old_cont, NULL);
    if (rc != 0)
        return st_fail(err, ST_IO, "editor '%s': cannot run: %s", argv[0], strerror(rc));
    if (ws == -1)
        return st_fail(err, ST_IO, "editor '%s': its exit status was lost", argv[0]);
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : 255;
    return ST_OK;
}
