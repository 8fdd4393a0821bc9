// Edge functions in the serve pipeline, end to end through the real `aegis serve` and the real test origin:
// route matching (glob, methods, headers, priority), per-use overrides, canary splits, request method/body
// rewrites reaching the origin, response body rewrites, the response-phase failure policy, response functions on
// early terminations, and the examples ab_split, json_rewrite and fetch_cache.
#include <string>
#include <vector>

#include "edge_test_util.h"

using namespace aegis::test;
using namespace aegis::test::edge;

namespace {

// The documented canary bucket: FNV-1a (64-bit) of the key, modulo 100.
unsigned bucket(const std::string& key) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<unsigned>(h % 100);
}

TEST_F(Edge, RoutesMatchGlobsMethodsHeadersAndPriority) {
  start(config_preamble() + "functions:\n" + fn("a", wasm("edge_append_a")) + fn("b", wasm("edge_append_b")) +
        "routes:\n"
        "  - {path_prefix: /, origin: origin}\n"
        "  - {path: \"/api/*/items\", origin: origin, functions: [a]}\n"
        "  - {path_prefix: /api/, methods: [POST], origin: origin, functions: [b]}\n"
        "  - {path: \"/static/**\", origin: origin, functions: [a, b]}\n"
        "  - {path_prefix: /, headers: {x-beta: \"1\"}, priority: 10, origin: origin, functions: [b, a]}\n");
  EXPECT_EQ(http_get(aegis.port(), "/api/7/items?q=1").header("x-chain-response"), "a");
  EXPECT_EQ(http_request(aegis.port(), "POST", "/api/7", {}, "x").header("x-chain-response"), "b");
  EXPECT_FALSE(http_get(aegis.port(), "/api/7").has_header("x-chain-response"));
  EXPECT_EQ(http_get(aegis.port(), "/static/css/site.css").header("x-chain-response"), "ab");
  EXPECT_EQ(http_get(aegis.port(), "/static").header("x-chain-response"), "ab");
  EXPECT_EQ(http_get(aegis.port(), "/api/7/items", {{"x-beta", "1"}}).header("x-chain-response"), "ba");
  EXPECT_FALSE(http_get(aegis.port(), "/api/7/items", {{"x-beta", "2"}}).header("x-chain-response") == "ba");
  ASSERT_TRUE(origin.wait_for_requests(7));
  EXPECT_EQ(origin_header(origin, "/static/css/site.css", "x-chain"), "ab");
}

TEST_F(Edge, ChainEntriesOverrideTheFunctionPerUse) {
  start(config(fn("trap", wasm("edge_trap")) + fn("a", wasm("edge_append_a")),
               "  - path_prefix: /closed\n    origin: origin\n    functions: [{name: trap, on_error: closed}]\n"
               "  - path_prefix: /open\n    origin: origin\n    functions: [trap, a]\n"
               "  - path_prefix: /inline\n    origin: origin\n    functions:\n"
               "      - {name: inline-b, module: " + wasm("edge_append_b") + "}\n"
               "      - {name: a, entry: handle_request, phase: both}\n"));
  auto closed = http_get(aegis.port(), "/closed", {{"x-request-id", "req-closed-1"}});
  EXPECT_EQ(closed.status, 500);
  EXPECT_NE(closed.body.find("req-closed-1"), std::string::npos) << closed.body;
  auto open = http_get(aegis.port(), "/open");
  EXPECT_EQ(open.status, 200);
  EXPECT_EQ(open.header("x-chain-response"), "a");
  // An inline function, then `a` in both phases: request "ba", and the response phase appends once more.
  auto inl = http_get(aegis.port(), "/inline");
  EXPECT_EQ(inl.status, 200);
  EXPECT_EQ(inl.header("x-chain-response"), "baa");
  ASSERT_TRUE(origin.wait_for_requests(2));
  EXPECT_EQ(origin_header(origin, "/inline", "x-chain"), "ba");
  EXPECT_TRUE(origin_entry(origin, "/closed").is_null());
  EXPECT_EQ(metric_value(metrics(), R"(edge_function_invocations_total{function="inline-b",phase="request"})"), 1);
}

