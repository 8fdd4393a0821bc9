#include "hostapi/memory_kv_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace aegis::hostapi {
namespace {

using namespace std::chrono_literals;

MemoryKvOptions options(std::size_t bytes, std::size_t shards) {
  MemoryKvOptions o;
  o.max_total_bytes = bytes;
  o.shards = shards;
  return o;
}

TEST(MemoryKvStore, GetSetRemoveAndNamespaces) {
  MemoryKvStore kv;
  EXPECT_FALSE(kv.get("a", "k"));
  EXPECT_TRUE(kv.set("a", "k", "v1", 0s));
  EXPECT_EQ(kv.get("a", "k"), "v1");
  EXPECT_FALSE(kv.get("b", "k"));
  EXPECT_FALSE(kv.get("", "ak"));   // namespace/key boundary is unambiguous
  EXPECT_FALSE(kv.get("a", "k2"));
  EXPECT_TRUE(kv.set("a", "k", "v2", 0s));
  EXPECT_EQ(kv.get("a", "k"), "v2");
  EXPECT_EQ(kv.stats().entries, 1u);
  EXPECT_TRUE(kv.remove("a", "k"));
  EXPECT_FALSE(kv.remove("a", "k"));
  EXPECT_FALSE(kv.get("a", "k"));
  EXPECT_EQ(kv.stats().bytes, 0u);
}

TEST(MemoryKvStore, BinaryValuesRoundTrip) {
  MemoryKvStore kv;
  const std::string v("\0\x01\xff\0", 4);
  EXPECT_TRUE(kv.set("n", "bin", v, 0s));
  EXPECT_EQ(kv.get("n", "bin"), v);
}

TEST(MemoryKvStore, TtlExpiry) {
  auto t = std::chrono::steady_clock::time_point(100s);
  MemoryKvOptions opts;
  opts.now = [&] { return t; };
  MemoryKvStore kv(opts);
  kv.set("n", "short", "1", 5s);
  kv.set("n", "long", "2", 500s);
  kv.set("n", "forever", "3", 0s);
  t += 4s;
  EXPECT_TRUE(kv.get("n", "short"));
  t += 1s;
  EXPECT_FALSE(kv.get("n", "short"));
  EXPECT_TRUE(kv.get("n", "long"));
  t += 1000s;
  EXPECT_FALSE(kv.get("n", "long"));
  EXPECT_EQ(kv.get("n", "forever"), "3");
  EXPECT_EQ(kv.stats().expirations, 2u);
}

TEST(MemoryKvStore, BoundedBytesEvictLeastRecentlyUsed) {
  MemoryKvStore kv(options(10000, 1));
  const std::string v(1000, 'v');
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(kv.set("n", "k" + std::to_string(i), v, 0s));
  EXPECT_TRUE(kv.get("n", "k0"));  // touch k0: now most recently used
  for (int i = 8; i < 12; ++i) ASSERT_TRUE(kv.set("n", "k" + std::to_string(i), v, 0s));
  const auto st = kv.stats();
  EXPECT_LE(st.bytes, 10000u);
  EXPECT_GT(st.evictions, 0u);
  EXPECT_TRUE(kv.get("n", "k0"));
  EXPECT_FALSE(kv.get("n", "k1"));
  EXPECT_TRUE(kv.get("n", "k11"));
}

TEST(MemoryKvStore, EntryLargerThanAShardIsRefused) {
  MemoryKvStore kv(options(4096, 2));
  EXPECT_FALSE(kv.set("n", "big", std::string(3000, 'x'), 0s));
  EXPECT_TRUE(kv.set("n", "ok", std::string(1000, 'x'), 0s));
}

TEST(MemoryKvStore, ConcurrentUseFromManyThreads) {
  MemoryKvStore kv(options(1 << 20, 8));
  std::atomic<int> hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = "k" + std::to_string(i % 100);
        kv.set("ns" + std::to_string(t), key, std::to_string(i), 60s);
        if (auto v = kv.get("ns" + std::to_string(t), key)) hits += v->empty() ? 0 : 1;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(hits.load(), 8000);
  EXPECT_EQ(kv.stats().entries, 400u);
}

}  // namespace
}  // namespace aegis::hostapi
