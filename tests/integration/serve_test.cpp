// End-to-end tests of `aegis serve`: the real binary in front of the real test origin process.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "e2e_util.h"
#include "support/aegis_process.h"
#include "support/fs.h"
#include "support/net.h"
#include "support/origin_process.h"
#include "support/raw_client.h"

using namespace aegis::test;

namespace {

std::string origin_var(const OriginProcess& o) { return std::to_string(o.port()); }

class Serve : public ::testing::Test {
 protected:
  void start(const std::string& extra = {}) {
    std::string error;
    ASSERT_TRUE(aegis.start(basic_config(extra), {{"ORIGIN_PORT", origin_var(origin)}}, &error)) << error;
  }
  OriginProcess origin;
  AegisProcess aegis;
};

TEST_F(Serve, ProxiesBodiesStatusesAndMethods) {
  start();
  auto big = http_get(aegis.port(), "/size/300000");
  EXPECT_EQ(big.status, 200);
  EXPECT_EQ(big.body.size(), 300000u);
  auto chunked = http_get(aegis.port(), "/chunked/50000");
  EXPECT_EQ(chunked.status, 200);
  EXPECT_EQ(chunked.body, big.body.substr(0, 50000));
  EXPECT_EQ(http_get(aegis.port(), "/status/503").status, 503);
  EXPECT_EQ(http_get(aegis.port(), "/status/404").status, 404);
  auto head = http_request(aegis.port(), "HEAD", "/size/777");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");

  const std::string body(100000, 'b');
  auto echo = http_request(aegis.port(), "POST", "/echo", {{"X-Custom", "v1"}}, body);
  ASSERT_EQ(echo.status, 200);
  auto j = nlohmann::json::parse(echo.body);
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["body_length"], body.size());
  bool custom = false;
  for (auto& h : j["headers"]) custom |= (h[0] == "X-Custom" && h[1] == "v1");
  EXPECT_TRUE(custom) << echo.body.substr(0, 2000);
  ASSERT_TRUE(origin.wait_for_requests(6));
}

TEST_F(Serve, ManyKeepAliveRequestsOnOneConnection) {
  start();
  RawClient c(aegis.port());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(c.send("GET /size/" + std::to_string(i * 10) + " HTTP/1.1\r\nHost: example.com\r\n\r\n"));
    auto r = c.read_responses(1, 10s);
    ASSERT_EQ(r.responses.size(), 1u) << "request " << i;
    EXPECT_EQ(r.responses[0].body.size(), static_cast<std::size_t>(i * 10));
  }
}

TEST_F(Serve, UnreachableOriginGives502) {
  // Point the route at a port nobody listens on.
  std::string error;
  ASSERT_TRUE(aegis.start(basic_config(), {{"ORIGIN_PORT", std::to_string(free_port())}}, &error)) << error;
  auto r = http_get(aegis.port(), "/x");
  EXPECT_TRUE(r.status == 502 || r.status == 503) << r.status;
}

// The origin closes idle keep-alive connections after 100 ms; the proxy must notice a stale pooled connection and
// retry the idempotent request on a new one instead of failing it.
TEST(ServeStale, RetriesIdempotentRequestOnStalePooledConnection) {
  OriginProcess::Options oo;
  oo.close_idle_after_ms = 100;
  OriginProcess origin(oo);
  AegisProcess aegis;
  std::string error;
  ASSERT_TRUE(aegis.start(basic_config(), {{"ORIGIN_PORT", std::to_string(origin.port())}}, &error)) << error;
  for (int i = 0; i < 5; ++i) {
    auto r = http_get(aegis.port(), "/stale-" + std::to_string(i));
    EXPECT_EQ(r.status, 200) << "request " << i;
    std::this_thread::sleep_for(300ms);
  }
  EXPECT_EQ(origin.targets().size(), 5u);
}

TEST_F(Serve, SigtermDrainsInFlightRequestThenExitsZero) {
  start();
  RawClient slow(aegis.port());
  ASSERT_TRUE(slow.send("GET /delay/3000 HTTP/1.1\r\nHost: example.com\r\n\r\n"));
  ASSERT_TRUE(origin.wait_for_requests(1));  // the slow request is in flight at the origin
  // An idle keep-alive connection must not hold up the shutdown.
  RawClient idle(aegis.port());
  ASSERT_TRUE(idle.send("GET /quick HTTP/1.1\r\nHost: example.com\r\n\r\n"));
  ASSERT_EQ(idle.read_responses(1, 10s).responses.size(), 1u);

  ASSERT_TRUE(aegis.signal(SIGTERM));
  // The listener stops accepting while the slow request is still being served.
  bool refused = eventually([&] {
    int fd = connect_loopback(aegis.port(), 200ms);
    if (fd < 0) return true;
    ::close(fd);
    return false;
  }, 2500ms);

  auto r = slow.read_responses(1, 15s);
  ASSERT_EQ(r.responses.size(), 1u) << "in-flight request was cut off: " << r.raw;
  EXPECT_EQ(r.responses[0].status, 200);
  EXPECT_EQ(r.responses[0].body, "delayed 3000 ms\n");
  EXPECT_TRUE(refused) << "listener still accepting during drain";
  auto code = aegis.process().wait(15s);
  ASSERT_TRUE(code.has_value()) << "aegis did not exit after SIGTERM";
  EXPECT_EQ(*code, 0) << aegis.stderr_text();
  EXPECT_TRUE(idle.wait_closed(1s));
  EXPECT_FALSE(wait_for_port(aegis.port(), 200ms));
}

