// Loading untrusted module bytes: parse, validate imports against a host ABI, cap memory and tables, inject the
// instrumentation of ../instrumentation.h, and compute the content id. No engine involved: the result's bytes
// are what Engine::compile() receives.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wasm/engine.h"

namespace aegis::wasm {

struct PrepareLimits {
  uint32_t max_memory_pages = 800;      // 50 MiB / 64 KiB; a module whose initial memory exceeds it is refused
  uint32_t max_table_entries = 10000;
  bool instrument_fuel = true;
  // Value the injected fuel global starts with, i.e. the budget of the start function (if any) during
  // instantiation. The host sets the budget of every call with __aegis_fuel_set.
  int64_t initial_fuel = 10'000'000;
};

struct ModuleExport {
  std::string name;
  enum class Kind : uint8_t { Function, Table, Memory, Global } kind = Kind::Function;
  FuncType type;  // for functions
  // False when the function's signature uses types FuncType cannot express (v128, funcref, externref); `type` is
  // then empty and the host cannot call it.
  bool type_supported = true;
};

struct ModuleImport {
  std::string module, name;
  FuncType type;
};

struct PreparedModule {
  std::vector<uint8_t> bytes;          // rewritten module, ready for Engine::compile
  std::string cid;                     // content id of the ORIGINAL bytes (see cid.h)
  std::vector<ModuleImport> imports;   // function imports (all matched the allowed list)
  std::vector<ModuleExport> exports;   // the guest's own exports (injected __aegis_* ones not listed)
  bool has_memory = false;
  uint32_t initial_pages = 0;
  uint32_t max_pages = 0;              // after capping
  bool fuel_instrumented = false;
  // False when the module can change state a snapshot cannot restore (table.set/grow/fill/copy/init, elem.drop,
  // data.drop): such modules get a fresh instance per invocation instead of a reset.
  bool resettable = true;

  bool imports_function(std::string_view module, std::string_view name) const;
  const ModuleExport* find_export(std::string_view name) const;
};

struct PrepareError {
  std::string message;  // names the offending import / figure / section, e.g.
                        // "import env.foo (i32) -> i32 is not part of the host ABI"
                        // "initial memory 1024 pages (64 MiB) exceeds the cap of 800 pages (50 MiB)"
};

// `allowed` is the host ABI: an import must match one entry by module, name and exact signature.
// Returns the prepared module or an error; never crashes on malformed input.
std::optional<PreparedModule> prepare_module(std::span<const uint8_t> bytes, std::span<const HostFunction> allowed,
                                             const PrepareLimits& limits, PrepareError* error);

}  // namespace aegis::wasm
