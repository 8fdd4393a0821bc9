// The parsed structure of a module, as far as preparation needs it. Spans point into the caller's input bytes,
// which must outlive the Module. parse_module() checks framing (section order, sizes, counts, LEB128, UTF-8 names)
// and throws binary::DecodeError on anything malformed; full type checking is left to the engine.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::wasm::ir {

// Value types by their binary encoding.
enum : uint8_t { kI32 = 0x7f, kI64 = 0x7e, kF32 = 0x7d, kF64 = 0x7c, kV128 = 0x7b, kFuncRef = 0x70, kExternRef = 0x6f };

enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3, Tag = 4 };

struct Signature {
  std::vector<uint8_t> params, results;
};

struct Limits {
  uint8_t flags = 0;  // as encoded: bit0 max present, bit1 shared, bit2 64-bit
  uint64_t initial = 0;
  std::optional<uint64_t> max;
  bool shared() const { return flags & 2; }
  bool is64() const { return flags & 4; }
};

struct Import {
  std::string_view module, name;
  ExternKind kind = ExternKind::Func;
  uint32_t type_index = 0;  // functions
};

struct Table {
  uint8_t ref_type = kFuncRef;
  Limits limits;
};

struct Global {
  uint8_t type = kI32;
  bool is_mutable = false;
  std::span<const uint8_t> init;  // constant expression including its final `end`
};

struct Export {
  std::string_view name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
};

struct Section {
  uint8_t id = 0;
  std::span<const uint8_t> payload;
  std::size_t payload_offset = 0;  // in the module
  std::string_view custom_name;    // id 0 only
};

struct FunctionBody {
  std::span<const uint8_t> bytes;  // locals + code, without the size prefix
  std::size_t offset = 0;          // of bytes[0] in the module
};

struct Module {
  std::vector<Section> sections;  // every section in input order
  std::vector<Signature> types;
  std::vector<Import> imports;
  std::vector<uint32_t> imported_function_types;  // type index per imported function
  uint32_t imported_functions = 0, imported_tables = 0, imported_memories = 0, imported_globals = 0;
  std::vector<uint32_t> function_types;  // type index per defined function
  std::vector<Table> tables;             // defined
  std::vector<Limits> memories;          // defined
  std::vector<Global> globals;           // defined
  std::vector<Export> exports;
  std::vector<FunctionBody> code;

  uint32_t total_functions() const { return imported_functions + static_cast<uint32_t>(function_types.size()); }
  // Signature of function `index` (imports first), or nullptr if out of range.
  const Signature* function_signature(uint32_t index) const;
};

Module parse_module(std::span<const uint8_t> bytes);

// True if a "name" custom section payload is well-formed for a module with `total_functions` functions.
bool name_section_ok(std::span<const uint8_t> payload, std::size_t payload_offset, uint32_t total_functions);

std::string_view val_type_name(uint8_t t);
std::string signature_text(const Signature& s);  // "(i32, i32) -> i32", "() -> ()", "(i32) -> (i32, i64)"

}  // namespace aegis::wasm::ir
