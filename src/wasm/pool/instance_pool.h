// Per-thread pool of ready instances, keyed by compiled module. Engine-agnostic (uses only wasm/engine.h).
//
//   InstancePool pool(runtime);                       // one per worker thread, next to that thread's Runtime
//   PoolModule m{compiled, imports, ReuseMode::Reset};
//   InstancePool::Lease lease = pool.acquire(m, &error);   // restored idle instance, or a fresh one
//   CallOutcome out = lease->call("on_request", {}, results, opts);
//   lease.release(InstancePool::reusable(out));      // trapped / timed out / exited instances are discarded
//
// Reset mode: a fresh instance is captured right after instantiation; on acquire an idle one is restored to that
// snapshot (memory + mutable globals) — if restore() fails (memory grew, module not resettable) it is discarded
// and a new one instantiated. Persistent mode hands the idle instance back as it was left (state carries over
// from one invocation to the next). Fresh mode never reuses. At most Options::max_idle_per_module idle instances
// are kept per module; the rest are destroyed on release.
//
// Module reload: a pool entry holds only a weak reference to its module. When the owner (module store) drops the
// last reference, the entry and its idle instances are discarded on the next acquire (or call evict()
// explicitly); a lease outstanding across an eviction is destroyed on release instead of being pooled.
//
// Not thread-safe: use from the Runtime's thread. Leases must not outlive the pool.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "wasm/engine.h"

namespace aegis::wasm {

enum class ReuseMode : uint8_t {
  Reset,       // reuse after restoring the post-instantiation snapshot (default)
  Persistent,  // reuse as is: the module opted into keeping state between invocations
  Fresh,       // never reuse: a new instance for every acquire (module cannot be reset)
};

struct PoolModule {
  std::shared_ptr<const CompiledModule> compiled;
  std::vector<HostFunction> imports;
  ReuseMode mode = ReuseMode::Reset;
  CallOptions start_options;  // deadline / user_data for the start function at instantiation
  // Optional: runs once on every fresh instance, before the snapshot is captured (e.g. a WASI reactor's
  // `_initialize`), so that restore() brings back the initialised state. Returning false fails the acquire.
  std::function<bool(Instance&, std::string* error)> initialize;
  // Reset mode: restore only the memory of an idle instance (Instance::restore_memory) and leave the mutable
  // globals to the caller, who restores them with its first call (Lease::globals_pending() tells it to).
  bool caller_restores_globals = false;
};

class InstancePool {
 public:
  struct Options {
    std::size_t max_idle_per_module = 4;
  };
  struct Stats {
    uint64_t instantiated = 0;    // fresh instances created
    uint64_t restored = 0;        // idle instances reset and handed out
    uint64_t reused = 0;          // idle instances handed out as is (persistent)
    uint64_t restore_failed = 0;  // idle instances that could not be reset (discarded)
    uint64_t discarded = 0;       // instances destroyed on release (not reusable, pool full, module evicted)
    uint64_t evicted = 0;         // idle instances destroyed because their module was dropped
  };

  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& o) noexcept { *this = std::move(o); }
    Lease& operator=(Lease&& o) noexcept;
    ~Lease();

    explicit operator bool() const { return instance_ != nullptr; }
    Instance* get() const { return instance_.get(); }
    Instance* operator->() const { return instance_.get(); }
    Instance& operator*() const { return *instance_; }
    // Give the instance back. reusable=false (after a trap, timeout, host exit or engine error) destroys it.
    // A lease destroyed without release() is treated as not reusable.
    void release(bool reusable);
    // The instance was reset with restore_memory() (PoolModule::caller_restores_globals): its mutable globals
    // still hold what the previous invocation left until the caller restores them.
    bool globals_pending() const { return globals_pending_; }

   private:
    friend class InstancePool;
    InstancePool* pool_ = nullptr;
    const CompiledModule* key_ = nullptr;
    uint64_t generation_ = 0;
    bool poolable_ = false;  // Persistent, or Reset with a successful capture()
    bool globals_pending_ = false;
    std::unique_ptr<Instance> instance_;
  };

  explicit InstancePool(Runtime& runtime) : InstancePool(runtime, Options{}) {}
  InstancePool(Runtime& runtime, Options options) : runtime_(runtime), options_(options) {}
  InstancePool(const InstancePool&) = delete;
  InstancePool& operator=(const InstancePool&) = delete;

  // An empty lease and *error on instantiation failure.
  Lease acquire(const PoolModule& module, std::string* error);
  // Destroys the idle instances of `module` and forgets it; outstanding leases are discarded on release.
  void evict(const CompiledModule& module);
  // Destroys idle instances of modules whose owners dropped them. acquire() does this periodically.
  void purge_dropped();

  std::size_t idle_count(const CompiledModule& module) const;
  const Stats& stats() const { return stats_; }

  // Whether an instance that produced this outcome may be pooled again.
  static bool reusable(const CallOutcome& outcome) {
    return outcome.status == CallStatus::Ok || outcome.status == CallStatus::NotFound;
  }

 private:
  struct Entry {
    std::weak_ptr<const CompiledModule> module;
    uint64_t generation = 0;
    std::vector<std::unique_ptr<Instance>> idle;  // LIFO: the most recently used is the warmest
  };
  void give_back(Lease& lease, bool reusable);
  Entry& entry_for(const std::shared_ptr<const CompiledModule>& module);

  Runtime& runtime_;
  Options options_;
  Stats stats_;
  std::unordered_map<const CompiledModule*, Entry> entries_;
  uint64_t next_generation_ = 1;
  uint32_t acquires_since_purge_ = 0;
};

}  // namespace aegis::wasm
