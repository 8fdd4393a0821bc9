// Redis in `aegis serve`, end to end: the real binary, a real redis-server (fixture), the real test origin and a
// real Wasm module using cache_get/cache_set. Two nodes share one Redis (KV state and cached responses), and Redis
// is killed mid-test while requests keep succeeding.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "support/aegis_process.h"
#include "support/origin_process.h"
#include "support/polling.h"
#include "support/raw_client.h"
#include "support/redis_server.h"

namespace aegis::test {
namespace {

std::string wasm(const std::string& name) { return std::string(AEGIS_WASM_DIR) + "/" + name + ".wasm"; }

// Whether a Prometheus exposition has the sample line `sample` ("redis_connected 1"). A plain find() is not enough:
// "# HELP redis_connected 1 while the Redis connection is up." contains "redis_connected 1" whatever the value.
bool has_sample(const std::string& exposition, const std::string& sample) {
  return ("\n" + exposition + "\n").find("\n" + sample + "\n") != std::string::npos;
}

std::string redis_section(const std::string& prefix = "it:") {
  return "redis:\n  enabled: true\n  port: {{REDIS_PORT}}\n  key_prefix: \"" + prefix +
         "\"\n  command_timeout: 2s\n  reconnect_max: 200ms\n";
}

// Functions "counter" (on /a) and "counter2" (on /b), the same module, plus a catch-all route.
std::string kv_config(const std::string& kv_section) {
  return config_preamble() + redis_section() + kv_section + "functions:\n  - name: counter\n    module: " +
         wasm("redis_kv_counter") + "\n    timeout: 2s\n  - name: counter2\n    module: " + wasm("redis_kv_counter") +
         "\n    timeout: 2s\nroutes:\n  - path_prefix: /a\n    origin: origin\n    functions: [counter]\n"
         "  - path_prefix: /b\n    origin: origin\n    functions: [counter2]\n  - path_prefix: /\n    origin: origin\n";
}

std::string cache_config() {
  return config_preamble() + redis_section() + "cache:\n  enabled: true\n  store: redis\n" +
         "routes:\n  - path_prefix: /\n    origin: origin\n";
}

class RedisServe : public ::testing::Test {
 protected:
  Vars vars() { return {{"ORIGIN_PORT", std::to_string(origin.port())}, {"REDIS_PORT", std::to_string(redis.port())}}; }
  void start(AegisProcess& node, const std::string& yaml) {
    std::string error;
    ASSERT_TRUE(node.start(yaml, vars(), &error)) << error;
  }
  std::size_t origin_hits(const std::string& target) {
    std::size_t n = 0;
    for (const auto& t : origin.targets()) n += t == target;
    return n;
  }
  RedisServer redis;
  OriginProcess origin;
};

TEST_F(RedisServe, KvModuleStateIsSharedByTwoNodesThroughRedis) {
  AegisProcess a, b;
  start(a, kv_config("kv:\n  store: redis\n"));
  start(b, kv_config("kv:\n  store: redis\n"));
  auto r1 = http_get(a.port(), "/a/1");
  ASSERT_EQ(r1.status, 200) << r1.body << a.stderr_text();
  EXPECT_EQ(r1.header("x-hits"), "1");
  EXPECT_EQ(r1.header("x-kv"), "ok");
  EXPECT_EQ(http_get(a.port(), "/a/2").header("x-hits"), "2");
  EXPECT_EQ(http_get(b.port(), "/a/3").header("x-hits"), "3");  // the other node sees the same counter
  // Stored in Redis under the key prefix and the function's namespace, with the module's TTL.
  EXPECT_EQ(redis.cli({"GET", "it:kv:7:counter:hits"}), "3");
  long long ttl = std::stoll(redis.cli({"TTL", "it:kv:7:counter:hits"}));
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 300);
  // Per-function namespaces: counter2 has its own "hits".
  EXPECT_EQ(http_get(b.port(), "/b/1").header("x-hits"), "1");
  EXPECT_EQ(redis.cli({"GET", "it:kv:8:counter2:hits"}), "1");
}

TEST_F(RedisServe, SharedKvNamespaceAcrossFunctions) {
  AegisProcess a;
  start(a, kv_config("kv:\n  store: redis\n  shared: true\n"));
  EXPECT_EQ(http_get(a.port(), "/a").header("x-hits"), "1");
  EXPECT_EQ(http_get(a.port(), "/b").header("x-hits"), "2");
  EXPECT_EQ(redis.cli({"GET", "it:kv:0::hits"}), "2");
}

TEST_F(RedisServe, MemoryKvIsPerNode) {
  AegisProcess a, b;
  start(a, kv_config(""));  // kv.store defaults to memory
  start(b, kv_config(""));
  EXPECT_EQ(http_get(a.port(), "/a").header("x-hits"), "1");
  EXPECT_EQ(http_get(a.port(), "/a").header("x-hits"), "2");
  EXPECT_EQ(http_get(b.port(), "/a").header("x-hits"), "1");
  EXPECT_EQ(redis.cli({"KEYS", "it:kv:*"}), "");
}

TEST_F(RedisServe, KvRequestsKeepSucceedingWhileRedisIsDown) {
  AegisProcess a;
  start(a, kv_config("kv:\n  store: redis\n"));
  EXPECT_EQ(http_get(a.port(), "/a").header("x-hits"), "1");
  redis.kill();
  for (int i = 0; i < 5; ++i) {
    auto r = http_get(a.port(), "/a");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("x-hits"), "1");  // cache_get misses
    EXPECT_EQ(r.header("x-kv"), "set-failed");
  }
  redis.restart();  // empty data set
  ASSERT_TRUE(eventually([&] { return http_get(a.port(), "/a").header("x-kv") == "ok"; }));
  EXPECT_EQ(http_get(a.port(), "/a").header("x-hits"), "2");
  std::string m = http_get(a.admin_port(), "/metrics").body;
  EXPECT_NE(m.find("redis_commands_total{result=\"unavailable\"}"), std::string::npos);
  EXPECT_TRUE(has_sample(m, "redis_connected 1")) << m;
}

