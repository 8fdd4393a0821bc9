// Rate limiting shared by two nodes through a real Redis (tests/support RedisServer), and the fallback to the
// local limiter when Redis goes away: the nodes keep serving.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "support/aegis_process.h"
#include "support/origin_process.h"
#include "support/polling.h"
#include "support/raw_client.h"
#include "support/redis_server.h"

using namespace aegis::test;
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace {

std::string config() {
  return config_preamble() + R"(redis:
  enabled: true
  host: 127.0.0.1
  port: {{REDIS_PORT}}
  key_prefix: "{{PREFIX}}"
bot:
  enabled: true
  detector_timeout: 2s
  rate_limit_store: redis
routes:
  - path_prefix: /
    origin: origin
    bot:
      automation: allow
      rate_limit: {requests: 4, period: 1m, key: "header:X-Api-Key"}
)";
}

Headers key(const std::string& k) { return {{"User-Agent", "curl/8"}, {"X-Api-Key", k}}; }

class BotRedis : public ::testing::Test {
 protected:
  void SetUp() override {
    Vars vars = {{"ORIGIN_PORT", std::to_string(origin.port())},
                 {"REDIS_PORT", std::to_string(redis.port())},
                 {"PREFIX", "bot-test:"}};
    std::string error;
    ASSERT_TRUE(a.start(config(), vars, &error)) << error;
    ASSERT_TRUE(b.start(config(), vars, &error)) << error;
    // Both nodes connected to Redis.
    for (AegisProcess* n : {&a, &b})
      ASSERT_TRUE(eventually([&] {
        return metric_value(http_get(n->admin_port(), "/metrics").body, "redis_connected").value_or(0) == 1;
      })) << http_get(n->admin_port(), "/metrics").body;
  }
  int status(AegisProcess& n, const std::string& target, const std::string& k) {
    return http_get(n.port(), target, key(k)).status;
  }

  RedisServer redis;
  OriginProcess origin;
  AegisProcess a, b;
};

TEST_F(BotRedis, TwoNodesShareOneBudget) {
  EXPECT_EQ(status(a, "/1", "alice"), 200);
  EXPECT_EQ(status(b, "/2", "alice"), 200);
  EXPECT_EQ(status(a, "/3", "alice"), 200);
  EXPECT_EQ(status(b, "/4", "alice"), 200);
  // The fifth request is over the shared budget of 4, on either node.
  HttpResponse r = http_get(a.port(), "/5", key("alice"));
  EXPECT_EQ(r.status, 429);
  EXPECT_TRUE(r.has_header("retry-after"));
  EXPECT_EQ(status(b, "/6", "alice"), 429);
  // Another client has its own budget.
  EXPECT_EQ(status(b, "/7", "bob"), 200);
  // The bucket lives in Redis under the configured prefix.
  EXPECT_NE(redis.cli({"KEYS", "bot-test:rl:*"}).find("alice"), std::string::npos) << redis.cli({"KEYS", "*"});
  ASSERT_TRUE(origin.wait_for_requests(5));
  EXPECT_EQ(origin.targets().size(), 5u);
  for (AegisProcess* n : {&a, &b})
    EXPECT_EQ(metric_value(http_get(n->admin_port(), "/metrics").body, "rate_limit_redis_fallbacks_total"), 0.0);
}

TEST_F(BotRedis, RedisDownFailsOpenToTheLocalLimiter) {
  EXPECT_EQ(status(a, "/1", "carol"), 200);
  redis.kill();
  // Still serving: decisions come from each node's own bucket.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(status(a, "/down" + std::to_string(i), "carol"), 200) << i;
  // The local limiter still limits.
  EXPECT_EQ(status(a, "/down-over", "carol"), 429);
  EXPECT_GE(metric_value(http_get(a.admin_port(), "/metrics").body, "rate_limit_redis_fallbacks_total").value_or(0),
            1.0);
  // Redis comes back: the nodes use it again (a fresh, empty data set).
  redis.restart();
  ASSERT_TRUE(eventually([&] {
    return metric_value(http_get(b.admin_port(), "/metrics").body, "redis_connected").value_or(0) == 1;
  }));
  EXPECT_EQ(status(b, "/back", "dave"), 200);
  EXPECT_TRUE(eventually([&] { return redis.cli({"KEYS", "bot-test:rl:*"}).find("dave") != std::string::npos; }));
}

}  // namespace
