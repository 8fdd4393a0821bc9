#include "functions/runner.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>

#include "hostapi/abi.h"
#include "wasm/instrumentation.h"

namespace aegis::functions {

const char* label(OutcomeStatus s) {
  switch (s) {
    case OutcomeStatus::Ok: return "ok";
    case OutcomeStatus::FunctionError: return "function_error";
    case OutcomeStatus::Trap: return "trap";
    case OutcomeStatus::Timeout: return "timeout";
    case OutcomeStatus::Memory: return "memory";
    case OutcomeStatus::Fuel: return "fuel";
    case OutcomeStatus::InstantiateError: return "instantiate_error";
    case OutcomeStatus::HostError: return "host_error";
    case OutcomeStatus::Overloaded: return "overloaded";
  }
  return "unknown";
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kInitialize = "_initialize";

// One live instance of a module on this thread, with what was learnt about it at instantiation.
struct Slot {
  std::shared_ptr<const wasm::CompiledModule> compiled;  // keeps the key alive (no address reuse while cached)
  std::unique_ptr<wasm::Instance> instance;
  bool has_fuel = false;         // exports __aegis_fuel_set/get
  bool has_grow_flag = false;    // exports __aegis_grow_failed
  bool snapshot = false;         // capture() succeeded: restore() brings it back to the post-init state
  uint64_t last_used = 0;
};

std::string mib_text(uint64_t pages) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%" PRIu64 " pages (%.1f MiB)", pages, static_cast<double>(pages) / 16.0);
  return buf;
}

}  // namespace

struct FunctionRunner::Impl {
  RunnerOptions options;
  std::unique_ptr<wasm::Runtime> runtime;
  std::unordered_map<const wasm::CompiledModule*, Slot> idle;
  RunnerStats stats;
  uint64_t tick = 0;

  // A fresh instance, initialised and snapshotted. Start function and `_initialize` run against a scratch
  // context (their host calls must not leak into whichever request happened to trigger instantiation).
  std::unique_ptr<wasm::Instance> instantiate(const EdgeModule& m, const FunctionLimits& limits, Slot& slot,
                                              std::string* error) {
    hostapi::InvocationContext scratch;
    limits.apply_to(scratch.limits);
    wasm::CallOptions init_opts;
    init_opts.deadline = limits.deadline;
    init_opts.user_data = &scratch;
    std::string err;
    auto inst = runtime->instantiate(*m.compiled, options.imports, init_opts, &err);
    if (!inst) {
      *error = "instantiation failed: " + (err.empty() ? std::string("unknown error") : err);
      return nullptr;
    }
    ++stats.instantiations;
    slot.has_fuel = m.fuel_instrumented && inst->has_function(wasm::inject::kFuelSet) &&
                    inst->has_function(wasm::inject::kFuelGet);
    slot.has_grow_flag = inst->has_function(wasm::inject::kGrowFailed);
    if (m.has_initialize) {
      if (slot.has_fuel) set_fuel(*inst, limits);
      auto out = inst->call(kInitialize, {}, {}, init_opts);
      if (out.status != wasm::CallStatus::Ok) {
        *error = std::string("_initialize failed (") + wasm::to_string(out.status) + ")" +
                 (out.message.empty() ? "" : ": " + out.message);
        return nullptr;
      }
    }
    slot.snapshot = m.resettable && !m.persistent && inst->capture();
    return inst;
  }

  static int64_t budget_of(const FunctionLimits& limits) {
    if (!limits.fuel_enabled()) return std::numeric_limits<int64_t>::max();
    return limits.fuel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? std::numeric_limits<int64_t>::max()
               : static_cast<int64_t>(limits.fuel);
  }

  static bool set_fuel(wasm::Instance& inst, const FunctionLimits& limits) {
    wasm::Val arg = wasm::Val::I64(budget_of(limits));
    auto out = inst.call(wasm::inject::kFuelSet, std::span<const wasm::Val>(&arg, 1), {}, wasm::CallOptions{});
    return out.status == wasm::CallStatus::Ok;
  }

  static std::optional<int64_t> get_fuel(wasm::Instance& inst) {
    wasm::Val r;
    auto out = inst.call(wasm::inject::kFuelGet, {}, std::span<wasm::Val>(&r, 1), wasm::CallOptions{});
    if (out.status != wasm::CallStatus::Ok) return std::nullopt;
    return r.i64;
  }

  static bool grow_failed(wasm::Instance& inst) {
    wasm::Val r;
    auto out = inst.call(wasm::inject::kGrowFailed, {}, std::span<wasm::Val>(&r, 1), wasm::CallOptions{});
    return out.status == wasm::CallStatus::Ok && r.i32 != 0;
  }

  void trim() {
    while (idle.size() > options.max_idle_instances && !idle.empty()) {
      auto oldest = idle.begin();
      for (auto it = idle.begin(); it != idle.end(); ++it)
        if (it->second.last_used < oldest->second.last_used) oldest = it;
      idle.erase(oldest);
    }
  }

