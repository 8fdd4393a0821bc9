// cache::RedisStore and cache::TieredStore (MemoryStore L1 + RedisStore L2) against a real redis-server: layout and
// TTLs in Redis, purge by key/prefix/tag and flush, sharing between two clients (nodes), and degradation to
// memory-only while Redis is down or frozen.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "cache/memory_store.h"
#include "cache/redis_store.h"
#include "cache/tiered_store.h"
#include "redis/client.h"
#include "support/redis_server.h"

namespace aegis::cache {
namespace {

using namespace std::chrono_literals;
using test::RedisServer;

std::shared_ptr<redis::Client> connect(const RedisServer& server, const std::string& prefix = "n:") {
  redis::ClientOptions o;
  o.port = server.port();
  o.key_prefix = prefix;
  o.command_timeout = 5s;
  o.connect_timeout = 5s;
  o.reconnect_min = 20ms;
  o.reconnect_max = 200ms;
  auto c = std::make_shared<redis::Client>(o);
  EXPECT_TRUE(c->wait_connected(20s));
  return c;
}

ObjectPtr object(const std::string& key, const std::string& data, std::vector<std::string> tags = {},
                 std::chrono::seconds ttl = 300s) {
  auto o = std::make_shared<StoredObject>();
  o->key = key;
  o->data = data;
  o->tags = std::move(tags);
  o->expires = std::chrono::time_point_cast<std::chrono::milliseconds>(WallClock::now() + ttl);
  return o;
}

// lookup() with a bounded wait for an asynchronous answer; also reports whether it called back inline (on the
// calling thread, before returning) or from the Redis client's thread.
struct LookupResult {
  ObjectPtr object;
  bool inline_call = false;
  bool answered = false;
};
LookupResult lookup(Store& store, const std::string& key) {
  auto done = std::make_shared<std::promise<std::pair<ObjectPtr, std::thread::id>>>();
  auto f = done->get_future();
  store.lookup(key, [done](ObjectPtr o) { done->set_value({std::move(o), std::this_thread::get_id()}); });
  LookupResult r;
  r.answered = f.wait_for(30s) == std::future_status::ready;
  if (r.answered) {
    auto [o, tid] = f.get();
    r.object = std::move(o);
    r.inline_call = tid == std::this_thread::get_id();
  }
  return r;
}

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

// Inserts are fire-and-forget: wait until Redis has the object.
void wait_stored(const RedisServer& server, const std::string& redis_key) {
  ASSERT_TRUE(eventually([&] { return server.cli({"EXISTS", redis_key}) == "1"; })) << redis_key;
}

TEST(RedisStore, EncodingRoundTripsAndRejectsGarbage) {
  auto o = object("http://h/p\x1f" "a", std::string("da\0ta", 5), {"t1", "", "t3"});
  ObjectPtr back = RedisStore::decode(RedisStore::encode(*o), o->key);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->key, o->key);
  EXPECT_EQ(back->data, o->data);
  EXPECT_EQ(back->tags, o->tags);
  EXPECT_EQ(back->expires, o->expires);
  EXPECT_FALSE(RedisStore::decode("not an object", "k"));
  std::string truncated = RedisStore::encode(*o).substr(0, 20);
  EXPECT_FALSE(RedisStore::decode(truncated, "k"));
}

TEST(RedisStore, InsertThenLookupWithPrefixAndTtl) {
  RedisServer server;
  auto client = connect(server, "node:");
  RedisStore store(client);
  store.insert(object("http://h/a", "body-a", {"tag1"}, 100s));
  wait_stored(server, "node:cache:o:http://h/a");
  long long pttl = std::stoll(server.cli({"PTTL", "node:cache:o:http://h/a"}));
  EXPECT_GT(pttl, 0);
  EXPECT_LE(pttl, 100000);
  EXPECT_EQ(server.cli({"SMEMBERS", "node:cache:t:tag1"}), "http://h/a");
  EXPECT_GT(std::stoll(server.cli({"PTTL", "node:cache:t:tag1"})), 0);

  LookupResult r = lookup(store, "http://h/a");
  ASSERT_TRUE(r.answered);
  ASSERT_TRUE(r.object);
  EXPECT_EQ(r.object->data, "body-a");
  EXPECT_EQ(r.object->tags, std::vector<std::string>{"tag1"});
  EXPECT_FALSE(r.inline_call);  // a network round trip
  LookupResult miss = lookup(store, "http://h/absent");
  ASSERT_TRUE(miss.answered);
  EXPECT_FALSE(miss.object);
}

TEST(RedisStore, TagSetLivesAsLongAsItsLongestMember) {
  RedisServer server;
  auto client = connect(server);
  RedisStore store(client);
  store.insert(object("k1", "x", {"t"}, 1000s));
  wait_stored(server, "n:cache:o:k1");
  store.insert(object("k2", "y", {"t"}, 10s));  // shorter: must not shorten the tag set's TTL
  wait_stored(server, "n:cache:o:k2");
  EXPECT_GT(std::stoll(server.cli({"PTTL", "n:cache:t:t"})), 100000);
}

TEST(RedisStore, ExpiredObjectsAreNeitherStoredNorReturned) {
  RedisServer server;
  auto client = connect(server);
  RedisStore store(client);
  auto stale = object("old", "x", {}, 0s);
  const_cast<StoredObject&>(*stale).expires = WallClock::now() - 1s;
  store.insert(stale);
  // An object whose header says it expired (its Redis TTL has not run out yet) is a miss.
  auto o = object("clock-skew", "x");
  const_cast<StoredObject&>(*o).expires = WallClock::now() - 1s;
  server.cli({"SET", "n:cache:o:clock-skew", RedisStore::encode(*o), "EX", "100"});
  store.insert(object("fresh", "y"));
  wait_stored(server, "n:cache:o:fresh");
  EXPECT_EQ(server.cli({"EXISTS", "n:cache:o:old"}), "0");
  EXPECT_FALSE(lookup(store, "clock-skew").object);
  EXPECT_TRUE(lookup(store, "fresh").object);
}

TEST(RedisStore, EraseAndPurges) {
  RedisServer server;
  auto client = connect(server);
  RedisStore store(client);
  server.cli({"SET", "foreign:cache:o:http://h/a", "other deployment"});
  server.cli({"SET", "unrelated", "x"});
  store.insert(object("http://h/a", "1", {"red"}));
  store.insert(object("http://h/a*b?[c]", "2", {"red", "blue"}));
  store.insert(object("http://h/ab", "3", {"blue"}));
  store.insert(object("http://h/b", "4", {"green"}));
  store.insert(object("http://other/a", "5"));
  for (auto k : {"http://h/a", "http://h/a*b?[c]", "http://h/ab", "http://h/b", "http://other/a"})
    wait_stored(server, std::string("n:cache:o:") + k);

  // The prefix is literal: glob characters in it match only themselves.
  EXPECT_EQ(store.purge_prefix("http://h/a*"), 1u);
  EXPECT_FALSE(lookup(store, "http://h/a*b?[c]").object);
  EXPECT_TRUE(lookup(store, "http://h/ab").object);

  EXPECT_EQ(store.purge_tag("blue"), 1u);  // http://h/ab (the other member is gone already)
  EXPECT_FALSE(lookup(store, "http://h/ab").object);
  EXPECT_EQ(server.cli({"EXISTS", "n:cache:t:blue"}), "0");
  EXPECT_TRUE(lookup(store, "http://h/a").object);

  store.erase("http://h/a");
  EXPECT_TRUE(eventually([&] { return server.cli({"EXISTS", "n:cache:o:http://h/a"}) == "0"; }));

  EXPECT_EQ(store.purge_prefix("http://h/"), 1u);  // http://h/b
  EXPECT_TRUE(lookup(store, "http://other/a").object);
  EXPECT_EQ(store.flush(), 1u);  // http://other/a
  EXPECT_FALSE(lookup(store, "http://other/a").object);
  EXPECT_EQ(server.cli({"KEYS", "n:*"}), "");
  // Other deployments' keys and unrelated keys are untouched.
  EXPECT_EQ(server.cli({"GET", "foreign:cache:o:http://h/a"}), "other deployment");
  EXPECT_EQ(server.cli({"GET", "unrelated"}), "x");
}

TEST(RedisStore, TwoNodesShareObjects) {
  RedisServer server;
  RedisStore a(connect(server)), b(connect(server));
  a.insert(object("http://h/shared", "from a", {"t"}));
  wait_stored(server, "n:cache:o:http://h/shared");
  LookupResult r = lookup(b, "http://h/shared");
  ASSERT_TRUE(r.object);
  EXPECT_EQ(r.object->data, "from a");
  EXPECT_EQ(b.purge_tag("t"), 1u);
  EXPECT_FALSE(lookup(a, "http://h/shared").object);
}

TEST(RedisStore, UnreachableRedisIsAnImmediateMiss) {
  RedisServer server;
  auto client = connect(server);
  RedisStore store(client);
  store.insert(object("k", "v"));
  wait_stored(server, "n:cache:o:k");
  server.kill();
  ASSERT_TRUE(eventually([&] { return !client->connected(); }));
  LookupResult r = lookup(store, "k");
  ASSERT_TRUE(r.answered);
  EXPECT_FALSE(r.object);
  EXPECT_TRUE(r.inline_call);
  store.insert(object("k2", "v"));  // dropped, no error
  EXPECT_EQ(store.purge_prefix(""), 0u);
  EXPECT_EQ(store.purge_tag("t"), 0u);
  EXPECT_EQ(store.flush(), 0u);
  EXPECT_FALSE(store.available());
  server.restart();
  ASSERT_TRUE(client->wait_connected(30s));
  store.insert(object("k3", "back"));
  wait_stored(server, "n:cache:o:k3");
  EXPECT_EQ(lookup(store, "k3").object->data, "back");
}

TEST(RedisStore, FrozenRedisTimesOutToAMiss) {
  RedisServer server;
  redis::ClientOptions o;
  o.port = server.port();
  o.command_timeout = 200ms;
  auto client = std::make_shared<redis::Client>(o);
  ASSERT_TRUE(client->wait_connected(20s));
  RedisStore store(client);
  store.insert(object("k", "v"));
  wait_stored(server, "cache:o:k");  // no key prefix configured
  server.freeze();
  LookupResult r = lookup(store, "k");
  ASSERT_TRUE(r.answered);
  EXPECT_FALSE(r.object);
  server.thaw();
}

std::shared_ptr<MemoryStore> memory() {
  MemoryStore::Options mo;
  mo.max_bytes = 1 << 20;
  mo.shards = 2;
  return std::make_shared<MemoryStore>(mo);
}

TEST(TieredStore, InsertGoesToBothTiers) {
  RedisServer server;
  auto l1 = memory();
  auto l2 = std::make_shared<RedisStore>(connect(server));
  TieredStore tiered(l1, l2);
  tiered.insert(object("http://h/x", "data", {"t"}));
  EXPECT_TRUE(l1->get("http://h/x"));
  wait_stored(server, "n:cache:o:http://h/x");
  LookupResult r = lookup(tiered, "http://h/x");
  EXPECT_TRUE(r.inline_call);  // served by L1
  ASSERT_TRUE(r.object);
  EXPECT_EQ(r.object->data, "data");
  EXPECT_EQ(tiered.stats().objects, 1u);
}

TEST(TieredStore, L1MissFallsBackToL2AndFillsL1) {
  RedisServer server;
  auto node_a = std::make_shared<TieredStore>(memory(), std::make_shared<RedisStore>(connect(server)));
  auto l1_b = memory();
  TieredStore node_b(l1_b, std::make_shared<RedisStore>(connect(server)));
  auto o = object("http://h/y", "from node a", {"t1"}, 60s);
  node_a->insert(o);
  wait_stored(server, "n:cache:o:http://h/y");
  EXPECT_FALSE(l1_b->get("http://h/y"));
  LookupResult r = lookup(node_b, "http://h/y");
  ASSERT_TRUE(r.object);
  EXPECT_FALSE(r.inline_call);
  EXPECT_EQ(r.object->data, "from node a");
  ObjectPtr filled = l1_b->get("http://h/y");
  ASSERT_TRUE(filled);
  EXPECT_EQ(filled->expires, o->expires);
  EXPECT_EQ(filled->tags, o->tags);
  // The next lookup is served by L1.
  EXPECT_TRUE(lookup(node_b, "http://h/y").inline_call);
}

TEST(TieredStore, PurgesAndEraseApplyToBothTiers) {
  RedisServer server;
  auto l1 = memory();
  TieredStore tiered(l1, std::make_shared<RedisStore>(connect(server)));
  tiered.insert(object("http://h/1", "a", {"t"}));
  tiered.insert(object("http://h/2", "b"));
  tiered.insert(object("http://h/3", "c"));
  tiered.insert(object("http://o/4", "d"));
  for (auto k : {"http://h/1", "http://h/2", "http://h/3", "http://o/4"}) wait_stored(server, std::string("n:cache:o:") + k);
  EXPECT_EQ(tiered.purge_tag("t"), 1u);
  EXPECT_FALSE(l1->get("http://h/1"));
  EXPECT_EQ(server.cli({"EXISTS", "n:cache:o:http://h/1"}), "0");
  tiered.erase("http://h/2");
  EXPECT_FALSE(l1->get("http://h/2"));
  EXPECT_TRUE(eventually([&] { return server.cli({"EXISTS", "n:cache:o:http://h/2"}) == "0"; }));
  EXPECT_EQ(tiered.purge_prefix("http://h/"), 1u);
  EXPECT_FALSE(lookup(tiered, "http://h/3").object);
  EXPECT_EQ(tiered.flush(), 1u);
  EXPECT_FALSE(l1->get("http://o/4"));
  EXPECT_EQ(server.cli({"EXISTS", "n:cache:o:http://o/4"}), "0");
}

TEST(TieredStore, RedisOutageDegradesToMemoryOnly) {
  RedisServer server;
  auto client = connect(server);
  auto l1 = memory();
  TieredStore tiered(l1, std::make_shared<RedisStore>(client));
  tiered.insert(object("http://h/before", "kept in L1"));
  wait_stored(server, "n:cache:o:http://h/before");
  server.kill();
  ASSERT_TRUE(eventually([&] { return !client->connected(); }));
  // L1 hits still work; L1 misses answer at once; inserts still fill L1.
  LookupResult hit = lookup(tiered, "http://h/before");
  ASSERT_TRUE(hit.object);
  LookupResult miss = lookup(tiered, "http://h/never");
  EXPECT_TRUE(miss.answered && miss.inline_call);
  EXPECT_FALSE(miss.object);
  tiered.insert(object("http://h/during", "memory only"));
  EXPECT_TRUE(lookup(tiered, "http://h/during").object);
  EXPECT_EQ(tiered.purge_prefix("http://h/during"), 1u);  // L1's count
  // Redis back: the second tier is used again.
  server.restart();
  ASSERT_TRUE(client->wait_connected(30s));
  tiered.insert(object("http://h/after", "both"));
  wait_stored(server, "n:cache:o:http://h/after");
}

// Two nodes (two clients, two TieredStores) sharing one Redis, with purges shared through the purge log.
struct SharedNodes {
  explicit SharedNodes(RedisServer& server, const std::string& prefix_b = "n:") {
    client_a = connect(server);
    client_b = connect(server, prefix_b);
    a = std::make_shared<TieredStore>(l1_a, std::make_shared<RedisStore>(client_a));
    b = std::make_shared<TieredStore>(l1_b, std::make_shared<RedisStore>(client_b));
    PurgeBus::Options o;
    o.poll_interval = 20ms;
    a->share_purges(client_a, o);
    b->share_purges(client_b, o);
    EXPECT_TRUE(eventually([&] { return a->purge_bus()->stats().synced && b->purge_bus()->stats().synced; }));
  }
  // Puts `key` into both nodes' L1 (a stores it, b reads it through Redis).
  void fill(RedisServer& server, const std::string& key, std::vector<std::string> tags = {}) {
    a->insert(object(key, "v", std::move(tags)));
    wait_stored(server, "n:cache:o:" + key);
    EXPECT_TRUE(lookup(*b, key).object);
    EXPECT_TRUE(l1_b->get(key)) << key;
  }
  std::shared_ptr<MemoryStore> l1_a = memory(), l1_b = memory();
  std::shared_ptr<redis::Client> client_a, client_b;
  std::shared_ptr<TieredStore> a, b;
};

TEST(PurgeBus, EveryPurgeKindReachesTheOtherNodesMemoryTier) {
  RedisServer server;
  SharedNodes n(server);
  n.fill(server, "http://h/p/1");
  n.fill(server, "http://h/p/2", {"red"});
  n.fill(server, "http://h/q/3", {"blue"});
  n.fill(server, "http://o/4");
  n.a->purge_prefix("http://h/p/1");
  EXPECT_TRUE(eventually([&] { return !n.l1_b->get("http://h/p/1"); }));
  EXPECT_TRUE(n.l1_b->get("http://h/p/2"));  // only what was purged
  n.a->purge_tag("blue");
  EXPECT_TRUE(eventually([&] { return !n.l1_b->get("http://h/q/3"); }));
  EXPECT_TRUE(n.l1_b->get("http://h/p/2"));
  n.b->purge_prefix("http://h/");  // the other direction
  EXPECT_TRUE(eventually([&] { return !n.l1_a->get("http://h/p/2"); }));
  EXPECT_TRUE(n.l1_a->get("http://o/4"));
  n.a->flush();
  EXPECT_TRUE(eventually([&] { return !n.l1_b->get("http://o/4"); }));
  // Log entries: seqs 1..4 under the key prefix; nobody resynced; each node applied the other's events only.
  EXPECT_EQ(server.cli({"XLEN", "n:cache:purge:log"}), "4");
  EXPECT_EQ(n.a->purge_bus()->stats().published, 3u);
  EXPECT_EQ(n.b->purge_bus()->stats().applied, 3u);
  EXPECT_EQ(n.a->purge_bus()->stats().applied, 1u);
  EXPECT_EQ(n.a->purge_bus()->stats().resyncs + n.b->purge_bus()->stats().resyncs, 0u);
}

TEST(PurgeBus, OtherKeyPrefixesDoNotSeeThePurges) {
  RedisServer server;
  SharedNodes n(server, "other:");
  n.a->insert(object("http://h/x", "v"));
  n.l1_b->insert(object("http://h/x", "b's own"));
  n.a->purge_prefix("http://h/");
  ASSERT_TRUE(eventually([&] { return n.a->purge_bus()->stats().published == 1; }));
  std::this_thread::sleep_for(200ms);  // several poll intervals of b
  EXPECT_TRUE(n.l1_b->get("http://h/x"));
  EXPECT_EQ(n.b->purge_bus()->stats().applied, 0u);
}

TEST(PurgeBus, PurgesDuringAnOutageApplyLocallyAndArePublishedWhenRedisIsBack) {
  RedisServer server;
  auto client_a = connect(server), client_b = connect(server);
  auto l1_a = memory(), l1_b = memory();
  TieredStore a(l1_a, std::make_shared<RedisStore>(client_a));
  TieredStore b(l1_b, std::make_shared<RedisStore>(client_b));
  PurgeBus::Options o;
  o.poll_interval = 20ms;
  a.share_purges(client_a, o);
  b.share_purges(client_b, o);
  ASSERT_TRUE(eventually([&] { return a.purge_bus()->stats().synced && b.purge_bus()->stats().synced; }));
  l1_b->insert(object("http://h/k", "b"));
  // A's link to Redis breaks (the server is frozen for a moment: a's queued event cannot be written).
  l1_a->insert(object("http://h/k", "a"));
  server.freeze();
  EXPECT_EQ(a.purge_prefix("http://h/"), 1u);  // local at once, whatever Redis does
  EXPECT_FALSE(l1_a->get("http://h/k"));
  server.thaw();
  // Once Redis answers again the queued purge is written and b applies it.
  EXPECT_TRUE(eventually([&] { return !l1_b->get("http://h/k"); }, 30s));
  EXPECT_EQ(a.purge_bus()->stats().pending, 0u);
  EXPECT_EQ(a.purge_bus()->stats().published, 1u);
  EXPECT_EQ(b.purge_bus()->stats().applied, 1u);  // the event itself, not a resync
  EXPECT_EQ(b.purge_bus()->stats().resyncs, 0u);
}

TEST(PurgeBus, ALostLogMakesTheOtherNodesDropTheirMemoryTier) {
  RedisServer server;
  SharedNodes n(server);
  n.a->purge_tag("nothing");  // a log with an epoch and seq 1
  ASSERT_TRUE(eventually([&] { return n.b->purge_bus()->stats().applied == 1; }));
  n.l1_b->insert(object("http://h/kept", "v"));
  // Redis restarts empty: purges written meanwhile by other nodes may be lost, so b cannot trust its L1.
  server.kill();
  server.restart();
  ASSERT_TRUE(n.client_a->wait_connected(30s) && n.client_b->wait_connected(30s));
  n.a->purge_tag("again");  // a new log (new epoch) whose seq 1 equals b's last
  EXPECT_TRUE(eventually([&] { return n.b->purge_bus()->stats().resyncs >= 1; }, 30s));
  EXPECT_FALSE(n.l1_b->get("http://h/kept"));
}

TEST(PurgeBus, AHoleInTheLogMakesTheNodeResync) {
  RedisServer server;
  SharedNodes n(server);
  n.a->purge_tag("one");
  ASSERT_TRUE(eventually([&] { return n.b->purge_bus()->stats().applied == 1; }));
  n.l1_b->insert(object("http://h/kept", "v"));
  // Seq 2 never reaches b (as when the log was trimmed past a node that was away): the next entry it reads is 3.
  std::string top = server.cli({"XREVRANGE", "n:cache:purge:log", "+", "-", "COUNT", "1"});  // id, e, epoch, ...
  std::vector<std::string> lines;
  for (std::size_t p = 0; p <= top.size();) {
    auto nl = top.find('\n', p);
    lines.push_back(top.substr(p, nl == std::string::npos ? std::string::npos : nl - p));
    if (nl == std::string::npos) break;
    p = nl + 1;
  }
  ASSERT_GE(lines.size(), 3u) << top;
  ASSERT_EQ(lines[0], "1-1");
  ASSERT_EQ(lines[1], "e");
  EXPECT_EQ(server.cli({"XADD", "n:cache:purge:log", "3-1", "e", lines[2], "k", "tag", "a", "two", "n", "x"}), "3-1");
  EXPECT_TRUE(eventually([&] { return n.b->purge_bus()->stats().resyncs == 1; }));
  EXPECT_FALSE(n.l1_b->get("http://h/kept"));
  // Back in step: the next event is applied normally.
  n.l1_b->insert(object("http://h/after", "v", {"t4"}));
  n.a->purge_tag("t4");
  EXPECT_TRUE(eventually([&] { return !n.l1_b->get("http://h/after"); }));
  EXPECT_EQ(n.b->purge_bus()->stats().resyncs, 1u);
}

// Polls stats() (which answers with the last refresh and starts the next one at most every second).
StoreStats settled_stats(const Store& store, uint64_t objects) {
  StoreStats s;
  eventually([&] {
    s = store.stats();
    return s.objects == objects;
  }, 20s);
  return s;
}

TEST(RedisStore, StatsCountLiveObjectsAndTheirFootprintsForAllNodes) {
  RedisServer server;
  RedisStore a(connect(server)), b(connect(server));
  EXPECT_EQ(a.stats().objects, 0u);
  auto o1 = object("http://h/s/1", std::string(1000, 'x'), {"t"});
  auto o2 = object("http://h/s/2", std::string(300, 'y'));
  auto o2b = object("http://h/s/2", std::string(500, 'z'));  // replaces o2: counted once, with its new size
  auto o3 = object("http://o/s/3", "small");
  a.insert(o1);
  a.insert(o2);
  a.insert(o2b);  // same connection: after o2
  b.insert(o3);   // the other node's objects count too
  for (auto k : {"http://h/s/1", "http://h/s/2", "http://o/s/3"}) wait_stored(server, std::string("n:cache:o:") + k);
  StoreStats s = settled_stats(a, 3);
  EXPECT_EQ(s.objects, 3u);
  EXPECT_TRUE(eventually([&] { return a.stats().bytes == o1->footprint() + o2b->footprint() + o3->footprint(); }))
      << a.stats().bytes;
  EXPECT_EQ(settled_stats(b, 3).bytes, a.stats().bytes);  // the other node sees the same shared tier
  EXPECT_EQ(s.evictions, 0u);
  // Removal by each path keeps the numbers right.
  a.erase("http://h/s/2");
  EXPECT_EQ(settled_stats(a, 2).objects, 2u);
  EXPECT_TRUE(eventually([&] { return a.stats().bytes == o1->footprint() + o3->footprint(); }));
  EXPECT_EQ(b.purge_tag("t"), 1u);
  EXPECT_EQ(settled_stats(a, 1).bytes, o3->footprint());
  a.insert(object("http://o/s/4", "x"));
  wait_stored(server, "n:cache:o:http://o/s/4");
  EXPECT_EQ(settled_stats(a, 2).objects, 2u);
  EXPECT_EQ(a.purge_prefix("http://o/s/4"), 1u);
  EXPECT_EQ(settled_stats(a, 1).bytes, o3->footprint());
  // Expiry: Redis drops the object by itself; the accounting forgets it once its expiry has passed.
  a.insert(object("http://h/s/short", "gone soon", {}, 1s));
  wait_stored(server, "n:cache:o:http://h/s/short");
  EXPECT_EQ(server.cli({"ZCARD", "n:cache:idx"}), "2");  // indexed in the same script that stored it
  EXPECT_TRUE(eventually([&] { return server.cli({"EXISTS", "n:cache:o:http://h/s/short"}) == "0"; }));
  EXPECT_EQ(settled_stats(a, 1).objects, 1u);
  EXPECT_EQ(a.stats().bytes, o3->footprint());
  EXPECT_EQ(a.flush(), 1u);
  StoreStats empty = settled_stats(a, 0);
  EXPECT_EQ(empty.bytes, 0u);
  EXPECT_EQ(server.cli({"EXISTS", "n:cache:idx", "n:cache:sz", "n:cache:bytes"}), "0");
}

TEST(TieredStore, StatsAreTheMemoryTierAndSharedStatsTheRedisTier) {
  RedisServer server;
  auto client_a = connect(server), client_b = connect(server);
  auto l1_a = memory(), l1_b = memory();
  TieredStore a(l1_a, std::make_shared<RedisStore>(client_a));
  TieredStore b(l1_b, std::make_shared<RedisStore>(client_b));
  PurgeBus::Options o;
  o.poll_interval = 20ms;
  b.share_purges(client_b, o);  // b's bus thread keeps its shared numbers fresh without anyone asking
  a.insert(object("http://h/t/1", "one"));
  a.insert(object("http://h/t/2", "two"));
  wait_stored(server, "n:cache:o:http://h/t/1");
  wait_stored(server, "n:cache:o:http://h/t/2");
  EXPECT_EQ(a.stats().objects, 2u);
  EXPECT_EQ(b.stats().objects, 0u);  // nothing in b's memory
  ASSERT_TRUE(b.shared_stats());
  EXPECT_TRUE(eventually([&] { return b.shared_stats()->objects == 2; }));
  EXPECT_EQ(b.shared_stats()->bytes, l1_a->stats().bytes);  // the same footprints in both tiers
  EXPECT_FALSE(l1_a->shared_stats());
}

TEST(PurgeBus, AFailingPublishIsRetriedOncePerIntervalNotInALoop) {
  RedisServer server;
  auto client = connect(server);
  // Something else sits under the log's key: every EVAL fails with WRONGTYPE.
  ASSERT_EQ(server.cli({"SET", "n:cache:purge:log", "not a stream"}), "OK");
  TieredStore a(memory(), std::make_shared<RedisStore>(client));
  PurgeBus::Options o;
  o.poll_interval = 50ms;
  a.share_purges(client, o);
  a.purge_tag("x");
  const uint64_t errors_before = client->stats().error;
  std::this_thread::sleep_for(1s);
  const uint64_t errors = client->stats().error - errors_before;
  EXPECT_GE(errors, 1u);
  EXPECT_LE(errors, 60u);  // about one EVAL (plus the reads) per 50 ms, not thousands
  EXPECT_EQ(a.purge_bus()->stats().pending, 1u);
  // The key freed: the queued purge goes out.
  ASSERT_EQ(server.cli({"DEL", "n:cache:purge:log"}), "1");
  EXPECT_TRUE(eventually([&] { return a.purge_bus()->stats().published == 1; }));
  EXPECT_EQ(server.cli({"XLEN", "n:cache:purge:log"}), "1");
}

}  // namespace
}  // namespace aegis::cache
