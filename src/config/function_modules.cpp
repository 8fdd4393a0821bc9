#include "config/function_modules.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "config/loader.h"

namespace aegis::config {

functions::FunctionLimits function_limits(const Function& f) {
  functions::FunctionLimits l = functions::FunctionLimits::edge_function();
  l.deadline = f.timeout;
  l.memory_bytes = f.memory;
  l.fuel = f.fuel;
  return l;
}

Function effective_function(const Config& cfg, const FunctionUse& use, const std::string& key) {
  Function f;
  if (const Function* base = cfg.find_function(use.name)) f = *base;
  else f.name = use.name;
  if (use.module) {
    f.module = *use.module;
    f.module_path = use.module_path.empty() ? *use.module : use.module_path;
    f.module_line = use.module_line;
    f.module_column = use.module_column;
    f.module_key = key + ".module";
  } else if (use.entry) {
    f.module_line = use.line;  // a missing entry is reported at the use
    f.module_column = use.column;
    f.module_key = key + ".entry";
  }
  if (use.entry) f.entry = *use.entry;
  if (use.phase) f.phase = *use.phase;
  if (use.on_error) f.on_error = *use.on_error;
  if (use.timeout) f.timeout = *use.timeout;
  if (use.memory) f.memory = *use.memory;
  if (use.fuel) f.fuel = *use.fuel;
  for (const auto& [name, value] : use.env) {
    auto it = std::find_if(f.env.begin(), f.env.end(), [&](const auto& e) { return e.first == name; });
    if (it != f.env.end()) it->second = value;
    else f.env.emplace_back(name, value);
  }
  return f;
}

LoadedFunctions load_function_modules(const Config& cfg) {
  LoadedFunctions out;
  // One compiled module per (file, memory cap, fuel on/off): what preparing the module depends on.
  std::map<std::tuple<std::string, std::size_t, bool>, std::shared_ptr<const functions::EdgeModule>> modules;
  auto add = [&](const Function& f) -> std::size_t {
    for (std::size_t k = 0; k < out.functions.size(); ++k)
      if (out.functions[k].spec == f) return k;
    LoadedFunction lf;
    lf.spec = f;
    lf.limits = function_limits(f);
    std::string path = f.module_path.empty() ? f.module : f.module_path;
    std::string key = f.module_key.empty() ? "functions[?].module" : f.module_key;
    auto& m = modules[{path, f.memory, f.fuel != 0}];
    if (!m) {
      functions::LoadOptions opts;
      opts.limits = lf.limits;
      functions::LoadResult r = functions::load_edge_module_file(path, opts);
      if (!r)
        throw ConfigError(cfg.source_path, f.module_line, f.module_column, key,
                          "cannot load edge function: " + r.error);
      m = r.module;
    }
    if (std::string why = m->check_entry(f.entry); !why.empty())
      throw ConfigError(cfg.source_path, f.module_line, f.module_column, key,
                        "cannot load edge function: " + path + ": " + why);
    lf.module = m;
    out.functions.push_back(std::move(lf));
    return out.functions.size() - 1;
  };
  for (const Function& f : cfg.functions) add(f);
  out.uses.resize(cfg.routes.size());
  for (std::size_t i = 0; i < cfg.routes.size(); ++i)
    for (std::size_t j = 0; j < cfg.routes[i].functions.size(); ++j) {
      std::string key = "routes[" + std::to_string(i) + "].functions[" + std::to_string(j) + "]";
      out.uses[i].push_back(add(effective_function(cfg, cfg.routes[i].functions[j], key)));
    }
  return out;
}

}  // namespace aegis::config
