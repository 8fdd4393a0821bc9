// Test driver: the `aegis cid` sub-command as its own executable (argv[1] is "cid", like `aegis cid ...`).
#include "cli/commands.h"

int main(int argc, char** argv) { return aegis::cli::cid_main(argc - 1, argv + 1); }
