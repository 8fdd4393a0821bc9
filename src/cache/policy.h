// The RFC 9111 rules of a shared cache, as pure functions over header lists (no I/O, no clock reads: `now` and the
// exchange times are parameters). The cache phase (cache_phase.h) applies them; tests/cache/policy_test.cpp
// checks them one directive at a time.
//
//   storable()             may this response be stored (§3, shared cache)?
//   freshness_lifetime()   §4.2.1 (s-maxage > max-age > Expires − Date > default TTL / heuristic §4.2.2)
//   current_age()          §4.2.3
//   evaluate()             can a stored response be used for this request (§4.2, §4.2.4, §5.2.1, RFC 5861)?
//   stale_if_error_ok()    may it be served stale because the origin failed (RFC 5861 §4)?
//   not_modified()         does the client's conditional request match it (RFC 9110 §13.1.1/§13.1.3 → 304)?
//   freshen()              §4.3.4: update stored headers from a 304
//   byte_range()           a single byte range of a stored full response (RFC 9110 §14) → 206 / 416
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cache/http_fields.h"

namespace aegis::cache {

using Seconds = std::chrono::seconds;

struct PolicyOptions {
  // Freshness of storable responses without explicit freshness (no s-maxage, max-age or Expires) and with a
  // status code cacheable by default. Unset = heuristic freshness: 10% of (Date − Last-Modified), at most
  // heuristic_max, and 0 without Last-Modified.
  std::optional<Seconds> default_ttl;
  Seconds heuristic_max{86400};
  // This cache's device token for Surrogate-Control (http_fields.h). Empty = Surrogate-Control is ignored.
  // Directives targeted at it take precedence over Cache-Control/Expires: `no-store` forbids storing, `max-age` is
  // the freshness lifetime and lets the response be stored despite Cache-Control `no-store` (`private`,
  // Authorization and Set-Cookie still forbid it).
  std::string surrogate_device;
};

// Status codes cacheable by default (RFC 9110 §15.1), i.e. where heuristic freshness is allowed.
bool heuristically_cacheable(int status);
// Methods that are not safe (RFC 9110 §9.2.1): their non-error responses invalidate the target URI (§4.4).
bool unsafe_method(std::string_view method);

struct Storability {
  bool ok = false;
  std::string_view reason;  // why not (for the debug log), empty when ok
};

// §3: the request method (GET), the status (final, not 206/304; must-understand needs a status we implement),
// no-store (request or response), private, Authorization (only with public, must-revalidate or s-maxage),
// Vary: *, Set-Cookie (only with public or s-maxage: a shared cache must not hand one user's cookie to others),
// and something that makes it reusable: explicit freshness, public, a status cacheable by default, or a
// validator/stale-serving directive that gives a zero-freshness copy a use.
Storability storable(std::string_view method, const Headers& request, int status, const Headers& response,
                     const PolicyOptions& options);

// §4.2.1 / §4.2.2 (a Surrogate-Control max-age targeted at this cache comes first). `response_time` stands in for a missing Date.
Seconds freshness_lifetime(int status, const Headers& response, WallClock::time_point response_time,
                           const PolicyOptions& options);

// §4.2.3. request_time/response_time: when the cache sent the request that produced this response and when the
// response head arrived.
Seconds current_age(const Headers& response, WallClock::time_point request_time, WallClock::time_point response_time,
                    WallClock::time_point now);

enum class Use {
  kFresh,                 // serve it (HIT)
  kStale,                 // serve it stale: the client's max-stale allows it (STALE)
  kStaleWhileRevalidate,  // serve it stale and revalidate in the background (RFC 5861 §3)
  kRevalidate,            // must not be served without a successful revalidation with the origin
};

// Request directives (no-cache, Pragma: no-cache without Cache-Control, max-age, min-fresh, max-stale) and response
// directives (no-cache, must-revalidate, proxy-revalidate, s-maxage — which forbid serving stale — and
// stale-while-revalidate).
Use evaluate(const Headers& request, const Headers& response, Seconds lifetime, Seconds age);

// The origin answered 5xx or could not be reached: may the stored response be served instead? (stale-if-error
// from the response or the request, staleness within it, not forbidden by no-cache/must-revalidate/
// proxy-revalidate/s-maxage.) A fresh response is always usable.
bool stale_if_error_ok(const Headers& request, const Headers& response, Seconds lifetime, Seconds age);

// The client's If-None-Match (weak comparison; "*" matches) or, without it, If-Modified-Since (against
// Last-Modified, or Date) matches the stored response of a GET/HEAD: answer 304.
bool not_modified(std::string_view method, const Headers& request, const Headers& stored);

// The headers of a 304 made from a stored response (RFC 9110 §15.4.5): the stored ones without body framing.
Headers not_modified_headers(const Headers& stored);

// The validators to send upstream to revalidate a stored response: If-None-Match (from ETag) and
// If-Modified-Since (from Last-Modified). Empty if it has none.
Headers conditional_headers(const Headers& stored);

// §4.3.4: whether a 304 may freshen the stored response (its strong ETag, if any, must match the stored one; a
// weak/absent one matches by Last-Modified or is taken as is) and the update: every field of the 304 replaces the
// stored lines of that name, except body framing (Content-Length, Transfer-Encoding, Content-Range); a stored Age
// is dropped (the exchange times are new).
bool freshens(const Headers& stored, const Headers& not_modified_response);
void freshen(Headers& stored, const Headers& not_modified_response);

struct ByteRange {
  enum Kind { kFull, kPartial, kUnsatisfiable } kind = kFull;
  uint64_t first = 0, last = 0;  // inclusive, kPartial only
};

// `Range` of a GET on a stored 200 of `length` bytes. kFull when there is no Range, it is not a single valid bytes
// range (several ranges are answered in full: allowed), or If-Range does not match (strong ETag or exact
// Last-Modified date).
ByteRange byte_range(const Headers& request, const Headers& stored, uint64_t length);

}  // namespace aegis::cache
