#include "cache/purge_api.h"

#include <string>

#include "cache/key.h"
#include "log/logging.h"

namespace aegis::cache {

namespace {

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

// The first value of `name` in a query string, decoded.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = kv.find('=');
    if (percent_decode(kv.substr(0, eq)) == name)
      return eq == std::string_view::npos ? std::string() : percent_decode(kv.substr(eq + 1));
  }
  return std::nullopt;
}

// "http://Host:80/p?q" → the URL as key.h builds it; nullopt if not an absolute http(s) URL.
std::optional<std::string> normalize_url(const std::string& url) {
  auto sep = url.find("://");
  if (sep == std::string::npos) return std::nullopt;
  std::string scheme = to_lower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::string_view authority = target_authority(url);
  if (authority.empty()) return std::nullopt;
  return request_url(scheme, authority, url, false);
}

server::AdminResponse json(int status, const std::string& body) {
  server::AdminResponse r;
  r.status = status;
  r.body = body + "\n";
  r.content_type = "application/json";
  return r;
}

server::AdminResponse bad(const std::string& why) { return json(400, "{\"error\":\"" + why + "\"}"); }

}  // namespace

std::vector<server::AdminEndpoint> admin_endpoints(std::shared_ptr<Cache> cache) {
  std::vector<server::AdminEndpoint> out;
  out.push_back({"POST", "/cache/purge", false, [cache](const server::AdminRequest& req) {
                   std::size_t n = 0;
                   std::string method;
                   if (auto url = query_param(req.query, "url")) {
                     auto u = normalize_url(*url);
                     if (!u) return bad("url must be an absolute http(s) URL");
                     n = cache->purge_url(*u);
                     method = "url";
                   } else if (auto prefix = query_param(req.query, "prefix")) {
                     auto u = normalize_url(*prefix);
                     if (!u) return bad("prefix must be an absolute http(s) URL prefix");
                     // "http://h" names the whole host: request_url gave "http://h/".
                     n = cache->purge_prefix(*u);
                     method = "prefix";
                   } else if (auto tag = query_param(req.query, "tag")) {
                     if (tag->empty()) return bad("tag must not be empty");
                     n = cache->purge_tag(*tag);
                     method = "tag";
                   } else {
                     return bad("expected one of url=, prefix=, tag=");
                   }
                   cache->metrics().purge(method);
                   log::logger().info("cache purge by {}: {} objects", method, n);
                   return json(200, "{\"purged\":" + std::to_string(n) + "}");
                 }});
  out.push_back({"POST", "/cache/flush", false, [cache](const server::AdminRequest&) {
                   std::size_t n = cache->flush();
                   cache->metrics().purge("flush");
                   log::logger().info("cache flush: {} objects", n);
                   return json(200, "{\"purged\":" + std::to_string(n) + "}");
                 }});
  out.push_back({"GET", "/cache/stats", false, [cache](const server::AdminRequest&) {
                   StoreStats s = cache->store().stats();
                   std::string shared;
                   if (auto l2 = cache->store().shared_stats())
                     shared = ",\"shared\":{\"bytes\":" + std::to_string(l2->bytes) + ",\"objects\":" +
                              std::to_string(l2->objects) + "}";
                   return json(200, "{\"bytes\":" + std::to_string(s.bytes) + ",\"objects\":" +
                                        std::to_string(s.objects) + ",\"evictions\":" + std::to_string(s.evictions) +
                                        ",\"in_flight\":" + std::to_string(cache->collapser().in_flight()) + shared +
                                        "}");
                 }});
  return out;
}

}  // namespace aegis::cache
