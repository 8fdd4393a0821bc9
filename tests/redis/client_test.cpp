// redis::Client against a real redis-server started by the fixture: commands, pipelining, timeouts, reconnect
// after kill/restart, fast failure while down, AUTH/SELECT, metrics.
#include "redis/client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "metrics/metrics.h"
#include "support/redis_server.h"

namespace aegis::redis {
namespace {

using namespace std::chrono_literals;
using test::RedisServer;

ClientOptions options_for(const RedisServer& server, std::string prefix = "t:") {
  ClientOptions o;
  o.port = server.port();
  o.key_prefix = std::move(prefix);
  o.command_timeout = 5s;   // generous: the machine is noisy; timeout tests set their own
  o.connect_timeout = 5s;
  o.reconnect_min = 20ms;
  o.reconnect_max = 200ms;
  return o;
}

// Waits (bounded) until pred() holds.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

// Collects async callbacks.
struct Latch {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t count = 0;
  void arrive() {
    std::lock_guard lock(mu);
    ++count;
    cv.notify_all();
  }
  bool wait(std::size_t n, std::chrono::milliseconds timeout = 30s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return count >= n; });
  }
};

TEST(RedisClient, SetGetBinarySafeWithPrefix) {
  RedisServer server;
  Client client(options_for(server, "aegis-test:"));
  ASSERT_TRUE(client.wait_connected(20s));
  const std::string value("a\0b\r\nc", 6);
  EXPECT_EQ(client.key("k"), "aegis-test:k");
  Result set = client.command_sync({"SET", client.key("k"), value});
  ASSERT_TRUE(set.ok()) << set.describe();
  EXPECT_EQ(set.reply.type, Reply::Type::kStatus);
  EXPECT_EQ(set.reply.str, "OK");
  Result get = client.command_sync({"GET", client.key("k")});
  ASSERT_TRUE(get.ok());
  ASSERT_TRUE(get.reply.is_string());
  EXPECT_EQ(get.reply.str, value);
  // The key really is stored under the prefix (seen from redis-cli, not through the client).
  EXPECT_EQ(server.cli({"EXISTS", "aegis-test:k"}), "1");
  EXPECT_EQ(server.cli({"EXISTS", "k"}), "0");
  Result missing = client.command_sync({"GET", client.key("absent")});
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing.reply.is_nil());
}

TEST(RedisClient, ReplyTypes) {
  RedisServer server;
  Client client(options_for(server));
  ASSERT_TRUE(client.wait_connected(20s));
  Result n = client.command_sync({"INCRBY", client.key("n"), "41"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.reply.type, Reply::Type::kInteger);
  EXPECT_EQ(n.reply.integer, 41);
  client.command_sync({"RPUSH", client.key("l"), "x", "y"});
  Result arr = client.command_sync({"LRANGE", client.key("l"), "0", "-1"});
  ASSERT_TRUE(arr.ok());
  ASSERT_EQ(arr.reply.type, Reply::Type::kArray);
  ASSERT_EQ(arr.reply.elements.size(), 2u);
  EXPECT_EQ(arr.reply.elements[0].str, "x");
  EXPECT_EQ(arr.reply.elements[1].str, "y");
}

TEST(RedisClient, ErrorReplyIsNotOkButCounted) {
  RedisServer server;
  Client client(options_for(server));
  ASSERT_TRUE(client.wait_connected(20s));
  client.command_sync({"SET", client.key("s"), "v"});
  Result r = client.command_sync({"LPUSH", client.key("s"), "x"});  // WRONGTYPE
  EXPECT_EQ(r.status, Status::kOk);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.reply.is_error());
  EXPECT_NE(r.describe().find("WRONGTYPE"), std::string::npos);
  EXPECT_EQ(client.stats().error, 1u);
  Result empty = client.command_sync({});
  EXPECT_FALSE(empty.ok());
}

TEST(RedisClient, CallbacksRunOnTheClientThreadWhereSyncCallsRefuse) {
  RedisServer server;
  Client client(options_for(server));
  ASSERT_TRUE(client.wait_connected(20s));
  EXPECT_FALSE(client.on_client_thread());
  Latch done;
  bool on_thread = false;
  Status nested = Status::kOk;
  client.command({"PING"}, [&](Result r) {
    on_thread = client.on_client_thread() && r.ok() && r.reply.str == "PONG";
    nested = client.command_sync({"PING"}).status;  // would deadlock: refused at once
    done.arrive();
  });
  ASSERT_TRUE(done.wait(1));
  EXPECT_TRUE(on_thread);
  EXPECT_EQ(nested, Status::kUnavailable);
}

