/* editor: replies and notes written in the user's editor (SPEC §8), as git and mutt do it: a temp
 * file with a commented header, `$VISUAL`, else `$EDITOR`, else `vi` run on it with the terminal
 * handed over, the file read back without its comment lines. The pure parts (which editor, its
 * argument vector, the header, the stripping) are separate functions for the unit tests; ed_run
 * is the handover. Console layer (it suspends and restores curses). */
#ifndef SLATOP_EDITOR_H
#define SLATOP_EDITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slatop/model.h"
#include "slatop/util.h"

/* The editor command: visual when set and not blank, else editor when so, else "vi" (git's and
 * mutt's order). Returns one of its arguments or the static "vi". */
const char *ed_command(const char *visual, const char *editor);

/* The argument vector that runs `command` on `path`, by git's rule: a command with no shell
 * metacharacter and no blank (`vi`, `/usr/bin/nano`) is executed directly; anything else
 * (`code --wait`, `emacsclient -a ""`, `"$HOME/bin/ed"`) is run as
 * `/bin/sh -c 'COMMAND "$@"' COMMAND PATH`, so the user's quoting means what it means to git, and
 * the path is an argument, never shell text. NULL-terminated; caller owns it (ed_argv_free). */
char **ed_argv_new(const char *command, const char *path);
void ed_argv_free(char **argv);

/* The text the file starts with: an empty first line for the message, then comment lines naming
 * the ticket (title sanitised to one printable line) and the rules. Caller owns it (free). */
char *ed_header(int64_t ticket_id, const char *title, msg_kind kind);

/* The message in an edited file of len bytes: lines starting with '#' removed, then leading and
 * trailing blank lines (only spaces, tabs, CR) and the final newline dropped. NULL when nothing
 * is left (an empty message cancels); else caller owns it (free), *out_len its length in bytes
 * (the text may hold NUL bytes, which the caller's checks refuse). */
char *ed_strip(const char *text, size_t len, size_t *out_len);

/* A temp file for one message: created with mkstemp in $TMPDIR (absolute) or /tmp, mode 0600,
 * holding `header`. */
typedef struct {
    char *path; /* owned */
} ed_file;
st_code ed_file_new(const char *header, ed_file *f, st_err *err);
/* Reads the file back (at most 4 * MSG_BODY_MAX bytes) and strips it (ed_strip): *body is NULL
 * when the message is empty. Caller owns *body (free). */
st_code ed_file_read(const ed_file *f, char **body, size_t *len, st_err *err);
/* Removes the file, unless keep (the message could not be recorded: the user's text stays there),
 * and frees the path. */
void ed_file_done(ed_file *f, bool keep);

/* Runs argv (execvp) and waits for it. With `terminal`, the terminal is handed over first
 * (def_prog_mode, endwin) and taken back after (reset_prog_mode, the size read again in case it
 * changed, every cell marked for a full redraw): the caller lays the screen out again. While the
 * child runs, the caller does nothing else (it waits here: no tick, no drawing), SIGINT and
 * SIGQUIT are ignored (they are the editor's) and SIGTSTP/SIGCONT take their defaults, so a
 * suspended editor suspends the console with it, as mutt does. *status: the exit status (0-255),
 * or 128 + the signal that ended it. Errors: ST_IO (the program could not be started). */
st_code ed_run(char *const argv[], bool terminal, int *status, st_err *err);

#endif
