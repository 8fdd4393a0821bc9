#include "waf/waf_module.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "functions/runner.h"
#include "hostapi/abi.h"
#include "hostapi/invocation.h"
#include "log/access_log.h"

namespace aegis::waf {

namespace {

using Clock = std::chrono::steady_clock;

functions::FunctionRunner& thread_runner() {
  thread_local functions::FunctionRunner runner(functions::RunnerOptions{hostapi::waf_module_imports(), 1, 64});
  return runner;
}

bool has_function(const functions::EdgeModule& m, std::string_view name, std::size_t params, std::size_t results) {
  const wasm::ModuleExport* e = m.find_export(name);
  if (!e || e->kind != wasm::ModuleExport::Kind::Function) return false;
  if (e->type.params.size() != params || e->type.results.size() != results) return false;
  for (auto t : e->type.params)
    if (t != wasm::ValType::I32) return false;
  for (auto t : e->type.results)
    if (t != wasm::ValType::I32) return false;
  return true;
}

wasm::CallOutcome failed(wasm::CallOutcome out, int32_t* rv, std::string message) {
  *rv = 1;
  out.message = std::move(message);
  return out;
}

}  // namespace

std::string policy_json(const Policy& p) {
  std::string s = "{\"paranoia\":" + std::to_string(p.paranoia) + ",\"threshold\":" + std::to_string(p.threshold) +
                  ",\"exclude_rules\":[";
  for (std::size_t i = 0; i < p.exclude_rules.size(); ++i) s += (i ? "," : "") + std::to_string(p.exclude_rules[i]);
  s += "],\"exclude_args\":[";
  for (std::size_t i = 0; i < p.exclude_args.size(); ++i) {
    if (i) s += ',';
    log::append_json_string(s, p.exclude_args[i]);
  }
  s += "]}";
  return s;
}

std::string request_json(const Request& r, std::string_view policy_fragment) {
  std::string s;
  s.reserve(64 + r.uri.size() + r.body.size() + 48 * r.headers.size() + policy_fragment.size());
  s += "{\"method\":";
  log::append_json_string(s, r.method);
  s += ",\"uri\":";
  log::append_json_string(s, r.uri);
  s += ",\"headers\":[";
  bool first = true;
  for (const auto& [n, v] : r.headers) {
    if (!first) s += ',';
    first = false;
    s += '[';
    log::append_json_string(s, n);
    s += ',';
    log::append_json_string(s, v);
    s += ']';
  }
  s += "],\"body\":";
  log::append_json_string(s, r.body);
  if (!policy_fragment.empty()) {
    s += ",\"config\":";
    s += policy_fragment;
  }
  s += '}';
  return s;
}

bool parse_result(std::string_view text, Verdict& v, std::string* error) {
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    *error = "the result is not a JSON object";
    return false;
  }
  auto b = j.find("blocked");
  if (b == j.end() || !b->is_boolean()) {
    *error = "the result has no boolean \"blocked\"";
    return false;
  }
  v.blocked = b->get<bool>();
  v.matches.clear();
  int sum = 0;
  if (auto m = j.find("matches"); m != j.end() && m->is_array()) {
    for (const auto& e : *m) {
      if (!e.is_object()) continue;
      RuleMatch rm;
      if (auto x = e.find("rule_id"); x != e.end() && x->is_number_integer()) rm.rule_id = x->get<uint32_t>();
      if (auto x = e.find("severity"); x != e.end() && x->is_number_integer()) rm.severity = x->get<int>();
      if (auto x = e.find("description"); x != e.end() && x->is_string()) rm.description = x->get<std::string>();
      if (auto x = e.find("category"); x != e.end() && x->is_string()) rm.category = x->get<std::string>();
      if (auto x = e.find("matched_value"); x != e.end() && x->is_string()) rm.matched_value = x->get<std::string>();
      if (auto x = e.find("location"); x != e.end() && x->is_string()) rm.location = x->get<std::string>();
      sum += rm.severity;
      v.matches.push_back(std::move(rm));
    }
  }
  if (auto s = j.find("score"); s != j.end() && s->is_number_integer()) v.score = s->get<int>();
  else v.score = sum;
  return true;
}

