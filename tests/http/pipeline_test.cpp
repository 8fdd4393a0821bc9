// Phases (early termination, async completion on another thread, body buffering, response/logging hooks),
// reload, graceful shutdown and the admin listener — through real sockets.
#include <atomic>
#include <fstream>
#include <future>
#include <thread>

#include "proxy/phase.h"
#include "proxy_test_util.h"
#include "support/fs.h"
#include "support/origin_process.h"

namespace aegis::test {
namespace {

using nlohmann::json;
using proxy::Flow;
using proxy::Phase;
using proxy::RequestContext;
using proxy::Resume;

// Blocks requests carrying X-Block with a local 403; everything else continues.
class BlockPhase : public Phase {
 public:
  std::string_view name() const override { return "block"; }
  Flow request_filter(RequestContext& ctx, const Resume&) override {
    if (ctx.request.headers->get("x-block")) {
      proxy::LocalResponse r;
      r.status = 403;
      r.body = "blocked by phase\n";
      r.headers.emplace_back("X-Blocked-By", "block");
      ctx.local_response = std::move(r);
      return Flow::kRespond;
    }
    return Flow::kContinue;
  }
};

// Completes on another thread after a short wait, adding a header to the forwarded request.
class AsyncPhase : public Phase {
 public:
  std::string_view name() const override { return "async"; }
  Flow request_filter(RequestContext& ctx, const Resume& resume) override {
    auto delay = ctx.request.headers->get("x-async");
    if (!delay) return Flow::kContinue;
    int ms = std::stoi(std::string(*delay));
    auto* headers = ctx.request.headers;
    std::thread([headers, resume, ms] {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      if (ms > 1000) {  // the session was abandoned meanwhile: complete() must be a harmless no-op
        resume.complete(Flow::kContinue);
        return;
      }
      headers->set("X-Async-Done", std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()) % 1000));
      resume.complete(Flow::kContinue);
    }).detach();
    return Flow::kPending;
  }
};

// Asks for the whole body when X-Inspect is present and rejects bodies containing "evil".
class InspectPhase : public Phase {
 public:
  std::string_view name() const override { return "inspect"; }
  bool needs_request_body(const RequestContext& ctx) const override {
    return ctx.request.headers->get("x-inspect").has_value();
  }
  Flow request_filter(RequestContext& ctx, const Resume&) override {
    if (!ctx.request_body_buffered) return Flow::kContinue;
    ctx.request.headers->set("X-Body-Seen", std::to_string(ctx.request_body.size()));
    if (ctx.request_body.find("evil") != std::string::npos) {
      proxy::LocalResponse r;
      r.status = 400;
      r.body = "evil body\n";
      ctx.local_response = std::move(r);
      return Flow::kRespond;
    }
    return Flow::kContinue;
  }
};

// Adds a response header and a log field; counts logging calls.
class DecoratePhase : public Phase {
 public:
  explicit DecoratePhase(std::atomic<int>* logged) : logged_(logged) {}
  std::string_view name() const override { return "decorate"; }
  void response_filter(RequestContext& ctx) override {
    ctx.response.headers->set("X-Decorated", std::to_string(ctx.response.status));
  }
  void logging(RequestContext&, log::AccessRecord& rec) override {
    rec.add("decorated", true);
    logged_->fetch_add(1);
  }

 private:
  std::atomic<int>* logged_;
};

class PipelineTest : public ::testing::Test {
 protected:
  OriginProcess origin;
  std::atomic<int> logged{0};

  server::Server::Options phases() {
    server::Server::Options o;
    o.make_phases = [this](unsigned) {
      return std::vector<std::shared_ptr<Phase>>{std::make_shared<BlockPhase>(), std::make_shared<AsyncPhase>(),
                                                 std::make_shared<InspectPhase>(),
                                                 std::make_shared<DecoratePhase>(&logged)};
    };
    return o;
  }
};

TEST_F(PipelineTest, EarlyTerminationSkipsOrigin) {
  Proxy proxy(proxy_config(origin.port()), phases());
  auto res = http_get(proxy.port(), "/echo", {{"Host", "a"}, {"X-Block", "1"}});
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(res.body, "blocked by phase\n");
  EXPECT_EQ(res.header("x-blocked-by"), "block");
  EXPECT_EQ(res.header("x-decorated"), "403");  // response_filter runs for local responses too
  EXPECT_TRUE(res.has_header("x-request-id"));
  EXPECT_EQ(origin.log_entries().size(), 0u);
}

