// The import lists are the host ABI: exact module, name and signature of every function (HOST-ABI.md).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "hostapi/abi.h"
#include "hostapi/invocation.h"

namespace aegis::hostapi {
namespace {

using wasm::FuncType;
using wasm::ValType;
constexpr ValType I32 = ValType::I32;
constexpr ValType I64 = ValType::I64;

std::map<std::string, FuncType> as_map(std::span<const wasm::HostFunction> list) {
  std::map<std::string, FuncType> m;
  for (const auto& f : list) {
    EXPECT_NE(f.callback, nullptr) << f.name;
    EXPECT_TRUE(m.emplace(f.module + "." + f.name, f.type).second) << "duplicate " << f.name;
  }
  return m;
}

const std::map<std::string, FuncType>& reference_env() {
  static const std::map<std::string, FuncType> m = {
      {"env.log", {{I32, I32}, {}}},
      {"env.get_shared_buffer", {{I32, I32, I32}, {I32}}},
      {"env.request_get_method", {{}, {I32}}},
      {"env.request_get_uri", {{}, {I32}}},
      {"env.request_get_header", {{I32, I32}, {I32}}},
      {"env.request_get_header_names", {{}, {I32}}},
      {"env.request_get_body", {{}, {I32}}},
      {"env.response_set_status", {{I32}, {I32}}},
      {"env.response_set_header", {{I32, I32, I32, I32}, {I32}}},
      {"env.response_add_header", {{I32, I32, I32, I32}, {I32}}},
      {"env.response_remove_header", {{I32, I32}, {I32}}},
      {"env.response_set_body", {{I32, I32}, {I32}}},
      {"env.request_terminate", {{I32}, {I32}}},
      {"env.cache_get", {{I32, I32}, {I32}}},
      {"env.cache_set", {{I32, I32, I32, I32, I32}, {I32}}},
      {"env.http_get", {{I32, I32}, {I32}}},
      {"env.http_post", {{I32, I32, I32, I32, I32, I32}, {I32}}},
      {"env.http_put", {{I32, I32, I32, I32, I32, I32}, {I32}}},
      {"env.http_delete", {{I32, I32}, {I32}}},
  };
  return m;
}

const std::map<std::string, FuncType>& wasi() {
  static const std::map<std::string, FuncType> m = {
      {"wasi_snapshot_preview1.fd_write", {{I32, I32, I32, I32}, {I32}}},
      {"wasi_snapshot_preview1.fd_close", {{I32}, {I32}}},
      {"wasi_snapshot_preview1.fd_seek", {{I32, I64, I32, I32}, {I32}}},
      {"wasi_snapshot_preview1.fd_fdstat_get", {{I32, I32}, {I32}}},
      {"wasi_snapshot_preview1.environ_get", {{I32, I32}, {I32}}},
      {"wasi_snapshot_preview1.environ_sizes_get", {{I32, I32}, {I32}}},
      {"wasi_snapshot_preview1.args_get", {{I32, I32}, {I32}}},
      {"wasi_snapshot_preview1.args_sizes_get", {{I32, I32}, {I32}}},
      {"wasi_snapshot_preview1.proc_exit", {{I32}, {}}},
      {"wasi_snapshot_preview1.clock_time_get", {{I32, I64, I32}, {I32}}},
      {"wasi_snapshot_preview1.clock_res_get", {{I32, I32}, {I32}}},
      {"wasi_snapshot_preview1.random_get", {{I32, I32}, {I32}}},
      {"wasi_snapshot_preview1.sched_yield", {{}, {I32}}},
  };
  return m;
}

TEST(AbiLists, EdgeListHasEveryReferenceFunctionWithTheExactSignature) {
  auto edge = as_map(edge_function_imports());
  for (const auto& [name, type] : reference_env()) {
    auto it = edge.find(name);
    ASSERT_NE(it, edge.end()) << name;
    EXPECT_EQ(it->second, type) << name;
  }
  for (const auto& [name, type] : wasi()) {
    auto it = edge.find(name);
    ASSERT_NE(it, edge.end()) << name;
    EXPECT_EQ(it->second, type) << name;
  }
}

TEST(AbiLists, EdgeListHasTheExtensions) {
  auto edge = as_map(edge_function_imports());
  const std::map<std::string, FuncType> ext = {
      {"env.request_set_method", {{I32, I32}, {I32}}},
      {"env.request_set_uri", {{I32, I32}, {I32}}},
      {"env.request_set_header", {{I32, I32, I32, I32}, {I32}}},
      {"env.request_add_header", {{I32, I32, I32, I32}, {I32}}},
      {"env.request_remove_header", {{I32, I32}, {I32}}},
      {"env.request_set_body", {{I32, I32}, {I32}}},
      {"env.response_get_status", {{}, {I32}}},
      {"env.response_get_header", {{I32, I32}, {I32}}},
      {"env.response_get_header_names", {{}, {I32}}},
      {"env.response_get_body", {{}, {I32}}},
      {"env.http_get_status", {{}, {I32}}},
  };
  for (const auto& [name, type] : ext) {
    auto it = edge.find(name);
    ASSERT_NE(it, edge.end()) << name;
    EXPECT_EQ(it->second, type) << name;
  }
  EXPECT_EQ(edge.size(), reference_env().size() + ext.size() + wasi().size());
}

TEST(AbiLists, WafListIsLogPlusWasi) {
  auto waf = as_map(waf_module_imports());
  EXPECT_EQ(waf.size(), 1 + wasi().size());
  ASSERT_TRUE(waf.count("env.log"));
  EXPECT_EQ(waf["env.log"], reference_env().at("env.log"));
  for (const auto& [name, type] : wasi()) EXPECT_EQ(waf.at(name), type);
  EXPECT_FALSE(waf.count("env.http_get"));
}

TEST(AbiLists, BotListIsWasiOnly) {
  auto bot = as_map(bot_module_imports());
  EXPECT_EQ(bot, wasi());
}

TEST(AbiLists, EveryHostCallHasAUniqueNameMatchingTheEdgeList) {
  auto edge = as_map(edge_function_imports());
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kHostCallCount; ++i) {
    auto n = host_call_name(static_cast<HostCall>(i));
    EXPECT_TRUE(names.insert(n).second) << n;
    EXPECT_TRUE(edge.count(std::string(n))) << n;
  }
  EXPECT_EQ(names.size(), edge.size());
}

}  // namespace
}  // namespace aegis::hostapi
