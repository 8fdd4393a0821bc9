// hostapi::RedisKvStore against a real redis-server: get/set/remove, TTL, namespaces, large values, outage.
#include "hostapi/redis_kv_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "redis/client.h"
#include "support/redis_server.h"

namespace aegis::hostapi {
namespace {

using namespace std::chrono_literals;
using test::RedisServer;

std::shared_ptr<redis::Client> connect(const RedisServer& server) {
  redis::ClientOptions o;
  o.port = server.port();
  o.key_prefix = "kvt:";
  o.command_timeout = 5s;
  o.reconnect_min = 20ms;
  o.reconnect_max = 200ms;
  auto c = std::make_shared<redis::Client>(o);
  EXPECT_TRUE(c->wait_connected(20s));
  return c;
}

TEST(RedisKvStore, SetGetRemove) {
  RedisServer server;
  RedisKvStore kv(connect(server));
  EXPECT_FALSE(kv.get("fn", "k"));
  ASSERT_TRUE(kv.set("fn", "k", std::string("v\0x", 3), 0s));
  EXPECT_EQ(kv.get("fn", "k"), std::string("v\0x", 3));
  EXPECT_EQ(server.cli({"TTL", "kvt:kv:2:fn:k"}), "-1");  // no expiry
  ASSERT_TRUE(kv.set("fn", "k", "replaced", 0s));
  EXPECT_EQ(kv.get("fn", "k"), "replaced");
  EXPECT_TRUE(kv.remove("fn", "k"));
  EXPECT_FALSE(kv.remove("fn", "k"));
  EXPECT_FALSE(kv.get("fn", "k"));
}

TEST(RedisKvStore, TtlIsSetInRedis) {
  RedisServer server;
  RedisKvStore kv(connect(server));
  ASSERT_TRUE(kv.set("fn", "t", "v", 120s));
  long long ttl = std::stoll(server.cli({"TTL", "kvt:kv:2:fn:t"}));
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 120);
  ASSERT_TRUE(kv.set("fn", "short", "v", 1s));
  EXPECT_TRUE([&] {  // expires (bounded wait, not a timing assertion)
    for (int i = 0; i < 100; ++i) {
      if (!kv.get("fn", "short")) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }());
}

TEST(RedisKvStore, NamespacesNeverCollide) {
  RedisServer server;
  RedisKvStore kv(connect(server));
  ASSERT_TRUE(kv.set("a", "b:c", "1", 0s));
  ASSERT_TRUE(kv.set("a:b", "c", "2", 0s));
  ASSERT_TRUE(kv.set("", "a:b:c", "3", 0s));
  EXPECT_EQ(kv.get("a", "b:c"), "1");
  EXPECT_EQ(kv.get("a:b", "c"), "2");
  EXPECT_EQ(kv.get("", "a:b:c"), "3");
  EXPECT_FALSE(kv.get("other", "b:c"));
  EXPECT_EQ(kv.redis_key("a", "b:c"), "kvt:kv:1:a:b:c");
}

TEST(RedisKvStore, OneMegabyteValue) {
  RedisServer server;
  RedisKvStore kv(connect(server));
  std::string big(1 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + (i / 4096) % 26);
  ASSERT_TRUE(kv.set("fn", "big", big, 60s));
  EXPECT_EQ(kv.get("fn", "big"), big);
}

TEST(RedisKvStore, FailsAtOnceWhileRedisIsDown) {
  RedisServer server;
  auto client = connect(server);
  RedisKvStore kv(client);
  ASSERT_TRUE(kv.set("fn", "k", "v", 0s));
  server.kill();
  for (int i = 0; i < 200 && client->connected(); ++i) std::this_thread::sleep_for(50ms);
  ASSERT_FALSE(client->connected());
  EXPECT_FALSE(kv.get("fn", "k"));
  EXPECT_FALSE(kv.set("fn", "k", "v2", 0s));
  EXPECT_FALSE(kv.remove("fn", "k"));
  server.restart();
  ASSERT_TRUE(client->wait_connected(30s));
  EXPECT_TRUE(kv.set("fn", "k", "v3", 0s));
  EXPECT_EQ(kv.get("fn", "k"), "v3");
}

}  // namespace
}  // namespace aegis::hostapi
