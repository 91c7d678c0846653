/* cli: the command line (SPEC §3). main() calls cli_main; with no command it opens the console. */
#ifndef SLATOP_CLI_H
#define SLATOP_CLI_H

#include <stdbool.h>

#include "slatop/config.h"
#include "slatop/util.h"

/* The global options after resolution (SPEC §3). Strings borrowed from argv/config/env. */
typedef struct {
    const char *db_path;     /* resolved: --db, $SLATOP_DB, config db, $XDG_DATA_HOME/slatop/slatop.db */
    const char *config_path; /* the config file used, or NULL */
    st_config *config;       /* borrowed; never NULL (defaults when no file) */
    st_clock clock;          /* --now applied */
    bool now_given;
    bool read_only;
    bool no_color;           /* --no-color or NO_COLOR set */
    bool demo;
    long max_frames;         /* -1 = unlimited */
    const char *keys_file;   /* --keys FILE, or NULL */
    bool ascii;              /* the locale's codeset is not UTF-8: output in pure ASCII */
} cli_globals;

/* Runs the program; returns the exit status (0, 1, 2). Prints results on stdout and one-line
 * errors on stderr: the only module besides the console that writes to the terminal. */
int cli_main(int argc, char **argv);

#endif
