// `aegis new function NAME --lang c|as [--dir D] [--sdk DIR]` — scaffolds an edge-function project from the
// templates embedded in the binary (templates/function-c, templates/function-as).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cli/commands.h"
#include "cli/templates.h"

namespace aegis::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kNewUsage =
    "Usage: aegis new function NAME --lang c|as [--dir DIR] [--sdk SDK_DIR]\n"
    "\n"
    "Creates an edge-function project that builds and passes `aegis run` out of the box:\n"
    "  NAME.c / NAME.ts   the function, on the C SDK (sdk/c/aegis_edge.h) or the AssemblyScript SDK\n"
    "  build.sh           builds NAME.wasm (clang --target=wasm32-wasi, or the checkout's assemblyscript compiler)\n"
    "  test.sh            the test requests: runs NAME.wasm through `aegis run` and checks the answers\n"
    "  route.yaml         the functions: entry and a route to add to your config\n"
    "  README.md          (AssemblyScript also gets package.json)\n"
    "\n"
    "Options:\n"
    "  --lang c|as        the language: c (C99 on sdk/c) or as (AssemblyScript on sdk/assemblyscript)\n"
    "  --dir DIR          the project directory to create (default ./NAME); it must not exist or be empty\n"
    "  --sdk SDK_DIR      the sdk/ directory of AEGIS Edge (default: $AEGIS_SDK, else the checkout this binary\n"
    "                     was built from)\n"
    "  --help             this help\n"
    "\n"
    "NAME: 1 to 64 characters, lowercase letters, digits, '-' and '_', starting with a letter. It names the\n"
    "function in the config, the source file and NAME.wasm.\n"
    "\n"
    "Next steps: cd NAME && ./build.sh && ./test.sh — then docs/getting-started.md.\n";

constexpr int kExitOk = 0;
constexpr int kExitError = 1;

int fail(const std::string& message) {
  std::fprintf(stderr, "aegis new: %s\n", message.c_str());
  return kExitError;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "aegis new: %s\n(see `aegis new --help`)\n", message.c_str());
  return kExitError;
}

// Empty when valid, else why not.
std::string name_problem(std::string_view name) {
  if (name.empty()) return "the function name is empty";
  if (name.size() > 64) return "the function name '" + std::string(name) + "' is longer than 64 characters";
  if (!(name[0] >= 'a' && name[0] <= 'z'))
    return "the function name '" + std::string(name) + "' must start with a lowercase letter (a-z)";
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) {
      std::string what = (c >= 'A' && c <= 'Z') ? "uppercase letter '" + std::string(1, c) + "' (use lowercase)"
                         : (c == '/' || c == '.')   ? "'" + std::string(1, c) + "' (a name, not a path: use --dir)"
                         : (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                             ? std::string("a control character")
                             : "'" + std::string(1, c) + "'";
      return "the function name '" + std::string(name) + "' contains " + what +
             "; allowed: lowercase letters, digits, '-' and '_'";
    }
  }
  return {};
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  std::size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

std::string self_path(const char* argv0) {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) return p.string();
  p = fs::absolute(argv0, ec);
  return ec ? std::string(argv0) : p.lexically_normal().string();
}

