// RedisKvStore: the edge-function KvStore (kv_store.h) in Redis, shared by every node on the same Redis and key
// prefix (config `kv.store: redis`, docs/redis.md).
//
// Key layout: <redis.key_prefix>kv:<namespace length>:<namespace>:<key>   (e.g. "aegis:kv:7:counter:hits"), so
// namespaces can never collide whatever bytes they hold. TTL → SET ... EX; ttl 0 = no expiry.
//
// Calls are synchronous (the KvStore contract) and wait at most redis.command_timeout: functions using the KV are
// run on the BlockingExecutor when this store is configured (edge::FunctionSet). While Redis is unreachable the
// calls fail at once (get → absent, set → false: the guest sees -1), they never stall.
#pragma once

#include <memory>
#include <string>

#include "hostapi/kv_store.h"

namespace aegis::redis {
class Client;
}

namespace aegis::hostapi {

class RedisKvStore final : public KvStore {
 public:
  explicit RedisKvStore(std::shared_ptr<redis::Client> client);
  ~RedisKvStore() override;

  std::optional<std::string> get(std::string_view ns, std::string_view key) override;
  bool set(std::string_view ns, std::string_view key, std::string_view value, std::chrono::seconds ttl) override;
  bool remove(std::string_view ns, std::string_view key) override;

  // The Redis key for (ns, key), with the client's prefix.
  std::string redis_key(std::string_view ns, std::string_view key) const;

 private:
  std::shared_ptr<redis::Client> client_;
};

}  // namespace aegis::hostapi
