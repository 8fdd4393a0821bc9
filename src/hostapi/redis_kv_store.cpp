#include "hostapi/redis_kv_store.h"

#include "redis/client.h"

namespace aegis::hostapi {

RedisKvStore::RedisKvStore(std::shared_ptr<redis::Client> client) : client_(std::move(client)) {}

RedisKvStore::~RedisKvStore() = default;

std::string RedisKvStore::redis_key(std::string_view ns, std::string_view key) const {
  std::string k = "kv:" + std::to_string(ns.size()) + ":";
  k.append(ns);
  k.push_back(':');
  k.append(key);
  return client_->key(k);
}

std::optional<std::string> RedisKvStore::get(std::string_view ns, std::string_view key) {
  if (!client_->connected()) return std::nullopt;
  redis::Result r = client_->command_sync({"GET", redis_key(ns, key)});
  if (!r.ok() || !r.reply.is_string()) return std::nullopt;
  return std::move(r.reply.str);
}

bool RedisKvStore::set(std::string_view ns, std::string_view key, std::string_view value, std::chrono::seconds ttl) {
  if (!client_->connected()) return false;
  redis::Args args{"SET", redis_key(ns, key), std::string(value)};
  if (ttl.count() > 0) {
    args.push_back("EX");
    args.push_back(std::to_string(ttl.count()));
  }
  return client_->command_sync(std::move(args)).ok();
}

bool RedisKvStore::remove(std::string_view ns, std::string_view key) {
  if (!client_->connected()) return false;
  redis::Result r = client_->command_sync({"UNLINK", redis_key(ns, key)});
  return r.ok() && r.reply.integer > 0;
}

}  // namespace aegis::hostapi
