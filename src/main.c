/* main: picks the command line or the console; everything else lives in the library. */
#include "slatop/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
