#include "edge/edge_phase.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "edge/function_set.h"
#include "functions/runner.h"
#include "hostapi/curl_http_fetcher.h"
#include "hostapi/invocation.h"
#include "hostapi/memory_kv_store.h"
#include "log/logging.h"
#include "proxy/snapshot.h"

namespace aegis::edge {

using functions::Outcome;
using functions::OutcomeStatus;
using hostapi::InvocationContext;

struct RequestState {
  std::shared_ptr<const FunctionSet> set;  // keeps the modules alive for this request
  const Chain* chain = nullptr;
  std::string request_id;
  hostapi::Request request;    // the request as the functions left it
  hostapi::Response response;  // response status/headers set by request-phase functions
  hostapi::RequestModified modified;
  bool answered = false;       // an edge function (or its failure) produced the response
  std::string trail;           // "name:outcome,..." for the access log
};

namespace {

// One V8 isolate per worker thread, created on first use there and destroyed when the thread exits.
functions::FunctionRunner& thread_runner() {
  thread_local functions::FunctionRunner runner;
  return runner;
}

// Process-wide key-value store and outbound HTTP client for the host functions (both thread-safe).
hostapi::KvStore* shared_kv() {
  static hostapi::MemoryKvStore kv;
  return &kv;
}
hostapi::HttpFetcher* shared_http() {
  static hostapi::CurlHttpFetcher http;
  return &http;
}

bool is_framing(std::string_view name) {
  auto eq = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
  };
  return eq(name, "content-length") || eq(name, "transfer-encoding") || eq(name, "connection");
}

hostapi::HeaderList read_headers(const proxy::HeaderMap& map) {
  hostapi::HeaderList out;
  map.for_each([&](std::string_view n, std::string_view v) { out.push_back({std::string(n), std::string(v)}); });
  return out;
}

// Makes `map` hold exactly `headers` (framing headers are left to the proxy).
void write_headers(proxy::HeaderMap& map, const hostapi::HeaderList& headers) {
  std::vector<std::string> names;
  map.for_each([&](std::string_view n, std::string_view) {
    if (!is_framing(n)) names.emplace_back(n);
  });
  for (const auto& n : names) map.remove(n);
  for (const auto& h : headers)
    if (!is_framing(h.name)) map.add(h.name, h.value);
}

// Adds `headers` to `map`, replacing any header of the same names.
void merge_headers(proxy::HeaderMap& map, const hostapi::HeaderList& headers) {
  for (const auto& h : headers)
    if (!is_framing(h.name)) map.remove(h.name);
  for (const auto& h : headers)
    if (!is_framing(h.name)) map.add(h.name, h.value);
}

void prepare(InvocationContext& ic, const EdgeFunction& f, hostapi::Phase phase) {
  ic.phase = phase;
  ic.kv = shared_kv();
  ic.kv_namespace = f.name();
  ic.http = f.needs_blocking() ? shared_http() : nullptr;
}

proxy::LocalResponse failure_response(const EdgeFunction& f, const Outcome& o, const std::string& request_id) {
  proxy::LocalResponse r;
  bool limit = functions::is_limit(o.status) || o.status == OutcomeStatus::Overloaded;
  r.status = limit ? 503 : 500;
  r.body = std::string(limit ? "503 Service Unavailable" : "500 Internal Server Error") + "\nedge function " +
           f.name() + " failed (" + functions::label(o.status) + ")\nrequest id: " + request_id + "\n";
  return r;
}

enum class Step { kNext, kAnswered };

// Books one invocation (metrics, log, trail) and folds its effects into the request state.
// Request phase only: a termination or a closed failure sets *local and ends the chain.
Step finish(RequestState& st, const EdgeFunction& f, InvocationContext& ic, const Outcome& o, bool request_phase,
            std::optional<proxy::LocalResponse>* local) {
  (request_phase ? f.metrics.request_invocations : f.metrics.response_invocations).inc();
  (request_phase ? f.metrics.request_time : f.metrics.response_time).observe(o.wall);
  if (!st.trail.empty()) st.trail += ',';
  st.trail += f.name();
  for (const auto& e : ic.logs) log::logger().info("edge function {}: {}", f.name(), e.text);
  if (!o.ok()) {
    errors_family().with({{"function", f.name()}, {"reason", functions::label(o.status)}}).inc();
    st.trail += std::string(":") + functions::label(o.status);
    log::logger().warn("edge function {} ({} phase) failed: {}: {} (request {}, on_error {})", f.name(),
                       request_phase ? "request" : "response", functions::label(o.status), o.message, st.request_id,
                       f.fail_closed ? "closed" : "open");
    if (f.fail_closed && local) {
      *local = failure_response(f, o, st.request_id);
      st.answered = true;
      return Step::kAnswered;
    }
    return Step::kNext;  // open: as if the function were absent (its changes are dropped)
  }
  if (request_phase && ic.terminate) {
    f.metrics.early_terminations.inc();
    st.trail += ":terminate(" + std::to_string(ic.terminate_status) + ")";
    proxy::LocalResponse r;
    r.status = ic.terminate_status;
    for (const auto& h : ic.response.headers) {
      if (is_framing(h.name)) continue;
      r.headers.emplace_back(h.name, h.value);
    }
    if (hostapi::find_header(ic.response.headers, "content-type")) r.content_type.clear();
    r.body = ic.response.body;
    if (local) *local = std::move(r);
    st.answered = true;
    return Step::kAnswered;
  }
  st.trail += ":ok";
  if (request_phase) {
    st.request = std::move(ic.request);
    st.modified.method |= ic.request_modified.method;
    st.modified.uri |= ic.request_modified.uri;
    st.modified.headers |= ic.request_modified.headers;
    st.modified.body |= ic.request_modified.body;
  }
  st.response = std::move(ic.response);
  return Step::kNext;
}

// Runs request-phase functions from `i` on the blocking executor, one after the other, then completes `resume`.
void run_async(std::shared_ptr<RequestState> st, proxy::RequestContext* ctx, proxy::Resume resume, std::size_t i,
               std::shared_ptr<SharedExecutor> executor) {
  const auto& fns = st->chain->request;
  if (i >= fns.size()) {
    resume.complete(proxy::Flow::kContinue);
    return;
  }
  const EdgeFunction* f = fns[i];  // owned by st->set
  auto ic = std::make_shared<InvocationContext>();
  prepare(*ic, *f, hostapi::Phase::Request);
  ic->request = st->request;
  ic->response = st->response;
  executor->get().submit(f->loaded.module, f->loaded.spec.entry, ic, f->loaded.limits,
                   [st, ctx, resume, i, executor, ic, f](Outcome o) {
                     std::optional<proxy::LocalResponse> local;
                     if (finish(*st, *f, *ic, o, true, &local) == Step::kAnswered) {
                       // The context is still ours until complete() (see proxy/phase.h).
                       ctx->local_response = std::move(local);
                       resume.complete(proxy::Flow::kRespond);
                       return;
                     }
                     run_async(st, ctx, resume, i + 1, executor);
                   });
}

}  // namespace

