// HttpFetcher on libcurl: http/https only, no redirects unless asked, response cap enforced while streaming,
// timeout enforced, no signals (safe on any thread).
#pragma once

#include <memory>
#include <string>

#include "hostapi/http_fetcher.h"

namespace aegis::hostapi {

struct CurlFetcherOptions {
  std::string user_agent = "aegis-edge";
  bool verify_tls = true;
};

class CurlHttpFetcher final : public HttpFetcher {
 public:
  explicit CurlHttpFetcher(CurlFetcherOptions options = {});
  HttpFetchResult fetch(const HttpFetchRequest& request, const HttpFetchLimits& limits) override;

 private:
  CurlFetcherOptions options_;
};

}  // namespace aegis::hostapi