TEST_F(Edge, CanarySplitIsDeterministicPerClient) {
  start(config(fn("a", wasm("edge_append_a")) + fn("b", wasm("edge_append_b")),
               "  - path_prefix: /split\n    origin: origin\n    functions:\n"
               "      - {name: a, canary: 30, canary_key: \"cookie:uid\"}\n"
               "      - {name: b, canary: 30, canary_key: \"cookie:uid\", canary_variant: stable}\n"
               "  - path_prefix: /by-header\n    origin: origin\n    functions:\n"
               "      - {name: a, canary: 50, canary_key: \"header:X-User\"}\n"));
  int in_canary = 0, outside = 0;
  for (int i = 0; i < 40; ++i) {
    std::string uid = "user-" + std::to_string(i);
    std::string expected = bucket(uid) < 30 ? "a" : "b";
    (expected == "a" ? in_canary : outside)++;
    for (int k = 0; k < 2; ++k) {  // the same client sees the same variant every time
      auto r = http_get(aegis.port(), "/split", {{"cookie", "theme=dark; uid=" + uid}});
      ASSERT_EQ(r.status, 200);
      EXPECT_EQ(r.header("x-chain-response"), expected) << uid;
    }
    auto h = http_get(aegis.port(), "/by-header", {{"x-user", uid}});
    EXPECT_EQ(h.has_header("x-chain-response"), bucket(uid) < 50) << uid;
  }
  EXPECT_GT(in_canary, 0);
  EXPECT_GT(outside, 0);
  // Without the cookie the client IP decides (always the same here).
  std::string first = http_get(aegis.port(), "/split").header("x-chain-response").value_or("");
  EXPECT_EQ(first, bucket("127.0.0.1") < 30 ? "a" : "b");
  for (int k = 0; k < 3; ++k) EXPECT_EQ(http_get(aegis.port(), "/split").header("x-chain-response"), first);
}

TEST_F(Edge, RequestMethodAndBodyRewritesReachTheOrigin) {
  start(config(fn("rw", wasm("edge_rewrite_body")), route("/rw", "rw")));
  auto r = http_request(aegis.port(), "POST", "/rw/put", {{"x-new-method", "PUT"}, {"content-type", "text/plain"}},
                        "hello");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("x-original-length"), "5");
  auto r2 = http_request(aegis.port(), "POST", "/rw/post", {}, "0123456789");
  EXPECT_EQ(r2.status, 200);
  ASSERT_TRUE(origin.wait_for_requests(2));
  auto put = origin_entry(origin, "/rw/put");
  ASSERT_FALSE(put.is_null());
  EXPECT_EQ(put["method"], "PUT");
  EXPECT_EQ(put["body"], "rewritten(hello)");
  EXPECT_EQ(put["body_length"], 16);
  auto post = origin_entry(origin, "/rw/post");
  ASSERT_FALSE(post.is_null());
  EXPECT_EQ(post["method"], "POST");
  EXPECT_EQ(post["body"], "rewritten(0123456789)");
  // The access log keeps the method the client sent.
  EXPECT_TRUE(eventually([&] { return aegis.access_log_text().find("\"PUT\"") == std::string::npos &&
                                      aegis.access_log_text().find("/rw/put") != std::string::npos; }));
}

TEST_F(Edge, ResponseFunctionsRewriteTheBody) {
  start(config(fn("json", wasm("example_json_rewrite"), "    entry: handle_response\n    phase: response\n"),
               route("/json", "json") + route("/size/", "json")));
  auto r = http_get(aegis.port(), "/json?user=ada&password=hunter2&token=t0k");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("x-json-rewritten"), "1");
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["edge"]["node"], "aegis");
  EXPECT_EQ(body["user"], "ada");
  EXPECT_EQ(body["password"], "[redacted]");
  EXPECT_EQ(body["token"], "[redacted]");
  EXPECT_EQ(r.header("content-length"), std::to_string(r.body.size()));
  // Not JSON: passed through untouched.
  auto plain = http_get(aegis.port(), "/size/5000");
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body.size(), 5000u);
  EXPECT_FALSE(plain.has_header("x-json-rewritten"));
}

