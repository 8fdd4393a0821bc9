// The reverse proxy end to end over real sockets: an in-process Server in front of the aegis_test_origin process.
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "proxy_test_util.h"
#include "support/net.h"
#include "support/origin_process.h"

namespace aegis::test {
namespace {

using nlohmann::json;

std::string sha256_hex(const std::string& data) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

std::string pattern_body(std::size_t n) {
  std::string s(n, 'x');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('A' + (i * 7 + i / 3) % 26);
  return s;
}

std::string chunked_encode(const std::string& body, std::size_t piece) {
  std::string out;
  char hex[32];
  for (std::size_t off = 0; off < body.size(); off += piece) {
    std::size_t n = std::min(piece, body.size() - off);
    std::snprintf(hex, sizeof hex, "%zx\r\n", n);
    out += hex;
    out.append(body, off, n);
    out += "\r\n";
  }
  return out + "0\r\n\r\n";
}

class ProxyTest : public ::testing::Test {
 protected:
  OriginProcess origin;
};

TEST_F(ProxyTest, ForwardsAndAddsProxyHeaders) {
  Proxy proxy(proxy_config(origin.port()));
  RawClient c(proxy.port());
  ASSERT_TRUE(c.send(get_request("/echo?q=1", "X-Forwarded-For: 10.0.0.1\r\nVia: 1.0 upstream\r\n")));
  auto r = c.read_responses(1);
  ASSERT_EQ(r.responses.size(), 1u) << r.raw;
  const auto& res = r.responses[0];
  EXPECT_EQ(res.status, 200);
  json echo = json::parse(res.body);
  EXPECT_EQ(echo["target"], "/echo?q=1");
  EXPECT_EQ(echoed(echo, "x-forwarded-for"), std::vector<std::string>{"10.0.0.1, 127.0.0.1"});
  EXPECT_EQ(echoed(echo, "x-forwarded-proto"), std::vector<std::string>{"http"});
  EXPECT_EQ(echoed(echo, "via"), std::vector<std::string>{"1.0 upstream, 1.1 edge-test"});
  EXPECT_EQ(echoed(echo, "host"), std::vector<std::string>{"test.local"});
  auto rid = echoed(echo, "x-request-id");
  ASSERT_EQ(rid.size(), 1u);
  EXPECT_EQ(rid[0].size(), 32u);
  EXPECT_EQ(res.header("x-request-id"), rid[0]);  // echoed to the client
  EXPECT_EQ(res.header("via"), "1.1 edge-test");
}

TEST_F(ProxyTest, KeepsValidRequestIdAndReplacesInvalidOne) {
  Proxy proxy(proxy_config(origin.port()));
  auto ok = http_get(proxy.port(), "/echo", {{"Host", "a"}, {"X-Request-Id", "abc-123_DEF.4"}});
  EXPECT_EQ(ok.header("x-request-id"), "abc-123_DEF.4");
  EXPECT_EQ(echoed(json::parse(ok.body), "x-request-id"), std::vector<std::string>{"abc-123_DEF.4"});
  auto bad = http_get(proxy.port(), "/echo", {{"Host", "a"}, {"X-Request-Id", "has space<script>"}});
  ASSERT_TRUE(bad.header("x-request-id"));
  EXPECT_NE(*bad.header("x-request-id"), "has space<script>");
  EXPECT_EQ(bad.header("x-request-id")->size(), 32u);
}

TEST_F(ProxyTest, HostHandling) {
  auto cfg = proxy_config(origin.port());
  {
    Proxy proxy(cfg);
    // HTTP/1.1 without Host → 400, never forwarded.
    RawClient c(proxy.port());
    c.send("GET /echo HTTP/1.1\r\nX-A: 1\r\n\r\n");
    auto r = c.read_until_close(5s);
    ASSERT_EQ(r.responses.size(), 1u);
    EXPECT_EQ(r.responses[0].status, 400);
    // HTTP/1.0 without Host → the origin gets its own authority.
    RawClient c10(proxy.port());
    c10.send("GET /echo HTTP/1.0\r\n\r\n");
    auto r10 = c10.read_until_close(5s);
    ASSERT_EQ(r10.responses.size(), 1u) << r10.raw;
    EXPECT_EQ(echoed(json::parse(r10.responses[0].body), "host"),
              std::vector<std::string>{"127.0.0.1:" + std::to_string(origin.port())});
  }
  cfg.origins[0].host_header = "origin.internal";
  Proxy proxy(cfg);
  auto res = http_get(proxy.port(), "/echo", {{"Host", "client.example"}});
  EXPECT_EQ(echoed(json::parse(res.body), "host"), std::vector<std::string>{"origin.internal"});
}

TEST_F(ProxyTest, RemovesHopByHopRequestHeaders) {
  Proxy proxy(proxy_config(origin.port()));
  RawClient c(proxy.port());
  c.send(get_request("/echo",
                     "Connection: keep-alive, X-Private\r\nX-Private: secret\r\nKeep-Alive: timeout=5\r\n"
                     "Proxy-Authorization: Basic eA==\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n"
                     "Trailer: X-T\r\nUpgrade: websocket\r\nX-Kept: yes\r\n"));
  auto r = c.read_responses(1);
  ASSERT_EQ(r.responses.size(), 1u);
  json echo = json::parse(r.responses[0].body);
  for (const char* h : {"connection", "x-private", "keep-alive", "proxy-authorization", "proxy-connection", "te",
                        "trailer", "upgrade", "transfer-encoding"})
    EXPECT_TRUE(echoed(echo, h).empty()) << h;
  EXPECT_EQ(echoed(echo, "x-kept"), std::vector<std::string>{"yes"});
}

TEST_F(ProxyTest, RemovesHopByHopResponseHeaders) {
  Proxy proxy(proxy_config(origin.port()));
  auto res = http_get(proxy.port(), "/headers?Connection=X-Secret&X-Secret=1&Keep-Alive=timeout%3D9&"
                                    "Proxy-Authenticate=Basic&Upgrade=h2c&X-Public=1",
                      {{"Host", "a"}});
  EXPECT_EQ(res.status, 200);
  for (const char* h : {"x-secret", "keep-alive", "proxy-authenticate", "upgrade"})
    EXPECT_FALSE(res.has_header(h)) << h;
  EXPECT_EQ(res.header("x-public"), "1");
}

TEST_F(ProxyTest, KeepAliveBothSides) {
  Proxy proxy(proxy_config(origin.port(), 1));
  RawClient c(proxy.port());
  std::vector<std::string> conns;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.send(get_request("/size/100")));
    auto r = c.read_responses(1);
    ASSERT_EQ(r.responses.size(), 1u) << "request " << i;
    EXPECT_FALSE(r.closed);
    EXPECT_EQ(r.responses[0].body.size(), 100u);
    conns.push_back(r.responses[0].header("x-origin-conn").value_or("?"));
  }
  // One client connection, and the origin saw one pooled upstream connection for all five.
  for (const auto& id : conns) EXPECT_EQ(id, conns[0]);
}

