#include "cache/tiered_store.h"

#include <algorithm>

#include "cache/redis_store.h"

namespace aegis::cache {

TieredStore::TieredStore(std::shared_ptr<Store> l1, std::shared_ptr<Store> l2) : l1_(std::move(l1)), l2_(std::move(l2)) {}

TieredStore::~TieredStore() { bus_.reset(); }

void TieredStore::share_purges(std::shared_ptr<redis::Client> client, PurgeBus::Options options) {
  // The bus's thread also keeps the shared tier's statistics (and their gauges) current: stats() refreshes them
  // asynchronously when they are older than a second.
  options.periodic = [l2 = l2_] { l2->stats(); };
  bus_ = std::make_unique<PurgeBus>(std::move(client), [this](const PurgeEvent& e) { apply_remote(e); },
                                    std::move(options));
}

void TieredStore::set_change_listener(std::function<void()> listener) {
  std::lock_guard lock(listener_mu_);
  listener_ = std::move(listener);
}

void TieredStore::apply_remote(const PurgeEvent& e) {
  purges_->fetch_add(1);
  switch (e.kind) {
    case PurgeEvent::Kind::kPrefix: l1_->purge_prefix(e.arg); break;
    case PurgeEvent::Kind::kTag: l1_->purge_tag(e.arg); break;
    case PurgeEvent::Kind::kFlush: l1_->flush(); break;
  }
  std::lock_guard lock(listener_mu_);
  if (listener_) listener_();
}

void TieredStore::lookup(const std::string& key, LookupCallback cb) {
  // The callbacks hold the tiers (not `this`), so a late L2 answer is safe even if the TieredStore is gone.
  l1_->lookup(key, [key, l1 = l1_, l2 = l2_, purges = purges_, cb = std::move(cb)](ObjectPtr hit) mutable {
    if (hit) {
      cb(std::move(hit));
      return;
    }
    const uint64_t before = purges->load();
    l2->lookup(key, [l1, purges, before, cb = std::move(cb)](ObjectPtr remote) {
      if (remote && purges->load() == before) l1->insert(remote);
      cb(std::move(remote));
    });
  });
}

void TieredStore::insert(ObjectPtr object) {
  if (!object) return;
  l1_->insert(object);
  l2_->insert(std::move(object));
}

void TieredStore::erase(const std::string& key) {
  l1_->erase(key);
  l2_->erase(key);
}

std::size_t TieredStore::purge_prefix(std::string_view prefix) {
  purges_->fetch_add(1);
  std::size_t n = std::max(l1_->purge_prefix(prefix), l2_->purge_prefix(prefix));
  if (bus_) bus_->publish({PurgeEvent::Kind::kPrefix, std::string(prefix)});
  return n;
}

std::size_t TieredStore::purge_tag(std::string_view tag) {
  purges_->fetch_add(1);
  std::size_t n = std::max(l1_->purge_tag(tag), l2_->purge_tag(tag));
  if (bus_) bus_->publish({PurgeEvent::Kind::kTag, std::string(tag)});
  return n;
}

std::size_t TieredStore::flush() {
  purges_->fetch_add(1);
  std::size_t n = std::max(l1_->flush(), l2_->flush());
  if (bus_) bus_->publish({PurgeEvent::Kind::kFlush, {}});
  return n;
}

StoreStats TieredStore::stats() const { return l1_->stats(); }

std::shared_ptr<TieredStore> make_redis_tiers(std::shared_ptr<Store> l1, std::shared_ptr<redis::Client> client,
                                              const config::CacheConfig& config) {
  auto tiers = std::make_shared<TieredStore>(std::move(l1), std::make_shared<RedisStore>(client));
  PurgeBus::Options o;
  o.poll_interval = config.purge_poll_interval;
  tiers->share_purges(std::move(client), o);
  return tiers;
}

}  // namespace aegis::cache
