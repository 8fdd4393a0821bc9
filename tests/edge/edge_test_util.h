// Helpers shared by the edge-function end-to-end tests: module paths, config snippets, origin-log and metric
// lookups, and a fixture with the real test origin and the real `aegis serve`.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/aegis_process.h"
#include "support/fs.h"
#include "support/origin_process.h"
#include "support/raw_client.h"
#include "support/polling.h"

namespace aegis::test::edge {

inline std::string wasm(const std::string& name) { return std::string(AEGIS_WASM_DIR) + "/" + name + ".wasm"; }


// A serve config with `functions` (YAML list items) and `routes` (YAML list items) filled in; a catch-all route
// without functions is added unless `routes` has one.
inline std::string config(const std::string& functions, const std::string& routes) {
  return config_preamble() + "functions:\n" + functions + "routes:\n" + routes +
         (routes.find("path_prefix: /\n") == std::string::npos ? "  - path_prefix: /\n    origin: origin\n" : "");
}

inline std::string fn(const std::string& name, const std::string& module, const std::string& more = {}) {
  return "  - name: " + name + "\n    module: " + module + "\n" + more;
}
inline std::string route(const std::string& prefix, const std::string& functions) {
  return "  - path_prefix: " + prefix + "\n    origin: origin\n    functions: [" + functions + "]\n";
}

// The origin's log entry of the last request whose target is `target` (null if none).
inline nlohmann::json origin_entry(const OriginProcess& origin, const std::string& target) {
  nlohmann::json out;
  for (const auto& e : origin.log_entries())
    if (e.contains("target") && e["target"] == target) out = e;
  return out;
}

// The values of header `name` (lower case) that the origin received with the last request whose target is
// `target`, in order (empty if none, or no such request).
inline std::vector<std::string> origin_header_values(const OriginProcess& origin, const std::string& target,
                                                     const std::string& name) {
  std::vector<std::string> out;
  nlohmann::json e = origin_entry(origin, target);
  if (e.is_null()) return out;
  for (const auto& h : e["headers"]) {
    std::string k = h[0];
    for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (k == name) out.push_back(h[1].get<std::string>());
  }
  return out;
}

// The last value of header `name` (lower case) the origin received with the last request whose target is `target`.
inline std::optional<std::string> origin_header(const OriginProcess& origin, const std::string& target,
                                                const std::string& name) {
  auto values = origin_header_values(origin, target, name);
  if (values.empty()) return std::nullopt;
  return values.back();
}

class Edge : public ::testing::Test {
 protected:
  void start(const std::string& yaml, Vars vars = {}, AegisProcess::Options options = {}) {
    vars["ORIGIN_PORT"] = std::to_string(origin.port());
    std::string error;
    ASSERT_TRUE(aegis.start(yaml, vars, options, &error)) << error;
    started = true;
  }
  bool started = false;
  std::string metrics() { return http_get(aegis.admin_port(), "/metrics").body; }
  OriginProcess origin;
  AegisProcess aegis;
};

}  // namespace aegis::test::edge