TEST_F(ProxyTest, PipelinedRequestsAnsweredInOrder) {
  Proxy proxy(proxy_config(origin.port()));
  RawClient c(proxy.port());
  std::string batch;
  for (int n : {10, 2000, 30, 1, 50000}) batch += get_request("/size/" + std::to_string(n));
  ASSERT_TRUE(c.send(batch));
  auto r = c.read_responses(5);
  ASSERT_EQ(r.responses.size(), 5u) << r.raw.substr(0, 500);
  std::size_t expect[] = {10, 2000, 30, 1, 50000};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(r.responses[i].body.size(), expect[i]) << i;
}

TEST_F(ProxyTest, StreamsLargeChunkedRequestBodyIntact) {
  Proxy proxy(proxy_config(origin.port()));
  std::string body = pattern_body(3 * 1024 * 1024 + 17);
  RawClient c(proxy.port());
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
                     chunked_encode(body, 100000)));
  auto r = c.read_responses(1, 30s);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_EQ(r.responses[0].status, 200);
  ASSERT_TRUE(origin.wait_for_requests(1));
  auto entries = origin.log_entries();
  ASSERT_FALSE(entries.empty());
  const json& last = entries.back();
  EXPECT_EQ(last["body_length"], body.size()) << origin.log_text().substr(0, 2000);
  EXPECT_EQ(last["body_sha256"], sha256_hex(body));
}

TEST_F(ProxyTest, StreamsContentLengthRequestBodyIntact) {
  Proxy proxy(proxy_config(origin.port()));
  std::string body = pattern_body(2 * 1024 * 1024 + 5);
  auto res = http_request(proxy.port(), "PUT", "/upload", {{"Host", "a"}}, body, 30s);
  EXPECT_EQ(res.status, 200);
  ASSERT_TRUE(origin.wait_for_requests(1));
  auto entries = origin.log_entries();
  EXPECT_EQ(entries.back()["body_sha256"], sha256_hex(body));
}

TEST_F(ProxyTest, StreamsLargeResponsesIntact) {
  Proxy proxy(proxy_config(origin.port()));
  RawClient c(proxy.port());
  c.send(get_request("/chunked/3000001") + get_request("/size/4000003"));
  auto r = c.read_responses(2, 30s);
  ASSERT_EQ(r.responses.size(), 2u);
  EXPECT_EQ(r.responses[0].header("transfer-encoding"), "chunked");
  EXPECT_EQ(r.responses[0].body.size(), 3000001u);
  EXPECT_EQ(r.responses[1].body.size(), 4000003u);
  EXPECT_EQ(r.responses[1].header("content-length"), "4000003");
  const std::string pattern = "abcdefghijklmnopqrstuvwxyz0123456789\n";
  std::string expect(3000001, 'x');
  for (std::size_t i = 0; i < expect.size(); ++i) expect[i] = pattern[i % pattern.size()];
  EXPECT_TRUE(r.responses[0].body == expect);
}

