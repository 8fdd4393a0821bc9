// Collapser: request collapsing (a.k.a. request coalescing). Concurrent misses for one cache key make one origin
// request: the first caller leads (goes to the origin), later ones wait; when the leader is done (its response
// stored, or found not storable, or it failed) every waiter is woken and looks the key up again.
// Thread-safe; shared by all workers (one per Cache). Waiters are called outside the lock, on the thread that
// calls done().
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace aegis::cache {

class Collapser {
 public:
  using Waiter = std::function<void()>;

  // True: the caller leads and must call done(key) exactly once. False: `waiter` is queued for done(key).
  bool join(const std::string& key, Waiter waiter);
  // True when nobody leads `key`: the caller now leads (must call done). Never queues (stale-while-revalidate:
  // one request revalidates, the others are served stale meanwhile).
  bool try_lead(const std::string& key);
  // Ends the lead of `key` and wakes its waiters.
  void done(const std::string& key);
  std::size_t in_flight() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<Waiter>> leads_;
};

}  // namespace aegis::cache
