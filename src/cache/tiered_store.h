// TieredStore: a fast local tier (L1, the MemoryStore) in front of a shared remote tier (L2, the RedisStore), as
// a single Store (store.h, "Composing tiers"):
//   lookup   L1 first (inline); on an L1 miss L2 asynchronously; an L2 hit is put into L1 (same key, tags, expiry)
//            before the callback. An L2 failure (timeout, Redis down) is a miss: the request goes on without it.
//   insert   into L1 now and into L2 in the background.
//   erase / purge_prefix / purge_tag / flush   on both tiers; the purges return the larger of the two counts (an
//            object usually sits in both, so the sum would count it twice).
//   stats    L1's numbers.
// Thread-safe as both tiers are.
#pragma once

#include <memory>

#include "cache/store.h"

namespace aegis::cache {

class TieredStore final : public Store {
 public:
  TieredStore(std::shared_ptr<Store> l1, std::shared_ptr<Store> l2);
  ~TieredStore() override;

  void lookup(const std::string& key, LookupCallback cb) override;
  void insert(ObjectPtr object) override;
  void erase(const std::string& key) override;
  std::size_t purge_prefix(std::string_view prefix) override;
  std::size_t purge_tag(std::string_view tag) override;
  std::size_t flush() override;
  StoreStats stats() const override;

  Store& l1() { return *l1_; }
  Store& l2() { return *l2_; }

 private:
  std::shared_ptr<Store> l1_, l2_;
};

}  // namespace aegis::cache
