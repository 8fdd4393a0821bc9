// Rewriting of one function body: fuel charges at the function entry and at every loop header, and memory.grow
// routed through the injected grow helper (see ../instrumentation.h for the contract).
//
// Within a function the fuel lives in an i64 local $f appended to its locals (a register in compiled code); the
// global $fuel is the value between functions. COST is the number of instructions of the region (the function body
// or a loop body), not counting the bodies of nested loops, which charge their own.
//
//   function entry:  global.get $fuel  i64.const COST  i64.sub  local.tee $f
//                    i64.const 0  i64.lt_s  if  local.get $f  global.set $fuel  unreachable  end
//   loop header:     local.get $f  i64.const COST  i64.sub  local.tee $f
//                    i64.const 0  i64.lt_s  if  local.get $f  global.set $fuel  unreachable  end
//   sync out:        local.get $f  global.set $fuel          before every call, return, tail call, branch that
//                                                          leaves the function, and the function's final end
//   sync in:         global.get $fuel  local.set $f          after every call (the callee charged the global)
//
// So the global is exact whenever control is outside the function or in a callee, and when the fuel check traps.
// After any other trap (out-of-bounds access, division by zero, ...) the global may not include the charges of the
// trapping function's activation since its last sync. A function with 50,000 locals or more (V8's limit) uses the
// global directly at every charge instead (global.get, i64.const, i64.sub, global.set, global.get, check).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "wasm/module/binary.h"
#include "wasm/module/instructions.h"
#include "wasm/module/module_ir.h"

namespace aegis::wasm::instrument {

struct Plan {
  bool fuel = true;
  uint32_t fuel_global = 0;
  std::optional<uint32_t> grow_function;  // replace memory.grow by `call` of this function
  binary::IndexBounds bounds;             // the module's original globals/functions/types (locals: per body)
};

struct BodyInfo {
  bool mutates_tables_or_segments = false;
  bool has_memory_grow = false;
};

// Scratch buffers reused across bodies (keeps a large module's rewrite allocation-free after warm-up).
struct Scratch {
  enum class Action : uint8_t { LoopCharge, Grow, SyncOut, SyncIn };
  struct Event {
    std::size_t pos;   // offset in the body where the insertion happens
    std::size_t end;   // Grow: offset after the replaced instruction
    uint32_t region;   // LoopCharge: index into costs
    Action action;
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

// The charge sequences documented above (exposed for tests). With no local, the global-only form.
void emit_entry_charge(binary::Writer& w, uint32_t fuel_global, uint64_t cost, std::optional<uint32_t> fuel_local);
void emit_loop_charge(binary::Writer& w, uint32_t fuel_global, uint64_t cost, std::optional<uint32_t> fuel_local);

}  // namespace aegis::wasm::instrument
