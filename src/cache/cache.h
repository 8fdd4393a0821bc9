// Cache: the process-wide part of the HTTP cache, shared by every worker's CachePhase and kept across reloads
// (Pipeline::Services owns it): the Store (MemoryStore by default; src/redis composes a memory L1 with a Redis L2
// behind the same interface), the Collapser, the metrics, Vary-aware lookup/insert of entries, and purge.
//
// Layout in the store (keys from key.h): a response without Vary is stored under its primary key; a response with
// Vary stores a vary record (Entry::Kind::kVary, the field names) under the primary key and itself under
// variant_key(primary, secondary_key(fields, request)). Several variants of one URL coexist.
// Tags: every object of a response carries its surrogate keys (cache.surrogate_key_header, space-separated).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/cache_metrics.h"
#include "cache/collapser.h"
#include "cache/entry.h"
#include "cache/store.h"
#include "config/cache_config.h"

namespace aegis::cache {

class Cache {
 public:
  explicit Cache(std::shared_ptr<Store> store);
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;
  // The in-memory store sized from the config (cache.memory_size, cache.shards, cache.max_object_size).
  static std::shared_ptr<Store> make_memory_store(const config::CacheConfig& config);

  Store& store() { return *store_; }
  const std::shared_ptr<Store>& store_ptr() const { return store_; }
  Collapser& collapser() { return collapser_; }
  CacheMetrics& metrics() { return metrics_; }

  struct Found {
    std::shared_ptr<const Entry> entry;  // a response (never a vary record); shared with the stored object
    std::string key;                     // the store key it was found under (primary or variant key)
  };
  using FindCallback = std::function<void(std::optional<Found>)>;

  // Looks `primary` up and, for a vary record, the variant matching `request`. `cb` runs exactly once, inline or
  // from another thread (see Store::lookup). An object is decoded once (the first hit, or already by put()); every
  // later hit shares that Entry.
  void find(const std::string& primary, std::shared_ptr<const Headers> request, FindCallback cb);
  // Stores a response (Vary from its headers) for `request`; the store keeps it until `expires`.
  void put(const std::string& primary, const Headers& request, Entry entry, std::vector<std::string> tags,
           WallClock::time_point expires);

  // Purge (admin API; also invalidation on unsafe methods). `url` as key.h builds it.
  std::size_t purge_url(const std::string& url);  // the URL's every key (components, variants)
  std::size_t purge_prefix(const std::string& prefix);
  std::size_t purge_tag(const std::string& tag);
  std::size_t flush();

  void sync_metrics() { metrics_.sync(store_->stats()); }

 private:
  std::shared_ptr<Store> store_;
  Collapser collapser_;
  CacheMetrics metrics_;
};

}  // namespace aegis::cache
