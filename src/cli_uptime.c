/* PLACEHOLDER until the uptime issue lands: replaced wholesale by the uptime engineer. */
#include <stdio.h>

#include "slatop/cli.h"

int cli_uptime(const cli_globals *g, int argc, char **argv)
{
    (void)g;
    (void)argc;
    (void)argv;
    fprintf(stderr, "slatop: uptime: not available yet\n");
    return 1;
}