TEST_F(ProxyTest, HeadResponseHasNoBody) {
  Proxy proxy(proxy_config(origin.port()));
  RawClient c(proxy.port());
  c.send("HEAD /size/500 HTTP/1.1\r\nHost: a\r\n\r\n");
  c.expect_head_response();
  auto r = c.read_responses(1);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_EQ(r.responses[0].header("content-length"), "500");
  c.send(get_request("/size/7"));
  auto r2 = c.read_responses(1);
  ASSERT_EQ(r2.responses.size(), 1u) << r2.raw;
  EXPECT_EQ(r2.responses[0].body.size(), 7u);
}

TEST_F(ProxyTest, BodyLimit413) {
  auto cfg = proxy_config(origin.port());
  cfg.limits.max_body_bytes = 1000;
  Proxy proxy(cfg);
  {
    RawClient c(proxy.port());
    c.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n" + std::string(1001, 'a'));
    auto r = c.read_until_close(5s);
    ASSERT_EQ(r.responses.size(), 1u);
    EXPECT_EQ(r.responses[0].status, 413);
    EXPECT_EQ(r.responses[0].header("connection"), "close");
  }
  {
    RawClient c(proxy.port());
    c.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
           chunked_encode(std::string(3000, 'b'), 500));
    auto r = c.read_until_close(5s);
    ASSERT_EQ(r.responses.size(), 1u);
    EXPECT_EQ(r.responses[0].status, 413);
  }
  // Within the limit it passes.
  auto ok = http_request(proxy.port(), "POST", "/echo", {{"Host", "a"}}, std::string(1000, 'c'));
  EXPECT_EQ(ok.status, 200);
  // The Content-Length one never reached the origin.
  for (const auto& e : origin.log_entries())
    if (e.contains("body_length")) {
      EXPECT_NE(e["body_length"], 1001);
    }
}

TEST_F(ProxyTest, OversizeHeaders431) {
  auto cfg = proxy_config(origin.port());
  cfg.limits.max_header_bytes = 2048;
  Proxy proxy(cfg);
  RawClient c(proxy.port());
  c.send(get_request("/", "X-Big: " + std::string(4000, 'x') + "\r\n"));
  auto r = c.read_until_close(5s);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_EQ(r.responses[0].status, 431);
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(origin.log_entries().size(), 0u);
}

