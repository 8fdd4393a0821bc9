// The HTTP cache end to end: the real `aegis serve` with the cache enabled in front of the real test origin
// (its /cache/ resource answers with the response headers the test asks for), over real sockets.
#include <signal.h>

#include <atomic>
#include <thread>

#include "cache_test_util.h"

using namespace aegis::test;
using namespace aegis::test::cache;

namespace {

const Params kFresh60{{"Cache-Control", "max-age=60"}};

TEST_F(CacheServe, MissThenHitWithAgeAndOneOriginRequest) {
  start();
  const std::string t = resource("basic", kFresh60);
  auto a = get(t);
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.header("x-cache"), "MISS");
  auto b = get(t);
  ASSERT_EQ(b.status, 200);
  EXPECT_EQ(b.header("x-cache"), "HIT");
  ASSERT_TRUE(b.header("age"));
  EXPECT_LE(std::stoi(*b.header("age")), 60);
  EXPECT_EQ(b.body, a.body);
  EXPECT_EQ(b.header("x-origin-seq"), a.header("x-origin-seq"));
  EXPECT_EQ(b.header("content-type"), "text/plain");
  EXPECT_EQ(origin_count(t), 1u);

  std::string m = metrics();
  EXPECT_EQ(metric_value(m, R"(cache_requests_total{status="hit"})"), 1);
  EXPECT_EQ(metric_value(m, R"(cache_requests_total{status="miss"})"), 1);
  EXPECT_EQ(metric_value(m, "cache_hit_ratio"), 0.5);
  EXPECT_GT(metric_value(m, "cache_bytes_stored").value_or(0), 0);
  EXPECT_TRUE(eventually([&] {
    std::string log = aegis.access_log_text();
    return log.find("\"HIT\"") != std::string::npos && log.find("\"MISS\"") != std::string::npos;
  })) << aegis.access_log_text();
}

TEST_F(CacheServe, CacheDisabledLeavesResponsesAlone) {
  start(cache_config("cache:\n  enabled: false\n"));
  const std::string t = resource("off", kFresh60);
  EXPECT_FALSE(get(t).has_header("x-cache"));
  get(t);
  EXPECT_EQ(origin_count(t), 2u);
}

TEST_F(CacheServe, NoStorePrivateSetCookieAndUncacheableStatusAreNotStored) {
  start();
  for (const auto& t : {resource("ns", {{"Cache-Control", "max-age=60, no-store"}}),
                        resource("pv", {{"Cache-Control", "max-age=60, private"}}),
                        resource("ck", {{"Cache-Control", "max-age=60"}, {"Set-Cookie", "sid=1"}}),
                        resource("st", {{"_status", "302"}, {"Location", "/x"}}),
                        resource("nf", {})}) {
    EXPECT_EQ(get(t).header("x-cache"), "MISS") << t;
    EXPECT_EQ(get(t).header("x-cache"), "MISS") << t;
    EXPECT_EQ(origin_count(t), 2u) << t;
  }
}

TEST_F(CacheServe, SMaxageWinsOverMaxAgeInASharedCache) {
  start();
  const std::string t = resource("smax", {{"Cache-Control", "max-age=0, s-maxage=60"}});
  get(t);
  EXPECT_EQ(get(t).header("x-cache"), "HIT");
  EXPECT_EQ(origin_count(t), 1u);
}

TEST_F(CacheServe, ExpiresGivesFreshnessAndAnInvalidExpiresDoesNot) {
  start();
  const std::string fresh = resource("exp", {{"Expires", "Thu, 01 Jan 2099 00:00:00 GMT"}});
  get(fresh);
  EXPECT_EQ(get(fresh).header("x-cache"), "HIT");
  const std::string bad = resource("expbad", {{"Expires", "0"}});
  get(bad);
  EXPECT_EQ(get(bad).header("x-cache"), "MISS");
  EXPECT_EQ(origin_count(bad), 2u);
}

