#include "edge/edge_phase.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "edge/function_set.h"
#include "functions/runner.h"
#include "hostapi/curl_http_fetcher.h"
#include "http/headers.h"
#include "hostapi/invocation.h"
#include "hostapi/memory_kv_store.h"
#include "log/logging.h"
#include "proxy/snapshot.h"

namespace aegis::edge {

using functions::Outcome;
using functions::OutcomeStatus;
using hostapi::InvocationContext;

namespace {

// One finished invocation, for the access log's `edge_functions` field (formatted only when a record is written).
struct TrailEntry {
  const EdgeFunction* fn = nullptr;  // kept alive by RequestState::set
  OutcomeStatus status = OutcomeStatus::Ok;
  int terminate_status = 0;          // request_terminate's status (status Ok), else 0
};

// The invocations of one request in run order; the first few without an allocation.
class Trail {
 public:
  void add(const TrailEntry& e) {
    if (size_ < kInline) first_[size_] = e; else more_.push_back(e);
    ++size_;
  }
  bool empty() const { return size_ == 0; }
  // "name:outcome,..." — outcome ok, terminate(STATUS) or the failure's label.
  std::string text() const {
    std::string out;
    for (std::size_t i = 0; i < size_; ++i) {
      const TrailEntry& e = i < kInline ? first_[i] : more_[i - kInline];
      if (i) out += ',';
      out += e.fn->name();
      if (e.status != OutcomeStatus::Ok)
        out += std::string(":") + functions::label(e.status);
      else if (e.terminate_status)
        out += ":terminate(" + std::to_string(e.terminate_status) + ")";
      else
        out += ":ok";
    }
    return out;
  }

