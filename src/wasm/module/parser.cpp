#include <array>
#include <cstdio>

#include "wasm/module/binary.h"
#include "wasm/module/instructions.h"
#include "wasm/module/module_ir.h"

namespace aegis::wasm::ir {

using binary::Reader;

namespace {

// Position of each known section id in the mandatory order (0 = unknown id).
int section_rank(uint8_t id) {
  static constexpr std::array<int, 14> kRank = {
      0,   // custom (never ranked)
      1,   // type
      2,   // import
      3,   // function
      4,   // table
      5,   // memory
      7,   // global
      8,   // export
      9,   // start
      10,  // element
      12,  // code
      13,  // data
      11,  // data count
      6,   // tag
  };
  return id < kRank.size() ? kRank[id] : 0;
}

const char* section_name(uint8_t id) {
  static constexpr std::array<const char*, 14> kNames = {"custom", "type",   "import", "function", "table",
                                                         "memory", "global", "export", "start",    "element",
                                                         "code",   "data",   "data count", "tag"};
  return id < kNames.size() ? kNames[id] : "unknown";
}

uint8_t read_val_type(Reader& r) {
  uint8_t t = r.u8("value type");
  switch (t) {
    case kI32: case kI64: case kF32: case kF64: case kV128: case kFuncRef: case kExternRef:
      return t;
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02x", t);
      r.error(std::string("invalid value type ") + buf);
    }
  }
}

uint8_t read_ref_type(Reader& r) {
  uint8_t t = r.u8("reference type");
  if (t != kFuncRef && t != kExternRef) r.error("invalid reference type");
  return t;
}

Limits read_limits(Reader& r, const char* what) {
  Limits l;
  l.flags = r.u8("limits flags");
  if (l.flags > 7) r.error(std::string("invalid ") + what + " limits flags " + std::to_string(l.flags));
  if (l.is64()) {
    l.initial = r.u64("limits initial");
    if (l.flags & 1) l.max = r.u64("limits maximum");
  } else {
    l.initial = r.u32("limits initial");
    if (l.flags & 1) l.max = r.u32("limits maximum");
  }
  return l;
}

// Reads a constant expression up to and including its final `end`; returns its bytes. Indices must lie within
// what the module itself defines so far (see binary::IndexSpace).
std::span<const uint8_t> read_const_expr(Reader& r, const Module& m) {
  binary::IndexBounds bounds;
  bounds.globals = m.imported_globals + static_cast<uint32_t>(m.globals.size());
  bounds.functions = m.total_functions();
  bounds.types = static_cast<uint32_t>(m.types.size());
  std::size_t start = r.pos();
  uint32_t depth = 0;
  for (;;) {
    std::size_t at = r.offset();
    auto in = binary::read_instruction(r);
    binary::check_indices(in, bounds, at);
    if (in.kind == binary::InstrKind::Block || in.kind == binary::InstrKind::Loop) {
      ++depth;
    } else if (in.kind == binary::InstrKind::End) {
      if (depth == 0) break;
      --depth;
    }
  }
  return r.data().subspan(start, r.pos() - start);
}

void parse_types(Reader& r, Module& m) {
  uint32_t n = r.count("type count", 3);
  m.types.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint8_t form = r.u8("type form");
    if (form != 0x60) r.error("type " + std::to_string(i) + " is not a function type (unsupported proposal?)");
    Signature s;
    uint32_t np = r.count("parameter count");
    s.params.reserve(np);
    for (uint32_t k = 0; k < np; ++k) s.params.push_back(read_val_type(r));
    uint32_t nr = r.count("result count");
    s.results.reserve(nr);
    for (uint32_t k = 0; k < nr; ++k) s.results.push_back(read_val_type(r));
    m.types.push_back(std::move(s));
  }
}

void parse_imports(Reader& r, Module& m) {
  uint32_t n = r.count("import count", 4);
  m.imports.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Import im;
    im.module = r.name("import module name");
    im.name = r.name("import name");
    uint8_t kind = r.u8("import kind");
    switch (kind) {
      case 0:
        im.kind = ExternKind::Func;
        im.type_index = r.u32("import type index");
        if (im.type_index >= m.types.size()) {
          r.error("import " + std::string(im.module) + "." + std::string(im.name) + " uses type index " +
                  std::to_string(im.type_index) + " out of range");
        }
        ++m.imported_functions;
        m.imported_function_types.push_back(im.type_index);
        break;
      case 1:
        im.kind = ExternKind::Table;
        read_ref_type(r);
        read_limits(r, "table");
        ++m.imported_tables;
        break;
      case 2:
        im.kind = ExternKind::Memory;
        read_limits(r, "memory");
        ++m.imported_memories;
        break;
      case 3:
        im.kind = ExternKind::Global;
        read_val_type(r);
        r.u8("global mutability");
        ++m.imported_globals;
        break;
      case 4:
        im.kind = ExternKind::Tag;
        r.u8("tag attribute");
        r.u32("tag type index");
        break;
      default:
        r.error("invalid import kind " + std::to_string(kind));
    }
    m.imports.push_back(im);
  }
}