TEST_F(CacheServe, HeuristicFreshnessFromLastModifiedAndRouteDefaultTtl) {
  start(cache_config("cache:\n  enabled: true\n",
                     "  - path_prefix: /cache/ttl\n    origin: origin\n    cache:\n      default_ttl: 1m\n"
                     "  - path_prefix: /\n    origin: origin\n"));
  const std::string lm = resource("lm", {{"Last-Modified", "Mon, 01 Jan 2001 00:00:00 GMT"}});
  get(lm);
  EXPECT_EQ(get(lm).header("x-cache"), "HIT");  // 10% of ~25 years, capped at a day
  const std::string plain = resource("plain");
  get(plain);
  EXPECT_EQ(get(plain).header("x-cache"), "MISS");  // no freshness, no validator
  const std::string ttl = resource("ttl");
  get(ttl);
  EXPECT_EQ(get(ttl).header("x-cache"), "HIT");
  EXPECT_EQ(origin_count(ttl), 1u);
  // An explicit max-age=0 is explicit freshness: the route's default does not apply.
  const std::string zero = resource("ttl0", {{"Cache-Control", "max-age=0"}});
  get(zero);
  EXPECT_EQ(get(zero).header("x-cache"), "MISS");
}

TEST_F(CacheServe, RequestNoCacheRevalidatesWithTheStoredETag) {
  start();
  const std::string t = resource("nc", {{"Cache-Control", "max-age=60"}, {"ETag", "\"v1\""}});
  auto a = get(t);
  auto b = get(t, {{"Cache-Control", "no-cache"}});
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.header("x-cache"), "REVALIDATED");
  EXPECT_EQ(b.body, a.body);  // the stored body, served after a 304
  auto reqs = origin_requests(t);
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(header_of(reqs[1], "if-none-match"), "\"v1\"");
  EXPECT_EQ(get(t, {{"Pragma", "no-cache"}}).header("x-cache"), "REVALIDATED");
  EXPECT_EQ(origin_count(t), 3u);
}

TEST_F(CacheServe, RevalidationByLastModifiedAndAChangedResponseReplacesTheEntry) {
  start();
  const std::string t = resource("lmr", {{"Cache-Control", "max-age=60"}, {"Last-Modified", "Mon, 01 Jan 2001 00:00:00 GMT"}});
  get(t);
  auto b = get(t, {{"Cache-Control", "no-cache"}});
  EXPECT_EQ(b.header("x-cache"), "REVALIDATED");
  auto reqs = origin_requests(t);
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(header_of(reqs[1], "if-modified-since"), "Mon, 01 Jan 2001 00:00:00 GMT");
  // Without validators a no-cache request is a full fetch whose response replaces the stored one.
  const std::string nv = resource("nv", kFresh60);
  get(nv);
  auto full = get(nv, {{"Cache-Control", "no-cache"}});
  EXPECT_EQ(full.header("x-cache"), "MISS");
  auto after = get(nv);
  EXPECT_EQ(after.header("x-cache"), "HIT");
  EXPECT_EQ(after.header("x-origin-seq"), full.header("x-origin-seq"));
}

TEST_F(CacheServe, ResponseNoCacheRevalidatesEveryTime) {
  start();
  const std::string t = resource("rnc", {{"Cache-Control", "no-cache, max-age=60"}, {"ETag", "\"n\""}});
  get(t);
  EXPECT_EQ(get(t).header("x-cache"), "REVALIDATED");
  EXPECT_EQ(get(t).header("x-cache"), "REVALIDATED");
  EXPECT_EQ(origin_count(t), 3u);
}

TEST_F(CacheServe, RequestMaxAgeAndMinFresh) {
  start();
  // Age: 30 from upstream: 30 s old, 30 s of freshness left.
  const std::string t = resource("ma", {{"Cache-Control", "max-age=60"}, {"Age", "30"}, {"ETag", "\"m\""}});
  get(t);
  EXPECT_EQ(get(t).header("x-cache"), "HIT");
  EXPECT_GE(std::stoi(get(t).header("age").value_or("0")), 30);
  EXPECT_EQ(get(t, {{"Cache-Control", "max-age=10"}}).header("x-cache"), "REVALIDATED");
  EXPECT_EQ(get(t, {{"Cache-Control", "max-age=100"}}).header("x-cache"), "HIT");
  EXPECT_EQ(get(t, {{"Cache-Control", "min-fresh=50"}}).header("x-cache"), "REVALIDATED");
  EXPECT_EQ(get(t, {{"Cache-Control", "min-fresh=5"}}).header("x-cache"), "HIT");
}

