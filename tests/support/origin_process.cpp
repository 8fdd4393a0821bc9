#include "support/origin_process.h"

#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/net.h"

namespace aegis::test {

std::string aegis_binary() { return AEGIS_BIN_PATH; }
std::string test_origin_binary() { return AEGIS_TEST_ORIGIN_PATH; }
std::string source_dir() { return AEGIS_SOURCE_DIR; }

OriginProcess::OriginProcess(const Options& options) {
  log_path_ = dir_.file("origin.log");
  std::string port_file = dir_.file("origin.port");
  std::vector<std::string> argv = {test_origin_binary(), "--port", "0", "--port-file", port_file, "--log", log_path_};
  if (options.close_idle_after_ms) {
    argv.push_back("--close-idle-after");
    argv.push_back(std::to_string(*options.close_idle_after_ms));
  }
  ChildProcess::Options po;
  po.stdout_path = dir_.file("origin.stdout");
  po.stderr_path = dir_.file("origin.stderr");
  std::string error;
  if (!proc_.start(argv, po, &error)) throw std::runtime_error("cannot start test origin: " + error);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string p = read_file(port_file);
    if (!p.empty()) {
      port_ = static_cast<uint16_t>(std::stoi(p));
      return;
    }
    if (!proc_.running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error("test origin did not start: " + proc_.stderr_text());
}

std::vector<nlohmann::json> OriginProcess::log_entries() const {
  std::vector<nlohmann::json> out;
  std::istringstream in(log_text());
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

std::vector<std::string> OriginProcess::targets() const {
  std::vector<std::string> out;
  for (const auto& e : log_entries())
    if (e.contains("target")) out.push_back(e["target"].get<std::string>());
  return out;
}

bool OriginProcess::saw(std::string_view needle) const {
  for (const auto& e : log_entries()) {
    if (e.contains("target") && e["target"].get<std::string>().find(needle) != std::string::npos) return true;
    if (e.contains("raw") && e["raw"].get<std::string>().find(needle) != std::string::npos) return true;
  }
  return false;
}

bool OriginProcess::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (targets().size() >= n) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace aegis::test
