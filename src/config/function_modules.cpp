#include "config/function_modules.h"

#include "config/loader.h"

namespace aegis::config {

functions::FunctionLimits function_limits(const Function& f) {
  functions::FunctionLimits l = functions::FunctionLimits::edge_function();
  l.deadline = f.timeout;
  l.memory_bytes = f.memory;
  l.fuel = f.fuel;
  return l;
}

std::vector<LoadedFunction> load_function_modules(const Config& cfg) {
  std::vector<LoadedFunction> out;
  out.reserve(cfg.functions.size());
  for (std::size_t i = 0; i < cfg.functions.size(); ++i) {
    const Function& f = cfg.functions[i];
    LoadedFunction lf;
    lf.spec = f;
    lf.limits = function_limits(f);
    functions::LoadOptions opts;
    opts.limits = lf.limits;
    opts.entries = {f.entry};
    std::string path = f.module_path.empty() ? f.module : f.module_path;
    functions::LoadResult r = functions::load_edge_module_file(path, opts);
    if (!r)
      throw ConfigError(cfg.source_path, f.module_line, f.module_column,
                        "functions[" + std::to_string(i) + "].module", "cannot load edge function: " + r.error);
    lf.module = r.module;
    out.push_back(std::move(lf));
  }
  return out;
}

}  // namespace aegis::config
