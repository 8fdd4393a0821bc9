#include "hostapi/curl_http_fetcher.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>

namespace aegis::hostapi {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
  std::string* body;
  std::size_t max;
  bool over = false;
};

size_t on_data(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t bytes = size * n;
  if (sink->body->size() + bytes > sink->max) {
    sink->over = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  sink->body->append(data, bytes);
  return bytes;
}

struct SocketGuard {
  bool deny_internal = false;
  bool refused = false;
};

curl_socket_t open_socket(void* user, curlsocktype, struct curl_sockaddr* address) {
  auto* guard = static_cast<SocketGuard*>(user);
  if (guard->deny_internal && is_internal_address(&address->addr)) {
    guard->refused = true;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

bool scheme_ok(std::string_view url) {
  auto starts = [&](std::string_view p) {
    if (url.size() <= p.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(url[i])) != p[i]) return false;
    return true;
  };
  return starts("http://") || starts("https://");
}

bool internal_v4(uint32_t a) {  // host byte order
  auto in = [a](uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
  return in(0x00000000, 8) ||   // 0.0.0.0/8
         in(0x0A000000, 8) ||   // 10/8
         in(0x64400000, 10) ||  // 100.64/10 (CGNAT)
         in(0x7F000000, 8) ||   // 127/8
         in(0xA9FE0000, 16) ||  // 169.254/16 (link-local, cloud metadata)
         in(0xAC100000, 12) ||  // 172.16/12
         in(0xC0A80000, 16) ||  // 192.168/16
         in(0xE0000000, 4) ||   // 224/4 multicast
         in(0xF0000000, 4);     // 240/4 reserved, broadcast
}

}  // namespace

bool is_internal_address(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return internal_v4(ntohl(v4->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    const uint8_t* b = v6->sin6_addr.s6_addr;
    static const uint8_t kZero[16] = {};
    if (std::memcmp(b, kZero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return true;  // :: and ::1
    if ((b[0] & 0xFE) == 0xFC) return true;                                         // fc00::/7 unique local
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return true;                         // fe80::/10 link-local
    if (b[0] == 0xFF) return true;                                                  // multicast
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};  // ::ffff:a.b.c.d
    if (std::memcmp(b, kMapped, 12) == 0)
      return internal_v4(uint32_t{b[12]} << 24 | uint32_t{b[13]} << 16 | uint32_t{b[14]} << 8 | b[15]);
    return false;
  }
  return true;  // anything else (unix sockets, ...) is never allowed
}

CurlHttpFetcher::CurlHttpFetcher(CurlFetcherOptions options) : options_(std::move(options)) { global_init(); }

HttpFetchResult CurlHttpFetcher::fetch(const HttpFetchRequest& request, const HttpFetchLimits& limits) {
  HttpFetchResult result;
  if (!scheme_ok(request.url)) {
    result.error = "unsupported scheme (http and https only)";
    return result;
  }
  // One easy handle per thread (and per address policy, so a connection opened without the internal-address
  // check is never reused by a fetcher that has it): reset between calls, keeping its connection cache.
  struct HandleDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
  };
  thread_local std::unique_ptr<CURL, HandleDeleter> handles[2];
  auto& slot = handles[options_.deny_private_addresses ? 1 : 0];
  if (!slot) slot.reset(curl_easy_init());
  if (!slot) {
    result.error = "curl_easy_init failed";
    return result;
  }
  CURL* h = slot.get();
  curl_easy_reset(h);
  Sink sink{&result.body, limits.max_response_bytes};
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, limits.follow_redirects ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(limits.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(limits.timeout.count()));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits.max_response_bytes));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_data);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  SocketGuard guard{options_.deny_private_addresses};
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &open_socket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &guard);

  struct curl_slist* headers = nullptr;
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_guard(nullptr, &curl_slist_free_all);
  const bool has_body = request.method == "POST" || request.method == "PUT";
  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (has_body || !request.body.empty()) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    // The request line must still carry the caller's method (POSTFIELDS would otherwise imply POST).
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    if (!request.content_type.empty())
      headers = curl_slist_append(headers, ("Content-Type: " + request.content_type).c_str());
    else
      headers = curl_slist_append(headers, "Content-Type:");  // drop curl's default form content type
  }
  header_guard.reset(headers);
  if (headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

  const CURLcode rc = curl_easy_perform(h);
  if (sink.over || rc == CURLE_FILESIZE_EXCEEDED) {
    result.body.clear();
    result.error = "response body exceeds " + std::to_string(limits.max_response_bytes) + " bytes";
    return result;
  }
  if (guard.refused && rc != CURLE_OK) {
    result.body.clear();
    result.error = "destination address not allowed (internal network)";
    return result;
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    result.body.clear();
    result.error = "timeout after " + std::to_string(limits.timeout.count()) + " ms";
    return result;
  }
  if (rc != CURLE_OK) {
    result.body.clear();
    result.error = curl_easy_strerror(rc);
    return result;
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  result.ok = true;
  result.status = static_cast<int>(status);
  return result;
}

}  // namespace aegis::hostapi