TEST_F(ProxyTest, SmugglingAttemptsNeverReachOrigin) {
  Proxy proxy(proxy_config(origin.port()));
  struct Case {
    std::string raw;
    int status;
  } cases[] = {
      {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", 400},
      {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
  };
  for (const auto& tc : cases) {
    RawClient c(proxy.port());
    // A second, innocent-looking request is pipelined behind: it must never be parsed.
    c.send(tc.raw + "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
    auto r = c.read_until_close(5s);
    ASSERT_GE(r.responses.size(), 1u) << tc.raw;
    EXPECT_EQ(r.responses.size(), 1u) << tc.raw;
    EXPECT_EQ(r.responses[0].status, tc.status) << tc.raw;
    EXPECT_EQ(r.responses[0].header("connection"), "close") << tc.raw;
    EXPECT_TRUE(r.closed) << tc.raw;
  }
  EXPECT_FALSE(origin.saw("/smuggled"));
  EXPECT_EQ(origin.log_entries().size(), 0u) << origin.log_text();
}

TEST_F(ProxyTest, ExpectContinue) {
  Proxy proxy(proxy_config(origin.port()));
  int fd = connect_loopback(proxy.port());
  ASSERT_GE(fd, 0);
  auto recv_until = [&](const std::string& needle) {
    std::string got;
    char buf[4096];
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (got.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  };
  std::string head = "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  // The body is held back until the proxy says go.
  EXPECT_EQ(recv_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_EQ(::send(fd, "hello", 5, 0), 5);
  std::string rest = recv_until("\"body\":\"hello\"");
  EXPECT_NE(rest.find("HTTP/1.1 200 OK"), std::string::npos) << rest;
  EXPECT_NE(rest.find("\"body\":\"hello\""), std::string::npos) << rest;
  EXPECT_EQ(rest.find("expect"), std::string::npos) << rest;  // not forwarded
  ::close(fd);
}

TEST_F(ProxyTest, StalePooledConnectionIsReplaced) {
  OriginProcess closing(OriginProcess::Options{.close_idle_after_ms = 100});
  Proxy proxy(proxy_config(closing.port(), 1));
  RawClient c(proxy.port());
  for (int i = 0; i < 3; ++i) {
    c.send(get_request("/size/10"));
    auto r = c.read_responses(1);
    ASSERT_EQ(r.responses.size(), 1u) << i;
    EXPECT_EQ(r.responses[0].status, 200) << i;
    std::this_thread::sleep_for(400ms);  // the origin closes its idle keep-alive connection meanwhile
  }
}

TEST_F(ProxyTest, OriginResetGives502) {
  Proxy proxy(proxy_config(origin.port()));
  auto res = http_get(proxy.port(), "/reset", {{"Host", "a"}});
  EXPECT_EQ(res.status, 502);
  // The proxy still works afterwards.
  EXPECT_EQ(http_get(proxy.port(), "/size/3", {{"Host", "a"}}).status, 200);
}

TEST_F(ProxyTest, SlowOriginGives504) {
  auto cfg = proxy_config(origin.port());
  cfg.origins[0].read_timeout = 300ms;
  Proxy proxy(cfg);
  auto res = http_get(proxy.port(), "/delay/3000", {{"Host", "a"}});
  EXPECT_EQ(res.status, 504);
}

// Client-side deadlines (proxy/timed_socket.h): without the worker's deadline sweep these connections would stay
// open forever.
TEST_F(ProxyTest, SlowRequestHeadGets408AndClose) {
  auto cfg = proxy_config(origin.port());
  cfg.limits.client_header_timeout = 300ms;
  Proxy proxy(cfg);
  RawClient c(proxy.port());
  ASSERT_TRUE(c.send("GET /echo HTTP/1.1\r\nHost: a\r\nX-Slow: "));  // a head that never completes
  auto r = c.read_until_close(5s);
  EXPECT_TRUE(r.closed) << r.raw;
  ASSERT_EQ(r.responses.size(), 1u) << r.raw;
  EXPECT_EQ(r.responses[0].status, 408);
  EXPECT_EQ(origin.log_entries().size(), 0u);
}

TEST_F(ProxyTest, IdleKeepAliveConnectionIsClosed) {
  auto cfg = proxy_config(origin.port());
  cfg.limits.client_idle_timeout = 300ms;
  Proxy proxy(cfg);
  RawClient c(proxy.port());
  ASSERT_TRUE(c.send(get_request("/size/3")));
  auto r = c.read_responses(1);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_EQ(r.responses[0].status, 200);
  EXPECT_TRUE(c.wait_closed(5s));  // nothing more sent: closed after the idle timeout, no response
}

TEST_F(ProxyTest, OriginTimeoutOnPooledConnectionGives504) {
  // The second request reuses the pooled connection; its deadline must be armed again.
  auto cfg = proxy_config(origin.port());
  cfg.origins[0].read_timeout = 300ms;
  Proxy proxy(cfg);
  EXPECT_EQ(http_get(proxy.port(), "/size/3", {{"Host", "a"}}).status, 200);
  EXPECT_EQ(http_get(proxy.port(), "/delay/3000", {{"Host", "a"}}).status, 504);
  EXPECT_EQ(http_get(proxy.port(), "/size/3", {{"Host", "a"}}).status, 200);
}

TEST_F(ProxyTest, OptionsAsteriskGoesToTheRootRoutesOrigin) {
  Proxy proxy(proxy_config(origin.port()));
  RawClient c(proxy.port());
  c.send("OPTIONS * HTTP/1.1\r\nHost: test.local\r\n\r\n" + get_request("/echo"));
  auto r = c.read_responses(2);
  ASSERT_EQ(r.responses.size(), 2u) << r.raw;
  EXPECT_EQ(r.responses[1].status, 200);
  ASSERT_TRUE(origin.wait_for_requests(2));
  EXPECT_EQ(origin.targets(), (std::vector<std::string>{"*", "/echo"}));  // forwarded as asterisk-form
}

TEST_F(ProxyTest, ConnectIsRefused) {
  Proxy proxy(proxy_config(origin.port()));
  RawClient c(proxy.port());
  c.send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
  auto r = c.read_responses(1);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_EQ(r.responses[0].status, 405);
  EXPECT_EQ(origin.log_entries().size(), 0u);
}

TEST_F(ProxyTest, Http10ClientGetsCloseDelimitedBody) {
  Proxy proxy(proxy_config(origin.port()));
  RawClient c(proxy.port());
  c.send("GET /chunked/5000 HTTP/1.0\r\nHost: a\r\n\r\n");
  auto r = c.read_until_close(5s);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_FALSE(r.responses[0].has_header("transfer-encoding"));
  EXPECT_EQ(r.responses[0].body.size(), 5000u);
}

}  // namespace
}  // namespace aegis::test
