// Schema sections `redis` (the Redis server shared by the cache tier, the edge-function KV and the rate limiter) and
// `kv` (the store behind the edge functions' cache_get / cache_set). Owned by src/redis; see docs/redis.md.
#include "config/schema.h"

namespace aegis::config {
namespace {

using VT = ValueType;

// clang-format off
const SchemaEntry kEntries[] = {
  {"redis", VT::Map, "", false, "A Redis server shared by several nodes (cache second tier, edge KV, rate limits). "
   "Read at start (a reload keeps the running connection).", {}, 0, 0, nullptr,
   [](void* p) -> void* { return &target<Config>(p).redis; }},
  {"redis.enabled", VT::Bool, "false", false, "Connect to Redis at start. Features that use it (`cache.store`, "
   "`kv.store`, rate limits) degrade to local state while it is unreachable.", {}, 0, 0,
   [](void* t, const Value& v) { target<RedisConfig>(t).enabled = v.boolean; }},
  {"redis.host", VT::Address, "127.0.0.1", false, "Redis server address (IP literal or host name).", {}, 0, 0,
   [](void* t, const Value& v) { target<RedisConfig>(t).host = v.text; }},
  {"redis.port", VT::Port, "6379", false, "Redis server port.", {}, 0, 0,
   [](void* t, const Value& v) { target<RedisConfig>(t).port = static_cast<uint16_t>(v.integer); }},
  {"redis.password", VT::String, "\"\"", false, "Sent with `AUTH` on every connect when non-empty.", {}, 0, 0,
   [](void* t, const Value& v) { target<RedisConfig>(t).password = v.text; }},
  {"redis.database", VT::Integer, "0", false, "Database number, selected on connect when not 0.", {}, 0, 15,
   [](void* t, const Value& v) { target<RedisConfig>(t).database = static_cast<unsigned>(v.integer); }},
  {"redis.key_prefix", VT::String, "\"aegis:\"", false, "Prepended to every key this node reads or writes, so "
   "several deployments can share one Redis. Nodes that share cache and KV data must use the same prefix.",
   {}, 0, 0, [](void* t, const Value& v) { target<RedisConfig>(t).key_prefix = v.text; }},
  {"redis.connect_timeout", VT::Duration, "1s", false, "Time allowed to establish the connection.", {}, 1, 0,
   [](void* t, const Value& v) { target<RedisConfig>(t).connect_timeout = v.duration; }},
  {"redis.command_timeout", VT::Duration, "250ms", false, "Time allowed for a reply. A command that times out "
   "counts as a miss/failure and the connection is re-established.", {}, 1, 0,
   [](void* t, const Value& v) { target<RedisConfig>(t).command_timeout = v.duration; }},
  {"redis.reconnect_max", VT::Duration, "5s", false, "Longest wait between reconnect attempts (backoff from 100ms, "
   "doubling). While disconnected, commands fail at once instead of waiting.", {}, 100, 0,
   [](void* t, const Value& v) { target<RedisConfig>(t).reconnect_max = v.duration; }},

  {"kv", VT::Map, "", false, "The key-value store behind the edge functions' `cache_get` / `cache_set`. Read at "
   "start.", {}, 0, 0, nullptr, [](void* p) -> void* { return &target<Config>(p).kv; }},
  {"kv.store", VT::Enum, "memory", false, "`memory`: in this node's memory. `redis`: in Redis (`redis.enabled` "
   "must be true), shared by every node; functions that import `cache_get`/`cache_set` then run off the event loop "
   "(request phase only).", "memory,redis", 0, 0,
   [](void* t, const Value& v) { target<KvConfig>(t).store = v.text; }},
  {"kv.shared", VT::Bool, "false", false, "One namespace for all functions instead of one per function name (any "
   "function can then read every other's keys).", {}, 0, 0,
   [](void* t, const Value& v) { target<KvConfig>(t).shared = v.boolean; }},
  {"kv.memory_size", VT::Size, "64MiB", false, "Budget of the memory store; least recently used entries are "
   "evicted beyond it.", {}, 65536, 0,
   [](void* t, const Value& v) { target<KvConfig>(t).memory_size = v.size; }},
};
// clang-format on

void check(Config& cfg, const SectionChecker& checker) {
  if (cfg.kv.store == "redis" && !cfg.redis.enabled)
    checker.fail("kv.store", "kv", "kv.store: redis needs redis.enabled: true");
  if (cfg.cache.store == "redis" && !cfg.redis.enabled)
    checker.fail("cache.store", "cache", "cache.store: redis needs redis.enabled: true");
}

}  // namespace

const SchemaSection& redis_schema_section() {
  static const SchemaSection section{"redis", kEntries, check};
  return section;
}

}  // namespace aegis::config
