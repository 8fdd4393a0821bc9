#include "cache/collapser.h"

namespace aegis::cache {

bool Collapser::join(const std::string& key, Waiter waiter) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = leads_.try_emplace(key);
  if (inserted) return true;
  it->second.push_back(std::move(waiter));
  return false;
}

bool Collapser::try_lead(const std::string& key) {
  std::lock_guard lock(mu_);
  return leads_.try_emplace(key).second;
}

void Collapser::done(const std::string& key) {
  std::vector<Waiter> waiters;
  {
    std::lock_guard lock(mu_);
    auto it = leads_.find(key);
    if (it == leads_.end()) return;
    waiters = std::move(it->second);
    leads_.erase(it);
  }
  for (auto& w : waiters) w();
}

std::size_t Collapser::in_flight() const {
  std::lock_guard lock(mu_);
  return leads_.size();
}

}  // namespace aegis::cache
