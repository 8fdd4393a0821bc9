// The host ABI from real Wasm modules: WAT fixtures and C programs built with clang --target=wasm32-wasi, loaded
// through prepare_module() (import check against our lists, fuel instrumentation) and run by the V8 engine.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "hostapi/abi.h"
#include "hostapi/curl_http_fetcher.h"
#include "hostapi/invocation.h"
#include "hostapi/memory_kv_store.h"
#include "local_http_server.h"
#include "wasm/engine.h"
#include "wasm/instrumentation.h"
#include "wasm/module/prepare.h"

// The process-wide V8 engine lives until exit by design (wasm/engine.h), so V8's own heap bookkeeping is still
// allocated when LeakSanitizer runs at exit; only allocations made inside libnode are exempted.
extern "C" const char* __lsan_default_suppressions() { return "leak:libnode.so\n"; }

namespace aegis::hostapi {
namespace {

using namespace std::chrono_literals;
using wasm::CallStatus;
using wasm::Val;

std::vector<uint8_t> read_module(const std::string& name) {
  std::ifstream f(std::string(AEGIS_WASM_DIR) + "/" + name + ".wasm", std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing fixture " << name;
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::optional<wasm::PreparedModule> prepare(const std::string& name, std::span<const wasm::HostFunction> list,
                                            std::string* error = nullptr) {
  wasm::PrepareError err;
  auto p = wasm::prepare_module(read_module(name), list, wasm::PrepareLimits{}, &err);
  if (error) *error = err.message;
  return p;
}

// One module loaded the way the node loads it: prepared, compiled, instantiated with the edge imports.
struct Guest {
  std::unique_ptr<wasm::Runtime> runtime;
  std::shared_ptr<const wasm::CompiledModule> compiled;
  std::unique_ptr<wasm::Instance> instance;
  bool fuel = false;

  explicit Guest(const std::string& name, std::span<const wasm::HostFunction> list = edge_function_imports()) {
    auto prepared = prepare(name, list);
    if (!prepared) {
      ADD_FAILURE() << "prepare_module refused " << name;
      return;
    }
    fuel = prepared->fuel_instrumented;
    std::string error;
    compiled = wasm::engine().compile(prepared->bytes, &error);
    if (!compiled) {
      ADD_FAILURE() << "compile " << name << ": " << error;
      return;
    }
    runtime = wasm::engine().create_runtime();
    instance = runtime->instantiate(*compiled, list, {}, &error);
    if (!instance) ADD_FAILURE() << "instantiate " << name << ": " << error;
  }

  wasm::CallOutcome call(std::string_view fn, std::initializer_list<Val> args, Val* result, InvocationContext* ctx) {
    wasm::CallOptions o;
    o.deadline = 10s;  // generous: only a guard against a hang
    o.user_data = ctx;
    if (fuel) {
      Val budget = Val::I64(1'000'000'000);
      EXPECT_EQ(instance->call(wasm::inject::kFuelSet, std::span<const Val>(&budget, 1), {}, o).status, CallStatus::Ok);
    }
    return instance->call(fn, std::span<const Val>(args.begin(), args.size()),
                          std::span<Val>(result, result ? 1 : 0), o);
  }
  // Calls an export returning i32 and expects a normal return.
  int32_t i32(std::string_view fn, std::initializer_list<Val> args, InvocationContext& ctx) {
    Val r = Val::I32(0x7eadbeef);
    auto out = call(fn, args, &r, &ctx);
    EXPECT_EQ(out.status, CallStatus::Ok) << fn << ": " << out.message;
    return r.i32;
  }
  void put(uint32_t ptr, std::string_view s) { std::memcpy(instance->memory().data() + ptr, s.data(), s.size()); }
  std::string get(uint32_t ptr, uint32_t len) {
    return std::string(reinterpret_cast<const char*>(instance->memory().data() + ptr), len);
  }
};

InvocationContext sample_request() {
  InvocationContext ctx;
  ctx.request.method = "GET";
  ctx.request.uri = "/products/42?color=red";
  ctx.request.headers = {{"Host", "shop.example"}, {"User-Agent", "Mozilla/5.0 test"}};
  return ctx;
}

TEST(HostApiEngine, PrepareAcceptsModulesAgainstTheRightLists) {
  std::string error;
  EXPECT_TRUE(prepare("hostapi_edge_abi", edge_function_imports(), &error)) << error;
  EXPECT_TRUE(prepare("hostapi_wasi_abi", edge_function_imports(), &error)) << error;
  EXPECT_TRUE(prepare("hostapi_wasi_abi", waf_module_imports(), &error)) << error;
  EXPECT_TRUE(prepare("hostapi_wasi_abi", bot_module_imports(), &error)) << error;
  EXPECT_TRUE(prepare("hostapi_edge_printf", edge_function_imports(), &error)) << error;
  EXPECT_TRUE(prepare("hostapi_command_exit", bot_module_imports(), &error)) << error;
  // A WAF module may not use the edge-only functions; the error names the import.
  EXPECT_FALSE(prepare("hostapi_edge_abi", waf_module_imports(), &error));
  EXPECT_NE(error.find("env."), std::string::npos) << error;
  EXPECT_FALSE(prepare("hostapi_edge_printf", bot_module_imports(), &error));
  EXPECT_NE(error.find("env."), std::string::npos) << error;
}

TEST(HostApiEngine, RequestContextAccessAndCaseInsensitiveHeader) {
  Guest g("hostapi_edge_abi");
  ASSERT_TRUE(g.instance);
  auto ctx = sample_request();
  EXPECT_EQ(g.i32("echo", {}, ctx), 0);
  EXPECT_EQ(ctx.response.status, 200);
  EXPECT_EQ(ctx.response.body, "/products/42?color=red");
  EXPECT_EQ(ctx.response.headers, (HeaderList{{"x-ua", "Mozilla/5.0 test"}}));  // looked up as "user-agent"
  EXPECT_EQ(ctx.shared_buffer, "Mozilla/5.0 test");  // the result data: last shared-buffer content
  EXPECT_FALSE(ctx.terminate);
  EXPECT_EQ(ctx.calls(HostCall::GetSharedBuffer), 2u);
}

TEST(HostApiEngine, ResponseManipulationEarlyTerminationAndSetCookies) {
  Guest g("hostapi_edge_abi");
  ASSERT_TRUE(g.instance);
  auto ctx = sample_request();
  EXPECT_EQ(g.i32("block", {}, ctx), 0);
  EXPECT_TRUE(ctx.terminate);
  EXPECT_EQ(ctx.terminate_status, 403);
  EXPECT_EQ(ctx.response.status, 403);
  EXPECT_EQ(ctx.response.body, "blocked by edge");
  EXPECT_EQ(ctx.response.headers, (HeaderList{{"content-type", "text/plain"},
                                              {"set-cookie", "a=1; Path=/"},
                                              {"set-cookie", "b=2; Secure"}}));
}

TEST(HostApiEngine, SharedBufferOverflowRejected) {
  Guest g("hostapi_edge_abi");
  ASSERT_TRUE(g.instance);
  auto ctx = sample_request();
  EXPECT_EQ(g.i32("overflow", {}, ctx), -1);
  EXPECT_EQ(g.i32("t_get_shared_buffer", {Val::I32(100), Val::I32(-1), Val::I32(2)}, ctx), -1);
  EXPECT_EQ(g.i32("t_get_shared_buffer", {Val::I32(-2), Val::I32(0), Val::I32(3)}, ctx), -1);
  EXPECT_EQ(g.i32("t_get_shared_buffer", {Val::I32(100), Val::I32(0), Val::I32(3)}, ctx), 3);
  EXPECT_EQ(g.get(100, 3), "GET");
}

TEST(HostApiEngine, OutOfBoundsArgumentsToEveryHostFunctionReturnMinusOne) {
  Guest g("hostapi_edge_abi");
  ASSERT_TRUE(g.instance);
  MemoryKvStore kv;
  CurlHttpFetcher http;
  auto ctx = sample_request();
  ctx.kv = &kv;
  ctx.http = &http;
  const int32_t mem = static_cast<int32_t>(g.instance->memory().size());
  // (export, arity, (ptr index, len index) pairs)
  struct Case {
    const char* fn;
    int arity;
    std::vector<std::pair<int, int>> pairs;
  };
  const std::vector<Case> cases = {
      {"t_get_shared_buffer", 3, {{0, 2}}},
      {"t_request_get_header", 2, {{0, 1}}},
      {"t_response_set_header", 4, {{0, 1}, {2, 3}}},
      {"t_response_add_header", 4, {{0, 1}, {2, 3}}},
      {"t_response_remove_header", 2, {{0, 1}}},
      {"t_response_set_body", 2, {{0, 1}}},
      {"t_cache_get", 2, {{0, 1}}},
      {"t_cache_set", 5, {{0, 1}, {2, 3}}},
      {"t_http_get", 2, {{0, 1}}},
      {"t_http_post", 6, {{0, 1}, {2, 3}, {4, 5}}},
      {"t_http_put", 6, {{0, 1}, {2, 3}, {4, 5}}},
      {"t_http_delete", 2, {{0, 1}}},
      {"t_request_set_method", 2, {{0, 1}}},
      {"t_request_set_uri", 2, {{0, 1}}},
      {"t_request_set_header", 4, {{0, 1}, {2, 3}}},
      {"t_request_add_header", 4, {{0, 1}, {2, 3}}},
      {"t_request_remove_header", 2, {{0, 1}}},
      {"t_request_set_body", 2, {{0, 1}}},
      {"t_response_get_header", 2, {{0, 1}}},
  };
  const std::vector<std::pair<int32_t, int32_t>> bad = {{mem - 1, 2}, {mem, 1}, {-1, 2}, {1, -1}, {-16, 32},
                                                        {INT32_MIN, INT32_MAX}};
  g.i32("t_request_get_method", {}, ctx);  // shared buffer = "GET"
  for (const auto& c : cases) {
    for (const auto& [pi, li] : c.pairs) {
      for (const auto& [ptr, len] : bad) {
        SCOPED_TRACE(std::string(c.fn) + " ptr=" + std::to_string(ptr) + " len=" + std::to_string(len));
        std::vector<Val> args(c.arity, Val::I32(0));
        for (const auto& [p2, l2] : c.pairs) args[l2] = Val::I32(1);
        if (std::string(c.fn) == "t_cache_set") args[4] = Val::I32(60);
        args[pi] = Val::I32(ptr);
        args[li] = Val::I32(len);
        Val r = Val::I32(0x7eadbeef);
        wasm::CallOptions o;
        o.user_data = &ctx;
        o.deadline = 10s;
        if (g.fuel) {
          Val budget = Val::I64(1'000'000'000);
          g.instance->call(wasm::inject::kFuelSet, std::span<const Val>(&budget, 1), {}, o);
        }
        auto out = g.instance->call(c.fn, args, std::span<Val>(&r, 1), o);
        ASSERT_EQ(out.status, CallStatus::Ok) << out.message;
        EXPECT_EQ(r.i32, -1);
      }
    }
  }
  // log: dropped, no result.
  for (const auto& [ptr, len] : bad) EXPECT_EQ(g.call("t_log", {Val::I32(ptr), Val::I32(len)}, nullptr, &ctx).status, CallStatus::Ok);
  EXPECT_TRUE(ctx.logs.empty());
  EXPECT_TRUE(ctx.response.headers.empty());
  EXPECT_FALSE(ctx.request_modified.any());
  // The instance is still perfectly usable afterwards.
  EXPECT_EQ(g.i32("echo", {}, ctx), 0);
  EXPECT_EQ(ctx.response.body, "/products/42?color=red");
}

TEST(HostApiEngine, MemoryGrowthIsSeenByHostFunctions) {
  Guest g("hostapi_edge_abi");
  ASSERT_TRUE(g.instance);
  InvocationContext ctx;
  EXPECT_EQ(g.i32("t_response_set_body", {Val::I32(70000), Val::I32(5)}, ctx), -1);
  EXPECT_EQ(g.i32("t_grow", {Val::I32(1)}, ctx), 1);
  g.put(70000, "grown");
  EXPECT_EQ(g.i32("t_response_set_body", {Val::I32(70000), Val::I32(5)}, ctx), 0);
  EXPECT_EQ(ctx.response.body, "grown");
  // Oversize log (64 KiB + 1) is dropped; exactly 64 KiB is kept.
  g.put(0, std::string(65537, 'L'));
  g.call("t_log", {Val::I32(0), Val::I32(65537)}, nullptr, &ctx);
  EXPECT_TRUE(ctx.logs.empty());
  EXPECT_EQ(ctx.logs_dropped, 1u);
  g.call("t_log", {Val::I32(0), Val::I32(65536)}, nullptr, &ctx);
  ASSERT_EQ(ctx.logs.size(), 1u);
  EXPECT_EQ(ctx.logs[0].text.size(), 65536u);
}

TEST(HostApiEngine, HeaderInjectionAndStatusRangeRefused) {
  Guest g("hostapi_edge_abi");
  ASSERT_TRUE(g.instance);
  InvocationContext ctx;
  g.put(1000, "X-Test");
  g.put(1100, "ok\r\nSet-Cookie: pwned=1");
  g.put(1200, std::string("a\0b", 3));
  EXPECT_EQ(g.i32("t_response_set_header", {Val::I32(1000), Val::I32(6), Val::I32(1100), Val::I32(23)}, ctx), -1);
  EXPECT_EQ(g.i32("t_response_add_header", {Val::I32(1000), Val::I32(6), Val::I32(1200), Val::I32(3)}, ctx), -1);
  EXPECT_EQ(g.i32("t_response_add_header", {Val::I32(1100), Val::I32(4), Val::I32(1000), Val::I32(6)}, ctx), -1);  // name "ok\r\n"
  EXPECT_EQ(g.i32("t_response_add_header", {Val::I32(1100), Val::I32(2), Val::I32(1000), Val::I32(6)}, ctx), 0);   // name "ok"
  EXPECT_EQ(ctx.response.headers, (HeaderList{{"ok", "X-Test"}}));
  EXPECT_EQ(g.i32("t_response_set_status", {Val::I32(99)}, ctx), -1);
  EXPECT_EQ(g.i32("t_response_set_status", {Val::I32(600)}, ctx), -1);
  EXPECT_EQ(g.i32("t_request_terminate", {Val::I32(600)}, ctx), -1);
  EXPECT_FALSE(ctx.response.status);
  EXPECT_FALSE(ctx.terminate);
}

TEST(HostApiEngine, KvThroughTheGuestPersistsAcrossInvocations) {
  Guest g("hostapi_edge_abi");
  ASSERT_TRUE(g.instance);
  MemoryKvStore kv;
  for (int i = 0; i < 3; ++i) {
    InvocationContext ctx;
    ctx.kv = &kv;
    ctx.kv_namespace = "counter-module";
    EXPECT_EQ(g.i32("counter", {}, ctx), i);
  }
  EXPECT_EQ(kv.get("counter-module", "x-ua")->size(), 4u);
  // A different namespace starts from zero.
  InvocationContext other;
  other.kv = &kv;
  other.kv_namespace = "another-module";
  EXPECT_EQ(g.i32("counter", {}, other), 0);
}

TEST(HostApiEngine, OutboundHttpWithCapAndTimeout) {
  test::LocalHttpServer server;
  CurlHttpFetcher http;
  Guest g("hostapi_edge_abi", edge_function_imports());
  ASSERT_TRUE(g.instance);
  InvocationContext ctx;
  ctx.http = &http;
  auto get = [&](const std::string& path) {
    const std::string u = server.url(path);
    g.put(2000, u);
    return g.i32("t_http_get", {Val::I32(2000), Val::I32(static_cast<int32_t>(u.size()))}, ctx);
  };
  EXPECT_EQ(get("/hello"), 5);
  EXPECT_EQ(g.i32("t_get_shared_buffer", {Val::I32(3000), Val::I32(0), Val::I32(5)}, ctx), 5);
  EXPECT_EQ(g.get(3000, 5), "hello");
  EXPECT_EQ(g.i32("t_http_get_status", {}, ctx), 200);
  EXPECT_EQ(get("/bytes/1048577"), -1);
  ctx.limits.http_timeout = 300ms;
  EXPECT_EQ(get("/slow"), -1);
  const std::string u = server.url("/echo");
  g.put(2000, u);
  g.put(2500, "k=v");
  g.put(2600, "application/x-www-form-urlencoded");
  const int32_t ul = static_cast<int32_t>(u.size());
  EXPECT_EQ(g.i32("t_http_post", {Val::I32(2000), Val::I32(ul), Val::I32(2500), Val::I32(3), Val::I32(2600), Val::I32(33)}, ctx),
            42);
  EXPECT_EQ(ctx.shared_buffer, "POST application/x-www-form-urlencoded k=v");
}

TEST(HostApiEngine, RequestMutationAndResponsePhaseReads) {
  Guest g("hostapi_edge_abi");
  ASSERT_TRUE(g.instance);
  auto ctx = sample_request();
  g.put(1000, "/rewritten?x=1");
  EXPECT_EQ(g.i32("t_request_set_uri", {Val::I32(1000), Val::I32(14)}, ctx), 0);
  g.put(1100, "x-edge");
  g.put(1200, "yes");
  EXPECT_EQ(g.i32("t_request_set_header", {Val::I32(1100), Val::I32(6), Val::I32(1200), Val::I32(3)}, ctx), 0);
  EXPECT_EQ(ctx.request.uri, "/rewritten?x=1");
  EXPECT_TRUE(ctx.request_modified.uri);
  EXPECT_TRUE(ctx.request_modified.headers);
  EXPECT_FALSE(ctx.request_modified.method);

  InvocationContext resp;
  resp.phase = Phase::Response;
  resp.request = ctx.request;
  resp.response.status = 502;
  resp.response.headers = {{"Server", "origin"}};
  resp.response.body = "bad gateway";
  EXPECT_EQ(g.i32("t_response_get_status", {}, resp), 502);
  EXPECT_EQ(g.i32("t_response_get_body", {}, resp), 11);
  EXPECT_EQ(g.i32("t_response_get_header_names", {}, resp), 10);
  EXPECT_EQ(resp.shared_buffer, "[\"Server\"]");
  EXPECT_EQ(g.i32("t_request_set_uri", {Val::I32(1000), Val::I32(14)}, resp), -1);
}

TEST(HostApiEngine, ContextFollowsEachCall) {
  Guest g("hostapi_edge_abi");
  ASSERT_TRUE(g.instance);
  auto a = sample_request();
  InvocationContext b;
  b.request.uri = "/other";
  EXPECT_EQ(g.i32("t_request_get_uri", {}, a), 22);
  EXPECT_EQ(g.i32("t_request_get_uri", {}, b), 6);
  EXPECT_EQ(a.shared_buffer, "/products/42?color=red");
  EXPECT_EQ(b.shared_buffer, "/other");
  // No context at all: -1, no crash.
  Val r;
  auto out = g.call("t_request_get_uri", {}, &r, nullptr);
  EXPECT_EQ(out.status, CallStatus::Ok);
  EXPECT_EQ(r.i32, -1);
}

// ---- WASI ----
TEST(HostApiEngine, WasiFdWriteAndProcExitZero) {
  Guest g("hostapi_wasi_abi", waf_module_imports());
  ASSERT_TRUE(g.instance);
  InvocationContext ctx;
  Val r;
  auto out = g.call("hello", {}, &r, &ctx);
  EXPECT_EQ(out.status, CallStatus::HostExit) << out.message;
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(ctx.exit_code, 0);
  ASSERT_EQ(ctx.logs.size(), 1u);
  EXPECT_EQ(ctx.logs[0].text, "hello from wasi");
  EXPECT_EQ(ctx.logs[0].level, LogLevel::Info);
  // Bad fd → EBADF; iovec out of bounds → EFAULT.
  EXPECT_EQ(g.i32("t_fd_write", {Val::I32(7), Val::I32(16), Val::I32(1), Val::I32(32)}, ctx), 8);
  EXPECT_EQ(g.i32("t_fd_write", {Val::I32(2), Val::I32(65530), Val::I32(1), Val::I32(32)}, ctx), 21);
  EXPECT_EQ(g.i32("t_fd_write", {Val::I32(2), Val::I32(16), Val::I32(1), Val::I32(32)}, ctx), 0);
  EXPECT_EQ(ctx.logs.back().level, LogLevel::Error);
}

TEST(HostApiEngine, WasiProcExitNonZeroAndClockRandomEnviron) {
  Guest g("hostapi_wasi_abi", bot_module_imports());
  ASSERT_TRUE(g.instance);
  InvocationContext ctx;
  auto out = g.call("t_proc_exit", {Val::I32(5)}, nullptr, &ctx);
  EXPECT_EQ(out.status, CallStatus::HostExit);
  EXPECT_EQ(out.exit_code, 5);
  EXPECT_EQ(g.i32("t_clock_time_get", {Val::I32(0), Val::I64(1), Val::I32(256)}, ctx), 0);
  uint64_t t;
  std::memcpy(&t, g.instance->memory().data() + 256, 8);
  EXPECT_GT(t, uint64_t{1704067200} * 1000000000);  // after 2024-01-01
  EXPECT_EQ(g.i32("t_clock_time_get", {Val::I32(1), Val::I64(1), Val::I32(264)}, ctx), 0);
  EXPECT_EQ(g.i32("t_clock_time_get", {Val::I32(1), Val::I64(1), Val::I32(65535)}, ctx), 21);
  EXPECT_EQ(g.i32("t_random_get", {Val::I32(512), Val::I32(32)}, ctx), 0);
  EXPECT_NE(g.get(512, 32), std::string(32, '\0'));
  g.put(600, std::string(8, '\x55'));
  EXPECT_EQ(g.i32("t_environ_sizes_get", {Val::I32(600), Val::I32(604)}, ctx), 0);
  EXPECT_EQ(g.get(600, 8), std::string(8, '\0'));
  EXPECT_EQ(g.i32("t_args_sizes_get", {Val::I32(600), Val::I32(65534)}, ctx), 21);
  EXPECT_EQ(g.i32("t_sched_yield", {}, ctx), 0);
}

TEST(HostApiEngine, CModuleUsingPrintfRuns) {
  Guest g("hostapi_edge_printf");
  ASSERT_TRUE(g.instance);
  InvocationContext init;
  if (g.instance->has_function("_initialize")) {
    auto out = g.call("_initialize", {}, nullptr, &init);
    ASSERT_EQ(out.status, CallStatus::Ok) << out.message;
  }
  auto ctx = sample_request();
  ctx.request.uri = "/c/path";
  EXPECT_EQ(g.i32("handle", {}, ctx), 0);
  EXPECT_EQ(ctx.response.status, 200);
  EXPECT_EQ(ctx.response.body, "C saw /c/path");
  ASSERT_EQ(ctx.logs.size(), 2u) << (ctx.errors.empty() ? "" : ctx.errors[0]);
  EXPECT_EQ(ctx.logs[0].text, "hello from C: uri=/c/path year>=2024:1 env=empty");
  EXPECT_EQ(ctx.logs[0].level, LogLevel::Info);
  EXPECT_EQ(ctx.logs[1].text, "warning: 42");
  EXPECT_EQ(ctx.logs[1].level, LogLevel::Error);
  EXPECT_GE(ctx.calls(HostCall::WasiRandomGet), 1u);
  EXPECT_GE(ctx.calls(HostCall::WasiClockTimeGet), 1u);
  // Second invocation on the same instance: line-buffered stdout flushes per line again.
  InvocationContext again = sample_request();
  EXPECT_EQ(g.i32("handle", {}, again), 0);
  EXPECT_EQ(again.logs.size(), 2u);
}

TEST(HostApiEngine, CCommandExitCodeViaProcExit) {
  Guest g("hostapi_command_exit", bot_module_imports());
  ASSERT_TRUE(g.instance);
  InvocationContext ctx;
  auto out = g.call("_start", {}, nullptr, &ctx);
  EXPECT_EQ(out.status, CallStatus::HostExit) << out.message;
  EXPECT_EQ(out.exit_code, 3);
  ASSERT_EQ(ctx.logs.size(), 1u);
  EXPECT_EQ(ctx.logs[0].text, "command says hi");
}

}  // namespace
}  // namespace aegis::hostapi
