/* The editor module's pure parts (which editor, its argument vector by git's rule, the header,
 * the comment stripping) and its file and process handling without a terminal: real temp files,
 * real /bin/sh children. The terminal handover itself is tested in a real pty
 * (tests/e2e/console_actions.sh). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slatop/editor.h"
#include "support_cli.h"

Test(console_editor, visual_then_editor_then_vi)
{
    cr_expect_str_eq(ed_command("nano", "vim"), "nano");
    cr_expect_str_eq(ed_command(NULL, "vim"), "vim");
    cr_expect_str_eq(ed_command("", "vim"), "vim");
    cr_expect_str_eq(ed_command("  ", "emacs -nw"), "emacs -nw");
    cr_expect_str_eq(ed_command(NULL, NULL), "vi");
    cr_expect_str_eq(ed_command("", " \t"), "vi");
}

static size_t argc_of(char **argv)
{
    size_t n = 0;
    while (argv[n])
        n++;
    return n;
}

Test(console_editor, argv_by_gits_rule)
{
    char **a = ed_argv_new("vi", "/tmp/x y");
    cr_assert_eq(argc_of(a), 2);
    cr_expect_str_eq(a[0], "vi");
    cr_expect_str_eq(a[1], "/tmp/x y");
    ed_argv_free(a);
    a = ed_argv_new("/usr/bin/nano", "/tmp/f");
    cr_assert_eq(argc_of(a), 2);
    cr_expect_str_eq(a[0], "/usr/bin/nano");
    ed_argv_free(a);
    const char *shelly[] = {"code --wait", "emacsclient -a \"\"", "$HOME/bin/ed", "ed;x", "~/ed"};
    for (size_t i = 0; i < sizeof shelly / sizeof shelly[0]; i++) {
        a = ed_argv_new(shelly[i], "/tmp/f");
        cr_assert_eq(argc_of(a), 5, "%s", shelly[i]);
        cr_expect_str_eq(a[0], "/bin/sh");
        cr_expect_str_eq(a[1], "-c");
        char want[128];
        snprintf(want, sizeof want, "%s \"$@\"", shelly[i]);
        cr_expect_str_eq(a[2], want);
        cr_expect_str_eq(a[3], shelly[i]);
        cr_expect_str_eq(a[4], "/tmp/f", "the path is an argument, never shell text");
        ed_argv_free(a);
    }
}

Test(console_editor, header_names_the_ticket_on_one_safe_line)
{
    char *h = ed_header(42, "Evil \x1b[2J\ntitle\xe2\x80\xae", MSG_REPLY);
    cr_expect(h[0] == '\n', "the message goes on the first line");
    cr_expect(strstr(h, "# Reply on ticket #42: Evil ") != NULL, "%s", h);
    cr_expect(strchr(h, '\x1b') == NULL, "an escape reached the file");
    cr_expect(strstr(h, "\xe2\x80\xae") == NULL, "a bidi override reached the file");
    cr_expect(strstr(h, "\ntitle") == NULL, "the title's newline split the comment line");
    cr_expect(strstr(h, "# Lines starting with # are removed; an empty message cancels.\n") != NULL);
    cr_expect(strstr(h, "public reply") != NULL);
    /* every line but the first is a comment: the header alone strips to nothing */
    size_t n;
    cr_expect_null(ed_strip(h, strlen(h), &n));
    free(h);
    h = ed_header(7, "t", MSG_NOTE);
    cr_expect(strstr(h, "# Note on ticket #7: t\n") != NULL, "%s", h);
    cr_expect(strstr(h, "internal note") != NULL);
    free(h);
}

static void expect_strip(const char *in, const char *want)
{
    size_t n = 12345;
    char *out = ed_strip(in, strlen(in), &n);
    if (!want) {
        cr_expect_null(out, "'%s' should cancel, got '%s'", in, out ? out : "");
        cr_expect_eq(n, 0);
    } else {
        cr_assert_not_null(out, "'%s' stripped to nothing", in);
        cr_expect_str_eq(out, want);
        cr_expect_eq(n, strlen(want));
    }
    free(out);
}