TEST_F(CacheServe, MaxStaleServesStaleUnlessMustRevalidate) {
  start();
  const std::string t = resource("stale", {{"Cache-Control", "max-age=60"}, {"Age", "100"}, {"ETag", "\"s\""}});
  get(t);
  EXPECT_EQ(get(t, {{"Cache-Control", "max-stale"}}).header("x-cache"), "STALE");
  EXPECT_EQ(get(t, {{"Cache-Control", "max-stale=100"}}).header("x-cache"), "STALE");
  EXPECT_EQ(get(t, {{"Cache-Control", "max-stale=10"}}).header("x-cache"), "REVALIDATED");
  EXPECT_EQ(get(t).header("x-cache"), "REVALIDATED");
  for (const char* d : {"must-revalidate", "proxy-revalidate"}) {
    const std::string mr =
        resource(std::string("mr-") + d, {{"Cache-Control", std::string("max-age=60, ") + d}, {"Age", "100"}, {"ETag", "\"s\""}});
    get(mr);
    EXPECT_EQ(get(mr, {{"Cache-Control", "max-stale"}}).header("x-cache"), "REVALIDATED") << d;
  }
}

TEST_F(CacheServe, OnlyIfCached) {
  start();
  const std::string t = resource("oic", kFresh60);
  auto miss = get(t, {{"Cache-Control", "only-if-cached"}});
  EXPECT_EQ(miss.status, 504);
  EXPECT_EQ(origin_count(t), 0u);
  get(t);
  auto hit = get(t, {{"Cache-Control", "only-if-cached"}});
  EXPECT_EQ(hit.status, 200);
  EXPECT_EQ(hit.header("x-cache"), "HIT");
}

TEST_F(CacheServe, VaryKeepsOneVariantPerRequestHeaderValue) {
  start();
  const std::string t = resource("vary", {{"Cache-Control", "max-age=60"}, {"Vary", "Accept-Language"}, {"_echo", "Accept-Language"}});
  auto en = get(t, {{"Accept-Language", "en"}});
  EXPECT_EQ(en.header("x-cache"), "MISS");
  EXPECT_NE(en.body.find("Accept-Language=en"), std::string::npos);
  auto de = get(t, {{"Accept-Language", "de"}});
  EXPECT_EQ(de.header("x-cache"), "MISS");
  EXPECT_NE(de.body.find("Accept-Language=de"), std::string::npos);
  auto en2 = get(t, {{"Accept-Language", "en"}});
  EXPECT_EQ(en2.header("x-cache"), "HIT");
  EXPECT_EQ(en2.body, en.body);
  auto de2 = get(t, {{"Accept-Language", "de"}});
  EXPECT_EQ(de2.header("x-cache"), "HIT");
  EXPECT_EQ(de2.body, de.body);
  EXPECT_EQ(get(t).header("x-cache"), "MISS");  // no Accept-Language is a variant of its own
  EXPECT_EQ(origin_count(t), 3u);
  // Vary: * is never served from the cache.
  const std::string star = resource("varystar", {{"Cache-Control", "max-age=60"}, {"Vary", "*"}});
  get(star);
  EXPECT_EQ(get(star).header("x-cache"), "MISS");
}

