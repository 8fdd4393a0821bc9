// Store: where the HTTP cache keeps its objects — opaque serialized blobs by key, with tags (surrogate keys) and an
// expiry. One Store is shared by all workers of the process (Pipeline::Services owns it, it survives reloads), so
// every method is thread-safe.
//
// The cache (src/cache/cache_phase.*) decides what to store and serializes it (src/cache/entry.h); a Store never
// interprets `data`. Keys are the cache keys built by src/cache/key.h: they start with the request URL
// ("http://host/path?query", host lower-case) and '\x1f', then optional components, and variant keys (Vary)
// append '\x1e' + the secondary key. Purging a URL (prefix "url\x1f") or a URL prefix is a key-prefix purge.
//
// Contract of each operation:
//   lookup(key, cb)        Finds a live object (expires > now). `cb` is called exactly once, with the object or
//                          nullptr, either inline (before lookup returns; the memory store always does) or later
//                          from another thread (a remote tier). The caller must cope with both: the cache phase
//                          returns Flow::kPending when the callback did not run inline and resumes from it.
//                          A tier that fails (e.g. remote down) calls back with nullptr: failure is a miss.
//   insert(object)         Stores/replaces the object under object->key. Never blocks on I/O (a remote tier writes
//                          in the background); may evict other objects to stay within its bounds; an object larger
//                          than the store accepts is dropped silently.
//   erase(key)             Removes one key (no-op when absent). Non-blocking like insert.
//   purge_prefix(prefix)   Removes every key starting with `prefix` ("" = everything).
//   purge_tag(tag)         Removes every object carrying `tag`.
//   flush()                Removes everything.
//   The purge operations are admin operations (called from the admin thread); they may take a while (a scan) and
//   return the number of objects this process removed (a remote tier may remove more, asynchronously; it adds
//   what it knows).
//   stats()                Current bytes/objects held and evictions so far (of the local tier for a composed store).
//                          Never blocks (a remote store answers with its last known numbers).
//   set_change_listener(f) f() is called (from any thread) after the store changed without a call through this
//                          interface — another node's purge applied to the local tier — so the owner can refresh
//                          what it derives from stats(). Empty f = none. Stores that never change so ignore it.
//   shared_stats()         A composed store's shared tier (what every node together keeps there); nullopt when the
//                          store has none.
//
// Composing tiers (memory L1 + remote L2, implemented by src/redis as a Store that wraps both):
//   lookup   L1 first; on an L1 miss ask L2 asynchronously; an L2 hit is inserted into L1 (same key, tags and
//            expiry) before the callback; an L2 error or timeout is a miss (the request goes on without L2).
//   insert   into L1 synchronously and into L2 in the background (remote TTL = expires - now, rounded up).
//   erase / purge_* / flush   applied to both tiers (L2 by prefix/tag index kept in the remote store).
//   stats    L1's numbers.
// Everything that is not a hit must degrade to "not cached", never fail the request: a Store has no error path.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::cache {

using WallClock = std::chrono::system_clock;  // expiries are wall-clock times so tiers on other nodes agree

// One stored object. Immutable once inserted (shared between the store and readers).
struct StoredObject {
  std::string key;
  std::string data;               // opaque to the store (the cache's serialized entry)
  std::vector<std::string> tags;  // surrogate keys; purge_tag removes every object carrying one
  WallClock::time_point expires;  // the store drops the object after this (it is never returned past it)
  // What a reader decoded `data` into (the cache's parsed Entry), attached by whoever decodes it first so that every
  // later hit on this same object skips the decoding (and shares one immutable copy of the body). Not part of the
  // object: stores neither read nor write it, tiers do not carry it, footprint() ignores it.
  mutable std::atomic<std::shared_ptr<const void>> decoded;

  // Bytes this object accounts for in a store's budget (key + data + tags + fixed overhead).
  std::size_t footprint() const {
    std::size_t n = key.size() + data.size() + 64;
    for (const auto& t : tags) n += t.size() + 16;
    return n;
  }
};

using ObjectPtr = std::shared_ptr<const StoredObject>;

struct StoreStats {
  uint64_t bytes = 0;      // footprint of the objects held
  uint64_t objects = 0;    // number of objects held
  uint64_t evictions = 0;  // objects removed to make room (not expiry, not purge), since start
};

class Store {
 public:
  using LookupCallback = std::function<void(ObjectPtr)>;  // nullptr = miss

  virtual ~Store() = default;

  virtual void lookup(const std::string& key, LookupCallback cb) = 0;
  virtual void insert(ObjectPtr object) = 0;
  virtual void erase(const std::string& key) = 0;
  virtual std::size_t purge_prefix(std::string_view prefix) = 0;
  virtual std::size_t purge_tag(std::string_view tag) = 0;
  virtual std::size_t flush() = 0;
  virtual StoreStats stats() const = 0;
  virtual std::optional<StoreStats> shared_stats() const { return std::nullopt; }
  virtual void set_change_listener(std::function<void()> /*listener*/) {}
};

}  // namespace aegis::cache
