// MemoryStore: the in-process cache store (src/cache/memory_store.h).
#include "cache/memory_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace aegis::cache {
namespace {

using namespace std::chrono_literals;

ObjectPtr object(const std::string& key, const std::string& data, std::vector<std::string> tags = {},
                 WallClock::duration ttl = 1h) {
  auto o = std::make_shared<StoredObject>();
  o->key = key;
  o->data = data;
  o->tags = std::move(tags);
  o->expires = WallClock::now() + ttl;
  return o;
}

TEST(MemoryStore, InsertLookupReplaceErase) {
  MemoryStore store({1 << 20, 0, 4});
  EXPECT_EQ(store.get("k"), nullptr);
  store.insert(object("k", "v1"));
  ASSERT_NE(store.get("k"), nullptr);
  EXPECT_EQ(store.get("k")->data, "v1");
  store.insert(object("k", "v2"));
  EXPECT_EQ(store.get("k")->data, "v2");
  EXPECT_EQ(store.stats().objects, 1u);
  store.erase("k");
  EXPECT_EQ(store.get("k"), nullptr);
  EXPECT_EQ(store.stats().objects, 0u);
  EXPECT_EQ(store.stats().bytes, 0u);
}

TEST(MemoryStore, LookupCallsBackInline) {
  MemoryStore store({1 << 20, 0, 4});
  store.insert(object("k", "v"));
  bool called = false;
  store.lookup("k", [&](ObjectPtr o) {
    called = true;
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(o->data, "v");
  });
  EXPECT_TRUE(called);
  called = false;
  store.lookup("missing", [&](ObjectPtr o) {
    called = true;
    EXPECT_EQ(o, nullptr);
  });
  EXPECT_TRUE(called);
}

TEST(MemoryStore, ExpiredObjectsAreNotReturned) {
  MemoryStore store({1 << 20, 0, 1});
  store.insert(object("old", "v", {}, -1s));
  EXPECT_EQ(store.get("old"), nullptr);
  EXPECT_EQ(store.stats().objects, 0u);
  EXPECT_EQ(store.stats().evictions, 0u);
}

TEST(MemoryStore, EvictsLeastRecentlyUsedWithinBudget) {
  // One shard so the budget applies to all keys together; each object is ~1 KiB + overhead.
  const std::string kb(1000, 'x');
  const std::size_t fp = object("a", kb)->footprint();
  MemoryStore store({fp * 3, 0, 1});
  store.insert(object("a", kb));
  store.insert(object("b", kb));
  store.insert(object("c", kb));
  ASSERT_NE(store.get("a"), nullptr);  // a is now most recently used; b is the LRU
  store.insert(object("d", kb));
  EXPECT_EQ(store.get("b"), nullptr);
  EXPECT_NE(store.get("a"), nullptr);
  EXPECT_NE(store.get("c"), nullptr);
  EXPECT_NE(store.get("d"), nullptr);
  EXPECT_EQ(store.stats().evictions, 1u);
  EXPECT_EQ(store.stats().objects, 3u);
  EXPECT_LE(store.stats().bytes, fp * 3);
}

TEST(MemoryStore, OversizedObjectsAreNotStoredAndDropTheOldVersion) {
  MemoryStore store({1 << 20, 2000, 1});
  store.insert(object("k", "small"));
  store.insert(object("k", std::string(5000, 'x')));
  EXPECT_EQ(store.get("k"), nullptr);
  MemoryStore tiny({500, 0, 1});
  tiny.insert(object("k", std::string(1000, 'x')));
  EXPECT_EQ(tiny.get("k"), nullptr);
  EXPECT_EQ(tiny.stats().evictions, 0u);
}

TEST(MemoryStore, PurgeByPrefixTagAndFlush) {
  MemoryStore store({1 << 20, 0, 8});
  store.insert(object("http://a/x/1", "1", {"t1", "all"}));
  store.insert(object("http://a/x/2", "2", {"t2", "all"}));
  store.insert(object("http://a/y/1", "3", {"t1", "all"}));
  store.insert(object("http://b/x/1", "4", {"all"}));
  EXPECT_EQ(store.purge_prefix("http://a/x/"), 2u);
  EXPECT_EQ(store.get("http://a/x/1"), nullptr);
  EXPECT_EQ(store.get("http://a/x/2"), nullptr);
  EXPECT_NE(store.get("http://a/y/1"), nullptr);
  EXPECT_EQ(store.purge_tag("t1"), 1u);
  EXPECT_EQ(store.get("http://a/y/1"), nullptr);
  EXPECT_EQ(store.purge_tag("t1"), 0u);
  EXPECT_NE(store.get("http://b/x/1"), nullptr);
  store.insert(object("http://c/", "5"));
  EXPECT_EQ(store.flush(), 2u);
  EXPECT_EQ(store.stats().objects, 0u);
  EXPECT_EQ(store.stats().bytes, 0u);
}

TEST(MemoryStore, ReplacingAnObjectUpdatesItsTags) {
  MemoryStore store({1 << 20, 0, 2});
  store.insert(object("k", "1", {"old"}));
  store.insert(object("k", "2", {"new"}));
  EXPECT_EQ(store.purge_tag("old"), 0u);
  EXPECT_EQ(store.purge_tag("new"), 1u);
}

TEST(MemoryStore, ConcurrentWorkersKeepConsistentAccounting) {
  MemoryStore store({64 * 1024, 0, 8});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string key = "k" + std::to_string((i * 7 + t) % 300);
        if (i % 3 == 0) store.insert(object(key, std::string(200, 'a'), {"tag" + std::to_string(i % 5)}));
        else if (i % 7 == 0) store.erase(key);
        else if (i % 97 == 0) store.purge_tag("tag1");
        else store.get(key);
      }
    });
  for (auto& th : threads) th.join();
  StoreStats s = store.stats();
  EXPECT_LE(s.bytes, 64u * 1024);
  std::size_t flushed = store.flush();
  EXPECT_EQ(flushed, s.objects);
  EXPECT_EQ(store.stats().bytes, 0u);
}

}  // namespace
}  // namespace aegis::cache
