// BotDetector: a bot-detector Wasm module (HOST-ABI "Bot-detector modules") loaded once per config snapshot and
// called on the worker threads.
//
//   exports  memory, alloc(size) -> ptr, optional dealloc(ptr, size), detect_bot(ua_ptr, ua_len) -> verdict
//   imports  none needed; the WASI preview1 subset is allowed (hostapi::bot_module_imports())
//
// One call: acquire an instance of this thread's pool (reset to its post-initialisation snapshot) → fuel budget →
// alloc(len) → copy the User-Agent in → detect_bot → verdict 0 human / 1 good crawler / 2 suspicious. Anything
// else, a trap, a timeout, fuel or memory exhaustion counts as suspicious (DetectResult::failed). Limits
// (deadline, memory, fuel) come from the `bot` config section (reference WAF-module figures by default).
//
// The module is loaded and checked with src/functions (load_edge_module: import check, memory/table caps, fuel
// instrumentation) and run by a per-thread FunctionRunner (FunctionRunner::invoke_call: instance pooling, fuel,
// deadline, Outcome classification) linking hostapi::bot_module_imports().
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "bot/classifier.h"
#include "config/bot_config.h"
#include "functions/edge_module.h"
#include "functions/limits.h"
#include "functions/outcome.h"

namespace aegis::bot {

struct DetectResult {
  DetectorVerdict verdict = DetectorVerdict::kSuspicious;
  bool failed = false;          // not a clean 0/1/2 answer: counted as suspicious
  functions::Outcome outcome;   // how the call ended (status, message, fuel, wall time)
};

class BotDetector {
 public:
  // Loads the module of `cfg` (cfg.detector_path, or the default module of this build when empty). Throws
  // std::runtime_error naming the file and what is wrong (missing export, wrong signature, import not allowed).
  static std::shared_ptr<const BotDetector> load(const config::BotConfig& cfg);
  // Loads a module from bytes (tests, tools).
  static std::shared_ptr<const BotDetector> load_bytes(std::string_view bytes, const functions::FunctionLimits& limits,
                                                       const std::string& name);

  // Path of the default detector module built from modules/bot.
  static std::string default_module_path();

  // Runs detect_bot on this thread. Thread-safe (each thread has its own instances).
  DetectResult detect(std::string_view user_agent) const;

  const std::string& name() const { return name_; }  // file path (or the name given to load_bytes)
  const functions::EdgeModule& module() const { return *module_; }
  const functions::FunctionLimits& limits() const { return limits_; }

 private:
  std::string name_;
  std::shared_ptr<const functions::EdgeModule> module_;
  functions::FunctionLimits limits_;
};

}  // namespace aegis::bot
