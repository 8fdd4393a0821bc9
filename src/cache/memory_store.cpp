#include "cache/memory_store.h"

#include <algorithm>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace aegis::cache {

struct MemoryStore::Shard {
  struct Node {
    ObjectPtr object;
    std::size_t footprint = 0;
    std::list<std::string>::iterator lru;  // position in `lru` (front = most recently used)
  };
  using Map = std::unordered_map<std::string, Node>;

  std::mutex mu;
  Map map;
  std::list<std::string> lru;
  std::unordered_map<std::string, std::unordered_set<std::string>> tags;  // tag → keys carrying it
  std::size_t bytes = 0;

  // Removes the node (map, LRU, tag index). Returns its footprint. Caller holds mu.
  std::size_t remove(Map::iterator it) {
    std::size_t fp = it->second.footprint;
    for (const auto& t : it->second.object->tags) {
      auto ti = tags.find(t);
      if (ti == tags.end()) continue;
      ti->second.erase(it->first);
      if (ti->second.empty()) tags.erase(ti);
    }
    lru.erase(it->second.lru);
    map.erase(it);
    bytes -= fp;
    return fp;
  }
};

MemoryStore::MemoryStore(const Options& options) : options_(options) {
  if (options_.shards == 0) options_.shards = 1;
  shard_budget_ = std::max<std::size_t>(options_.max_bytes / options_.shards, 1);
  shards_.reserve(options_.shards);
  for (unsigned i = 0; i < options_.shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

MemoryStore::~MemoryStore() = default;

MemoryStore::Shard& MemoryStore::shard_for(const std::string& key) {
  return *shards_[std::hash<std::string>{}(key) % shards_.size()];
}

ObjectPtr MemoryStore::get(const std::string& key) {
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  auto it = s.map.find(key);
  if (it == s.map.end()) return nullptr;
  if (it->second.object->expires <= WallClock::now()) {
    bytes_ -= s.remove(it);
    --objects_;
    return nullptr;
  }
  s.lru.splice(s.lru.begin(), s.lru, it->second.lru);
  return it->second.object;
}

void MemoryStore::lookup(const std::string& key, LookupCallback cb) { cb(get(key)); }

void MemoryStore::insert(ObjectPtr object) {
  if (!object) return;
  const std::size_t fp = object->footprint();
  if (fp > shard_budget_ || (options_.max_object_bytes && fp > options_.max_object_bytes)) {
    erase(object->key);  // an older, smaller version must not outlive a newer response
    return;
  }
  Shard& s = shard_for(object->key);
  std::vector<ObjectPtr> dropped;  // destroyed outside the lock
  std::lock_guard lock(s.mu);
  if (auto it = s.map.find(object->key); it != s.map.end()) {
    dropped.push_back(it->second.object);
    bytes_ -= s.remove(it);
    --objects_;
  }
  while (s.bytes + fp > shard_budget_ && !s.lru.empty()) {
    auto victim = s.map.find(s.lru.back());
    dropped.push_back(victim->second.object);
    bytes_ -= s.remove(victim);
    --objects_;
    ++evictions_;
  }
  s.lru.push_front(object->key);
  for (const auto& t : object->tags) s.tags[t].insert(object->key);
  const std::string& key = s.lru.front();
  s.map.emplace(key, Shard::Node{std::move(object), fp, s.lru.begin()});
  s.bytes += fp;
  bytes_ += fp;
  ++objects_;
}

void MemoryStore::erase(const std::string& key) {
  Shard& s = shard_for(key);
  ObjectPtr dropped;
  std::lock_guard lock(s.mu);
  auto it = s.map.find(key);
  if (it == s.map.end()) return;
  dropped = it->second.object;
  bytes_ -= s.remove(it);
  --objects_;
}

std::size_t MemoryStore::purge_prefix(std::string_view prefix) {
  std::size_t n = 0;
  for (auto& sp : shards_) {
    Shard& s = *sp;
    std::lock_guard lock(s.mu);
    for (auto it = s.map.begin(); it != s.map.end();) {
      auto next = std::next(it);
      if (std::string_view(it->first).substr(0, prefix.size()) == prefix) {
        bytes_ -= s.remove(it);
        --objects_;
        ++n;
      }
      it = next;
    }
  }
  return n;
}

std::size_t MemoryStore::purge_tag(std::string_view tag) {
  std::size_t n = 0;
  const std::string t(tag);
  for (auto& sp : shards_) {
    Shard& s = *sp;
    std::lock_guard lock(s.mu);
    auto ti = s.tags.find(t);
    if (ti == s.tags.end()) continue;
    std::vector<std::string> keys(ti->second.begin(), ti->second.end());
    for (const auto& k : keys) {
      auto it = s.map.find(k);
      if (it == s.map.end()) continue;
      bytes_ -= s.remove(it);
      --objects_;
      ++n;
    }
  }
  return n;
}

std::size_t MemoryStore::flush() { return purge_prefix(""); }

StoreStats MemoryStore::stats() const {
  return StoreStats{bytes_.load(), objects_.load(), evictions_.load()};
}

}  // namespace aegis::cache
