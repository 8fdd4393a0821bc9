// Edge functions on live traffic: the real `aegis serve` binary with real Wasm modules (examples/functions and
// tests/edge/modules, built from C on the SDK) in front of the real test origin process.
#include <signal.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "edge_test_util.h"

using namespace aegis::test;
using namespace aegis::test::edge;

namespace {

TEST_F(Edge, HeaderInjectionReachesOriginAndClient) {
  start(config(fn("track", wasm("example_header_inject")) +
                   fn("track-response", wasm("example_header_inject"), "    entry: on_response\n    phase: response\n"),
               route("/tracked", "track, track-response")));
  auto r = http_get(aegis.port(), "/tracked/page");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("x-edge-served-by"), "aegis-edge");
  EXPECT_EQ(r.header("x-edge-path"), "/tracked/page");
  EXPECT_EQ(r.header("x-edge-origin-status"), "200");
  ASSERT_TRUE(origin.wait_for_requests(1));
  EXPECT_EQ(origin_header(origin, "/tracked/page", "x-edge-forwarded"), "1");

  // Routes without functions are untouched.
  auto plain = http_get(aegis.port(), "/plain");
  EXPECT_EQ(plain.status, 200);
  EXPECT_FALSE(plain.has_header("x-edge-served-by"));
  EXPECT_FALSE(origin_header(origin, "/plain", "x-edge-forwarded").has_value());

  std::string m = metrics();
  EXPECT_EQ(metric_value(m, R"(edge_function_invocations_total{function="track",phase="request"})"), 1);
  EXPECT_EQ(metric_value(m, R"(edge_function_invocations_total{function="track-response",phase="response"})"), 1);
  EXPECT_EQ(metric_value(m, R"(edge_function_execution_time_seconds_count{function="track",phase="request"})"), 1);
  EXPECT_TRUE(eventually([&] { return aegis.access_log_text().find("track:ok,track-response:ok") != std::string::npos; }))
      << aegis.access_log_text();
}