TEST_F(PipelineTest, AsyncPhaseCompletesFromAnotherThread) {
  Proxy proxy(proxy_config(origin.port(), 1), phases());
  // Several concurrent async requests on one worker: none blocks the loop for the others.
  std::vector<std::future<HttpResponse>> futures;
  for (int i = 0; i < 8; ++i)
    futures.push_back(std::async(std::launch::async, [&] {
      return http_get(proxy.port(), "/echo", {{"Host", "a"}, {"X-Async", "50"}});
    }));
  for (auto& f : futures) {
    auto res = f.get();
    ASSERT_EQ(res.status, 200);
    EXPECT_EQ(echoed(json::parse(res.body), "x-async-done").size(), 1u);
    EXPECT_EQ(res.header("x-decorated"), "200");
  }
}

TEST_F(PipelineTest, BufferedBodyIsInspectedAndForwarded) {
  Proxy proxy(proxy_config(origin.port()), phases());
  std::string body(100000, 'z');
  auto ok = http_request(proxy.port(), "POST", "/echo", {{"Host", "a"}, {"X-Inspect", "1"}}, body);
  ASSERT_EQ(ok.status, 200);
  json echo = json::parse(ok.body);
  EXPECT_EQ(echo["body_length"], body.size());
  EXPECT_EQ(echoed(echo, "x-body-seen"), std::vector<std::string>{"100000"});
  // Chunked in, Content-Length out after buffering.
  RawClient c(proxy.port());
  c.send("POST /echo HTTP/1.1\r\nHost: a\r\nX-Inspect: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
         "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  auto r = c.read_responses(1);
  ASSERT_EQ(r.responses.size(), 1u);
  json echo2 = json::parse(r.responses[0].body);
  EXPECT_EQ(echo2["body"], "abcde");
  EXPECT_EQ(echoed(echo2, "content-length"), std::vector<std::string>{"5"});
  EXPECT_TRUE(echoed(echo2, "transfer-encoding").empty());
  auto bad = http_request(proxy.port(), "POST", "/echo", {{"Host", "a"}, {"X-Inspect", "1"}}, "an evil body");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "evil body\n");
}

TEST_F(PipelineTest, LoggingPhaseRunsForEveryRequest) {
  Proxy proxy(proxy_config(origin.port()), phases());
  http_get(proxy.port(), "/size/1", {{"Host", "a"}});
  http_get(proxy.port(), "/size/1", {{"Host", "a"}, {"X-Block", "1"}});
  proxy.reset();
  EXPECT_EQ(logged.load(), 2);
}

TEST_F(PipelineTest, AccessLogRecordsRequests) {
  TempDir dir;
  auto cfg = proxy_config(origin.port());
  cfg.access_log.enabled = true;
  cfg.access_log.path = dir.file("access.log");
  {
    Proxy proxy(cfg);
    auto res = http_get(proxy.port(), "/size/123?x=1", {{"Host", "a"}, {"X-Request-Id", "log-me-1"}});
    EXPECT_EQ(res.status, 200);
  }
  std::string text = read_file(dir.file("access.log"));
  ASSERT_FALSE(text.empty());
  json line = json::parse(text.substr(0, text.find('\n')));
  EXPECT_EQ(line["request_id"], "log-me-1");
  EXPECT_EQ(line["method"], "GET");
  EXPECT_EQ(line["path"], "/size/123?x=1");
  EXPECT_EQ(line["status"], 200);
  EXPECT_EQ(line["bytes_sent"], 123);
  EXPECT_TRUE(line["upstream_ms"].is_number());
  EXPECT_EQ(line["cache"], "-");
}

