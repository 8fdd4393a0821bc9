#include "cache/redis_store.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "metrics/metrics.h"
#include "redis/client.h"

namespace aegis::cache {
namespace {

constexpr char kMagic[4] = {'A', 'C', 'R', '1'};

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_i64(std::string& out, int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
}
bool get_u32(std::string_view& in, uint32_t& v) {
  if (in.size() < 4) return false;
  v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  in.remove_prefix(4);
  return true;
}
bool get_i64(std::string_view& in, int64_t& v) {
  if (in.size() < 8) return false;
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  in.remove_prefix(8);
  v = static_cast<int64_t>(u);
  return true;
}

int64_t to_ms(WallClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Glob-escapes a literal for SCAN MATCH.
std::string glob_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// Accounting of what the shared tier holds (see the header): a sorted set of cache keys by expiry, a hash of their
// footprints and a byte counter, kept by these scripts in the same step as the objects themselves.
// insert — KEYS: object, index, sizes, bytes; ARGV: cache key, blob, ttl ms, expires ms, footprint.
constexpr const char* kInsertScript = R"lua(
local old = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[5])
redis.call('INCRBY', KEYS[4], tonumber(ARGV[5]) - old)
return 1
)lua";
// remove — KEYS: index, sizes, bytes; ARGV: object key prefix, cache keys... Returns the objects unlinked.
constexpr const char* kRemoveScript = R"lua(
local n = 0
for i = 2, #ARGV do
  local k = ARGV[i]
  n = n + redis.call('UNLINK', ARGV[1] .. k)
  local s = redis.call('HGET', KEYS[2], k)
  if s then
    redis.call('HDEL', KEYS[2], k)
    redis.call('DECRBY', KEYS[3], s)
  end
  redis.call('ZREM', KEYS[1], k)
end
return n
)lua";
// stats — KEYS: index, sizes, bytes; ARGV: now ms. Forgets up to 1000 expired objects, returns {objects, bytes}.
constexpr const char* kStatsScript = R"lua(
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1000)
for _, k in ipairs(gone) do
  local s = redis.call('HGET', KEYS[2], k)
  if s then
    redis.call('HDEL', KEYS[2], k)
    redis.call('DECRBY', KEYS[3], s)
  end
  redis.call('ZREM', KEYS[1], k)
end
local bytes = tonumber(redis.call('GET', KEYS[3]) or '0')
if bytes < 0 then bytes = 0 end
return {redis.call('ZCARD', KEYS[1]), bytes}
)lua";

// cache_shared_objects_stored / cache_shared_bytes_stored (docs/metrics.md).
struct SharedGauges {
  metrics::Gauge objects, bytes;
  SharedGauges() {
    auto& r = metrics::global();
    objects = r.gauge("cache_shared_objects_stored",
                      "Objects in the shared Redis cache tier (all nodes with this key prefix)").with();
    bytes = r.gauge("cache_shared_bytes_stored",
                    "Bytes (footprints) in the shared Redis cache tier (all nodes with this key prefix)").with();
  }
};
SharedGauges& shared_gauges() {
  static SharedGauges g;
  return g;
}

}  // namespace

RedisStore::RedisStore(std::shared_ptr<redis::Client> client, std::string ns)
    : client_(std::move(client)),
      object_prefix_(client_->key(ns + "o:")),
      tag_prefix_(client_->key(ns + "t:")),
      all_prefix_(client_->key(ns)),
      index_key_(client_->key(ns + "idx")),
      sizes_key_(client_->key(ns + "sz")),
      bytes_key_(client_->key(ns + "bytes")),
      stats_state_(std::make_shared<StatsState>()) {
  shared_gauges();
}

RedisStore::~RedisStore() = default;

std::string RedisStore::object_key(std::string_view cache_key) const {
  std::string k = object_prefix_;
  k.append(cache_key);
  return k;
}

std::string RedisStore::tag_key(std::string_view tag) const {
  std::string k = tag_prefix_;
  k.append(tag);
  return k;
}

