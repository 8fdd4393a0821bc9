// Instruction decoder for function bodies and constant expressions: MVP, sign-extension, saturating float-to-int,
// bulk memory, reference types, multi-value block types, fixed-width SIMD (0xFD) and tail calls. It decodes the
// immediates only as far as needed to find where each instruction ends; type checking is left to the engine.
// An opcode outside these proposals is an error naming it.
#pragma once

#include <cstdint>

#include "wasm/module/binary.h"

namespace aegis::wasm::binary {

enum class InstrKind : uint8_t {
  Plain,       // anything without structural meaning for the rewriter
  Block,       // block, if (opens a frame)
  Loop,        // loop (opens a frame whose header is a branch target)
  Else,
  End,
  MemoryGrow,  // memory.grow 0
  Call,        // call, call_indirect (control comes back)
  TailCall,    // return_call, return_call_indirect
  Return,
  Branch,      // br, br_if, br_table: `label` is the (largest) label index
};

// The index space an instruction's main immediate refers to. The rewriter appends locals, globals, functions and
// types, so an index that was out of range in the input would silently gain a meaning (e.g. the fuel counter):
// callers check these against the module's original counts.
enum class IndexSpace : uint8_t { None, Local, Global, Function, Type };

struct Instr {
  InstrKind kind = InstrKind::Plain;
  // True for instructions whose effect an instance snapshot cannot undo: table.set/grow/fill/copy/init, elem.drop,
  // data.drop.
  bool mutates_tables_or_segments = false;
  uint32_t label = 0;  // Branch only
  IndexSpace space = IndexSpace::None;
  uint32_t index = 0;
};

// Original sizes of the index spaces; check_indices throws (naming the instruction's offset) on an index beyond them.
struct IndexBounds {
  uint64_t locals = 0;
  uint32_t globals = 0, functions = 0, types = 0;
};
void check_indices(const Instr& in, const IndexBounds& bounds, std::size_t instr_offset);

// Decodes one instruction starting at the reader's position and leaves the reader after it.
Instr read_instruction(Reader& r);

}  // namespace aegis::wasm::binary
