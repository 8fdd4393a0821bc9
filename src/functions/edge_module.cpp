#include "functions/edge_module.h"

#include <fstream>
#include <iterator>

#include "hostapi/abi.h"
#include "wasm/instrumentation.h"

namespace aegis::functions {

namespace {

constexpr std::string_view kInitialize = "_initialize";

const char* kind_name(wasm::ModuleExport::Kind k) {
  switch (k) {
    case wasm::ModuleExport::Kind::Function: return "function";
    case wasm::ModuleExport::Kind::Table: return "table";
    case wasm::ModuleExport::Kind::Memory: return "memory";
    case wasm::ModuleExport::Kind::Global: return "global";
  }
  return "export";
}

std::string type_text(const wasm::FuncType& t) {
  auto one = [](wasm::ValType v) {
    switch (v) {
      case wasm::ValType::I32: return "i32";
      case wasm::ValType::I64: return "i64";
      case wasm::ValType::F32: return "f32";
      case wasm::ValType::F64: return "f64";
    }
    return "?";
  };
  std::string s = "(";
  for (std::size_t i = 0; i < t.params.size(); ++i) s += (i ? ", " : "") + std::string(one(t.params[i]));
  s += ") -> ";
  if (t.results.empty()) return s + "()";
  if (t.results.size() == 1) return s + one(t.results[0]);
  s += "(";
  for (std::size_t i = 0; i < t.results.size(); ++i) s += (i ? ", " : "") + std::string(one(t.results[i]));
  return s + ")";
}

bool is_entry_type(const wasm::FuncType& t) {
  return t.params.empty() && t.results.size() == 1 && t.results[0] == wasm::ValType::I32;
}

std::string with_path(const std::string& path, const std::string& message) {
  return path.empty() ? message : path + ": " + message;
}

}  // namespace

const wasm::ModuleExport* EdgeModule::find_export(std::string_view name) const {
  for (const auto& e : exports)
    if (e.name == name) return &e;
  return nullptr;
}

std::string EdgeModule::check_entry(std::string_view entry) const {
  const wasm::ModuleExport* e = find_export(entry);
  if (!e) {
    std::string msg = "entry point '" + std::string(entry) + "' is not exported";
    auto entries = entry_points();
    if (entries.empty()) {
      msg += " (the module exports no function of type () -> i32)";
    } else {
      msg += " (entry points: ";
      for (std::size_t i = 0; i < entries.size(); ++i) msg += (i ? ", " : "") + entries[i];
      msg += ")";
    }
    return msg;
  }
  if (e->kind != wasm::ModuleExport::Kind::Function)
    return "entry point '" + std::string(entry) + "' is a " + kind_name(e->kind) + ", not a function";
  if (!is_entry_type(e->type))
    return "entry point '" + std::string(entry) + "' has type " + type_text(e->type) + ", expected () -> i32";
  return {};
}

std::vector<std::string> EdgeModule::entry_points() const {
  std::vector<std::string> out;
  for (const auto& e : exports)
    if (e.kind == wasm::ModuleExport::Kind::Function && is_entry_type(e.type) && e.name != kInitialize)
      out.push_back(e.name);
  return out;
}

LoadResult load_edge_module(std::span<const uint8_t> bytes, const LoadOptions& options, std::string path) {
  LoadResult result;
  std::span<const wasm::HostFunction> allowed =
      options.allowed_imports.empty() ? hostapi::edge_function_imports() : options.allowed_imports;

  wasm::PrepareError perr;
  std::optional<wasm::PreparedModule> prepared =
      wasm::prepare_module(bytes, allowed, options.limits.prepare_limits(), &perr);
  if (!prepared) {
    result.error = with_path(path, perr.message.empty() ? "invalid module" : perr.message);
    return result;
  }

  auto m = std::make_shared<EdgeModule>();
  m->cid = prepared->cid;
  m->path = path;
  m->exports = prepared->exports;
  m->imports = prepared->imports;
  m->has_memory = prepared->has_memory;
  m->initial_pages = prepared->initial_pages;
  m->max_pages = prepared->max_pages;
  m->fuel_instrumented = prepared->fuel_instrumented;
  m->resettable = prepared->resettable;
  m->persistent = options.persistent;
  m->original_size = bytes.size();
  for (const auto& imp : m->imports) {
    if (imp.module != hostapi::kEnvModule) continue;
    if (imp.name == "http_get" || imp.name == "http_post" || imp.name == "http_put" || imp.name == "http_delete")
      m->needs_blocking = true;
    if (imp.name == "cache_get" || imp.name == "cache_set") m->uses_kv = true;
  }
  if (const auto* init = m->find_export(kInitialize);
      init && init->kind == wasm::ModuleExport::Kind::Function && init->type.params.empty() &&
      init->type.results.empty())
    m->has_initialize = true;

  for (const auto& entry : options.entries) {
    if (std::string why = m->check_entry(entry); !why.empty()) {
      result.error = with_path(path, why);
      return result;
    }
  }

  std::string cerr;
  m->compiled = wasm::engine().compile(prepared->bytes, &cerr);
  if (!m->compiled) {
    result.error = with_path(path, "compile failed: " + (cerr.empty() ? std::string("unknown error") : cerr));
    return result;
  }
  result.module = std::move(m);
  return result;
}

LoadResult load_edge_module_file(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return LoadResult{nullptr, path + ": cannot open file"};
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return LoadResult{nullptr, path + ": read error"};
  return load_edge_module(bytes, options, path);
}

}  // namespace aegis::functions
