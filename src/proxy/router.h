// Route selection: (Host, path, method, headers) → the route (and thereby the origin and edge functions) that
// serves a request.
//
// A route matches when all of its conditions hold:
//   host     "*" (any), an exact host, or "*.suffix" (a subdomain of suffix); case-insensitive, port and a trailing
//            dot ignored
//   path     `path_prefix`: a plain byte prefix of the path ("/api" matches "/api", "/api/x" and "/apix"); or `path`:
//            an exact path, or a glob when it contains `*` — split into '/'-separated segments, `*` matches any
//            characters within one segment (a lone `*` one non-empty segment), a whole `**` segment matches zero or
//            more segments ("/static/**" matches "/static", "/static/" and "/static/a/b.css"). The path is the
//            request target up to '?' or '#', as received (no percent-decoding).
//   methods  the request method is one of them (upper case; empty = any)
//   headers  each named header is present with exactly that value, or present at all for "*"
//
// Among matching routes the winner is, deterministically:
//   1. the highest `priority`;
//   2. the most specific host: exact, then "*.suffix" (longer suffix first), then "*";
//   3. the most specific path: exact, then glob, then prefix; within glob and prefix the one with more literal
//      (non-wildcard) characters;
//   4. the route with more conditions (methods counts as one, plus one per header);
//   5. the earlier route in the config.
// With only hosts and path prefixes (older configs) this is "host-specific first, longest prefix, first written".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "proxy/header_map.h"

namespace aegis::proxy {

class Router {
 public:
  Router() = default;
  // `routes` must outlive the router (it keeps pointers into it).
  explicit Router(const std::vector<config::Route>& routes);

  // nullptr when no route matches. An empty `method` matches only routes without `methods`; null `headers` only
  // routes without `headers`.
  const config::Route* match(std::string_view host, std::string_view path, std::string_view method = {},
                             const HeaderMap* headers = nullptr) const;

  // "Example.COM:8080" → "example.com"; "[::1]:80" → "[::1]".
  static std::string normalize_host(std::string_view host);

  // Whether `path` matches the glob `pattern` (the `path` key's syntax above).
  static bool glob_match(std::string_view pattern, std::string_view path);

 private:
  enum class HostKind { kExact = 0, kSuffix = 1, kAny = 2 };
  enum class PathKind { kExact = 0, kGlob = 1, kPrefix = 2 };
  struct Entry {
    HostKind kind;
    std::string host;  // lowercase; for kSuffix the part after '*' (".example.com")
    PathKind path_kind;
    std::string path;  // exact path, glob or prefix
    std::size_t literal = 0;  // non-wildcard characters of `path`
    const config::Route* route;
    std::size_t order;
  };
  std::vector<Entry> entries_;  // sorted by precedence
};

// The path a request target is routed by: the part up to '?' or '#'; absolute-form targets ("http://h/p") yield "/p";
// asterisk-form ("OPTIONS *", a question to the server as a whole) yields "/", so it goes to the host's root route
// and on to that origin unchanged.
std::string_view target_path(std::string_view target);

}  // namespace aegis::proxy
