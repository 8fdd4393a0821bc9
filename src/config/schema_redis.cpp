// Schema section `redis`: the Redis server shared by the cache tier, the edge-function KV and the rate limiter. Owned by src/redis.
#include "config/schema.h"

namespace aegis::config {
namespace {

using VT = ValueType;

// clang-format off
const SchemaEntry kEntries[] = {
  {"redis", VT::Map, "", false, "A Redis server shared by several nodes (cache second tier, edge KV, rate limits).",
   {}, 0, 0, nullptr, [](void* p) -> void* { return &target<Config>(p).redis; }},
  {"redis.enabled", VT::Bool, "false", false, "Connect to Redis at start.", {}, 0, 0,
   [](void* t, const Value& v) { target<RedisConfig>(t).enabled = v.boolean; }},
};
// clang-format on

}  // namespace

const SchemaSection& redis_schema_section() {
  static const SchemaSection section{"redis", kEntries, nullptr};
  return section;
}

}  // namespace aegis::config