TEST_F(Edge, ClosedFailureInTheResponsePhaseReplacesTheWholeResponse) {
  start(config(fn("trap", wasm("edge_trap"), "    phase: response\n    on_error: closed\n"),
               route("/headers", "trap")));
  auto r = http_get(aegis.port(), "/headers?x-secret=1&set-cookie=a%3Db", {{"x-request-id", "req-resp-1"}});
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("edge function trap failed (trap)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("req-resp-1"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("headers set"), std::string::npos) << "the origin's body leaked";
  EXPECT_FALSE(r.has_header("x-secret"));
  EXPECT_FALSE(r.has_header("set-cookie"));
  EXPECT_FALSE(r.has_header("x-origin-port"));
  EXPECT_EQ(r.header("x-request-id"), "req-resp-1");
  EXPECT_EQ(r.header("content-type").value_or("").rfind("text/plain", 0), 0u);
  EXPECT_EQ(http_get(aegis.port(), "/other").status, 200);  // the worker keeps serving
}

TEST_F(Edge, EarlyTerminationsGetResponsePhaseProcessing) {
  start(config(fn("redirect", wasm("example_redirect")) +
                   fn("resp", wasm("example_header_inject"), "    entry: on_response\n    phase: response\n"),
               route("/old/", "redirect, resp")));
  auto r = http_get(aegis.port(), "/old/page");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("location"), "/new/page");
  EXPECT_EQ(r.header("x-edge-origin-status"), "301");
  EXPECT_TRUE(origin.targets().empty());
}

TEST_F(Edge, ExampleAbSplitKeepsAClientInItsVariant) {
  start(config(fn("ab", wasm("example_ab_split")), route("/", "ab")));
  // A new client gets a variant and a cookie for it.
  auto first = http_get(aegis.port(), "/ab/landing");
  ASSERT_EQ(first.status, 200);
  std::string variant = first.header("x-ab-variant").value_or("");
  ASSERT_TRUE(variant == "a" || variant == "b") << variant;
  EXPECT_EQ(first.header("set-cookie"), "ab=" + variant + "; Path=/; Max-Age=2592000");
  ASSERT_TRUE(origin.wait_for_requests(1));
  EXPECT_EQ(origin.targets().back(), "/" + variant + "/landing");
  EXPECT_EQ(origin_header(origin, "/" + variant + "/landing", "x-ab-variant"), variant);
  // With the cookie: always that variant, no new cookie.
  for (std::string v : {"a", "b"}) {
    for (int k = 0; k < 3; ++k) {
      auto r = http_get(aegis.port(), "/ab/page", {{"cookie", "other=1; ab=" + v}});
      EXPECT_EQ(r.header("x-ab-variant"), v);
      EXPECT_FALSE(r.has_header("set-cookie"));
    }
  }
  ASSERT_TRUE(origin.wait_for_requests(7));
  EXPECT_EQ(origin_header(origin, "/b/page", "x-ab-variant"), "b");
  // New clients are split between both variants (by request id).
  bool saw_a = false, saw_b = false;
  for (int i = 0; i < 40 && !(saw_a && saw_b); ++i) {
    auto r = http_get(aegis.port(), "/x", {{"x-request-id", "client-" + std::to_string(i)}});
    (r.header("x-ab-variant") == "a" ? saw_a : saw_b) = true;
  }
  EXPECT_TRUE(saw_a && saw_b);
}

TEST_F(Edge, ExampleFetchCacheFetchesOnceAndExpiresAfterTheTtl) {
  start(config(fn("fetch", wasm("example_fetch_cache"),
                  "    timeout: 5s\n    env:\n      UPSTREAM: \"http://127.0.0.1:{{ORIGIN_PORT}}\"\n"
                  "      STRIP_PREFIX: /cached\n"
                  "      TTL_SECONDS: \"1\"\n"),
               route("/cached/", "fetch")));
  auto miss = http_get(aegis.port(), "/cached/json?k=v");
  ASSERT_EQ(miss.status, 200) << miss.body;
  EXPECT_EQ(miss.header("x-fetch-cache"), "miss");
  EXPECT_EQ(miss.body, R"({"k":"v"})");
  EXPECT_EQ(miss.header("content-type"), "application/json");
  auto hit = http_get(aegis.port(), "/cached/json?k=v");
  EXPECT_EQ(hit.header("x-fetch-cache"), "hit");
  EXPECT_EQ(hit.body, R"({"k":"v"})");
  // The origin saw the one outbound fetch, never the proxied request itself.
  EXPECT_EQ(origin.targets(), std::vector<std::string>{"/json?k=v"});
  // After the TTL the next request fetches again.
  EXPECT_TRUE(eventually([&] { return http_get(aegis.port(), "/cached/json?k=v").header("x-fetch-cache") == "miss"; }));
  EXPECT_EQ(origin.targets().size(), 2u);
  auto missing = http_get(aegis.port(), "/cached/status/404");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(http_get(aegis.port(), "/cached/status/404").header("x-fetch-cache"), "miss");  // not cached
}

}  // namespace
