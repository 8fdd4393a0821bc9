// aegis check -c FILE: load and validate a config; print a one-line summary or the error as FILE:LINE:COL: KEY: MSG.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/commands.h"
#include "config/function_modules.h"
#include "config/loader.h"

namespace aegis::cli {
namespace {

constexpr const char* kCheckUsage =
    "Usage: aegis check -c FILE\n"
    "\n"
    "Validates an AEGIS Edge config file without starting anything (edge-function modules are loaded too).\n"
    "On success prints \"ok: FILE: N listeners, N origins, N routes\" and exits 0.\n"
    "On error prints FILE:LINE:COL: KEY: MESSAGE to standard error and exits 1.\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE   the config file to check (also accepted as the only argument)\n"
    "  -h, --help          print this help\n";

}  // namespace

int check_main(int argc, char** argv) {
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (!std::strcmp(a, "-h") || !std::strcmp(a, "--help")) {
      std::fputs(kCheckUsage, stdout);
      return 0;
    }
    if (!std::strcmp(a, "-c") || !std::strcmp(a, "--config")) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "aegis check: %s needs a file name\n\n%s", a, kCheckUsage);
        return 2;
      }
      path = argv[++i];
    } else if (!std::strncmp(a, "--config=", 9)) {
      path = a + 9;
    } else if (a[0] != '-' && path.empty()) {
      path = a;
    } else {
      std::fprintf(stderr, "aegis check: unexpected argument '%s'\n\n%s", a, kCheckUsage);
      return 2;
    }
  }
  if (path.empty()) {
    std::fprintf(stderr, "aegis check: no config file given\n\n%s", kCheckUsage);
    return 2;
  }
  try {
    config::Config cfg = config::load_file(path);
    config::load_function_modules(cfg);  // every edge-function module must load, as `serve` would require
    if (cfg.functions.empty())
      std::printf("ok: %s: %zu listeners, %zu origins, %zu routes\n", path.c_str(), cfg.listeners.size(),
                  cfg.origins.size(), cfg.routes.size());
    else
      std::printf("ok: %s: %zu listeners, %zu origins, %zu routes, %zu functions\n", path.c_str(),
                  cfg.listeners.size(), cfg.origins.size(), cfg.routes.size(), cfg.functions.size());
    return 0;
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}

}  // namespace aegis::cli