std::string RedisStore::encode(const StoredObject& o) {
  std::string out;
  std::size_t n = 16 + o.data.size();
  for (const auto& t : o.tags) n += 4 + t.size();
  out.reserve(n);
  out.append(kMagic, sizeof kMagic);
  put_i64(out, to_ms(o.expires));
  put_u32(out, static_cast<uint32_t>(o.tags.size()));
  for (const auto& t : o.tags) {
    put_u32(out, static_cast<uint32_t>(t.size()));
    out.append(t);
  }
  out.append(o.data);
  return out;
}

ObjectPtr RedisStore::decode(const std::string& blob, const std::string& key) {
  std::string_view in(blob);
  if (in.size() < sizeof kMagic || std::memcmp(in.data(), kMagic, sizeof kMagic) != 0) return nullptr;
  in.remove_prefix(sizeof kMagic);
  int64_t expires_ms = 0;
  uint32_t ntags = 0;
  if (!get_i64(in, expires_ms) || !get_u32(in, ntags)) return nullptr;
  if (ntags > in.size() / 4) return nullptr;
  auto o = std::make_shared<StoredObject>();
  o->key = key;
  o->expires = WallClock::time_point(std::chrono::milliseconds(expires_ms));
  o->tags.reserve(ntags);
  for (uint32_t i = 0; i < ntags; ++i) {
    uint32_t len = 0;
    if (!get_u32(in, len) || len > in.size()) return nullptr;
    o->tags.emplace_back(in.substr(0, len));
    in.remove_prefix(len);
  }
  o->data.assign(in);
  return o;
}

bool RedisStore::available() const { return client_->connected(); }

void RedisStore::lookup(const std::string& key, LookupCallback cb) {
  if (!client_->connected()) {  // degrade at once: no round trip to wait for
    cb(nullptr);
    return;
  }
  client_->command({"GET", object_key(key)}, [key, cb = std::move(cb)](redis::Result r) {
    ObjectPtr o;
    if (r.ok() && r.reply.is_string()) {
      o = decode(r.reply.str, key);
      if (o && o->expires <= WallClock::now()) o = nullptr;
    }
    cb(std::move(o));
  });
}

void RedisStore::insert(ObjectPtr object) {
  if (!object || !client_->connected()) return;
  const auto ttl = std::chrono::ceil<std::chrono::milliseconds>(object->expires - WallClock::now());
  if (ttl.count() <= 0) return;
  const std::string ttl_ms = std::to_string(ttl.count());
  std::vector<redis::Args> cmds;
  cmds.reserve(1 + 3 * object->tags.size());
  cmds.push_back({"EVAL", kInsertScript, "4", object_key(object->key), index_key_, sizes_key_, bytes_key_, object->key,
                  encode(*object), ttl_ms, std::to_string(to_ms(object->expires)),
                  std::to_string(object->footprint())});
  for (const auto& tag : object->tags) {
    const std::string tk = tag_key(tag);
    cmds.push_back({"SADD", tk, object->key});
    // The tag set lives as long as its longest-lived member: set a TTL if it has none, raise it otherwise.
    cmds.push_back({"PEXPIRE", tk, ttl_ms, "NX"});
    cmds.push_back({"PEXPIRE", tk, ttl_ms, "GT"});
  }
  client_->pipeline(std::move(cmds), nullptr);
}

void RedisStore::erase(const std::string& key) {
  if (!client_->connected()) return;
  client_->command({"EVAL", kRemoveScript, "3", index_key_, sizes_key_, bytes_key_, object_prefix_, key}, nullptr);
}

std::size_t RedisStore::remove_sync(const std::vector<std::string>& cache_keys) {
  std::size_t removed = 0;
  for (std::size_t i = 0; i < cache_keys.size(); i += 500) {  // bounded command size
    redis::Args cmd{"EVAL", kRemoveScript, "3", index_key_, sizes_key_, bytes_key_, object_prefix_};
    for (std::size_t j = i; j < std::min(cache_keys.size(), i + 500); ++j) cmd.push_back(cache_keys[j]);
    redis::Result d = client_->command_sync(std::move(cmd));
    if (d.ok()) removed += static_cast<std::size_t>(d.reply.integer);
  }
  return removed;
}

