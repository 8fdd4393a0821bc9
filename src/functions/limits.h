// Per-module execution limits for untrusted Wasm code (edge functions, WAF modules). The defaults are the
// reference design's figures (docs HOST-ABI.md, "Limits"); configuration overrides any field per module.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "hostapi/invocation.h"
#include "wasm/module/prepare.h"

namespace aegis::functions {

inline constexpr std::size_t kWasmPageBytes = 64 * 1024;
inline constexpr std::size_t kKiB = 1024;
inline constexpr std::size_t kMiB = 1024 * 1024;

struct FunctionLimits {
  // Wall-clock deadline of one invocation (the entry call; instantiation of a fresh instance gets the same budget).
  // Zero = no deadline.
  std::chrono::milliseconds deadline{50};
  // Linear-memory cap (rounded down to whole 64 KiB pages). Applied when the module is loaded: an initial memory
  // above it is a load error, `memory.grow` past it returns -1.
  std::size_t memory_bytes = 50 * kMiB;
  // Instruction budget per invocation. Zero = fuel off: the module is not instrumented at load and only the
  // deadline stops a runaway loop.
  uint64_t fuel = 5'000'000;
  // Table entries, declared and after table.grow.
  uint32_t max_table_entries = 10'000;

  // Outbound HTTP (http_get/post/put/delete).
  std::chrono::milliseconds http_timeout{5000};
  std::size_t http_max_response_bytes = 1 * kMiB;
  std::size_t http_max_request_body_bytes = 1 * kMiB;
  // Key-value store (cache_get/cache_set).
  std::size_t kv_max_key_bytes = 256;
  std::size_t kv_max_value_bytes = 1 * kMiB;
  // One log message (longer is dropped).
  std::size_t log_max_bytes = 64 * kKiB;
  // One get_shared_buffer copy.
  std::size_t shared_buffer_read_max_bytes = 10 * kMiB;
  // Result data / response body a module may produce.
  std::size_t result_max_bytes = 50 * kMiB;

  // The reference defaults for an edge function: 50 ms, 50 MiB, 5,000,000 fuel.
  static FunctionLimits edge_function() { return FunctionLimits{}; }
  // The reference defaults for a WAF module: 10 ms, 10 MiB, 2,000,000 fuel, 10 MiB result.
  static FunctionLimits waf_module() {
    FunctionLimits l;
    l.deadline = std::chrono::milliseconds(10);
    l.memory_bytes = 10 * kMiB;
    l.fuel = 2'000'000;
    l.result_max_bytes = 10 * kMiB;
    return l;
  }

  // The wall-clock deadline a call actually gets. A module that makes outbound calls (EdgeModule::needs_blocking)
  // waits on the network inside the call, so its deadline is extended by one outbound timeout; its CPU use stays
  // bounded by fuel. Zero stays zero (no deadline).
  std::chrono::milliseconds deadline_for(bool blocking) const {
    return deadline.count() == 0 || !blocking ? deadline : deadline + http_timeout;
  }

  bool fuel_enabled() const { return fuel != 0; }
  uint32_t memory_pages() const { return static_cast<uint32_t>(memory_bytes / kWasmPageBytes); }

  // What the module loader needs from these limits.
  wasm::PrepareLimits prepare_limits() const {
    wasm::PrepareLimits p;
    p.max_memory_pages = memory_pages();
    p.max_table_entries = max_table_entries;
    p.instrument_fuel = fuel_enabled();
    // The start function runs at instantiation, before the host can set a budget: it gets the same one.
    if (fuel_enabled())
      p.initial_fuel = fuel > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(fuel);
    return p;
  }

  // What the host functions enforce: copied into the InvocationContext of every invocation (fields the
  // FunctionLimits do not cover, e.g. http_max_calls, are left as the caller set them).
  void apply_to(hostapi::HostLimits& h) const {
    h.kv_max_key_bytes = kv_max_key_bytes;
    h.kv_max_value_bytes = kv_max_value_bytes;
    h.http_timeout = http_timeout;
    h.http_max_response_bytes = http_max_response_bytes;
    h.http_max_request_body_bytes = http_max_request_body_bytes;
    h.log_max_message_bytes = log_max_bytes;
    h.shared_buffer_max_read_bytes = shared_buffer_read_max_bytes;
  }
};

}  // namespace aegis::functions
