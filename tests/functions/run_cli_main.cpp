// Carries `aegis run` alone: argv[1..] are the run command's arguments, exactly as `aegis run ...` passes them.
#include "cli/commands.h"

int main(int argc, char** argv) {
  argv[0] = const_cast<char*>("run");
  return aegis::cli::run_main(argc, argv);
}
