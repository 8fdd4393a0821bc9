#include "cache/policy.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace aegis::cache {

bool heuristically_cacheable(int status) {
  switch (status) {
    case 200: case 203: case 204: case 206: case 300: case 301: case 308: case 404: case 405: case 410: case 414:
    case 501:
      return true;
    default:
      return false;
  }
}

bool unsafe_method(std::string_view m) {
  return !(m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE");
}

namespace {

// Final status codes whose semantics this cache implements (for must-understand): everything it may store.
bool understood_status(int status) {
  switch (status) {
    case 200: case 203: case 204: case 300: case 301: case 302: case 303: case 307: case 308: case 404: case 405:
    case 410: case 414: case 501:
      return true;
    default:
      return false;
  }
}

bool vary_star(const Headers& response) {
  auto v = field(response, "vary");
  if (!v) return false;
  for (const auto& f : split_list(*v))
    if (f == "*") return true;
  return false;
}

std::optional<WallClock::time_point> date_field(const Headers& h, std::string_view name) {
  std::optional<WallClock::time_point> out;
  with_field(h, name, [&](std::string_view v) { out = parse_http_date(v); });
  return out;
}

Seconds to_seconds(WallClock::duration d) {
  auto s = std::chrono::duration_cast<Seconds>(d);
  return s < Seconds(0) ? Seconds(0) : s;
}

bool forbids_stale(const CacheControl& res) {
  return res.no_cache || res.must_revalidate || res.proxy_revalidate || res.s_maxage.has_value();
}

}  // namespace

Storability storable(std::string_view method, const Headers& request, int status, const Headers& response,
                     const PolicyOptions& options) {
  if (method != "GET") return {false, "method"};
  if (status < 200 || status == 206 || status == 304) return {false, "status"};
  const CacheControl res = cache_control(response);
  const CacheControl req = cache_control(request);
  const SurrogateControl sc = surrogate_control(response, options.surrogate_device);
  if (sc.no_store) return {false, "surrogate-control no-store"};
  if (res.must_understand) {
    if (!understood_status(status)) return {false, "must-understand"};
  } else if (res.no_store && !sc.max_age) {
    return {false, "no-store"};
  }
  if (req.no_store) return {false, "request no-store"};
  if (res.private_) return {false, "private"};
  if (has_field(request, "authorization") && !res.public_ && !res.must_revalidate && !res.s_maxage)
    return {false, "authorization"};
  if (vary_star(response)) return {false, "vary *"};
  if (has_field(response, "set-cookie") && !res.public_ && !res.s_maxage) return {false, "set-cookie"};
  const bool explicit_freshness = sc.max_age || res.s_maxage || res.max_age || has_field(response, "expires");
  if (!explicit_freshness && !res.public_ && !heuristically_cacheable(status)) return {false, "no freshness"};
  // A copy that is never fresh needs a validator (or a stale-serving window) to be of any use.
  if (freshness_lifetime(status, response, WallClock::now(), options) == Seconds(0) &&
      !has_field(response, "etag") && !has_field(response, "last-modified") && !res.stale_if_error &&
      !res.stale_while_revalidate)
    return {false, "zero lifetime"};
  return {true, {}};
}

Seconds freshness_lifetime(int status, const Headers& response, WallClock::time_point response_time,
                           const PolicyOptions& options) {
  if (const SurrogateControl sc = surrogate_control(response, options.surrogate_device); sc.max_age)
    return Seconds(*sc.max_age);
  const CacheControl res = cache_control(response);
  if (res.s_maxage) return Seconds(*res.s_maxage);
  if (res.max_age) return Seconds(*res.max_age);
  const auto date = date_field(response, "date").value_or(response_time);
  if (has_field(response, "expires")) {
    auto expires = date_field(response, "expires");
    if (!expires) return Seconds(0);  // an invalid Expires (e.g. "0") means already expired
    return to_seconds(*expires - date);
  }
  if (!heuristically_cacheable(status) && !res.public_) return Seconds(0);
  if (options.default_ttl) return *options.default_ttl;
  if (auto lm = date_field(response, "last-modified"); lm && *lm < date)
    return std::min(to_seconds((date - *lm) / 10), options.heuristic_max);
  return Seconds(0);
}

Seconds current_age(const Headers& response, WallClock::time_point request_time, WallClock::time_point response_time,
                    WallClock::time_point now) {
  // Age must be exactly one non-negative integer. Anything else (several fields or values, a fraction, a sign,
  // parameters, junk) cannot be trusted, and a cache must not serve as fresh what may be arbitrarily old: such a
  // response counts as stale (age 2^31), as the HTTP caching test suite expects.
  constexpr Seconds kUntrusted(2147483648);
  Seconds age_value(0);
  int age_fields = 0;
  std::string_view age_text;
  for (const auto& [k, v] : response)
    if (iequals(k, "age")) {
      ++age_fields;
      age_text = v;
    }
  if (age_fields > 1) {
    age_value = kUntrusted;
  } else if (age_fields == 1) {
    std::string_view v = trim(age_text);
    int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec == std::errc() && p == v.data() + v.size() && !v.empty() && v[0] != '-' && n >= 0)
      age_value = Seconds(n);
    else
      age_value = kUntrusted;
  }
  const auto date = date_field(response, "date").value_or(response_time);
  const Seconds apparent_age = to_seconds(response_time - date);
  const Seconds response_delay = to_seconds(response_time - request_time);
  const Seconds corrected_age_value = age_value + response_delay;
  const Seconds corrected_initial_age = std::max(apparent_age, corrected_age_value);
  const Seconds resident_time = to_seconds(now - response_time);
  return corrected_initial_age + resident_time;
}