TEST_F(CacheServe, ClientConditionalsOnAHitAre304FromTheCache) {
  start();
  const std::string t = resource("cond", {{"Cache-Control", "max-age=60"}, {"ETag", "\"c1\""},
                                          {"Last-Modified", "Mon, 01 Jan 2001 00:00:00 GMT"}});
  get(t);
  auto inm = get(t, {{"If-None-Match", "W/\"c1\""}});
  EXPECT_EQ(inm.status, 304);
  EXPECT_EQ(inm.header("x-cache"), "HIT");
  EXPECT_EQ(inm.header("etag"), "\"c1\"");
  EXPECT_TRUE(inm.body.empty());
  auto other = get(t, {{"If-None-Match", "\"c2\""}});
  EXPECT_EQ(other.status, 200);
  auto ims = get(t, {{"If-Modified-Since", "Tue, 02 Jan 2001 00:00:00 GMT"}});
  EXPECT_EQ(ims.status, 304);
  auto older = get(t, {{"If-Modified-Since", "Sun, 31 Dec 2000 00:00:00 GMT"}});
  EXPECT_EQ(older.status, 200);
  EXPECT_EQ(origin_count(t), 1u);
  // On a miss the cache fetches the full response (no conditional upstream), stores it and answers the 304 itself.
  const std::string m = resource("cond-miss", {{"Cache-Control", "max-age=60"}, {"ETag", "\"m1\""}});
  auto first = get(m, {{"If-None-Match", "\"m1\""}});
  EXPECT_EQ(first.status, 304);
  ASSERT_EQ(origin_count(m), 1u);
  EXPECT_FALSE(header_of(origin_requests(m)[0], "if-none-match"));
  EXPECT_EQ(get(m).header("x-cache"), "HIT");
}

TEST_F(CacheServe, StaleWhileRevalidateServesStaleWhileOneRequestRevalidates) {
  start();
  const std::string t = resource("swr", {{"Cache-Control", "max-age=60, stale-while-revalidate=600"}, {"Age", "100"},
                                         {"ETag", "\"w\""}, {"_delay", "1500"}});
  get(t);
  ASSERT_EQ(origin_count(t), 1u);
  // One request revalidates (it waits for the slow origin); a concurrent one is answered stale at once.
  HttpResponse leader;
  std::thread th([&] { leader = get(t); });
  ASSERT_TRUE(eventually([&] { return origin_count(t) == 2; }));
  auto concurrent = get(t);
  EXPECT_EQ(concurrent.header("x-cache"), "STALE");
  th.join();
  EXPECT_EQ(leader.header("x-cache"), "REVALIDATED");
  EXPECT_EQ(header_of(origin_requests(t)[1], "if-none-match"), "\"w\"");
  EXPECT_EQ(origin_count(t), 2u);
}

TEST_F(CacheServe, StaleIfErrorWhenTheOriginAnswers5xx) {
  // ignore_query: the same cache key for a healthy and a failing variant of the resource.
  start(cache_config("cache:\n  enabled: true\n",
                     "  - path_prefix: /\n    origin: origin\n    cache:\n      ignore_query: true\n"));
  const std::string ok = resource("sie", {{"Cache-Control", "max-age=60, stale-if-error=600"}, {"Age", "100"}, {"ETag", "\"e\""}});
  auto a = get(ok);
  auto stale = get(resource("sie", {{"_status", "500"}}));
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.header("x-cache"), "STALE");
  EXPECT_EQ(stale.body, a.body);
  // Without stale-if-error the error is passed on.
  get(resource("nosie", {{"Cache-Control", "max-age=60"}, {"Age", "100"}, {"ETag", "\"e\""}}));
  EXPECT_EQ(get(resource("nosie", {{"_status", "503"}})).status, 503);
}

TEST_F(CacheServe, StaleIfErrorWhenTheOriginIsDown) {
  start();
  const std::string t = resource("down", {{"Cache-Control", "max-age=60, stale-if-error=600"}, {"Age", "100"}, {"ETag", "\"d\""}});
  auto a = get(t);
  const std::string nosie = resource("down2", {{"Cache-Control", "max-age=60"}, {"Age", "100"}, {"ETag", "\"d\""}});
  get(nosie);
  origin.process().signal(SIGKILL);
  origin.process().wait(std::chrono::seconds(5));
  auto b = get(t);
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.header("x-cache"), "STALE");
  EXPECT_EQ(b.body, a.body);
  EXPECT_EQ(get(nosie).status, 502);
}

