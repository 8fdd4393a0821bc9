// RedisStore: the cache's Store (store.h) in Redis — the second tier that several nodes share. Owned by src/redis
// (it lives in aegis_cache because it implements the cache's interface; only the client talks to hiredis).
//
// Layout (every key starts with the client's key prefix, config `redis.key_prefix`, then `ns`, "cache:" by default):
//   <prefix>cache:o:<cache key>   STRING  the object: a small header (magic, expiry, tags) + the opaque data;
//                                         PEXPIRE = expires - now, so Redis drops it when it goes stale.
//   <prefix>cache:t:<tag>         SET     cache keys carrying the tag; its TTL is raised to the longest member's.
//   <prefix>cache:idx             ZSET    cache key → expiry (ms since the epoch)   } the accounting behind stats():
//   <prefix>cache:sz              HASH    cache key → footprint (bytes)             } kept by the same Lua scripts
//   <prefix>cache:bytes           STRING  sum of the footprints                     } that write/remove the objects
// Operations:
//   lookup        GET, asynchronous (callback on the Redis client's thread); a miss, an expired or unparsable
//                 object, a timeout or an unreachable Redis all call back with nullptr. While the client is
//                 disconnected lookup calls back inline at once (no round trip to fail).
//   insert/erase  fire-and-forget (EVAL: SET PX + accounting; SADD/PEXPIRE per tag, pipelined / EVAL: UNLINK +
//                 accounting).
//   purge_prefix  SCAN MATCH <prefix>cache:o:<escaped prefix>* + remove; purge_tag SMEMBERS + remove; flush
//                 SCAN MATCH <prefix>cache:o:* and cache:t:* + remove/UNLINK, and the accounting keys. Blocking
//                 (admin thread); they return how many objects Redis removed (0 if Redis is unreachable).
//   stats         what the shared tier holds for this key prefix, all nodes together: `objects` = live objects,
//                 `bytes` = their footprints (StoredObject::footprint, as the memory store counts), `evictions` = 0
//                 (Redis's own evictions are not seen). Never blocks: it returns the numbers of the last refresh and
//                 starts a new one (one EVAL, no SCAN: it also forgets up to 1000 objects whose expiry has passed)
//                 when they are older than a second; while Redis is unreachable the last known numbers stay.
//                 Approximate where Redis drops keys by itself before their expiry (maxmemory eviction, a manual
//                 DEL): those are counted until their expiry passes. Also published as the gauges
//                 cache_shared_objects_stored / cache_shared_bytes_stored.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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
  static constexpr std::chrono::seconds kStatsRefresh{1};
  struct StatsState {
    std::mutex mu;
    bool refreshing = false;
    std::chrono::steady_clock::time_point refreshed{};
    StoreStats last;
  };

  std::string object_key(std::string_view cache_key) const;
  std::string tag_key(std::string_view tag) const;
  std::size_t scan_unlink(const std::string& pattern, bool objects);
  std::size_t remove_sync(const std::vector<std::string>& cache_keys);
  void refresh_stats() const;

  std::shared_ptr<redis::Client> client_;
  std::string object_prefix_;  // <prefix><ns>o:
  std::string tag_prefix_;     // <prefix><ns>t:
  std::string all_prefix_;     // <prefix><ns>
  std::string index_key_, sizes_key_, bytes_key_;
  std::shared_ptr<StatsState> stats_state_;  // shared with refresh callbacks that may outlive the store
};

}  // namespace aegis::cache
