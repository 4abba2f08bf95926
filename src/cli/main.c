#include "cli/cli.h"

int main(int argc, char **argv) { return rk_cli_main(argc, argv); }
