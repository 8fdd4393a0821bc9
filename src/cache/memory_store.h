// MemoryStore: the in-process Store (store.h), bounded by bytes, LRU eviction, sharded so workers do not contend.
//
// Keys hash to one of `shards` independent shards, each with its own lock, LRU list, key map and tag index, and
// an equal share of the byte budget. An insert that takes a shard over its share evicts that shard's least
// recently used objects (counted as evictions). Expired objects are dropped when a lookup meets them (not counted
// as evictions); otherwise they age out of the LRU like anything else unused. An object whose footprint is larger
// than `max_object_bytes` or than a shard's share is not stored.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "cache/store.h"

namespace aegis::cache {

class MemoryStore final : public Store {
 public:
  struct Options {
    std::size_t max_bytes = 256u * 1024 * 1024;  // total budget (footprints)
    std::size_t max_object_bytes = 0;            // 0 = limited only by a shard's share
    unsigned shards = 16;                        // ≥ 1
  };

  explicit MemoryStore(const Options& options);
  ~MemoryStore() override;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  void lookup(const std::string& key, LookupCallback cb) override;  // always calls back inline
  // Synchronous form of lookup (the memory store never waits).
  ObjectPtr get(const std::string& key);
  void insert(ObjectPtr object) override;
  void erase(const std::string& key) override;
  std::size_t purge_prefix(std::string_view prefix) override;
  std::size_t purge_tag(std::string_view tag) override;
  std::size_t flush() override;
  StoreStats stats() const override;

 private:
  struct Shard;
  Shard& shard_for(const std::string& key);

  Options options_;
  std::size_t shard_budget_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> bytes_{0}, objects_{0}, evictions_{0};
};

}  // namespace aegis::cache
