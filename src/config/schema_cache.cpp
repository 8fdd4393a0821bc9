// Schema section `cache`: the shared HTTP cache (RFC 9111) and its per-route policy. Owned by src/cache.
#include <algorithm>
#include <cctype>

#include "config/schema.h"

namespace aegis::config {
namespace {

using VT = ValueType;

// clang-format off
const SchemaEntry kEntries[] = {
  {"cache", VT::Map, "", false, "The shared HTTP cache (RFC 9111), between the WAF and the origin. See docs/cache.md.",
   {}, 0, 0, nullptr, [](void* p) -> void* { return &target<Config>(p).cache; }},
  {"cache.enabled", VT::Bool, "false", false,
   "Cache responses (routes may opt out with `routes[].cache.bypass`).", {}, 0, 0,
   [](void* t, const Value& v) { target<CacheConfig>(t).enabled = v.boolean; }},
  {"cache.memory_size", VT::Size, "256MiB", false,
   "Byte budget of the in-memory store (least recently used objects are evicted). Fixed at start.", {}, 4096, 0,
   [](void* t, const Value& v) { target<CacheConfig>(t).memory_size = v.size; }},
  {"cache.max_object_size", VT::Size, "8MiB", false,
   "Largest response body stored; larger responses are streamed through uncached.", {}, 1, 0,
   [](void* t, const Value& v) { target<CacheConfig>(t).max_object_size = v.size; }},
  {"cache.shards", VT::Integer, "16", false,
   "Independent shards of the in-memory store (each with its own lock and an equal share of the budget). Fixed at "
   "start.", {}, 1, 256,
   [](void* t, const Value& v) { target<CacheConfig>(t).shards = static_cast<unsigned>(v.integer); }},
  {"cache.store", VT::Enum, "memory", false,
   "`memory`: this node's memory only. `redis`: memory as the first tier and Redis (`redis.*`, must be enabled) as a "
   "second tier shared by every node; a Redis outage degrades to memory only. Fixed at start. See docs/redis.md.",
   "memory,redis", 0, 0,
   [](void* t, const Value& v) { target<CacheConfig>(t).store = v.text; }},
  {"cache.purge_poll_interval", VT::Duration, "100ms", false,
   "With `store: redis`: how often each node reads the purge log in Redis, so that a purge (or an unsafe method's "
   "invalidation) on one node also clears the memory tier of every other node with the same Redis and "
   "`redis.key_prefix` — the consistency window. Fixed at start. See docs/cache.md.", {}, 0, 0,
   [](void* t, const Value& v) { target<CacheConfig>(t).purge_poll_interval = v.duration; }},
  {"cache.default_ttl", VT::Duration, "0ms", false,
   "Freshness of responses without explicit freshness (`s-maxage`, `max-age`, `Expires`) whose status is cacheable "
   "by default. `0ms` = heuristic freshness (10% of the time since `Last-Modified`, at most `heuristic_max`).",
   {}, 0, 0,
   [](void* t, const Value& v) { target<CacheConfig>(t).default_ttl = v.duration; }},
  {"cache.heuristic_max", VT::Duration, "24h", false, "Upper bound of heuristic freshness.", {}, 0, 0,
   [](void* t, const Value& v) { target<CacheConfig>(t).heuristic_max = v.duration; }},
  {"cache.collapse", VT::Bool, "true", false,
   "Request collapsing: concurrent misses for one key make one origin request; the others wait for it.", {}, 0, 0,
   [](void* t, const Value& v) { target<CacheConfig>(t).collapse = v.boolean; }},
  {"cache.surrogate_key_header", VT::NonEmptyString, "surrogate-key", false,
   "Response header whose space-separated values tag the stored response for purge by tag. Stored lower-case.",
   {}, 0, 0,
   [](void* t, const Value& v) { target<CacheConfig>(t).surrogate_key_header = v.text; }},
  {"cache.surrogate_device", VT::String, "aegis", false,
   "Device token of this cache for `Surrogate-Control` (W3C Edge Architecture): directives without a target or "
   "targeted `;<token>` take precedence over `Cache-Control` (`max-age`, `no-store`); the header is removed from "
   "responses to clients and `Surrogate-Capability: <token>=\"Surrogate/1.0\"` is added to requests to the origin. "
   "Empty = `Surrogate-Control` is ignored and passed through.", {}, 0, 0,
   [](void* t, const Value& v) { target<CacheConfig>(t).surrogate_device = v.text; }},
  {"cache.status_header", VT::String, "X-Cache", false,
   "Response header telling how the cache served the request (HIT, MISS, STALE, REVALIDATED, BYPASS); empty = none.",
   {}, 0, 0,
   [](void* t, const Value& v) { target<CacheConfig>(t).status_header = v.text; }},

  {"routes[].cache", VT::Map, "", false, "Cache policy of the route (overrides of `cache`).", {}, 0, 0, nullptr,
   [](void* p) -> void* { return &target<Route>(p).cache; }},
  {"routes[].cache.bypass", VT::Bool, "false", false,
   "Do not use the cache on this route: requests go to the origin, nothing is stored (`X-Cache: BYPASS`).", {}, 0, 0,
   [](void* t, const Value& v) { target<RouteCache>(t).bypass = v.boolean; }},
  {"routes[].cache.default_ttl", VT::Duration, "0ms", false,
   "Overrides `cache.default_ttl` on this route; `0ms` = use `cache.default_ttl`.", {}, 0, 0,
   [](void* t, const Value& v) { target<RouteCache>(t).default_ttl = v.duration; }},
  {"routes[].cache.ignore_query", VT::Bool, "false", false,
   "Leave the query string out of the cache key (`/a?x=1` and `/a?x=2` share one entry).", {}, 0, 0,
   [](void* t, const Value& v) { target<RouteCache>(t).ignore_query = v.boolean; }},
  {"routes[].cache.key_headers", VT::NameList, "[]", false,
   "Request headers whose values are part of the cache key (e.g. `[x-device]`).", {}, 0, 0,
   [](void* t, const Value& v) { target<RouteCache>(t).key_headers = v.names; }},
  {"routes[].cache.key_cookies", VT::NameList, "[]", false,
   "Cookies whose values are part of the cache key (e.g. `[lang]`).", {}, 0, 0,
   [](void* t, const Value& v) { target<RouteCache>(t).key_cookies = v.names; }},
};
// clang-format on

bool token(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void check(Config& cfg, const SectionChecker& checker) {
  CacheConfig& c = cfg.cache;
  if (c.max_object_size > c.memory_size / c.shards)
    checker.fail("cache.max_object_size", "cache.memory_size",
                 "must not exceed a shard's share of cache.memory_size (memory_size / shards)");
  if (c.purge_poll_interval < std::chrono::milliseconds(10) || c.purge_poll_interval > std::chrono::minutes(1))
    checker.fail("cache.purge_poll_interval", "cache", "must be between 10ms and 1m");
  if (!token(c.surrogate_key_header))
    checker.fail("cache.surrogate_key_header", "cache", "must be a header name");
  c.surrogate_key_header = lower(c.surrogate_key_header);
  if (!c.surrogate_device.empty() && !token(c.surrogate_device))
    checker.fail("cache.surrogate_device", "cache", "must be a token (letters, digits, -._~ ...) or empty");
  if (!c.status_header.empty() && !token(c.status_header))
    checker.fail("cache.status_header", "cache", "must be a header name or empty");
  for (std::size_t i = 0; i < cfg.routes.size(); ++i) {
    RouteCache& rc = cfg.routes[i].cache;
    const std::string base = "routes[" + std::to_string(i) + "]";
    for (std::size_t j = 0; j < rc.key_headers.size(); ++j) {
      if (!token(rc.key_headers[j]))
        checker.fail(base + ".cache.key_headers[" + std::to_string(j) + "]", base, "must be a header name");
      rc.key_headers[j] = lower(rc.key_headers[j]);
    }
    for (std::size_t j = 0; j < rc.key_cookies.size(); ++j)
      if (!token(rc.key_cookies[j]))
        checker.fail(base + ".cache.key_cookies[" + std::to_string(j) + "]", base, "must be a cookie name");
  }
}

}  // namespace

const SchemaSection& cache_schema_section() {
  static const SchemaSection section{"cache", kEntries, check};
  return section;
}

}  // namespace aegis::config
