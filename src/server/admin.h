// The admin listener (config.admin), on its own thread so it answers even when workers are saturated:
//   GET  /healthz  → 200 "ok"
//   GET  /metrics  → Prometheus text exposition of the process registry
//   POST /reload   → reload the config file (same as SIGHUP); 200 "reloaded", or 500 with the error
// plus the endpoints other subsystems add (AdminEndpoint, e.g. the cache's purge API).
// Anything else → 404; a known path with the wrong method → 405.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"

namespace aegis::server {

// An admin request as handed to an AdminEndpoint (Beast-free).
struct AdminRequest {
  std::string method;  // "GET", "POST", "DELETE", ...
  std::string path;    // target without the query, e.g. "/cache/purge"
  std::string query;   // after '?', not decoded; empty if none
  std::string body;    // ≤ 64 KiB
  std::string header(std::string_view name) const;  // first value, "" if absent (case-insensitive)
  std::vector<std::pair<std::string, std::string>> headers;
};

struct AdminResponse {
  int status = 200;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
};

// An extra admin route: `path` exact, or every path starting with it when `prefix` is true. Handlers run on the
// admin thread and must be thread-safe with respect to the workers.
struct AdminEndpoint {
  std::string method;
  std::string path;
  bool prefix = false;
  std::function<AdminResponse(const AdminRequest&)> handler;
};

class AdminServer {
 public:
  struct ReloadOutcome {
    bool ok = false;
    std::string message;
  };
  using ReloadFn = std::function<ReloadOutcome()>;

  explicit AdminServer(ReloadFn reload, std::vector<AdminEndpoint> endpoints = {});
  ~AdminServer();  // stops
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds address:port (port 0 = ephemeral) and starts the thread. Throws boost::system::system_error.
  void start(const config::Admin& cfg);
  uint16_t port() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aegis::server
