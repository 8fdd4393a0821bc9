// Helpers of the cache end-to-end tests: a fixture with the real test origin and the real `aegis serve` with the
// cache enabled, URLs of the origin's /cache/ resource (response headers from the query), origin-log counts,
// metrics.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/aegis_process.h"
#include "support/fs.h"
#include "support/origin_process.h"
#include "support/raw_client.h"
#include "support/polling.h"

namespace aegis::test::cache {

using Params = std::vector<std::pair<std::string, std::string>>;

inline std::string encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/') out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// "/cache/<name>?k=v&..." — the origin answers with the pairs as response headers (and _status/_delay/_size/_echo).
inline std::string resource(const std::string& name, const Params& params = {}) {
  std::string t = "/cache/" + name;
  char sep = '?';
  for (const auto& [k, v] : params) {
    t += sep;
    t += encode(k) + "=" + encode(v);
    sep = '&';
  }
  return t;
}


inline std::string cache_config(const std::string& cache_section = "cache:\n  enabled: true\n",
                                const std::string& routes = "  - path_prefix: /\n    origin: origin\n") {
  return config_preamble() + cache_section + "routes:\n" + routes;
}

class CacheServe : public ::testing::Test {
 protected:
  void start(const std::string& yaml = cache_config()) {
    Vars vars{{"ORIGIN_PORT", std::to_string(origin.port())}};
    std::string error;
    ASSERT_TRUE(aegis.start(yaml, vars, &error)) << error;
  }
  HttpResponse get(const std::string& target, const Params& headers = {}) {
    return http_request(aegis.port(), "GET", target, headers);
  }
  HttpResponse request(const std::string& method, const std::string& target, const Params& headers = {}) {
    return http_request(aegis.port(), method, target, headers);
  }
  // Requests the origin received for `target`.
  std::vector<nlohmann::json> origin_requests(const std::string& target) {
    std::vector<nlohmann::json> out;
    for (const auto& e : origin.log_entries())
      if (e.contains("target") && e["target"] == target) out.push_back(e);
    return out;
  }
  std::size_t origin_count(const std::string& target) { return origin_requests(target).size(); }
  static std::optional<std::string> header_of(const nlohmann::json& entry, std::string name) {
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& h : entry["headers"]) {
      std::string k = h[0];
      for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (k == name) return h[1].get<std::string>();
    }
    return std::nullopt;
  }
  std::string metrics() { return http_get(aegis.admin_port(), "/metrics").body; }
  HttpResponse admin(const std::string& method, const std::string& target) {
    return http_request(aegis.admin_port(), method, target);
  }

  OriginProcess origin;
  AegisProcess aegis;
};

}  // namespace aegis::test::cache
