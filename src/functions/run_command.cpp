// `aegis run FUNCTION.wasm ...` — runs one edge function once against a synthetic request and prints what it did.
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "functions/edge_module.h"
#include "functions/limits.h"
#include "functions/runner.h"
#include "hostapi/curl_http_fetcher.h"
#include "hostapi/invocation.h"
#include "hostapi/memory_kv_store.h"

namespace aegis::cli {

namespace {

namespace fn = aegis::functions;

constexpr const char* kRunUsage =
    "Usage: aegis run FUNCTION.wasm [options]\n"
    "\n"
    "Runs one edge function once against a synthetic request and prints the response it built (status,\n"
    "headers, body, early termination), its logs, the host calls it made, the fuel it used and the wall time.\n"
    "\n"
    "Options:\n"
    "  --method M        request method (default GET)\n"
    "  --uri U           request URI, path and query (default /)\n"
    "  -H 'name: value'  request header; repeatable (default host: localhost)\n"
    "  --body TEXT|@FILE request body, literal or read from FILE\n"
    "  --entry NAME      exported entry point () -> i32 (default handle_request)\n"
    "  --fuel N          instruction budget (default 5000000; 0 = no fuel instrumentation)\n"
    "  --timeout MS      wall-clock deadline in milliseconds (default 50; 0 = none)\n"
    "  --memory MIB      linear-memory cap in MiB (default 50)\n"
    "  --help            this help\n"
    "\n"
    "Key-value calls use an empty in-memory store; http_* calls go to the network (5 s timeout, 1 MiB).\n"
    "\n"
    "Exit status: 0 ok, 1 load or usage error, 3 trap, 4 limit (timeout, fuel, memory),\n"
    "5 the function reported an error (nonzero return or proc_exit).\n";

constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitTrap = 3;
constexpr int kExitLimit = 4;
constexpr int kExitFunctionError = 5;

int usage_error(const std::string& message) {
  std::fprintf(stderr, "aegis run: %s\n(see `aegis run --help`)\n", message.c_str());
  return kExitUsage;
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool read_whole_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// Text as-is when printable; control bytes (other than newline and tab) and bytes ≥ 0x7f outside valid UTF-8 are
// shown as \xNN so the output stays one readable block.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
      out += static_cast<char>(c);
      continue;
    }
    // keep well-formed UTF-8 sequences
    std::size_t n = (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3 : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
    bool ok = n > 1 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok) {
      out.append(s.substr(i, n));
      i += n - 1;
      continue;
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
  }
  return out;
}

void print_block(std::string_view text) {
  std::string p = printable(text);
  std::fputs(p.c_str(), stdout);
  if (!p.empty() && p.back() != '\n') std::fputc('\n', stdout);
}

int exit_code_for(fn::OutcomeStatus s) {
  switch (s) {
    case fn::OutcomeStatus::Ok: return kExitOk;
    case fn::OutcomeStatus::FunctionError: return kExitFunctionError;
    case fn::OutcomeStatus::Trap:
    case fn::OutcomeStatus::InstantiateError: return kExitTrap;
    case fn::OutcomeStatus::Timeout:
    case fn::OutcomeStatus::Memory:
    case fn::OutcomeStatus::Fuel: return kExitLimit;
    case fn::OutcomeStatus::HostError:
    case fn::OutcomeStatus::Overloaded: return kExitUsage;
  }
  return kExitUsage;
}

}  // namespace

