// prepare_module(): parse → check imports/exports/memory/tables → rewrite code → re-assemble the module.
// Existing indices never shift: injected types, globals and functions are appended after the module's own.
#include "wasm/module/prepare.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "wasm/instrumentation.h"
#include "wasm/module/binary.h"
#include "wasm/module/cid.h"
#include "wasm/module/instrument.h"
#include "wasm/module/module_ir.h"

namespace aegis::wasm {

bool PreparedModule::imports_function(std::string_view module, std::string_view name) const {
  return std::any_of(imports.begin(), imports.end(),
                     [&](const ModuleImport& i) { return i.module == module && i.name == name; });
}

const ModuleExport* PreparedModule::find_export(std::string_view name) const {
  for (const auto& e : exports) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

namespace {

using binary::fail;
using binary::Reader;
using binary::Writer;

constexpr uint32_t kMaxPages32 = 65536;  // 4 GiB of 64 KiB pages

uint8_t encode(ValType t) {
  switch (t) {
    case ValType::I32: return ir::kI32;
    case ValType::I64: return ir::kI64;
    case ValType::F32: return ir::kF32;
    case ValType::F64: return ir::kF64;
  }
  return 0;
}

bool decode(uint8_t b, ValType& out) {
  switch (b) {
    case ir::kI32: out = ValType::I32; return true;
    case ir::kI64: out = ValType::I64; return true;
    case ir::kF32: out = ValType::F32; return true;
    case ir::kF64: out = ValType::F64; return true;
    default: return false;
  }
}

ir::Signature to_signature(const FuncType& t) {
  ir::Signature s;
  for (auto v : t.params) s.params.push_back(encode(v));
  for (auto v : t.results) s.results.push_back(encode(v));
  return s;
}

bool to_func_type(const ir::Signature& s, FuncType& out) {
  out = {};
  for (auto b : s.params) {
    ValType v;
    if (!decode(b, v)) return false;
    out.params.push_back(v);
  }
  for (auto b : s.results) {
    ValType v;
    if (!decode(b, v)) return false;
    out.results.push_back(v);
  }
  return true;
}

bool same(const ir::Signature& a, const ir::Signature& b) { return a.params == b.params && a.results == b.results; }

std::string pages_text(uint64_t pages) {
  // 16 pages per MiB.
  char buf[96];
  if (pages % 16 == 0) {
    std::snprintf(buf, sizeof buf, "%llu pages (%llu MiB)", static_cast<unsigned long long>(pages),
                  static_cast<unsigned long long>(pages / 16));
  } else {
    std::snprintf(buf, sizeof buf, "%llu pages (%.2f MiB)", static_cast<unsigned long long>(pages),
                  static_cast<double>(pages) / 16.0);
  }
  return buf;
}

std::string qualified(const ir::Import& im) { return std::string(im.module) + "." + std::string(im.name); }

void check_imports(const ir::Module& m, std::span<const HostFunction> allowed, PreparedModule& out) {
  for (const auto& im : m.imports) {
    switch (im.kind) {
      case ir::ExternKind::Func: break;
      case ir::ExternKind::Memory:
        fail("import " + qualified(im) +
             " is a memory: imported memories are not allowed (the module must define and export its own)");
      case ir::ExternKind::Table: fail("import " + qualified(im) + " is a table: imported tables are not allowed");
      case ir::ExternKind::Global: fail("import " + qualified(im) + " is a global: imported globals are not allowed");
      case ir::ExternKind::Tag: fail("import " + qualified(im) + " is a tag: exception handling is not supported");
    }
    const ir::Signature& got = m.types[im.type_index];
    const HostFunction* same_name = nullptr;
    bool matched = false;
    for (const auto& h : allowed) {
      if (h.module != im.module || h.name != im.name) continue;
      same_name = &h;
      if (same(to_signature(h.type), got)) {
        matched = true;
        break;
      }
    }
    if (!matched) {
      if (same_name) {
        fail("import " + qualified(im) + " has the wrong signature: expected " +
             ir::signature_text(to_signature(same_name->type)) + ", got " + ir::signature_text(got));
      }
      fail("import " + qualified(im) + " " + ir::signature_text(got) + " is not part of the host ABI");
    }
    ModuleImport mi;
    mi.module = im.module;
    mi.name = im.name;
    to_func_type(got, mi.type);
    out.imports.push_back(std::move(mi));
  }
}

void check_exports(const ir::Module& m, PreparedModule& out) {
  for (const auto& e : m.exports) {
    if (e.name.substr(0, inject::kReservedPrefix.size()) == inject::kReservedPrefix) {
      fail("export \"" + std::string(e.name) + "\" uses the reserved prefix " + std::string(inject::kReservedPrefix));
    }
    ModuleExport me;
    me.name = e.name;
    switch (e.kind) {
      case ir::ExternKind::Func: {
        me.kind = ModuleExport::Kind::Function;
        const ir::Signature* sig = m.function_signature(e.index);
        me.type_supported = sig && to_func_type(*sig, me.type);
        if (!me.type_supported) me.type = {};
        break;
      }
      case ir::ExternKind::Table: me.kind = ModuleExport::Kind::Table; break;
      case ir::ExternKind::Memory: me.kind = ModuleExport::Kind::Memory; break;
      case ir::ExternKind::Global: me.kind = ModuleExport::Kind::Global; break;
      case ir::ExternKind::Tag: fail("export \"" + std::string(e.name) + "\" is a tag: not supported");
    }
    out.exports.push_back(std::move(me));
  }
}

void write_limits(Writer& w, uint8_t flags, uint64_t initial, std::optional<uint64_t> max) {
  w.u8(static_cast<uint8_t>((flags & ~1u) | (max ? 1 : 0)));
  w.u32(static_cast<uint32_t>(initial));
  if (max) w.u32(static_cast<uint32_t>(*max));
}

// Memory section with the capped maximum. Fills the memory figures of `out`.
std::vector<uint8_t> cap_memories(const ir::Module& m, const PrepareLimits& limits, PreparedModule& out) {
  if (m.memories.size() > 1) {
    fail("the module defines " + std::to_string(m.memories.size()) + " memories; at most one is allowed");
  }
  Writer w;
  w.u32(static_cast<uint32_t>(m.memories.size()));
  for (const auto& mem : m.memories) {
    if (mem.is64()) fail("memory64 is not supported");
    if (mem.shared()) fail("shared memory is not supported");
    const uint64_t cap = std::min<uint64_t>(limits.max_memory_pages, kMaxPages32);
    if (mem.initial > cap) {
      fail("initial memory " + pages_text(mem.initial) + " exceeds the cap of " + pages_text(cap));
    }
    if (mem.max && *mem.max < mem.initial) {
      fail("memory maximum " + pages_text(*mem.max) + " is below its initial size " + pages_text(mem.initial));
    }
    uint64_t max = mem.max ? std::min(*mem.max, cap) : cap;
    write_limits(w, mem.flags, mem.initial, max);
    out.has_memory = true;
    out.initial_pages = static_cast<uint32_t>(mem.initial);
    out.max_pages = static_cast<uint32_t>(max);
  }
  return std::move(w.out());
}

std::vector<uint8_t> cap_tables(const ir::Module& m, const PrepareLimits& limits) {
  Writer w;
  w.u32(static_cast<uint32_t>(m.tables.size()));
  const uint64_t cap = limits.max_table_entries;
  for (std::size_t i = 0; i < m.tables.size(); ++i) {
    const auto& t = m.tables[i];
    if (t.limits.is64() || t.limits.shared()) fail("table " + std::to_string(i) + " uses unsupported limits");
    if (t.limits.initial > cap) {
      fail("table " + std::to_string(i) + " initial size " + std::to_string(t.limits.initial) +
           " entries exceeds the cap of " + std::to_string(cap) + " entries");
    }
    if (t.limits.max && *t.limits.max < t.limits.initial) {
      fail("table " + std::to_string(i) + " maximum is below its initial size");
    }
    uint64_t max = t.limits.max ? std::min(*t.limits.max, cap) : cap;
    w.u8(t.ref_type);
    write_limits(w, t.limits.flags, t.limits.initial, max);
  }
  return std::move(w.out());
}

// A vector section (count + items) with `extra_count` items appended.
std::vector<uint8_t> append_to_vec(const ir::Section* s, uint32_t extra_count, std::span<const uint8_t> extra) {
  Writer w;
  if (!s) {
    w.u32(extra_count);
  } else {
    Reader r(s->payload, s->payload_offset);
    uint32_t n = r.u32("count");
    w.u32(n + extra_count);
    w.bytes(s->payload.subspan(r.pos()));
  }
  w.bytes(extra);
  return std::move(w.out());
}

void write_const_zero(Writer& w, uint8_t type) {
  switch (type) {
    case ir::kI32: w.u8(0x41); w.u8(0); break;
    case ir::kI64: w.u8(0x42); w.u8(0); break;
    case ir::kF32: w.u8(0x43); for (int i = 0; i < 4; ++i) w.u8(0); break;
    case ir::kF64: w.u8(0x44); for (int i = 0; i < 8; ++i) w.u8(0); break;
    case ir::kV128: w.u8(0xfd); w.u32(12); for (int i = 0; i < 16; ++i) w.u8(0); break;
    default: w.u8(0xd0); w.u8(type); break;  // ref.null
  }
  w.u8(0x0b);
}

// Body (size-prefixed) from raw code bytes with no locals.
void write_body(Writer& code, std::span<const uint8_t> instructions, std::span<const uint8_t> locals = {}) {
  Writer b;
  if (locals.empty()) {
    b.u8(0);
  } else {
    b.bytes(locals);
  }
  b.bytes(instructions);
  code.u32(static_cast<uint32_t>(b.size()));
  code.bytes(b.out());
}

int section_rank(uint8_t id) {
  switch (id) {
    case 1: return 1;
    case 2: return 2;
    case 3: return 3;
    case 4: return 4;
    case 5: return 5;
    case 13: return 6;
    case 6: return 7;
    case 7: return 8;
    case 8: return 9;
    case 9: return 10;
    case 12: return 11;
    case 10: return 12;
    case 11: return 13;
    default: return 0;
  }
}

PreparedModule prepare(std::span<const uint8_t> bytes, std::span<const HostFunction> allowed,
                       const PrepareLimits& limits) {
  PreparedModule out;
  ir::Module m = ir::parse_module(bytes);
  check_imports(m, allowed, out);
  check_exports(m, out);
  std::vector<uint8_t> memory_payload = cap_memories(m, limits, out);
  std::vector<uint8_t> table_payload = cap_tables(m, limits);

  const bool has_memory = !m.memories.empty();
  const auto num_types = static_cast<uint32_t>(m.types.size());
  const uint32_t t_void = num_types, t_set = num_types + 1, t_get = num_types + 2, t_i32 = num_types + 3,
                 t_grow = num_types + 4;
  const auto num_globals = static_cast<uint32_t>(m.globals.size());  // no imported globals
  const uint32_t g_fuel = num_globals, g_failed = num_globals + 1;
  const uint32_t f_base = m.total_functions();
  const uint32_t f_set = f_base, f_get = f_base + 1, f_failed = f_base + 2, f_save = f_base + 3,
                 f_restore = f_base + 4, f_grow = f_base + 5;
  const uint32_t t_wrap = num_types + 5;
  // Entry wrappers (instrumentation.h kEntryPrefix): one per exported () -> i32 function, after the helpers.
  std::vector<const ir::Export*> entries;
  for (const auto& e : m.exports) {
    if (e.kind != ir::ExternKind::Func) continue;
    const ir::Signature* sig = m.function_signature(e.index);
    if (sig && sig->params.empty() && sig->results.size() == 1 && sig->results[0] == ir::kI32) entries.push_back(&e);
  }

  // Code.
  instrument::Plan plan;
  plan.fuel = limits.instrument_fuel;
  plan.fuel_global = g_fuel;
  plan.bounds.globals = num_globals;
  plan.bounds.functions = f_base;
  plan.bounds.types = num_types;
  if (has_memory) plan.grow_function = f_grow;
  instrument::Scratch scratch;
  Writer code;
  const uint32_t num_helpers = has_memory ? 6 : 5;
  const uint32_t num_injected_functions = num_helpers + static_cast<uint32_t>(entries.size());
  code.u32(static_cast<uint32_t>(m.code.size()) + num_injected_functions);
  code.out().reserve(bytes.size() + bytes.size() / 4 + 256);
  for (std::size_t i = 0; i < m.code.size(); ++i) {
    const auto index = static_cast<uint32_t>(m.imported_functions + i);
    const auto& sig = m.types[m.function_types[i]];
    auto info = instrument::rewrite_body(m.code[i], index, static_cast<uint32_t>(sig.params.size()), plan, code,
                                         scratch);
    if (info.mutates_tables_or_segments) out.resettable = false;
  }
  out.fuel_instrumented = limits.instrument_fuel;

  // Injected globals: fuel, grow-failed flag, then one shadow per mutable global.
  Writer globals;
  uint32_t new_globals = 2;
  globals.u8(ir::kI64);
  globals.u8(1);
  globals.u8(0x42);
  globals.s64(limits.initial_fuel);
  globals.u8(0x0b);
  globals.u8(ir::kI32);
  globals.u8(1);
  globals.u8(0x41);
  globals.u8(0);
  globals.u8(0x0b);
  Writer save, restore;
  for (uint32_t g = 0; g < num_globals; ++g) {
    if (!m.globals[g].is_mutable) continue;
    const uint32_t shadow = num_globals + new_globals;
    ++new_globals;
    globals.u8(m.globals[g].type);
    globals.u8(1);
    write_const_zero(globals, m.globals[g].type);
    save.u8(0x23); save.u32(g); save.u8(0x24); save.u32(shadow);
    restore.u8(0x23); restore.u32(shadow); restore.u8(0x24); restore.u32(g);
  }
  save.u8(0x0b);
  restore.u8(0x0b);

  // Injected functions, in index order.
  {
    Writer b;
    b.u8(0x20); b.u8(0);  // local.get 0
    b.u8(0x24); b.u32(g_fuel);
    b.u8(0x41); b.u8(0);  // i32.const 0
    b.u8(0x24); b.u32(g_failed);
    b.u8(0x0b);
    write_body(code, b.out());
  }
  {
    Writer b;
    b.u8(0x23); b.u32(g_fuel);
    b.u8(0x0b);
    write_body(code, b.out());
  }
  {
    Writer b;
    b.u8(0x23); b.u32(g_failed);
    b.u8(0x0b);
    write_body(code, b.out());
  }
  write_body(code, save.out());
  write_body(code, restore.out());
  if (has_memory) {
    // (param i32) (result i32) (local i32): grow, remember a failure, return the result.
    Writer b;
    b.u8(0x20); b.u8(0);        // local.get 0
    b.u8(0x40); b.u8(0);        // memory.grow 0
    b.u8(0x22); b.u8(1);        // local.tee 1
    b.u8(0x41); b.u8(0x7f);     // i32.const -1
    b.u8(0x46);                 // i32.eq
    b.u8(0x04); b.u8(0x40);     // if
    b.u8(0x41); b.u8(1);        //   i32.const 1
    b.u8(0x24); b.u32(g_failed);//   global.set $failed
    b.u8(0x0b);                 // end
    b.u8(0x20); b.u8(1);        // local.get 1
    b.u8(0x0b);
    const uint8_t locals[] = {1, 1, ir::kI32};
    write_body(code, b.out(), locals);
  }
  for (const ir::Export* e : entries) {
    // (param $fuel_lo i32) (param $fuel_hi i32) (param $reset i32) (result i64)
    Writer b;
    b.u8(0x20); b.u8(2);          // local.get $reset
    b.u8(0x04); b.u8(0x40);       // if
    b.u8(0x10); b.u32(f_restore); //   call $globals_restore
    b.u8(0x0b);                   // end
    b.u8(0x20); b.u8(0);          // local.get $fuel_lo
    b.u8(0xad);                   // i64.extend_i32_u
    b.u8(0x20); b.u8(1);          // local.get $fuel_hi
    b.u8(0xad);                   // i64.extend_i32_u
    b.u8(0x42); b.u8(32);         // i64.const 32
    b.u8(0x86);                   // i64.shl
    b.u8(0x84);                   // i64.or
    b.u8(0x24); b.u32(g_fuel);    // global.set $fuel
    b.u8(0x41); b.u8(0);          // i32.const 0
    b.u8(0x24); b.u32(g_failed);  // global.set $failed
    b.u8(0x10); b.u32(e->index);  // call $entry
    b.u8(0xad);                   // i64.extend_i32_u
    b.u8(0x23); b.u32(g_fuel);    // global.get $fuel
    b.u8(0x42); b.u8(32);         // i64.const 32
    b.u8(0x86);                   // i64.shl
    b.u8(0x84);                   // i64.or
    b.u8(0x0b);
    write_body(code, b.out());
  }

  // Types: () -> (), (i64) -> (), () -> i64, () -> i32, (i32) -> i32, (i32, i32, i32) -> i64.
  const uint8_t new_types[] = {0x60, 0, 0,           0x60, 1, ir::kI64, 0, 0x60, 0, 1, ir::kI64,
                               0x60, 0, 1, ir::kI32, 0x60, 1, ir::kI32, 1, ir::kI32,
                               0x60, 3, ir::kI32, ir::kI32, ir::kI32, 1, ir::kI64};
  Writer funcs;
  for (uint32_t t : {t_set, t_get, t_i32, t_void, t_void}) funcs.u32(t);
  if (has_memory) funcs.u32(t_grow);
  for (std::size_t i = 0; i < entries.size(); ++i) funcs.u32(t_wrap);

  Writer exports;
  auto add_export = [&](std::string_view name, uint32_t f) {
    exports.name(name);
    exports.u8(0);
    exports.u32(f);
  };
  add_export(inject::kFuelSet, f_set);
  add_export(inject::kFuelGet, f_get);
  add_export(inject::kGrowFailed, f_failed);
  add_export(inject::kGlobalsSave, f_save);
  add_export(inject::kGlobalsRestore, f_restore);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    add_export(std::string(inject::kEntryPrefix) + std::string(entries[i]->name),
               f_base + num_helpers + static_cast<uint32_t>(i));
  }

  // Assemble.
  auto find = [&](uint8_t id) -> const ir::Section* {
    for (const auto& s : m.sections) {
      if (s.id == id) return &s;
    }
    return nullptr;
  };
  auto rewritten = [&](uint8_t id) -> std::vector<uint8_t> {
    switch (id) {
      case 1: return append_to_vec(find(1), 6, new_types);
      case 3: return append_to_vec(find(3), num_injected_functions, funcs.out());
      case 4: return table_payload;
      case 5: return memory_payload;
      case 6: return append_to_vec(find(6), new_globals, globals.out());
      case 7: return append_to_vec(find(7), 5 + static_cast<uint32_t>(entries.size()), exports.out());
      case 10: return std::move(code.out());
      default: return {};
    }
  };
  std::vector<uint8_t> missing;
  for (uint8_t id : {1, 3, 6, 7, 10}) {
    if (!find(id)) missing.push_back(id);
  }
  Writer w;
  w.out().reserve(bytes.size() + code.size() + 1024);
  w.bytes(bytes.subspan(0, 8));
  auto emit_missing_before = [&](int rank) {
    while (!missing.empty() && section_rank(missing.front()) < rank) {
      uint8_t id = missing.front();
      missing.erase(missing.begin());
      w.section(id, rewritten(id));
    }
  };
  for (const auto& s : m.sections) {
    if (s.id == 0) {
      if (s.custom_name == "name" && !ir::name_section_ok(s.payload, s.payload_offset, m.total_functions())) {
        continue;  // malformed names: drop rather than hand the engine something invalid
      }
      if (s.custom_name.starts_with(".debug_") || s.custom_name == "sourceMappingURL") {
        continue;  // code offsets they describe are no longer true after the rewrite
      }
      w.section(0, s.payload);
      continue;
    }
    emit_missing_before(section_rank(s.id));
    switch (s.id) {
      case 1: case 3: case 4: case 5: case 6: case 7: case 10:
        w.section(s.id, rewritten(s.id));
        break;
      default:
        w.section(s.id, s.payload);
    }
  }
  emit_missing_before(1000);
  out.bytes = std::move(w.out());
  out.cid = content_id(bytes);
  return out;
}

}  // namespace

std::optional<PreparedModule> prepare_module(std::span<const uint8_t> bytes, std::span<const HostFunction> allowed,
                                             const PrepareLimits& limits, PrepareError* error) {
  try {
    return prepare(bytes, allowed, limits);
  } catch (const binary::DecodeError& e) {
    if (error) error->message = e.what();
  } catch (const std::exception& e) {
    if (error) error->message = std::string("cannot prepare module: ") + e.what();
  }
  return std::nullopt;
}

}  // namespace aegis::wasm
