// Config model of the `redis` section: the Redis server shared by the cache's second tier, the edge-function KV
// and the bot rate limiter (when they are configured to use it). Owned by the Redis subsystem (src/redis).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace aegis::config {

struct RedisConfig {
  bool enabled = false;             // connect to a Redis server at start
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  std::string key_prefix = "aegis:";  // prepended to every key this node writes
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{250};

  bool operator==(const RedisConfig&) const = default;
};

}  // namespace aegis::config
