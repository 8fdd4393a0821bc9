// Shared set-up for the proxy tests: an in-process aegis::server::Server on 127.0.0.1 (ephemeral ports) in front
// of a real origin (the aegis_test_origin process, or a ScriptedOrigin thread).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "config/config.h"
#include "server/server.h"
#include "support/raw_client.h"

namespace aegis::test {

using namespace std::chrono_literals;

inline config::Route make_route(std::string host, std::string prefix, std::string origin) {
  config::Route r;
  r.host = std::move(host);
  r.path_prefix = std::move(prefix);
  r.origin = std::move(origin);
  return r;
}

inline config::Config proxy_config(uint16_t origin_port, unsigned workers = 2) {
  config::Config c;
  c.workers = workers;
  c.node_name = "edge-test";
  c.listeners = {config::Listener{"127.0.0.1", 0}};
  config::Origin o;
  o.name = "origin";
  o.servers = {config::Endpoint{"127.0.0.1", origin_port}};
  o.connect_timeout = 2000ms;
  o.read_timeout = 5000ms;
  c.origins = {o};
  c.routes = {make_route("*", "/", "origin")};
  c.admin.enabled = true;
  c.admin.address = "127.0.0.1";
  c.admin.port = 0;
  c.access_log.enabled = false;
  c.log_level = "warn";
  return c;
}

class Proxy {
 public:
  explicit Proxy(config::Config c, server::Server::Options options = {}) {
    if (options.drain_timeout == std::chrono::milliseconds(10000)) options.drain_timeout = 5000ms;
    server_ = std::make_unique<server::Server>(std::move(c), std::move(options));
    server_->start();
  }
  uint16_t port() const { return server_->listener_ports().at(0); }
  uint16_t admin_port() const { return server_->admin_port(); }
  server::Server& server() { return *server_; }
  void reset() { server_.reset(); }

 private:
  std::unique_ptr<server::Server> server_;
};

// "GET target HTTP/1.1" with Host: test and the extra header lines (each ending in \r\n).
inline std::string get_request(const std::string& target, const std::string& extra = {}) {
  return "GET " + target + " HTTP/1.1\r\nHost: test.local\r\n" + extra + "\r\n";
}

// The header values the origin's /echo saw for `name` (case-insensitive).
inline std::vector<std::string> echoed(const nlohmann::json& echo, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& kv : echo["headers"]) {
    std::string k = kv[0].get<std::string>();
    if (k.size() != name.size()) continue;
    bool eq = true;
    for (std::size_t i = 0; i < k.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(k[i])) != std::tolower(static_cast<unsigned char>(name[i]))) eq = false;
    if (eq) out.push_back(kv[1].get<std::string>());
  }
  return out;
}

}  // namespace aegis::test
