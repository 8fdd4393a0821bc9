// Outbound HTTP: the libcurl fetcher and the http_* host functions against a real local server.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "direct_caller.h"
#include "hostapi/curl_http_fetcher.h"
#include "local_http_server.h"

namespace aegis::hostapi {
namespace {

using namespace std::chrono_literals;

TEST(CurlHttpFetcher, GetPostPutDelete) {
  test::LocalHttpServer server;
  CurlHttpFetcher fetcher;
  auto r = fetcher.fetch({"GET", server.url("/hello"), "", ""}, {});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
  r = fetcher.fetch({"POST", server.url("/echo"), "{\"a\":1}", "application/json"}, {});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body, "POST application/json {\"a\":1}");
  r = fetcher.fetch({"PUT", server.url("/echo"), "data", "text/plain"}, {});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body, "PUT text/plain data");
  r = fetcher.fetch({"DELETE", server.url("/echo"), "", ""}, {});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body, "DELETE  ");
  r = fetcher.fetch({"POST", server.url("/echo"), "", ""}, {});  // empty POST body, no content type
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body, "POST  ");
}

TEST(CurlHttpFetcher, KeepAliveConnectionsAreReusedAcrossCalls) {
  test::LocalHttpServer server;
  CurlHttpFetcher fetcher;
  for (int i = 0; i < 3; ++i) {
    auto r = fetcher.fetch({"GET", server.url("/ka/hello"), "", ""}, {});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.body, "hello");
  }
  auto r = fetcher.fetch({"POST", server.url("/ka/echo"), "abc", "text/plain"}, {});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body, "POST text/plain abc");
  r = fetcher.fetch({"GET", server.url("/ka/hello"), "", ""}, {});  // options of the POST do not leak into a GET
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(server.requests(), 5);
  EXPECT_EQ(server.connections(), 1);
}

TEST(CurlHttpFetcher, AnyStatusIsAResponse) {
  test::LocalHttpServer server;
  CurlHttpFetcher fetcher;
  auto r = fetcher.fetch({"GET", server.url("/status/503"), "", ""}, {});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "status 503");
}

TEST(CurlHttpFetcher, ResponseCap) {
  test::LocalHttpServer server;
  CurlHttpFetcher fetcher;
  HttpFetchLimits limits;
  limits.max_response_bytes = 1 << 20;
  auto r = fetcher.fetch({"GET", server.url("/bytes/1048576"), "", ""}, limits);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body.size(), 1u << 20);
  r = fetcher.fetch({"GET", server.url("/bytes/1048577"), "", ""}, limits);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("exceeds"), std::string::npos) << r.error;
  EXPECT_TRUE(r.body.empty());
}

TEST(CurlHttpFetcher, Timeout) {
  test::LocalHttpServer server;
  CurlHttpFetcher fetcher;
  HttpFetchLimits limits;
  limits.timeout = 300ms;
  auto r = fetcher.fetch({"GET", server.url("/slow"), "", ""}, limits);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("timeout"), std::string::npos) << r.error;
}

TEST(CurlHttpFetcher, RedirectsAreNotFollowedByDefault) {
  test::LocalHttpServer server;
  CurlHttpFetcher fetcher;
  auto r = fetcher.fetch({"GET", server.url("/redirect"), "", ""}, {});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 302);
  HttpFetchLimits follow;
  follow.follow_redirects = true;
  r = fetcher.fetch({"GET", server.url("/redirect"), "", ""}, follow);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
}

TEST(CurlHttpFetcher, OnlyHttpAndHttps) {
  CurlHttpFetcher fetcher;
  for (const char* url : {"file:///etc/passwd", "ftp://127.0.0.1/", "gopher://x/", "dict://127.0.0.1:1/", "/relative"}) {
    auto r = fetcher.fetch({"GET", url, "", ""}, {});
    EXPECT_FALSE(r.ok) << url;
  }
}

TEST(CurlHttpFetcher, ConnectionRefusedIsAnError) {
  uint16_t port;
  {
    test::LocalHttpServer s;
    port = s.port();
  }
  CurlHttpFetcher fetcher;
  auto r = fetcher.fetch({"GET", "http://127.0.0.1:" + std::to_string(port) + "/", "", ""}, {});
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.error.empty());
}

TEST(CurlHttpFetcher, InternalAddressesCanBeDenied) {
  test::LocalHttpServer server;
  CurlFetcherOptions options;
  options.deny_private_addresses = true;
  CurlHttpFetcher strict(options);
  auto r = strict.fetch({"GET", server.url("/hello"), "", ""}, {});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("not allowed"), std::string::npos) << r.error;
  r = strict.fetch({"GET", "http://localhost:" + std::to_string(server.port()) + "/hello", "", ""}, {});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(server.requests(), 0);
  CurlHttpFetcher open;  // default: allowed (as in the reference)
  EXPECT_TRUE(open.fetch({"GET", server.url("/hello"), "", ""}, {}).ok);
}