TEST_F(CacheServe, UnsafeMethodsInvalidateTheTargetAndSameOriginLocation) {
  start(cache_config("cache:\n  enabled: true\n",
                     "  - path_prefix: /\n    origin: origin\n    cache:\n      ignore_query: true\n"));
  const std::string a = resource("inv-a", kFresh60);
  const std::string b = resource("inv-b", kFresh60);
  get(a);
  get(b);
  ASSERT_EQ(get(a).header("x-cache"), "HIT");
  auto post = request("POST", resource("inv-a", {{"Location", "/cache/inv-b"}}));
  EXPECT_EQ(post.header("x-cache"), "BYPASS");
  EXPECT_EQ(get(a).header("x-cache"), "MISS");
  EXPECT_EQ(get(b).header("x-cache"), "MISS");
  // An error response does not invalidate; other hosts in Location are not touched.
  ASSERT_EQ(get(a).header("x-cache"), "HIT");
  request("DELETE", resource("inv-a", {{"_status", "500"}}));
  EXPECT_EQ(get(a).header("x-cache"), "HIT");
  request("PUT", resource("inv-c", {{"Content-Location", "http://elsewhere.example/cache/inv-a"}}));
  EXPECT_EQ(get(a).header("x-cache"), "HIT");
  request("PATCH", resource("inv-a"));
  EXPECT_EQ(get(a).header("x-cache"), "MISS");
}

TEST_F(CacheServe, HeadIsServedFromACachedGet) {
  start();
  const std::string t = resource("head", {{"Cache-Control", "max-age=60"}, {"_size", "1234"}});
  get(t);
  RawClient c(aegis.port());
  c.send("HEAD " + t + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
  c.expect_head_response();
  auto r = c.read_responses(1);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_EQ(r.responses[0].status, 200);
  EXPECT_EQ(r.responses[0].header("x-cache"), "HIT");
  EXPECT_EQ(r.responses[0].header("content-length"), "1234");
  EXPECT_TRUE(r.responses[0].body.empty());
  ASSERT_EQ(origin_count(t), 1u);
  EXPECT_EQ(origin_requests(t)[0]["method"], "GET");
}

TEST_F(CacheServe, RangeRequestsFromACachedFullResponse) {
  start();
  const std::string t = resource("range", {{"Cache-Control", "max-age=60"}, {"_size", "100"}, {"ETag", "\"r\""}});
  // A Range on a miss: the full response is fetched and stored; the client gets its range.
  auto first = get(t, {{"Range", "bytes=0-9"}});
  EXPECT_EQ(first.status, 206);
  ASSERT_EQ(origin_count(t), 1u);
  EXPECT_FALSE(header_of(origin_requests(t)[0], "range"));
  auto full = get(t);
  ASSERT_EQ(full.status, 200);
  ASSERT_EQ(full.body.size(), 100u);
  EXPECT_EQ(first.body, full.body.substr(0, 10));
  auto mid = get(t, {{"Range", "bytes=10-19"}});
  EXPECT_EQ(mid.status, 206);
  EXPECT_EQ(mid.header("x-cache"), "HIT");
  EXPECT_EQ(mid.header("content-range"), "bytes 10-19/100");
  EXPECT_EQ(mid.body, full.body.substr(10, 10));
  auto suffix = get(t, {{"Range", "bytes=-5"}});
  EXPECT_EQ(suffix.body, full.body.substr(95));
  auto bad = get(t, {{"Range", "bytes=200-"}});
  EXPECT_EQ(bad.status, 416);
  EXPECT_EQ(bad.header("content-range"), "bytes */100");
  auto if_range_miss = get(t, {{"Range", "bytes=0-1"}, {"If-Range", "\"other\""}});
  EXPECT_EQ(if_range_miss.status, 200);
  EXPECT_EQ(if_range_miss.body.size(), 100u);
  EXPECT_EQ(origin_count(t), 1u);
}

TEST_F(CacheServe, ConcurrentMissesAreCollapsedIntoOneOriginRequest) {
  start();
  const std::string t = resource("collapse", {{"Cache-Control", "max-age=60"}, {"_delay", "1000"}});
  constexpr int kN = 8;
  std::vector<HttpResponse> out(kN);
  std::vector<std::thread> threads;
  for (int i = 0; i < kN; ++i) threads.emplace_back([&, i] { out[static_cast<std::size_t>(i)] = get(t); });
  for (auto& th : threads) th.join();
  for (const auto& r : out) {
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, out[0].body);
  }
  EXPECT_EQ(origin_count(t), 1u);
  EXPECT_EQ(metric_value(metrics(), "cache_collapsed_requests_total"), kN - 1);
}

