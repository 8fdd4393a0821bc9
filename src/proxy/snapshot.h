// ProxySnapshot: one immutable, ready-to-use view of a Config (routes compiled, origin server names resolved).
// A reload builds a new snapshot and publishes it; requests already running keep the one they started with.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "config/config.h"
#include "proxy/router.h"

namespace aegis::edge {
class FunctionSet;  // edge/function_set.h
}
namespace aegis::bot {
class BotSet;  // bot/bot_set.h
}

namespace aegis::waf {
class WafSet;  // waf/waf_set.h
}

namespace aegis::proxy {

struct ResolvedOrigin {
  const config::Origin* origin = nullptr;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // one per configured server, in order
  std::vector<std::string> authorities;                   // "host:port" per server (Host for HTTP/1.0 clients)
};

struct ProxySnapshot {
  std::shared_ptr<const config::Config> config;
  Router router;
  std::unordered_map<std::string, ResolvedOrigin> origins;  // by Origin::name
  std::string via;  // "1.1 <node_name>": the element this node adds to Via on requests and responses
  // Edge functions of this config, loaded once and shared by all workers (set by the server; null when none).
  std::shared_ptr<const edge::FunctionSet> edge_functions;
  // The WAF of this config (module, route policies); set by the pipeline, null when waf.enabled is false.
  std::shared_ptr<const waf::WafSet> waf;
  // Bot management of this config (detector module, route policies); set by the pipeline, null when off.
  std::shared_ptr<const bot::BotSet> bot;

  const ResolvedOrigin* find(const std::string& name) const {
    auto it = origins.find(name);
    return it == origins.end() ? nullptr : &it->second;
  }
};

// Compiles routes and resolves every origin server (blocking DNS for names; IP literals are parsed).
// Throws std::runtime_error naming the origin and server when a name does not resolve or a route names an
// unknown origin.
// `extend`, if given, completes the snapshot before it is frozen (e.g. loads the edge functions); what it throws
// propagates.
std::shared_ptr<const ProxySnapshot> build_snapshot(std::shared_ptr<const config::Config> config,
                                                    const std::function<void(ProxySnapshot&)>& extend = {});

// The current snapshot, shared by all workers. publish() is called by the reloader; workers call current()
// only when generation() changed since their last look (an atomic load per request otherwise).
class SnapshotStore {
 public:
  void publish(std::shared_ptr<const ProxySnapshot> s) {
    std::atomic_store_explicit(&current_, std::move(s), std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
  std::shared_ptr<const ProxySnapshot> current() const {
    return std::atomic_load_explicit(&current_, std::memory_order_acquire);
  }
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  std::shared_ptr<const ProxySnapshot> current_;
  std::atomic<uint64_t> generation_{0};
};

}  // namespace aegis::proxy
