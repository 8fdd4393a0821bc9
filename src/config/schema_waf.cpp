// Schema section `waf`: the Wasm-sandboxed WAF and its per-route policy. Owned by src/waf (see docs/waf.md).
#include <filesystem>
#include <string>

#include "config/schema.h"

namespace aegis::config {
namespace {

using VT = ValueType;

// clang-format off
const SchemaEntry kEntries[] = {
  {"waf", VT::Map, "", false, "The web application firewall: a Wasm module run after the edge functions (see "
   "docs/waf.md).", {}, 0, 0,
   nullptr, [](void* p) -> void* { return &target<Config>(p).waf; }},
  {"waf.enabled", VT::Bool, "false", false, "Run the WAF on routes whose `waf.mode` is not `off`.", {}, 0, 0,
   [](void* t, const Value& v) { target<WafConfig>(t).enabled = v.boolean; }},
  {"waf.module", VT::String, "\"\"", false,
   "WAF Wasm module (HOST-ABI `analyze_request`); a relative path is taken from the config file's directory, "
   "then from the build's module directory. Empty = the rule engine built from modules/waf (`aegis_waf.wasm`). "
   "Loaded at start and on every reload.", {}, 0, 0,
   [](void* t, const Value& v) { target<WafConfig>(t).module = v.text; }},
  {"waf.paranoia", VT::Integer, "1", false,
   "Paranoia level 1-4: higher levels add stricter rules (more detections, more false positives).", {}, 1, 4,
   [](void* t, const Value& v) { target<WafConfig>(t).paranoia = static_cast<int>(v.integer); }},
  {"waf.threshold", VT::Integer, "5", false,
   "Anomaly score at which a request is blocked (critical rules score 5, error 4, warning 3, notice 2).", {}, 1,
   1000,
   [](void* t, const Value& v) { target<WafConfig>(t).threshold = static_cast<int>(v.integer); }},
  {"waf.timeout", VT::Duration, "10ms", false, "Wall-clock deadline of one analysis.", {}, 1, 0,
   [](void* t, const Value& v) { target<WafConfig>(t).timeout = v.duration; }},
  {"waf.memory", VT::Size, "10MiB", false, "Linear-memory cap of the WAF module.", {}, 65536, 0,
   [](void* t, const Value& v) { target<WafConfig>(t).memory = v.size; }},
  {"waf.fuel", VT::Integer, "50000000", false,
   "Instruction budget of one analysis (charged per function entry and loop iteration by static code size); `0` "
   "turns fuel metering off (the deadline still applies).", {}, 0, 0,
   [](void* t, const Value& v) { target<WafConfig>(t).fuel = static_cast<uint64_t>(v.integer); }},
  {"waf.max_body_bytes", VT::Size, "8KiB", false,
   "Request body bytes the WAF inspects (urlencoded forms, JSON, multipart, other text); the rest of a larger "
   "body is not inspected.", {}, 0, 0,
   [](void* t, const Value& v) { target<WafConfig>(t).max_body_bytes = v.size; }},

  {"routes[].waf", VT::Map, "", false, "WAF policy of the route.", {}, 0, 0,
   nullptr, [](void* p) -> void* { return &target<Route>(p).waf; }},
  {"routes[].waf.mode", VT::Enum, "block", false,
   "`block`: a request scoring at least the threshold gets 403; `detect`: it continues, matches are logged; "
   "`off`: not inspected.", "block,detect,off", 0, 0,
   [](void* t, const Value& v) { target<RouteWaf>(t).mode = v.text; }},
  {"routes[].waf.on_error", VT::Enum, "open", false,
   "When the WAF module fails (trap, timeout, memory, fuel): `open` lets the request through uninspected, "
   "`closed` answers 503.", "open,closed", 0, 0,
   [](void* t, const Value& v) { target<RouteWaf>(t).on_error = v.text; }},
  {"routes[].waf.paranoia", VT::Integer, "0", false, "Paranoia level on this route; `0` = `waf.paranoia`.", {}, 0, 4,
   [](void* t, const Value& v) { target<RouteWaf>(t).paranoia = static_cast<int>(v.integer); }},
  {"routes[].waf.threshold", VT::Integer, "0", false, "Blocking threshold on this route; `0` = `waf.threshold`.",
   {}, 0, 1000,
   [](void* t, const Value& v) { target<RouteWaf>(t).threshold = static_cast<int>(v.integer); }},
  {"routes[].waf.exclude_rules", VT::NameList, "[]", false,
   "Rule ids not applied on this route (e.g. `[942100, 941140]`).", {}, 0, 0,
   [](void* t, const Value& v) { target<RouteWaf>(t).exclude_rules = v.names; }},
  {"routes[].waf.exclude_args", VT::NameList, "[]", false,
   "Argument names (query, form, JSON key or path, cookie) not inspected on this route.", {}, 0, 0,
   [](void* t, const Value& v) { target<RouteWaf>(t).exclude_args = v.names; }},
};
// clang-format on

void check(Config& c, const SectionChecker& checker) {
  WafConfig& w = c.waf;
  std::string wanted = w.module.empty() ? std::string("aegis_waf.wasm") : w.module;
  std::filesystem::path p(wanted);
  std::error_code ec;
  if (p.is_relative()) {
    std::filesystem::path base = std::filesystem::path(checker.file()).parent_path();
    std::filesystem::path next_to_config = base.empty() ? p : base / p;
#ifdef AEGIS_BUILD_WASM_DIR
    std::filesystem::path built = std::filesystem::path(AEGIS_BUILD_WASM_DIR) / p;
    if ((w.module.empty() || !std::filesystem::exists(next_to_config, ec)) &&
        std::filesystem::is_regular_file(built, ec))
      next_to_config = built;
#endif
    p = next_to_config;
  }
  w.module_path = p.lexically_normal().string();
  if (w.enabled && !std::filesystem::is_regular_file(w.module_path, ec))
    checker.fail("waf.module", "waf", "module file \"" + w.module_path + "\" not found");

  for (std::size_t i = 0; i < c.routes.size(); ++i) {
    const RouteWaf& r = c.routes[i].waf;
    std::string key = "routes[" + std::to_string(i) + "].waf.exclude_rules";
    for (const auto& id : r.exclude_rules) {
      bool digits = !id.empty() && id.size() <= 9;
      for (char ch : id) digits = digits && ch >= '0' && ch <= '9';
      if (!digits) checker.fail(key, "routes[" + std::to_string(i) + "]", "not a rule id: \"" + id + "\"");
    }
  }
}

}  // namespace

const SchemaSection& waf_schema_section() {
  static const SchemaSection section{"waf", kEntries, check};
  return section;
}

}  // namespace aegis::config
