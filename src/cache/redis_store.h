// RedisStore: the cache's Store (store.h) in Redis — the second tier that several nodes share. Owned by src/redis
// (it lives in aegis_cache because it implements the cache's interface; only the client talks to hiredis).
//
// Layout (every key starts with the client's key prefix, config `redis.key_prefix`, then `ns`, "cache:" by default):
//   <prefix>cache:o:<cache key>   STRING  the object: a small header (magic, expiry, tags) + the opaque data;
//                                         PEXPIRE = expires - now, so Redis drops it when it goes stale.
//   <prefix>cache:t:<tag>         SET     cache keys carrying the tag; its TTL is raised to the longest member's.
// Operations:
//   lookup        GET, asynchronous (callback on the Redis client's thread); a miss, an expired or unparsable
//                 object, a timeout or an unreachable Redis all call back with nullptr. While the client is
//                 disconnected lookup calls back inline at once (no round trip to fail).
//   insert/erase  fire-and-forget (SET PX + SADD/PEXPIRE per tag, pipelined; UNLINK).
//   purge_prefix  SCAN MATCH <prefix>cache:o:<escaped prefix>* + UNLINK; purge_tag SMEMBERS + UNLINK; flush
//                 SCAN MATCH <prefix>cache:* + UNLINK. Blocking (admin thread); they return how many objects Redis
//                 removed (0 if Redis is unreachable).
//   stats         zeros: what a shared Redis holds is not this node's to count (TieredStore reports its L1).
#pragma once

#include <memory>
#include <string>

#include "cache/store.h"

namespace aegis::redis {
class Client;
}

namespace aegis::cache {

class RedisStore final : public Store {
 public:
  explicit RedisStore(std::shared_ptr<redis::Client> client, std::string ns = "cache:");
  ~RedisStore() override;

  void lookup(const std::string& key, LookupCallback cb) override;
  void insert(ObjectPtr object) override;
  void erase(const std::string& key) override;
  std::size_t purge_prefix(std::string_view prefix) override;
  std::size_t purge_tag(std::string_view tag) override;
  std::size_t flush() override;
  StoreStats stats() const override;

  // Whether lookups can reach Redis right now.
  bool available() const;

  // The object's encoding in Redis (exposed for tests): decode(encode(o), o.key) reproduces o; nullptr when
  // the blob is not one (wrong magic, truncated).
  static std::string encode(const StoredObject& object);
  static ObjectPtr decode(const std::string& blob, const std::string& key);

 private:
  std::string object_key(std::string_view cache_key) const;
  std::string tag_key(std::string_view tag) const;
  std::size_t scan_unlink(const std::string& pattern);

  std::shared_ptr<redis::Client> client_;
  std::string object_prefix_;  // <prefix><ns>o:
  std::string tag_prefix_;     // <prefix><ns>t:
  std::string all_prefix_;     // <prefix><ns>
};

}  // namespace aegis::cache
