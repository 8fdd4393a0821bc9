#include "wasm/module/instrument.h"

#include <cstdint>
#include <limits>
#include <string>

#include "wasm/module/instructions.h"

namespace aegis::wasm::instrument {

using binary::InstrKind;
using binary::Reader;
using binary::Writer;

namespace {
// V8 refuses functions with more locals than this; past it we charge without the temporary local.
constexpr uint64_t kMaxLocals = 50000;
}  // namespace

namespace {
void emit_check(Writer& w, uint32_t fuel_global, std::optional<uint32_t> fuel_local) {
  w.u8(0x42);  // i64.const 0
  w.u8(0x00);
  w.u8(0x53);  // i64.lt_s
  w.u8(0x04);  // if
  w.u8(0x40);
  if (fuel_local) {
    w.u8(0x20);  // local.get $f
    w.u32(*fuel_local);
    w.u8(0x24);  // global.set $fuel
    w.u32(fuel_global);
  }
  w.u8(0x00);  // unreachable
  w.u8(0x0b);  // end
}

void emit_global_charge(Writer& w, uint32_t fuel_global, uint64_t cost) {
  w.u8(0x23);  // global.get $fuel
  w.u32(fuel_global);
  w.u8(0x42);  // i64.const cost
  w.s64(static_cast<int64_t>(cost));
  w.u8(0x7d);  // i64.sub
  w.u8(0x24);  // global.set $fuel
  w.u32(fuel_global);
  w.u8(0x23);  // global.get $fuel
  w.u32(fuel_global);
  emit_check(w, fuel_global, std::nullopt);
}

void emit_sync_out(Writer& w, uint32_t fuel_global, uint32_t fuel_local) {
  w.u8(0x20);  // local.get $f
  w.u32(fuel_local);
  w.u8(0x24);  // global.set $fuel
  w.u32(fuel_global);
}

void emit_sync_in(Writer& w, uint32_t fuel_global, uint32_t fuel_local) {
  w.u8(0x23);  // global.get $fuel
  w.u32(fuel_global);
  w.u8(0x21);  // local.set $f
  w.u32(fuel_local);
}
}  // namespace

void emit_entry_charge(Writer& w, uint32_t fuel_global, uint64_t cost, std::optional<uint32_t> fuel_local) {
  if (!fuel_local) return emit_global_charge(w, fuel_global, cost);
  w.u8(0x23);  // global.get $fuel
  w.u32(fuel_global);
  w.u8(0x42);  // i64.const cost
  w.s64(static_cast<int64_t>(cost));
  w.u8(0x7d);  // i64.sub
  w.u8(0x22);  // local.tee $f
  w.u32(*fuel_local);
  emit_check(w, fuel_global, fuel_local);
}

void emit_loop_charge(Writer& w, uint32_t fuel_global, uint64_t cost, std::optional<uint32_t> fuel_local) {
  if (!fuel_local) return emit_global_charge(w, fuel_global, cost);
  w.u8(0x20);  // local.get $f
  w.u32(*fuel_local);
  w.u8(0x42);  // i64.const cost
  w.s64(static_cast<int64_t>(cost));
  w.u8(0x7d);  // i64.sub
  w.u8(0x22);  // local.tee $f
  w.u32(*fuel_local);
  emit_check(w, fuel_global, fuel_local);
}

BodyInfo rewrite_body(const ir::FunctionBody& body, uint32_t function_index, uint32_t num_params, const Plan& plan,
                      Writer& out, Scratch& s) {
  BodyInfo info;
  Reader r(body.bytes, body.offset);
  auto where = [&](const std::string& m) { return "function " + std::to_string(function_index) + ": " + m; };

  // Locals.
  uint32_t groups = r.count("local group count", 2);
  const std::size_t groups_end = r.pos();
  uint64_t total_locals = num_params;
  for (uint32_t i = 0; i < groups; ++i) {
    uint32_t n = r.u32("local count");
    uint8_t t = r.u8("local type");
    switch (t) {
      case ir::kI32: case ir::kI64: case ir::kF32: case ir::kF64: case ir::kV128: case ir::kFuncRef:
      case ir::kExternRef:
        break;
      default:
        r.error(where("invalid local type"));
    }
    total_locals += n;
    if (total_locals > std::numeric_limits<uint32_t>::max()) r.error(where("too many locals"));
  }
  const std::size_t code_start = r.pos();
  binary::IndexBounds bounds = plan.bounds;
  bounds.locals = total_locals;

  // The fuel local, unless the function is at V8's local limit (then the global-only charge is used).
  std::optional<uint32_t> fuel_local;
  if (plan.fuel && total_locals < kMaxLocals) fuel_local = static_cast<uint32_t>(total_locals);
  const bool sync = fuel_local.has_value();
  using Action = Scratch::Action;

  // Pass 1: instruction boundaries, region costs, events.
  s.events.clear();
  s.costs.assign(1, 0);
  s.frames.clear();
  bool ended = false;
  while (!r.at_end()) {
    if (ended) r.error(where("instructions after the final end"));
    const std::size_t at = r.pos();
    auto in = binary::read_instruction(r);
    binary::check_indices(in, bounds, body.offset + at);
    uint32_t region = s.frames.empty() ? 0 : s.frames.back();
    s.costs[region] += 1;
    if (in.mutates_tables_or_segments) info.mutates_tables_or_segments = true;
    switch (in.kind) {
      case InstrKind::Block:
        s.frames.push_back(region);
        break;
      case InstrKind::Loop: {
        auto id = static_cast<uint32_t>(s.costs.size());
        s.costs.push_back(0);
        s.frames.push_back(id);
        s.events.push_back({r.pos(), r.pos(), id, Action::LoopCharge});
        break;
      }
      case InstrKind::End:
        if (s.frames.empty()) {
          ended = true;
          if (sync) s.events.push_back({at, at, 0, Action::SyncOut});
        } else {
          s.frames.pop_back();
        }
        break;
      case InstrKind::MemoryGrow:
        info.has_memory_grow = true;
        s.events.push_back({at, r.pos(), 0, Action::Grow});
        break;
      case InstrKind::Call:
        if (sync) {
          s.events.push_back({at, at, 0, Action::SyncOut});
          s.events.push_back({r.pos(), r.pos(), 0, Action::SyncIn});
        }
        break;
      case InstrKind::TailCall:
      case InstrKind::Return:
        if (sync) s.events.push_back({at, at, 0, Action::SyncOut});
        break;
      case InstrKind::Branch:
        // Label index == number of open frames: the branch leaves the function.
        if (sync && in.label >= s.frames.size()) s.events.push_back({at, at, 0, Action::SyncOut});
        break;
      case InstrKind::Else:
      case InstrKind::Plain:
        break;
    }
  }
  if (!ended) r.error(where("body does not end with `end`"));

  const bool grow = plan.grow_function.has_value() && info.has_memory_grow;
  if (!plan.fuel && !grow) {
    out.u32(static_cast<uint32_t>(body.bytes.size()));
    out.bytes(body.bytes);
    return info;
  }

  // Pass 2: emit.
  Writer& w = s.body;
  w.out().clear();
  if (fuel_local) {
    w.u32(groups + 1);
    w.bytes(body.bytes.subspan(groups_end, code_start - groups_end));
    w.u32(1);
    w.u8(ir::kI64);
  } else {
    w.bytes(body.bytes.subspan(0, code_start));
  }
  if (plan.fuel) emit_entry_charge(w, plan.fuel_global, s.costs[0], fuel_local);
  std::size_t copied = code_start;
  std::size_t synced_in_at = SIZE_MAX;
  for (const auto& e : s.events) {
    if (e.action == Action::Grow && !grow) continue;
    if (e.action == Action::LoopCharge && !plan.fuel) continue;
    // Right after a sync in (a call followed directly by an exit or another call) the global is already current.
    if (e.action == Action::SyncOut && e.pos == synced_in_at) continue;
    if (e.action == Action::SyncIn) synced_in_at = e.pos;
    w.bytes(body.bytes.subspan(copied, e.pos - copied));
    copied = e.pos;
    switch (e.action) {
      case Action::Grow:
        w.u8(0x10);  // call $grow_helper
        w.u32(*plan.grow_function);
        copied = e.end;
        break;
      case Action::LoopCharge: emit_loop_charge(w, plan.fuel_global, s.costs[e.region], fuel_local); break;
      case Action::SyncOut: emit_sync_out(w, plan.fuel_global, *fuel_local); break;
      case Action::SyncIn: emit_sync_in(w, plan.fuel_global, *fuel_local); break;
    }
  }
  w.bytes(body.bytes.subspan(copied));
  out.u32(static_cast<uint32_t>(w.size()));
  out.bytes(w.out());
  return info;
}

}  // namespace aegis::wasm::instrument
