// Rewriting of one function body: fuel charges at the function entry and at every loop header, and memory.grow
// routed through the injected grow helper (see ../instrumentation.h for the contract).
//
// Charge code, inserted at the start of the body and right after every `loop` (so each iteration pays):
//   global.get $fuel  i64.const COST  i64.sub  local.tee $t  global.set $fuel
//   local.get $t  i64.const 0  i64.lt_s  if  unreachable  end
// where COST is the number of instructions of the region (the function body or the loop body), not counting the
// bodies of nested loops, which charge their own, and $t is one i64 local appended to the function's locals.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "wasm/module/binary.h"
#include "wasm/module/module_ir.h"

namespace aegis::wasm::instrument {

struct Plan {
  bool fuel = true;
  uint32_t fuel_global = 0;
  std::optional<uint32_t> grow_function;  // replace memory.grow by `call` of this function
};

struct BodyInfo {
  bool mutates_tables_or_segments = false;
  bool has_memory_grow = false;
};

// Scratch buffers reused across bodies (keeps a large module's rewrite allocation-free after warm-up).
struct Scratch {
  struct Event {
    std::size_t pos;     // offset in the body
    std::size_t end;     // for Grow: offset after the instruction
    uint32_t region;     // for LoopCharge
    bool grow;
  };
  std::vector<Event> events;
  std::vector<uint64_t> costs;
  std::vector<uint32_t> frames;
  binary::Writer body;
};

// Decodes `body` (locals + code) of a function with `num_params` parameters and appends its rewritten form,
// size-prefixed, to `out`. Throws binary::DecodeError if the body is malformed.
BodyInfo rewrite_body(const ir::FunctionBody& body, uint32_t function_index, uint32_t num_params, const Plan& plan,
                      binary::Writer& out, Scratch& scratch);

// Appends the charge sequence for `cost` (exposed for tests/tools).
void emit_charge(binary::Writer& w, uint32_t fuel_global, uint64_t cost, std::optional<uint32_t> temp_local);

}  // namespace aegis::wasm::instrument
