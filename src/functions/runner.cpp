#include "functions/runner.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hostapi/abi.h"
#include "wasm/instrumentation.h"
#include "wasm/pool/instance_pool.h"

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

std::string mib_text(uint64_t pages) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%" PRIu64 " pages (%.1f MiB)", pages, static_cast<double>(pages) / 16.0);
  return buf;
}

int64_t budget_of(const FunctionLimits& limits) {
  if (!limits.fuel_enabled()) return std::numeric_limits<int64_t>::max();
  return limits.fuel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(limits.fuel);
}

bool set_fuel(wasm::Instance& inst, int64_t budget) {
  wasm::Val arg = wasm::Val::I64(budget);
  auto out = inst.call(wasm::inject::kFuelSet, std::span<const wasm::Val>(&arg, 1), {}, wasm::CallOptions{});
  return out.status == wasm::CallStatus::Ok;
}

std::optional<int64_t> get_fuel(wasm::Instance& inst) {
  wasm::Val r;
  auto out = inst.call(wasm::inject::kFuelGet, {}, std::span<wasm::Val>(&r, 1), wasm::CallOptions{});
  if (out.status != wasm::CallStatus::Ok) return std::nullopt;
  return r.i64;
}

bool restore_globals(wasm::Instance& inst) {
  return inst.call(wasm::inject::kGlobalsRestore, {}, {}, wasm::CallOptions{}).status == wasm::CallStatus::Ok;
}

bool grow_failed(wasm::Instance& inst) {
  wasm::Val r;
  auto out = inst.call(wasm::inject::kGrowFailed, {}, std::span<wasm::Val>(&r, 1), wasm::CallOptions{});
  return out.status == wasm::CallStatus::Ok && r.i32 != 0;
}

wasm::ReuseMode reuse_mode(const EdgeModule& m) {
  if (m.persistent) return wasm::ReuseMode::Persistent;
  return m.resettable ? wasm::ReuseMode::Reset : wasm::ReuseMode::Fresh;
}

}  // namespace

struct FunctionRunner::Impl {
  // What the pool needs to instantiate a module, built once per module (copying the import list per invocation
  // would cost more than the invocation). Holds the compiled module only weakly: the module store owns it.
  struct Cached {
    std::weak_ptr<const wasm::CompiledModule> owner;
    wasm::PoolModule pool_module;  // .compiled is set only for the duration of an acquire()
    // Entries already checked against the module, with their wrapper's export name (instrumentation.h
    // kEntryPrefix); usually one or two (e.g. handle_request and on_response).
    struct Entry {
      std::string name, wrapper;
    };
    std::vector<Entry> entries;
  };

  // What a WASI reactor's `_initialize` runs under when the pool creates a fresh instance during invoke().
  struct InitLimits {
    int64_t budget = 0;
    std::chrono::nanoseconds deadline{0};
  };

  RunnerOptions options;
  std::unique_ptr<wasm::Runtime> runtime;
  std::unique_ptr<wasm::InstancePool> pool;
  std::unordered_map<const wasm::CompiledModule*, Cached> modules;
  RunnerStats stats;
  InitLimits init_limits;

  explicit Impl(RunnerOptions opts) : options(opts) {
    if (options.imports.empty()) options.imports = hostapi::edge_function_imports();
    runtime = wasm::engine().create_runtime();
    wasm::InstancePool::Options po;
    po.max_idle_per_module = options.max_idle_per_module == 0 ? 1 : options.max_idle_per_module;
    pool = std::make_unique<wasm::InstancePool>(*runtime, po);
  }
  ~Impl() { pool.reset(); }  // instances before the runtime that owns them

