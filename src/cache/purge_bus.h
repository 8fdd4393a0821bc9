// PurgeBus: purges that reach every node sharing one Redis. With `cache.store: redis` each node keeps a memory L1
// in front of the shared Redis L2 (tiered_store.h); purging Redis alone would leave the other nodes' L1 copies in
// place until they expire. So every purge (url, prefix, tag, flush — and the invalidation of unsafe methods) is
// applied locally at once and published on a purge log in Redis, which every node reads and applies to its L1.
//
// The log: one Redis stream, <redis.key_prefix><ns>purge:log (so deployments with different key prefixes do not see
// each other's purges), entries with explicit ids "<seq>-1", seq = 1, 2, 3, ... without holes, appended by a Lua
// script (atomic: read the last seq, XADD seq+1), trimmed to about `log_length` entries (MAXLEN ~). Each entry:
//   e  epoch — a random token chosen by whoever wrote the first entry of this stream; a new stream (Redis
//      restarted without persistence, the key evicted or deleted) has a new epoch
//   k  kind: prefix | tag | flush        a  its argument        n  the publishing node's id (it skips its own)
//
// Every node runs one thread that, every `poll_interval` (and at once when it has something to publish):
//   1. publishes its queued events (EVAL; queued while Redis is unreachable — a purge never waits for Redis nor
//      fails because of it; more than `max_pending` queued events collapse into one flush);
//   2. reads the top of the log and the entries after the last seq it applied (XREVRANGE + XREAD, one pipeline),
//      and applies the other nodes' events to its L1 through `apply`.
// When continuity cannot be proven it drops its whole L1 instead (`apply` with a flush; counted as a resync):
//   - a hole in the seqs (the node was away longer than the log keeps: more than log_length purges meanwhile),
//   - another epoch or a top below the last seq applied (the log was lost: Redis restarted or the key was deleted),
//   - the first contact with Redis after a start without it, when L1 already holds something.
// Consistency window: a purge on one node reaches the other nodes' L1 within about poll_interval plus a Redis round
// trip while Redis is up; while a node cannot reach Redis it keeps serving its L1 (and the purges it receives
// locally), and it catches up — or resyncs — as soon as it can.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace aegis::redis {
class Client;
}

namespace aegis::cache {

struct PurgeEvent {
  enum class Kind { kPrefix, kTag, kFlush };
  Kind kind = Kind::kFlush;
  std::string arg;  // the key prefix or tag ("" for a flush)

  bool operator==(const PurgeEvent&) const = default;
};

class PurgeBus {
 public:
  struct Options {
    std::chrono::milliseconds poll_interval{100};
    std::string ns = "cache:";      // namespace after the client's key prefix (as RedisStore's)
    std::size_t log_length = 10000;  // entries kept in the log (approximately)
    std::size_t max_pending = 1000;  // queued while Redis is unreachable; beyond: one flush instead
    std::function<void()> periodic;  // also run on the bus's thread every poll interval (may be empty)
  };
  // Applies another node's purge (or a resync flush) to this node's local tier. Runs on the bus's thread.
  using Apply = std::function<void(const PurgeEvent&)>;

  PurgeBus(std::shared_ptr<redis::Client> client, Apply apply, Options options);
  ~PurgeBus();  // stops the thread (events still queued are not published)
  PurgeBus(const PurgeBus&) = delete;
  PurgeBus& operator=(const PurgeBus&) = delete;

  // Queues an event for the other nodes (the caller has applied it locally). Never blocks on Redis.
  void publish(PurgeEvent event);

  struct Stats {
    uint64_t published = 0;  // events written to the log
    uint64_t applied = 0;    // other nodes' events applied to L1
    uint64_t resyncs = 0;    // whole-L1 drops because continuity was lost
    uint64_t pending = 0;    // queued, not yet published
    bool synced = false;     // has read the log at least once
  };
  Stats stats() const;
  const std::string& node_id() const { return node_id_; }

 private:
  void run();
  bool publish_pending();
  void poll();
  void resync(const char* why);

  std::shared_ptr<redis::Client> client_;
  Apply apply_;
  Options options_;
  std::string log_key_;
  std::string node_id_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PurgeEvent> pending_;
  bool stop_ = false;

  // Only the bus thread touches these.
  bool synced_ = false;
  bool failing_ = false;  // publishing fails (logged once until it works again)
  uint64_t last_seq_ = 0;
  std::string epoch_;

  std::atomic<uint64_t> published_{0}, applied_{0}, resyncs_{0};
  std::atomic<bool> synced_flag_{false};
  std::thread thread_;
};

}  // namespace aegis::cache
