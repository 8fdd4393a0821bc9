// WorkerContext: everything the HTTP/1.1 sessions of one worker thread share — that worker's event loop, its
// upstream pool, its phase objects, the current config snapshot, and the set of open sessions (for draining).
// Only ever used from the worker's own thread (no locking), except the SnapshotStore it reads from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "log/access_log.h"
#include "proxy/phase.h"
#include "proxy/snapshot.h"
#include "proxy/upstream_pool.h"

namespace aegis::proxy {

// What the worker needs to know about a live connection.
class SessionHandle {
 public:
  virtual ~SessionHandle() = default;
  // Called when draining: close now if waiting for a next request; otherwise finish the current one and close.
  virtual void close_if_idle() = 0;
};

class WorkerContext {
 public:
  WorkerContext(boost::asio::io_context& ioc, unsigned index, const SnapshotStore& store,
                std::vector<std::shared_ptr<Phase>> phases, log::AccessLog* access_log)
      : ioc_(ioc), index_(index), store_(store), phases_(std::move(phases)), access_log_(access_log) {}

  boost::asio::io_context& ioc() { return ioc_; }
  unsigned index() const { return index_; }

  // The snapshot for a new request (refreshed when a reload published a new one).
  const std::shared_ptr<const ProxySnapshot>& snapshot() {
    uint64_t g = store_.generation();
    if (g != seen_generation_ || !snapshot_) {
      snapshot_ = store_.current();
      seen_generation_ = g;
    }
    return snapshot_;
  }

  UpstreamPool& pool() { return pool_; }
  DeadlineList& deadlines() { return deadlines_; }
  const std::vector<std::shared_ptr<Phase>>& phases() const { return phases_; }
  log::AccessLog* access_log() { return access_log_; }
  std::size_t next_round_robin() { return rr_++; }

  // Sessions register themselves for their lifetime.
  void add_session(SessionHandle* s) { sessions_.insert(s); }
  void remove_session(SessionHandle* s) { sessions_.erase(s); }
  std::size_t session_count() const { return sessions_.size(); }

  // Stop keep-alive: idle connections are closed now, busy ones after their current response.
  void begin_drain() {
    draining_ = true;
    std::vector<SessionHandle*> copy(sessions_.begin(), sessions_.end());
    for (auto* s : copy) s->close_if_idle();
    pool_.clear();
  }
  bool draining() const { return draining_; }

 private:
  boost::asio::io_context& ioc_;
  unsigned index_;
  const SnapshotStore& store_;
  std::shared_ptr<const ProxySnapshot> snapshot_;
  uint64_t seen_generation_ = ~uint64_t{0};
  std::vector<std::shared_ptr<Phase>> phases_;
  log::AccessLog* access_log_;
  DeadlineList deadlines_;  // before pool_: pooled connections unregister from it when destroyed
  UpstreamPool pool_;
  std::size_t rr_ = 0;
  std::unordered_set<SessionHandle*> sessions_;
  bool draining_ = false;
};

}  // namespace aegis::proxy
