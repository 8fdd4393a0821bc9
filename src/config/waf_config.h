// Config model of the `waf` section (the Wasm-sandboxed WAF) and of `routes[].waf` (per-route mode and exclusions).
// Owned by the WAF subsystem (src/waf).
#pragma once

#include <string>

namespace aegis::config {

struct WafConfig {
  bool enabled = false;

  bool operator==(const WafConfig&) const = default;
};

struct RouteWaf {
  std::string mode = "block";  // block | detect | off

  bool operator==(const RouteWaf&) const = default;
};

}  // namespace aegis::config
