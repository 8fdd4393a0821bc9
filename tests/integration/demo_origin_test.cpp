// The embedded demo origin (src/demo) on a real socket, in-process.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "demo/demo_origin.h"
#include "support/net.h"
#include "support/raw_client.h"

using namespace aegis::test;

namespace {

class DemoOriginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    aegis::config::DemoOrigin cfg;
    cfg.enabled = true;
    cfg.address = "127.0.0.1";
    cfg.port = 0;
    std::string error;
    ASSERT_TRUE(demo.start(cfg, &error)) << error;
    ASSERT_GT(demo.port(), 0);
  }
  aegis::demo::DemoOrigin demo;
};

TEST_F(DemoOriginTest, ServesIndexApiAndStatic) {
  auto index = http_get(demo.port(), "/", {{"Host", "edge.example:8080"}});
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.header("content-type")->find("text/html"), std::string::npos);
  EXPECT_NE(index.body.find("AEGIS Edge"), std::string::npos);
  EXPECT_NE(index.body.find("http://edge.example:8080/api/hello"), std::string::npos);

  auto hello = http_get(demo.port(), "/api/hello");
  EXPECT_EQ(hello.status, 200);
  EXPECT_EQ(hello.header("content-type"), "application/json");
  EXPECT_NE(nlohmann::json::parse(hello.body)["message"].get<std::string>().find("Hello"), std::string::npos);

  auto time = http_get(demo.port(), "/api/time");
  EXPECT_EQ(time.header("cache-control"), "no-store");
  EXPECT_GT(nlohmann::json::parse(time.body)["unix_ms"].get<int64_t>(), 1700000000000);

  auto file = http_get(demo.port(), "/static/1k.txt");
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body.size(), 1024u);
  EXPECT_EQ(file.header("cache-control"), "public, max-age=60");

  EXPECT_EQ(http_get(demo.port(), "/nope").status, 404);
}

TEST_F(DemoOriginTest, EchoesRequestAndKeepsAlive) {
  RawClient c(demo.port());
  ASSERT_TRUE(c.send("POST /echo?x=1 HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.1\r\nContent-Length: 4\r\n\r\nbody"
                     "HEAD /static/1k.txt HTTP/1.1\r\nHost: h\r\n\r\n"));
  c.expect_head_response_at(1);
  auto r = c.read_responses(2, 10s);
  ASSERT_EQ(r.responses.size(), 2u);
  EXPECT_FALSE(r.closed);
  auto j = nlohmann::json::parse(r.responses[0].body);
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["target"], "/echo?x=1");
  EXPECT_EQ(j["body"], "body");
  bool xff = false;
  for (auto& h : j["headers"]) xff |= (h[0] == "X-Forwarded-For" && h[1] == "10.0.0.1");
  EXPECT_TRUE(xff);
  EXPECT_EQ(r.responses[1].header("content-length"), "1024");
  EXPECT_EQ(r.responses[1].body, "");
}

TEST_F(DemoOriginTest, MalformedRequestGets400AndClose) {
  RawClient c(demo.port());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"));
  auto r = c.read_until_close(10s);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_EQ(r.responses[0].status, 400);
  EXPECT_TRUE(r.closed);
}

TEST(DemoOrigin, StopClosesListenerAndConnections) {
  aegis::demo::DemoOrigin demo;
  aegis::config::DemoOrigin cfg;
  cfg.port = 0;
  std::string error;
  ASSERT_TRUE(demo.start(cfg, &error)) << error;
  uint16_t port = demo.port();
  RawClient idle(port);
  ASSERT_TRUE(idle.connected());
  ASSERT_TRUE(idle.send("GET /api/hello HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_EQ(idle.read_responses(1, 10s).responses.size(), 1u);
  demo.stop();
  EXPECT_TRUE(idle.wait_closed(10s));
  EXPECT_FALSE(wait_for_port(port, 200ms));
  demo.stop();  // idempotent
}

TEST(DemoOrigin, BindFailureIsReported) {
  aegis::demo::DemoOrigin first, second;
  aegis::config::DemoOrigin cfg;
  cfg.port = 0;
  std::string error;
  ASSERT_TRUE(first.start(cfg, &error)) << error;
  cfg.port = first.port();
  EXPECT_FALSE(second.start(cfg, &error));
  EXPECT_NE(error.find("bind"), std::string::npos) << error;
}

}  // namespace
