// Shared helpers for the engine tests: load a fixture module built from wat/ and compile it.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "wasm/engine.h"

namespace aegis::wasm::test {

inline std::vector<uint8_t> read_wasm(const std::string& name) {
  std::ifstream f(std::string(AEGIS_WASM_DIR) + "/" + name + ".wasm", std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing fixture " << name;
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline std::shared_ptr<const CompiledModule> compile_fixture(const std::string& name) {
  std::vector<uint8_t> bytes = read_wasm(name);
  std::string error;
  auto m = engine().compile(bytes, &error);
  EXPECT_TRUE(m) << name << ": " << error;
  return m;
}

inline std::unique_ptr<Instance> instantiate(Runtime& rt, const CompiledModule& m,
                                             std::span<const HostFunction> imports = {}) {
  std::string error;
  auto inst = rt.instantiate(m, imports, {}, &error);
  EXPECT_TRUE(inst) << error;
  return inst;
}

inline CallOutcome call(Instance& inst, std::string_view name, std::initializer_list<Val> args, Val* results = nullptr,
                        std::size_t n_results = 0, std::chrono::nanoseconds deadline = {}, void* user_data = nullptr) {
  CallOptions o;
  o.deadline = deadline;
  o.user_data = user_data;
  return inst.call(name, std::span<const Val>(args.begin(), args.size()), std::span<Val>(results, n_results), o);
}

inline int32_t call_i32(Instance& inst, std::string_view name, std::initializer_list<Val> args = {}) {
  Val r;
  CallOutcome out = call(inst, name, args, &r, 1);
  EXPECT_EQ(out.status, CallStatus::Ok) << name << ": " << out.message;
  return r.i32;
}

}  // namespace aegis::wasm::test
