// The response-body part of the phase contract: buffering on request (response_body_limit), body replacement in
// response_filter (buffered, streamed, local and 304 responses), the reverse order of response filters, method
// rewrite, and per-request phase state — through real sockets and the real origin process.
#include <string>

#include "proxy/phase.h"
#include "proxy_test_util.h"
#include "support/origin_process.h"

namespace aegis::test {
namespace {

using nlohmann::json;
using proxy::Flow;
using proxy::Phase;
using proxy::RequestContext;
using proxy::Resume;

struct Seen : proxy::PhaseState {
  std::string marker;
};

// Driven by request headers:
//   X-Want: N       ask for up to N body bytes; response_filter reports what it saw in X-Seen
//   X-Replace: T    replace the body with T (whether or not it was buffered)
//   X-Method: M     forward the request with method M
//   X-Revive: 1     turn a 304 from the origin into a 200 carrying a body
//   X-Local: 1      answer locally with "local body"
class BodyPhase : public Phase {
 public:
  std::string_view name() const override { return "body"; }
  Flow request_filter(RequestContext& ctx, const Resume&) override {
    ctx.phase_state.emplace<Seen>(this).marker = std::string(ctx.request.target);
    if (auto m = ctx.request.headers->get("x-method")) ctx.new_method = std::string(*m);
    if (ctx.request.headers->get("x-local")) {
      proxy::LocalResponse r;
      r.body = "local body";
      r.headers.emplace_back("Content-Length", "10");
      ctx.local_response = std::move(r);
      return Flow::kRespond;
    }
    return Flow::kContinue;
  }
  std::size_t response_body_limit(const RequestContext& ctx) const override {
    auto w = ctx.request.headers->get("x-want");
    return w ? std::stoul(std::string(*w)) : 0;
  }
  void response_filter(RequestContext& ctx) override {
    auto* st = ctx.phase_state.get<Seen>(this);
    ctx.response.headers->set("X-State", st ? st->marker : "none");
    ctx.response.headers->set("X-Seen", ctx.response_body_buffered
                                            ? "buffered:" + std::to_string(ctx.response_body.size())
                                            : std::string("streamed"));
    if (ctx.request.headers->get("x-revive") && ctx.response.status == 304) {
      ctx.response.status = 200;
      ctx.response_body = "revived";
      ctx.response_body_buffered = true;
    }
    if (auto t = ctx.request.headers->get("x-replace")) {
      ctx.response_body = std::string(*t);
      ctx.response_body_buffered = true;
    }
  }
};

// Records the order response filters run in.
class OrderPhase : public Phase {
 public:
  explicit OrderPhase(std::string tag) : tag_(std::move(tag)) {}
  std::string_view name() const override { return tag_; }
  void response_filter(RequestContext& ctx) override { ctx.response.headers->add("X-Order", tag_); }

 private:
  std::string tag_;
};

server::Server::Options options() {
  server::Server::Options o;
  o.make_phases = [](unsigned) {
    return std::vector<std::shared_ptr<Phase>>{std::make_shared<OrderPhase>("first"), std::make_shared<BodyPhase>(),
                                               std::make_shared<OrderPhase>("last")};
  };
  return o;
}

class ResponseBodyTest : public ::testing::Test {
 protected:
  OriginProcess origin;
  Proxy proxy{proxy_config(origin.port(), 1), options()};