TEST_F(CacheServe, CollapsedRequestsGoToTheOriginWhenTheResponseIsNotStorable) {
  start();
  const std::string t = resource("nocollapse", {{"Cache-Control", "no-store"}, {"_delay", "500"}});
  constexpr int kN = 4;
  std::vector<HttpResponse> out(kN);
  std::vector<std::thread> threads;
  for (int i = 0; i < kN; ++i) threads.emplace_back([&, i] { out[static_cast<std::size_t>(i)] = get(t); });
  for (auto& th : threads) th.join();
  for (const auto& r : out) EXPECT_EQ(r.status, 200);
  EXPECT_EQ(origin_count(t), static_cast<std::size_t>(kN));
}

TEST_F(CacheServe, PurgeByUrlPrefixTagAndFlush) {
  start();
  auto host = [] { return std::string("http://LocalHost:80"); };  // the test client sends Host: localhost
  const std::string a = resource("p/a", {{"Cache-Control", "max-age=60"}, {"Surrogate-Key", "red shared"}});
  const std::string b = resource("p/b", {{"Cache-Control", "max-age=60"}, {"Surrogate-Key", "blue shared"}});
  const std::string c = resource("q/c", {{"Cache-Control", "max-age=60"}, {"Surrogate-Key", "green"}});
  auto fill = [&] {
    for (const auto& t : {a, b, c}) get(t);
    for (const auto& t : {a, b, c}) ASSERT_EQ(get(t).header("x-cache"), "HIT") << t;
  };
  fill();
  auto r = admin("POST", "/cache/purge?url=" + encode(host() + a));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"purged\":1"), std::string::npos) << r.body;
  EXPECT_EQ(get(a).header("x-cache"), "MISS");
  EXPECT_EQ(get(b).header("x-cache"), "HIT");

  fill();
  r = admin("POST", "/cache/purge?prefix=" + encode(host() + "/cache/p/"));
  EXPECT_NE(r.body.find("\"purged\":2"), std::string::npos) << r.body;
  EXPECT_EQ(get(a).header("x-cache"), "MISS");
  EXPECT_EQ(get(b).header("x-cache"), "MISS");
  EXPECT_EQ(get(c).header("x-cache"), "HIT");

  fill();
  r = admin("POST", "/cache/purge?tag=shared");
  EXPECT_NE(r.body.find("\"purged\":2"), std::string::npos) << r.body;
  EXPECT_EQ(get(a).header("x-cache"), "MISS");
  EXPECT_EQ(get(b).header("x-cache"), "MISS");
  EXPECT_EQ(get(c).header("x-cache"), "HIT");

  fill();
  r = admin("POST", "/cache/flush");
  EXPECT_NE(r.body.find("\"purged\":3"), std::string::npos) << r.body;
  for (const auto& t : {a, b, c}) EXPECT_EQ(get(t).header("x-cache"), "MISS");

  EXPECT_EQ(admin("POST", "/cache/purge").status, 400);
  EXPECT_EQ(admin("POST", "/cache/purge?url=not-a-url").status, 400);
  std::string m = metrics();
  EXPECT_EQ(metric_value(m, R"(cache_purges_total{method="tag"})"), 1);
  EXPECT_EQ(metric_value(m, R"(cache_purges_total{method="flush"})"), 1);
}