std::size_t RedisStore::scan_unlink(const std::string& pattern, bool objects) {
  std::size_t removed = 0;
  std::string cursor = "0";
  do {
    redis::Result r = client_->command_sync({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (!r.ok() || r.reply.type != redis::Reply::Type::kArray || r.reply.elements.size() != 2) break;
    cursor = r.reply.elements[0].str;
    const auto& keys = r.reply.elements[1].elements;
    if (keys.empty()) continue;
    if (objects) {  // through the accounting
      std::vector<std::string> cache_keys;
      cache_keys.reserve(keys.size());
      for (const auto& k : keys)
        if (k.str.size() >= object_prefix_.size()) cache_keys.push_back(k.str.substr(object_prefix_.size()));
      removed += remove_sync(cache_keys);
    } else {
      redis::Args del{"UNLINK"};
      for (const auto& k : keys) del.push_back(k.str);
      redis::Result d = client_->command_sync(std::move(del));
      if (!d.ok()) break;
      removed += static_cast<std::size_t>(d.reply.integer);
    }
  } while (cursor != "0");
  return removed;
}

std::size_t RedisStore::purge_prefix(std::string_view prefix) {
  if (!client_->connected()) return 0;
  return scan_unlink(glob_escape(object_prefix_) + glob_escape(prefix) + "*", true);
}

std::size_t RedisStore::purge_tag(std::string_view tag) {
  if (!client_->connected()) return 0;
  const std::string tk = tag_key(tag);
  redis::Result members = client_->command_sync({"SMEMBERS", tk});
  if (!members.ok() || members.reply.type != redis::Reply::Type::kArray) return 0;
  std::vector<std::string> cache_keys;
  cache_keys.reserve(members.reply.elements.size());
  for (const auto& m : members.reply.elements) cache_keys.push_back(m.str);
  const std::size_t removed = remove_sync(cache_keys);
  client_->command_sync({"UNLINK", tk});
  return removed;
}

std::size_t RedisStore::flush() {
  if (!client_->connected()) return 0;
  std::size_t objects = scan_unlink(glob_escape(object_prefix_) + "*", true);
  scan_unlink(glob_escape(tag_prefix_) + "*", false);
  client_->command_sync({"UNLINK", index_key_, sizes_key_, bytes_key_});  // whatever drift there was
  refresh_stats();
  return objects;
}

StoreStats RedisStore::stats() const {
  StoreStats out;
  bool refresh = false;
  {
    std::lock_guard lock(stats_state_->mu);
    out = stats_state_->last;
    if (!stats_state_->refreshing && std::chrono::steady_clock::now() - stats_state_->refreshed >= kStatsRefresh) {
      stats_state_->refreshing = true;
      refresh = true;
    }
  }
  if (refresh) refresh_stats();
  return out;
}

void RedisStore::refresh_stats() const {
  auto done = [st = stats_state_](std::optional<StoreStats> fresh) {
    std::lock_guard lock(st->mu);
    st->refreshing = false;
    st->refreshed = std::chrono::steady_clock::now();
    if (!fresh) return;  // Redis unreachable: the last known numbers stay
    st->last = *fresh;
    shared_gauges().objects.set(static_cast<double>(fresh->objects));
    shared_gauges().bytes.set(static_cast<double>(fresh->bytes));
  };
  if (!client_->connected()) return done(std::nullopt);
  client_->command({"EVAL", kStatsScript, "3", index_key_, sizes_key_, bytes_key_, std::to_string(to_ms(WallClock::now()))},
                   [done](redis::Result r) {
                     if (!r.ok() || r.reply.type != redis::Reply::Type::kArray || r.reply.elements.size() != 2)
                       return done(std::nullopt);
                     StoreStats s;
                     s.objects = static_cast<uint64_t>(std::max(0LL, r.reply.elements[0].integer));
                     s.bytes = static_cast<uint64_t>(std::max(0LL, r.reply.elements[1].integer));
                     done(s);
                   });
}

}  // namespace aegis::cache