EdgeFunctionPhase::EdgeFunctionPhase(std::shared_ptr<SharedExecutor> executor)
    : executor_(std::move(executor)) {}

EdgeFunctionPhase::~EdgeFunctionPhase() = default;

proxy::Flow EdgeFunctionPhase::request_filter(proxy::RequestContext& ctx, const proxy::Resume& resume) {
  states_.erase(&ctx);  // a context object may be reused for the connection's next request
  if (!ctx.snapshot || !ctx.route || !ctx.config) return proxy::Flow::kContinue;
  const auto& set = ctx.snapshot->edge_functions;
  if (!set) return proxy::Flow::kContinue;
  const auto& routes = ctx.config->routes;
  if (routes.empty() || ctx.route < routes.data() || ctx.route >= routes.data() + routes.size())
    return proxy::Flow::kContinue;
  const Chain* chain = set->chain(static_cast<std::size_t>(ctx.route - routes.data()));
  if (!chain) return proxy::Flow::kContinue;

  auto st = std::make_shared<RequestState>();
  st->set = set;
  st->chain = chain;
  st->request_id = ctx.request_id;
  st->request.method = std::string(ctx.request.method);
  st->request.uri = ctx.new_target ? *ctx.new_target : std::string(ctx.request.target);
  if (ctx.request.headers) st->request.headers = read_headers(*ctx.request.headers);
  if (ctx.request_body_buffered) st->request.body = ctx.request_body;
  states_[&ctx] = st;
  if (chain->request.empty()) return proxy::Flow::kContinue;

  if (chain->request_blocking && executor_) {
    run_async(st, &ctx, resume, 0, executor_);
    return proxy::Flow::kPending;
  }
  for (const EdgeFunction* f : chain->request) {
    InvocationContext ic;
    prepare(ic, *f, hostapi::Phase::Request);
    ic.request = st->request;
    ic.response = st->response;
    Outcome o = thread_runner().invoke(*f->loaded.module, f->loaded.spec.entry, ic, f->loaded.limits);
    std::optional<proxy::LocalResponse> local;
    if (finish(*st, *f, ic, o, true, &local) == Step::kAnswered) {
      ctx.local_response = std::move(local);
      return proxy::Flow::kRespond;
    }
  }
  return proxy::Flow::kContinue;
}

