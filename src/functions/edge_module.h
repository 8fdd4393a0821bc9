// Loading an edge function: bytes (or a file) → prepare_module (host-ABI import check, memory/table caps, fuel
// instrumentation) → Engine::compile → an immutable EdgeModule shared by every worker thread.
//
// An EdgeModule is compiled once per process and never changes; FunctionRunner instantiates it per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "functions/limits.h"
#include "wasm/engine.h"
#include "wasm/module/prepare.h"

namespace aegis::functions {

inline constexpr std::string_view kDefaultEntry = "handle_request";

struct EdgeModule {
  std::string cid;    // content id of the original bytes (CIDv1 raw sha2-256, "bafkrei...")
  std::string path;   // file it came from ("" when loaded from bytes)
  std::vector<wasm::ModuleExport> exports;  // the guest's own exports
  std::vector<wasm::ModuleImport> imports;  // its function imports (all part of the host ABI)
  bool has_memory = false;
  uint32_t initial_pages = 0;
  uint32_t max_pages = 0;                   // after capping to the memory limit
  bool fuel_instrumented = false;
  // Imports any of env.http_get/post/put/delete: its invocations block on the network and must run on the
  // BlockingExecutor, never on an event-loop thread.
  bool needs_blocking = false;
  // Imports env.cache_get/cache_set. With a remote key-value store (Redis) those calls block too, so the caller
  // should route such modules to the BlockingExecutor as well (the in-memory store does not block).
  bool uses_kv = false;
  // The module's state can be snapshotted and restored (see PreparedModule::resettable); otherwise every
  // invocation gets a fresh instance.
  bool resettable = true;
  // Opt-in: keep one instance per thread across invocations without resetting it (state carries over from one
  // request to the next on that thread). Default off: every invocation starts from the post-initialisation state.
  bool persistent = false;
  // WASI reactor: exports `_initialize`, which is called once after instantiation, before any entry.
  bool has_initialize = false;
  std::size_t original_size = 0;  // bytes of the module as loaded
  std::shared_ptr<const wasm::CompiledModule> compiled;

  const wasm::ModuleExport* find_export(std::string_view name) const;
  // "" if `entry` is an exported function `() -> i32`, else a message naming it and saying what is wrong.
  std::string check_entry(std::string_view entry) const;
  // Names of every export usable as an entry point (function () -> i32).
  std::vector<std::string> entry_points() const;
};

struct LoadOptions {
  FunctionLimits limits = FunctionLimits::edge_function();  // memory cap, table cap, fuel on/off
  // Entry points the caller will invoke: each must be an exported `() -> i32` function, else the load fails with
  // a message naming it. Empty: not checked here (FunctionRunner::invoke reports a missing entry instead).
  std::vector<std::string> entries;
  bool persistent = false;
  // The host ABI the module may import from; empty = hostapi::edge_function_imports().
  std::span<const wasm::HostFunction> allowed_imports;
};

struct LoadResult {
  std::shared_ptr<const EdgeModule> module;
  std::string error;  // when !module: "<path>: <what is wrong>"
  explicit operator bool() const { return module != nullptr; }
};

LoadResult load_edge_module(std::span<const uint8_t> bytes, const LoadOptions& options = {},
                            std::string path = {});
LoadResult load_edge_module_file(const std::string& path, const LoadOptions& options = {});

}  // namespace aegis::functions