void parse_functions(Reader& r, Module& m) {
  uint32_t n = r.count("function count");
  m.function_types.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t t = r.u32("function type index");
    if (t >= m.types.size()) r.error("function " + std::to_string(i) + " uses type index out of range");
    m.function_types.push_back(t);
  }
}

void parse_tables(Reader& r, Module& m) {
  uint32_t n = r.count("table count", 3);
  for (uint32_t i = 0; i < n; ++i) {
    Table t;
    t.ref_type = read_ref_type(r);
    t.limits = read_limits(r, "table");
    m.tables.push_back(t);
  }
}

void parse_memories(Reader& r, Module& m) {
  uint32_t n = r.count("memory count", 2);
  for (uint32_t i = 0; i < n; ++i) m.memories.push_back(read_limits(r, "memory"));
}

void parse_globals(Reader& r, Module& m) {
  uint32_t n = r.count("global count", 3);
  m.globals.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Global g;
    g.type = read_val_type(r);
    uint8_t mut = r.u8("global mutability");
    if (mut > 1) r.error("invalid global mutability " + std::to_string(mut));
    g.is_mutable = mut == 1;
    g.init = read_const_expr(r, m);
    m.globals.push_back(g);
  }
}

void parse_exports(Reader& r, Module& m) {
  uint32_t n = r.count("export count", 3);
  m.exports.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Export e;
    e.name = r.name("export name");
    uint8_t kind = r.u8("export kind");
    if (kind > 4) r.error("invalid export kind " + std::to_string(kind));
    e.kind = static_cast<ExternKind>(kind);
    e.index = r.u32("export index");
    m.exports.push_back(e);
  }
}

void check_function_index(Reader& r, const Module& m, uint32_t index) {
  if (index >= m.total_functions()) {
    r.error("function index " + std::to_string(index) + " out of range (the module has " +
            std::to_string(m.total_functions()) + ")");
  }
}

void parse_elements(Reader& r, const Module& m) {
  uint32_t n = r.count("element segment count", 2);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t flags = r.u32("element segment flags");
    if (flags > 7) r.error("invalid element segment flags " + std::to_string(flags));
    const bool passive_or_declarative = flags & 1;
    const bool explicit_table = flags & 2;
    const bool expressions = flags & 4;
    if (!passive_or_declarative) {
      if (explicit_table) r.u32("table index");
      read_const_expr(r, m);
    }
    if (passive_or_declarative || explicit_table) {
      if (expressions) {
        read_ref_type(r);
      } else if (r.u8("element kind") != 0x00) {
        r.error("invalid element kind");
      }
    }
    uint32_t items = r.count("element count");
    for (uint32_t k = 0; k < items; ++k) {
      if (expressions) {
        read_const_expr(r, m);
      } else {
        check_function_index(r, m, r.u32("function index"));
      }
    }
  }
}

void parse_data(Reader& r, const Module& m) {
  uint32_t n = r.count("data segment count", 2);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t flags = r.u32("data segment flags");
    if (flags > 2) r.error("invalid data segment flags " + std::to_string(flags));
    if (flags == 2) r.u32("memory index");
    if (flags != 1) read_const_expr(r, m);
    uint32_t size = r.u32("data segment size");
    r.skip(size, "data segment");
  }
}

void parse_code(Reader& r, Module& m) {
  uint32_t n = r.count("code count", 2);
  if (n != m.function_types.size()) {
    r.error("code section has " + std::to_string(n) + " bodies but the function section declares " +
            std::to_string(m.function_types.size()));
  }
  m.code.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t size = r.u32("function body size");
    std::size_t off = r.offset();
    auto b = r.bytes(size, "function body");
    if (b.empty()) r.error("function body " + std::to_string(i) + " is empty");
    m.code.push_back({b, off});
  }
}

}  // namespace

const Signature* Module::function_signature(uint32_t index) const {
  if (index < imported_functions) return &types[imported_function_types[index]];
  index -= imported_functions;
  if (index >= function_types.size()) return nullptr;
  return &types[function_types[index]];
}

