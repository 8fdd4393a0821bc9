// The `aegis` sub-commands. main.cpp only dispatches; each command lives with the subsystem it drives.
#pragma once

namespace aegis::cli {
int serve_main(int argc, char** argv);  // aegis serve -c FILE          (src/server/serve_command.cpp)
int check_main(int argc, char** argv);  // aegis check -c FILE          (src/config/check_command.cpp)
int cid_main(int argc, char** argv);    // aegis cid FILE.wasm          (src/wasm/module/cid_command.cpp)
int run_main(int argc, char** argv);    // aegis run FUNCTION.wasm ...  (src/functions/run_command.cpp)
int new_main(int argc, char** argv);    // aegis new function NAME ...   (src/cli/new_command.cpp)
}  // namespace aegis::cli
