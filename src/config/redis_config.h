// Config model of the `redis` section (the Redis server shared by the cache's second tier, the edge-function KV
// and the bot rate limiter, when they are configured to use it) and of the `kv` section (the store behind the
// edge-function host calls cache_get / cache_set). Owned by the Redis subsystem (src/redis). See docs/redis.md.
// Both are read once at start: changing them needs a restart (a reload logs that it keeps the old settings).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace aegis::config {

struct RedisConfig {
  bool enabled = false;             // connect to a Redis server at start
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  std::string password;             // AUTH on connect when non-empty
  unsigned database = 0;            // SELECT on connect when non-zero
  std::string key_prefix = "aegis:";  // prepended to every key this node writes
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{250};
  std::chrono::milliseconds reconnect_max{5000};  // reconnect backoff: 100 ms doubling up to this

  bool operator==(const RedisConfig&) const = default;
};

// The edge-function key-value store (docs/redis.md, docs/host-abi.md cache_get / cache_set).
struct KvConfig {
  std::string store = "memory";     // memory (this node only) | redis (shared by every node on redis.*)
  bool shared = false;              // one namespace for all functions instead of one per function
  std::size_t memory_size = 64u * 1024 * 1024;  // budget of the memory store (LRU beyond it)

  bool operator==(const KvConfig&) const = default;
};

}  // namespace aegis::config
