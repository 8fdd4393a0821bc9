#include "cache/cache_metrics.h"

namespace aegis::cache {

std::string_view to_string(Status s) {
  switch (s) {
    case Status::kHit: return "HIT";
    case Status::kMiss: return "MISS";
    case Status::kStale: return "STALE";
    case Status::kRevalidated: return "REVALIDATED";
    case Status::kBypass: return "BYPASS";
  }
  return "MISS";
}

CacheMetrics::CacheMetrics() {
  auto& r = metrics::global();
  auto requests = r.counter("cache_requests_total", "Requests by how the HTTP cache served them");
  const char* labels[] = {"hit", "miss", "stale", "revalidated", "bypass"};
  for (int i = 0; i < 5; ++i) requests_[i] = requests.with({{"status", labels[i]}});
  hit_ratio_ = r.gauge("cache_hit_ratio", "Share of cacheable requests served from the cache since start").with();
  bytes_ = r.gauge("cache_bytes_stored", "Bytes held by the local cache store").with();
  objects_ = r.gauge("cache_objects_stored", "Objects held by the local cache store").with();
  evictions_ = r.counter("cache_evictions_total", "Objects evicted from the local cache store to make room").with();
  collapsed_ = r.counter("cache_collapsed_requests_total",
                         "Requests that waited for a concurrent request's origin fetch (request collapsing)")
                   .with();
  auto purges = r.counter("cache_purges_total", "Cache purge requests served by the admin API");
  const char* methods[] = {"url", "prefix", "tag", "flush"};
  for (int i = 0; i < 4; ++i) purges_[i] = purges.with({{"method", methods[i]}});
}

void CacheMetrics::count(Status s) {
  requests_[static_cast<int>(s)].inc();
  if (s == Status::kBypass) return;
  const uint64_t lookups = ++lookups_;
  const uint64_t hits = s == Status::kMiss ? hits_.load() : ++hits_;
  hit_ratio_.set(static_cast<double>(hits) / static_cast<double>(lookups));
}

void CacheMetrics::purge(std::string_view method) const {
  int i = method == "url" ? 0 : method == "prefix" ? 1 : method == "tag" ? 2 : 3;
  purges_[i].inc();
}

void CacheMetrics::sync(const StoreStats& stats) {
  bytes_.set(static_cast<double>(stats.bytes));
  objects_.set(static_cast<double>(stats.objects));
  uint64_t seen = evictions_seen_.load();
  while (stats.evictions > seen && !evictions_seen_.compare_exchange_weak(seen, stats.evictions)) {
  }
  if (stats.evictions > seen) evictions_.inc(static_cast<double>(stats.evictions - seen));
}

}  // namespace aegis::cache
