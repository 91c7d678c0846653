/* PLACEHOLDER until the console lands (issue 3): replaced wholesale by the console engineer. */
#include "slatop/app.h"

int app_run(const cli_globals *g, st_err *err)
{
    (void)g;
    st_fail(err, ST_USAGE, "the console is not built yet: give a command (see --help)");
    return 2;
}