class Reload : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(aegis.start(basic_config(), {{"ORIGIN_PORT", origin_var(a)}}, &error)) << error;
  }
  std::string served_by(const std::string& path = "/") {
    auto r = http_get(aegis.port(), path);
    return r.header("x-origin-port").value_or("none");
  }
  std::string metrics() { return http_get(aegis.admin_port(), "/metrics").body; }

  OriginProcess a, b;
  AegisProcess aegis;
};

TEST_F(Reload, SighupSwitchesRouteAndRefusesInvalidConfig) {
  EXPECT_EQ(served_by(), origin_var(a));

  // An idle keep-alive connection established before the reload.
  RawClient kept(aegis.port());
  ASSERT_TRUE(kept.send("GET /before HTTP/1.1\r\nHost: example.com\r\n\r\n"));
  auto r1 = kept.read_responses(1, 10s);
  ASSERT_EQ(r1.responses.size(), 1u);
  EXPECT_EQ(r1.responses[0].status, 200);

  ASSERT_TRUE(aegis.reload(basic_config(), {{"ORIGIN_PORT", origin_var(b)}}));
  ASSERT_TRUE(eventually([&] { return served_by() == origin_var(b); })) << aegis.stderr_text();
  EXPECT_TRUE(eventually([&] {
    return metric_value(metrics(), "aegis_config_reloads_total{result=\"ok\"}").value_or(0) >= 1;
  }));

  // The pre-reload connection still works.
  ASSERT_TRUE(kept.send("GET /after HTTP/1.1\r\nHost: example.com\r\n\r\n"));
  auto r2 = kept.read_responses(1, 10s);
  ASSERT_EQ(r2.responses.size(), 1u) << "keep-alive connection broken by reload";
  EXPECT_EQ(r2.responses[0].status, 200);

  // An invalid config is refused; the running one keeps serving.
  ASSERT_TRUE(aegis.reload("listeners: [ {address: 127.0.0.1, port: {{LISTEN_PORT}}} ]\nroutes:\n  - origin: nowhere\n"));
  ASSERT_TRUE(eventually([&] {
    return metric_value(metrics(), "aegis_config_reloads_total{result=\"error\"}").value_or(0) >= 1;
  })) << aegis.stderr_text();
  EXPECT_TRUE(aegis.running());
  EXPECT_EQ(served_by(), origin_var(b));
  EXPECT_NE(aegis.stderr_text().find("nowhere"), std::string::npos) << "reload error not logged:\n"
                                                                   << aegis.stderr_text();
}

// A supervisor may send SIGHUP (reload) or SIGTERM as soon as the node accepts connections. Signals must already be
// handled by then: before the fix the listener opened first and the handlers were installed after the admin
// listener, and a SIGHUP in between killed the process (default action). The poll below connects without pausing,
// so it catches that window when it exists.
TEST(ServeSignals, SighupAsSoonAsTheListenerAcceptsReloadsInsteadOfKilling) {
  OriginProcess origin;
  for (int attempt = 0; attempt < 10; ++attempt) {
    TempDir dir;
    const uint16_t port = free_port();
    const std::string path = dir.file("aegis.yaml");
    write_file(path, substitute(basic_config(), {{"LISTEN_PORT", std::to_string(port)},
                                                 {"ADMIN_PORT", std::to_string(free_port())},
                                                 {"ORIGIN_PORT", origin_var(origin)},
                                                 {"DIR", dir.path()}}));
    ChildProcess node;
    std::string error;
    ASSERT_TRUE(node.start({aegis_binary(), "serve", "-c", path}, &error)) << error;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    for (;;) {
      int fd = connect_loopback(port, 100ms);
      if (fd >= 0) {
        ::close(fd);
        break;
      }
      ASSERT_TRUE(node.running()) << "attempt " << attempt << ": exited before listening:\n" << node.stderr_text();
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "attempt " << attempt << ": never listened";
    }
    ASSERT_TRUE(node.signal(SIGHUP));
    std::this_thread::sleep_for(200ms);
    ASSERT_TRUE(node.running()) << "attempt " << attempt << ": SIGHUP right after start killed the node:\n"
                                << node.stderr_text();
    EXPECT_EQ(http_get(port, "/").status, 200) << attempt;
    node.signal(SIGTERM);
    EXPECT_EQ(node.wait(20s), 0) << attempt;
  }
}

