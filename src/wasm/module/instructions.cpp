#include "wasm/module/instructions.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

namespace aegis::wasm::binary {
namespace {

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%02x", v);
  return buf;
}

void memarg(Reader& r) {
  uint32_t align = r.u32("memory alignment");
  if (align & 0x40) r.u32("memory index");  // multi-memory encoding; the engine validates the index
  r.u32("memory offset");
}

void block_type(Reader& r, Instr& in) {
  uint8_t b = r.peek("block type");
  switch (b) {
    case 0x40:  // empty
    case 0x7f: case 0x7e: case 0x7d: case 0x7c: case 0x7b:  // i32 i64 f32 f64 v128
    case 0x70: case 0x6f:  // funcref externref
      r.u8("block type");
      return;
    default: break;
  }
  int64_t index = r.s33("block type");
  if (index < 0 || index > UINT32_MAX) r.error("invalid block type " + hex(b));
  in.space = IndexSpace::Type;
  in.index = static_cast<uint32_t>(index);
}

bool is_simd_plain(uint32_t op) {
  // Fixed-width SIMD opcodes without immediates (reserved slots excluded).
  if (op >= 14 && op <= 20) return true;
  if (op >= 35 && op <= 83) return true;
  if (op >= 94 && op <= 255) {
    switch (op) {
      case 154: case 162: case 165: case 166: case 175: case 176: case 178: case 179: case 180: case 187:
      case 194: case 197: case 198: case 207: case 208: case 210: case 211: case 212: case 226: case 238:
        return false;
      default: return true;
    }
  }
  return false;
}

void simd(Reader& r) {
  uint32_t op = r.u32("SIMD opcode");
  if (op <= 11 || op == 92 || op == 93) {  // v128 loads/stores, load_zero
    memarg(r);
  } else if (op == 12 || op == 13) {  // v128.const, i8x16.shuffle
    r.skip(16, "v128 immediate");
  } else if (op >= 21 && op <= 34) {  // extract/replace lane
    r.u8("lane index");
  } else if (op >= 84 && op <= 91) {  // load/store lane
    memarg(r);
    r.u8("lane index");
  } else if (!is_simd_plain(op)) {
    r.error("unknown opcode 0xfd " + std::to_string(op));
  }
}

Instr misc(Reader& r) {
  Instr in;
  uint32_t op = r.u32("0xfc opcode");
  switch (op) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:  // trunc_sat
      break;
    case 8:  // memory.init
      r.u32("data index");
      r.u32("memory index");
      break;
    case 9:  // data.drop
      r.u32("data index");
      in.mutates_tables_or_segments = true;
      break;
    case 10:  // memory.copy
      r.u32("memory index");
      r.u32("memory index");
      break;
    case 11:  // memory.fill
      r.u32("memory index");
      break;
    case 12:  // table.init
      r.u32("element index");
      r.u32("table index");
      in.mutates_tables_or_segments = true;
      break;
    case 13:  // elem.drop
      r.u32("element index");
      in.mutates_tables_or_segments = true;
      break;
    case 14:  // table.copy
      r.u32("table index");
      r.u32("table index");
      in.mutates_tables_or_segments = true;
      break;
    case 15:  // table.grow
    case 17:  // table.fill
      r.u32("table index");
      in.mutates_tables_or_segments = true;
      break;
    case 16:  // table.size
      r.u32("table index");
      break;
    default:
      r.error("unknown opcode 0xfc " + std::to_string(op));
  }
  return in;
}

}  // namespace

