// RequestContext: the value that flows through the phases of one request (modelled on Pingora's session + CTX).
// Created by the HTTP/1.1 session when a request head has been parsed and validated; phases read and edit it;
// the logging phase turns it into the access-log record. It lives on the worker thread that owns the connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "log/access_log.h"
#include "proxy/header_map.h"

namespace aegis::proxy {

struct ProxySnapshot;  // proxy/snapshot.h: config + router + resolved origins, immutable

struct ClientInfo {
  std::string ip;           // peer address of the downstream connection
  uint16_t port = 0;
  std::string_view scheme = "http";
};

// The request as it will be forwarded. Headers are live: edits by phases go to the origin.
struct RequestHead {
  std::string_view method;
  std::string_view target;  // as received (request-target)
  unsigned version = 11;    // 10 or 11
  HeaderMap* headers = nullptr;
};

// The response as it will be sent to the client (from the origin, or a local response). Set before
// response_filter runs; status and headers are live there.
struct ResponseHead {
  int status = 0;
  HeaderMap* headers = nullptr;
};

// A response built at the edge (early termination, errors). Sent instead of contacting the origin.
struct LocalResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
};

struct Timings {
  std::chrono::system_clock::time_point wall_start{};
  std::chrono::steady_clock::time_point start{};            // request head complete
  std::optional<std::chrono::steady_clock::time_point> upstream_start;    // first connect/reuse attempt
  std::optional<std::chrono::steady_clock::time_point> upstream_headers;  // origin response head received
  std::chrono::steady_clock::time_point end{};              // last byte written to the client
};

// Per-request data of the phases, keyed by the phase object:
//   struct CacheState : proxy::PhaseState { ... };
//   auto& st = ctx.phase_state.emplace<CacheState>(this);   // in request_filter
//   if (auto* st = ctx.phase_state.get<CacheState>(this))   // in response_filter / logging
struct PhaseState {
  virtual ~PhaseState() = default;
};

class PhaseStates {
 public:
  template <class T>
  T* get(const void* owner) const {
    for (const auto& [o, s] : states_)
      if (o == owner) return static_cast<T*>(s.get());
    return nullptr;
  }
  // Creates (or replaces) the state of `owner`.
  template <class T, class... Args>
  T& emplace(const void* owner, Args&&... args) {
    auto p = std::make_unique<T>(std::forward<Args>(args)...);
    T& ref = *p;
    for (auto& [o, s] : states_)
      if (o == owner) {
        s = std::move(p);
        return ref;
      }
    states_.emplace_back(owner, std::move(p));
    return ref;
  }

 private:
  std::vector<std::pair<const void*, std::unique_ptr<PhaseState>>> states_;
};

struct RequestContext {
  std::shared_ptr<const ProxySnapshot> snapshot;  // config in force for this request (fixed at arrival)
  const config::Config* config = nullptr;         // == snapshot->config.get()

  ClientInfo client;
  std::string client_label;                       // "ip:port", for logs
  std::string request_id;                         // kept from the request if valid, else generated
  RequestHead request;
  std::optional<std::string> new_target;          // set by a phase to rewrite the target sent to the origin
  std::optional<std::string> new_method;          // set by a phase to change the method sent to the origin

  // Routing (filled before request_filter phases run; upstream_peer may change `origin`).
  const config::Route* route = nullptr;
  const config::Origin* origin = nullptr;

  // Body buffering: if any phase's needs_request_body() is true, the whole body (≤ limits.max_body_bytes) is read
  // into request_body before request_filter runs, and forwarded from there with a Content-Length. A phase may then
  // replace request_body (it is what the origin gets); without buffering it must not touch it.
  bool request_body_buffered = false;
  std::string request_body;

  // Early termination: a phase sets this (and returns Flow::kRespond); the origin is skipped.
  std::optional<LocalResponse> local_response;

  ResponseHead response;
  // Response body. `response_body_buffered` is true while response_filter runs when `response_body` holds the whole
  // body: a local response's body, or an origin body the session read because a phase asked for it
  // (Phase::response_body_limit). In response_filter a phase may replace the body — whether or not it was
  // buffered — by assigning `response_body` and setting `response_body_buffered = true`; the session then sends
  // exactly that body with a Content-Length (an origin body not read yet is discarded and that upstream
  // connection is not reused). For HEAD requests and 204/304 statuses no body is sent.
  bool response_body_buffered = false;
  std::string response_body;

  Timings timings;

  // Logging fields.
  uint64_t bytes_sent = 0;        // response body bytes written to the client
  uint64_t bytes_received = 0;    // request body bytes read from the client
  std::string_view cache_status = "-";
  std::string error;              // why the proxy answered with an error status, if it did
  std::vector<log::AccessField> log_fields;  // extra access-log fields added by phases

  // Per-request state of phases (a Phase object is shared by all requests of its worker).
  PhaseStates phase_state;
};

}  // namespace aegis::proxy