TEST(RedisClient, ManyThreadsPipelineAndRepliesStayInOrder) {
  RedisServer server;
  Client client(options_for(server));
  ASSERT_TRUE(client.wait_connected(20s));
  constexpr int kThreads = 4, kPerThread = 500;
  Latch done;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread increments its own counter: replies to one thread's commands must come back 1, 2, 3, ...
      auto last = std::make_shared<long long>(0);
      const std::string key = client.key("ctr" + std::to_string(t));
      for (int i = 0; i < kPerThread; ++i) {
        client.command({"INCR", key}, [&, last](Result r) {
          if (!r.ok() || r.reply.integer != *last + 1) ++failures;
          *last = r.reply.integer;
          client.command({"INCR", client.key("total")}, [&](Result r2) {
            if (!r2.ok()) ++failures;
            done.arrive();
          });
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(done.wait(kThreads * kPerThread, 60s));
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(server.cli({"GET", "t:total"}), std::to_string(kThreads * kPerThread));
}

TEST(RedisClient, PipelineGroupCallsBackOnceInOrder) {
  RedisServer server;
  Client client(options_for(server));
  ASSERT_TRUE(client.wait_connected(20s));
  std::vector<Args> cmds;
  for (int i = 0; i < 100; ++i) cmds.push_back({"RPUSH", client.key("list"), std::to_string(i)});
  cmds.push_back({"LLEN", client.key("list")});
  auto results = client.pipeline_sync(cmds);
  ASSERT_EQ(results.size(), 101u);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(results[i].ok());
    EXPECT_EQ(results[i].reply.integer, i + 1);
  }
  EXPECT_EQ(results[100].reply.integer, 100);
  EXPECT_TRUE(client.pipeline_sync({}).empty());
}

TEST(RedisClient, CommandTimesOutWhenTheServerStopsAnsweringThenRecovers) {
  RedisServer server;
  auto opts = options_for(server);
  opts.command_timeout = 300ms;
  Client client(opts);
  ASSERT_TRUE(client.wait_connected(20s));
  ASSERT_TRUE(client.command_sync({"SET", client.key("k"), "1"}).ok());
  server.freeze();
  Result r = client.command_sync({"GET", client.key("k")});
  EXPECT_EQ(r.status, Status::kTimeout);
  EXPECT_GE(client.stats().timeout, 1u);
  // The stuck connection was dropped: while the server is frozen, nothing waits (connect attempts time out).
  server.thaw();
  ASSERT_TRUE(eventually([&] { return client.command_sync({"GET", client.key("k")}).ok(); }));
  EXPECT_EQ(client.command_sync({"GET", client.key("k")}).reply.str, "1");
}

TEST(RedisClient, PerCallTimeoutOverridesTheDefault) {
  RedisServer server;
  auto opts = options_for(server);
  opts.command_timeout = 60s;  // a test that waited for this would hit ctest's timeout
  Client client(opts);
  ASSERT_TRUE(client.wait_connected(20s));
  server.freeze();
  Result r = client.command_sync({"PING"}, 200ms);
  EXPECT_EQ(r.status, Status::kTimeout);
  server.thaw();
}

TEST(RedisClient, FailsFastWhileDownAndReconnectsAfterRestart) {
  RedisServer server;
  auto opts = options_for(server);
  opts.command_timeout = 60s;  // a failure that waited for the timeout would hang the test, not pass it
  Client client(opts);
  ASSERT_TRUE(client.wait_connected(20s));
  ASSERT_TRUE(client.command_sync({"SET", client.key("k"), "before"}).ok());

  server.kill();
  ASSERT_TRUE(eventually([&] { return !client.connected(); }));
  // Down: every command completes at once with kUnavailable, sync and async.
  for (int i = 0; i < 50; ++i) EXPECT_EQ(client.command_sync({"GET", client.key("k")}).status, Status::kUnavailable);
  Latch done;
  std::atomic<int> unavailable{0};
  for (int i = 0; i < 200; ++i)
    client.command({"GET", client.key("k")}, [&](Result r) {
      if (r.status == Status::kUnavailable) ++unavailable;
      done.arrive();
    });
  ASSERT_TRUE(done.wait(200));
  EXPECT_EQ(unavailable.load(), 200);
  EXPECT_GE(client.stats().unavailable, 250u);

  server.restart();  // same port, empty data set
  ASSERT_TRUE(client.wait_connected(30s));
  ASSERT_TRUE(eventually([&] { return client.command_sync({"SET", client.key("k"), "after"}).ok(); }));
  EXPECT_EQ(server.cli({"GET", "t:k"}), "after");
  EXPECT_GE(client.stats().connects, 2u);
}

TEST(RedisClient, InFlightCommandsCompleteWhenTheServerDies) {
  RedisServer server;
  auto opts = options_for(server);
  opts.command_timeout = 60s;
  Client client(opts);
  ASSERT_TRUE(client.wait_connected(20s));
  server.freeze();  // commands get sent but are never answered
  Latch done;
  std::atomic<int> lost{0};
  for (int i = 0; i < 20; ++i)
    client.command({"PING"}, [&](Result r) {
      if (r.status == Status::kDisconnected) ++lost;
      done.arrive();
    });
  std::this_thread::sleep_for(200ms);  // let the client send them (not an assertion on time)
  server.kill();  // the connection drops: the pending replies will never come
  ASSERT_TRUE(done.wait(20));
  EXPECT_EQ(lost.load(), 20);
}

TEST(RedisClient, StartsBeforeTheServerAndConnectsWhenItAppears) {
  RedisServer server;
  server.kill();
  Client client(options_for(server));
  EXPECT_FALSE(client.connected());
  EXPECT_EQ(client.command_sync({"PING"}).status, Status::kUnavailable);
  ASSERT_TRUE(eventually([&] { return client.stats().connect_failures >= 2; }));  // it keeps retrying
  server.restart();
  ASSERT_TRUE(client.wait_connected(30s));
  EXPECT_TRUE(client.command_sync({"PING"}).ok());
}

TEST(RedisClient, DestructionCompletesQueuedAndInFlightCommands) {
  RedisServer server;
  Latch done;
  std::atomic<int> completed{0};
  {
    auto opts = options_for(server);
    opts.command_timeout = 60s;
    Client client(opts);
    ASSERT_TRUE(client.wait_connected(20s));
    server.freeze();
    for (int i = 0; i < 10; ++i)
      client.command({"PING"}, [&](Result r) {
        if (r.status != Status::kOk) ++completed;
        done.arrive();
      });
  }
  EXPECT_TRUE(done.wait(10, 1s));
  EXPECT_EQ(completed.load(), 10);
  server.thaw();
}

TEST(RedisClient, AuthAndSelectOnConnect) {
  RedisServer server({"--requirepass", "s3cret"});
  {
    auto opts = options_for(server, "p:");
    Client no_password(opts);
    ASSERT_TRUE(no_password.wait_connected(20s));
    Result r = no_password.command_sync({"SET", no_password.key("k"), "v"});
    EXPECT_TRUE(r.reply.is_error()) << r.describe();  // NOAUTH
  }
  auto opts = options_for(server, "p:");
  opts.password = "s3cret";
  opts.database = 3;
  Client client(opts);
  ASSERT_TRUE(client.wait_connected(20s));
  ASSERT_TRUE(client.command_sync({"SET", client.key("k"), "in-db-3"}).ok());
  EXPECT_EQ(server.cli({"-n", "3", "GET", "p:k"}), "in-db-3");
  EXPECT_EQ(server.cli({"-n", "0", "EXISTS", "p:k"}), "0");
}

TEST(RedisClient, MetricsAreExported) {
  RedisServer server;
  Client client(options_for(server));
  ASSERT_TRUE(client.wait_connected(20s));
  ASSERT_TRUE(client.command_sync({"PING"}).ok());
  std::string text = metrics::render_text();
  EXPECT_NE(text.find("redis_commands_total{result=\"ok\"}"), std::string::npos) << text;
  // The sample line, not the "# HELP redis_connected 1 while ..." line.
  EXPECT_NE(text.find("\nredis_connected 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("redis_connects_total{result=\"ok\"}"), std::string::npos);
  server.kill();
  ASSERT_TRUE(eventually([&] { return !client.connected(); }));
  EXPECT_NE(metrics::render_text().find("\nredis_connected 0\n"), std::string::npos);
}

}  // namespace
}  // namespace aegis::redis