  Outcome invoke(const EdgeModule& m, std::string_view entry, hostapi::InvocationContext& ctx,
                 const FunctionLimits& limits) {
    const auto t0 = Clock::now();
    Outcome outcome;
    ++stats.invocations;
    auto finish = [&](Outcome&& o) {
      o.wall = Clock::now() - t0;
      return std::move(o);
    };

    if (!m.compiled) {
      outcome.status = OutcomeStatus::HostError;
      outcome.message = "module is not compiled";
      return finish(std::move(outcome));
    }
    if (std::string why = m.check_entry(entry); !why.empty()) {
      outcome.status = OutcomeStatus::HostError;
      outcome.message = std::move(why);
      return finish(std::move(outcome));
    }

    // ---- acquire ----
    Slot slot;
    if (auto it = idle.find(m.compiled.get()); it != idle.end()) {
      slot = std::move(it->second);
      idle.erase(it);
      ++stats.reuses;
    } else {
      std::string err;
      slot.compiled = m.compiled;
      slot.instance = instantiate(m, limits, slot, &err);
      if (!slot.instance) {
        outcome.status = OutcomeStatus::InstantiateError;
        outcome.message = std::move(err);
        return finish(std::move(outcome));
      }
      outcome.fresh_instance = true;
    }
    wasm::Instance& inst = *slot.instance;

    // ---- run ----
    limits.apply_to(ctx.limits);
    const int64_t budget = budget_of(limits);
    if (slot.has_fuel && !set_fuel(inst, limits)) {
      ++stats.discards;
      outcome.status = OutcomeStatus::HostError;
      outcome.message = "could not set the fuel budget";
      return finish(std::move(outcome));
    }
    wasm::CallOptions opts;
    opts.deadline = limits.deadline;
    opts.user_data = &ctx;
    wasm::Val result;
    wasm::CallOutcome call = inst.call(entry, {}, std::span<wasm::Val>(&result, 1), opts);

    std::optional<int64_t> fuel_left;
    if (slot.has_fuel) fuel_left = get_fuel(inst);
    if (fuel_left) outcome.fuel_used = static_cast<uint64_t>(budget - std::min<int64_t>(*fuel_left, budget));

    // ---- classify ----
    bool returned_normally = false;
    switch (call.status) {
      case wasm::CallStatus::Ok:
        returned_normally = true;
        outcome.return_value = result.i32;
        if (result.i32 == 0) {
          outcome.status = OutcomeStatus::Ok;
        } else {
          outcome.status = OutcomeStatus::FunctionError;
          outcome.message = "entry '" + std::string(entry) + "' returned " + std::to_string(result.i32);
        }
        break;
      case wasm::CallStatus::HostExit:
        if (ctx.exit_code) {
          outcome.return_value = *ctx.exit_code;
          if (*ctx.exit_code == 0) {
            outcome.status = OutcomeStatus::Ok;
          } else {
            outcome.status = OutcomeStatus::FunctionError;
            outcome.message = "proc_exit(" + std::to_string(*ctx.exit_code) + ")";
          }
        } else {
          outcome.status = OutcomeStatus::HostError;
          outcome.return_value = call.exit_code;
          outcome.message = call.message.empty() ? "host ended the call" : call.message;
        }
        break;
      case wasm::CallStatus::Trap:
        if (fuel_left && *fuel_left < 0) {
          outcome.status = OutcomeStatus::Fuel;
          outcome.fuel_used = static_cast<uint64_t>(budget);
          outcome.message = "fuel exhausted: budget of " + std::to_string(budget) + " used up";
        } else if (slot.has_grow_flag && grow_failed(inst)) {
          outcome.status = OutcomeStatus::Memory;
          outcome.message = "memory limit: memory.grow refused at the cap of " + mib_text(m.max_pages) +
                            ", then trapped" + (call.message.empty() ? "" : ": " + call.message);
        } else {
          outcome.status = OutcomeStatus::Trap;
          outcome.message = call.message.empty() ? "trap" : call.message;
        }
        break;
      case wasm::CallStatus::Timeout:
        outcome.status = OutcomeStatus::Timeout;
        outcome.message = "deadline of " + std::to_string(limits.deadline.count()) + " ms exceeded";
        break;
      case wasm::CallStatus::NotFound:
      case wasm::CallStatus::EngineError:
        outcome.status = OutcomeStatus::HostError;
        outcome.message = std::string(wasm::to_string(call.status)) + (call.message.empty() ? "" : ": " + call.message);
        break;
    }

    // ---- release ----
    // Keep the instance only after a normal return (0 or an error code): its state is consistent. A trap, a
    // timeout or proc_exit may have left it mid-way, so it is discarded.
    bool keep = returned_normally;
    if (keep && !m.persistent) keep = slot.snapshot && inst.restore();
    if (keep) {
      slot.last_used = ++tick;
      idle.emplace(m.compiled.get(), std::move(slot));
      trim();
    } else {
      ++stats.discards;
    }
    return finish(std::move(outcome));
  }
};

FunctionRunner::FunctionRunner(RunnerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  if (impl_->options.imports.empty()) impl_->options.imports = hostapi::edge_function_imports();
  if (impl_->options.max_idle_instances == 0) impl_->options.max_idle_instances = 1;
  impl_->runtime = wasm::engine().create_runtime();
}

FunctionRunner::~FunctionRunner() {
  if (impl_) impl_->idle.clear();  // instances before the runtime that owns them
}

Outcome FunctionRunner::invoke(const EdgeModule& module, std::string_view entry, hostapi::InvocationContext& ctx,
                               const FunctionLimits& limits) {
  return impl_->invoke(module, entry, ctx, limits);
}

void FunctionRunner::evict(const EdgeModule& module) { impl_->idle.erase(module.compiled.get()); }

std::size_t FunctionRunner::idle_instances() const { return impl_->idle.size(); }

const RunnerStats& FunctionRunner::stats() const { return impl_->stats; }

}  // namespace aegis::functions
