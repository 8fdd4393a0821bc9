// Schema section `waf`: the Wasm-sandboxed WAF and its per-route mode. Owned by src/waf.
#include "config/schema.h"

namespace aegis::config {
namespace {

using VT = ValueType;

// clang-format off
const SchemaEntry kEntries[] = {
  {"waf", VT::Map, "", false, "The web application firewall (a Wasm module).", {}, 0, 0,
   nullptr, [](void* p) -> void* { return &target<Config>(p).waf; }},
  {"waf.enabled", VT::Bool, "false", false, "Run the WAF on routes whose `waf.mode` is not `off`.", {}, 0, 0,
   [](void* t, const Value& v) { target<WafConfig>(t).enabled = v.boolean; }},
};
// clang-format on

}  // namespace

const SchemaSection& waf_schema_section() {
  static const SchemaSection section{"waf", kEntries, nullptr};
  return section;
}

}  // namespace aegis::config
