#include "cache/cache.h"

#include "cache/key.h"
#include "cache/memory_store.h"

namespace aegis::cache {

Cache::Cache(std::shared_ptr<Store> store) : store_(std::move(store)) {
  // Another node's purge applied to the memory tier changes the stored bytes/objects behind this Cache's back.
  store_->set_change_listener([this] { sync_metrics(); });
  sync_metrics();
}

Cache::~Cache() { store_->set_change_listener({}); }

std::shared_ptr<Store> Cache::make_memory_store(const config::CacheConfig& config) {
  MemoryStore::Options o;
  o.max_bytes = config.memory_size;
  o.shards = config.shards;
  o.max_object_bytes = config.max_object_size + 64 * 1024;  // body limit plus room for the head
  return std::make_shared<MemoryStore>(o);
}

namespace {

// The object's Entry, decoded now if nobody has yet (two racing first readers both decode; one result stays).
std::shared_ptr<const Entry> entry_of(const StoredObject& o) {
  if (auto d = o.decoded.load(std::memory_order_acquire)) return std::static_pointer_cast<const Entry>(d);
  auto e = parse_entry(o.data);
  if (!e) return nullptr;
  auto p = std::make_shared<const Entry>(std::move(*e));
  o.decoded.store(p, std::memory_order_release);
  return p;
}

}  // namespace

void Cache::find(const std::string& primary, std::shared_ptr<const Headers> request, FindCallback cb) {
  // The callback may outlive this call (asynchronous store): it owns what it needs.
  store_->lookup(primary, [this, primary, request = std::move(request), cb = std::move(cb)](ObjectPtr obj) mutable {
    if (!obj) return cb(std::nullopt);
    auto entry = entry_of(*obj);
    if (!entry) return cb(std::nullopt);
    if (entry->kind == Entry::Kind::kResponse) return cb(Found{std::move(entry), primary});
    std::string variant = variant_key(primary, secondary_key(entry->vary, *request));
    store_->lookup(variant, [variant, cb = std::move(cb)](ObjectPtr vobj) mutable {
      if (!vobj) return cb(std::nullopt);
      auto ventry = entry_of(*vobj);
      if (!ventry || ventry->kind != Entry::Kind::kResponse) return cb(std::nullopt);
      cb(Found{std::move(ventry), variant});
    });
  });
}

void Cache::put(const std::string& primary, const Headers& request, Entry entry, std::vector<std::string> tags,
                WallClock::time_point expires) {
  std::vector<std::string> fields = vary_fields(entry.headers);
  auto obj = std::make_shared<StoredObject>();
  obj->tags = tags;
  obj->expires = expires;
  if (fields.empty()) {
    obj->key = primary;
  } else {
    Entry record;
    record.kind = Entry::Kind::kVary;
    record.vary = fields;
    record.request_time = entry.request_time;
    record.response_time = entry.response_time;
    auto robj = std::make_shared<StoredObject>();
    robj->key = primary;
    robj->data = serialize(record);
    robj->decoded.store(std::make_shared<const Entry>(std::move(record)));
    robj->tags = std::move(tags);
    robj->expires = expires;
    store_->insert(std::move(robj));
    obj->key = variant_key(primary, secondary_key(fields, request));
  }
  obj->data = serialize(entry);
  obj->decoded.store(std::make_shared<const Entry>(std::move(entry)));
  store_->insert(std::move(obj));
  sync_metrics();
}

std::size_t Cache::purge_url(const std::string& url) {
  std::size_t n = store_->purge_prefix(url + kComponentSeparator);
  sync_metrics();
  return n;
}

std::size_t Cache::purge_prefix(const std::string& prefix) {
  std::size_t n = store_->purge_prefix(prefix);
  sync_metrics();
  return n;
}

std::size_t Cache::purge_tag(const std::string& tag) {
  std::size_t n = store_->purge_tag(tag);
  sync_metrics();
  return n;
}

std::size_t Cache::flush() {
  std::size_t n = store_->flush();
  sync_metrics();
  return n;
}

}  // namespace aegis::cache