// Only the headers a function changed are rewritten on the way to the origin; the others arrive as sent.
TEST_F(Edge, RequestHeaderEditsReachTheOriginExactly) {
  start(config(fn("edit", wasm("edge_rewrite_headers")), route("/edit", "edit")));
  auto r = http_get(aegis.port(), "/edit",
                    {{"x-replace", "old"}, {"x-drop", "gone"}, {"x-multi", "one"}, {"x-keep", "kept"}});
  ASSERT_EQ(r.status, 200);
  ASSERT_TRUE(origin.wait_for_requests(1));
  ASSERT_FALSE(origin_entry(origin, "/edit").is_null());
  auto values = [&](const std::string& name) { return origin_header_values(origin, "/edit", name); };
  EXPECT_EQ(values("x-replace"), std::vector<std::string>{"new"});
  EXPECT_TRUE(values("x-drop").empty());
  EXPECT_EQ(values("x-multi"), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(values("x-keep"), std::vector<std::string>{"kept"});
  EXPECT_EQ(values("x-added"), std::vector<std::string>{"yes"});
}

// The node applies only the fields a function touched, each with its final state: set-then-removed fields are
// gone (whether the client sent them or not), added lines all arrive in order, a remove-then-add replaces the
// client's lines, names match in any case, and framing fields stay the node's. Same for the response phase.
TEST_F(Edge, TouchedHeadersArriveInTheirFinalState) {
  start(config(fn("edit", wasm("edge_edit_headers")) +
                   fn("edit-response", wasm("edge_edit_headers"), "    entry: handle_response\n    phase: response\n"),
               route("/", "edit, edit-response")));
  auto r = http_get(aegis.port(), "/headers?x-remove-me=1&x-keep-resp=2",
                    {{"x-temp", "client"}, {"x-multi", "one"}, {"x-multi", "two"}, {"x-keep", "kept"}});
  ASSERT_EQ(r.status, 200);
  ASSERT_TRUE(origin.wait_for_requests(1));
  const std::string target = "/headers?x-remove-me=1&x-keep-resp=2";
  ASSERT_FALSE(origin_entry(origin, target).is_null());
  auto values = [&](const std::string& name) { return origin_header_values(origin, target, name); };
  EXPECT_TRUE(values("x-temp").empty());
  EXPECT_TRUE(values("x-fresh").empty());
  EXPECT_EQ(values("x-two"), (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(values("x-multi"), std::vector<std::string>{"three"});
  EXPECT_EQ(values("x-case"), std::vector<std::string>{"lower"});
  EXPECT_EQ(values("x-keep"), std::vector<std::string>{"kept"});
  EXPECT_TRUE(values("content-length").empty());
  EXPECT_TRUE(values("transfer-encoding").empty());
  EXPECT_NE(values("connection"), std::vector<std::string>{"close"});

  EXPECT_FALSE(r.has_header("x-temp"));
  EXPECT_EQ(r.header_values("x-two-resp"), (std::vector<std::string>{"first", "second"}));
  EXPECT_FALSE(r.has_header("x-remove-me"));
  EXPECT_EQ(r.header("x-keep-resp"), "2");
  EXPECT_EQ(r.header("content-length"), std::to_string(r.body.size()));
  EXPECT_FALSE(r.body.empty());

  // The connection stays usable (the framing fields the function set were not applied).
  auto again = http_get(aegis.port(), "/headers?x-remove-me=1", {{"x-multi", "one"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_FALSE(again.has_header("x-remove-me"));
}

// A function alone on its route gets the request headers only when it reads them: edits made without reading
// reach the origin exactly as if the headers had been copied up front, and a function that reads after editing
// sees its own edits.
TEST_F(Edge, SoleFunctionEditsWithoutReadingReachTheOriginExactly) {
  start(config(fn("blind", wasm("edge_edit_headers_blind")) +
                   fn("edit-read", wasm("edge_edit_headers_blind"), "    entry: edit_then_read\n"),
               route("/blind", "blind") + route("/read", "edit-read")));
  auto r = http_get(aegis.port(), "/blind",
                    {{"x-temp", "client"}, {"x-multi", "one"}, {"x-multi", "two"}, {"x-keep", "kept"}});
  ASSERT_EQ(r.status, 200);
  auto read = http_get(aegis.port(), "/read", {{"x-keep", "kept"}, {"x-a", "client"}});
  ASSERT_EQ(read.status, 200);
  ASSERT_TRUE(origin.wait_for_requests(2));
  auto values = [&](const std::string& target, const std::string& name) {
    return origin_header_values(origin, target, name);
  };
  EXPECT_EQ(values("/blind", "x-temp"), std::vector<std::string>{"fn"});
  EXPECT_EQ(values("/blind", "x-two"), (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(values("/blind", "x-multi"), std::vector<std::string>{"three"});
  EXPECT_EQ(values("/blind", "x-case"), std::vector<std::string>{"lower"});
  EXPECT_EQ(values("/blind", "x-dup"), std::vector<std::string>{"set"});
  EXPECT_EQ(values("/blind", "x-keep"), std::vector<std::string>{"kept"});
  EXPECT_TRUE(values("/blind", "content-length").empty());
  EXPECT_TRUE(values("/blind", "transfer-encoding").empty());
  EXPECT_NE(values("/blind", "connection"), std::vector<std::string>{"close"});

  EXPECT_EQ(read.header("x-seen-a"), "one");
  EXPECT_EQ(read.header("x-seen-keep"), "kept");
  EXPECT_EQ(read.header("x-seen-names"), "1");
  EXPECT_EQ(values("/read", "x-a"), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(values("/read", "x-keep"), std::vector<std::string>{"kept"});
}

TEST_F(Edge, ChainRunsInConfiguredOrderEachSeeingThePreviousChanges) {
  start(config(fn("a", wasm("edge_append_a")) + fn("b", wasm("edge_append_b")),
               route("/ab", "a, b") + route("/ba", "b, a")));
  auto ab = http_get(aegis.port(), "/ab");
  auto ba = http_get(aegis.port(), "/ba");
  EXPECT_EQ(ab.header("x-chain-response"), "ab");
  EXPECT_EQ(ba.header("x-chain-response"), "ba");
  ASSERT_TRUE(origin.wait_for_requests(2));
  EXPECT_EQ(origin_header(origin, "/ab", "x-chain"), "ab");
  EXPECT_EQ(origin_header(origin, "/ba", "x-chain"), "ba");
}

TEST_F(Edge, EarlyTerminationAnswersWithoutTheOrigin) {
  start(config(fn("security", wasm("example_security")) + fn("redirect", wasm("example_redirect")),
               route("/", "security, redirect")));
  ASSERT_TRUE(started);
  auto admin = http_get(aegis.port(), "/admin/users");
  EXPECT_EQ(admin.status, 403);
  EXPECT_EQ(admin.body, "forbidden path\n");
  auto nokey = http_get(aegis.port(), "/api/items");
  EXPECT_EQ(nokey.status, 401);
  EXPECT_EQ(nokey.header("www-authenticate"), "ApiKey");
  EXPECT_EQ(http_get(aegis.port(), "/api/items", {{"x-api-key", "wrong"}}).status, 403);
  auto moved = http_get(aegis.port(), "/old/page?x=1");
  EXPECT_EQ(moved.status, 301);
  EXPECT_EQ(moved.header("location"), "/new/page?x=1");
  EXPECT_TRUE(origin.targets().empty()) << "the origin saw requests an edge function answered";

  auto ok = http_get(aegis.port(), "/api/items", {{"x-api-key", "demo-key"}});
  EXPECT_EQ(ok.status, 200);
  ASSERT_TRUE(origin.wait_for_requests(1));
  EXPECT_EQ(origin.targets(), std::vector<std::string>{"/api/items"});
  EXPECT_EQ(origin_header(origin, "/api/items", "x-api-client"), "demo");
  EXPECT_FALSE(origin_header(origin, "/api/items", "x-api-key").has_value());

  std::string m = metrics();
  EXPECT_EQ(metric_value(m, R"(edge_function_early_terminations_total{function="security"})"), 3);
  EXPECT_EQ(metric_value(m, R"(edge_function_early_terminations_total{function="redirect"})"), 1);
  EXPECT_TRUE(eventually([&] { return aegis.access_log_text().find("security:terminate(401)") != std::string::npos; }));
}

TEST_F(Edge, FailOpenContinuesAsIfTheFunctionWereAbsent) {
  start(config(fn("trap", wasm("edge_trap")) + fn("loop", wasm("edge_loop"), "    fuel: 100000\n") +
                   fn("a", wasm("edge_append_a")),
               route("/", "trap, loop, a")));
  ASSERT_TRUE(started);
  for (int i = 0; i < 2; ++i) {
    auto r = http_get(aegis.port(), "/open");
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.has_header("x-should-not-appear"));
    EXPECT_EQ(r.header("x-chain-response"), "a");
  }
  ASSERT_TRUE(origin.wait_for_requests(2));
  EXPECT_EQ(origin_header(origin, "/open", "x-chain"), "a");
  std::string m = metrics();
  EXPECT_EQ(metric_value(m, R"(edge_function_errors_total{function="trap",reason="trap"})"), 2);
  EXPECT_EQ(metric_value(m, R"(edge_function_errors_total{function="loop",reason="fuel"})"), 2);
  EXPECT_TRUE(eventually([&] { return aegis.access_log_text().find("trap:trap,loop:fuel,a:ok") != std::string::npos; }))
      << aegis.access_log_text();
}

TEST_F(Edge, FailClosedAnswers500Or503WithTheRequestId) {
  start(config(fn("trap", wasm("edge_trap"), "    on_error: closed\n") +
                   fn("fuel", wasm("edge_loop"), "    on_error: closed\n    fuel: 100000\n") +
                   fn("slow", wasm("edge_loop"), "    on_error: closed\n    fuel: 0\n    timeout: 30ms\n"),
               route("/trap", "trap") + route("/fuel", "fuel") + route("/slow", "slow")));
  auto trap = http_get(aegis.port(), "/trap", {{"x-request-id", "req-trap-1"}});
  EXPECT_EQ(trap.status, 500);
  EXPECT_NE(trap.body.find("req-trap-1"), std::string::npos) << trap.body;
  auto fuel = http_get(aegis.port(), "/fuel", {{"x-request-id", "req-fuel-1"}});
  EXPECT_EQ(fuel.status, 503);
  EXPECT_NE(fuel.body.find("req-fuel-1"), std::string::npos) << fuel.body;
  auto slow = http_get(aegis.port(), "/slow", {{"x-request-id", "req-slow-1"}});
  EXPECT_EQ(slow.status, 503);
  EXPECT_NE(slow.body.find("(timeout)"), std::string::npos) << slow.body;
  EXPECT_TRUE(origin.targets().empty());
  // The worker keeps serving.
  EXPECT_EQ(http_get(aegis.port(), "/other").status, 200);
  EXPECT_EQ(http_get(aegis.port(), "/trap").status, 500);
  std::string m = metrics();
  EXPECT_EQ(metric_value(m, R"(edge_function_errors_total{function="slow",reason="timeout"})"), 1);
  EXPECT_EQ(metric_value(m, R"(edge_function_errors_total{function="trap",reason="trap"})"), 2);
}

TEST_F(Edge, BlockingModulesRunTheChainOnTheExecutor) {
  start(config(fn("fetch", wasm("edge_fetch_status")) + fn("a", wasm("edge_append_a")) +
                   fn("security", wasm("example_security")),
               route("/fetch", "fetch, a") + route("/api/", "fetch, security")));
  std::string url = "http://127.0.0.1:" + std::to_string(origin.port()) + "/status/418";
  auto r = http_get(aegis.port(), "/fetch/x", {{"x-fetch-url", url}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("x-fetched-status"), "418");
  EXPECT_EQ(r.header("x-chain-response"), "a");
  ASSERT_TRUE(origin.wait_for_requests(2));  // the function's own GET, then the proxied request
  EXPECT_EQ(origin_header(origin, "/fetch/x", "x-fetched-status"), "418");
  EXPECT_EQ(origin_header(origin, "/fetch/x", "x-chain"), "a");
  // An early termination after a blocking step.
  auto denied = http_get(aegis.port(), "/api/x", {{"x-fetch-url", url}});
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(origin.targets(), (std::vector<std::string>{"/status/418", "/fetch/x", "/status/418"}));
}

TEST_F(Edge, ResponsePhaseChangesStatusAndHeaders) {
  start(config(fn("resp", wasm("edge_set_status"), "    phase: response\n"), route("/headers", "resp")));
  auto r = http_get(aegis.port(), "/headers?x-remove-me=1&x-keep=2");
  EXPECT_EQ(r.status, 299);
  EXPECT_EQ(r.header("x-resp-fn"), "1");
  EXPECT_FALSE(r.has_header("x-remove-me"));
  EXPECT_EQ(r.header("x-keep"), "2");
  EXPECT_EQ(r.body, "headers set\n");
}

TEST_F(Edge, ReloadSwapsModulesAndRefusesOneThatDoesNotLoad) {
  std::filesystem::copy_file(wasm("edge_append_a"), aegis.file("swap.wasm"));
  std::string yaml = config(fn("swap", "swap.wasm"), route("/", "swap"));
  start(yaml);
  ASSERT_TRUE(started);
  EXPECT_EQ(http_get(aegis.port(), "/x").header("x-chain-response"), "a");

  std::filesystem::copy_file(wasm("edge_append_b"), aegis.file("swap.wasm"),
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(aegis.reload(yaml));
  EXPECT_TRUE(eventually([&] { return http_get(aegis.port(), "/x").header("x-chain-response") == "b"; }));

  write_file(aegis.file("swap.wasm"), "this is not wasm");
  ASSERT_TRUE(aegis.reload(yaml));
  EXPECT_TRUE(eventually([&] { return aegis.stderr_text().find("reload refused") != std::string::npos; }))
      << aegis.stderr_text();
  EXPECT_NE(aegis.stderr_text().find("swap.wasm"), std::string::npos) << aegis.stderr_text();
  EXPECT_EQ(http_get(aegis.port(), "/x").header("x-chain-response"), "b");
  // POST /reload reports the refusal too.
  auto post = http_request(aegis.admin_port(), "POST", "/reload");
  EXPECT_NE(post.status, 200);
  EXPECT_NE(post.body.find("functions[0].module"), std::string::npos) << post.body;
  EXPECT_EQ(aegis.stop(), 0);
}

}  // namespace
