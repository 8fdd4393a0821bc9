// EdgeFunctionPhase: runs the edge functions of the matched route on live traffic (one phase object per worker).
//
//   request_filter   the route's request-phase chain, in order, each function seeing the previous one's changes;
//                    on the worker's own FunctionRunner, or — when a module of the chain makes outbound calls —
//                    step by step on the shared BlockingExecutor (the phase then returns kPending).
//                    Request mutations (URI, headers) go to the proxied request; request_terminate becomes a local
//                    response (the origin is skipped); response headers/status set here are kept for the response.
//   response_filter  applies those, then runs the response-phase chain (status and headers may change).
//   logging          adds `edge_functions` ("name:outcome,..." in run order) to the access-log record.
//
// Failure policy per function: on_error open → log, count, continue as if the function were absent; closed →
// 500 (trap, function error, host error) or 503 (timeout, memory, fuel, overloaded) with the request id in the body.
#pragma once

#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "functions/blocking_executor.h"
#include "proxy/phase.h"

namespace aegis::edge {

struct RequestState;

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
};  // per-request bookkeeping, keyed by the RequestContext

class EdgeFunctionPhase final : public proxy::Phase {
 public:
  // `executor` runs chains containing blocking modules; shared by all workers, must outlive the phase.
  explicit EdgeFunctionPhase(std::shared_ptr<SharedExecutor> executor);
  ~EdgeFunctionPhase() override;

  std::string_view name() const override { return "edge_functions"; }
  proxy::Flow request_filter(proxy::RequestContext& ctx, const proxy::Resume& resume) override;
  void upstream_peer(proxy::RequestContext& ctx) override;
  void response_filter(proxy::RequestContext& ctx) override;
  void logging(proxy::RequestContext& ctx, log::AccessRecord& record) override;

 private:
  std::shared_ptr<SharedExecutor> executor_;
  std::unordered_map<const proxy::RequestContext*, std::shared_ptr<RequestState>> states_;
};

}  // namespace aegis::edge
