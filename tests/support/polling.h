// Waiting for something to become true, and reading one sample out of a /metrics scrape — shared by the e2e tests.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

namespace aegis::test {

// Polls pred() every 20 ms until it is true or the timeout passes.
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// The value of one sample in Prometheus text exposition (`name{labels} value`), e.g.
// metric_value(text, "aegis_http_requests_total{class=\"2xx\"}").
inline std::optional<double> metric_value(const std::string& text, const std::string& series) {
  std::size_t pos = 0;
  while ((pos = text.find(series, pos)) != std::string::npos) {
    bool line_start = pos == 0 || text[pos - 1] == '\n';
    std::size_t after = pos + series.size();
    if (line_start && after < text.size() && text[after] == ' ') {
      std::size_t eol = text.find('\n', after);
      return std::stod(text.substr(after + 1, eol - after - 1));
    }
    pos = after;
  }
  return std::nullopt;
}

}  // namespace aegis::test
