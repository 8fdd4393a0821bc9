// In-memory KvStore: sharded (one mutex per shard), lazy TTL expiry, bounded total bytes with LRU eviction.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "hostapi/kv_store.h"

namespace aegis::hostapi {

struct MemoryKvOptions {
  std::size_t max_total_bytes = 64 << 20;  // keys + values + namespaces; least recently used entries are evicted
  std::size_t shards = 16;                 // each shard gets max_total_bytes / shards
  // Time source for TTLs (steady clock by default; tests may supply their own).
  std::function<std::chrono::steady_clock::time_point()> now;
};

struct MemoryKvStats {
  std::size_t entries = 0;
  std::size_t bytes = 0;
  std::size_t evictions = 0;
  std::size_t expirations = 0;
};

class MemoryKvStore final : public KvStore {
 public:
  explicit MemoryKvStore(MemoryKvOptions options = {});
  ~MemoryKvStore() override;
  MemoryKvStore(const MemoryKvStore&) = delete;
  MemoryKvStore& operator=(const MemoryKvStore&) = delete;

  std::optional<std::string> get(std::string_view ns, std::string_view key) override;
  // Refuses (false) an entry larger than one shard's budget.
  bool set(std::string_view ns, std::string_view key, std::string_view value, std::chrono::seconds ttl) override;
  bool remove(std::string_view ns, std::string_view key) override;

  MemoryKvStats stats() const;

 private:
  struct Shard;
  MemoryKvOptions options_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace aegis::hostapi
