// Phases: the pluggable steps of the request path, modelled on Pingora's ProxyHttp callbacks.
//
//   for each phase: needs_request_body?  → the session buffers the whole request body first (≤ max_body_bytes)
//   for each phase: request_filter       → kContinue | kRespond (ctx.local_response set: early termination,
//                                          remaining request filters and the origin are skipped) | kPending
//   for each phase: upstream_peer        → may change ctx.origin (only when going to the origin)
//   origin (keep-alive pool, timeouts, one retry of idempotent requests on a stale pooled connection)
//   response side, phases in REVERSE order (like Envoy's encoder filters: the phase nearest the origin sees the
//   origin's response first, e.g. the cache stores it before edge functions rewrite it):
//   for each phase: response_body_limit  → if any is > 0 the session reads the origin body into ctx.response_body
//                                          (up to the largest limit asked for) before response_filter runs
//   for each phase: response_filter      → may edit ctx.response (status/headers) and the body, for origin and
//                                          local responses (early termination, cache hits, errors)
//   for each phase: logging              → may add access-log fields; runs for every request, even failed ones
//
// Async phases: request_filter may return Flow::kPending after taking `resume`; it must then call
// resume.complete(Flow) exactly once, from any thread (e.g. a Wasm thread pool). The session waits without
// blocking its event loop and continues on its own worker thread. The RequestContext must not be touched by the
// phase after complete() is called, and only by the phase (not by others) until then.
//
// Phase objects are created per worker (see server::Server::Options::make_phases), so they need no locking for
// per-worker state.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "proxy/request_context.h"

namespace aegis::proxy {

enum class Flow { kContinue, kRespond, kPending };

// Completion handle of an asynchronous request_filter. Cheap to copy; complete() is thread-safe and idempotent
// (only the first call counts). If the connection has gone away meanwhile, complete() does nothing.
class Resume {
 public:
  class State {
   public:
    virtual ~State() = default;
    virtual void complete(Flow flow) = 0;
  };
  Resume() = default;
  explicit Resume(std::shared_ptr<State> s) : state_(std::move(s)) {}
  void complete(Flow flow) const {
    if (state_) state_->complete(flow);
  }
  explicit operator bool() const { return state_ != nullptr; }

 private:
  std::shared_ptr<State> state_;
};

class Phase {
 public:
  virtual ~Phase() = default;
  virtual std::string_view name() const = 0;

  virtual bool needs_request_body(const RequestContext& /*ctx*/) const { return false; }
  // Return kPending only after arranging for resume.complete() to be called.
  virtual Flow request_filter(RequestContext& /*ctx*/, const Resume& /*resume*/) { return Flow::kContinue; }
  virtual void upstream_peer(RequestContext& /*ctx*/) {}
  // Called when the origin's response head has arrived (ctx.response.status/headers set, before response_filter).
  // Return the largest body, in bytes, this phase wants to see in ctx.response_body; 0 = no need. If any phase asks,
  // the session buffers the body; when it is larger than the largest limit asked for (Content-Length says so, or
  // reading goes past it), response_filter runs with ctx.response_body_buffered == false and the body is streamed.
  virtual std::size_t response_body_limit(const RequestContext& /*ctx*/) const { return 0; }
  // Runs for every response: from the origin and local ones (early termination, cache hits, errors). May change
  // ctx.response.status, the headers, and the body (see RequestContext::response_body).
  virtual void response_filter(RequestContext& /*ctx*/) {}
  virtual void logging(RequestContext& /*ctx*/, log::AccessRecord& /*record*/) {}
};

}  // namespace aegis::proxy