TEST_F(CacheServe, BypassRouteIgnoreQueryAndKeyHeaders) {
  start(cache_config("cache:\n  enabled: true\n",
                     "  - path_prefix: /cache/bypass\n    origin: origin\n    cache:\n      bypass: true\n"
                     "  - path_prefix: /cache/iq\n    origin: origin\n    cache:\n      ignore_query: true\n"
                     "  - path_prefix: /cache/kh\n    origin: origin\n    cache:\n      key_headers: [X-Device]\n"
                     "      key_cookies: [lang]\n"
                     "  - path_prefix: /\n    origin: origin\n"));
  const std::string by = resource("bypass", kFresh60);
  EXPECT_EQ(get(by).header("x-cache"), "BYPASS");
  EXPECT_EQ(get(by).header("x-cache"), "BYPASS");
  EXPECT_EQ(origin_count(by), 2u);

  get(resource("iq", {{"Cache-Control", "max-age=60"}, {"v", "1"}}));
  auto iq = get(resource("iq", {{"Cache-Control", "max-age=60"}, {"v", "2"}}));
  EXPECT_EQ(iq.header("x-cache"), "HIT");

  const std::string kh = resource("kh", kFresh60);
  EXPECT_EQ(get(kh, {{"X-Device", "mobile"}}).header("x-cache"), "MISS");
  EXPECT_EQ(get(kh, {{"X-Device", "desktop"}}).header("x-cache"), "MISS");
  EXPECT_EQ(get(kh, {{"X-Device", "mobile"}}).header("x-cache"), "HIT");
  EXPECT_EQ(get(kh, {{"X-Device", "mobile"}, {"Cookie", "lang=de; sid=1"}}).header("x-cache"), "MISS");
  EXPECT_EQ(get(kh, {{"X-Device", "mobile"}, {"Cookie", "sid=2; lang=de"}}).header("x-cache"), "HIT");
  EXPECT_EQ(metric_value(metrics(), R"(cache_requests_total{status="bypass"})"), 2);
}

TEST_F(CacheServe, AuthorizationRequestsNeedPublicOrSMaxage) {
  start();
  const std::string priv = resource("auth", kFresh60);
  get(priv, {{"Authorization", "Bearer a"}});
  EXPECT_EQ(get(priv, {{"Authorization", "Bearer a"}}).header("x-cache"), "MISS");
  const std::string pub = resource("authpub", {{"Cache-Control", "max-age=60, public"}});
  get(pub, {{"Authorization", "Bearer a"}});
  EXPECT_EQ(get(pub, {{"Authorization", "Bearer b"}}).header("x-cache"), "HIT");
}

TEST_F(CacheServe, EvictionsKeepTheStoreWithinItsBudget) {
  start(cache_config("cache:\n  enabled: true\n  memory_size: 64KiB\n  shards: 1\n  max_object_size: 16KiB\n"));
  for (int i = 0; i < 12; ++i) get(resource("ev" + std::to_string(i), {{"Cache-Control", "max-age=60"}, {"_size", "10000"}}));
  std::string m = metrics();
  EXPECT_GT(metric_value(m, "cache_evictions_total").value_or(0), 0);
  EXPECT_LE(metric_value(m, "cache_bytes_stored").value_or(1e9), 64 * 1024);
  // The most recent object is still there, the first was evicted.
  EXPECT_EQ(get(resource("ev11", {{"Cache-Control", "max-age=60"}, {"_size", "10000"}})).header("x-cache"), "HIT");
  EXPECT_EQ(get(resource("ev0", {{"Cache-Control", "max-age=60"}, {"_size", "10000"}})).header("x-cache"), "MISS");
  // Larger than max_object_size: streamed through, not stored.
  const std::string big = resource("big", {{"Cache-Control", "max-age=60"}, {"_size", "20000"}});
  EXPECT_EQ(get(big).body.size(), 20000u);
  EXPECT_EQ(get(big).header("x-cache"), "MISS");
}

