// Route selection: (Host, path) → the route (and thereby the origin) that serves a request.
//
// Order of precedence: routes for an exact host, then "*.suffix" wildcard hosts (longest suffix first), then "*";
// inside each group the longest matching path prefix wins; among equals the earlier route in the config wins.
// Host comparison ignores case, a port and a trailing dot. Path prefixes are plain byte prefixes of the path
// (query excluded): "/api" matches "/api", "/api/x" and "/apix".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace aegis::proxy {

class Router {
 public:
  Router() = default;
  // `routes` must outlive the router (it keeps pointers into it).
  explicit Router(const std::vector<config::Route>& routes);

  // nullptr when no route matches.
  const config::Route* match(std::string_view host, std::string_view path) const;

  // "Example.COM:8080" → "example.com"; "[::1]:80" → "[::1]".
  static std::string normalize_host(std::string_view host);

 private:
  enum class HostKind { kExact = 0, kSuffix = 1, kAny = 2 };
  struct Entry {
    HostKind kind;
    std::string host;  // lowercase; for kSuffix the part after '*' (".example.com")
    std::string prefix;
    const config::Route* route;
    std::size_t order;
  };
  std::vector<Entry> entries_;  // sorted by precedence
};

// The path part of a request target (up to '?' or '#'); absolute-form targets ("http://h/p") yield "/p".
std::string_view target_path(std::string_view target);

}  // namespace aegis::proxy
