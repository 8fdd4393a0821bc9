// HttpFetcher on libcurl (one reused handle per thread, so keep-alive connections are reused): http/https only, no redirects unless asked, response cap enforced while streaming,
// timeout enforced, no signals (safe on any thread), optionally no connections to internal addresses.
#pragma once

#include <memory>
#include <string>
#include <sys/socket.h>

#include "hostapi/http_fetcher.h"

namespace aegis::hostapi {

struct CurlFetcherOptions {
  std::string user_agent = "aegis-edge";
  bool verify_tls = true;
  // Refuse connections to loopback, private (RFC 1918, fc00::/7), link-local (incl. 169.254.169.254 metadata),
  // CGNAT, unspecified and multicast addresses, checked on the resolved address of every connection attempt.
  // Off by default (the reference had no such rule); turn on where edge functions must not reach internal services.
  bool deny_private_addresses = false;
};

// Whether a resolved address is loopback/private/link-local/... (see deny_private_addresses).
bool is_internal_address(const sockaddr* address);

class CurlHttpFetcher final : public HttpFetcher {
 public:
  explicit CurlHttpFetcher(CurlFetcherOptions options = {});
  HttpFetchResult fetch(const HttpFetchRequest& request, const HttpFetchLimits& limits) override;

 private:
  CurlFetcherOptions options_;
};

}  // namespace aegis::hostapi