TEST_F(RedisServe, ConfigRefusesRedisStoresWithoutRedisAndKvInTheResponsePhase) {
  AegisProcess a;
  std::string error;
  std::string no_redis = config_preamble() + "kv:\n  store: redis\nroutes:\n  - path_prefix: /\n    origin: origin\n";
  EXPECT_FALSE(a.start(no_redis, vars(), &error));
  EXPECT_NE(error.find("kv.store: redis needs redis.enabled: true"), std::string::npos) << error;
  AegisProcess b;
  std::string response_phase = config_preamble() + redis_section() + "kv:\n  store: redis\nfunctions:\n"
                               "  - name: counter\n    module: " + wasm("redis_kv_counter") +
                               "\n    phase: response\nroutes:\n  - path_prefix: /\n    origin: origin\n"
                               "    functions: [counter]\n";
  EXPECT_FALSE(b.start(response_phase, vars(), &error));
  EXPECT_NE(error.find("only the request phase supports"), std::string::npos) << error;
}

TEST_F(RedisServe, SecondNodesFirstRequestIsACacheHitFromRedis) {
  AegisProcess a, b;
  start(a, cache_config());
  start(b, cache_config());
  const std::string target = "/headers?cache-control=max-age%3D300&x-n=1";
  auto first = http_get(a.port(), target);
  ASSERT_EQ(first.status, 200) << a.stderr_text();
  EXPECT_EQ(first.header("x-cache"), "MISS");
  ASSERT_TRUE(eventually([&] { return redis.cli({"KEYS", "it:cache:o:*"}) != ""; }));
  auto second = http_get(b.port(), target);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.header("x-cache"), "HIT");
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(origin_hits(target), 1u);
}

