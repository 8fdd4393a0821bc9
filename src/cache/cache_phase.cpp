#include "cache/cache_phase.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cache/key.h"
#include "cache/policy.h"
#include "log/logging.h"

namespace aegis::cache {

using proxy::Flow;
using proxy::RequestContext;

namespace {

// How long a stored response is kept past its freshness when it has validators (it can still be revalidated with a
// 304 instead of a full fetch).
constexpr Seconds kRevalidationKeep{24 * 3600};

// Whether the RequestContext still exists, for callbacks that arrive from other threads (store, collapser). They
// lock `mu` for as long as they touch the request; the state's destructor clears `ctx` under the same lock.
struct Guard {
  std::recursive_mutex mu;
  RequestContext* ctx = nullptr;
};

// Where the outcome of the lookup goes: returned by request_filter if it is known before request_filter returns,
// otherwise through Resume.
struct Slot {
  std::mutex mu;
  bool returned = false;
  std::optional<Flow> result;
};

struct RequestState final : proxy::PhaseState {
  std::shared_ptr<Cache> cache;
  std::shared_ptr<Guard> guard = std::make_shared<Guard>();
  std::shared_ptr<Slot> slot = std::make_shared<Slot>();
  proxy::Resume resume;

  const config::CacheConfig* cfg = nullptr;
  PolicyOptions policy;
  std::string method;
  std::shared_ptr<const Headers> request;  // the client's request head, as received by the cache (shared with lookups)
  const Headers& req() const { return *request; }
  std::string url, primary;
  bool ignore_query = false;

  Status status = Status::kMiss;
  bool lookup = false;        // GET/HEAD the cache looked up
  bool invalidate = false;    // unsafe method: invalidate on a non-error response
  bool served = false;        // answered locally from the cache
  bool waited = false;        // already waited once for a collapsed fetch
  bool revalidating = false;  // conditional headers sent upstream
  bool store_ok = false;      // the origin response may be stored (decided in response_body_limit)
  std::optional<Cache::Found> stored;  // the stored response being revalidated (and the stale-if-error fallback)
  WallClock::time_point request_time{};
  std::string lead_key;       // non-empty while this request leads a collapsed fetch

  void end_lead() {
    if (lead_key.empty()) return;
    std::string key = std::move(lead_key);
    lead_key.clear();
    cache->collapser().done(key);
  }

