// Loading the edge-function modules a Config names (`functions:`): each file is prepared and compiled once
// (functions::load_edge_module_file) with the limits and entry point configured for it. Used by `aegis check`
// and by every snapshot the server builds (start and reload), so a module that does not load is reported the same
// way as any other config error: FILE:LINE:COL: functions[i].module: <loader's reason>.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "functions/edge_module.h"
#include "functions/limits.h"

namespace aegis::config {

struct LoadedFunction {
  Function spec;                                           // a copy of the config entry
  std::shared_ptr<const functions::EdgeModule> module;     // compiled, shared by every worker
  functions::FunctionLimits limits;                        // edge-function defaults with the configured overrides
};

// The limits a function runs under: FunctionLimits::edge_function() with timeout, memory and fuel from `f`.
functions::FunctionLimits function_limits(const Function& f);

// Loads every module of cfg.functions, in order. Throws ConfigError naming the config file, the position of the
// `module` key and the loader's reason when one cannot be loaded (or lacks the entry point).
std::vector<LoadedFunction> load_function_modules(const Config& cfg);

}  // namespace aegis::config
