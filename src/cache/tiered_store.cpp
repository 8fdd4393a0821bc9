#include "cache/tiered_store.h"

#include <algorithm>

namespace aegis::cache {

TieredStore::TieredStore(std::shared_ptr<Store> l1, std::shared_ptr<Store> l2) : l1_(std::move(l1)), l2_(std::move(l2)) {}

TieredStore::~TieredStore() = default;

void TieredStore::lookup(const std::string& key, LookupCallback cb) {
  // The callbacks hold the tiers (not `this`), so a late L2 answer is safe even if the TieredStore is gone.
  l1_->lookup(key, [key, l1 = l1_, l2 = l2_, cb = std::move(cb)](ObjectPtr hit) mutable {
    if (hit) {
      cb(std::move(hit));
      return;
    }
    l2->lookup(key, [l1, cb = std::move(cb)](ObjectPtr remote) {
      if (remote) l1->insert(remote);
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
  return std::max(l1_->purge_prefix(prefix), l2_->purge_prefix(prefix));
}

std::size_t TieredStore::purge_tag(std::string_view tag) { return std::max(l1_->purge_tag(tag), l2_->purge_tag(tag)); }

std::size_t TieredStore::flush() { return std::max(l1_->flush(), l2_->flush()); }

StoreStats TieredStore::stats() const { return l1_->stats(); }

}  // namespace aegis::cache
