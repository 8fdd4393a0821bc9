// What the engine needs to know about a module that V8's public API does not expose: export signatures (for
// argument checks in Instance::call), whether the module defines mutable globals (reset needs the injected
// save/restore exports then) and whether its memory is exported. A small, bounds-checked reader of the binary
// format; the module has already been validated by the loader and is validated again by V8 at compile.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "wasm/engine.h"

namespace aegis::wasm::v8impl {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct ImportInfo {
  std::string module, name;
  FuncType type;
  bool supported = true;  // false when the signature uses a type Val cannot carry
};

struct ModuleInfo {
  std::vector<ImportInfo> function_imports;
  // Exported functions by name → signature.
  std::unordered_map<std::string, FuncType, StringHash, std::equal_to<>> function_exports;
  uint32_t mutable_globals = 0;   // defined + imported mutable globals
  bool defines_memory = false;    // memory section or imported memory
  bool memory_exported = false;   // exported as "memory"
};

// Parses the sections above. Returns nullopt (with a reason) on malformed input.
std::optional<ModuleInfo> read_module_info(std::span<const uint8_t> wasm, std::string* error);

}  // namespace aegis::wasm::v8impl
