// CachePhase: the shared HTTP cache in the request pipeline (4th phase: after the WAF, before the origin). One
// object per worker; per-request state lives in ctx.phase_state; everything shared is in Cache (cache.h).
//
//   request_filter     GET/HEAD on a route that does not bypass: look the key up (the store may answer
//                      asynchronously → kPending). Fresh → local response (HIT; 304 for a matching conditional,
//                      206/416 for a Range, HEAD without body). Stale but allowed (max-stale) → STALE.
//                      stale-while-revalidate → the first request revalidates with the origin, concurrent ones get
//                      STALE. Must revalidate → to the origin with If-None-Match/If-Modified-Since from the stored
//                      validators. Miss → to the origin, collapsed with concurrent misses of the key (one leads,
//                      the others wait and are served from what it stored, or go to the origin themselves when it
//                      stored nothing). only-if-cached without a usable response → 504. Client conditionals and
//                      Range are taken off cacheable requests sent upstream (answered here from the full response).
//                      Unsafe methods (POST, PUT, DELETE, PATCH, ...) and bypass routes pass through (BYPASS).
//   response_body_limit  cache.max_object_size for a storable origin response to a GET (the body is buffered).
//   response_filter    304 to a revalidation → stored headers freshened, stored body served (REVALIDATED).
//                      5xx or unreachable origin with a stored response stale-if-error allows → STALE.
//                      Storable 200-class (and other cacheable) responses are stored (MISS). A non-error response to
//                      an unsafe method invalidates the target URI and same-origin Location/Content-Location.
//                      Adds X-Cache (cache.status_header) and Age on responses the cache served.
//   logging            ctx.cache_status (the access log's cache field) = hit|miss|stale|revalidated|bypass.
#pragma once

#include <memory>
#include <string_view>

#include "cache/cache.h"
#include "proxy/phase.h"

namespace aegis::cache {

class CachePhase final : public proxy::Phase {
 public:
  explicit CachePhase(std::shared_ptr<Cache> cache);

  std::string_view name() const override { return "cache"; }
  proxy::Flow request_filter(proxy::RequestContext& ctx, const proxy::Resume& resume) override;
  std::size_t response_body_limit(const proxy::RequestContext& ctx) const override;
  void response_filter(proxy::RequestContext& ctx) override;
  void logging(proxy::RequestContext& ctx, log::AccessRecord& record) override;

 private:
  std::shared_ptr<Cache> cache_;
};

}  // namespace aegis::cache
