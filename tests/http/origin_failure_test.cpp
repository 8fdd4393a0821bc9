// Origins that misbehave: refused connections, stale keep-alive connections, broken framing, slow trickles.
#include <thread>

#include "proxy_test_util.h"
#include "scripted_origin.h"
#include "support/net.h"

namespace aegis::test {
namespace {

constexpr std::string_view kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

TEST(OriginFailure, ConnectRefusedGives502AndCountsIt) {
  uint16_t dead = free_port();  // nothing listens there
  Proxy proxy(proxy_config(dead));
  auto res = http_get(proxy.port(), "/", {{"Host", "a"}});
  EXPECT_EQ(res.status, 502);
  EXPECT_TRUE(res.has_header("x-request-id"));
  auto metrics = http_get(proxy.admin_port(), "/metrics");
  EXPECT_NE(metrics.body.find("aegis_upstream_connect_errors_total"), std::string::npos);
}

// The origin answers the first request on a connection with keep-alive, then closes the connection when the next
// request arrives, without answering (the race of an origin closing an idle connection just as it is reused).
TEST(OriginFailure, IdempotentRequestRetriedOnceOnFreshConnection) {
  ScriptedOrigin origin([](int fd, int) {
    std::string buf;
    if (ScriptedOrigin::read_request(fd, buf).empty()) return;
    ScriptedOrigin::write_all(fd, kOk);
    ScriptedOrigin::read_request(fd, buf);  // the reuse attempt: drop it on the floor
  });
  Proxy proxy(proxy_config(origin.port(), 1));
  RawClient c(proxy.port());
  for (int i = 0; i < 3; ++i) {
    c.send(get_request("/x"));
    auto r = c.read_responses(1);
    ASSERT_EQ(r.responses.size(), 1u) << i;
    EXPECT_EQ(r.responses[0].status, 200) << i;
    EXPECT_EQ(r.responses[0].body, "ok");
  }
  // 1 + 2 retries on fresh connections: request 2 and 3 each met a stale pooled connection.
  EXPECT_EQ(origin.connections(), 3);
}

// Response queue poisoning: after a complete keep-alive response the origin sends a second, unsolicited response a
// moment later, while the connection sits idle in the pool. That response must never be taken as the answer to the
// next request (of this or any other client): the idle connection is discarded, the next request goes to a fresh
// connection. Both for requests that may be retried (GET) and requests that may not (POST).
TEST(OriginFailure, UnsolicitedBytesOnAnIdlePooledConnectionAreNeverServed) {
  for (const std::string method : {"GET", "POST"}) {
    ScriptedOrigin origin([](int fd, int conn) {
      std::string buf;
      for (int n = 0; !ScriptedOrigin::read_request(fd, buf).empty(); ++n) {
        const std::string body = "c" + std::to_string(conn) + "r" + std::to_string(n);
        ScriptedOrigin::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                                          "\r\n\r\n" + body);
        if (conn == 0 && n == 0) {
          std::this_thread::sleep_for(100ms);
          ScriptedOrigin::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nPOISON");
        }
      }
    });
    Proxy proxy(proxy_config(origin.port(), 1));
    EXPECT_EQ(http_get(proxy.port(), "/first", {{"Host", "a"}}).body, "c0r0") << method;
    std::this_thread::sleep_for(300ms);  // the unsolicited response has arrived at the idle pooled connection
    auto second = http_request(proxy.port(), method, "/second", {{"Host", "a"}}, method == "POST" ? "x" : "");
    EXPECT_EQ(second.status, 200) << method;
    EXPECT_EQ(second.body, "c1r0") << method;  // a fresh connection answered
    EXPECT_EQ(origin.connections(), 2) << method;
  }
}

TEST(OriginFailure, NonIdempotentRequestNotRetried) {
  ScriptedOrigin origin([](int fd, int) {
    std::string buf;
    if (ScriptedOrigin::read_request(fd, buf).empty()) return;
    ScriptedOrigin::write_all(fd, kOk);
    ScriptedOrigin::read_request(fd, buf);
  });
  Proxy proxy(proxy_config(origin.port(), 1));
  RawClient c(proxy.port());
  c.send(get_request("/x"));
  ASSERT_EQ(c.read_responses(1).responses.size(), 1u);
  c.send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
  auto r = c.read_responses(1);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_EQ(r.responses[0].status, 502);
  EXPECT_EQ(origin.connections(), 1);
}

TEST(OriginFailure, BrokenResponseFramingGives502) {
  const std::string bad[] = {
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!",
      "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nContent-Length: 0x2\r\n\r\nok",
      "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n",
  };
  for (const auto& response : bad) {
    ScriptedOrigin origin([&](int fd, int) {
      std::string buf;
      if (ScriptedOrigin::read_request(fd, buf).empty()) return;
      ScriptedOrigin::write_all(fd, response);
      std::this_thread::sleep_for(200ms);
    });
    Proxy proxy(proxy_config(origin.port(), 1));
    auto res = http_get(proxy.port(), "/", {{"Host", "a"}});
    // Bad chunk framing is discovered while the body streams: the head is already out, the connection is cut.
    if (response.find("zz\r\n") != std::string::npos)
      EXPECT_TRUE(res.status == 0 || res.status == 502 || res.body != "ok") << response;
    else
      EXPECT_EQ(res.status, 502) << response;
  }
}

TEST(OriginFailure, ConnectionCloseFromOriginIsNotPooled) {
  ScriptedOrigin origin([](int fd, int) {
    std::string buf;
    if (ScriptedOrigin::read_request(fd, buf).empty()) return;
    ScriptedOrigin::write_all(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
  });
  Proxy proxy(proxy_config(origin.port(), 1));
  RawClient c(proxy.port());
  for (int i = 0; i < 3; ++i) {
    c.send(get_request("/"));
    auto r = c.read_responses(1);
    ASSERT_EQ(r.responses.size(), 1u);
    EXPECT_EQ(r.responses[0].status, 200);
    EXPECT_FALSE(r.responses[0].has_header("connection"));  // the client's connection stays open
  }
  EXPECT_EQ(origin.connections(), 3);
}

TEST(OriginFailure, CloseDelimitedResponseIsRechunked) {
  ScriptedOrigin origin([](int fd, int) {
    std::string buf;
    if (ScriptedOrigin::read_request(fd, buf).empty()) return;
    ScriptedOrigin::write_all(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
    for (int i = 0; i < 10; ++i) ScriptedOrigin::write_all(fd, std::string(1000, static_cast<char>('a' + i)));
  });
  Proxy proxy(proxy_config(origin.port(), 1));
  RawClient c(proxy.port());
  c.send(get_request("/"));
  auto r = c.read_responses(1);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_EQ(r.responses[0].header("transfer-encoding"), "chunked");
  EXPECT_EQ(r.responses[0].body.size(), 10000u);
  EXPECT_FALSE(r.closed);
}

TEST(OriginFailure, InterimResponsesAreSkipped) {
  ScriptedOrigin origin([](int fd, int) {
    std::string buf;
    if (ScriptedOrigin::read_request(fd, buf).empty()) return;
    ScriptedOrigin::write_all(fd, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n");
    ScriptedOrigin::write_all(fd, kOk);
    std::this_thread::sleep_for(100ms);
  });
  Proxy proxy(proxy_config(origin.port(), 1));
  auto res = http_get(proxy.port(), "/", {{"Host", "a"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "ok");
}

}  // namespace
}  // namespace aegis::test
