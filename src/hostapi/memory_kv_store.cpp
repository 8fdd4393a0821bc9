#include "hostapi/memory_kv_store.h"

#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace aegis::hostapi {
namespace {

using Clock = std::chrono::steady_clock;

// Namespace and key joined unambiguously: decimal length of the namespace, ':', namespace, key.
std::string composite_key(std::string_view ns, std::string_view key) {
  std::string k = std::to_string(ns.size());
  k.push_back(':');
  k.append(ns);
  k.append(key);
  return k;
}

constexpr std::size_t kEntryOverhead = 64;  // rough per-entry bookkeeping, so empty values still cost something

}  // namespace

struct MemoryKvStore::Shard {
  struct Entry {
    std::string value;
    Clock::time_point expires;  // time_point::max() = no expiry
    std::list<std::string>::iterator lru;  // position in `order` (front = most recently used)
  };
  mutable std::mutex mu;
  std::unordered_map<std::string, Entry> map;
  std::list<std::string> order;
  std::size_t bytes = 0;
  std::size_t budget = 0;
  std::size_t evictions = 0;
  std::size_t expirations = 0;

  static std::size_t cost(const std::string& key, const std::string& value) {
    return 2 * key.size() + value.size() + kEntryOverhead;  // key is stored twice (map and LRU list)
  }
  void erase(std::unordered_map<std::string, Entry>::iterator it) {
    bytes -= cost(it->first, it->second.value);
    order.erase(it->second.lru);
    map.erase(it);
  }
};

MemoryKvStore::MemoryKvStore(MemoryKvOptions options) : options_(std::move(options)) {
  if (options_.shards == 0) options_.shards = 1;
  if (!options_.now) options_.now = [] { return Clock::now(); };
  shards_ = std::make_unique<Shard[]>(options_.shards);
  for (std::size_t i = 0; i < options_.shards; ++i) shards_[i].budget = options_.max_total_bytes / options_.shards;
}

MemoryKvStore::~MemoryKvStore() = default;

std::optional<std::string> MemoryKvStore::get(std::string_view ns, std::string_view key) {
  const std::string k = composite_key(ns, key);
  Shard& s = shards_[std::hash<std::string>{}(k) % options_.shards];
  const auto now = options_.now();
  std::lock_guard lock(s.mu);
  auto it = s.map.find(k);
  if (it == s.map.end()) return std::nullopt;
  if (it->second.expires <= now) {
    s.erase(it);
    ++s.expirations;
    return std::nullopt;
  }
  s.order.splice(s.order.begin(), s.order, it->second.lru);
  return it->second.value;
}

bool MemoryKvStore::set(std::string_view ns, std::string_view key, std::string_view value, std::chrono::seconds ttl) {
  std::string k = composite_key(ns, key);
  Shard& s = shards_[std::hash<std::string>{}(k) % options_.shards];
  const auto now = options_.now();
  const std::size_t need = 2 * k.size() + value.size() + kEntryOverhead;
  if (need > s.budget) return false;
  const auto expires = ttl.count() > 0 ? now + ttl : Clock::time_point::max();
  std::lock_guard lock(s.mu);
  if (auto it = s.map.find(k); it != s.map.end()) s.erase(it);
  // Make room: least recently used first (expired entries are dropped lazily, when read or evicted).
  while (s.bytes + need > s.budget && !s.order.empty()) {
    s.erase(s.map.find(s.order.back()));
    ++s.evictions;
  }
  s.order.push_front(k);
  s.map.emplace(std::move(k), Shard::Entry{std::string(value), expires, s.order.begin()});
  s.bytes += need;
  return true;
}

bool MemoryKvStore::remove(std::string_view ns, std::string_view key) {
  const std::string k = composite_key(ns, key);
  Shard& s = shards_[std::hash<std::string>{}(k) % options_.shards];
  std::lock_guard lock(s.mu);
  auto it = s.map.find(k);
  if (it == s.map.end()) return false;
  s.erase(it);
  return true;
}

MemoryKvStats MemoryKvStore::stats() const {
  MemoryKvStats st;
  for (std::size_t i = 0; i < options_.shards; ++i) {
    const Shard& s = shards_[i];
    std::lock_guard lock(s.mu);
    st.entries += s.map.size();
    st.bytes += s.bytes;
    st.evictions += s.evictions;
    st.expirations += s.expirations;
  }
  return st;
}

}  // namespace aegis::hostapi