Instr read_instruction(Reader& r) {
  std::size_t start = r.offset();
  uint8_t op = r.u8("opcode");
  Instr in;
  switch (op) {
    case 0x00: case 0x01:  // unreachable nop
      break;
    case 0x02: case 0x04:  // block if
      block_type(r, in);
      in.kind = InstrKind::Block;
      break;
    case 0x03:
      block_type(r, in);
      in.kind = InstrKind::Loop;
      break;
    case 0x05: in.kind = InstrKind::Else; break;
    case 0x0b: in.kind = InstrKind::End; break;
    case 0x0c: case 0x0d:  // br br_if
      in.kind = InstrKind::Branch;
      in.label = r.u32("label index");
      break;
    case 0x0e: {  // br_table
      in.kind = InstrKind::Branch;
      uint32_t n = r.count("br_table label count");
      for (uint32_t i = 0; i < n; ++i) in.label = std::max(in.label, r.u32("label index"));
      in.label = std::max(in.label, r.u32("label index"));
      break;
    }
    case 0x0f: in.kind = InstrKind::Return; break;
    case 0x10: case 0x12:  // call return_call
      in.kind = op == 0x10 ? InstrKind::Call : InstrKind::TailCall;
      in.space = IndexSpace::Function;
      in.index = r.u32("function index");
      break;
    case 0x11: case 0x13:  // call_indirect return_call_indirect
      in.kind = op == 0x11 ? InstrKind::Call : InstrKind::TailCall;
      in.space = IndexSpace::Type;
      in.index = r.u32("type index");
      r.u32("table index");
      break;
    case 0x1a: case 0x1b: break;  // drop select
    case 0x1c: {  // select t*
      uint32_t n = r.count("select type count");
      for (uint32_t i = 0; i < n; ++i) r.u8("value type");
      break;
    }
    case 0x20: case 0x21: case 0x22:
      in.space = IndexSpace::Local;
      in.index = r.u32("local index");
      break;
    case 0x23: case 0x24:
      in.space = IndexSpace::Global;
      in.index = r.u32("global index");
      break;
    case 0x25:  // table.get
      r.u32("table index");
      break;
    case 0x26:  // table.set
      r.u32("table index");
      in.mutates_tables_or_segments = true;
      break;
    case 0x3f:  // memory.size
      r.u32("memory index");
      break;
    case 0x40: {  // memory.grow
      uint32_t mem = r.u32("memory index");
      if (mem != 0) r.error("memory.grow on memory " + std::to_string(mem) + " (only memory 0 exists)");
      in.kind = InstrKind::MemoryGrow;
      break;
    }
    case 0x41: r.s32("i32 constant"); break;
    case 0x42: r.s64("i64 constant"); break;
    case 0x43: r.skip(4, "f32 constant"); break;
    case 0x44: r.skip(8, "f64 constant"); break;
    case 0xd0: r.u8("reference type"); break;  // ref.null
    case 0xd1: break;                           // ref.is_null
    case 0xd2:  // ref.func
      in.space = IndexSpace::Function;
      in.index = r.u32("function index");
      break;
    case 0xfc: return misc(r);
    case 0xfd: simd(r); break;
    default:
      if (op >= 0x28 && op <= 0x3e) {  // loads and stores
        memarg(r);
      } else if (op >= 0x45 && op <= 0xc4) {  // numeric, incl. sign extension
      } else {
        fail("unknown or unsupported opcode " + hex(op) + " (at byte offset " + std::to_string(start) + ")");
      }
  }
  return in;
}

void check_indices(const Instr& in, const IndexBounds& bounds, std::size_t instr_offset) {
  const char* what = nullptr;
  uint64_t limit = 0;
  switch (in.space) {
    case IndexSpace::None: return;
    case IndexSpace::Local: what = "local"; limit = bounds.locals; break;
    case IndexSpace::Global: what = "global"; limit = bounds.globals; break;
    case IndexSpace::Function: what = "function"; limit = bounds.functions; break;
    case IndexSpace::Type: what = "type"; limit = bounds.types; break;
  }
  if (in.index >= limit) {
    fail(std::string(what) + " index " + std::to_string(in.index) + " out of range (the module has " +
         std::to_string(limit) + ") (at byte offset " + std::to_string(instr_offset) + ")");
  }
}

}  // namespace aegis::wasm::binary