Use evaluate(const Headers& request, const Headers& response, Seconds lifetime, Seconds age) {
  const CacheControl req = cache_control(request);
  const CacheControl res = cache_control(response);
  if (req.no_cache) return Use::kRevalidate;
  if (!has_field(request, "cache-control")) {
    if (auto pragma = field(request, "pragma"))
      for (const auto& p : split_list(*pragma))
        if (iequals(p, "no-cache")) return Use::kRevalidate;
  }
  if (res.no_cache) return Use::kRevalidate;
  if (req.max_age && age > Seconds(*req.max_age)) {
    // The client's max-age bounds the age; a max-stale still lets it accept a stale response.
    if (!(req.max_stale && age > lifetime && !forbids_stale(res))) return Use::kRevalidate;
  }
  if (req.min_fresh && lifetime - age < Seconds(*req.min_fresh)) return Use::kRevalidate;
  if (age < lifetime) return Use::kFresh;
  const Seconds staleness = age - lifetime;
  if (forbids_stale(res)) return Use::kRevalidate;
  if (req.max_stale && (!req.max_stale_value || staleness <= Seconds(*req.max_stale_value))) return Use::kStale;
  if (res.stale_while_revalidate && staleness <= Seconds(*res.stale_while_revalidate))
    return Use::kStaleWhileRevalidate;
  return Use::kRevalidate;
}

bool stale_if_error_ok(const Headers& request, const Headers& response, Seconds lifetime, Seconds age) {
  const CacheControl res = cache_control(response);
  if (res.no_cache) return false;
  if (age < lifetime) return true;
  if (forbids_stale(res)) return false;
  const CacheControl req = cache_control(request);
  std::optional<int64_t> window = res.stale_if_error;
  if (req.stale_if_error) window = std::max(window.value_or(0), *req.stale_if_error);
  return window && age - lifetime <= Seconds(*window);
}

bool not_modified(std::string_view method, const Headers& request, const Headers& stored) {
  if (method != "GET" && method != "HEAD") return false;
  if (auto inm = field(request, "if-none-match")) {
    auto etag = field(stored, "etag");
    for (const auto& t : split_list(*inm)) {
      if (t == "*") return true;
      if (etag && etag_weak_equal(t, *etag)) return true;
    }
    return false;
  }
  auto ims = date_field(request, "if-modified-since");
  if (!ims) return false;
  auto lm = date_field(stored, "last-modified");
  if (!lm) lm = date_field(stored, "date");
  return lm && *lm <= *ims;
}