TEST_F(RedisServe, CacheKeepsServingWhenRedisIsKilled) {
  AegisProcess a, b;
  start(a, cache_config());
  start(b, cache_config());
  const std::string before = "/headers?cache-control=max-age%3D300&x-n=before";
  ASSERT_EQ(http_get(a.port(), before).header("x-cache"), "MISS");
  ASSERT_TRUE(eventually([&] { return redis.cli({"KEYS", "it:cache:o:*"}) != ""; }));
  redis.kill();
  // Node a still has it in memory; node b cannot reach the shared tier: a miss, served from the origin.
  EXPECT_EQ(http_get(a.port(), before).header("x-cache"), "HIT");
  auto miss = http_get(b.port(), before);
  EXPECT_EQ(miss.status, 200);
  EXPECT_EQ(miss.header("x-cache"), "MISS");
  // New objects are cached in memory meanwhile.
  const std::string during = "/headers?cache-control=max-age%3D300&x-n=during";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(http_get(b.port(), during).status, 200);
  EXPECT_EQ(http_get(b.port(), during).header("x-cache"), "HIT");
  EXPECT_EQ(origin_hits(during), 1u);
  // Redis back: once both nodes have reconnected, the shared tier works again.
  redis.restart();
  for (AegisProcess* node : {&a, &b})
    ASSERT_TRUE(eventually([&] {
      return has_sample(http_get(node->admin_port(), "/metrics").body, "redis_connected 1");
    }));
  const std::string after = "/headers?cache-control=max-age%3D300&x-n=after";
  EXPECT_EQ(http_get(a.port(), after).header("x-cache"), "MISS");
  ASSERT_TRUE(eventually([&] { return redis.cli({"KEYS", "it:cache:o:*"}) != ""; }));
  EXPECT_EQ(http_get(b.port(), after).header("x-cache"), "HIT");
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// The value of a series in node's /metrics (0 when absent).
double node_metric(const AegisProcess& node, const std::string& series) {
  return metric_value(http_get(node.admin_port(), "/metrics").body, series).value_or(0);
}

TEST_F(RedisServe, APurgeThroughOneNodeClearsEveryNodesMemoryTier) {
  AegisProcess a, b;
  start(a, cache_config());
  start(b, cache_config());
  const std::string applied = R"(cache_purge_sync_events_total{event="applied"})";
  auto target = [](const std::string& path, const std::string& tag) {
    return path + "?Cache-Control=max-age%3D300&Surrogate-Key=" + tag;  // the origin's /cache/ resource
  };
  // Both nodes hold `t` in memory: a fetched it from the origin, b took it from Redis (then from its memory).
  auto fill = [&](const std::string& t) {
    ASSERT_EQ(http_get(a.port(), t).header("x-cache"), "MISS") << t;
    ASSERT_TRUE(eventually([&] { return http_get(b.port(), t).header("x-cache") == "HIT"; })) << t;
    ASSERT_EQ(http_get(a.port(), t).header("x-cache"), "HIT");
  };
  struct Case {
    std::string name, target, admin_target;
  };
  const std::string u = target("/cache/url", "u1"), p = target("/cache/pre/x", "p1"),
                    t = target("/cache/tag", "tg1"), f = target("/cache/flush", "f1");
  const std::vector<Case> cases = {
      {"url", u, "/cache/purge?url=" + url_encode("http://localhost" + u)},
      {"prefix", p, "/cache/purge?prefix=" + url_encode("http://localhost/cache/pre/")},
      {"tag", t, "/cache/purge?tag=tg1"},
      {"flush", f, "/cache/flush"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    const std::string& tt = cases[i].target;
    fill(tt);
    const std::string survivor = target("/cache/other/" + cases[i].name, "s");  // not purged (except by the flush)
    fill(survivor);
    const double before = node_metric(b, applied);
    auto r = http_request(a.admin_port(), "POST", cases[i].admin_target);
    ASSERT_EQ(r.status, 200) << r.body;
    // Once b has applied the purge from the log (within cache.purge_poll_interval), its next request is a miss.
    ASSERT_TRUE(eventually([&] { return node_metric(b, applied) >= before + 1; }))
        << a.stderr_text() << b.stderr_text() << redis.cli({"XRANGE", "it:cache:purge:log", "-", "+"});
    EXPECT_EQ(http_get(b.port(), tt).header("x-cache"), "MISS");
    EXPECT_EQ(http_get(b.port(), survivor).header("x-cache"), cases[i].name == "flush" ? "MISS" : "HIT");
  }
  // The invalidation by an unsafe method on one node also reaches the other one.
  const std::string inv = target("/cache/inv", "i1");
  fill(inv);
  const double before = node_metric(b, applied);
  ASSERT_EQ(http_request(a.port(), "POST", inv).status, 200);
  ASSERT_TRUE(eventually([&] { return node_metric(b, applied) >= before + 1; }));
  EXPECT_EQ(http_get(b.port(), inv).header("x-cache"), "MISS");
}

TEST_F(RedisServe, APurgeWhileRedisIsDownAppliesLocallyAndNoRequestFails) {
  AegisProcess a, b;
  start(a, cache_config());
  start(b, cache_config());
  const std::string t = "/headers?cache-control=max-age%3D300&x-n=down";
  ASSERT_EQ(http_get(a.port(), t).header("x-cache"), "MISS");
  ASSERT_TRUE(eventually([&] { return http_get(b.port(), t).header("x-cache") == "HIT"; }));
  redis.kill();
  auto r = http_request(a.admin_port(), "POST", "/cache/purge?url=" + url_encode("http://localhost" + t));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"purged\":1"), std::string::npos) << r.body;
  auto miss = http_get(a.port(), t);
  EXPECT_EQ(miss.status, 200);
  EXPECT_EQ(miss.header("x-cache"), "MISS");
  // b cannot hear about it while Redis is down: it keeps serving its memory copy, without errors.
  auto stale_copy = http_get(b.port(), t);
  EXPECT_EQ(stale_copy.status, 200);
  EXPECT_EQ(stale_copy.header("x-cache"), "HIT");
  // Redis back (empty): a publishes the purge it queued; b applies it (or, had it followed an older log that is
  // now gone, drops its whole memory tier) — either way its copy is gone.
  redis.restart();
  ASSERT_TRUE(eventually([&] {
    return node_metric(b, R"(cache_purge_sync_events_total{event="applied"})") +
               node_metric(b, R"(cache_purge_sync_events_total{event="resync"})") >= 1;
  }, std::chrono::seconds(30)));
  EXPECT_EQ(http_get(b.port(), t).header("x-cache"), "MISS");
}

