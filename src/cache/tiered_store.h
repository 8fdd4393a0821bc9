// TieredStore: a fast local tier (L1, the MemoryStore) in front of a shared remote tier (L2, the RedisStore), as
// a single Store (store.h, "Composing tiers"):
//   lookup   L1 first (inline); on an L1 miss L2 asynchronously; an L2 hit is put into L1 (same key, tags, expiry)
//            before the callback — unless a purge ran on this node meanwhile (the answer may predate it: it is
//            returned to the request that asked, but not kept). An L2 failure (timeout, Redis down) is a miss: the
//            request goes on without it.
//   insert   into L1 now and into L2 in the background.
//   erase / purge_prefix / purge_tag / flush   on both tiers; the purges return the larger of the two counts (an
//            object usually sits in both, so the sum would count it twice). With share_purges() the purges (not
//            erase) are also published to the other nodes sharing the Redis, whose L1 they clear (purge_bus.h).
//   stats    L1's bytes/objects/evictions (what this node holds in memory); shared_stats() is L2's (the shared tier,
//            refreshed about every second by the purge bus's thread when purges are shared).
// Thread-safe as both tiers are.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

#include "cache/purge_bus.h"
#include "cache/store.h"
#include "config/cache_config.h"

namespace aegis::cache {

class TieredStore final : public Store {
 public:
  TieredStore(std::shared_ptr<Store> l1, std::shared_ptr<Store> l2);
  ~TieredStore() override;

  // Shares purges with every node using the same Redis and key prefix: publishes this node's purges and applies
  // the others' to L1 (a PurgeBus on `client`). Call once, before serving.
  void share_purges(std::shared_ptr<redis::Client> client, PurgeBus::Options options);

  void lookup(const std::string& key, LookupCallback cb) override;
  void insert(ObjectPtr object) override;
  void erase(const std::string& key) override;
  std::size_t purge_prefix(std::string_view prefix) override;
  std::size_t purge_tag(std::string_view tag) override;
  std::size_t flush() override;
  StoreStats stats() const override;
  std::optional<StoreStats> shared_stats() const override { return l2_->stats(); }
  void set_change_listener(std::function<void()> listener) override;

  Store& l1() { return *l1_; }
  Store& l2() { return *l2_; }
  PurgeBus* purge_bus() { return bus_.get(); }

 private:
  void apply_remote(const PurgeEvent& event);

  std::shared_ptr<Store> l1_, l2_;
  // Bumped by every purge applied to L1 (local or from another node); an L2 answer fills L1 only if it is unchanged.
  std::shared_ptr<std::atomic<uint64_t>> purges_ = std::make_shared<std::atomic<uint64_t>>(0);
  std::mutex listener_mu_;
  std::function<void()> listener_;
  std::unique_ptr<PurgeBus> bus_;  // declared last: destroyed (its thread stopped) first
};

// `cache.store: redis`: `l1` (the memory store) in front of a RedisStore on `client`, purges shared between the
// nodes (PurgeBus polling every cache.purge_poll_interval).
std::shared_ptr<TieredStore> make_redis_tiers(std::shared_ptr<Store> l1, std::shared_ptr<redis::Client> client,
                                              const config::CacheConfig& config);

}  // namespace aegis::cache