Headers not_modified_headers(const Headers& stored) {
  Headers out = stored;
  for (std::string_view f : {"content-length", "transfer-encoding", "content-range"}) remove_field(out, f);
  return out;
}

Headers conditional_headers(const Headers& stored) {
  Headers out;
  if (auto etag = field(stored, "etag")) out.emplace_back("If-None-Match", *etag);
  if (auto lm = field(stored, "last-modified")) out.emplace_back("If-Modified-Since", *lm);
  return out;
}

bool freshens(const Headers& stored, const Headers& nm) {
  auto new_tag = field(nm, "etag");
  auto old_tag = field(stored, "etag");
  if (new_tag) return old_tag && etag_weak_equal(*new_tag, *old_tag);
  auto new_lm = field(nm, "last-modified");
  auto old_lm = field(stored, "last-modified");
  if (new_lm && old_lm) return *new_lm == *old_lm;
  return true;
}

void freshen(Headers& stored, const Headers& nm) {
  remove_field(stored, "age");
  std::vector<std::string> replaced;  // names already taken over from the 304 (several lines of one field)
  for (const auto& [k, v] : nm) {
    if (iequals(k, "content-length") || iequals(k, "transfer-encoding") || iequals(k, "content-range") ||
        iequals(k, "content-encoding") || iequals(k, "content-md5"))
      continue;
    std::string name = to_lower(k);
    if (std::find(replaced.begin(), replaced.end(), name) == replaced.end()) {
      remove_field(stored, name);
      replaced.push_back(std::move(name));
    }
    stored.emplace_back(k, v);
  }
}

ByteRange byte_range(const Headers& request, const Headers& stored, uint64_t length) {
  auto range = field(request, "range");
  if (!range) return {};
  if (auto if_range = field(request, "if-range")) {
    std::string_view ir = trim(*if_range);
    if (!ir.empty() && (ir.front() == '"' || ir.substr(0, 2) == "W/")) {
      auto etag = field(stored, "etag");
      if (!etag || !etag_strong_equal(ir, *etag)) return {};
    } else {
      auto ird = parse_http_date(ir);
      auto lm = field(stored, "last-modified");
      auto lmd = lm ? parse_http_date(*lm) : std::nullopt;
      if (!ird || !lmd || *ird != *lmd) return {};
    }
  }
  std::string_view r = trim(*range);
  if (r.size() < 6 || !iequals(r.substr(0, 6), "bytes=")) return {};
  r = trim(r.substr(6));
  if (r.find(',') != std::string_view::npos) return {};
  auto dash = r.find('-');
  if (dash == std::string_view::npos) return {};
  auto num = [](std::string_view s, uint64_t& out) {
    if (s.empty()) return false;
    for (char c : s)
      if (c < '0' || c > '9') return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
  };
  std::string_view a = trim(r.substr(0, dash)), b = trim(r.substr(dash + 1));
  ByteRange out;
  if (a.empty()) {  // suffix: the last N bytes
    uint64_t n = 0;
    if (!num(b, n)) return {};
    if (n == 0 || length == 0) return {ByteRange::kUnsatisfiable};
    out.kind = ByteRange::kPartial;
    out.first = n >= length ? 0 : length - n;
    out.last = length - 1;
    return out;
  }
  uint64_t first = 0, last = 0;
  if (!num(a, first)) return {};
  if (b.empty()) {
    last = length ? length - 1 : 0;
  } else {
    if (!num(b, last) || last < first) return {};
    if (length && last >= length) last = length - 1;
  }
  if (first >= length) return {ByteRange::kUnsatisfiable};
  out.kind = ByteRange::kPartial;
  out.first = first;
  out.last = last;
  return out;
}

}  // namespace aegis::cache
