// Calls host functions the way the engine does (callback + Caller + args/results), against a plain byte vector as
// guest memory. Used for the exhaustive argument-validation tests; the engine tests (engine_test.cpp) run the same
// functions from real Wasm modules.
#pragma once

#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "hostapi/abi.h"
#include "hostapi/invocation.h"
#include "wasm/engine.h"

namespace aegis::hostapi::test {

class DirectCaller final : public wasm::Caller {
 public:
  explicit DirectCaller(InvocationContext* ctx, std::size_t memory_bytes = 65536) : memory_(memory_bytes), ctx_(ctx) {}

  std::span<uint8_t> memory() override { return memory_; }
  void* user_data() override { return ctx_; }
  void exit(int32_t code, std::string_view message) override {
    exited = true;
    exit_code = code;
    exit_message.assign(message);
  }

  // Writes bytes into guest memory at `ptr`; returns ptr.
  uint32_t put(uint32_t ptr, std::string_view bytes) {
    std::memcpy(memory_.data() + ptr, bytes.data(), bytes.size());
    return ptr;
  }
  std::string get(uint32_t ptr, uint32_t len) const {
    return std::string(reinterpret_cast<const char*>(memory_.data() + ptr), len);
  }

  // Invoke `module.name` from the given list with i32 (or mixed) arguments; returns result[0].i32 (0 if none).
  int32_t call(std::string_view module, std::string_view name, std::initializer_list<wasm::Val> args,
               std::span<const wasm::HostFunction> list = edge_function_imports()) {
    const wasm::HostFunction* f = find_import(list, module, name);
    if (!f) throw std::runtime_error("no host function " + std::string(module) + "." + std::string(name));
    if (args.size() != f->type.params.size()) throw std::runtime_error("arity mismatch for " + std::string(name));
    std::size_t i = 0;
    for (const auto& a : args)
      if (a.type != f->type.params[i++]) throw std::runtime_error("type mismatch for " + std::string(name));
    wasm::Val results[1];
    results[0] = wasm::Val::I32(0x7eadbeef);
    f->callback(*this, args.begin(), results, f->fn_data);
    return f->type.results.empty() ? 0 : results[0].i32;
  }
  int32_t env(std::string_view name, std::initializer_list<int32_t> args) {
    std::vector<wasm::Val> v;
    for (int32_t a : args) v.push_back(wasm::Val::I32(a));
    return call_vec("env", name, v);
  }
  int32_t wasi(std::string_view name, std::initializer_list<wasm::Val> args) {
    return call("wasi_snapshot_preview1", name, args);
  }

  bool exited = false;
  int32_t exit_code = 0;
  std::string exit_message;

 private:
  int32_t call_vec(std::string_view module, std::string_view name, const std::vector<wasm::Val>& v) {
    const wasm::HostFunction* f = find_import(edge_function_imports(), module, name);
    if (!f) throw std::runtime_error("no host function " + std::string(name));
    if (v.size() != f->type.params.size()) throw std::runtime_error("arity mismatch for " + std::string(name));
    wasm::Val results[1];
    results[0] = wasm::Val::I32(0x7eadbeef);
    f->callback(*this, v.data(), results, f->fn_data);
    return f->type.results.empty() ? 0 : results[0].i32;
  }

  std::vector<uint8_t> memory_;
  InvocationContext* ctx_;
};

}  // namespace aegis::hostapi::test