  HttpResponse get(const std::string& target, std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Host", "a");
    return http_request(proxy.port(), "GET", target, headers);
  }
};

TEST_F(ResponseBodyTest, BufferedBodyIsSeenAndReplacedWithAFreshLength) {
  for (std::string path : {"/size/3000", "/chunked/3000"}) {
    auto seen = get(path, {{"X-Want", "100000"}});
    EXPECT_EQ(seen.header("x-seen"), "buffered:3000") << path;
    EXPECT_EQ(seen.body.size(), 3000u);
    auto res = get(path, {{"X-Want", "100000"}, {"X-Replace", "short"}});
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body, "short") << path;
    EXPECT_EQ(res.header("content-length"), "5");
    EXPECT_FALSE(res.has_header("transfer-encoding"));
  }
}

TEST_F(ResponseBodyTest, LargerThanAskedIsStreamedWhole) {
  auto by_length = get("/size/5000", {{"X-Want", "100"}});   // Content-Length says too large: not read first
  EXPECT_EQ(by_length.header("x-seen"), "streamed");
  EXPECT_EQ(by_length.body.size(), 5000u);
  auto chunked = get("/chunked/50000", {{"X-Want", "100"}});  // found out while reading: prefix + rest streamed
  EXPECT_EQ(chunked.header("x-seen"), "streamed");
  EXPECT_EQ(chunked.body.size(), 50000u);
  auto direct = get("/chunked/50000");
  EXPECT_EQ(chunked.body, direct.body);
}

TEST_F(ResponseBodyTest, ReplacingAStreamedBodyKeepsTheConnectionUsable) {
  RawClient c(proxy.port());
  c.send("GET /size/20000 HTTP/1.1\r\nHost: a\r\nX-Replace: gone\r\n\r\n"
         "GET /size/7 HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = c.read_responses(2);
  ASSERT_EQ(r.responses.size(), 2u) << r.raw;
  EXPECT_EQ(r.responses[0].body, "gone");
  EXPECT_EQ(r.responses[0].header("content-length"), "4");
  EXPECT_EQ(r.responses[1].body.size(), 7u);
  // Both requests reached the origin; the origin's unread body did not leak into the second response.
  EXPECT_EQ(origin.targets(), (std::vector<std::string>{"/size/20000", "/size/7"}));
}

TEST_F(ResponseBodyTest, NotModifiedCanBecomeAFullResponse) {
  auto plain = get("/status/304");
  EXPECT_EQ(plain.status, 304);
  EXPECT_TRUE(plain.body.empty());
  auto revived = get("/status/304", {{"X-Revive", "1"}});
  EXPECT_EQ(revived.status, 200);
  EXPECT_EQ(revived.body, "revived");
  EXPECT_EQ(revived.header("content-length"), "7");
}

TEST_F(ResponseBodyTest, LocalResponsesGoThroughResponseFiltersWithTheirBody) {
  auto local = get("/anything", {{"X-Local", "1"}});
  EXPECT_EQ(local.body, "local body");
  EXPECT_EQ(local.header("x-seen"), "buffered:10");
  auto replaced = get("/anything", {{"X-Local", "1"}, {"X-Replace", "other"}});
  EXPECT_EQ(replaced.body, "other");
  EXPECT_EQ(replaced.header("content-length"), "5");
  // HEAD: no body, the Content-Length of the body a GET would get.
  auto head = http_request(proxy.port(), "HEAD", "/anything", {{"Host", "a"}, {"X-Local", "1"}});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "10");
  EXPECT_TRUE(head.body.empty());
  EXPECT_TRUE(origin.targets().empty());
}

TEST_F(ResponseBodyTest, ResponseFiltersRunInReverseOrder) {
  RawClient c(proxy.port());
  c.send("GET /size/1 HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = c.read_responses(1);
  ASSERT_EQ(r.responses.size(), 1u);
  auto pos_last = r.raw.find("X-Order: last");
  auto pos_first = r.raw.find("X-Order: first");
  ASSERT_NE(pos_last, std::string::npos) << r.raw;
  ASSERT_NE(pos_first, std::string::npos) << r.raw;
  EXPECT_LT(pos_last, pos_first);
}

TEST_F(ResponseBodyTest, MethodRewriteReachesTheOriginAndPhaseStateFollowsTheRequest) {
  auto res = get("/echo?q=1", {{"X-Method", "PATCH"}});
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(json::parse(res.body)["method"], "PATCH");
  EXPECT_EQ(res.header("x-state"), "/echo?q=1");
}

}  // namespace
}  // namespace aegis::test
