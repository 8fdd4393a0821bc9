// sdk_run: `aegis run` alone — the same run_main (src/functions/run_command.cpp) the aegis binary dispatches to,
// with the same argv convention (`sdk_run run FUNCTION.wasm ...`). Only used when the SDK tests are configured with
// -DAEGIS_SDK_TEST_RUNNER=sdk_run (while the full binary does not link); the default runner is the real `aegis`.
#include <cstdio>
#include <cstring>

#include "cli/commands.h"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "run") == 0) return aegis::cli::run_main(argc - 1, argv + 1);
  std::fputs("usage: sdk_run run FUNCTION.wasm [options]\n", stderr);
  return 2;
}