 private:
  static constexpr std::size_t kInline = 4;
  std::array<TrailEntry, kInline> first_;
  std::vector<TrailEntry> more_;
  std::size_t size_ = 0;
};

// A request's chain of functions: the first few without an allocation (chains are short).
class FunctionList {
 public:
  void push_back(const EdgeFunction* f) {
    if (more_.empty() && size_ < kInline) {
      first_[size_++] = f;
      return;
    }
    if (more_.empty()) more_.assign(first_.begin(), first_.end());
    more_.push_back(f);
    ++size_;
  }
  const EdgeFunction* const* begin() const { return more_.empty() ? first_.data() : more_.data(); }
  const EdgeFunction* const* end() const { return begin() + size_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const EdgeFunction* front() const { return *begin(); }
  const EdgeFunction* operator[](std::size_t i) const { return begin()[i]; }

 private:
  static constexpr std::size_t kInline = 4;
  std::array<const EdgeFunction*, kInline> first_{};
  std::vector<const EdgeFunction*> more_;  // all of them once there are more than kInline
  std::size_t size_ = 0;
};

// What the functions of one request work on. Owned jointly by the context's EdgeState and, while a chain runs on
// the BlockingExecutor, by that chain: it holds copies, never views into the RequestContext.
struct RequestState {
  std::shared_ptr<const FunctionSet> set;  // keeps the modules alive for this request
  // The context's request id, viewed while the state lives in the context (EdgeState::local), owned (own_request_id)
  // when a chain on the BlockingExecutor shares the state.
  std::string_view request_id;
  std::string request_id_storage;
  void own_request_id() {
    request_id_storage = std::string(request_id);
    request_id = request_id_storage;
  }
  FunctionList request_fns;   // this client's request-phase chain (canary splits applied)
  FunctionList response_fns;  // and response-phase chain
  hostapi::Request request;    // the request as the functions left it
  hostapi::Response response;  // response status/headers set by request-phase functions
  hostapi::RequestModified modified;
  hostapi::HeaderNames changed_request_headers;  // names whose fields upstream_peer replaces (modified.headers)
  // The request headers were not copied (a single request-phase function on the worker thread, nothing else reads
  // them): request.headers is empty, the function loads them from the context's map if it reads them, and
  // otherwise its set/add edits (header_edits) are applied to the map as they are.
  bool headers_deferred = false;
  hostapi::HeaderEdits header_edits;
  bool terminated = false;     // a function answered the request itself (request_terminate)
  bool failed = false;         // a closed failure produced the response
  Trail trail;                 // for the access log
};

// The way back into the RequestContext for a chain completing on an executor thread. The context's destruction
// (EdgeState's destructor) closes it under the mutex, so a late completion finds ctx == nullptr instead of freed
// memory.
struct ContextGuard {
  std::mutex mu;
  proxy::RequestContext* ctx = nullptr;
};

struct EdgeState final : proxy::PhaseState {
  // A chain that runs on the worker thread only (no blocking module) keeps its state here: `st` then points at
  // `local` without owning it (no allocation, no reference counting). A chain that may go to the BlockingExecutor
  // shares an allocated state with it.
  RequestState local;
  std::shared_ptr<RequestState> st;
  std::shared_ptr<ContextGuard> guard;
  ~EdgeState() override {
    if (!guard) return;
    std::lock_guard lock(guard->mu);
    guard->ctx = nullptr;
  }
};

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
  switch (name.size()) {
    case 10: return http::iequals_ascii(name, "connection");
    case 14: return http::iequals_ascii(name, "content-length");
    case 17: return http::iequals_ascii(name, "transfer-encoding");
    default: return false;
  }
}

// Room for a few headers a function adds without reallocating the list.
constexpr std::size_t kHeaderHeadroom = 4;

void read_headers(const proxy::HeaderMap& map, hostapi::HeaderList& out) {
  out.clear();
  out.reserve(8 + kHeaderHeadroom);
  map.for_each([&](std::string_view n, std::string_view v) { out.push_back({std::string(n), std::string(v)}); });
}

// InvocationContext::HeaderLoader over a proxy::HeaderMap.
void load_headers(const void* map, hostapi::HeaderList& out) {
  read_headers(*static_cast<const proxy::HeaderMap*>(map), out);
}

hostapi::HeaderList read_headers(const proxy::HeaderMap& map) {
  hostapi::HeaderList out;
  read_headers(map, out);
  return out;
}

// A copy of `from` with room to grow (a copy-assigned vector has no spare capacity).
void copy_headers(const hostapi::HeaderList& from, hostapi::HeaderList& to) {
  to.clear();
  to.reserve(from.size() + kHeaderHeadroom);
  to.insert(to.end(), from.begin(), from.end());
}

// `ic` gets the request (and response so far) the function works on. The only function of a request-phase chain
// takes the state's own copy (moved, not copied): if it fails, nothing reads the state's request again (no
// response-phase function, no earlier changes to forward), and finish() clears the response it may have built.
void hand_over(RequestState& st, InvocationContext& ic, bool sole) {
  if (sole) {
    ic.request = std::move(st.request);
    ic.response = std::move(st.response);
    ic.response.headers.reserve(kHeaderHeadroom);  // response headers the function sets
    return;
  }
  ic.request.method = st.request.method;
  ic.request.uri = st.request.uri;
  copy_headers(st.request.headers, ic.request.headers);
  ic.request.body = st.request.body;
  ic.response.status = st.response.status;
  copy_headers(st.response.headers, ic.response.headers);
  ic.response.body = st.response.body;
  ic.response.body_set = st.response.body_set;
}

// Makes `map` hold exactly `headers` (framing headers, and `keep` if given, are left as they are): every field
// name whose values (in order) differ is removed and re-added with the new values; fields the functions left as
// they were are not touched. (The order between different names is not significant in HTTP.)
void write_headers(proxy::HeaderMap& map, const hostapi::HeaderList& headers, std::string_view keep = {}) {
  auto skip = [&](std::string_view n) { return is_framing(n) || (keep.size() && http::iequals_ascii(n, keep)); };
  struct Line {
    std::string_view name, value;
  };
  std::vector<Line> current;  // views into `map`, valid until it is modified below
  map.for_each([&](std::string_view n, std::string_view v) {
    if (!skip(n)) current.push_back({n, v});
  });
  // Whether the values of `name` in `map` and in `headers` are the same sequence.
  auto same_values = [&](std::string_view name) {
    std::size_t i = 0, j = 0;
    for (;;) {
      while (i < current.size() && !http::iequals_ascii(current[i].name, name)) ++i;
      while (j < headers.size() && !http::iequals_ascii(headers[j].name, name)) ++j;
      if (i == current.size() || j == headers.size()) return i == current.size() && j == headers.size();
      if (current[i].value != headers[j].value) return false;
      ++i;
      ++j;
    }
  };
  struct Changed {
    std::string name;
    bool present;  // in `map` now
  };
  std::vector<Changed> changed;
  auto note = [&](std::string_view name, bool present) {
    if (skip(name)) return;
    for (const auto& c : changed)
      if (http::iequals_ascii(c.name, name)) return;
    if (!same_values(name)) changed.push_back({std::string(name), present});
  };
  // Lines equal (byte for byte) at the same positions are the common case — the list was read from `map`, and
  // functions mostly append or replace in place: only names occurring after the common prefix can differ (a name
  // whose every line lies in the prefix has the same values in both).
  std::vector<const hostapi::Header*> target;  // `headers` without the lines left alone, like `current`
  target.reserve(headers.size());
  for (const auto& h : headers)
    if (!skip(h.name)) target.push_back(&h);
  std::size_t prefix = 0;
  while (prefix < current.size() && prefix < target.size() && current[prefix].name == target[prefix]->name &&
         current[prefix].value == target[prefix]->value)
    ++prefix;
  for (std::size_t i = prefix; i < current.size(); ++i) note(current[i].name, true);
  for (std::size_t i = prefix; i < target.size(); ++i) {
    bool present = false;
    for (const auto& l : current)
      if (http::iequals_ascii(l.name, target[i]->name)) {
        present = true;
        break;
      }
    note(target[i]->name, present);
  }
  if (changed.empty()) return;
  for (const auto& c : changed)
    if (c.present) map.remove(c.name);
  for (const auto& h : headers) {
    if (skip(h.name)) continue;
    for (const auto& c : changed)
      if (http::iequals_ascii(c.name, h.name)) {
        map.add(h.name, h.value);
        break;
      }
  }
}

// Replaces the fields of `map` named in `names` (framing headers excepted) with the lines of `headers` of those
// names, in order; a name without lines in `headers` is removed. Other fields are left as they are. Equivalent to
// write_headers(map, headers) when `headers` was read from `map` and only the fields in `names` changed since —
// what the host functions record — without walking either whole list.
void apply_changed_headers(proxy::HeaderMap& map, const hostapi::HeaderList& headers,
                           const hostapi::HeaderNames& names) {
  names.for_each([&](std::string_view name) {
    if (is_framing(name)) return;
    map.remove(name);
    for (const auto& h : headers)
      if (http::iequals_ascii(h.name, name)) map.add(h.name, h.value);
  });
}

// Applies set/add edits recorded while the headers were deferred, in order (framing headers excepted): the same
// fields as replaying them on the list read from `map` and applying the changed names.
void apply_edits(proxy::HeaderMap& map, const hostapi::HeaderEdits& edits) {
  edits.for_each([&](bool add, std::string_view name, std::string_view value) {
    if (is_framing(name)) return;
    if (add)
      map.add(name, value);
    else
      map.set(name, value);
  });
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
  ic.kv = f.kv_store ? f.kv_store : shared_kv();
  ic.kv_namespace = f.kv_namespace;
  ic.http = f.needs_blocking() ? shared_http() : nullptr;
  ic.environment = f.environment;
}

proxy::LocalResponse failure_response(const EdgeFunction& f, const Outcome& o, std::string_view request_id) {
  proxy::LocalResponse r;
  bool limit = functions::is_limit(o.status) || o.status == OutcomeStatus::Overloaded;
  r.status = limit ? 503 : 500;
  r.body = std::string(limit ? "503 Service Unavailable" : "500 Internal Server Error") + "\nedge function " +
           f.name() + " failed (" + functions::label(o.status) + ")\nrequest id: " + std::string(request_id) + "\n";
  return r;
}

enum class Step { kNext, kAnswered };

// Books one invocation (metrics, log, trail). A closed failure sets *local (the error response) and ends the
// chain; in the request phase a termination sets *local (the function's response) and a success folds the
// request changes and the response status/headers built so far into the state.
Step finish(RequestState& st, const EdgeFunction& f, InvocationContext& ic, const Outcome& o, bool request_phase,
            std::optional<proxy::LocalResponse>* local) {
  (request_phase ? f.metrics.request_invocations : f.metrics.response_invocations).inc();
  (request_phase ? f.metrics.request_time : f.metrics.response_time).observe(o.wall);
  for (const auto& e : ic.logs) log::logger().info("edge function {}: {}", f.name(), e.text);
  if (!o.ok()) {
    errors_family().with({{"function", f.name()}, {"reason", functions::label(o.status)}}).inc();
    st.trail.add({&f, o.status, 0});
    log::logger().warn("edge function {} ({} phase) failed: {}: {} (request {}, on_error {})", f.name(),
                       request_phase ? "request" : "response", functions::label(o.status), o.message, st.request_id,
                       f.fail_closed ? "closed" : "open");
    if (f.fail_closed) {
      *local = failure_response(f, o, st.request_id);
      st.failed = true;
      return Step::kAnswered;
    }
    return Step::kNext;  // open: as if the function were absent (its changes are dropped)
  }
  if (request_phase && ic.terminate) {
    f.metrics.early_terminations.inc();
    st.trail.add({&f, OutcomeStatus::Ok, ic.terminate_status});
    proxy::LocalResponse r;
    r.status = ic.terminate_status;
    for (const auto& h : ic.response.headers) {
      if (is_framing(h.name)) continue;
      r.headers.emplace_back(h.name, h.value);
    }
    if (hostapi::find_header(ic.response.headers, "content-type")) r.content_type.clear();
    r.body = ic.response.body;
    *local = std::move(r);
    st.terminated = true;
    return Step::kAnswered;
  }
  st.trail.add({&f, OutcomeStatus::Ok, 0});
  if (request_phase) {
    st.request = std::move(ic.request);
    st.modified.method |= ic.request_modified.method;
    st.modified.uri |= ic.request_modified.uri;
    st.modified.headers |= ic.request_modified.headers;
    st.modified.body |= ic.request_modified.body;
    st.changed_request_headers.merge(std::move(ic.changed_request_headers));
    if (ic.request_headers_deferred())
      st.header_edits = std::move(ic.request_header_edits);
    else
      st.headers_deferred = false;  // the function loaded them: st.request.headers is the whole list
    st.response = std::move(ic.response);
  }
  return Step::kNext;
}

// Runs request-phase functions from `i` on the blocking executor, one after the other, then completes `resume`.
// Touches the RequestContext only through `guard`.
void run_async(std::shared_ptr<RequestState> st, std::shared_ptr<ContextGuard> guard, proxy::Resume resume,
               std::size_t i, functions::BlockingExecutor* executor) {
  if (i >= st->request_fns.size()) {
    resume.complete(proxy::Flow::kContinue);
    return;
  }
  const EdgeFunction* f = st->request_fns[i];  // owned by st->set
  auto ic = std::make_shared<InvocationContext>();
  prepare(*ic, *f, hostapi::Phase::Request);
  ic->request = st->request;
  ic->response = st->response;
  executor->submit(f->loaded.module, f->loaded.spec.entry, ic, f->loaded.limits,
                   [st, guard, resume, i, executor, ic, f](Outcome o) {
                     std::optional<proxy::LocalResponse> local;
                     if (finish(*st, *f, *ic, o, true, &local) == Step::kAnswered) {
                       {
                         std::lock_guard lock(guard->mu);
                         if (guard->ctx) guard->ctx->local_response = std::move(local);
                       }
                       resume.complete(proxy::Flow::kRespond);  // a no-op if the session is gone
                       return;
                     }
                     run_async(st, guard, resume, i + 1, executor);
                   });
}

const Chain* chain_of(const proxy::RequestContext& ctx) {
  if (!ctx.snapshot || !ctx.route || !ctx.config) return nullptr;
  const auto& set = ctx.snapshot->edge_functions;
  if (!set) return nullptr;
  const auto& routes = ctx.config->routes;
  if (routes.empty() || ctx.route < routes.data() || ctx.route >= routes.data() + routes.size()) return nullptr;
  return set->chain(static_cast<std::size_t>(ctx.route - routes.data()));
}

std::optional<std::string_view> cookie_value(std::string_view cookies, std::string_view name) {
  while (!cookies.empty()) {
    auto semi = cookies.find(';');
    std::string_view pair = cookies.substr(0, semi);
    cookies = semi == std::string_view::npos ? std::string_view{} : cookies.substr(semi + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
  }
  return std::nullopt;
}

// Whether this client runs the step: the bucket of its canary key (cookie/header value, else the client IP).
bool runs_for(const ChainStep& step, const proxy::RequestContext& ctx) {
  if (!step.canary.splits()) return true;
  std::string_view key = ctx.client.ip;
  if (step.canary.key != CanarySplit::Key::kIp && ctx.request.headers) {
    if (step.canary.key == CanarySplit::Key::kHeader) {
      if (auto v = ctx.request.headers->get(step.canary.key_name); v && !v->empty()) key = *v;
    } else if (auto c = ctx.request.headers->get("cookie")) {
      if (auto v = cookie_value(*c, step.canary.key_name); v && !v->empty()) key = *v;
    }
  }
  return step.canary.runs(canary_bucket(key));
}

// The request's state: the route's chain with this client's canary splits applied.
EdgeState* make_state(proxy::RequestContext& ctx, const void* owner, const Chain& chain) {
  auto& es = ctx.phase_state.emplace<EdgeState>(owner);
  if (chain.request_blocking)
    es.st = std::make_shared<RequestState>();
  else
    es.st = std::shared_ptr<RequestState>(std::shared_ptr<RequestState>(), &es.local);  // non-owning
  RequestState& st = *es.st;
  st.set = ctx.snapshot->edge_functions;
  st.request_id = ctx.request_id;
  if (chain.request_blocking) st.own_request_id();
  for (const auto& step : chain.request)
    if (runs_for(step, ctx)) st.request_fns.push_back(step.fn);
  for (const auto& step : chain.response)
    if (runs_for(step, ctx)) st.response_fns.push_back(step.fn);
  st.request.method.assign(ctx.new_method ? std::string_view(*ctx.new_method) : ctx.request.method);
  st.request.uri.assign(ctx.new_target ? std::string_view(*ctx.new_target) : std::string_view(ctx.request.target));
  // A single request-phase function on this thread (the request_filter path that hands the state's request over)
  // loads the headers only if it reads them.
  st.headers_deferred = ctx.request.headers && !chain.request_blocking && st.request_fns.size() == 1 &&
                        st.response_fns.empty() && !st.request_fns.front()->needs_blocking();
  if (ctx.request.headers && !st.headers_deferred) read_headers(*ctx.request.headers, st.request.headers);
  if (ctx.request_body_buffered) st.request.body = ctx.request_body;
  return &es;
}

}  // namespace

EdgeFunctionPhase::EdgeFunctionPhase(std::shared_ptr<SharedExecutor> executor)
    : executor_(std::move(executor)) {}

EdgeFunctionPhase::~EdgeFunctionPhase() = default;

bool EdgeFunctionPhase::needs_request_body(const proxy::RequestContext& ctx) const {
  const Chain* chain = chain_of(ctx);
  return chain && chain->needs_request_body;
}

proxy::Flow EdgeFunctionPhase::request_filter(proxy::RequestContext& ctx, const proxy::Resume& resume) {
  const Chain* chain = chain_of(ctx);
  if (!chain) return proxy::Flow::kContinue;
  EdgeState* es = make_state(ctx, this, *chain);
  RequestState& st = *es->st;
  if (st.request_fns.empty()) return proxy::Flow::kContinue;

  bool blocking = std::any_of(st.request_fns.begin(), st.request_fns.end(),
                              [](const EdgeFunction* f) { return f->needs_blocking(); });
  if (blocking && executor_) {
    // The executor's chain shares the state: it must own it (make_state allocates for blocking chains already).
    if (es->st.use_count() == 0) {
      es->st = std::make_shared<RequestState>(std::move(es->local));
      es->st->own_request_id();
    }
    es->guard = std::make_shared<ContextGuard>();
    es->guard->ctx = &ctx;
    run_async(es->st, es->guard, resume, 0, &executor_->get());
    return proxy::Flow::kPending;
  }
  const bool sole = st.request_fns.size() == 1 && st.response_fns.empty();
  for (const EdgeFunction* f : st.request_fns) {
    InvocationContext ic;
    prepare(ic, *f, hostapi::Phase::Request);
    hand_over(st, ic, sole);
    if (st.headers_deferred) ic.defer_request_headers(&load_headers, ctx.request.headers);  // implies sole
    Outcome o = thread_runner().invoke(*f->loaded.module, f->loaded.spec.entry, ic, f->loaded.limits);
    if (sole && !o.ok()) st.response = hostapi::Response{};  // as before the function (it was the first)
    std::optional<proxy::LocalResponse> local;
    if (finish(st, *f, ic, o, true, &local) == Step::kAnswered) {
      ctx.local_response = std::move(local);
      return proxy::Flow::kRespond;
    }
  }
  return proxy::Flow::kContinue;
}

void EdgeFunctionPhase::upstream_peer(proxy::RequestContext& ctx) {
  // Going to the origin: the request as the functions left it (runs on the worker thread, also after kPending).
  auto* es = ctx.phase_state.get<EdgeState>(this);
  if (!es) return;
  RequestState& st = *es->st;
  if (st.modified.headers && ctx.request.headers) {
    // Only the fields the functions changed (a list modified by other means is diffed as a whole).
    if (st.headers_deferred)
      apply_edits(*ctx.request.headers, st.header_edits);
    else if (!st.changed_request_headers.empty())
      apply_changed_headers(*ctx.request.headers, st.request.headers, st.changed_request_headers);
    else
      write_headers(*ctx.request.headers, st.request.headers);
  }
  if (st.modified.uri) ctx.new_target = st.request.uri;
  if (st.modified.method && st.request.method != ctx.request.method) ctx.new_method = st.request.method;
  if (st.modified.body) {
    if (ctx.request_body_buffered) {
      ctx.request_body = st.request.body;
    } else {
      log::logger().warn("edge functions changed the body of request {}, but it was not buffered: forwarded "
                         "unchanged", st.request_id);
    }
  }
}

std::size_t EdgeFunctionPhase::response_body_limit(const proxy::RequestContext& ctx) const {
  auto* es = ctx.phase_state.get<EdgeState>(this);
  if (!es || !ctx.config) return 0;
  for (const EdgeFunction* f : es->st->response_fns)
    if (f->reads_response_body) return std::max<std::size_t>(ctx.config->limits.max_body_bytes, 1);
  return 0;
}

void EdgeFunctionPhase::response_filter(proxy::RequestContext& ctx) {
  if (!ctx.response.headers) return;
  auto* es = ctx.phase_state.get<EdgeState>(this);
  if (!es) {
    // The request phase did not run for us (an earlier phase answered): the response chain still applies.
    const Chain* chain = chain_of(ctx);
    if (!chain || chain->response.empty()) return;
    es = make_state(ctx, this, *chain);
  }
  RequestState& st = *es->st;
  if (st.failed) return;  // the response is a function's failure: left as it is
  // Response headers set during the request phase (a termination's response already carries them).
  if (!st.terminated && !st.response.headers.empty()) merge_headers(*ctx.response.headers, st.response.headers);
  if (st.response_fns.empty()) return;

  hostapi::Response current;
  current.status = ctx.response.status;
  current.headers = read_headers(*ctx.response.headers);
  if (ctx.response_body_buffered) current.body = ctx.response_body;
  bool changed = false, body_changed = false;
  hostapi::HeaderNames changed_headers;  // by the functions that succeeded
  for (const EdgeFunction* f : st.response_fns) {
    InvocationContext ic;
    prepare(ic, *f, hostapi::Phase::Response);
    ic.request = st.request;
    ic.response = current;
    ic.response.body_set = false;
    Outcome o = thread_runner().invoke(*f->loaded.module, f->loaded.spec.entry, ic, f->loaded.limits);
    std::optional<proxy::LocalResponse> failure;
    if (finish(st, *f, ic, o, false, &failure) == Step::kAnswered) {
      // on_error closed in the response phase: the whole response becomes the error (status, headers, body).
      const std::string& id_header = ctx.config ? ctx.config->request_id_header : std::string();
      ctx.response.status = failure->status;
      write_headers(*ctx.response.headers, {{"content-type", failure->content_type}}, id_header);
      ctx.response_body = std::move(failure->body);
      ctx.response_body_buffered = true;
      return;
    }
    if (o.ok()) {
      body_changed = body_changed || ic.response.body_set;
      changed_headers.merge(std::move(ic.changed_response_headers));
      current = std::move(ic.response);
      changed = true;
    }
  }
  if (!changed) return;
  if (current.status && *current.status >= 100 && *current.status <= 599) ctx.response.status = *current.status;
  apply_changed_headers(*ctx.response.headers, current.headers, changed_headers);
  if (body_changed) {
    ctx.response_body = std::move(current.body);
    ctx.response_body_buffered = true;
  }
}

void EdgeFunctionPhase::logging(proxy::RequestContext& ctx, log::AccessRecord& record) {
  if (ctx.config && !ctx.config->access_log.enabled) return;  // the record is not written anywhere
  auto* es = ctx.phase_state.get<EdgeState>(this);
  if (!es || es->st->trail.empty()) return;
  record.add("edge_functions", es->st->trail.text());
}

}  // namespace aegis::edge
