// aegis — the AEGIS Edge command line. Dispatches to the sub-commands declared in commands.h.
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "cli/commands.h"
#include "common/version.h"

#ifdef AEGIS_WITH_JEMALLOC
extern "C" int mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp, std::size_t newlen);
#endif

namespace {

// The allocator the binary runs on (jemalloc when built with AEGIS_JEMALLOC, the default outside sanitizer builds).
void print_allocator() {
#ifdef AEGIS_WITH_JEMALLOC
  const char* v = nullptr;
  std::size_t len = sizeof v;
  if (mallctl("version", &v, &len, nullptr, 0) == 0 && v) {
    std::printf("allocator: jemalloc %s\n", v);
    return;
  }
#endif
  std::printf("allocator: system malloc\n");
}

constexpr const char* kUsage =
    "AEGIS Edge — an HTTP edge node with WebAssembly edge functions.\n"
    "\n"
    "Usage:\n"
    "  aegis serve -c FILE      run the edge node with the given YAML config\n"
    "  aegis check -c FILE      validate a config (and the modules it references); exit 1 naming file:line:key\n"
    "  aegis run FUNCTION.wasm  run one edge function against a synthetic request (see `aegis run --help`)\n"
    "  aegis cid FILE.wasm      print a module's content id (CIDv1, raw, sha2-256, base32)\n"
    "  aegis new function NAME --lang c|as [--dir DIR]\n"
    "                           scaffold an edge-function project (source on the SDK, build.sh, test.sh,\n"
    "                           route.yaml) that builds and passes `aegis run` out of the box\n"
    "  aegis --version          print the version (and the memory allocator in use)\n"
    "  aegis --help             print this help\n"
    "\n"
    "Each command accepts --help for its own options.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "--version" || cmd == "-V" || cmd == "version") {
    std::printf("aegis %s\n", aegis::kVersion);
    print_allocator();
    return 0;
  }
  // Sub-commands see argv starting at their own name.
  if (cmd == "serve") return aegis::cli::serve_main(argc - 1, argv + 1);
  if (cmd == "check") return aegis::cli::check_main(argc - 1, argv + 1);
  if (cmd == "run") return aegis::cli::run_main(argc - 1, argv + 1);
  if (cmd == "cid") return aegis::cli::cid_main(argc - 1, argv + 1);
  if (cmd == "new") return aegis::cli::new_main(argc - 1, argv + 1);
  std::fprintf(stderr, "aegis: unknown command '%s'\n\n%s", argv[1], kUsage);
  return 2;
}