bool write_file(const fs::path& path, std::string_view content, bool executable, std::string& error) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    error = "cannot create " + path.parent_path().string() + ": " + ec.message();
    return false;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    error = "cannot write " + path.string() + ": " + std::strerror(errno);
    return false;
  }
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    error = "cannot write " + path.string();
    return false;
  }
  if (executable && ::chmod(path.c_str(), 0755) != 0) {
    error = "cannot make " + path.string() + " executable: " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace

int new_main(int argc, char** argv) {
  std::string kind, name, lang, dir, sdk;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kNewUsage, stdout);
      return kExitOk;
    } else if (arg == "--lang" || arg == "-l") {
      const char* v = value();
      if (!v || !*v) return usage_error("--lang needs c or as");
      lang = v;
    } else if (arg.starts_with("--lang=")) {
      lang = std::string(arg.substr(7));
    } else if (arg == "--dir" || arg == "-d") {
      const char* v = value();
      if (!v || !*v) return usage_error("--dir needs a directory");
      dir = v;
    } else if (arg == "--sdk") {
      const char* v = value();
      if (!v || !*v) return usage_error("--sdk needs the sdk/ directory");
      sdk = v;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usage_error("unknown option " + std::string(arg));
    } else {
      positional.emplace_back(arg);
    }
  }
  if (positional.empty()) return usage_error("what to create? `aegis new function NAME --lang c|as`");
  if (positional[0] != "function")
    return usage_error("unknown kind '" + positional[0] + "': only `aegis new function NAME` exists");
  if (positional.size() < 2) return usage_error("no function name given: `aegis new function NAME --lang c|as`");
  if (positional.size() > 2) return usage_error("more than one function name given ('" + positional[2] + "')");
  name = positional[1];
  if (std::string problem = name_problem(name); !problem.empty()) return usage_error(problem);

  std::string template_name;
  if (lang == "c")
    template_name = "function-c";
  else if (lang == "as" || lang == "assemblyscript")
    template_name = "function-as";
  else if (lang.empty())
    return usage_error("--lang is required: c or as");
  else
    return usage_error("unknown language '" + lang + "': use --lang c or --lang as");

  // The SDK the project builds against.
  if (sdk.empty())
    if (const char* env = std::getenv("AEGIS_SDK"); env && *env) sdk = env;
  if (sdk.empty()) sdk = AEGIS_SDK_DIR;
  std::error_code ec;
  fs::path sdk_path = fs::absolute(sdk, ec).lexically_normal();
  if (!sdk_path.empty() && sdk_path.filename().empty()) sdk_path = sdk_path.parent_path();  // trailing '/'
  fs::path sdk_probe = template_name == "function-c" ? sdk_path / "c" / "aegis_edge.h"
                                                     : sdk_path / "assemblyscript" / "package.json";
  if (!fs::is_regular_file(sdk_probe, ec))
    return fail("cannot find the SDK: " + sdk_probe.string() +
                " does not exist; pass --sdk DIR (or set AEGIS_SDK) to the sdk/ directory of AEGIS Edge");

  // The project directory: must not exist, or be an empty directory.
  fs::path project = fs::absolute(dir.empty() ? name : dir, ec).lexically_normal();
  if (!project.empty() && project.filename().empty()) project = project.parent_path();
  if (fs::exists(fs::symlink_status(project, ec))) {
    if (!fs::is_directory(project, ec))
      return fail(project.string() + " already exists and is not a directory; choose another --dir or name");
    if (!fs::is_empty(project, ec))
      return fail(project.string() + " already exists and is not empty; choose another name or --dir, or remove it");
  }

  std::vector<std::string> written;
  const std::string aegis = self_path(argv[0]);
  std::string error;
  int count = 0;
  for (const TemplateFile& f : template_files()) {
    if (f.template_name != template_name) continue;
    std::string rel = replace_all(std::string(f.path), "__NAME__", name);
    std::string content = std::string(f.content);
    content = replace_all(content, "{{NAME}}", name);
    content = replace_all(content, "{{SDK_DIR}}", sdk_path.string());
    content = replace_all(content, "{{AEGIS}}", aegis);
    content = replace_all(content, "{{PROJECT_DIR}}", project.string());
    if (!write_file(project / rel, content, f.executable, error)) return fail(error);
    written.push_back(rel);
    ++count;
  }
  if (count == 0) return fail("this binary has no '" + template_name + "' template (build problem)");
  std::sort(written.begin(), written.end());

  const bool is_c = template_name == "function-c";
  std::string shown = dir.empty() ? name : dir;
  std::printf("created %s: %s edge function named '%s' (SDK: %s)\n", project.string().c_str(),
              is_c ? "a C" : "an AssemblyScript", name.c_str(), sdk_path.string().c_str());
  for (const auto& rel : written) std::printf("  %s\n", rel.c_str());
  std::printf("\nnext:\n  cd %s\n  ./build.sh     # -> %s.wasm\n  ./test.sh      # test requests through `aegis run`\n"
              "  then add route.yaml's entries to your config and reload (docs/getting-started.md)\n",
              shown.c_str(), name.c_str());
  return kExitOk;
}

}  // namespace aegis::cli