Test(console_editor, strip_removes_comments_and_outer_blank_lines)
{
    expect_strip("", NULL);
    expect_strip("\n\n", NULL);
    expect_strip(" \t\r\n  \n", NULL);
    expect_strip("# only\n#comments", NULL);
    expect_strip("\n# header\n", NULL);
    expect_strip("hello", "hello");
    expect_strip("hello\n", "hello");
    expect_strip("\n\nhello\n\n# c\n", "hello");
    expect_strip("line 1\n# gone\nline 2\n", "line 1\nline 2");
    expect_strip("a\n\n\nb\n", "a\n\n\nb");               /* inner blank lines stay */
    expect_strip("  indented\n", "  indented");           /* leading blanks of a line stay */
    expect_strip("not # a comment\n", "not # a comment"); /* only at the line's start */
    expect_strip(" # indented: text\n", " # indented: text");
    expect_strip("crlf\r\n\r\n", "crlf\r");
    expect_strip("Thanks, we are on it.\n\n# Reply on ticket #1: x\n", "Thanks, we are on it.");
    /* a NUL in the file is kept (the message check refuses it, never silently cut) */
    size_t n;
    char *out = ed_strip("a\0b\n", 4, &n);
    cr_assert_not_null(out);
    cr_expect_eq(n, 3);
    cr_expect(memcmp(out, "a\0b", 3) == 0);
    free(out);
}

/* A fresh sandbox as $TMPDIR and a new message file in it holding a header alone. */
static void sandboxed_file(ed_file *f, st_err *err)
{
    support_sandbox();
    setenv("TMPDIR", support_path(""), 1);
    st_err_clear(err);
    cr_assert_eq(ed_file_new("\n# header\n", f, err), ST_OK, "%s", err->msg);
}

Test(console_editor, temp_file_private_read_back_and_removed)
{
    ed_file f = {0};
    st_err err;
    sandboxed_file(&f, &err);
    cr_expect(strncmp(f.path, support_path(""), strlen(support_path(""))) == 0, "%s", f.path);
    struct stat st;
    cr_assert_eq(stat(f.path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600);
    char *body;
    size_t len;
    cr_assert_eq(ed_file_read(&f, &body, &len, &err), ST_OK, "%s", err.msg);
    cr_expect_null(body, "the untouched header is an empty message");
    FILE *fp = fopen(f.path, "a");
    cr_assert_not_null(fp);
    fputs("the body\n", fp);
    fclose(fp);
    cr_assert_eq(ed_file_read(&f, &body, &len, &err), ST_OK, "%s", err.msg);
    cr_assert_not_null(body);
    cr_expect_str_eq(body, "the body");
    free(body);
    char *path = xstrdup(f.path);
    ed_file_done(&f, true);
    cr_expect_eq(access(path, F_OK), 0, "kept on request");
    cr_expect_null(f.path);
    f.path = xstrdup(path);
    ed_file_done(&f, false);
    cr_expect_neq(access(path, F_OK), 0, "removed");
    free(path);
    setenv("TMPDIR", "relative/dir", 1); /* not absolute: /tmp */
    cr_assert_eq(ed_file_new("x", &f, &err), ST_OK, "%s", err.msg);
    cr_expect(strncmp(f.path, "/tmp/slatop-message-", 20) == 0, "%s", f.path);
    ed_file_done(&f, false);
    unsetenv("TMPDIR");
}

Test(console_editor, runs_the_editor_and_reports_its_status)
{
    ed_file f = {0};
    st_err err;
    sandboxed_file(&f, &err);
    /* a shell command as $EDITOR, quoting and all, writing into the file it is given */
    char **argv = ed_argv_new("sh -c 'printf \"from the editor\\n\" >>\"$1\"' editor", f.path);
    int status = -1;
    cr_assert_eq(ed_run(argv, false, &status, &err), ST_OK, "%s", err.msg);
    ed_argv_free(argv);
    cr_expect_eq(status, 0);
    char *body;
    size_t len;
    cr_assert_eq(ed_file_read(&f, &body, &len, &err), ST_OK, "%s", err.msg);
    cr_assert_not_null(body);
    cr_expect_str_eq(body, "from the editor");
    free(body);
    argv = ed_argv_new("exit 3;", f.path);
    cr_assert_eq(ed_run(argv, false, &status, &err), ST_OK, "%s", err.msg);
    ed_argv_free(argv);
    cr_expect_eq(status, 3);
    argv = ed_argv_new("kill -TERM $$;", f.path);
    cr_assert_eq(ed_run(argv, false, &status, &err), ST_OK, "%s", err.msg);
    ed_argv_free(argv);
    cr_expect_eq(status, 128 + 15);
    argv = ed_argv_new("/no/such/editor", f.path);
    cr_expect_eq(ed_run(argv, false, &status, &err), ST_IO);
    cr_expect(strstr(err.msg, "/no/such/editor") != NULL, "%s", err.msg);
    ed_argv_free(argv);
    ed_file_done(&f, false);
    unsetenv("TMPDIR");
}
