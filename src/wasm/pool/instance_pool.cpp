#include "wasm/pool/instance_pool.h"

#include <utility>

namespace aegis::wasm {
namespace {
constexpr uint32_t kPurgeEvery = 64;

bool same_owner(const std::weak_ptr<const CompiledModule>& a, const std::shared_ptr<const CompiledModule>& b) {
  return !a.owner_before(b) && !b.owner_before(a);
}
}  // namespace

InstancePool::Lease& InstancePool::Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    if (instance_) release(false);
    pool_ = std::exchange(o.pool_, nullptr);
    key_ = std::exchange(o.key_, nullptr);
    generation_ = o.generation_;
    poolable_ = o.poolable_;
    globals_pending_ = o.globals_pending_;
    instance_ = std::move(o.instance_);
  }
  return *this;
}

InstancePool::Lease::~Lease() {
  if (instance_) release(false);
}

void InstancePool::Lease::release(bool reusable) {
  if (!instance_) return;
  if (pool_) {
    pool_->give_back(*this, reusable);
  }
  instance_.reset();
}

InstancePool::Entry& InstancePool::entry_for(const std::shared_ptr<const CompiledModule>& module) {
  Entry& e = entries_[module.get()];
  // A new entry, or the address now belongs to another module (the old one was dropped and freed).
  if (e.generation == 0 || !same_owner(e.module, module)) {
    stats_.evicted += e.idle.size();
    e.idle.clear();
    e.module = module;
    e.generation = next_generation_++;
  }
  return e;
}

InstancePool::Lease InstancePool::acquire(const PoolModule& module, std::string* error) {
  Lease lease;
  if (!module.compiled) {
    if (error) *error = "no compiled module";
    return lease;
  }
  if (++acquires_since_purge_ >= kPurgeEvery) purge_dropped();
  Entry& e = entry_for(module.compiled);
  lease.pool_ = this;
  lease.key_ = module.compiled.get();
  lease.generation_ = e.generation;

  while (module.mode != ReuseMode::Fresh && !e.idle.empty()) {
    std::unique_ptr<Instance> inst = std::move(e.idle.back());
    e.idle.pop_back();
    if (module.mode == ReuseMode::Persistent) {
      ++stats_.reused;
    } else if (module.caller_restores_globals ? inst->restore_memory() : inst->restore()) {
      ++stats_.restored;
      lease.globals_pending_ = module.caller_restores_globals;
    } else {
      ++stats_.restore_failed;
      continue;  // destroyed here
    }
    lease.poolable_ = true;
    lease.instance_ = std::move(inst);
    return lease;
  }

  std::string err;
  std::unique_ptr<Instance> inst = runtime_.instantiate(*module.compiled, module.imports, module.start_options, &err);
  if (!inst) {
    if (error) *error = err.empty() ? "instantiation failed" : err;
    lease.pool_ = nullptr;
    return lease;
  }
  ++stats_.instantiated;
  if (module.initialize && !module.initialize(*inst, &err)) {
    if (error) *error = err.empty() ? "initialisation failed" : err;
    lease.pool_ = nullptr;
    return lease;
  }
  switch (module.mode) {
    case ReuseMode::Reset: lease.poolable_ = inst->capture(); break;
    case ReuseMode::Persistent: lease.poolable_ = true; break;
    case ReuseMode::Fresh: lease.poolable_ = false; break;
  }
  lease.instance_ = std::move(inst);
  return lease;
}

void InstancePool::give_back(Lease& lease, bool reusable) {
  auto it = entries_.find(lease.key_);
  bool keep = reusable && lease.poolable_ && it != entries_.end() && it->second.generation == lease.generation_ &&
              !it->second.module.expired() && it->second.idle.size() < options_.max_idle_per_module;
  if (!keep) {
    ++stats_.discarded;
    return;  // the lease destroys the instance
  }
  it->second.idle.push_back(std::move(lease.instance_));
}

void InstancePool::evict(const CompiledModule& module) {
  auto it = entries_.find(&module);
  if (it == entries_.end()) return;
  stats_.evicted += it->second.idle.size();
  entries_.erase(it);
}

void InstancePool::purge_dropped() {
  acquires_since_purge_ = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.module.expired()) {
      stats_.evicted += it->second.idle.size();
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

std::size_t InstancePool::idle_count(const CompiledModule& module) const {
  auto it = entries_.find(&module);
  return it == entries_.end() ? 0 : it->second.idle.size();
}

}  // namespace aegis::wasm
