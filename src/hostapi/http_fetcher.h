// Outbound HTTP for the edge-function ABI's http_get / http_post / http_put / http_delete. Synchronous: the call
// blocks the calling thread until the response, an error, or the timeout (FUNCTIONS runs modules that import
// http_* off the event loop). Implementations are thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace aegis::hostapi {

struct HttpFetchRequest {
  std::string method;        // GET, POST, PUT, DELETE
  std::string url;           // http:// or https:// only
  std::string body;
  std::string content_type;  // empty: no Content-Type header
};

struct HttpFetchLimits {
  std::chrono::milliseconds timeout{5000};   // whole exchange, connect included
  std::size_t max_response_bytes = 1 << 20;  // body over this → error (enforced while streaming)
  bool follow_redirects = false;
};

struct HttpFetchResult {
  bool ok = false;     // a complete HTTP response within the limits (any status)
  int status = 0;
  std::string body;
  std::string error;   // when !ok: "timeout", "response body exceeds 1048576 bytes", "unsupported scheme", ...
};

class HttpFetcher {
 public:
  virtual ~HttpFetcher() = default;
  virtual HttpFetchResult fetch(const HttpFetchRequest& request, const HttpFetchLimits& limits) = 0;
};

}  // namespace aegis::hostapi
