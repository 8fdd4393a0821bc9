// The cache's admin endpoints (on the admin listener, see server/admin.h):
//
//   POST /cache/purge?url=URL        every stored response of that URL (all variants and key components)
//   POST /cache/purge?prefix=PREFIX  every stored response whose URL starts with PREFIX
//   POST /cache/purge?tag=TAG        every stored response tagged TAG (cache.surrogate_key_header)
//   POST /cache/flush                everything
//   GET  /cache/stats                {"bytes":..,"objects":..,"evictions":..,"in_flight":..} of this node's (memory)
//                                    store, plus "shared":{"bytes":..,"objects":..} with cache.store: redis
//
// URL and PREFIX are absolute ("http://www.example.com/path?query"; host case and a default port do not matter),
// percent-encoded in the query string. Answers 200 with {"purged": N} (objects removed from this node's store),
// 400 for a missing or malformed parameter.
#pragma once

#include <memory>
#include <vector>

#include "cache/cache.h"
#include "server/admin.h"

namespace aegis::cache {

std::vector<server::AdminEndpoint> admin_endpoints(std::shared_ptr<Cache> cache);

}  // namespace aegis::cache
