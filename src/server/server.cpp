#include "server/server.h"

#include <csignal>
#include <condition_variable>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>

#include "config/loader.h"
#include "log/access_log.h"
#include "log/logging.h"
#include "metrics/metrics.h"
#include "proxy/snapshot.h"
#include "server/worker.h"

namespace aegis::server {
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct Server::Impl {
  Options options;
  proxy::SnapshotStore store;
  std::shared_ptr<const config::Config> initial;  // the config the process started with (fixed settings)
  std::unique_ptr<log::AccessLog> access_log;
  std::unique_ptr<AdminServer> admin;
  std::mutex reload_mu;

  net::io_context signal_ioc{1};
  std::unique_ptr<net::signal_set> signals;

  std::mutex shutdown_mu;
  bool shut_down = false;
};

namespace {
bool same_listeners(const config::Config& a, const config::Config& b) {
  if (a.listeners.size() != b.listeners.size()) return false;
  for (std::size_t i = 0; i < a.listeners.size(); ++i)
    if (a.listeners[i].address != b.listeners[i].address || a.listeners[i].port != b.listeners[i].port) return false;
  return true;
}

void warn_restart_only_changes(const config::Config& running, const config::Config& next) {
  auto& lg = log::logger();
  if (!same_listeners(running, next))
    lg.warn("reload: listener addresses changed; this requires a restart (still listening on the old ones)");
  if (running.workers != next.workers) lg.warn("reload: workers changed; this requires a restart");
  if (running.admin.enabled != next.admin.enabled || running.admin.address != next.admin.address ||
      running.admin.port != next.admin.port)
    lg.warn("reload: admin listener changed; this requires a restart");
  if (running.access_log.enabled != next.access_log.enabled || running.access_log.path != next.access_log.path)
    lg.warn("reload: access_log changed; this requires a restart");
  if (running.demo_origin.enabled != next.demo_origin.enabled || running.demo_origin.port != next.demo_origin.port ||
      running.demo_origin.address != next.demo_origin.address)
    lg.warn("reload: demo_origin changed; this requires a restart");
}
}  // namespace

Server::Server(config::Config config) : Server(std::move(config), Options{}) {}

Server::Server(config::Config config, Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  auto cfg = std::make_shared<const config::Config>(std::move(config));
  impl_->initial = cfg;
  impl_->store.publish(proxy::build_snapshot(cfg, impl_->options.extend_snapshot));
  impl_->access_log = std::make_unique<log::AccessLog>(cfg->access_log);
}

Server::~Server() {
  shutdown();
}

void Server::start() {
  const config::Config& cfg = *impl_->initial;
  // Signals first: once a listener accepts, a supervisor may send SIGHUP or SIGTERM, and without a handler SIGHUP's
  // default action would kill the node. Signals that arrive before run_until_signal() waits are queued by the set.
  impl_->signals = std::make_unique<net::signal_set>(impl_->signal_ioc, SIGINT, SIGTERM, SIGHUP);
  unsigned n = cfg.workers ? cfg.workers : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) {
    std::vector<std::shared_ptr<proxy::Phase>> phases;
    if (impl_->options.make_phases) phases = impl_->options.make_phases(i);
    workers_.push_back(std::make_unique<Worker>(i, impl_->store, std::move(phases), impl_->access_log.get()));
  }
  // Each listener: worker 0 binds first (resolving port 0), the others join the same port with SO_REUSEPORT.
  for (const auto& l : cfg.listeners) {
    tcp::endpoint ep(net::ip::make_address(l.address), l.port);
    uint16_t port = workers_[0]->listen(ep);
    ep.port(port);
    for (unsigned i = 1; i < n; ++i) workers_[i]->listen(ep);
    ports_.push_back(port);
  }
  if (cfg.admin.enabled) {
    impl_->admin = std::make_unique<AdminServer>([this] { return reload(); }, impl_->options.admin_endpoints);
    impl_->admin->start(cfg.admin);
  }
  for (auto& w : workers_) w->start();
  log::logger().info("{} worker(s) started", n);
}

uint16_t Server::admin_port() const { return impl_->admin ? impl_->admin->port() : 0; }

std::shared_ptr<const config::Config> Server::config() const { return impl_->store.current()->config; }

Server::ReloadOutcome Server::reload() {
  std::string path = config()->source_path;
  if (path.empty()) return {false, "the running config was not loaded from a file"};
  try {
    return reload(config::load_file(path));
  } catch (const std::exception& e) {
    metrics::proxy().config_reloads_error.inc();
    log::logger().error("reload refused, keeping the running config: {}", e.what());
    return {false, e.what()};
  }
}

Server::ReloadOutcome Server::reload(config::Config next) {
  std::lock_guard<std::mutex> lock(impl_->reload_mu);
  try {
    auto cfg = std::make_shared<const config::Config>(std::move(next));
    auto snap = proxy::build_snapshot(cfg, impl_->options.extend_snapshot);
    warn_restart_only_changes(*impl_->initial, *cfg);
    if (cfg->log_level != config()->log_level) log::set_level(cfg->log_level);
    impl_->store.publish(std::move(snap));
    metrics::proxy().config_reloads_ok.inc();
    log::logger().info("config reloaded from {}", cfg->source_path.empty() ? "(memory)" : cfg->source_path);
    return {true, {}};
  } catch (const std::exception& e) {
    metrics::proxy().config_reloads_error.inc();
    log::logger().error("reload refused, keeping the running config: {}", e.what());
    return {false, e.what()};
  }
}

void Server::shutdown() {
  std::lock_guard<std::mutex> lock(impl_->shutdown_mu);
  if (impl_->shut_down) return;
  impl_->shut_down = true;
  auto& lg = log::logger();
  if (!workers_.empty()) lg.info("shutting down: draining connections (up to {} ms)", impl_->options.drain_timeout.count());
  for (auto& w : workers_) w->drain();
  auto deadline = std::chrono::steady_clock::now() + impl_->options.drain_timeout;
  for (;;) {
    bool all = true;
    for (auto& w : workers_) all = all && w->finished();
    if (all) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      lg.warn("drain timeout: closing the remaining connections");
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& w : workers_) w->stop();
  for (auto& w : workers_) w->join();
  workers_.clear();
  if (impl_->admin) impl_->admin->stop();
  impl_->signal_ioc.stop();
  if (impl_->access_log) impl_->access_log->flush();
}

int Server::run_until_signal() {
  if (!impl_->signals) return 1;
  std::function<void()> arm;
  bool stop_requested = false;
  arm = [&] {
    impl_->signals->async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        log::logger().info("SIGHUP: reloading {}", config()->source_path);
        // Reload off the signal thread would be equivalent; it is short and serialised anyway.
        reload();
        arm();
        return;
      }
      log::logger().info("{}: graceful shutdown", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      stop_requested = true;
      impl_->signal_ioc.stop();
    });
  };
  arm();
  auto guard = net::make_work_guard(impl_->signal_ioc);
  impl_->signal_ioc.run();
  (void)stop_requested;
  shutdown();
  return 0;
}

}  // namespace aegis::server