void EdgeFunctionPhase::upstream_peer(proxy::RequestContext& ctx) {
  // Going to the origin: the request as the functions left it (runs on the worker thread, also after kPending).
  auto it = states_.find(&ctx);
  if (it == states_.end()) return;
  RequestState& st = *it->second;
  if (st.modified.headers && ctx.request.headers) write_headers(*ctx.request.headers, st.request.headers);
  if (st.modified.uri) ctx.new_target = st.request.uri;
  if (st.modified.method && st.request.method != ctx.request.method)
    log::logger().warn("edge functions changed the method of request {} to {}: not supported by the proxy yet, "
                       "forwarded unchanged", st.request_id, st.request.method);
}

void EdgeFunctionPhase::response_filter(proxy::RequestContext& ctx) {
  auto it = states_.find(&ctx);
  if (it == states_.end() || !ctx.response.headers) return;
  RequestState& st = *it->second;
  if (st.answered) return;  // the response is the edge function's own (or its failure)
  // Response headers set during the request phase.
  if (!st.response.headers.empty()) merge_headers(*ctx.response.headers, st.response.headers);
  if (st.chain->response.empty()) return;

  hostapi::Response current;
  current.status = ctx.response.status;
  current.headers = read_headers(*ctx.response.headers);
  bool changed = false;
  for (const EdgeFunction* f : st.chain->response) {
    InvocationContext ic;
    prepare(ic, *f, hostapi::Phase::Response);
    ic.request = st.request;
    ic.response = current;
    Outcome o = thread_runner().invoke(*f->loaded.module, f->loaded.spec.entry, ic, f->loaded.limits);
    std::optional<proxy::LocalResponse> failure;
    if (finish(st, *f, ic, o, false, &failure) == Step::kAnswered) {
      // on_error closed in the response phase: the status says it; the origin's body is still streamed.
      ctx.response.status = failure->status;
      return;
    }
    if (o.ok()) {
      current = st.response;
      changed = true;
    }
  }
  if (!changed) return;
  if (current.status && *current.status >= 100 && *current.status <= 599) ctx.response.status = *current.status;
  write_headers(*ctx.response.headers, current.headers);
}

void EdgeFunctionPhase::logging(proxy::RequestContext& ctx, log::AccessRecord& record) {
  auto it = states_.find(&ctx);
  if (it == states_.end()) return;
  if (!it->second->trail.empty()) record.add("edge_functions", it->second->trail);
  states_.erase(it);
}

}  // namespace aegis::edge
