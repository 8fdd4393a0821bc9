// `aegis cid FILE.wasm`: print the content id of a file's bytes.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "wasm/module/cid.h"

namespace aegis::cli {
namespace {
constexpr const char* kHelp =
    "Usage: aegis cid FILE.wasm\n"
    "\n"
    "Print the content id of FILE's bytes: CIDv1, raw codec, sha2-256, base32 (\"bafkrei...\"),\n"
    "the identifier IPFS gives the same bytes. Modules are referenced by this id in the config.\n";
}  // namespace

int cid_main(int argc, char** argv) {
  std::vector<std::string_view> files;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kHelp, stdout);
      return 0;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "aegis cid: unknown option '%s'\n\n%s", argv[i], kHelp);
      return 2;
    }
    files.push_back(a);
  }
  if (files.size() != 1) {
    std::fputs(kHelp, stderr);
    return 2;
  }
  std::string path(files[0]);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    std::fprintf(stderr, "aegis cid: cannot read %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  std::vector<uint8_t> bytes;
  uint8_t buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  const bool failed = std::ferror(f);
  const int saved_errno = errno;
  std::fclose(f);
  if (failed) {
    std::fprintf(stderr, "aegis cid: cannot read %s: %s\n", path.c_str(), std::strerror(saved_errno));
    return 1;
  }
  std::printf("%s\n", wasm::content_id(bytes).c_str());
  return 0;
}

}  // namespace aegis::cli
