// A WAF module (HOST-ABI "WAF modules": memory, alloc, dealloc, analyze_request) loaded once and shared by every
// worker, and one analysis of a request on the calling thread's FunctionRunner (its own V8 isolate, instance
// reused between analyses, fuel for the whole call sequence, the wall-clock deadline, outcome classification).
//
// Request in: the reference JSON {"method","uri","headers":[[name,value],...],"body"} plus the AEGIS extension
// "config": {"paranoia","threshold","exclude_rules":[ids],"exclude_args":[names]} (a reference module ignores it).
// Result out: {"blocked","matches":[{"rule_id","description","severity","category","matched_value","location"}],
// "execution_time_us"} plus, from the AEGIS module, "score", "threshold" and "paranoia".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "functions/edge_module.h"
#include "functions/limits.h"
#include "functions/outcome.h"

namespace aegis::waf {

inline constexpr std::size_t kMaxResultBytes = 10 * 1024 * 1024;  // HOST-ABI: a WAF result above this is refused

struct Policy {
  int paranoia = 1;
  int threshold = 5;
  std::vector<uint32_t> exclude_rules;
  std::vector<std::string> exclude_args;
};

struct RuleMatch {
  uint32_t rule_id = 0;
  std::string description;
  int severity = 0;
  std::string category;
  std::string matched_value;
  std::string location;
};

struct Verdict {
  functions::Outcome outcome;   // how the invocation ended; a malformed result is a FunctionError
  bool blocked = false;         // the module's decision (after host-side rule exclusions)
  int score = 0;                // anomaly score (AEGIS module; sum of severities for a reference module)
  std::vector<RuleMatch> matches;
  bool ok() const { return outcome.ok(); }
};

// The request as the WAF sees it.
struct Request {
  std::string_view method;
  std::string_view uri;
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body;  // already cut to the inspected size
};

// The serialised "config" member for a policy (computed once per route).
std::string policy_json(const Policy& policy);
// The request JSON handed to analyze_request; `policy_fragment` is policy_json()'s output (or empty).
std::string request_json(const Request& request, std::string_view policy_fragment);

// Parses a result JSON into *v (blocked, score, matches). False with *error when it is not the expected shape.
bool parse_result(std::string_view json, Verdict& v, std::string* error);

class WafModule {
 public:
  // Loads (prepare: import check against the WAF ABI, memory cap, fuel instrumentation) and compiles the file.
  // Throws std::runtime_error("<path>: <reason>") if it cannot be loaded or lacks an export of the WAF ABI.
  static std::shared_ptr<const WafModule> load(const std::string& path, const functions::FunctionLimits& limits);

  const functions::EdgeModule& module() const { return *module_; }
  const functions::FunctionLimits& limits() const { return limits_; }
  const std::string& path() const { return module_->path; }

  // Runs one analysis on this thread's runner. `policy` drops matches of excluded rules host-side too (for modules
  // that ignore "config").
  Verdict analyze(std::string_view request_json, const Policy& policy) const;

 private:
  std::shared_ptr<const functions::EdgeModule> module_;
  functions::FunctionLimits limits_;
};

}  // namespace aegis::waf
