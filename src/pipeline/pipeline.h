// The edge node's request pipeline, assembled from the config for `aegis serve`:
//
//   request:  bot management → edge functions (request phase) → WAF → HTTP cache → origin
//   response: HTTP cache (stores) → WAF → edge functions (response phase) → bot management   (reverse order,
//             like Envoy's encoder filters: the cache stores what the origin sent, functions see every response)
//
// A Pipeline owns the process-wide services the phases share and that survive reloads (the cache store, the
// edge-function KV store, rate-limit buckets, the Redis connection, the blocking executor), creates one phase
// object of each kind per worker, completes every config snapshot (modules loaded per snapshot), and contributes
// admin endpoints (e.g. cache purge). Settings of services fixed at start need a restart to change (logged).
#pragma once

#include <chrono>
#include <memory>

#include "config/config.h"
#include "server/server.h"

namespace aegis::pipeline {

class Pipeline {
 public:
  // Starts the services the config asks for. Throws std::runtime_error naming what could not be set up.
  explicit Pipeline(const config::Config& config);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Options for server::Server: phases per worker, snapshot extension, admin endpoints. The Pipeline must outlive
  // the Server built from them.
  server::Server::Options server_options(std::chrono::milliseconds drain_timeout) const;

  struct Services;  // pipeline.cpp

 private:
  std::shared_ptr<Services> services_;
};

}  // namespace aegis::pipeline
