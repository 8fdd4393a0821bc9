// The cache's Prometheus families (global registry), resolved once:
//   cache_requests_total{status="hit|miss|stale|revalidated|bypass"}   requests by how the cache served them
//   cache_hit_ratio             (hit + stale + revalidated) / (those + miss) since start; bypass not counted
//   cache_bytes_stored          bytes held by the local store (footprints)
//   cache_objects_stored        objects held by the local store
//   cache_evictions_total       objects evicted to make room
//   cache_purges_total{method="url|prefix|tag|flush"}   purge requests served by the admin API
//   cache_collapsed_requests_total   requests that waited for another request's origin fetch instead of their own
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "cache/store.h"
#include "metrics/metrics.h"

namespace aegis::cache {

enum class Status { kHit, kMiss, kStale, kRevalidated, kBypass };
std::string_view to_string(Status s);  // "HIT", "MISS", ...

class CacheMetrics {
 public:
  CacheMetrics();
  void count(Status s);
  void collapsed() const { collapsed_.inc(); }
  void purge(std::string_view method) const;
  // Publishes the store's numbers (bytes/objects gauges, evictions counter by the increase since last time).
  void sync(const StoreStats& stats);

 private:
  metrics::Counter requests_[5];
  metrics::Gauge hit_ratio_, bytes_, objects_;
  metrics::Counter evictions_, collapsed_;
  metrics::Counter purges_[4];
  std::atomic<uint64_t> hits_{0}, lookups_{0}, evictions_seen_{0};
};

}  // namespace aegis::cache