  Cached& cached_for(const EdgeModule& m) {
    Cached& c = modules[m.compiled.get()];
    // New, or the address was reused by another module after the old one was freed.
    if (c.owner.expired() || c.owner.lock() != m.compiled || c.pool_module.mode != reuse_mode(m)) {
      c.owner = m.compiled;
      c.pool_module.imports.assign(options.imports.begin(), options.imports.end());
      c.pool_module.mode = reuse_mode(m);
      c.pool_module.start_options.user_data = nullptr;  // a start function gets no request context
      // The first call of every invocation restores the globals (the entry wrapper, or restore_globals()).
      c.pool_module.caller_restores_globals = true;
      // A WASI reactor's `_initialize` runs once on every fresh instance, before the snapshot is captured, so a
      // reset brings back the initialised state (and a persistent instance is initialised once). It gets no
      // request context, the invocation's fuel budget and deadline.
      c.pool_module.initialize = nullptr;
      if (m.has_initialize) {
        c.pool_module.initialize = [this, fuel = m.fuel_instrumented](wasm::Instance& inst, std::string* error) {
          if (fuel && !set_fuel(inst, init_limits.budget)) {
            *error = "_initialize failed: could not set the fuel budget";
            return false;
          }
          wasm::CallOptions init;
          init.deadline = init_limits.deadline;
          auto out = inst.call(kInitialize, {}, {}, init);
          if (out.status == wasm::CallStatus::Ok) return true;
          *error = std::string("_initialize failed (") + wasm::to_string(out.status) + ")" +
                   (out.message.empty() ? "" : ": " + out.message);
          return false;
        };
      }
      c.entries.clear();
      if (modules.size() > 2 * options.max_modules) {
        for (auto it = modules.begin(); it != modules.end();)
          it = it->second.owner.expired() ? modules.erase(it) : std::next(it);
      }
    }
    return c;  // erasing other (expired) entries left `c` in place
  }

