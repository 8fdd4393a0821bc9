// Config model of the `waf` section (the Wasm-sandboxed WAF) and of `routes[].waf` (per-route mode, scoring
// overrides and exclusions). Owned by the WAF subsystem (src/waf); see docs/waf.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace aegis::config {

struct WafConfig {
  bool enabled = false;
  std::string module;                        // as written; "" = the module built from modules/waf
  std::string module_path;                   // resolved by the section check (config dir, then the build's wasm dir)
  int paranoia = 1;                          // 1..4
  int threshold = 5;                         // anomaly score that blocks
  std::chrono::milliseconds timeout{10};     // wall-clock deadline of one analysis
  std::size_t memory = 10 * 1024 * 1024;     // linear-memory cap of the module
  uint64_t fuel = 50000000;                  // instruction budget per analysis; 0 = off
  std::size_t max_body_bytes = 8 * 1024;     // request body bytes inspected (form/JSON/other), the rest is not

  bool operator==(const WafConfig&) const = default;
};

struct RouteWaf {
  std::string mode = "block";                // block | detect | off
  std::string on_error = "open";             // open (continue uninspected) | closed (503) on a WAF failure
  int paranoia = 0;                          // 0 = waf.paranoia
  int threshold = 0;                         // 0 = waf.threshold
  std::vector<std::string> exclude_rules;    // rule ids (digits) not applied on this route
  std::vector<std::string> exclude_args;     // argument/cookie names not inspected on this route

  bool operator==(const RouteWaf&) const = default;
};

}  // namespace aegis::config
