/* app: the console (SPEC §4): one event loop, views, keys. */
#ifndef SLATOP_APP_H
#define SLATOP_APP_H

#include "slatop/cli.h"
#include "slatop/keymap.h"

/* Opens the console on g->db_path and runs it until the user quits (or --max-frames is reached).
 * Restores the terminal on every exit path. Returns the exit status; on failure err names the
 * problem (the caller prints it). */
int app_run(const cli_globals *g, st_err *err);

/* What only the console knows about a config (config_load checks the rest): every `keys` action
 * and key name, and every theme element, exists. The command line runs it for every command, so
 * that a typo in the file is refused wherever it is used, not only when the console opens. With
 * keys not NULL the bindings are applied to it (unchanged on failure). Errors are prefixed with
 * the config's path. */
st_code app_config_check(const st_config *config, km_map *keys, st_err *err);

#endif
