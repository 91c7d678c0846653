/* support_cli: run the real slatop binary (SLATOP_BINARY) in a sandbox and capture what it did.
 * Linked into every unit test executable; everything is prefixed support_. */
#ifndef SLATOP_SUPPORT_CLI_H
#define SLATOP_SUPPORT_CLI_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int status;     /* exit status, or 128+signal when killed */
    char *out;      /* stdout, NUL-terminated (owned) */
    size_t out_len;
    char *err;      /* stderr, NUL-terminated (owned) */
    size_t err_len;
} support_result;

/* Creates a fresh temporary directory and points HOME, XDG_DATA_HOME, XDG_CONFIG_HOME,
 * XDG_STATE_HOME at it; pins TZ=UTC and LC_ALL=C.UTF-8; unsets SLATOP_DB, SLATOP_CONFIG, NO_COLOR.
 * Returns the directory (static buffer, valid until the next call). */
const char *support_sandbox(void);
/* A path inside the sandbox (static rotating buffers: up to 8 live at once). */
const char *support_path(const char *name);
/* Writes a file (whole content); aborts the test on failure. */
void support_write_file(const char *path, const char *content, size_t len);

/* Runs SLATOP_BINARY with argv (NULL-terminated, without the program name), stdin from
 * stdin_text (may be NULL: /dev/null). Times out after 30 s (status 137). */
void support_run_argv(support_result *r, const char *stdin_text, const char *const *argv);
/* Same with the arguments inline: support_run(&r, "list", "--json", NULL). */
void support_run(support_result *r, ...);
void support_result_done(support_result *r);

/* The path of a shipped file under SLATOP_SOURCE_DIR (static rotating buffers). */
const char *support_source(const char *rel);
/* Number of lines (newline-terminated) in s. */
size_t support_count_lines(const char *s);
/* True when buf holds a byte a terminal could act on: C0 except '\n', DEL, C1 as UTF-8 (C2 80-9F),
 * raw bytes 0x80-0xFF that are not valid UTF-8, or bidi/zero-width characters as UTF-8. *where
 * gets the offset of the first one. */
bool support_has_unsafe_bytes(const char *buf, size_t len, size_t *where);

#endif
