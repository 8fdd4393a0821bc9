// EdgeFunctionPhase: runs the edge functions of the matched route on live traffic (one phase object per worker).
//
//   needs_request_body  true when a request-phase module of the route's chain reads or replaces the body
//   request_filter   the route's request-phase chain (uses whose canary split excludes this client are skipped),
//                    in order, each function seeing the previous one's changes; on the worker's own
//                    FunctionRunner, or — when a module of the chain makes outbound calls — step by step on the
//                    shared BlockingExecutor (the phase then returns kPending).
//                    request_terminate becomes a local response (WAF, cache and origin are skipped).
//   upstream_peer    applies the request changes to the proxied request: method (ctx.new_method), URI
//                    (ctx.new_target), headers, body (ctx.request_body).
//   response_body_limit  asks for the response body (≤ limits.max_body_bytes) when a response-phase module reads it
//   response_filter  applies response headers set in the request phase, then runs the response-phase chain on
//                    every response (origin, cache, local — including the functions' own early terminations):
//                    status, headers and body may change.
//   logging          adds `edge_functions` ("name:outcome,..." in run order) to the access-log record.
//
// Failure policy per function: on_error open → log, count, continue as if the function were absent; closed →
// the whole response is replaced: 500 (trap, function error, host error) or 503 (timeout, memory, fuel,
// overloaded) with the request id in a text/plain body.
//
// Per-request state lives in ctx.phase_state. A chain running on the BlockingExecutor never outlives its
// RequestContext unsafely: it owns copies of what it reads, and writes into the context only through a guard that
// the context's destruction (e.g. a session abandoned after the drain timeout) closes first.
#pragma once

#include <memory>
#include <mutex>
#include <string_view>

#include "functions/blocking_executor.h"
#include "proxy/phase.h"

namespace aegis::edge {

// The BlockingExecutor shared by all workers' phases, started on first use (its threads each own a V8 isolate, so
// a node whose functions never make outbound calls does not pay for them). Shut down on destruction.
class SharedExecutor {
 public:
  explicit SharedExecutor(functions::BlockingExecutorOptions options = {}) : options_(std::move(options)) {}
  functions::BlockingExecutor& get() {
    std::call_once(once_, [this] { executor_ = std::make_unique<functions::BlockingExecutor>(options_); });
    return *executor_;
  }

 private:
  functions::BlockingExecutorOptions options_;
  std::once_flag once_;
  std::unique_ptr<functions::BlockingExecutor> executor_;
};

class EdgeFunctionPhase final : public proxy::Phase {
 public:
  // `executor` runs chains containing blocking modules; shared by all workers, must outlive the phase.
  explicit EdgeFunctionPhase(std::shared_ptr<SharedExecutor> executor);
  ~EdgeFunctionPhase() override;

  std::string_view name() const override { return "edge_functions"; }
  bool needs_request_body(const proxy::RequestContext& ctx) const override;
  proxy::Flow request_filter(proxy::RequestContext& ctx, const proxy::Resume& resume) override;
  void upstream_peer(proxy::RequestContext& ctx) override;
  std::size_t response_body_limit(const proxy::RequestContext& ctx) const override;
  void response_filter(proxy::RequestContext& ctx) override;
  void logging(proxy::RequestContext& ctx, log::AccessRecord& record) override;

 private:
  std::shared_ptr<SharedExecutor> executor_;
};

}  // namespace aegis::edge
