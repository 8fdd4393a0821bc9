// The rule set: rule metadata (id, paranoia level, severity, class) and the detectors that report matches for one
// inspected value or for the request as a whole. Every detector is linear in the length of its input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace waf {

struct RuleInfo {
  uint32_t id;
  uint8_t paranoia;   // lowest paranoia level at which the rule runs (1..4)
  uint8_t severity;   // anomaly score it adds: 5 critical, 4 error, 3 warning, 2 notice
  const char* category;
  const char* description;
};

// Builds the pattern tables (once); call before a request's allocations begin (they must outlive it).
void init_tables();

// Every rule, sorted by id.
const std::vector<RuleInfo>& all_rules();
const RuleInfo* find_rule(uint32_t id);

struct Policy {
  int paranoia = 1;
  int threshold = 5;
  std::vector<uint32_t> exclude_rules;
  std::vector<std::string> exclude_args;  // argument names (query, body, cookie) not inspected
};

struct Match {
  const RuleInfo* rule;
  std::string location;  // "URI", "Arg:q", "ArgName:q", "Body:user.name", "Cookie:sid", "Header:user-agent", "Method"
  std::string value;     // the matched text (excerpt of the normalised value)
};

// Where a value comes from: decides which rules inspect it.
enum class Source : uint8_t {
  Path,       // the decoded URI path
  Arg,        // query argument value
  ArgName,    // query/body argument name (and JSON keys)
  BodyArg,    // urlencoded form field or JSON leaf
  Cookie,     // cookie value
  HeaderFull, // user-agent, referer: every injection rule
  Header,     // any other header: Log4Shell / Shellshock / Java only
  Body,       // a raw body that could not be parsed into arguments
};

class Inspector {
 public:
  explicit Inspector(const Policy& policy) : policy_(policy) {}

  // Normalises `raw` and runs the rules for `source`; `name` is the argument/header name (for the location, RFI
  // parameter names and exclusions).
  void inspect(Source source, std::string_view name, std::string_view raw);
  // Reports a rule directly (request-level checks done by the caller: method, Host, encodings, ...).
  void report(uint32_t rule_id, std::string location, std::string_view value);

  bool arg_excluded(std::string_view name) const;
  void set_host(std::string_view host) { host_.assign(host); }

  const std::vector<Match>& matches() const { return matches_; }
  int score() const { return score_; }

 private:
  friend struct Detectors;  // rules.cpp
  bool enabled(const RuleInfo& r) const;
  void hit(uint32_t rule_id, std::string_view value);

  const Policy& policy_;
  std::vector<Match> matches_;
  std::vector<uint32_t> seen_;   // rule ids already scored
  int score_ = 0;
  std::string location_;         // of the value being inspected
  std::string host_;             // the request's Host (for off-domain RFI)
};

}  // namespace waf
