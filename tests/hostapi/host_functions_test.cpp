// The host functions called directly (as the engine calls them) against a byte vector as guest memory:
// semantics of the reference ABI, the extensions, and argument validation for every function.
#include <gtest/gtest.h>

#include <chrono>

#include "direct_caller.h"
#include "hostapi/abi.h"
#include "hostapi/invocation.h"
#include "hostapi/memory_kv_store.h"
#include "hostapi/text.h"

namespace aegis::hostapi {
namespace {

using test::DirectCaller;
constexpr uint32_t kMem = 65536;

struct Fixture : ::testing::Test {
  InvocationContext ctx;
  DirectCaller g{&ctx, kMem};
  void SetUp() override {
    ctx.request.method = "POST";
    ctx.request.uri = "/api/v1/items?q=1";
    ctx.request.headers = {{"Host", "example.com"}, {"User-Agent", "curl/8"}, {"X-Dup", "a"}, {"x-dup", "b"}};
    ctx.request.body = "hello body";
  }
  // Reads the shared buffer through get_shared_buffer into guest memory at 4096 and returns it.
  std::string fetch(int32_t len) {
    EXPECT_EQ(g.env("get_shared_buffer", {4096, 0, len}), len);
    return g.get(4096, static_cast<uint32_t>(len));
  }
  int32_t set_header(const char* fn, std::string_view n, std::string_view v) {
    g.put(100, n);
    g.put(300, v);
    return g.env(fn, {100, static_cast<int32_t>(n.size()), 300, static_cast<int32_t>(v.size())});
  }
};

using HostFunctions = Fixture;

TEST_F(HostFunctions, RequestContextAccess) {
  int32_t n = g.env("request_get_method", {});
  EXPECT_EQ(fetch(n), "POST");
  n = g.env("request_get_uri", {});
  EXPECT_EQ(fetch(n), "/api/v1/items?q=1");
  n = g.env("request_get_body", {});
  EXPECT_EQ(fetch(n), "hello body");
  g.put(0, "host");
  n = g.env("request_get_header", {0, 4});
  EXPECT_EQ(fetch(n), "example.com");
  EXPECT_EQ(ctx.calls(HostCall::RequestGetMethod), 1u);
  EXPECT_EQ(ctx.calls(HostCall::GetSharedBuffer), 4u);
}

TEST_F(HostFunctions, HeaderLookupIsCaseInsensitiveAndReturnsTheFirst) {
  g.put(0, "USER-agent");
  EXPECT_EQ(fetch(g.env("request_get_header", {0, 10})), "curl/8");
  g.put(0, "X-DUP");
  EXPECT_EQ(fetch(g.env("request_get_header", {0, 5})), "a");
  g.put(0, "absent");
  EXPECT_EQ(g.env("request_get_header", {0, 6}), -1);
}

TEST_F(HostFunctions, HeaderNamesAreAJsonArrayOfDistinctNames) {
  EXPECT_EQ(fetch(g.env("request_get_header_names", {})), R"(["Host","User-Agent","X-Dup"])");
  ctx.request.headers.clear();
  EXPECT_EQ(fetch(g.env("request_get_header_names", {})), "[]");
}

TEST_F(HostFunctions, EmptyBodyReturnsZero) {
  ctx.request.body.clear();
  EXPECT_EQ(g.env("request_get_body", {}), 0);
}

TEST_F(HostFunctions, SharedBufferIsReplacedPerCallAndPartialReadsWork) {
  g.env("request_get_uri", {});
  EXPECT_EQ(ctx.shared_buffer, "/api/v1/items?q=1");
  EXPECT_EQ(g.env("get_shared_buffer", {200, 5, 2}), 2);
  EXPECT_EQ(g.get(200, 2), "v1");
  EXPECT_EQ(g.env("get_shared_buffer", {200, 17, 0}), 0);  // empty read at the end
  g.env("request_get_method", {});
  EXPECT_EQ(ctx.shared_buffer, "POST");
}

TEST_F(HostFunctions, SharedBufferOverflowIsRejected) {
  g.env("request_get_uri", {});  // 17 bytes
  EXPECT_EQ(g.env("get_shared_buffer", {200, 10, 8}), -1);           // offset+length > size
  EXPECT_EQ(g.env("get_shared_buffer", {200, 18, 0}), -1);           // offset beyond end
  EXPECT_EQ(g.env("get_shared_buffer", {200, -1, 2}), -1);           // 0xffffffff + 2 wraps in 32 bits
  EXPECT_EQ(g.env("get_shared_buffer", {200, 1, -1}), -1);           // length 0xffffffff
  EXPECT_EQ(g.env("get_shared_buffer", {200, 2, INT32_MAX}), -1);
  EXPECT_EQ(g.env("get_shared_buffer", {kMem - 4, 0, 17}), -1);      // destination runs off memory
  EXPECT_EQ(g.env("get_shared_buffer", {-8, 0, 17}), -1);            // destination wraps
  ctx.shared_buffer.assign((10 << 20) + 1, 'x');
  DirectCaller big(&ctx, 12 << 20);
  EXPECT_EQ(big.env("get_shared_buffer", {0, 0, (10 << 20) + 1}), -1);  // over the 10 MiB per-call read cap
  EXPECT_EQ(big.env("get_shared_buffer", {0, 0, 10 << 20}), 10 << 20);
  EXPECT_FALSE(ctx.errors.empty());
}

TEST_F(HostFunctions, ResponseManipulation) {
  EXPECT_EQ(g.env("response_set_status", {201}), 0);
  EXPECT_EQ(ctx.response.status, 201);
  EXPECT_EQ(set_header("response_set_header", "Content-Type", "text/plain"), 0);
  EXPECT_EQ(set_header("response_set_header", "content-type", "application/json"), 0);
  EXPECT_EQ(set_header("response_add_header", "X-A", "1"), 0);
  EXPECT_EQ(set_header("response_add_header", "X-Gone", "1"), 0);
  EXPECT_EQ(set_header("response_add_header", "x-gone", "2"), 0);
  g.put(100, "X-GONE");
  EXPECT_EQ(g.env("response_remove_header", {100, 6}), 0);
  g.put(100, "not-there");
  EXPECT_EQ(g.env("response_remove_header", {100, 9}), 0);
  g.put(500, "{\"ok\":true}");
  EXPECT_EQ(g.env("response_set_body", {500, 11}), 0);
  EXPECT_EQ(ctx.response.headers, (HeaderList{{"content-type", "application/json"}, {"X-A", "1"}}));
  EXPECT_EQ(ctx.response.body, "{\"ok\":true}");
  EXPECT_TRUE(ctx.response.body_set);
  EXPECT_FALSE(ctx.terminate);
}

TEST_F(HostFunctions, EmptyBodyCountsAsSet) {
  EXPECT_EQ(g.env("response_set_body", {0, 0}), 0);
  EXPECT_TRUE(ctx.response.body_set);
  EXPECT_EQ(ctx.response.body, "");
}

TEST_F(HostFunctions, MultipleSetCookieHeadersAreKept) {
  EXPECT_EQ(set_header("response_add_header", "Set-Cookie", "a=1"), 0);
  EXPECT_EQ(set_header("response_add_header", "Set-Cookie", "b=2"), 0);
  EXPECT_EQ(set_header("response_add_header", "set-cookie", "c=3"), 0);
  ASSERT_EQ(ctx.response.headers.size(), 3u);
  EXPECT_EQ(ctx.response.headers[1].value, "b=2");
  EXPECT_EQ(set_header("response_set_header", "SET-COOKIE", "only=1"), 0);
  EXPECT_EQ(ctx.response.headers, (HeaderList{{"SET-COOKIE", "only=1"}}));
}

TEST_F(HostFunctions, StatusRange) {
  EXPECT_EQ(g.env("response_set_status", {99}), -1);
  EXPECT_EQ(g.env("response_set_status", {600}), -1);
  EXPECT_EQ(g.env("response_set_status", {-200}), -1);
  EXPECT_FALSE(ctx.response.status.has_value());
  EXPECT_EQ(g.env("response_set_status", {100}), 0);
  EXPECT_EQ(g.env("response_set_status", {599}), 0);
  EXPECT_EQ(ctx.response.status, 599);
  EXPECT_EQ(g.env("request_terminate", {99}), -1);
  EXPECT_EQ(g.env("request_terminate", {600}), -1);
  EXPECT_FALSE(ctx.terminate);
}

TEST_F(HostFunctions, EarlyTermination) {
  g.put(0, "blocked");
  g.env("response_set_body", {0, 7});
  EXPECT_EQ(g.env("request_terminate", {403}), 0);
  EXPECT_TRUE(ctx.terminate);
  EXPECT_EQ(ctx.terminate_status, 403);
}

TEST_F(HostFunctions, TerminateIsRefusedInTheResponsePhase) {
  ctx.phase = Phase::Response;
  EXPECT_EQ(g.env("request_terminate", {403}), -1);
  EXPECT_FALSE(ctx.terminate);
}

TEST_F(HostFunctions, HeaderInjectionIsRefused) {
  for (const char* fn : {"response_set_header", "response_add_header", "request_set_header", "request_add_header"}) {
    SCOPED_TRACE(fn);
    EXPECT_EQ(set_header(fn, "X-A", "v\r\nSet-Cookie: evil=1"), -1);
    EXPECT_EQ(set_header(fn, "X-A", "v\nx"), -1);
    EXPECT_EQ(set_header(fn, "X-A", "v\rx"), -1);
    EXPECT_EQ(set_header(fn, "X-A", std::string_view("v\0x", 3)), -1);
    EXPECT_EQ(set_header(fn, "X-A", "\xff\xfe"), -1);          // not UTF-8
    EXPECT_EQ(set_header(fn, "X-A\r\nEvil", "1"), -1);
    EXPECT_EQ(set_header(fn, "X A", "1"), -1);                 // not a token
    EXPECT_EQ(set_header(fn, "X:A", "1"), -1);
    EXPECT_EQ(set_header(fn, std::string_view("X\0", 2), "1"), -1);
    EXPECT_EQ(set_header(fn, "", "1"), -1);
    EXPECT_EQ(set_header(fn, "X-Ok", "caf\xc3\xa9 \t ok"), 0);  // UTF-8 and tab are fine
  }
  EXPECT_EQ(ctx.response.headers.size(), 2u);
  g.put(100, "Bad Name");
  EXPECT_EQ(g.env("response_remove_header", {100, 8}), -1);
  EXPECT_EQ(g.env("request_remove_header", {100, 8}), -1);
}

TEST_F(HostFunctions, LogIsCapturedOversizeAndInvalidDropped) {
  g.put(0, "hello log");
  g.env("log", {0, 9});
  ASSERT_EQ(ctx.logs.size(), 1u);
  EXPECT_EQ(ctx.logs[0].text, "hello log");
  EXPECT_EQ(ctx.logs[0].level, LogLevel::Info);
  g.env("log", {0, (64 << 10) + 1});  // oversize: 64 KiB + 1
  g.put(0, "\xc3\x28");
  g.env("log", {0, 2});  // invalid UTF-8
  g.env("log", {kMem - 1, 2});  // out of bounds
  EXPECT_EQ(ctx.logs.size(), 1u);
  EXPECT_EQ(ctx.logs_dropped, 3u);
  std::string exactly(64 << 10, 'a');
  g.put(0, exactly);
  g.env("log", {0, 64 << 10});
  EXPECT_EQ(ctx.logs.size(), 2u);
}

TEST_F(HostFunctions, LogTotalPerInvocationIsBounded) {
  ctx.limits.log_max_total_bytes = 100;
  ctx.limits.log_max_entries = 5;
  g.put(0, std::string(40, 'a'));
  for (int i = 0; i < 4; ++i) g.env("log", {0, 40});
  EXPECT_EQ(ctx.logs.size(), 2u);
  EXPECT_EQ(ctx.logs_dropped, 2u);
  for (int i = 0; i < 10; ++i) g.env("log", {0, 0});
  EXPECT_EQ(ctx.logs.size(), 5u);
}

TEST_F(HostFunctions, NoContextMeansMinusOne) {
  DirectCaller bare(nullptr);
  EXPECT_EQ(bare.env("request_get_method", {}), -1);
  EXPECT_EQ(bare.env("response_set_status", {200}), -1);
  EXPECT_EQ(bare.env("get_shared_buffer", {0, 0, 0}), -1);
  bare.env("log", {0, 1});  // ignored, no crash
}

// Every env function that takes guest pointers, with each (ptr, len) pair pushed out of bounds in turn.
struct PtrCase {
  const char* name;
  int nargs;
  std::vector<std::pair<int, int>> pairs;  // (ptr index, len index)
};

TEST_F(HostFunctions, OutOfBoundsPointersReturnMinusOneForEveryFunction) {
  MemoryKvStore kv;
  ctx.kv = &kv;
  ctx.kv_namespace = "m";
  const std::vector<PtrCase> cases = {
      {"request_get_header", 2, {{0, 1}}},
      {"response_set_header", 4, {{0, 1}, {2, 3}}},
      {"response_add_header", 4, {{0, 1}, {2, 3}}},
      {"response_remove_header", 2, {{0, 1}}},
      {"response_set_body", 2, {{0, 1}}},
      {"cache_get", 2, {{0, 1}}},
      {"cache_set", 5, {{0, 1}, {2, 3}}},
      {"http_get", 2, {{0, 1}}},
      {"http_post", 6, {{0, 1}, {2, 3}, {4, 5}}},
      {"http_put", 6, {{0, 1}, {2, 3}, {4, 5}}},
      {"http_delete", 2, {{0, 1}}},
      {"request_set_method", 2, {{0, 1}}},
      {"request_set_uri", 2, {{0, 1}}},
      {"request_set_header", 4, {{0, 1}, {2, 3}}},
      {"request_add_header", 4, {{0, 1}, {2, 3}}},
      {"request_remove_header", 2, {{0, 1}}},
      {"request_set_body", 2, {{0, 1}}},
      {"response_get_header", 2, {{0, 1}}},
  };
  // Valid defaults: every pointer at 0 pointing to "x-a" (3 bytes); the ttl (cache_set arg 4) is 60.
  g.put(0, "x-a");
  const std::vector<std::pair<int32_t, int32_t>> bad = {
      {kMem - 1, 2},        // runs one byte past the end
      {kMem, 1},            // starts at the end
      {-1, 2},              // 0xffffffff + 2 wraps in 32 bits
      {1, -1},              // length 0xffffffff
      {-16, 32},            // wraps back into range in 32 bits
      {static_cast<int32_t>(0x80000000), 0x7fffffff},
  };
  for (const auto& c : cases) {
    for (const auto& [pi, li] : c.pairs) {
      for (const auto& [ptr, len] : bad) {
        SCOPED_TRACE(std::string(c.name) + " pair " + std::to_string(pi) + " ptr=" + std::to_string(ptr) +
                     " len=" + std::to_string(len));
        std::vector<wasm::Val> args(c.nargs, wasm::Val::I32(0));
        for (const auto& [p2, l2] : c.pairs) args[l2] = wasm::Val::I32(3);
        if (std::string(c.name) == "cache_set") args[4] = wasm::Val::I32(60);
        args[pi] = wasm::Val::I32(ptr);
        args[li] = wasm::Val::I32(len);
        const auto* f = find_import(edge_function_imports(), "env", c.name);
        ASSERT_NE(f, nullptr);
        const uint32_t before = ctx.total_host_calls();
        wasm::Val result[1];
        f->callback(g, args.data(), result, f->fn_data);
        EXPECT_EQ(result[0].i32, -1);
        EXPECT_EQ(ctx.total_host_calls(), before + 1);
      }
    }
  }
  // log has no result: out-of-bounds messages are dropped.
  for (const auto& [ptr, len] : bad) g.env("log", {ptr, len});
  EXPECT_TRUE(ctx.logs.empty());
  EXPECT_EQ(ctx.logs_dropped, bad.size());
  // Nothing was changed by the refused calls.
  EXPECT_TRUE(ctx.response.headers.empty());
  EXPECT_FALSE(ctx.response.body_set);
  EXPECT_FALSE(ctx.request_modified.any());
  EXPECT_EQ(kv.stats().entries, 0u);
  EXPECT_FALSE(ctx.errors.empty());
  EXPECT_LE(ctx.errors.size(), ctx.limits.max_recorded_errors);
  EXPECT_GT(ctx.errors_dropped, 0u);
}

TEST_F(HostFunctions, EachCallCountsUnderItsOwnName) {
  for (std::size_t i = 0; i < kHostCallCount; ++i) {
    const auto call = static_cast<HostCall>(i);
    std::string_view full = host_call_name(call);
    const auto dot = full.find('.');
    const std::string module(full.substr(0, dot)), name(full.substr(dot + 1));
    const auto* f = find_import(edge_function_imports(), module, name);
    ASSERT_NE(f, nullptr) << full;
    std::vector<wasm::Val> args;
    for (auto t : f->type.params) args.push_back(t == wasm::ValType::I64 ? wasm::Val::I64(0) : wasm::Val::I32(0));
    // fd 99 for fd_* (refused, harmless); zero-length everything else.
    if (module == "wasi_snapshot_preview1" && name.rfind("fd_", 0) == 0) args[0] = wasm::Val::I32(99);
    InvocationContext fresh;
    DirectCaller c(&fresh);
    wasm::Val result[1];
    f->callback(c, args.data(), result, f->fn_data);
    EXPECT_EQ(fresh.calls(call), 1u) << full;
    EXPECT_EQ(fresh.total_host_calls(), 1u) << full;
  }
}

// ---- key-value ----
struct ManualClock {
  std::chrono::steady_clock::time_point t{std::chrono::hours(1)};
};

TEST_F(HostFunctions, CacheGetSetAndTtlExpiry) {
  ManualClock clock;
  MemoryKvOptions opts;
  opts.max_total_bytes = 1 << 20;
  opts.shards = 4;
  opts.now = [&] { return clock.t; };
  MemoryKvStore kv(opts);
  ctx.kv = &kv;
  ctx.kv_namespace = "module-a";
  g.put(0, "session:42");
  g.put(100, "value-42");
  EXPECT_EQ(g.env("cache_get", {0, 10}), -1);  // miss
  EXPECT_EQ(g.env("cache_set", {0, 10, 100, 8, 30}), 0);
  EXPECT_EQ(fetch(g.env("cache_get", {0, 10})), "value-42");
  clock.t += std::chrono::seconds(29);
  EXPECT_EQ(g.env("cache_get", {0, 10}), 8);
  clock.t += std::chrono::seconds(1);
  EXPECT_EQ(g.env("cache_get", {0, 10}), -1);  // expired at 30 s
  // ttl 0: no expiry
  EXPECT_EQ(g.env("cache_set", {0, 10, 100, 8, 0}), 0);
  clock.t += std::chrono::hours(24 * 365);
  EXPECT_EQ(g.env("cache_get", {0, 10}), 8);
  // Another module's namespace does not see it.
  InvocationContext other;
  other.kv = &kv;
  other.kv_namespace = "module-b";
  DirectCaller g2(&other);
  g2.put(0, "session:42");
  EXPECT_EQ(g2.env("cache_get", {0, 10}), -1);
}

TEST_F(HostFunctions, CacheSizeLimits) {
  MemoryKvStore kv;
  ctx.kv = &kv;
  DirectCaller big(&ctx, 3 << 20);
  big.put(0, std::string(257, 'k'));
  EXPECT_EQ(big.env("cache_set", {0, 257, 1024, 1, 10}), -1);  // key 257 B
  EXPECT_EQ(big.env("cache_get", {0, 257}), -1);
  EXPECT_EQ(big.env("cache_set", {0, 256, 1024, 1, 10}), 0);  // key 256 B
  EXPECT_EQ(big.env("cache_get", {0, 256}), 1);
  EXPECT_EQ(big.env("cache_set", {0, 10, 1024, (1 << 20) + 1, 10}), -1);  // value 1 MiB + 1
  EXPECT_EQ(big.env("cache_set", {0, 10, 1024, 1 << 20, 10}), 0);        // value 1 MiB
  EXPECT_EQ(big.env("cache_get", {0, 10}), 1 << 20);
  big.put(0, "\xff\xfe");
  EXPECT_EQ(big.env("cache_set", {0, 2, 1024, 1, 10}), -1);  // key not UTF-8
  bool found = false;
  for (const auto& e : ctx.errors) found |= e.find("exceeds the 1048576-byte limit") != std::string::npos;
  EXPECT_TRUE(found);
}

TEST_F(HostFunctions, CacheWithoutStoreIsMinusOne) {
  g.put(0, "k");
  EXPECT_EQ(g.env("cache_set", {0, 1, 0, 1, 10}), -1);
  EXPECT_EQ(g.env("cache_get", {0, 1}), -1);
}

// ---- extensions ----
TEST_F(HostFunctions, RequestMutationSetsModifiedFlags) {
  EXPECT_FALSE(ctx.request_modified.any());
  g.put(0, "PUT");
  EXPECT_EQ(g.env("request_set_method", {0, 3}), 0);
  EXPECT_EQ(ctx.request.method, "PUT");
  EXPECT_TRUE(ctx.request_modified.method);
  EXPECT_FALSE(ctx.request_modified.uri);
  g.put(0, "/v2/items?x=%20");
  EXPECT_EQ(g.env("request_set_uri", {0, 15}), 0);
  EXPECT_EQ(ctx.request.uri, "/v2/items?x=%20");
  EXPECT_EQ(set_header("request_set_header", "x-dup", "c"), 0);
  EXPECT_EQ(set_header("request_add_header", "X-New", "1"), 0);
  g.put(100, "user-agent");
  EXPECT_EQ(g.env("request_remove_header", {100, 10}), 0);
  EXPECT_EQ(ctx.request.headers, (HeaderList{{"Host", "example.com"}, {"x-dup", "c"}, {"X-New", "1"}}));
  EXPECT_TRUE(ctx.request_modified.headers);
  EXPECT_FALSE(ctx.request_modified.body);
  g.put(0, "new body");
  EXPECT_EQ(g.env("request_set_body", {0, 8}), 0);
  EXPECT_EQ(ctx.request.body, "new body");
  EXPECT_TRUE(ctx.request_modified.body);
}

// Every header change records the field's name (once, any case) so the node applies only those fields; a removal
// that removed nothing records nothing. Response names are recorded in the response phase.
TEST_F(HostFunctions, HeaderChangesRecordTheChangedNames) {
  auto names = [](const HeaderNames& n) {
    std::vector<std::string> out;
    n.for_each([&](std::string_view name) { out.emplace_back(name); });
    return out;
  };
  EXPECT_TRUE(ctx.changed_request_headers.empty());
  EXPECT_EQ(set_header("request_set_header", "X-Dup", "c"), 0);
  EXPECT_EQ(set_header("request_add_header", "x-new", "1"), 0);
  EXPECT_EQ(set_header("request_add_header", "X-NEW", "2"), 0);
  g.put(100, "absent");
  EXPECT_EQ(g.env("request_remove_header", {100, 6}), 0);
  g.put(100, "user-agent");
  EXPECT_EQ(g.env("request_remove_header", {100, 10}), 0);
  EXPECT_EQ(set_header("request_set_header", "Bad Name", "1"), -1);  // refused: not recorded
  EXPECT_EQ(names(ctx.changed_request_headers), (std::vector<std::string>{"X-Dup", "x-new", "user-agent"}));
  EXPECT_TRUE(ctx.changed_request_headers.contains("USER-AGENT"));
  EXPECT_FALSE(ctx.changed_request_headers.contains("host"));
  EXPECT_TRUE(ctx.changed_response_headers.empty());

  // Request phase: the response is built from nothing (all of it applies), so no names are recorded.
  EXPECT_EQ(set_header("response_set_header", "X-Built", "1"), 0);
  EXPECT_TRUE(ctx.changed_response_headers.empty());

  ctx.phase = Phase::Response;
  EXPECT_EQ(set_header("response_set_header", "X-A", "1"), 0);
  EXPECT_EQ(set_header("response_add_header", "x-b", "1"), 0);
  g.put(100, "x-a");
  EXPECT_EQ(g.env("response_remove_header", {100, 3}), 0);
  g.put(100, "x-never");
  EXPECT_EQ(g.env("response_remove_header", {100, 7}), 0);
  EXPECT_EQ(names(ctx.changed_response_headers), (std::vector<std::string>{"X-A", "x-b"}));
  EXPECT_EQ(names(ctx.changed_request_headers).size(), 3u);
}

// The table-driven validators against the RFC 9110 definitions, byte by byte and inside longer strings.
TEST(TextTest, TokenAndHeaderValueValidationForEveryByte) {
  const std::string_view tchar_specials = "!#$%&'*+-.^_`|~";
  for (int c = 0; c < 256; ++c) {
    SCOPED_TRACE(c);
    const char ch = static_cast<char>(c);
    const bool tchar = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       tchar_specials.find(ch) != std::string_view::npos;
    EXPECT_EQ(text::is_token(std::string(1, ch)), tchar);
    EXPECT_EQ(text::is_token("x-long-header-name" + std::string(1, ch) + "-tail"), tchar);
    // A value: anything but CR, LF and NUL in ASCII; bytes >= 0x80 only as part of valid UTF-8.
    const bool value_ok = c != '\r' && c != '\n' && c != 0 && c < 0x80;
    EXPECT_EQ(text::is_header_value(std::string(1, ch)), value_ok);
    EXPECT_EQ(text::is_header_value("some value " + std::string(1, ch) + " more"), value_ok);
  }
  EXPECT_FALSE(text::is_token(""));
  EXPECT_TRUE(text::is_header_value(""));
  EXPECT_TRUE(text::is_header_value("caf\xc3\xa9 \t \x7f ok"));
  EXPECT_FALSE(text::is_header_value("caf\xc3 ok"));          // truncated sequence
  EXPECT_FALSE(text::is_header_value("\xed\xa0\x80"));       // surrogate
  EXPECT_FALSE(text::is_header_value("\xc3\xa9\r\n"));        // UTF-8 and CR LF
}

// Deferred request headers: set/add only record their edit (the loader is not called); the first read loads the
// headers and replays the edits, so every read sees what it would have with the headers filled in up front.
TEST_F(HostFunctions, DeferredRequestHeadersLoadOnFirstReadAndReplayEdits) {
  struct Source {
    HeaderList headers;
    int loads = 0;
  } source{ctx.request.headers, 0};
  ctx.request.headers.clear();
  ctx.defer_request_headers(
      [](const void* p, HeaderList& out) {
        auto* src = const_cast<Source*>(static_cast<const Source*>(p));
        ++src->loads;
        out = src->headers;
      },
      &source);
  EXPECT_EQ(set_header("request_set_header", "x-dup", "c"), 0);
  EXPECT_EQ(set_header("request_add_header", "X-New", "1"), 0);
  EXPECT_EQ(set_header("request_set_header", "Bad Name", "1"), -1);
  EXPECT_EQ(source.loads, 0);
  EXPECT_TRUE(ctx.request_headers_deferred());
  EXPECT_TRUE(ctx.request.headers.empty());
  EXPECT_TRUE(ctx.request_modified.headers);
  std::vector<std::string> edits;
  ctx.request_header_edits.for_each([&](bool add, std::string_view n, std::string_view v) {
    edits.push_back(std::string(add ? "add " : "set ") + std::string(n) + "=" + std::string(v));
  });
  EXPECT_EQ(edits, (std::vector<std::string>{"set x-dup=c", "add X-New=1"}));
  EXPECT_TRUE(ctx.changed_request_headers.empty());  // recorded when the edits are applied to the loaded list

  g.put(100, "X-NEW");
  EXPECT_EQ(fetch(g.env("request_get_header", {100, 5})), "1");  // loads, then replays
  EXPECT_EQ(source.loads, 1);
  EXPECT_FALSE(ctx.request_headers_deferred());
  EXPECT_TRUE(ctx.request_header_edits.empty());
  EXPECT_EQ(ctx.request.headers,
            (HeaderList{{"Host", "example.com"}, {"User-Agent", "curl/8"}, {"x-dup", "c"}, {"X-New", "1"}}));
  EXPECT_TRUE(ctx.changed_request_headers.contains("x-dup"));
  EXPECT_TRUE(ctx.changed_request_headers.contains("x-new"));
  EXPECT_FALSE(ctx.changed_request_headers.contains("host"));
  EXPECT_EQ(set_header("request_add_header", "x-after", "2"), 0);  // now edits the list directly
  EXPECT_TRUE(ctx.changed_request_headers.contains("x-after"));
  EXPECT_EQ(ctx.request.headers.back(), (Header{"x-after", "2"}));
  EXPECT_EQ(source.loads, 1);

  // A removal reads the headers too (whether it removed anything decides request_modified).
  InvocationContext other;
  DirectCaller g2{&other, kMem};
  other.defer_request_headers([](const void* p, HeaderList& out) { out = static_cast<const Source*>(p)->headers; },
                              &source);
  g2.put(100, "user-agent");
  EXPECT_EQ(g2.env("request_remove_header", {100, 10}), 0);
  EXPECT_FALSE(other.request_headers_deferred());
  EXPECT_EQ(other.request.headers, (HeaderList{{"Host", "example.com"}, {"X-Dup", "a"}, {"x-dup", "b"}}));
  g2.put(100, "host");
  EXPECT_EQ(g2.env("request_get_header_names", {}), static_cast<int32_t>(std::string("[\"Host\",\"X-Dup\"]").size()));
}

// Edits are kept in order however many there are (the first few inline, then all on the heap), values included
// empty ones.
TEST(HeaderEditsTest, KeepsEveryEditInOrderPastTheInlineRoom) {
  HeaderEdits e;
  EXPECT_TRUE(e.empty());
  std::vector<std::string> want;
  for (int i = 0; i < 40; ++i) {
    const std::string name = "x-edit-" + std::to_string(i);
    const std::string value = i % 5 == 0 ? std::string() : std::string(static_cast<std::size_t>(i), 'v');
    e.record(i % 2 == 0, name, value);
    want.push_back(std::string(i % 2 == 0 ? "add " : "set ") + name + "=" + value);
    std::vector<std::string> got;
    e.for_each([&](bool add, std::string_view n, std::string_view v) {
      got.push_back(std::string(add ? "add " : "set ") + std::string(n) + "=" + std::string(v));
    });
    ASSERT_EQ(got, want) << "after " << i + 1 << " edits";
    EXPECT_FALSE(e.empty());
  }
  HeaderEdits moved = std::move(e);
  std::size_t n = 0;
  moved.for_each([&](bool, std::string_view, std::string_view) { ++n; });
  EXPECT_EQ(n, want.size());
}

TEST(HeaderNamesTest, AddMergeContainsKeepFirstSpellingAndOrder) {
  HeaderNames a, b;
  EXPECT_TRUE(a.empty());
  a.add("X-One");
  a.add("x-one");
  a.add("x-two");
  b.add("X-TWO");
  b.add("x-three");
  a.merge(b);
  std::vector<std::string> got;
  a.for_each([&](std::string_view n) { got.emplace_back(n); });
  EXPECT_EQ(got, (std::vector<std::string>{"X-One", "x-two", "x-three"}));
  EXPECT_TRUE(a.contains("X-THREE"));
  EXPECT_FALSE(a.contains("x-thre"));
  EXPECT_FALSE(a.contains("x-one-"));
  HeaderNames c;
  c.merge(b);
  got.clear();
  c.for_each([&](std::string_view n) { got.emplace_back(n); });
  EXPECT_EQ(got, (std::vector<std::string>{"X-TWO", "x-three"}));
  c.clear();
  EXPECT_TRUE(c.empty());
}

TEST_F(HostFunctions, RequestMutationValidates) {
  g.put(0, "GE T");
  EXPECT_EQ(g.env("request_set_method", {0, 4}), -1);
  EXPECT_EQ(g.env("request_set_method", {0, 0}), -1);
  for (std::string_view bad : {"no-slash", "/a b", "/a\r\nHost: x", "/caf\xc3\xa9", ""}) {
    g.put(0, bad);
    EXPECT_EQ(g.env("request_set_uri", {0, static_cast<int32_t>(bad.size())}), -1) << bad;
  }
  g.put(100, "absent");
  EXPECT_EQ(g.env("request_remove_header", {100, 6}), 0);
  EXPECT_FALSE(ctx.request_modified.any());
}

TEST_F(HostFunctions, RequestMutationIsRefusedInTheResponsePhase) {
  ctx.phase = Phase::Response;
  g.put(0, "PUT");
  EXPECT_EQ(g.env("request_set_method", {0, 3}), -1);
  EXPECT_EQ(set_header("request_set_header", "a", "b"), -1);
  EXPECT_EQ(g.env("request_set_body", {0, 3}), -1);
  EXPECT_FALSE(ctx.request_modified.any());
  EXPECT_EQ(fetch(g.env("request_get_method", {})), "POST");  // reads still work
}

TEST_F(HostFunctions, ResponsePhaseReads) {
  EXPECT_EQ(g.env("response_get_status", {}), -1);
  ctx.phase = Phase::Response;
  ctx.response.status = 200;
  ctx.response.headers = {{"Content-Type", "text/html"}, {"Set-Cookie", "a=1"}, {"set-cookie", "b=2"}};
  ctx.response.body = "<html>";
  EXPECT_EQ(g.env("response_get_status", {}), 200);
  g.put(0, "content-TYPE");
  EXPECT_EQ(fetch(g.env("response_get_header", {0, 12})), "text/html");
  g.put(0, "nope");
  EXPECT_EQ(g.env("response_get_header", {0, 4}), -1);
  EXPECT_EQ(fetch(g.env("response_get_header_names", {})), R"(["Content-Type","Set-Cookie"])");
  EXPECT_EQ(fetch(g.env("response_get_body", {})), "<html>");
  EXPECT_EQ(g.env("response_set_status", {404}), 0);
  EXPECT_EQ(g.env("response_get_status", {}), 404);
}

// ---- WASI ----
TEST_F(HostFunctions, WasiFdWriteGoesToTheLog) {
  g.put(1000, "hello ");
  g.put(1010, "world\n");
  g.put(2000, std::string("\xe8\x03\x00\x00\x06\x00\x00\x00\xf2\x03\x00\x00\x06\x00\x00\x00", 16));  // two iovecs
  EXPECT_EQ(g.wasi("fd_write", {wasm::Val::I32(1), wasm::Val::I32(2000), wasm::Val::I32(2), wasm::Val::I32(3000)}), 0);
  EXPECT_EQ(*reinterpret_cast<uint32_t*>(g.memory().data() + 3000), 12u);
  EXPECT_EQ(g.wasi("fd_write", {wasm::Val::I32(2), wasm::Val::I32(2000), wasm::Val::I32(1), wasm::Val::I32(3000)}), 0);
  ASSERT_EQ(ctx.logs.size(), 2u);
  EXPECT_EQ(ctx.logs[0].text, "hello world");
  EXPECT_EQ(ctx.logs[0].level, LogLevel::Info);
  EXPECT_EQ(ctx.logs[1].text, "hello ");
  EXPECT_EQ(ctx.logs[1].level, LogLevel::Error);
  EXPECT_EQ(g.wasi("fd_write", {wasm::Val::I32(3), wasm::Val::I32(2000), wasm::Val::I32(1), wasm::Val::I32(3000)}), 8);
  EXPECT_EQ(g.wasi("fd_write", {wasm::Val::I32(1), wasm::Val::I32(kMem - 4), wasm::Val::I32(1), wasm::Val::I32(3000)}), 21);
  EXPECT_EQ(g.wasi("fd_write", {wasm::Val::I32(1), wasm::Val::I32(2000), wasm::Val::I32(0x20000000), wasm::Val::I32(3000)}), 21);
  EXPECT_EQ(g.wasi("fd_write", {wasm::Val::I32(1), wasm::Val::I32(2000), wasm::Val::I32(1), wasm::Val::I32(kMem - 2)}), 21);
  g.put(2100, std::string("\xfc\xff\x00\x00\x10\x00\x00\x00", 8));  // iovec pointing past the end
  EXPECT_EQ(g.wasi("fd_write", {wasm::Val::I32(1), wasm::Val::I32(2100), wasm::Val::I32(1), wasm::Val::I32(3000)}), 21);
  EXPECT_EQ(ctx.logs.size(), 2u);
}

TEST_F(HostFunctions, WasiEnvironArgsClockRandomProcExit) {
  g.put(0, std::string(8, '\x7f'));
  EXPECT_EQ(g.wasi("environ_sizes_get", {wasm::Val::I32(0), wasm::Val::I32(4)}), 0);
  EXPECT_EQ(g.get(0, 8), std::string(8, '\0'));
  g.put(0, std::string(8, '\x7f'));
  EXPECT_EQ(g.wasi("args_sizes_get", {wasm::Val::I32(0), wasm::Val::I32(4)}), 0);
  EXPECT_EQ(g.get(0, 8), std::string(8, '\0'));
  EXPECT_EQ(g.wasi("environ_sizes_get", {wasm::Val::I32(kMem - 2), wasm::Val::I32(4)}), 21);
  EXPECT_EQ(g.wasi("environ_get", {wasm::Val::I32(0), wasm::Val::I32(0)}), 0);
  EXPECT_EQ(g.wasi("args_get", {wasm::Val::I32(0), wasm::Val::I32(0)}), 0);

  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_EQ(g.wasi("clock_time_get", {wasm::Val::I32(0), wasm::Val::I64(1000), wasm::Val::I32(16)}), 0);
  const int64_t real = *reinterpret_cast<int64_t*>(g.memory().data() + 16);
  EXPECT_LT(std::llabs(real - now_ns), int64_t{3600} * 1000000000);  // same hour: it is wall-clock time
  EXPECT_EQ(g.wasi("clock_time_get", {wasm::Val::I32(1), wasm::Val::I64(0), wasm::Val::I32(24)}), 0);
  const uint64_t m1 = *reinterpret_cast<uint64_t*>(g.memory().data() + 24);
  EXPECT_EQ(g.wasi("clock_time_get", {wasm::Val::I32(1), wasm::Val::I64(0), wasm::Val::I32(24)}), 0);
  EXPECT_GE(*reinterpret_cast<uint64_t*>(g.memory().data() + 24), m1);
  EXPECT_EQ(g.wasi("clock_time_get", {wasm::Val::I32(7), wasm::Val::I64(0), wasm::Val::I32(24)}), 28);
  EXPECT_EQ(g.wasi("clock_time_get", {wasm::Val::I32(0), wasm::Val::I64(0), wasm::Val::I32(kMem - 4)}), 21);

  EXPECT_EQ(g.wasi("random_get", {wasm::Val::I32(100), wasm::Val::I32(64)}), 0);
  const std::string r1 = g.get(100, 64);
  EXPECT_EQ(g.wasi("random_get", {wasm::Val::I32(100), wasm::Val::I32(64)}), 0);
  EXPECT_NE(g.get(100, 64), r1);
  EXPECT_NE(r1, std::string(64, '\0'));
  EXPECT_EQ(g.wasi("random_get", {wasm::Val::I32(kMem - 10), wasm::Val::I32(64)}), 21);
  EXPECT_EQ(g.wasi("sched_yield", {}), 0);

  EXPECT_FALSE(g.exited);
  g.wasi("proc_exit", {wasm::Val::I32(3)});
  EXPECT_TRUE(g.exited);
  EXPECT_EQ(g.exit_code, 3);
  EXPECT_EQ(ctx.exit_code, 3);
}

TEST_F(HostFunctions, WasiStdioLooksLikeATerminal) {
  EXPECT_EQ(g.wasi("fd_fdstat_get", {wasm::Val::I32(1), wasm::Val::I32(64)}), 0);
  EXPECT_EQ(g.memory()[64], 2);  // character device
  const uint64_t rights = *reinterpret_cast<uint64_t*>(g.memory().data() + 72);
  EXPECT_EQ(rights & (1u << 2 | 1u << 5), 0u);  // no seek / tell
  EXPECT_EQ(g.wasi("fd_fdstat_get", {wasm::Val::I32(5), wasm::Val::I32(64)}), 8);
  EXPECT_EQ(g.wasi("fd_fdstat_get", {wasm::Val::I32(1), wasm::Val::I32(kMem - 8)}), 21);
  EXPECT_EQ(g.wasi("fd_seek", {wasm::Val::I32(1), wasm::Val::I64(0), wasm::Val::I32(0), wasm::Val::I32(0)}), 70);
  EXPECT_EQ(g.wasi("fd_seek", {wasm::Val::I32(9), wasm::Val::I64(0), wasm::Val::I32(0), wasm::Val::I32(0)}), 8);
  EXPECT_EQ(g.wasi("fd_close", {wasm::Val::I32(9)}), 8);
}

}  // namespace
}  // namespace aegis::hostapi
