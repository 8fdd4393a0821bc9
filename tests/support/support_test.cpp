// Self-tests of the test fixtures: the origin process, the raw client and its response parser, child processes.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "support/aegis_process.h"
#include "support/fs.h"
#include "support/net.h"
#include "support/origin_process.h"
#include "support/process.h"
#include "support/raw_client.h"

using namespace aegis::test;

TEST(ChildProcess, CapturesOutputAndExitCode) {
  ChildProcess::Options options;
  options.env["AEGIS_X"] = "from-env";
  auto r = run_command({"/bin/sh", "-c", "echo out; echo err >&2; echo $AEGIS_X; exit 7"}, 10s, options);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.out, "out\nfrom-env\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(ChildProcess, ExecFailureIsReported) {
  ChildProcess p;
  std::string error;
  EXPECT_FALSE(p.start({"/nonexistent/binary"}, &error));
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
}

TEST(ChildProcess, SignalAndWaitTimeout) {
  ChildProcess p;
  ASSERT_TRUE(p.start({"/bin/sleep", "30"}));
  EXPECT_TRUE(p.running());
  EXPECT_FALSE(p.wait(100ms).has_value());
  EXPECT_TRUE(p.signal(SIGTERM));
  auto code = p.wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 128 + SIGTERM);
  EXPECT_FALSE(p.running());
}

TEST(ChildProcess, DestructorKillsChild) {
  pid_t pid;
  {
    ChildProcess p;
    ASSERT_TRUE(p.start({"/bin/sleep", "30"}));
    pid = p.pid();
  }
  EXPECT_NE(::kill(pid, 0), 0);  // reaped and gone
}

TEST(Substitute, ReplacesPlaceholders) {
  EXPECT_EQ(substitute("a {{X}} b {{X}} {{Y}} {{Z}}", {{"X", "1"}, {"Y", "{{X}}"}}), "a 1 b 1 {{X}} {{Z}}");
}

TEST(ResponseParser, ContentLengthChunkedAndCloseDelimited) {
  ResponseParser p;
  std::vector<HttpResponse> out;
  std::string data =
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: 1\r\n\r\nabc"
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2;ext=1\r\nhe\r\n3\r\nllo\r\n0\r\nT: x\r\n\r\n"
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 204 No Content\r\n\r\n"
      "HTTP/1.0 200 OK\r\n\r\nuntil close";
  // Feed byte by byte to exercise every state boundary.
  for (char c : data) ASSERT_TRUE(p.feed(std::string_view(&c, 1), out));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(p.finish(out));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].status, 200);
  EXPECT_EQ(out[0].body, "abc");
  EXPECT_EQ(out[0].header("x-a"), "1");
  EXPECT_EQ(out[1].status, 201);
  EXPECT_EQ(out[1].body, "hello");
  EXPECT_EQ(out[2].status, 204);
  EXPECT_EQ(out[3].body, "until close");
}

TEST(ResponseParser, RejectsGarbage) {
  ResponseParser p;
  std::vector<HttpResponse> out;
  EXPECT_FALSE(p.feed("NOT HTTP\r\n\r\n", out));
}

TEST(Net, FreePortAndWaitForPort) {
  uint16_t port = free_port();
  EXPECT_GT(port, 0);
  EXPECT_FALSE(wait_for_port(port, 100ms));
}

class OriginTest : public ::testing::Test {
 protected:
  OriginProcess origin;
};

TEST_F(OriginTest, DefaultEchoAndLog) {
  auto r = http_get(origin.port(), "/anything");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 1024u);
  EXPECT_EQ(r.header("x-origin-port"), std::to_string(origin.port()));

  auto e = http_request(origin.port(), "POST", "/echo?q=1", {{"X-Test", "yes"}}, "hello");
  ASSERT_EQ(e.status, 200);
  auto j = nlohmann::json::parse(e.body);
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["target"], "/echo?q=1");
  EXPECT_EQ(j["body"], "hello");
  bool found = false;
  for (auto& h : j["headers"])
    if (h[0] == "X-Test" && h[1] == "yes") found = true;
  EXPECT_TRUE(found);

  ASSERT_TRUE(origin.wait_for_requests(2));
  auto entries = origin.log_entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["target"], "/anything");
  EXPECT_EQ(entries[1]["method"], "POST");
  EXPECT_EQ(entries[1]["body_length"], 5);
  EXPECT_EQ(entries[1]["body_sha256"], "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_TRUE(origin.saw("/anything"));
  EXPECT_FALSE(origin.saw("/never"));
}

TEST_F(OriginTest, SizeChunkedStatusHeadersHead) {
  auto s = http_get(origin.port(), "/size/5000");
  EXPECT_EQ(s.body.size(), 5000u);
  EXPECT_EQ(s.header("content-length"), "5000");
  auto c = http_get(origin.port(), "/chunked/2500");
  EXPECT_EQ(c.body.size(), 2500u);
  EXPECT_EQ(c.header("transfer-encoding"), "chunked");
  EXPECT_EQ(c.body, s.body.substr(0, 2500));
  EXPECT_EQ(http_get(origin.port(), "/status/503").status, 503);
  auto h = http_get(origin.port(), "/headers?Cache-Control=max-age%3D60&X-Y=z");
  EXPECT_EQ(h.header("cache-control"), "max-age=60");
  EXPECT_EQ(h.header("x-y"), "z");
  auto head = http_request(origin.port(), "HEAD", "/size/100");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "100");
  EXPECT_EQ(head.body, "");
  auto d = http_get(origin.port(), "/delay/50");
  EXPECT_EQ(d.body, "delayed 50 ms\n");
}

TEST_F(OriginTest, KeepAlivePipelineCloseAndReset) {
  RawClient c(origin.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3\r\nabc\r\n0\r\n\r\nGET /close HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_until_close(10s);
  ASSERT_EQ(r.responses.size(), 3u);
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.responses[0].header("x-origin-conn"), r.responses[2].header("x-origin-conn"));
  EXPECT_EQ(r.responses[2].header("connection"), "close");
  ASSERT_TRUE(origin.wait_for_requests(3));
  EXPECT_EQ(origin.targets(), (std::vector<std::string>{"/a", "/b", "/close"}));
  EXPECT_EQ(origin.log_entries()[1]["body"], "abc");

  RawClient reset(origin.port());
  ASSERT_TRUE(reset.send("GET /reset HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto rr = reset.read_responses(1, 10s);
  EXPECT_TRUE(rr.closed);
  EXPECT_TRUE(rr.responses.empty());
}

TEST_F(OriginTest, MalformedBytesAreLoggedRaw) {
  RawClient c(origin.port());
  ASSERT_TRUE(c.send("GARBAGE-LINE-/smuggled-x\r\n\r\n"));
  auto r = c.read_until_close(10s);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_EQ(r.responses[0].status, 400);
  EXPECT_TRUE(origin.saw("/smuggled-x"));
}

TEST(OriginIdle, ClosesIdleKeepAliveConnections) {
  OriginProcess::Options options;
  options.close_idle_after_ms = 100;
  OriginProcess origin(options);
  RawClient c(origin.port());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_responses(1, 10s);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_TRUE(c.wait_closed(10s));
}

TEST(ResponseParser, HeadResponseInAPipeline) {
  ResponseParser p;
  p.expect_head_response_at(1);
  std::vector<HttpResponse> out;
  ASSERT_TRUE(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
                     "HTTP/1.1 200 OK\r\nContent-Length: 1024\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                     out));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].body, "hello");
  EXPECT_EQ(out[1].body, "");
  EXPECT_EQ(out[2].body, "ok");
}
