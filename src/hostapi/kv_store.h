// Key-value store behind the edge-function ABI's cache_get / cache_set. Keys live in a namespace (one per module)
// so modules cannot read each other's data. Implementations are thread-safe and shared by all workers; calls are
// synchronous (a remote store blocks the calling thread, so such modules run off the event loop).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aegis::hostapi {

class KvStore {
 public:
  virtual ~KvStore() = default;
  // The value, or nullopt if absent, expired, or the store failed.
  virtual std::optional<std::string> get(std::string_view ns, std::string_view key) = 0;
  // Store with a time-to-live; ttl == 0 means no expiry (the entry may still be evicted under memory pressure).
  // Returns false if the store refused or failed.
  virtual bool set(std::string_view ns, std::string_view key, std::string_view value, std::chrono::seconds ttl) = 0;
  // Remove; returns whether an entry was removed.
  virtual bool remove(std::string_view ns, std::string_view key) = 0;
};

}  // namespace aegis::hostapi
