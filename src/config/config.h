// The node's configuration: the typed result of parsing and validating aegis.yaml.
// Parsing lives in loader.h; this header is only the data model every subsystem reads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/bot_config.h"
#include "config/cache_config.h"
#include "config/redis_config.h"
#include "config/waf_config.h"

namespace aegis::config {

using Millis = std::chrono::milliseconds;

struct Endpoint {
  std::string host;  // IP literal or name (resolved at start/reload)
  uint16_t port = 0;

  bool operator==(const Endpoint&) const = default;
};

struct Listener {
  std::string address = "0.0.0.0";
  uint16_t port = 8080;

  bool operator==(const Listener&) const = default;
};

struct Origin {
  std::string name;
  std::vector<Endpoint> servers;    // round-robin
  Millis connect_timeout{2000};
  Millis read_timeout{30000};       // time to first byte and between reads from the origin
  std::size_t pool_size = 64;       // idle keep-alive connections kept per worker
  Millis pool_idle_timeout{60000};  // idle pooled connection lifetime
  std::string host_header;          // if set, sent as Host instead of the client's Host

  bool operator==(const Origin&) const = default;
};

// One entry of a route's function chain: a function (by name, from Config::functions) with per-use overrides.
// Written in YAML as a plain name or as a mapping (see docs/edge-functions.md). A use whose name is not a
// top-level function defines the function inline and must give `module`.
struct FunctionUse {
  std::string name;
  std::optional<std::string> module;       // overrides (unset = the function's own setting)
  std::optional<std::string> entry;
  std::optional<std::string> phase;        // request | response | both
  std::optional<std::string> on_error;     // open | closed
  std::optional<Millis> timeout;
  std::optional<std::size_t> memory;
  std::optional<uint64_t> fuel;
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing entries of) the function's env
  // Canary: the function runs only for the clients whose bucket (0-99, a hash of canary_key) is below `canary`
  // (variant "canary") or not below it (variant "stable"). 100 = every client (no split).
  unsigned canary = 100;
  std::string canary_key = "ip";           // ip | cookie:NAME | header:NAME (falls back to the client IP)
  std::string canary_variant = "canary";   // canary | stable
  // Set by the loader: `module` resolved like functions[].module, and where it was written (for load errors).
  std::string module_path;
  int module_line = 0, module_column = 0;
  int line = 0, column = 0;                // of the list item

  bool operator==(const FunctionUse& o) const {
    return name == o.name && module == o.module && entry == o.entry && phase == o.phase && on_error == o.on_error &&
           timeout == o.timeout && memory == o.memory && fuel == o.fuel && env == o.env && canary == o.canary &&
           canary_key == o.canary_key && canary_variant == o.canary_variant;
  }
};

struct Route {
  std::string host = "*";           // exact host (port ignored) or "*" for any; "*.example.com" suffix match
  std::string path_prefix = "/";    // byte prefix of the path (used when `path` is empty)
  std::string path;                 // exact path, or a glob: `*` = one segment (or part of one), `**` = any depth
  std::vector<std::string> methods;  // upper-case; empty = any method
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case name → exact value, or "*" = present
  unsigned priority = 0;            // higher wins; ties: see proxy/router.h
  std::string origin;               // name of an Origin
  std::vector<FunctionUse> functions;  // edge functions, run in this order
  RouteBot bot;                     // bot management policy (config/bot_config.h)
  RouteWaf waf;                     // WAF mode and exclusions (config/waf_config.h)
  RouteCache cache;                 // cache policy overrides (config/cache_config.h)

  bool operator==(const Route&) const = default;
};

// An edge function (a Wasm module) that routes can run. See docs/edge-functions.md.
struct Function {
  std::string name;
  std::string module;               // path as written in the config
  std::string module_path;          // resolved: relative paths are taken from the config file's directory
  std::string entry = "handle_request";
  std::string phase = "request";    // request | response | both
  std::string on_error = "open";    // open (continue without it) | closed (fail the request)
  Millis timeout{50};               // wall-clock deadline per invocation
  std::size_t memory = 50 * 1024 * 1024;  // linear-memory cap
  uint64_t fuel = 5000000;          // instruction budget per invocation; 0 = no fuel metering
  std::vector<std::pair<std::string, std::string>> env;  // the module's environment (WASI environ_get / getenv)
  int module_line = 0;              // position of `module` in the file (for load errors), 0 = unknown
  int module_column = 0;
  std::string module_key;           // key path of that `module` ("functions[0].module"), for load errors

  // Equal configuration (where in the file it was written does not count).
  bool operator==(const Function& o) const {
    return name == o.name && module == o.module && module_path == o.module_path && entry == o.entry &&
           phase == o.phase && on_error == o.on_error && timeout == o.timeout && memory == o.memory && fuel == o.fuel &&
           env == o.env;
  }
};

struct Limits {
  std::size_t max_header_bytes = 16 * 1024;          // request line + headers; exceeding → 431
  std::size_t max_body_bytes = 10 * 1024 * 1024;     // request body; exceeding → 413
  Millis client_header_timeout{10000};               // time to receive a full request head
  Millis client_idle_timeout{60000};                 // keep-alive idle time between requests
  Millis send_timeout{60000};                        // time allowed for a write to the client to progress

  bool operator==(const Limits&) const = default;
};

struct Admin {
  bool enabled = true;
  std::string address = "127.0.0.1";
  uint16_t port = 9901;

  bool operator==(const Admin&) const = default;
};

struct AccessLog {
  bool enabled = true;
  std::string path = "-";           // "-" = stdout, otherwise a file appended to

  bool operator==(const AccessLog&) const = default;
};

struct DemoOrigin {                 // the embedded demo origin used by `make run`
  bool enabled = false;
  std::string address = "127.0.0.1";
  uint16_t port = 8081;

  bool operator==(const DemoOrigin&) const = default;
};

struct Config {
  std::string source_path;          // file it was loaded from
  unsigned workers = 0;             // 0 = auto (one per core)
  std::string node_name = "aegis";  // used in Via and logs
  std::string request_id_header = "x-request-id";
  std::vector<Listener> listeners;
  std::vector<Origin> origins;
  std::vector<Route> routes;        // the matching route wins by the precedence of proxy/router.h
  std::vector<Function> functions;  // edge functions, referenced by routes[].functions
  Limits limits;
  Admin admin;
  AccessLog access_log;
  std::string log_level = "info";
  DemoOrigin demo_origin;
  RedisConfig redis;                // config/redis_config.h
  KvConfig kv;                      // config/redis_config.h (edge-function KV store)
  CacheConfig cache;                // config/cache_config.h
  WafConfig waf;                    // config/waf_config.h
  BotConfig bot;                    // config/bot_config.h

  bool operator==(const Config&) const = default;

  const Function* find_function(const std::string& name) const {
    for (const auto& f : functions)
      if (f.name == name) return &f;
    return nullptr;
  }
  const Origin* find_origin(const std::string& name) const {
    for (const auto& o : origins)
      if (o.name == name) return &o;
    return nullptr;
  }
};

}  // namespace aegis::config