  ~RequestState() override {
    {
      std::lock_guard lock(guard->mu);
      guard->ctx = nullptr;
    }
    end_lead();
  }
};

Headers snapshot(const proxy::HeaderMap* h) {
  Headers out;
  if (h) h->for_each([&](std::string_view k, std::string_view v) { out.emplace_back(std::string(k), std::string(v)); });
  return out;
}

// Replaces every header of the response (except the request id the session set) with `headers`.
void replace_headers(RequestContext& ctx, const Headers& headers) {
  proxy::HeaderMap& h = *ctx.response.headers;
  std::vector<std::string> names;
  h.for_each([&](std::string_view k, std::string_view) {
    if (iequals(k, ctx.config->request_id_header)) return;
    std::string n = to_lower(k);
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(std::move(n));
  });
  for (const auto& n : names) h.remove(n);
  for (const auto& [k, v] : headers) h.add(k, v);
}

// The headers stored with a response: what the origin sent, minus what is per exchange or added by the cache.
Headers storable_headers(const Headers& res, const RequestState& st, const RequestContext& ctx) {
  Headers out;
  for (const auto& kv : res) {
    if (iequals(kv.first, ctx.config->request_id_header) || iequals(kv.first, st.cfg->status_header) ||
        iequals(kv.first, "content-length"))
      continue;
    out.push_back(kv);
  }
  return out;
}

struct Rendition {
  int status = 200;
  Headers headers;
  std::string body;
};

// The response the client gets from a stored entry: 304 for a matching conditional, 206/416 for a Range, else the
// stored response. Content-Length is left to the session (it frames the body it is given; HEAD keeps the length).
Rendition render(const RequestState& st, const Entry& e, Seconds age, Status status) {
  Rendition r;
  Headers h = e.headers;
  remove_field(h, "content-length");
  if (!st.policy.surrogate_device.empty()) remove_field(h, "surrogate-control");  // consumed by this cache
  if (not_modified(st.method, st.req(), e.headers)) {
    r.status = 304;
    r.headers = not_modified_headers(h);
  } else if (st.method == "GET" && e.status == 200) {
    ByteRange br = byte_range(st.req(), e.headers, e.body.size());
    if (br.kind == ByteRange::kPartial) {
      r.status = 206;
      r.headers = std::move(h);
      set_field(r.headers, "Content-Range", "bytes " + std::to_string(br.first) + "-" + std::to_string(br.last) + "/" +
                                                std::to_string(e.body.size()));
      r.body = e.body.substr(br.first, br.last - br.first + 1);
    } else if (br.kind == ByteRange::kUnsatisfiable) {
      r.status = 416;
      r.headers = std::move(h);
      remove_field(r.headers, "content-type");
      set_field(r.headers, "Content-Range", "bytes */" + std::to_string(e.body.size()));
    } else {
      r.status = 200;
      r.headers = std::move(h);
      r.body = e.body;
    }
    if (!has_field(r.headers, "accept-ranges")) r.headers.emplace_back("Accept-Ranges", "bytes");
  } else {
    r.status = e.status;
    r.headers = std::move(h);
    r.body = e.body;
  }
  set_field(r.headers, "Age", std::to_string(age.count()));
  if (!st.cfg->status_header.empty()) set_field(r.headers, st.cfg->status_header, to_string(status));
  return r;
}

Seconds age_of(const Entry& e) { return current_age(e.headers, e.request_time, e.response_time, WallClock::now()); }
Seconds lifetime_of(const Entry& e, const RequestState& st) {
  return freshness_lifetime(e.status, e.headers, e.response_time, st.policy);
}

// A stored response answering this request (§3.5: with Authorization only if the response said so).
bool usable_for(const RequestState& st, const Entry& e) {
  if (!has_field(st.req(), "authorization")) return true;
  CacheControl cc = cache_control(e.headers);
  return cc.public_ || cc.must_revalidate || cc.s_maxage.has_value();
}

void set_status(RequestContext& ctx, RequestState& st, Status s) {
  st.status = s;
  ctx.cache_status = to_string(s);
}

Flow respond_from(RequestContext& ctx, RequestState& st, const Entry& e, Seconds age, Status s) {
  Rendition r = render(st, e, age, s);
  proxy::LocalResponse lr;
  lr.status = r.status;
  lr.headers = std::move(r.headers);
  lr.body = std::move(r.body);
  lr.content_type.clear();
  ctx.local_response = std::move(lr);
  st.served = true;
  set_status(ctx, st, s);
  st.cache->metrics().count(s);
  return Flow::kRespond;
}

// Takes the client's conditionals and Range off a request going upstream (the cache answers them from the full
// response it stores) and, when revalidating, sends the stored validators instead.
void prepare_upstream(RequestContext& ctx, RequestState& st) {
  proxy::HeaderMap& h = *ctx.request.headers;
  if (st.method == "GET") {
    for (std::string_view f : {"if-none-match", "if-modified-since", "if-range", "range"}) h.remove(f);
  }
  if (!st.policy.surrogate_device.empty()) {
    // Edge Architecture: each surrogate appends its capabilities, so the origin can target Surrogate-Control at it.
    std::string cap = st.policy.surrogate_device + "=\"Surrogate/1.0\"";
    if (auto prev = h.get("surrogate-capability"); prev && !prev->empty()) cap = std::string(*prev) + ", " + cap;
    h.set("Surrogate-Capability", cap);
  }
  if (st.stored) {
    Headers cond = conditional_headers(st.stored->entry->headers);
    if (!cond.empty() && st.method == "GET") {
      for (const auto& [k, v] : cond) h.set(k, v);
      st.revalidating = true;
    }
  }
  st.request_time = WallClock::now();
}

void deliver(RequestState& st, Flow flow) {
  {
    std::lock_guard lock(st.slot->mu);
    if (!st.slot->returned) {
      st.slot->result = flow;
      return;
    }
  }
  st.resume.complete(flow);
}

void lookup(RequestState* st);

// Decides what to do with the lookup's outcome. kPending = parked behind a collapsed fetch (the waiter resumes).
Flow decide(RequestContext& ctx, RequestState& st, std::optional<Cache::Found> found) {
  if (found && usable_for(st, *found->entry)) {
    const Entry& e = *found->entry;
    const Seconds age = age_of(e);
    switch (evaluate(st.req(), e.headers, lifetime_of(e, st), age)) {
      case Use::kFresh:
        return respond_from(ctx, st, e, age, Status::kHit);
      case Use::kStale:
        return respond_from(ctx, st, e, age, Status::kStale);
      case Use::kStaleWhileRevalidate:
        if (st.method == "GET" && st.cache->collapser().try_lead(st.primary)) {
          // This request revalidates (the origin's answer refreshes the entry); concurrent ones get it stale.
          st.lead_key = st.primary;
          st.stored = std::move(found);
          prepare_upstream(ctx, st);
          return Flow::kContinue;
        }
        return respond_from(ctx, st, e, age, Status::kStale);
      case Use::kRevalidate:
        st.stored = std::move(found);
        break;
    }
  }
  if (cache_control(st.req()).only_if_cached) {
    proxy::LocalResponse lr;
    lr.status = 504;
    lr.body = "504 Gateway Timeout (only-if-cached: not in cache)\n";
    if (!st.cfg->status_header.empty()) lr.headers.emplace_back(st.cfg->status_header, "MISS");
    ctx.local_response = std::move(lr);
    st.served = true;
    set_status(ctx, st, Status::kMiss);
    st.cache->metrics().count(Status::kMiss);
    return Flow::kRespond;
  }
  if (st.method == "GET" && st.cfg->collapse && !st.waited) {
    RequestState* sp = &st;
    std::shared_ptr<Guard> g = st.guard;
    if (!st.cache->collapser().join(st.primary, [sp, g] {
          std::lock_guard lock(g->mu);
          if (g->ctx) lookup(sp);
        })) {
      st.waited = true;
      st.cache->metrics().collapsed();
      return Flow::kPending;
    }
    st.lead_key = st.primary;
  }
  prepare_upstream(ctx, st);
  return Flow::kContinue;
}

// Looks the key up; the outcome is delivered (inline or from the store's thread).
void lookup(RequestState* st) {
  std::shared_ptr<Guard> g = st->guard;
  st->cache->find(st->primary, st->request, [st, g](std::optional<Cache::Found> found) {
    std::lock_guard lock(g->mu);
    if (!g->ctx) return;
    Flow flow = decide(*g->ctx, *st, std::move(found));
    if (flow != Flow::kPending) deliver(*st, flow);
  });
}

// Puts a stored entry into the response being sent (origin or local): status, headers, body.
void serve_into_response(RequestContext& ctx, RequestState& st, const Entry& e, Status s) {
  Rendition r = render(st, e, age_of(e), s);
  ctx.response.status = r.status;
  replace_headers(ctx, r.headers);
  ctx.response_body = std::move(r.body);
  ctx.response_body_buffered = true;
  set_status(ctx, st, s);
  st.cache->metrics().count(s);
}

// Stores `e` (now - age remaining freshness + stale windows / revalidation keep). Returns false if not worth it.
bool store_entry(RequestState& st, const Entry& e) {
  const Seconds lifetime = lifetime_of(e, st);
  const Seconds age = age_of(e);
  const CacheControl cc = cache_control(e.headers);
  Seconds extra{0};
  if (cc.stale_while_revalidate) extra = std::max(extra, Seconds(*cc.stale_while_revalidate));
  if (cc.stale_if_error) extra = std::max(extra, Seconds(*cc.stale_if_error));
  if (has_field(e.headers, "etag") || has_field(e.headers, "last-modified")) extra = std::max(extra, kRevalidationKeep);
  const Seconds keep = std::max(lifetime - age, Seconds(0)) + extra;
  if (keep <= Seconds(0)) return false;
  std::vector<std::string> tags;
  if (auto sk = field(e.headers, st.cfg->surrogate_key_header)) {
    std::string_view rest = *sk;
    while (!rest.empty()) {
      auto sp = rest.find_first_of(" ,\t");
      std::string_view t = rest.substr(0, sp);
      if (!t.empty()) tags.emplace_back(t);
      rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
    }
  }
  st.cache->put(st.primary, st.req(), e, std::move(tags), WallClock::now() + keep);
  return true;
}

void invalidate(RequestState& st, const Headers& res) {
  std::size_t n = st.cache->purge_url(st.url);
  for (std::string_view f : {"location", "content-location"}) {
    if (auto v = field(res, f))
      if (auto u = same_origin_url(st.url, *v, st.ignore_query)) n += st.cache->purge_url(*u);
  }
  if (n) log::logger().debug("cache: {} {} invalidated {} objects", st.method, st.url, n);
}

}  // namespace

CachePhase::CachePhase(std::shared_ptr<Cache> cache) : cache_(std::move(cache)) {}

Flow CachePhase::request_filter(RequestContext& ctx, const proxy::Resume& resume) {
  if (!ctx.config || !ctx.config->cache.enabled || !ctx.route || !ctx.request.headers) return Flow::kContinue;
  auto& st = ctx.phase_state.emplace<RequestState>(this);
  st.cache = cache_;
  st.guard->ctx = &ctx;
  st.resume = resume;
  st.cfg = &ctx.config->cache;
  const config::RouteCache& rc = ctx.route->cache;
  st.policy.heuristic_max = std::chrono::duration_cast<Seconds>(st.cfg->heuristic_max);
  auto ttl = rc.default_ttl.count() > 0 ? rc.default_ttl : st.cfg->default_ttl;
  if (ttl.count() > 0) st.policy.default_ttl = std::chrono::duration_cast<Seconds>(ttl);
  st.policy.surrogate_device = st.cfg->surrogate_device;
  st.method = std::string(ctx.new_method ? std::string_view(*ctx.new_method) : ctx.request.method);
  st.request = std::make_shared<const Headers>(snapshot(ctx.request.headers));
  const std::string_view target = ctx.new_target ? std::string_view(*ctx.new_target) : ctx.request.target;
  std::string host = field(st.req(), "host").value_or(std::string(target_authority(target)));
  st.ignore_query = rc.ignore_query;
  st.url = request_url(ctx.client.scheme, host, target, rc.ignore_query);

  if (rc.bypass) {
    set_status(ctx, st, Status::kBypass);
    cache_->metrics().count(Status::kBypass);
    return Flow::kContinue;
  }
  if (st.method != "GET" && st.method != "HEAD") {
    st.invalidate = unsafe_method(st.method);
    set_status(ctx, st, Status::kBypass);
    cache_->metrics().count(Status::kBypass);
    return Flow::kContinue;
  }
  KeyOptions ko{rc.ignore_query, rc.key_headers, rc.key_cookies};
  st.primary = primary_key(st.url, ko, st.req());
  st.lookup = true;
  set_status(ctx, st, Status::kMiss);
  lookup(&st);
  std::lock_guard lock(st.slot->mu);
  st.slot->returned = true;
  return st.slot->result.value_or(Flow::kPending);
}

std::size_t CachePhase::response_body_limit(const RequestContext& ctx) const {
  auto* st = ctx.phase_state.get<RequestState>(this);
  if (!st || !st->lookup || st->served || st->method != "GET") return 0;
  const Headers res = snapshot(ctx.response.headers);
  st->store_ok = storable("GET", st->req(), ctx.response.status, res, st->policy).ok;
  return st->store_ok ? st->cfg->max_object_size : 0;
}

void CachePhase::response_filter(RequestContext& ctx) {
  auto* st = ctx.phase_state.get<RequestState>(this);
  if (!st || st->served || !ctx.response.headers) return;
  const Headers res = snapshot(ctx.response.headers);
  const int status = ctx.response.status;
  auto mark = [&](Status s) {
    if (!st->cfg->status_header.empty()) ctx.response.headers->set(st->cfg->status_header, to_string(s));
  };
  if (!st->lookup) {
    if (st->invalidate && status >= 200 && status < 400) invalidate(*st, res);
    mark(Status::kBypass);
    return;
  }

  // 304 to our revalidation: the stored response, freshened.
  if (st->revalidating && status == 304 && st->stored && freshens(st->stored->entry->headers, res)) {
    Entry e = *st->stored->entry;  // a copy to update (the stored one is shared and immutable)
    st->stored.reset();
    Headers update = storable_headers(res, *st, ctx);
    freshen(e.headers, update);
    e.request_time = st->request_time;
    e.response_time = WallClock::now();
    if (storable("GET", st->req(), e.status, e.headers, st->policy).ok) store_entry(*st, e);
    serve_into_response(ctx, *st, e, Status::kRevalidated);
    st->end_lead();
    return;
  }
  // A 304 that does not select the stored response (§4.3.4: its strong ETag differs) must not update it, but it is
  // still the origin's answer to the validators the cache sent, not to the client's request (which may not have
  // been conditional at all): the stored response is served as it is, and stays stored unchanged.
  if (st->revalidating && status == 304 && st->stored) {
    Entry e = *st->stored->entry;  // a copy to update (the stored one is shared and immutable)
    st->stored.reset();
    log::logger().debug("cache: 304 for {} does not match the stored validators; stored response not updated",
                        st->url);
    serve_into_response(ctx, *st, e, Status::kRevalidated);
    st->end_lead();
    return;
  }

  // The origin failed (5xx, or unreachable: the session's local 502/504): stale-if-error.
  if (status >= 500 && st->stored) {
    const Entry& e = *st->stored->entry;
    if (stale_if_error_ok(st->req(), e.headers, lifetime_of(e, *st), age_of(e))) {
      serve_into_response(ctx, *st, e, Status::kStale);
      st->end_lead();
      return;
    }
  }

  set_status(ctx, *st, Status::kMiss);
  cache_->metrics().count(Status::kMiss);
  // Surrogate-Control is for this cache (policy.h); the client does not get it.
  if (!st->policy.surrogate_device.empty()) ctx.response.headers->remove("surrogate-control");
  // A 204 has no body: the session neither asks response_body_limit nor buffers anything for it, but what the origin
  // sent is complete.
  bool whole_body = ctx.response_body_buffered;
  if (status == 204 && st->method == "GET" && ctx.response_body.empty()) {
    st->store_ok = storable("GET", st->req(), status, res, st->policy).ok;
    whole_body = true;
  }
  if (st->method == "GET" && st->store_ok && whole_body &&
      ctx.response_body.size() <= st->cfg->max_object_size) {
    Entry e;
    e.status = status;
    e.headers = storable_headers(res, *st, ctx);
    e.body = ctx.response_body;
    e.request_time = st->request_time;
    e.response_time = WallClock::now();
    if (store_entry(*st, e)) {
      // Conditionals and Range the cache took off the upstream request are answered from the stored response.
      if (has_field(st->req(), "if-none-match") || has_field(st->req(), "if-modified-since") ||
          has_field(st->req(), "range")) {
        Rendition r = render(*st, e, age_of(e), Status::kMiss);
        ctx.response.status = r.status;
        replace_headers(ctx, r.headers);
        ctx.response_body = std::move(r.body);
        ctx.response_body_buffered = true;
      }
    }
  }
  mark(Status::kMiss);
  st->end_lead();
}

void CachePhase::logging(RequestContext& ctx, log::AccessRecord& record) {
  auto* st = ctx.phase_state.get<RequestState>(this);
  if (!st) return;
  record.cache_status = to_string(st->status);
  st->end_lead();
}

}  // namespace aegis::cache
