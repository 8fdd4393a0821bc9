// Loading the edge-function modules a Config names (`functions:` and the per-use overrides in
// `routes[].functions`): each distinct module file is prepared and compiled once (functions::load_edge_module_file)
// per memory cap / fuel setting, and every function's entry point is checked. Used by `aegis check` and by every
// snapshot the server builds (start and reload), so a module that does not load is reported the same way as any
// other config error: FILE:LINE:COL: functions[i].module (or routes[i].functions[j].module): <loader's reason>.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "functions/edge_module.h"
#include "functions/limits.h"

namespace aegis::config {

struct LoadedFunction {
  Function spec;                                           // the effective settings (function + use overrides)
  std::shared_ptr<const functions::EdgeModule> module;     // compiled, shared by every worker
  functions::FunctionLimits limits;                        // edge-function defaults with the configured overrides
};

struct LoadedFunctions {
  // Every top-level function (same order as Config::functions), then each distinct use whose overrides make it
  // differ from its function (or that defines one inline).
  std::vector<LoadedFunction> functions;
  // uses[i][j]: index into `functions` of routes[i].functions[j].
  std::vector<std::vector<std::size_t>> uses;
};

// The limits a function runs under: FunctionLimits::edge_function() with timeout, memory and fuel from `f`.
functions::FunctionLimits function_limits(const Function& f);

// A use's settings: its function's (or the defaults, for one defined inline) with the use's overrides applied.
// `key` names the use ("routes[1].functions[0]") for errors about an overridden module.
Function effective_function(const Config& cfg, const FunctionUse& use, const std::string& key);

// Loads every module the config names. Throws ConfigError naming the config file, the position of the `module`
// key and the loader's reason when one cannot be loaded (or lacks the entry point).
LoadedFunctions load_function_modules(const Config& cfg);

}  // namespace aegis::config
