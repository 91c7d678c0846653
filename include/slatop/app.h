/* app: the console (SPEC §4): one event loop, views, keys. */
#ifndef SLATOP_APP_H
#define SLATOP_APP_H

#include "slatop/cli.h"

/* Opens the console on g->db_path and runs it until the user quits (or --max-frames is reached).
 * Restores the terminal on every exit path. Returns the exit status; on failure err names the
 * problem (the caller prints it). */
int app_run(const cli_globals *g, st_err *err);

#endif
