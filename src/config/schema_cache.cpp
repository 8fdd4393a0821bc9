// Schema section `cache`: the shared HTTP cache (RFC 9111) and its per-route policy. Owned by src/cache.
#include "config/schema.h"

namespace aegis::config {
namespace {

using VT = ValueType;

// clang-format off
const SchemaEntry kEntries[] = {
  {"cache", VT::Map, "", false, "The shared HTTP cache (RFC 9111), between the WAF and the origin.", {}, 0, 0,
   nullptr, [](void* p) -> void* { return &target<Config>(p).cache; }},
  {"cache.enabled", VT::Bool, "false", false, "Cache responses.", {}, 0, 0,
   [](void* t, const Value& v) { target<CacheConfig>(t).enabled = v.boolean; }},
};
// clang-format on

}  // namespace

const SchemaSection& cache_schema_section() {
  static const SchemaSection section{"cache", kEntries, nullptr};
  return section;
}

}  // namespace aegis::config
