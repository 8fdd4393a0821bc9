// OriginProcess: runs `aegis_test_origin` (a real, separate HTTP/1.1 origin process) on an ephemeral port and
// reads back its request log (one JSON object per request it received).
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/fs.h"
#include "support/process.h"

namespace aegis::test {

class OriginProcess {
 public:
  struct Options {
    std::optional<int> close_idle_after_ms;  // --close-idle-after
  };

  // Starts the origin; throws std::runtime_error if it does not come up.
  OriginProcess() : OriginProcess(Options{}) {}
  explicit OriginProcess(const Options& options);
  ~OriginProcess() = default;

  uint16_t port() const { return port_; }
  const std::string& log_path() const { return log_path_; }
  std::string log_text() const { return read_file(log_path_); }
  // Every logged entry (requests, and {"error","raw"} entries for bytes it could not parse).
  std::vector<nlohmann::json> log_entries() const;
  // Targets of the requests received, in arrival order.
  std::vector<std::string> targets() const;
  // True if any request target or unparseable raw bytes contain `needle`.
  bool saw(std::string_view needle) const;
  // Waits until at least n request entries are logged.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  ChildProcess& process() { return proc_; }

 private:
  TempDir dir_;
  std::string log_path_;
  uint16_t port_ = 0;
  ChildProcess proc_;
};

// Absolute paths of the built binaries and the source tree (compiled in by CMake).
std::string aegis_binary();
std::string test_origin_binary();
std::string source_dir();

}  // namespace aegis::test