TEST_F(RedisServe, MetricsTellTheMemoryTierAndTheSharedTierApart) {
  AegisProcess a, b;
  start(a, cache_config());
  start(b, cache_config());
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(http_get(a.port(), "/cache/m" + std::to_string(i) + "?Cache-Control=max-age%3D300").status, 200);
  ASSERT_TRUE(eventually([&] { return redis.cli({"ZCARD", "it:cache:idx"}) == "3"; }));
  // b stored nothing and holds nothing in memory; the shared tier it reads has a's three objects.
  ASSERT_TRUE(eventually([&] { return node_metric(b, "cache_shared_objects_stored") == 3; }))
      << http_get(b.admin_port(), "/metrics").body;
  EXPECT_EQ(node_metric(b, "cache_objects_stored"), 0);
  EXPECT_EQ(node_metric(a, "cache_objects_stored"), 3);
  EXPECT_GT(node_metric(b, "cache_shared_bytes_stored"), 0);
  EXPECT_TRUE(eventually([&] { return node_metric(a, "cache_shared_objects_stored") == 3; }));
  // The memory tier and the shared tier hold the same footprints.
  EXPECT_EQ(node_metric(a, "cache_shared_bytes_stored"), node_metric(a, "cache_bytes_stored"));
  auto stats = http_get(b.admin_port(), "/cache/stats");
  EXPECT_NE(stats.body.find("\"objects\":0,"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find("\"shared\":{\"bytes\":"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find("\"objects\":3}"), std::string::npos) << stats.body;
  // A flush through b empties both tiers everywhere.
  ASSERT_EQ(http_request(b.admin_port(), "POST", "/cache/flush").status, 200);
  EXPECT_TRUE(eventually([&] { return node_metric(a, "cache_shared_objects_stored") == 0; }));
  EXPECT_EQ(node_metric(a, "cache_shared_bytes_stored"), 0);
  // a's memory tier was emptied by b's flush (through the purge log): its gauges say so without a request to a.
  EXPECT_TRUE(eventually([&] { return node_metric(a, "cache_objects_stored") == 0; }));
  EXPECT_EQ(node_metric(a, "cache_bytes_stored"), 0);
}

}  // namespace
}  // namespace aegis::test
