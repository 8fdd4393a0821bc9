// The aegis.yaml schema: the single table the loader validates against and docs/configuration.md documents.
#include "config/schema.h"

#include <array>

namespace aegis::config {
namespace {

template <typename T>
T& as(void* p) {
  return target<T>(p);
}

using VT = ValueType;
constexpr std::string_view kLogLevels = "trace,debug,info,warn,error,critical,off";

// clang-format off
const SchemaEntry kSchema[] = {
  {"workers", VT::Workers, "auto", false,
   "Number of worker threads, each with its own event loop. `auto` = one per CPU core.", {}, 0, 1024,
   [](void* t, const Value& v) { as<Config>(t).workers = static_cast<unsigned>(v.integer); }},
  {"node_name", VT::NonEmptyString, "aegis", false,
   "Name of this node, used in the `Via` header and in logs.", {}, 0, 0,
   [](void* t, const Value& v) { as<Config>(t).node_name = v.text; }},
  {"request_id_header", VT::NonEmptyString, "x-request-id", false,
   "Name of the header that carries the request id. Must be a valid header name; stored lower-case.", {}, 0, 0,
   [](void* t, const Value& v) { as<Config>(t).request_id_header = v.text; }},

  {"listeners", VT::List, "", true,
   "Addresses the proxy accepts client connections on. At least one.", {}, 0, 0, nullptr,
   [](void* p) -> void* { return &as<Config>(p).listeners.emplace_back(); }},
  {"listeners[].address", VT::Address, "0.0.0.0", false,
   "IP address (or host name) to bind; `0.0.0.0` = all IPv4 interfaces, `::` = all IPv6 interfaces.", {}, 0, 0,
   [](void* t, const Value& v) { as<Listener>(t).address = v.text; }},
  {"listeners[].port", VT::Port, "", true,
   "TCP port to listen on. `0` picks a free port (useful in tests).", {}, 0, 0,
   [](void* t, const Value& v) { as<Listener>(t).port = static_cast<uint16_t>(v.integer); }},

  {"origins", VT::List, "[]", false,
   "Upstream server groups that routes send requests to.", {}, 0, 0, nullptr,
   [](void* p) -> void* { return &as<Config>(p).origins.emplace_back(); }},
  {"origins[].name", VT::NonEmptyString, "", true,
   "Unique name, referenced by `routes[].origin`.", {}, 0, 0,
   [](void* t, const Value& v) { as<Origin>(t).name = v.text; }},
  {"origins[].servers", VT::HostPortList, "", true,
   "List of `host:port` (or `[v6]:port`) servers, used round-robin. At least one.", {}, 1, 0,
   [](void* t, const Value& v) { as<Origin>(t).servers = v.endpoints; }},
  {"origins[].connect_timeout", VT::Duration, "2s", false,
   "Time allowed to establish a TCP connection to a server.", {}, 1, 0,
   [](void* t, const Value& v) { as<Origin>(t).connect_timeout = v.duration; }},
  {"origins[].read_timeout", VT::Duration, "30s", false,
   "Time allowed for the first response byte and between reads from the origin.", {}, 1, 0,
   [](void* t, const Value& v) { as<Origin>(t).read_timeout = v.duration; }},
  {"origins[].pool_size", VT::Integer, "64", false,
   "Idle keep-alive connections kept per worker for this origin. `0` disables pooling.", {}, 0, 100000,
   [](void* t, const Value& v) { as<Origin>(t).pool_size = static_cast<std::size_t>(v.integer); }},
  {"origins[].pool_idle_timeout", VT::Duration, "1m", false,
   "How long an idle pooled connection is kept before it is closed.", {}, 1, 0,
   [](void* t, const Value& v) { as<Origin>(t).pool_idle_timeout = v.duration; }},
  {"origins[].host_header", VT::String, "\"\"", false,
   "If set, sent as `Host` to the origin instead of the client's `Host`.", {}, 0, 0,
   [](void* t, const Value& v) { as<Origin>(t).host_header = v.text; }},

  {"routes", VT::List, "[]", false,
   "Which origin serves a request, and which edge functions run on it. The matching route with the highest "
   "`priority` wins; ties go to the more specific host, then the more specific path (exact, then glob, then "
   "prefix; longer first), then the route with more conditions (methods, headers), then the earlier route.",
   {}, 0, 0, nullptr,
   [](void* p) -> void* { return &as<Config>(p).routes.emplace_back(); }},
  {"routes[].host", VT::HostPattern, "\"*\"", false,
   "`*` (any host), an exact host (`www.example.com`, port ignored, case-insensitive) or a suffix pattern "
   "(`*.example.com`).", {}, 0, 0,
   [](void* t, const Value& v) { as<Route>(t).host = v.text; }},
  {"routes[].path_prefix", VT::PathPrefix, "/", false,
   "Path prefix the request path must start with (a byte prefix: `/api` matches `/api`, `/api/x`, `/apix`). Not "
   "together with `path`.", {}, 0, 0,
   [](void* t, const Value& v) { as<Route>(t).path_prefix = v.text; }},
  {"routes[].path", VT::String, "\"\"", false,
   "Path pattern instead of `path_prefix`: an exact path (`/login`), or a glob where `*` matches within one "
   "segment (`/users/*/posts`, `/img/*.png`) and a whole `**` segment matches any number of segments "
   "(`/static/**` matches `/static`, `/static/a/b.css`). The query string is not part of the path.", {}, 0, 0,
   [](void* t, const Value& v) { as<Route>(t).path = v.text; }},
  {"routes[].methods", VT::NameList, "[]", false,
   "Request methods the route matches (`[GET, HEAD]`; case-insensitive). Empty = any method.", {}, 0, 0,
   [](void* t, const Value& v) { as<Route>(t).methods = v.names; }},
  {"routes[].headers", VT::HeaderMatches, "{}", false,
   "Request headers the route needs: a mapping of header name (case-insensitive) to the exact value, or `\"*\"` "
   "for present with any value (`{x-beta: \"1\", authorization: \"*\"}`). All must match.", {}, 0, 0,
   [](void* t, const Value& v) { as<Route>(t).headers = v.pairs; }},
  {"routes[].priority", VT::Integer, "0", false,
   "Routes with a higher priority are tried first, before any specificity rule.", {}, 0, 1000000,
   [](void* t, const Value& v) { as<Route>(t).priority = static_cast<unsigned>(v.integer); }},
  {"routes[].origin", VT::NonEmptyString, "", true,
   "Name of the origin (from `origins`) that serves matching requests.", {}, 0, 0,
   [](void* t, const Value& v) { as<Route>(t).origin = v.text; }},
  {"routes[].functions", VT::FunctionChain, "[]", false,
   "Edge functions run for matching requests, in this order; each sees the previous one's changes. An item is a "
   "function name (from `functions`) or a mapping with `name` and per-use overrides: `module`, `entry`, `phase`, "
   "`on_error`, `timeout`, `memory`, `fuel`, `env`, and a canary split `canary` (percent of clients, 0-100), "
   "`canary_key` (`ip`, `cookie:NAME` or `header:NAME`), `canary_variant` (`canary` or `stable`). See "
   "docs/edge-functions.md.", {}, 0, 0,
   [](void* t, const Value& v) { as<Route>(t).functions = v.uses; }},

  {"functions", VT::List, "[]", false,
   "Edge functions: WebAssembly modules run on requests of the routes that list them (see "
   "docs/edge-functions.md). Modules are loaded at start and on every reload; one that fails to load refuses the "
   "config.", {}, 0, 0, nullptr,
   [](void* p) -> void* { return &as<Config>(p).functions.emplace_back(); }},
  {"functions[].name", VT::NonEmptyString, "", true,
   "Unique name, referenced by `routes[].functions`.", {}, 0, 0,
   [](void* t, const Value& v) { as<Function>(t).name = v.text; }},
  {"functions[].module", VT::NonEmptyString, "", true,
   "Path of the `.wasm` file; a relative path is taken from the config file's directory.", {}, 0, 0,
   [](void* t, const Value& v) { as<Function>(t).module = v.text; }},
  {"functions[].entry", VT::NonEmptyString, "handle_request", false,
   "Exported function `() -> i32` to call (0 = success).", {}, 0, 0,
   [](void* t, const Value& v) { as<Function>(t).entry = v.text; }},
  {"functions[].phase", VT::Enum, "request", false,
   "When it runs: `request` (before the origin; may rewrite the request or answer early), `response` (on the "
   "response; may change status and headers) or `both`.", "request,response,both", 0, 0,
   [](void* t, const Value& v) { as<Function>(t).phase = v.text; }},
  {"functions[].on_error", VT::Enum, "open", false,
   "On a trap, limit or host error: `open` logs and continues as if the function were absent; `closed` fails "
   "the request (500 for a trap or error, 503 for a limit).", "open,closed", 0, 0,
   [](void* t, const Value& v) { as<Function>(t).on_error = v.text; }},
  {"functions[].timeout", VT::Duration, "50ms", false, "Wall-clock deadline of one invocation.", {}, 1, 0,
   [](void* t, const Value& v) { as<Function>(t).timeout = v.duration; }},
  {"functions[].memory", VT::Size, "50MiB", false, "Linear-memory cap of the module.", {}, 65536, 0,
   [](void* t, const Value& v) { as<Function>(t).memory = v.size; }},
  {"functions[].fuel", VT::Integer, "5000000", false,
   "Instruction budget per invocation. `0` turns fuel metering off (only the timeout stops a loop).", {}, 0, 0,
   [](void* t, const Value& v) { as<Function>(t).fuel = static_cast<uint64_t>(v.integer); }},
  {"functions[].env", VT::StringMap, "{}", false,
   "Environment of the module (`{UPSTREAM: \"http://127.0.0.1:8081\"}`): what WASI `environ_get` reports, so C "
   "code reads it with `getenv`. Configuration for the function, not secrets storage (it is in the config file).",
   {}, 0, 0, [](void* t, const Value& v) { as<Function>(t).env = v.pairs; }},

  {"limits", VT::Map, "", false, "Client-side limits and timeouts.", {}, 0, 0, nullptr,
   [](void* p) -> void* { return &as<Config>(p).limits; }},
  {"limits.max_header_bytes", VT::Size, "16KiB", false,
   "Maximum size of the request line plus headers; larger requests get `431`.", {}, 1, 0,
   [](void* t, const Value& v) { as<Limits>(t).max_header_bytes = v.size; }},
  {"limits.max_body_bytes", VT::Size, "10MiB", false,
   "Maximum request body size; larger bodies get `413`.", {}, 0, 0,
   [](void* t, const Value& v) { as<Limits>(t).max_body_bytes = v.size; }},
  {"limits.client_header_timeout", VT::Duration, "10s", false,
   "Time allowed to receive a complete request head.", {}, 1, 0,
   [](void* t, const Value& v) { as<Limits>(t).client_header_timeout = v.duration; }},
  {"limits.client_idle_timeout", VT::Duration, "1m", false,
   "How long a keep-alive client connection may stay idle between requests.", {}, 1, 0,
   [](void* t, const Value& v) { as<Limits>(t).client_idle_timeout = v.duration; }},
  {"limits.send_timeout", VT::Duration, "1m", false,
   "Time allowed for a write to the client to make progress.", {}, 1, 0,
   [](void* t, const Value& v) { as<Limits>(t).send_timeout = v.duration; }},

  {"admin", VT::Map, "", false, "The admin HTTP endpoint: `GET /metrics` (Prometheus), `GET /healthz`, `POST /reload`.", {}, 0, 0, nullptr,
   [](void* p) -> void* { return &as<Config>(p).admin; }},
  {"admin.enabled", VT::Bool, "true", false, "Serve the admin endpoint.", {}, 0, 0,
   [](void* t, const Value& v) { as<Admin>(t).enabled = v.boolean; }},
  {"admin.address", VT::Address, "127.0.0.1", false, "Address the admin endpoint binds.", {}, 0, 0,
   [](void* t, const Value& v) { as<Admin>(t).address = v.text; }},
  {"admin.port", VT::Port, "9901", false, "Port of the admin endpoint. `0` picks a free port.", {}, 0, 0,
   [](void* t, const Value& v) { as<Admin>(t).port = static_cast<uint16_t>(v.integer); }},

  {"access_log", VT::Map, "", false, "The JSON access log (one object per request, one per line).", {}, 0, 0,
   nullptr, [](void* p) -> void* { return &as<Config>(p).access_log; }},
  {"access_log.enabled", VT::Bool, "true", false, "Write the access log.", {}, 0, 0,
   [](void* t, const Value& v) { as<AccessLog>(t).enabled = v.boolean; }},
  {"access_log.path", VT::NonEmptyString, "\"-\"", false,
   "`-` = standard output; otherwise a file, opened for append (created if missing).", {}, 0, 0,
   [](void* t, const Value& v) { as<AccessLog>(t).path = v.text; }},

  {"log_level", VT::Enum, "info", false, "Level of the diagnostic log on standard error.", kLogLevels, 0, 0,
   [](void* t, const Value& v) { as<Config>(t).log_level = v.text; }},

  {"demo_origin", VT::Map, "", false,
   "An embedded demo origin (a small HTTP server inside the process) used by `make run`.", {}, 0, 0, nullptr,
   [](void* p) -> void* { return &as<Config>(p).demo_origin; }},
  {"demo_origin.enabled", VT::Bool, "false", false, "Start the demo origin.", {}, 0, 0,
   [](void* t, const Value& v) { as<DemoOrigin>(t).enabled = v.boolean; }},
  {"demo_origin.address", VT::Address, "127.0.0.1", false, "Address the demo origin binds.", {}, 0, 0,
   [](void* t, const Value& v) { as<DemoOrigin>(t).address = v.text; }},
  {"demo_origin.port", VT::Port, "8081", false, "Port of the demo origin. `0` picks a free port.", {}, 0, 0,
   [](void* t, const Value& v) { as<DemoOrigin>(t).port = static_cast<uint16_t>(v.integer); }},
};

// The keys of a mapping item of routes[].functions.
const SchemaEntry kFunctionUse[] = {
  {"name", VT::NonEmptyString, "", true,
   "The function (from `functions`); with `module`, a function defined here.", {}, 0, 0,
   [](void* t, const Value& v) { as<FunctionUse>(t).name = v.text; }},
  {"module", VT::NonEmptyString, "", false, "Another `.wasm` file (path as in `functions[].module`).", {}, 0, 0,
   [](void* t, const Value& v) { as<FunctionUse>(t).module = v.text; }},
  {"entry", VT::NonEmptyString, "", false, "Another exported entry point.", {}, 0, 0,
   [](void* t, const Value& v) { as<FunctionUse>(t).entry = v.text; }},
  {"phase", VT::Enum, "", false, "Another phase.", "request,response,both", 0, 0,
   [](void* t, const Value& v) { as<FunctionUse>(t).phase = v.text; }},
  {"on_error", VT::Enum, "", false, "Another failure policy.", "open,closed", 0, 0,
   [](void* t, const Value& v) { as<FunctionUse>(t).on_error = v.text; }},
  {"timeout", VT::Duration, "", false, "Another wall-clock deadline.", {}, 1, 0,
   [](void* t, const Value& v) { as<FunctionUse>(t).timeout = v.duration; }},
  {"memory", VT::Size, "", false, "Another linear-memory cap.", {}, 65536, 0,
   [](void* t, const Value& v) { as<FunctionUse>(t).memory = v.size; }},
  {"fuel", VT::Integer, "", false, "Another instruction budget (0 = no metering).", {}, 0, 0,
   [](void* t, const Value& v) { as<FunctionUse>(t).fuel = static_cast<uint64_t>(v.integer); }},
  {"env", VT::StringMap, "", false, "Environment entries added to (or replacing) the function's `env`.", {}, 0, 0,
   [](void* t, const Value& v) { as<FunctionUse>(t).env = v.pairs; }},
  {"canary", VT::Integer, "100", false,
   "Percent of clients (by a stable hash of `canary_key`) the function runs for; 100 = all.", {}, 0, 100,
   [](void* t, const Value& v) { as<FunctionUse>(t).canary = static_cast<unsigned>(v.integer); }},
  {"canary_key", VT::NonEmptyString, "ip", false,
   "What identifies a client for the split: `ip`, `cookie:NAME` or `header:NAME` (the client IP when absent).",
   {}, 0, 0, [](void* t, const Value& v) { as<FunctionUse>(t).canary_key = v.text; }},
  {"canary_variant", VT::Enum, "canary", false,
   "`canary`: run for the clients inside the percentage; `stable`: for the others (pair two uses to split).",
   "canary,stable", 0, 0, [](void* t, const Value& v) { as<FunctionUse>(t).canary_variant = v.text; }},
};
// clang-format on

}  // namespace

std::string_view to_string(ValueType t) {
  switch (t) {
    case VT::Map: return "mapping";
    case VT::List: return "list of mappings";
    case VT::Bool: return "boolean";
    case VT::String: return "string";
    case VT::NonEmptyString: return "non-empty string";
    case VT::Integer: return "integer";
    case VT::Port: return "port";
    case VT::Duration: return "duration";
    case VT::Size: return "size";
    case VT::Enum: return "enum";
    case VT::Workers: return "auto | integer";
    case VT::HostPortList: return "list of host:port";
    case VT::Address: return "address";
    case VT::HostPattern: return "host pattern";
    case VT::PathPrefix: return "path prefix";
    case VT::NameList: return "list of names";
    case VT::HeaderMatches: return "mapping of header: value";
    case VT::FunctionChain: return "list of names or mappings";
    case VT::StringMap: return "mapping of name: string";
  }
  return "?";
}

const SchemaSection& core_schema_section() {
  static const SchemaSection section{"core", kSchema, nullptr};
  return section;
}

std::span<const SchemaEntry> function_use_schema() { return kFunctionUse; }

std::span<const SchemaSection* const> schema_sections() {
  static const SchemaSection* const sections[] = {&core_schema_section(), &redis_schema_section(),
                                                  &cache_schema_section(), &waf_schema_section(),
                                                  &bot_schema_section()};
  return sections;
}

std::span<const SchemaEntry> schema() {
  static const std::vector<SchemaEntry> all = [] {
    std::vector<SchemaEntry> v;
    for (const SchemaSection* s : schema_sections()) v.insert(v.end(), s->entries.begin(), s->entries.end());
    return v;
  }();
  return all;
}

namespace {
std::string md_cell(std::string_view s) {  // a pipe would end the table cell
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}
}  // namespace

std::string schema_reference_markdown() {
  std::string out = "| Key | Type | Default | Description |\n|---|---|---|---|\n";
  for (const auto& e : schema()) {
    std::string type(to_string(e.type));
    if (e.type == VT::Enum) {
      type = "";
      for (char c : e.choices) type += c == ',' ? std::string(" | ") : std::string(1, c);
    } else if (e.type == VT::Port) {
      type = e.min == 0 ? "port (0-65535)" : "port (1-65535)";
    } else if (e.type == VT::Integer) {
      type = "integer (" + std::to_string(e.min) + "-" + (e.max ? std::to_string(e.max) : std::string("")) + ")";
    }
    std::string def = e.required ? "required" : e.default_value.empty() ? "" : "`" + std::string(e.default_value) + "`";
    out += "| `" + std::string(e.path) + "` | " + md_cell(type) + " | " + md_cell(def) + " | " + md_cell(e.description) +
           " |\n";
  }
  return out;
}

const SchemaEntry* find_schema_entry(std::string_view path) {
  for (const auto& e : schema())
    if (e.path == path) return &e;
  return nullptr;
}

}  // namespace aegis::config
