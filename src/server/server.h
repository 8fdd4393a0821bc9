// Server: the running edge node — N workers (one event loop and SO_REUSEPORT acceptor set each), the admin
// listener, config reload (SIGHUP / POST /reload) and graceful shutdown (SIGTERM / SIGINT).
//
//   server::Server srv(config::load_file("aegis.yaml"));   // builds the first snapshot; throws on bad origins
//   srv.start();                                            // binds everything, starts threads
//   srv.listener_ports();                                   // actual ports (a configured port 0 is resolved)
//   return srv.run_until_signal();                          // SIGHUP reloads, SIGTERM/SIGINT drain and return 0
//
// Reload builds a complete new snapshot first; only if that succeeds is it published, so an invalid config is
// refused (logged, counted) and the old one keeps serving. Requests take the snapshot current when they start.
// Listener addresses, worker count, admin and access-log settings are fixed at start: a reload that changes them
// logs that a restart is needed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "proxy/phase.h"
#include "proxy/snapshot.h"
#include "server/admin.h"

namespace aegis::server {

class Server {
 public:
  struct Options {
    // Phase objects for one worker (called once per worker at start). Empty = plain reverse proxy.
    std::function<std::vector<std::shared_ptr<proxy::Phase>>(unsigned worker)> make_phases;
    // In-flight requests get this long to finish after SIGTERM before the workers are stopped.
    std::chrono::milliseconds drain_timeout{10000};
    // Completes every snapshot (at start and on each reload) before it is published, e.g. by loading the edge
    // functions. Throwing refuses it: the constructor throws, a reload is refused and the old snapshot kept.
    std::function<void(proxy::ProxySnapshot&)> extend_snapshot;
    // Extra admin routes (e.g. cache purge), served next to /healthz, /metrics and /reload.
    std::vector<AdminEndpoint> admin_endpoints;
  };
  using ReloadOutcome = AdminServer::ReloadOutcome;

  // Throws std::runtime_error if the config cannot be turned into a snapshot (unknown origin, unresolvable name),
  // std::system_error if the access log cannot be opened.
  explicit Server(config::Config config);
  Server(config::Config config, Options options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds all listeners and the admin port, installs the signal handlers, starts the threads.
  // Throws boost::system::system_error when an address cannot be bound.
  void start();

  const std::vector<uint16_t>& listener_ports() const { return ports_; }
  uint16_t admin_port() const;  // 0 when the admin listener is disabled
  unsigned worker_count() const { return static_cast<unsigned>(workers_.size()); }
  std::shared_ptr<const config::Config> config() const;

  // Re-reads the config file the current config came from / installs `next`. Thread-safe.
  ReloadOutcome reload();
  ReloadOutcome reload(config::Config next);

  // Graceful shutdown: stop accepting, close idle connections, let in-flight requests finish (≤ drain_timeout),
  // then stop. Blocks until the workers are gone. Idempotent, thread-safe.
  void shutdown();

  // Runs the signal loop on the calling thread until SIGTERM/SIGINT (then shuts down) or shutdown() from
  // elsewhere. SIGHUP reloads. Returns the process exit code (0).
  int run_until_signal();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<uint16_t> ports_;
  std::vector<std::unique_ptr<class Worker>> workers_;
};

}  // namespace aegis::server