Module parse_module(std::span<const uint8_t> bytes) {
  Module m;
  Reader r(bytes);
  if (bytes.size() < 8) binary::fail("not a WebAssembly module: " + std::to_string(bytes.size()) + " bytes is too short");
  auto magic = r.bytes(4, "magic");
  if (magic[0] != 0x00 || magic[1] != 'a' || magic[2] != 's' || magic[3] != 'm') {
    binary::fail("not a WebAssembly module: bad magic number");
  }
  auto version = r.bytes(4, "version");
  if (version[0] != 1 || version[1] != 0 || version[2] != 0 || version[3] != 0) {
    binary::fail("unsupported WebAssembly binary version (only version 1 is supported)");
  }
  int last_rank = 0;
  bool seen_function = false, seen_code = false;
  while (!r.at_end()) {
    std::size_t section_start = r.offset();
    uint8_t id = r.u8("section id");
    uint32_t size = r.u32("section size");
    std::size_t payload_offset = r.offset();
    auto payload = r.bytes(size, "section payload");
    Section s{id, payload, payload_offset, {}};
    if (id == 0) {
      Reader cr(payload, payload_offset);
      s.custom_name = cr.name("custom section name");
      m.sections.push_back(s);
      continue;
    }
    int rank = section_rank(id);
    if (rank == 0) {
      binary::fail("unknown section id " + std::to_string(id) + " (at byte offset " + std::to_string(section_start) +
                   ")");
    }
    if (id == 13) binary::fail("the tag section (exception handling) is not supported");
    if (rank <= last_rank) {
      binary::fail(std::string(section_name(id)) + " section out of order or duplicated (at byte offset " +
                   std::to_string(section_start) + ")");
    }
    last_rank = rank;
    Reader sr(payload, payload_offset);
    switch (id) {
      case 1: parse_types(sr, m); break;
      case 2: parse_imports(sr, m); break;
      case 3: parse_functions(sr, m); seen_function = true; break;
      case 4: parse_tables(sr, m); break;
      case 5: parse_memories(sr, m); break;
      case 6: parse_globals(sr, m); break;
      case 7: parse_exports(sr, m); break;
      case 8: check_function_index(sr, m, sr.u32("start function index")); break;
      case 9: parse_elements(sr, m); break;
      case 10: parse_code(sr, m); seen_code = true; break;
      case 11: parse_data(sr, m); break;
      case 12: sr.u32("data count"); break;
    }
    if (!sr.at_end()) {
      binary::fail(std::string(section_name(id)) + " section size mismatch: " + std::to_string(sr.remaining()) +
                   " trailing bytes (section at byte offset " + std::to_string(section_start) + ")");
    }
    m.sections.push_back(s);
  }
  if (seen_function != seen_code && !m.function_types.empty()) {
    binary::fail("function section declares " + std::to_string(m.function_types.size()) +
                 " functions but there is no code section");
  }
  for (const auto& e : m.exports) {
    bool ok = true;
    switch (e.kind) {
      case ExternKind::Func: ok = e.index < m.total_functions(); break;
      case ExternKind::Table: ok = e.index < m.imported_tables + m.tables.size(); break;
      case ExternKind::Memory: ok = e.index < m.imported_memories + m.memories.size(); break;
      case ExternKind::Global: ok = e.index < m.imported_globals + m.globals.size(); break;
      case ExternKind::Tag: ok = false; break;
    }
    if (!ok) binary::fail("export \"" + std::string(e.name) + "\" refers to a missing item");
  }
  return m;
}

bool name_section_ok(std::span<const uint8_t> payload, std::size_t payload_offset, uint32_t total_functions) {
  try {
    Reader r(payload, payload_offset);
    r.name("custom section name");
    int last_id = -1;
    while (!r.at_end()) {
      uint8_t id = r.u8("name subsection id");
      if (static_cast<int>(id) <= last_id) return false;
      last_id = id;
      uint32_t size = r.u32("name subsection size");
      std::size_t sub_offset = r.offset();
      Reader sr(r.bytes(size, "name subsection"), sub_offset);
      if (id == 0) {
        sr.name("module name");
      } else if (id == 1) {
        uint32_t n = sr.count("function name count", 2);
        int64_t prev = -1;
        for (uint32_t i = 0; i < n; ++i) {
          uint32_t idx = sr.u32("function index");
          if (static_cast<int64_t>(idx) <= prev || idx >= total_functions) return false;
          prev = idx;
          sr.name("function name");
        }
      } else if (id == 2) {
        uint32_t n = sr.count("local name count", 2);
        int64_t prev = -1;
        for (uint32_t i = 0; i < n; ++i) {
          uint32_t idx = sr.u32("function index");
          if (static_cast<int64_t>(idx) <= prev || idx >= total_functions) return false;
          prev = idx;
          uint32_t nl = sr.count("local count", 2);
          int64_t prev_local = -1;
          for (uint32_t k = 0; k < nl; ++k) {
            uint32_t li = sr.u32("local index");
            if (static_cast<int64_t>(li) <= prev_local) return false;
            prev_local = li;
            sr.name("local name");
          }
        }
      } else {
        sr.skip(sr.remaining(), "name subsection");
      }
      if (!sr.at_end()) return false;
    }
    return true;
  } catch (const binary::DecodeError&) {
    return false;
  }
}

std::string_view val_type_name(uint8_t t) {
  switch (t) {
    case kI32: return "i32";
    case kI64: return "i64";
    case kF32: return "f32";
    case kF64: return "f64";
    case kV128: return "v128";
    case kFuncRef: return "funcref";
    case kExternRef: return "externref";
    default: return "?";
  }
}

std::string signature_text(const Signature& s) {
  std::string out = "(";
  for (std::size_t i = 0; i < s.params.size(); ++i) {
    if (i) out += ", ";
    out += val_type_name(s.params[i]);
  }
  out += ") -> ";
  if (s.results.size() == 1) {
    out += val_type_name(s.results[0]);
  } else {
    out += "(";
    for (std::size_t i = 0; i < s.results.size(); ++i) {
      if (i) out += ", ";
      out += val_type_name(s.results[i]);
    }
    out += ")";
  }
  return out;
}

}  // namespace aegis::wasm::ir