TEST_F(Serve, AdminHealthzAndMetricsMove) {
  start();
  auto health = http_get(aegis.admin_port(), "/healthz");
  EXPECT_EQ(health.status, 200);

  auto before = http_get(aegis.admin_port(), "/metrics");
  ASSERT_EQ(before.status, 200);
  EXPECT_NE(before.header("content-type").value_or("").find("text/plain"), std::string::npos);
  const std::string ok2xx = "aegis_http_requests_total{class=\"2xx\"}";
  const std::string c4xx = "aegis_http_requests_total{class=\"4xx\"}";
  double ok_before = metric_value(before.body, ok2xx).value_or(0);
  double c4_before = metric_value(before.body, c4xx).value_or(0);

  for (int i = 0; i < 3; ++i) EXPECT_EQ(http_get(aegis.port(), "/m" + std::to_string(i)).status, 200);
  EXPECT_EQ(http_get(aegis.port(), "/status/404").status, 404);

  std::string after;
  EXPECT_TRUE(eventually([&] {
    after = http_get(aegis.admin_port(), "/metrics").body;
    return metric_value(after, ok2xx).value_or(0) >= ok_before + 3 &&
           metric_value(after, c4xx).value_or(0) >= c4_before + 1;
  })) << after;
  for (const char* family : {"aegis_http_requests_total", "aegis_http_request_duration_seconds",
                             "aegis_upstream_connect_errors_total", "aegis_active_connections",
                             "aegis_config_reloads_total"})
    EXPECT_NE(after.find(std::string("# TYPE ") + family), std::string::npos) << family << "\n" << after;
  EXPECT_GE(metric_value(after, "aegis_http_request_duration_seconds_count").value_or(0), 4);
}

TEST_F(Serve, AccessLogHasOneJsonLinePerRequest) {
  start();
  auto r = http_get(aegis.port(), "/alpha?x=1", {{"User-Agent", "e2e-test"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(http_get(aegis.port(), "/status/404").status, 404);
  std::vector<nlohmann::json> lines;
  ASSERT_TRUE(eventually([&] {
    lines.clear();
    std::istringstream in(aegis.access_log_text());
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) lines.push_back(nlohmann::json::parse(line, nullptr, false));
    return lines.size() >= 2;
  })) << aegis.access_log_text();
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& j : lines) {
    ASSERT_FALSE(j.is_discarded());
    for (const char* key : {"ts", "request_id", "client", "method", "path", "status", "bytes_sent", "duration_ms",
                            "upstream_ms", "cache"})
      EXPECT_TRUE(j.contains(key)) << key << " missing in " << j.dump();
  }
  EXPECT_EQ(lines[0]["method"], "GET");
  EXPECT_EQ(lines[0]["path"], "/alpha?x=1");
  EXPECT_EQ(lines[0]["status"], 200);
  EXPECT_EQ(lines[0]["bytes_sent"], 1024);
  EXPECT_TRUE(lines[0]["upstream_ms"].is_number());
  EXPECT_EQ(lines[1]["status"], 404);
  // The request id in the log is the one returned to the client and sent to the origin.
  auto rid = r.header("x-request-id");
  ASSERT_TRUE(rid.has_value());
  EXPECT_EQ(lines[0]["request_id"], *rid);
  EXPECT_NE(origin.log_text().find(*rid), std::string::npos);
}

// `make run`: the bundled demo config (ports rewritten to free ones) starts the embedded demo origin and serves `/`
// through the proxy.
TEST(DemoConfig, MakeRunConfigServesIndexThroughTheProxy) {
  std::string yaml = read_file(source_dir() + "/examples/demo/aegis.yaml");
  ASSERT_FALSE(yaml.empty());
  auto replace = [&](const std::string& from, const std::string& to) {  // every occurrence, at least one
    ASSERT_NE(yaml.find(from), std::string::npos) << from;
    for (auto pos = yaml.find(from); pos != std::string::npos; pos = yaml.find(from, pos + to.size()))
      yaml.replace(pos, from.size(), to);
  };
  const std::string demo_port = std::to_string(free_port());
  replace("port: 8080", "port: {{LISTEN_PORT}}");
  replace("port: 9901", "port: {{ADMIN_PORT}}");
  replace("port: 8081", "port: " + demo_port);
  replace("127.0.0.1:8081", "127.0.0.1:" + demo_port);

  AegisProcess aegis;
  std::string error;
  ASSERT_TRUE(aegis.start(yaml, {}, &error)) << error;
  auto index = http_get(aegis.port(), "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("AEGIS Edge"), std::string::npos) << index.body;
  auto hello = http_get(aegis.port(), "/api/hello");
  EXPECT_EQ(hello.status, 200);
  EXPECT_NE(hello.body.find("Hello"), std::string::npos);
  auto file = http_get(aegis.port(), "/static/1k.txt");
  EXPECT_EQ(file.body.size(), 1024u);
  EXPECT_EQ(aegis.stop(), 0);
}

}  // namespace
