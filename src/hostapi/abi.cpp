#include "hostapi/abi.h"

#include <vector>

#include "hostapi/host_call.h"

namespace aegis::hostapi {

std::span<const wasm::HostFunction> edge_function_imports() {
  static const std::vector<wasm::HostFunction> list = [] {
    std::vector<wasm::HostFunction> v;
    detail::append_env_log(v);
    detail::append_env_reference(v);
    detail::append_env_extensions(v);
    detail::append_wasi(v);
    return v;
  }();
  return list;
}

std::span<const wasm::HostFunction> waf_module_imports() {
  static const std::vector<wasm::HostFunction> list = [] {
    std::vector<wasm::HostFunction> v;
    detail::append_env_log(v);
    detail::append_wasi(v);
    return v;
  }();
  return list;
}

std::span<const wasm::HostFunction> bot_module_imports() { return wasi_imports(); }

std::span<const wasm::HostFunction> wasi_imports() {
  static const std::vector<wasm::HostFunction> list = [] {
    std::vector<wasm::HostFunction> v;
    detail::append_wasi(v);
    return v;
  }();
  return list;
}

const wasm::HostFunction* find_import(std::span<const wasm::HostFunction> list, std::string_view module,
                                      std::string_view name) {
  for (const auto& f : list)
    if (f.module == module && f.name == name) return &f;
  return nullptr;
}

}  // namespace aegis::hostapi