TEST_F(PipelineTest, ReloadSwitchesRoutesAndRefusesInvalidConfig) {
  OriginProcess second;
  auto cfg = proxy_config(origin.port());
  Proxy proxy(cfg);
  RawClient held(proxy.port());  // an established keep-alive connection survives reloads
  held.send(get_request("/size/1"));
  ASSERT_EQ(held.read_responses(1).responses.size(), 1u);

  auto port_of = [&](const HttpResponse& r) { return r.header("x-origin-port").value_or("?"); };
  EXPECT_EQ(port_of(http_get(proxy.port(), "/x", {{"Host", "a"}})), std::to_string(origin.port()));

  auto next = cfg;
  config::Origin o2 = cfg.origins[0];
  o2.name = "second";
  o2.servers = {config::Endpoint{"127.0.0.1", second.port()}};
  next.origins.push_back(o2);
  next.routes.push_back(make_route("*", "/x", "second"));
  ASSERT_TRUE(proxy.server().reload(next).ok);
  EXPECT_EQ(port_of(http_get(proxy.port(), "/x", {{"Host", "a"}})), std::to_string(second.port()));
  EXPECT_EQ(port_of(http_get(proxy.port(), "/y", {{"Host", "a"}})), std::to_string(origin.port()));

  auto broken = next;
  broken.routes.push_back(make_route("*", "/z", "no-such-origin"));
  auto outcome = proxy.server().reload(broken);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.message.find("no-such-origin"), std::string::npos);
  EXPECT_EQ(port_of(http_get(proxy.port(), "/x", {{"Host", "a"}})), std::to_string(second.port()));

  held.send(get_request("/x"));
  auto r = held.read_responses(1);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_EQ(port_of(r.responses[0]), std::to_string(second.port()));
}

TEST_F(PipelineTest, GracefulShutdownFinishesInFlightAndClosesIdle) {
  auto cfg = proxy_config(origin.port());
  auto proxy = std::make_unique<Proxy>(cfg);
  uint16_t port = proxy->port();
  RawClient idle(port);
  idle.send(get_request("/size/1"));
  ASSERT_EQ(idle.read_responses(1).responses.size(), 1u);
  RawClient busy(port);
  busy.send(get_request("/delay/700"));
  std::this_thread::sleep_for(200ms);  // the slow request is at the origin now
  std::thread stopper([&] { proxy->server().shutdown(); });
  EXPECT_TRUE(idle.wait_closed(5s));
  auto r = busy.read_until_close(10s);
  stopper.join();
  ASSERT_EQ(r.responses.size(), 1u) << r.raw;
  EXPECT_EQ(r.responses[0].status, 200);
  EXPECT_EQ(r.responses[0].header("connection"), "close");
  RawClient after(port);
  EXPECT_FALSE(after.connected() && after.send(get_request("/")) && !after.read_responses(1, 2s).responses.empty());
}

TEST_F(PipelineTest, DrainTimeoutAbandonsStuckRequests) {
  auto options = phases();
  options.drain_timeout = 300ms;
  auto proxy = std::make_unique<Proxy>(proxy_config(origin.port(), 1), options);
  RawClient stuck_at_origin(proxy->port());
  stuck_at_origin.send(get_request("/delay/3000"));
  RawClient stuck_in_phase(proxy->port());
  stuck_in_phase.send(get_request("/echo", "X-Async: 1500\r\n"));
  std::this_thread::sleep_for(200ms);
  proxy->server().shutdown();  // returns after the drain timeout although both are still busy
  EXPECT_TRUE(stuck_at_origin.wait_closed(5s));
  EXPECT_TRUE(stuck_in_phase.wait_closed(5s));
  proxy.reset();
  std::this_thread::sleep_for(1500ms);  // the phase's thread completes into a session that no longer exists
}

TEST_F(PipelineTest, AdminEndpoints) {
  TempDir dir;
  auto cfg = proxy_config(origin.port());
  Proxy proxy(cfg);
  http_get(proxy.port(), "/size/1", {{"Host", "a"}});
  auto health = http_get(proxy.admin_port(), "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  auto metrics = http_get(proxy.admin_port(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("aegis_http_requests_total{class=\"2xx\"}"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("aegis_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.body.find("aegis_active_connections"), std::string::npos);
  EXPECT_EQ(http_get(proxy.admin_port(), "/nope").status, 404);
  EXPECT_EQ(http_get(proxy.admin_port(), "/reload").status, 405);
  // The in-memory config has no file to reload from: refused, still serving.
  auto reload = http_request(proxy.admin_port(), "POST", "/reload");
  EXPECT_EQ(reload.status, 500);
  EXPECT_EQ(http_get(proxy.port(), "/size/1", {{"Host", "a"}}).status, 200);
}

}  // namespace
}  // namespace aegis::test