TEST_F(CacheServe, SurrogateControlTargetedAtThisCacheTakesPrecedenceAndIsNotForwarded) {
  start();
  // max-age in Surrogate-Control makes it storable despite Cache-Control: no-store (which still goes to the client).
  const std::string sc = resource("sc", {{"Cache-Control", "no-store"}, {"Surrogate-Control", "max-age=60"}});
  auto a = get(sc);
  EXPECT_EQ(a.header("x-cache"), "MISS");
  EXPECT_FALSE(a.has_header("surrogate-control"));
  EXPECT_EQ(a.header("cache-control"), "no-store");
  auto b = get(sc);
  EXPECT_EQ(b.header("x-cache"), "HIT");
  EXPECT_FALSE(b.has_header("surrogate-control"));
  auto reqs = origin_requests(sc);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(header_of(reqs[0], "surrogate-capability"), "aegis=\"Surrogate/1.0\"");
  // Targeted at this device by its token: applies; at another one: ignored (Cache-Control decides: no-store).
  const std::string me = resource("scme", {{"Cache-Control", "no-store"}, {"Surrogate-Control", "max-age=60;aegis"}});
  get(me);
  EXPECT_EQ(get(me).header("x-cache"), "HIT");
  const std::string other = resource("scother", {{"Cache-Control", "no-store"}, {"Surrogate-Control", "max-age=60;cdn2"}});
  get(other);
  EXPECT_EQ(get(other).header("x-cache"), "MISS");
  // no-store in Surrogate-Control wins over a fresh Cache-Control; a short surrogate max-age over a long one.
  const std::string ns = resource("scns", {{"Cache-Control", "max-age=60"}, {"Surrogate-Control", "no-store"}});
  get(ns);
  EXPECT_EQ(get(ns).header("x-cache"), "MISS");
  const std::string zero = resource("sczero", {{"Cache-Control", "max-age=60"}, {"Surrogate-Control", "max-age=0"}});
  get(zero);
  EXPECT_EQ(get(zero).header("x-cache"), "MISS");
  // A downstream surrogate's capabilities are kept; this cache appends its own.
  const std::string chain = resource("scchain", kFresh60);
  get(chain, {{"Surrogate-Capability", "edge1=\"Surrogate/1.0\""}});
  reqs = origin_requests(chain);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(header_of(reqs[0], "surrogate-capability"), "edge1=\"Surrogate/1.0\", aegis=\"Surrogate/1.0\"");
}

TEST_F(CacheServe, SurrogateControlIgnoredWithoutADeviceToken) {
  start(cache_config("cache:\n  enabled: true\n  surrogate_device: \"\"\n"));
  const std::string sc = resource("scoff", {{"Cache-Control", "no-store"}, {"Surrogate-Control", "max-age=60"}});
  auto a = get(sc);
  EXPECT_EQ(a.header("surrogate-control"), "max-age=60");
  EXPECT_EQ(get(sc).header("x-cache"), "MISS");
  auto reqs = origin_requests(sc);
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_FALSE(header_of(reqs[0], "surrogate-capability"));
}

TEST_F(CacheServe, A204WithExplicitFreshnessIsStored) {
  start();
  const std::string t = resource("nocontent", {{"Cache-Control", "max-age=60"}, {"_status", "204"}});
  auto a = get(t);
  EXPECT_EQ(a.status, 204);
  EXPECT_EQ(a.header("x-cache"), "MISS");
  auto b = get(t);
  EXPECT_EQ(b.status, 204);
  EXPECT_EQ(b.header("x-cache"), "HIT");
  EXPECT_TRUE(b.body.empty());
  EXPECT_EQ(origin_count(t), 1u);
}

TEST_F(CacheServe, A304NamingAnotherETagDoesNotUpdateTheStoredResponseNorReachTheClient) {
  start();
  // The stored response has ETag "one"; the origin's 304 to If-None-Match: "one" says ETag "two" (§4.3.4: it must
  // not update "one"). The client, whose request was not conditional, gets the stored 200, unchanged.
  const std::string t = resource("etag304", {{"Cache-Control", "max-age=60"}, {"ETag", "\"one\""},
                                             {"X-Version", "1"}, {"_304etag", "\"two\""}});
  auto a = get(t);
  ASSERT_EQ(a.status, 200);
  auto b = get(t, {{"Cache-Control", "no-cache"}});
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.header("x-cache"), "REVALIDATED");
  EXPECT_EQ(b.header("etag"), "\"one\"");
  EXPECT_EQ(b.body, a.body);
  auto reqs = origin_requests(t);
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(header_of(reqs[1], "if-none-match"), "\"one\"");
  auto c = get(t);
  EXPECT_EQ(c.header("x-cache"), "HIT");
  EXPECT_EQ(c.header("etag"), "\"one\"");
}

}  // namespace
