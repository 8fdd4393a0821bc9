// The admin listener (config.admin), on its own thread so it answers even when workers are saturated:
//   GET  /healthz  → 200 "ok"
//   GET  /metrics  → Prometheus text exposition of the process registry
//   POST /reload   → reload the config file (same as SIGHUP); 200 "reloaded", or 500 with the error
// Anything else → 404; a known path with the wrong method → 405.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/config.h"

namespace aegis::server {

class AdminServer {
 public:
  struct ReloadOutcome {
    bool ok = false;
    std::string message;
  };
  using ReloadFn = std::function<ReloadOutcome()>;

  explicit AdminServer(ReloadFn reload);
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
