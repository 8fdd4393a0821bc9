// Shared helpers for the functions tests: fixture modules, a request context, a slow HTTP server that answers
// only when told to, and running a command-line process.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "functions/edge_module.h"
#include "functions/runner.h"
#include "hostapi/invocation.h"

namespace aegis::functions::test {

// ${AEGIS_WASM_DIR}/NAME.wasm
std::string wasm_path(const std::string& name);

// Loads fixture NAME (e.g. "fn_header_inject"); fails the current test (and returns nullptr) on error.
std::shared_ptr<const EdgeModule> load_fixture(const std::string& name, const LoadOptions& options = {});

// A request context for GET / with the given extra headers.
hostapi::InvocationContext make_context(std::vector<hostapi::Header> headers = {});

// The "normal" invocation: fn_header_inject must answer 201 with x-out echoing x-in. Adds a gtest failure
// (with `after` in the message) when the runner does not serve it correctly.
void expect_serves_normally(FunctionRunner& runner, const EdgeModule& header_inject, const std::string& after);

// An HTTP/1.1 server on 127.0.0.1:<ephemeral> that reads each request and answers `body` only once release()
// has been called (or immediately after it). Counts accepted connections.
class SlowHttpServer {
 public:
  explicit SlowHttpServer(std::string body);
  ~SlowHttpServer();
  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/") const;
  void release();
  // Blocks until `n` requests have been fully read (bounded by `timeout_ms`); returns whether that happened.
  bool wait_for_requests(int n, int timeout_ms = 10000);
  int requests() const;

 private:
  void serve(int fd);
  std::string body_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  bool stopping_ = false;
  int requests_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> handlers_;
};

struct ProcessResult {
  int exit_code = -1;  // -1 if it did not exit normally
  std::string output;  // stdout + stderr
};
// Runs argv (no shell quoting problems: every argument is single-quoted) and captures stdout and stderr.
ProcessResult run_process(const std::vector<std::string>& argv);

}  // namespace aegis::functions::test
