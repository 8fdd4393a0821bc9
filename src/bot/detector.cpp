#include "bot/detector.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "hostapi/abi.h"
#include "hostapi/invocation.h"
#include "functions/runner.h"
#include "wasm/engine.h"

namespace aegis::bot {
namespace {

constexpr std::size_t kMaxAgentBytes = 8192;  // longer agents are cut (the host already calls them malformed)

// This thread's runner (its own V8 isolate and instance pool), created on first use, linking the bot ABI.
functions::FunctionRunner& thread_runner() {
  thread_local functions::FunctionRunner runner([] {
    functions::RunnerOptions o;
    o.imports = hostapi::bot_module_imports();
    return o;
  }());
  return runner;
}

std::string describe(const wasm::FuncType& t) {
  auto list = [](const std::vector<wasm::ValType>& v) {
    std::string s = "(";
    for (std::size_t i = 0; i < v.size(); ++i) {
      s += i ? ", " : "";
      switch (v[i]) {
        case wasm::ValType::I32: s += "i32"; break;
        case wasm::ValType::I64: s += "i64"; break;
        case wasm::ValType::F32: s += "f32"; break;
        case wasm::ValType::F64: s += "f64"; break;
      }
    }
    return s + ")";
  };
  return list(t.params) + " -> " + list(t.results);
}

void require_export(const functions::EdgeModule& m, const std::string& name, std::string_view export_name,
                    const wasm::FuncType& type, bool optional = false) {
  const wasm::ModuleExport* e = m.find_export(export_name);
  if (!e) {
    if (optional) return;
    throw std::runtime_error(name + ": not a bot-detector module: missing export '" + std::string(export_name) +
                             "' " + describe(type));
  }
  if (e->kind != wasm::ModuleExport::Kind::Function || !(e->type == type))
    throw std::runtime_error(name + ": export '" + std::string(export_name) + "' must be a function " +
                             describe(type) + (e->kind == wasm::ModuleExport::Kind::Function
                                                   ? ", found " + describe(e->type)
                                                   : std::string(", found a non-function export")));
}

}  // namespace

std::string BotDetector::default_module_path() { return AEGIS_BOT_DEFAULT_MODULE; }

std::shared_ptr<const BotDetector> BotDetector::load(const config::BotConfig& cfg) {
  std::string path = cfg.detector_path.empty() ? default_module_path() : cfg.detector_path;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the bot-detector module");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  functions::FunctionLimits limits = functions::FunctionLimits::waf_module();
  limits.deadline = cfg.detector_timeout;
  limits.memory_bytes = cfg.detector_memory;
  limits.fuel = cfg.detector_fuel;
  return load_bytes(bytes, limits, path);
}

std::shared_ptr<const BotDetector> BotDetector::load_bytes(std::string_view bytes,
                                                           const functions::FunctionLimits& limits,
                                                           const std::string& name) {
  functions::LoadOptions opts;
  opts.limits = limits;
  opts.allowed_imports = hostapi::bot_module_imports();
  auto result = functions::load_edge_module(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), opts, name);
  if (!result) throw std::runtime_error(result.error);
  const functions::EdgeModule& m = *result.module;
  using VT = wasm::ValType;
  if (!m.has_memory) throw std::runtime_error(name + ": not a bot-detector module: no exported memory");
  require_export(m, name, "alloc", wasm::FuncType{{VT::I32}, {VT::I32}});
  require_export(m, name, "detect_bot", wasm::FuncType{{VT::I32, VT::I32}, {VT::I32}});
  require_export(m, name, "dealloc", wasm::FuncType{{VT::I32, VT::I32}, {}}, /*optional=*/true);
  auto d = std::shared_ptr<BotDetector>(new BotDetector());
  d->name_ = name;
  d->module_ = result.module;
  d->limits_ = limits;
  return d;
}

DetectResult BotDetector::detect(std::string_view user_agent) const {
  if (user_agent.size() > kMaxAgentBytes) user_agent = user_agent.substr(0, kMaxAgentBytes);
  int32_t verdict = -1;
  // alloc(len) → copy the agent into guest memory → detect_bot(ptr, len).
  auto call = [&](wasm::Instance& inst, const wasm::CallOptions& opts, int32_t* rv) -> wasm::CallOutcome {
    wasm::Val arg = wasm::Val::I32(static_cast<int32_t>(user_agent.size()));
    wasm::Val ptr;
    wasm::CallOutcome out = inst.call("alloc", std::span<const wasm::Val>(&arg, 1), std::span<wasm::Val>(&ptr, 1), opts);
    if (out.status != wasm::CallStatus::Ok) return out;
    std::span<uint8_t> mem = inst.memory();
    uint64_t p = static_cast<uint32_t>(ptr.i32);
    if (p + user_agent.size() > mem.size()) {
      *rv = -1;
      out.message = "alloc returned " + std::to_string(p) + ", outside memory for " +
                    std::to_string(user_agent.size()) + " bytes";
      return out;
    }
    if (!user_agent.empty()) std::memcpy(mem.data() + p, user_agent.data(), user_agent.size());
    wasm::Val args[2] = {wasm::Val::I32(static_cast<int32_t>(p)),
                         wasm::Val::I32(static_cast<int32_t>(user_agent.size()))};
    wasm::Val v;
    out = inst.call("detect_bot", std::span<const wasm::Val>(args, 2), std::span<wasm::Val>(&v, 1), opts);
    if (out.status != wasm::CallStatus::Ok) return out;
    verdict = v.i32;
    if (verdict < 0 || verdict > 2) {
      *rv = verdict;  // nonzero: a FunctionError
      out.message = "detect_bot returned " + std::to_string(verdict) + " (expected 0, 1 or 2)";
    }
    return out;
  };
  hostapi::InvocationContext ic;  // for the WASI imports (fd_write → log, proc_exit)
  DetectResult r;
  r.outcome = thread_runner().invoke_call(*module_, "detect_bot", call, ic, limits_);
  r.failed = !r.outcome.ok();
  r.verdict = r.failed ? DetectorVerdict::kSuspicious : static_cast<DetectorVerdict>(verdict);
  return r;
}

}  // namespace aegis::bot
