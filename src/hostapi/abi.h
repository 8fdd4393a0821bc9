// The host ABIs offered to guest modules, as lists of wasm::HostFunction.
//
// These lists are both what Runtime::instantiate() links and the allowed-import lists prepare_module() checks a
// module against (module, name and exact signature). Every callback reads its InvocationContext from
// caller.user_data() (CallOptions::user_data); with no context, data functions return -1 and log is ignored.
// Every guest (ptr, len) pair is bounds-checked against caller.memory() with overflow-safe arithmetic: an
// out-of-bounds pair returns -1 (WASI: errno EFAULT), it never traps or crashes the host.
// Exact semantics: docs/host-abi.md.
#pragma once

#include <span>
#include <string_view>

#include "wasm/engine.h"

namespace aegis::hostapi {

inline constexpr std::string_view kEnvModule = "env";
inline constexpr std::string_view kWasiModule = "wasi_snapshot_preview1";

// Edge functions: every `env` function of the reference ABI, the AEGIS extensions (request mutation,
// response-phase reads, http_get_status) and the WASI preview1 subset.
std::span<const wasm::HostFunction> edge_function_imports();
// WAF modules: env.log and the WASI preview1 subset.
std::span<const wasm::HostFunction> waf_module_imports();
// Bot-detector modules: the WASI preview1 subset only.
std::span<const wasm::HostFunction> bot_module_imports();
// The WASI preview1 subset alone.
std::span<const wasm::HostFunction> wasi_imports();

// Lookup by module and name in one of the lists above (nullptr if absent).
const wasm::HostFunction* find_import(std::span<const wasm::HostFunction> list, std::string_view module,
                                      std::string_view name);

}  // namespace aegis::hostapi