  Outcome invoke(const EdgeModule& m, std::string_view entry, hostapi::InvocationContext& ctx,
                 const FunctionLimits& limits, const GuestCall* custom = nullptr) {
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
    Cached& cached = cached_for(m);
    // An entry is checked once per module (cached.entries is cleared when the module changes).
    const std::string* wrapper = nullptr;
    if (!custom) {
      for (const auto& e : cached.entries)
        if (e.name == entry) wrapper = &e.wrapper;
      if (!wrapper) {
        if (std::string why = m.check_entry(entry); !why.empty()) {
          outcome.status = OutcomeStatus::HostError;
          outcome.message = std::move(why);
          return finish(std::move(outcome));
        }
        if (cached.entries.size() >= 8) cached.entries.clear();  // bounded: entries come from the config
        cached.entries.push_back({std::string(entry), std::string(wasm::inject::kEntryPrefix) + std::string(entry)});
        wrapper = &cached.entries.back().wrapper;
      }
    }

    // ---- acquire: an idle instance reset to its snapshot, or a fresh one (its start function and a WASI
    // reactor's `_initialize` run here, before the snapshot, with no request context) ----
    wasm::PoolModule& pm = cached.pool_module;
    const int64_t budget = budget_of(limits);
    pm.start_options.deadline = limits.deadline;
    pm.compiled = m.compiled;
    init_limits = InitLimits{budget, limits.deadline};
    const uint64_t instantiated_before = pool->stats().instantiated;
    std::string err;
    wasm::InstancePool::Lease lease = pool->acquire(pm, &err);
    pm.compiled.reset();
    if (!lease) {
      outcome.status = OutcomeStatus::InstantiateError;
      if (err.empty()) err = "unknown error";
      outcome.message = err.starts_with("_initialize failed") ? err : "instantiation failed: " + err;
      return finish(std::move(outcome));
    }
    outcome.fresh_instance = pool->stats().instantiated != instantiated_before;
    if (outcome.fresh_instance) ++stats.instantiations; else ++stats.reuses;
    wasm::Instance& inst = *lease;

    // ---- run ----
    limits.apply_to(ctx.limits);
    wasm::CallOptions opts;
    opts.deadline = limits.deadline_for(m.needs_blocking);
    opts.user_data = &ctx;
    wasm::Val result;
    wasm::CallOutcome call;
    std::optional<int64_t> fuel_left;
    // The entry wrapper does the globals reset, the fuel budget, the entry call and the fuel readout in one call.
    if (wrapper && inst.has_function(*wrapper)) {
      const auto bits = static_cast<uint64_t>(budget);
      const wasm::Val args[3] = {wasm::Val::I32(static_cast<int32_t>(static_cast<uint32_t>(bits))),
                                 wasm::Val::I32(static_cast<int32_t>(static_cast<uint32_t>(bits >> 32))),
                                 wasm::Val::I32(lease.globals_pending() ? 1 : 0)};
      wasm::Val packed = wasm::Val::I64(0);
      call = inst.call(*wrapper, args, std::span<wasm::Val>(&packed, 1), opts);
      if (call.status == wasm::CallStatus::Ok) {
        result = wasm::Val::I32(static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(packed.i64))));
        if (m.fuel_instrumented && budget <= std::numeric_limits<int32_t>::max())
          fuel_left = packed.i64 >> 32;  // exact: 0 <= left <= budget < 2^31
      }
    } else {
      if (lease.globals_pending() && !restore_globals(inst)) {
        lease.release(false);
        ++stats.discards;
        outcome.status = OutcomeStatus::HostError;
        outcome.message = "could not reset the instance's globals";
        return finish(std::move(outcome));
      }
      if (m.fuel_instrumented && !set_fuel(inst, budget)) {
        lease.release(false);
        ++stats.discards;
        outcome.status = OutcomeStatus::HostError;
        outcome.message = "could not set the fuel budget";
        return finish(std::move(outcome));
      }
      if (custom) {
        int32_t rv = 0;
        call = (*custom)(inst, opts, &rv);
        result.i32 = rv;
      } else {
        call = inst.call(entry, {}, std::span<wasm::Val>(&result, 1), opts);
      }
    }

    if (m.fuel_instrumented && !fuel_left) fuel_left = get_fuel(inst);
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
          outcome.message = custom && !call.message.empty()
                                ? std::string(entry) + ": " + call.message
                                : "entry '" + std::string(entry) + "' returned " + std::to_string(result.i32);
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
        } else if (m.has_memory && grow_failed(inst)) {
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
        outcome.message =
            "deadline of " + std::to_string(limits.deadline_for(m.needs_blocking).count()) + " ms exceeded";
        break;
      case wasm::CallStatus::NotFound:
      case wasm::CallStatus::EngineError:
        outcome.status = OutcomeStatus::HostError;
        outcome.message =
            std::string(wasm::to_string(call.status)) + (call.message.empty() ? "" : ": " + call.message);
        break;
    }

    // ---- release ----
    // Pool the instance again only after a normal return (0 or an error code): its state is consistent and the
    // next acquire resets it. A trap, a timeout or proc_exit may have left it mid-way: it is destroyed.
    if (!returned_normally) ++stats.discards;
    lease.release(returned_normally);
    return finish(std::move(outcome));
  }
};

FunctionRunner::FunctionRunner(RunnerOptions options) : impl_(std::make_unique<Impl>(options)) {}

FunctionRunner::~FunctionRunner() = default;

Outcome FunctionRunner::invoke(const EdgeModule& module, std::string_view entry, hostapi::InvocationContext& ctx,
                               const FunctionLimits& limits) {
  return impl_->invoke(module, entry, ctx, limits);
}

void FunctionRunner::evict(const EdgeModule& module) {
  if (!module.compiled) return;
  impl_->pool->evict(*module.compiled);
  impl_->modules.erase(module.compiled.get());
}

std::size_t FunctionRunner::idle_instances(const EdgeModule& module) const {
  return module.compiled ? impl_->pool->idle_count(*module.compiled) : 0;
}

Outcome FunctionRunner::invoke_call(const EdgeModule& module, std::string_view label, const GuestCall& call,
                                    hostapi::InvocationContext& ctx, const FunctionLimits& limits) {
  return impl_->invoke(module, label, ctx, limits, &call);
}

const RunnerStats& FunctionRunner::stats() const { return impl_->stats; }

}  // namespace aegis::functions
