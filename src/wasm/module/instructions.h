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

struct Instr {
  InstrKind kind = InstrKind::Plain;
  // True for instructions whose effect an instance snapshot cannot undo: table.set/grow/fill/copy/init, elem.drop,
  // data.drop.
  bool mutates_tables_or_segments = false;
  uint32_t label = 0;  // Branch only
};

// Decodes one instruction starting at the reader's position and leaves the reader after it.
Instr read_instruction(Reader& r);

}  // namespace aegis::wasm::binary