int run_main(int argc, char** argv) {
  std::string module_path;
  std::string entry(fn::kDefaultEntry);
  fn::FunctionLimits limits = fn::FunctionLimits::edge_function();
  hostapi::Request request;
  request.method = "GET";
  request.uri = "/";

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kRunUsage, stdout);
      return kExitOk;
    } else if (arg == "--method" || arg == "-X") {
      const char* v = value();
      if (!v || !*v) return usage_error("--method needs a value");
      request.method = v;
    } else if (arg == "--uri") {
      const char* v = value();
      if (!v || !*v) return usage_error("--uri needs a value");
      request.uri = v;
    } else if (arg == "-H" || arg == "--header") {
      const char* v = value();
      if (!v) return usage_error("-H needs 'name: value'");
      std::string_view h = v;
      auto colon = h.find(':');
      if (colon == std::string_view::npos || trim(h.substr(0, colon)).empty())
        return usage_error("header '" + std::string(h) + "' is not 'name: value'");
      request.headers.push_back({std::string(trim(h.substr(0, colon))), std::string(trim(h.substr(colon + 1)))});
    } else if (arg == "--body" || arg == "-d") {
      const char* v = value();
      if (!v) return usage_error("--body needs TEXT or @FILE");
      if (v[0] == '@') {
        if (!read_whole_file(v + 1, request.body)) return usage_error(std::string("cannot read body file ") + (v + 1));
      } else {
        request.body = v;
      }
    } else if (arg == "--entry") {
      const char* v = value();
      if (!v || !*v) return usage_error("--entry needs a name");
      entry = v;
    } else if (arg == "--fuel") {
      const char* v = value();
      if (!v || !parse_number(v, limits.fuel)) return usage_error("--fuel needs a non-negative integer");
    } else if (arg == "--timeout") {
      const char* v = value();
      uint64_t ms = 0;
      if (!v || !parse_number(v, ms)) return usage_error("--timeout needs milliseconds (integer)");
      limits.deadline = std::chrono::milliseconds(ms);
    } else if (arg == "--memory") {
      const char* v = value();
      uint64_t mib = 0;
      if (!v || !parse_number(v, mib) || mib == 0 || mib > 4096)
        return usage_error("--memory needs MiB between 1 and 4096");
      limits.memory_bytes = static_cast<std::size_t>(mib) * fn::kMiB;
    } else if (!arg.empty() && arg[0] == '-') {
      return usage_error("unknown option " + std::string(arg));
    } else if (module_path.empty()) {
      module_path = std::string(arg);
    } else {
      return usage_error("more than one module given");
    }
  }
  if (module_path.empty()) return usage_error("no FUNCTION.wasm given");
  if (!hostapi::find_header(request.headers, "host")) request.headers.insert(request.headers.begin(), {"host", "localhost"});

  fn::LoadOptions load;
  load.limits = limits;
  load.entries = {entry};
  fn::LoadResult loaded = fn::load_edge_module_file(module_path, load);
  if (!loaded) {
    std::fprintf(stderr, "aegis run: %s\n", loaded.error.c_str());
    return kExitUsage;
  }
  const fn::EdgeModule& module = *loaded.module;

  hostapi::MemoryKvStore kv;
  hostapi::CurlHttpFetcher http;
  hostapi::InvocationContext ctx;
  ctx.phase = hostapi::Phase::Request;
  ctx.request = request;
  ctx.kv = &kv;
  ctx.kv_namespace = module.cid;
  ctx.http = &http;

  fn::FunctionRunner runner;
  fn::Outcome out = runner.invoke(module, entry, ctx, limits);

  std::printf("module: %s\n", module.path.c_str());
  std::printf("cid: %s\n", module.cid.c_str());
  std::printf("entry: %s\n", entry.c_str());
  std::printf("request: %s %s\n", request.method.c_str(), request.uri.c_str());
  std::printf("\n");
  if (ctx.response.status)
    std::printf("status: %d\n", *ctx.response.status);
  else
    std::printf("status: (not set)\n");
  std::printf("headers: %zu\n", ctx.response.headers.size());
  for (const auto& h : ctx.response.headers)
    std::printf("  %s: %s\n", printable(h.name).c_str(), printable(h.value).c_str());
  if (ctx.response.body_set) {
    std::printf("body: %zu bytes\n", ctx.response.body.size());
    print_block(ctx.response.body);
  } else {
    std::printf("body: (not set)\n");
  }
  if (ctx.terminate)
    std::printf("terminate: yes (status %d)\n", ctx.terminate_status);
  else
    std::printf("terminate: no\n");
  if (ctx.request_modified.any()) {
    std::printf("request modified:%s%s%s%s\n", ctx.request_modified.method ? " method" : "",
                ctx.request_modified.uri ? " uri" : "", ctx.request_modified.headers ? " headers" : "",
                ctx.request_modified.body ? " body" : "");
    std::printf("  %s %s\n", ctx.request.method.c_str(), printable(ctx.request.uri).c_str());
  }
  std::printf("result data: %zu bytes\n", ctx.shared_buffer.size());
  std::printf("\n");
  std::printf("logs: %zu%s\n", ctx.logs.size(),
              ctx.logs_dropped ? (" (" + std::to_string(ctx.logs_dropped) + " dropped)").c_str() : "");
  for (const auto& l : ctx.logs) std::printf("  [%s] %s\n", hostapi::to_string(l.level), printable(l.text).c_str());
  std::printf("host calls: %u\n", ctx.total_host_calls());
  for (std::size_t i = 0; i < hostapi::kHostCallCount; ++i) {
    if (ctx.host_calls[i] == 0) continue;
    std::string name(hostapi::host_call_name(static_cast<hostapi::HostCall>(i)));
    std::printf("  %-36s %u\n", name.c_str(), ctx.host_calls[i]);
  }
  if (!ctx.errors.empty()) {
    std::printf("host errors: %zu\n", ctx.errors.size() + ctx.errors_dropped);
    for (const auto& e : ctx.errors) std::printf("  %s\n", printable(e).c_str());
  }
  std::printf("\n");
  std::printf("outcome: %s\n", fn::label(out.status));
  if (!out.message.empty()) std::printf("message: %s\n", printable(out.message).c_str());
  std::printf("return value: %d\n", out.return_value);
  if (module.fuel_instrumented)
    std::printf("fuel used: %llu of %llu\n", static_cast<unsigned long long>(out.fuel_used),
                static_cast<unsigned long long>(limits.fuel));
  else
    std::printf("fuel used: n/a (fuel off)\n");
  std::printf("wall time: %.3f ms (including instantiation)\n",
              std::chrono::duration<double, std::milli>(out.wall).count());
  std::fflush(stdout);
  return exit_code_for(out.status);
}

}  // namespace aegis::cli