TEST(CurlHttpFetcher, InternalAddressClassification) {
  auto v4 = [](const char* ip) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, ip, &a.sin_addr);
    return is_internal_address(reinterpret_cast<sockaddr*>(&a));
  };
  auto v6 = [](const char* ip) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return is_internal_address(reinterpret_cast<sockaddr*>(&a));
  };
  for (const char* ip : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
                         "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255"})
    EXPECT_TRUE(v4(ip)) << ip;
  for (const char* ip : {"8.8.8.8", "172.32.0.1", "93.184.216.34", "100.128.0.1", "1.1.1.1"}) EXPECT_FALSE(v4(ip)) << ip;
  for (const char* ip : {"::1", "::", "fd00::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1"})
    EXPECT_TRUE(v6(ip)) << ip;
  for (const char* ip : {"2001:4860:4860::8888", "::ffff:8.8.8.8"}) EXPECT_FALSE(v6(ip)) << ip;
}

// ---- through the host functions ----
struct HttpHost : ::testing::Test {
  test::LocalHttpServer server;
  CurlHttpFetcher fetcher;
  InvocationContext ctx;
  test::DirectCaller g{&ctx, 4 << 20};
  void SetUp() override { ctx.http = &fetcher; }
  int32_t get(const std::string& path) {
    const std::string u = server.url(path);
    g.put(0, u);
    return g.env("http_get", {0, static_cast<int32_t>(u.size())});
  }
};

TEST_F(HttpHost, GetPutsTheBodyInTheSharedBuffer) {
  EXPECT_EQ(get("/hello"), 5);
  EXPECT_EQ(ctx.shared_buffer, "hello");
  EXPECT_EQ(g.env("http_get_status", {}), 200);
  EXPECT_EQ(get("/status/404"), 10);
  EXPECT_EQ(g.env("http_get_status", {}), 404);
  EXPECT_EQ(ctx.calls(HostCall::HttpGet), 2u);
}

TEST_F(HttpHost, PostPutDeleteCarryMethodBodyAndContentType) {
  const std::string u = server.url("/echo");
  g.put(0, u);
  g.put(1000, "payload");
  g.put(2000, "text/csv");
  const int32_t ul = static_cast<int32_t>(u.size());
  EXPECT_GT(g.env("http_post", {0, ul, 1000, 7, 2000, 8}), 0);
  EXPECT_EQ(ctx.shared_buffer, "POST text/csv payload");
  EXPECT_GT(g.env("http_put", {0, ul, 1000, 7, 2000, 8}), 0);
  EXPECT_EQ(ctx.shared_buffer, "PUT text/csv payload");
  EXPECT_GT(g.env("http_delete", {0, ul}), 0);
  EXPECT_EQ(ctx.shared_buffer, "DELETE  ");
}

TEST_F(HttpHost, LimitsAndRefusals) {
  EXPECT_EQ(get("/bytes/1048577"), -1);  // over 1 MiB
  EXPECT_EQ(g.env("http_get_status", {}), -1);
  EXPECT_EQ(get("/bytes/1048576"), 1 << 20);
  ctx.limits.http_timeout = 300ms;
  EXPECT_EQ(get("/slow"), -1);
  // request body over 1 MiB is refused before any request is sent
  const int before = server.requests();
  const std::string u = server.url("/echo");
  g.put(0, u);
  EXPECT_EQ(g.env("http_post", {0, static_cast<int32_t>(u.size()), 4096, (1 << 20) + 1, 0, 0}), -1);
  EXPECT_EQ(server.requests(), before);
  // non-http scheme, header injection in content type
  g.put(0, "file:///etc/passwd");
  EXPECT_EQ(g.env("http_get", {0, 18}), -1);
  g.put(100, "text/plain\r\nX-Evil: 1");
  EXPECT_EQ(g.env("http_post", {0, static_cast<int32_t>(u.size()), 4096, 1, 100, 21}), -1);
  bool saw_timeout = false;
  for (const auto& e : ctx.errors) saw_timeout |= e.find("timeout") != std::string::npos;
  EXPECT_TRUE(saw_timeout);
}

TEST_F(HttpHost, CallCountLimitAndNoFetcher) {
  ctx.limits.http_max_calls = 2;
  EXPECT_EQ(get("/hello"), 5);
  EXPECT_EQ(get("/hello"), 5);
  EXPECT_EQ(get("/hello"), -1);
  EXPECT_EQ(server.requests(), 2);
  ctx.http = nullptr;
  ctx.limits.http_max_calls = 0;
  EXPECT_EQ(get("/hello"), -1);
}

}  // namespace
}  // namespace aegis::hostapi