std::shared_ptr<const WafModule> WafModule::load(const std::string& path, const functions::FunctionLimits& limits) {
  functions::LoadOptions opts;
  opts.limits = limits;
  opts.allowed_imports = hostapi::waf_module_imports();
  // The module keeps its heap between analyses (alloc/dealloc are the ABI's memory protocol); an instance that
  // traps or times out is discarded and the next analysis gets a fresh one.
  opts.persistent = true;
  functions::LoadResult r = functions::load_edge_module_file(path, opts);
  if (!r) throw std::runtime_error(r.error);
  const functions::EdgeModule& m = *r.module;
  if (!m.has_memory || !m.find_export("memory"))
    throw std::runtime_error(path + ": WAF module does not export its memory as \"memory\"");
  if (!has_function(m, "alloc", 1, 1))
    throw std::runtime_error(path + ": WAF module does not export alloc(size: i32) -> i32");
  if (!has_function(m, "analyze_request", 2, 1))
    throw std::runtime_error(path + ": WAF module does not export analyze_request(ptr: i32, len: i32) -> i32");
  auto w = std::make_shared<WafModule>();
  w->module_ = r.module;
  w->limits_ = limits;
  return w;
}

Verdict WafModule::analyze(std::string_view req, const Policy& policy) const {
  Verdict v;
  std::string result;
  const bool has_dealloc = has_function(*module_, "dealloc", 2, 0);
  auto call = [&](wasm::Instance& inst, const wasm::CallOptions& opts, int32_t* rv) -> wasm::CallOutcome {
    const auto start = Clock::now();
    wasm::CallOptions o = opts;
    auto remaining = [&]() -> bool {  // shrinks the deadline to what is left of the invocation's budget
      if (opts.deadline.count() == 0) return true;
      auto left = opts.deadline - std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start);
      if (left.count() <= 0) return false;
      o.deadline = left;
      return true;
    };
    wasm::CallOutcome out;
    if (req.size() > 0x7fffffffu) return failed(out, rv, "request too large");
    wasm::Val size = wasm::Val::I32(static_cast<int32_t>(req.size()));
    wasm::Val ptr;
    out = inst.call("alloc", std::span<const wasm::Val>(&size, 1), std::span<wasm::Val>(&ptr, 1), o);
    if (out.status != wasm::CallStatus::Ok) return out;
    std::span<uint8_t> mem = inst.memory();
    const auto p = static_cast<uint32_t>(ptr.i32);
    if (p == 0 || static_cast<uint64_t>(p) + req.size() > mem.size())
      return failed(out, rv, "alloc returned an invalid pointer");
    std::memcpy(mem.data() + p, req.data(), req.size());

    if (!remaining()) {
      out.status = wasm::CallStatus::Timeout;
      return out;
    }
    wasm::Val args[2] = {ptr, size};
    wasm::Val res;
    out = inst.call("analyze_request", std::span<const wasm::Val>(args, 2), std::span<wasm::Val>(&res, 1), o);
    if (out.status != wasm::CallStatus::Ok) return out;
    mem = inst.memory();  // may have grown
    const auto rp = static_cast<uint32_t>(res.i32);
    if (static_cast<uint64_t>(rp) + 4 > mem.size()) return failed(out, rv, "result pointer out of bounds");
    uint32_t len = 0;
    for (int i = 0; i < 4; ++i) len |= static_cast<uint32_t>(mem[rp + static_cast<uint32_t>(i)]) << (8 * i);
    if (len > kMaxResultBytes) return failed(out, rv, "result longer than 10 MiB");
    if (static_cast<uint64_t>(rp) + 4 + len > mem.size()) return failed(out, rv, "result out of bounds");
    result.assign(reinterpret_cast<const char*>(mem.data() + rp + 4), len);

    if (has_dealloc && remaining()) {
      out = inst.call("dealloc", std::span<const wasm::Val>(args, 2), {}, o);
      if (out.status != wasm::CallStatus::Ok) return out;
    }
    *rv = 0;
    return out;
  };

  hostapi::InvocationContext ctx;
  v.outcome = thread_runner().invoke_call(*module_, "analyze_request", call, ctx, limits_);
  if (!v.outcome.ok()) return v;
  std::string error;
  if (!parse_result(result, v, &error)) {
    v.outcome.status = functions::OutcomeStatus::FunctionError;
    v.outcome.message = "analyze_request: " + error;
    return v;
  }
  if (!policy.exclude_rules.empty()) {  // host-side exclusions, for modules that ignore "config"
    std::size_t before = v.matches.size();
    std::erase_if(v.matches, [&](const RuleMatch& m) {
      return std::find(policy.exclude_rules.begin(), policy.exclude_rules.end(), m.rule_id) !=
             policy.exclude_rules.end();
    });
    if (v.matches.size() != before) {
      int sum = 0;
      for (const auto& m : v.matches) sum += m.severity;
      v.score = std::min(v.score, sum);
      if (v.matches.empty()) v.blocked = false;
    }
  }
  return v;
}

}  // namespace aegis::waf
