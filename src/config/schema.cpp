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
   "Which origin serves a request. The longest matching `path_prefix` wins; host-specific routes win over `*`.",
   {}, 0, 0, nullptr,
   [](void* p) -> void* { return &as<Config>(p).routes.emplace_back(); }},
  {"routes[].host", VT::HostPattern, "\"*\"", false,
   "`*` (any host), an exact host (`www.example.com`, port ignored, case-insensitive) or a suffix pattern "
   "(`*.example.com`).", {}, 0, 0,
   [](void* t, const Value& v) { as<Route>(t).host = v.text; }},
  {"routes[].path_prefix", VT::PathPrefix, "/", false,
   "Path prefix the request target must start with.", {}, 0, 0,
   [](void* t, const Value& v) { as<Route>(t).path_prefix = v.text; }},
  {"routes[].origin", VT::NonEmptyString, "", true,
   "Name of the origin (from `origins`) that serves matching requests.", {}, 0, 0,
   [](void* t, const Value& v) { as<Route>(t).origin = v.text; }},
  {"routes[].functions", VT::NameList, "[]", false,
   "Edge functions (names from `functions`) run for matching requests, in this order; each sees the previous "
   "one's changes.", {}, 0, 0,
   [](void* t, const Value& v) { as<Route>(t).functions = v.names; }},

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
  }
  return "?";
}

const SchemaSection& core_schema_section() {
  static const SchemaSection section{"core", kSchema, nullptr};
  return section;
}

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
