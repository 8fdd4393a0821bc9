// RFC 9111 policy (src/cache/policy.h), header grammar (http_fields.h), keys (key.h) and entry serialization
// (entry.h): one behaviour per test.
#include "cache/policy.h"

#include <gtest/gtest.h>

#include "cache/entry.h"
#include "cache/key.h"

namespace aegis::cache {
namespace {

using namespace std::chrono_literals;

const WallClock::time_point kT0 = WallClock::from_time_t(1700000000);

Storability store(int status, Headers res, Headers req = {}, std::string_view method = "GET",
                  PolicyOptions opts = {}) {
  return storable(method, req, status, res, opts);
}

// ---- grammar ----

TEST(CacheControlParse, DirectivesAndArguments) {
  auto cc = parse_cache_control("public, max-age=60, s-maxage=\"30\", No-Cache, stale-while-revalidate=5");
  EXPECT_TRUE(cc.public_);
  EXPECT_TRUE(cc.no_cache);
  EXPECT_EQ(cc.max_age, 60);
  EXPECT_EQ(cc.s_maxage, 30);
  EXPECT_EQ(cc.stale_while_revalidate, 5);
  EXPECT_FALSE(cc.no_store);
}

TEST(CacheControlParse, InvalidOrDuplicateMaxAgeIsZero) {
  EXPECT_EQ(parse_cache_control("max-age=abc").max_age, 0);
  EXPECT_EQ(parse_cache_control("max-age=60, max-age=120").max_age, 0);
  EXPECT_EQ(parse_cache_control("max-age=99999999999").max_age, 2147483648);
}

TEST(CacheControlParse, MaxStaleWithAndWithoutValue) {
  auto a = parse_cache_control("max-stale");
  EXPECT_TRUE(a.max_stale);
  EXPECT_FALSE(a.max_stale_value);
  auto b = parse_cache_control("max-stale=10");
  EXPECT_EQ(b.max_stale_value, 10);
}

TEST(HttpDate, ThreeFormatsAndRoundTrip) {
  auto imf = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
  ASSERT_TRUE(imf);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), imf);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), imf);
  EXPECT_EQ(format_http_date(*imf), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_FALSE(parse_http_date("0"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
}

TEST(Etag, WeakAndStrongComparison) {
  EXPECT_TRUE(etag_weak_equal("W/\"a\"", "\"a\""));
  EXPECT_FALSE(etag_strong_equal("W/\"a\"", "\"a\""));
  EXPECT_TRUE(etag_strong_equal("\"a\"", "\"a\""));
  EXPECT_FALSE(etag_weak_equal("\"a\"", "\"b\""));
}

// ---- storability ----

TEST(Storable, ExplicitFreshnessOrDefaultCacheableStatus) {
  EXPECT_TRUE(store(200, {{"Cache-Control", "max-age=60"}}).ok);
  EXPECT_TRUE(store(302, {{"Cache-Control", "max-age=60"}}).ok);
  EXPECT_FALSE(store(302, {}).ok);  // not cacheable by default, no explicit freshness
  EXPECT_FALSE(store(200, {}).ok);  // default cacheable but never fresh and no validator: useless
  EXPECT_TRUE(store(200, {{"ETag", "\"x\""}}).ok);  // zero freshness but revalidatable
  EXPECT_TRUE(store(404, {{"Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"}}).ok);
  EXPECT_FALSE(store(500, {{"ETag", "\"x\""}}).ok);
  EXPECT_TRUE(store(500, {{"Cache-Control", "max-age=5"}}).ok);
  EXPECT_TRUE(store(200, {{"Expires", "Sun, 06 Nov 2094 08:49:37 GMT"}}).ok);
}

TEST(Storable, DefaultTtlMakesResponsesWithoutFreshnessStorable) {
  PolicyOptions o;
  o.default_ttl = 30s;
  EXPECT_TRUE(store(200, {}, {}, "GET", o).ok);
  EXPECT_FALSE(store(302, {}, {}, "GET", o).ok);
}

TEST(Storable, OnlyGetAndNoPartialOrNotModified) {
  Headers h{{"Cache-Control", "max-age=60"}};
  EXPECT_FALSE(store(200, h, {}, "POST").ok);
  EXPECT_FALSE(store(200, h, {}, "HEAD").ok);
  EXPECT_FALSE(store(206, h).ok);
  EXPECT_FALSE(store(304, h).ok);
}

TEST(Storable, NoStorePrivateAndRequestNoStore) {
  EXPECT_FALSE(store(200, {{"Cache-Control", "max-age=60, no-store"}}).ok);
  EXPECT_FALSE(store(200, {{"Cache-Control", "max-age=60, private"}}).ok);
  EXPECT_FALSE(store(200, {{"Cache-Control", "max-age=60, private=\"x-user\""}}).ok);
  EXPECT_FALSE(store(200, {{"Cache-Control", "max-age=60"}}, {{"Cache-Control", "no-store"}}).ok);
}

TEST(Storable, MustUnderstandOverridesNoStoreForKnownStatus) {
  EXPECT_TRUE(store(200, {{"Cache-Control", "max-age=60, no-store, must-understand"}}).ok);
  EXPECT_FALSE(store(299, {{"Cache-Control", "max-age=60, no-store, must-understand"}}).ok);
}

TEST(Storable, AuthorizationNeedsPublicMustRevalidateOrSMaxage) {
  Headers auth{{"Authorization", "Bearer x"}};
  EXPECT_FALSE(store(200, {{"Cache-Control", "max-age=60"}}, auth).ok);
  EXPECT_TRUE(store(200, {{"Cache-Control", "max-age=60, public"}}, auth).ok);
  EXPECT_TRUE(store(200, {{"Cache-Control", "max-age=60, must-revalidate"}}, auth).ok);
  EXPECT_TRUE(store(200, {{"Cache-Control", "s-maxage=60"}}, auth).ok);
}

TEST(Storable, VaryStarAndSetCookie) {
  EXPECT_FALSE(store(200, {{"Cache-Control", "max-age=60"}, {"Vary", "Accept, *"}}).ok);
  EXPECT_FALSE(store(200, {{"Cache-Control", "max-age=60"}, {"Set-Cookie", "a=b"}}).ok);
  EXPECT_TRUE(store(200, {{"Cache-Control", "max-age=60, public"}, {"Set-Cookie", "a=b"}}).ok);
}

// ---- freshness and age ----

TEST(Freshness, SMaxageBeatsMaxAgeBeatsExpires) {
  PolicyOptions o;
  Headers h{{"Cache-Control", "max-age=60, s-maxage=10"}, {"Expires", format_http_date(kT0 + 1000s)},
            {"Date", format_http_date(kT0)}};
  EXPECT_EQ(freshness_lifetime(200, h, kT0, o), 10s);
  h[0].second = "max-age=60";
  EXPECT_EQ(freshness_lifetime(200, h, kT0, o), 60s);
  h.erase(h.begin());
  EXPECT_EQ(freshness_lifetime(200, h, kT0, o), 1000s);
}

TEST(Freshness, ExpiresWithoutDateUsesResponseTimeAndInvalidIsExpired) {
  PolicyOptions o;
  EXPECT_EQ(freshness_lifetime(200, {{"Expires", format_http_date(kT0 + 100s)}}, kT0, o), 100s);
  EXPECT_EQ(freshness_lifetime(200, {{"Expires", "0"}, {"Last-Modified", format_http_date(kT0 - 1000s)}}, kT0, o),
            0s);
}

TEST(Freshness, HeuristicOnlyForDefaultCacheableStatus) {
  PolicyOptions o;
  Headers h{{"Date", format_http_date(kT0)}, {"Last-Modified", format_http_date(kT0 - 1000s)}};
  EXPECT_EQ(freshness_lifetime(200, h, kT0, o), 100s);
  EXPECT_EQ(freshness_lifetime(302, h, kT0, o), 0s);
  o.heuristic_max = 50s;
  EXPECT_EQ(freshness_lifetime(200, h, kT0, o), 50s);
  o.default_ttl = 7s;
  EXPECT_EQ(freshness_lifetime(200, h, kT0, o), 7s);
}

TEST(Age, CorrectedInitialAgePlusResidentTime) {
  // Origin says Age: 10; the exchange took 2 s; 5 s in the cache since.
  Headers h{{"Age", "10"}, {"Date", format_http_date(kT0)}};
  EXPECT_EQ(current_age(h, kT0 - 2s, kT0, kT0 + 5s), 17s);
  // Apparent age from a Date in the past wins when larger.
  Headers old{{"Date", format_http_date(kT0 - 30s)}};
  EXPECT_EQ(current_age(old, kT0, kT0, kT0 + 1s), 31s);
  EXPECT_EQ(current_age({}, kT0, kT0, kT0), 0s);
  // An Age that is not exactly one non-negative integer makes the response stale rather than fresh.
  for (const char* bad : {"abc", "-7200", "7200.0", "7200;foo=bar", "1, 2", ""})
    EXPECT_EQ(current_age({{"Age", bad}}, kT0, kT0, kT0), 2147483648s) << bad;
  EXPECT_EQ(current_age({{"Age", "3"}, {"Age", "3"}}, kT0, kT0, kT0), 2147483648s);
  EXPECT_EQ(current_age({{"Age", " 42 "}}, kT0, kT0, kT0), 42s);
}

// ---- use of a stored response ----

TEST(Evaluate, FreshAndStale) {
  EXPECT_EQ(evaluate({}, {}, 60s, 10s), Use::kFresh);
  EXPECT_EQ(evaluate({}, {}, 60s, 60s), Use::kRevalidate);
}

TEST(Evaluate, RequestNoCacheAndPragma) {
  EXPECT_EQ(evaluate({{"Cache-Control", "no-cache"}}, {}, 60s, 1s), Use::kRevalidate);
  EXPECT_EQ(evaluate({{"Pragma", "no-cache"}}, {}, 60s, 1s), Use::kRevalidate);
  EXPECT_EQ(evaluate({{"Pragma", "no-cache"}, {"Cache-Control", "max-age=100"}}, {}, 60s, 1s), Use::kFresh);
}

TEST(Evaluate, ResponseNoCacheAlwaysRevalidates) {
  EXPECT_EQ(evaluate({}, {{"Cache-Control", "no-cache, max-age=60"}}, 60s, 1s), Use::kRevalidate);
}

TEST(Evaluate, RequestMaxAgeAndMinFresh) {
  EXPECT_EQ(evaluate({{"Cache-Control", "max-age=5"}}, {}, 60s, 10s), Use::kRevalidate);
  EXPECT_EQ(evaluate({{"Cache-Control", "max-age=20"}}, {}, 60s, 10s), Use::kFresh);
  EXPECT_EQ(evaluate({{"Cache-Control", "min-fresh=55"}}, {}, 60s, 10s), Use::kRevalidate);
  EXPECT_EQ(evaluate({{"Cache-Control", "min-fresh=40"}}, {}, 60s, 10s), Use::kFresh);
}

TEST(Evaluate, MaxStale) {
  EXPECT_EQ(evaluate({{"Cache-Control", "max-stale"}}, {}, 60s, 1000s), Use::kStale);
  EXPECT_EQ(evaluate({{"Cache-Control", "max-stale=10"}}, {}, 60s, 65s), Use::kStale);
  EXPECT_EQ(evaluate({{"Cache-Control", "max-stale=10"}}, {}, 60s, 75s), Use::kRevalidate);
}

TEST(Evaluate, MustRevalidateProxyRevalidateSMaxageForbidStale) {
  Headers req{{"Cache-Control", "max-stale"}};
  EXPECT_EQ(evaluate(req, {{"Cache-Control", "max-age=60, must-revalidate"}}, 60s, 70s), Use::kRevalidate);
  EXPECT_EQ(evaluate(req, {{"Cache-Control", "max-age=60, proxy-revalidate"}}, 60s, 70s), Use::kRevalidate);
  EXPECT_EQ(evaluate(req, {{"Cache-Control", "s-maxage=60"}}, 60s, 70s), Use::kRevalidate);
  EXPECT_EQ(evaluate({}, {{"Cache-Control", "max-age=60, must-revalidate"}}, 60s, 10s), Use::kFresh);
}

TEST(Evaluate, StaleWhileRevalidateWindow) {
  Headers res{{"Cache-Control", "max-age=60, stale-while-revalidate=30"}};
  EXPECT_EQ(evaluate({}, res, 60s, 80s), Use::kStaleWhileRevalidate);
  EXPECT_EQ(evaluate({}, res, 60s, 100s), Use::kRevalidate);
  EXPECT_EQ(evaluate({}, {{"Cache-Control", "max-age=60, stale-while-revalidate=30, must-revalidate"}}, 60s, 80s),
            Use::kRevalidate);
}

TEST(StaleIfError, ResponseOrRequestWindow) {
  Headers res{{"Cache-Control", "max-age=60, stale-if-error=30"}};
  EXPECT_TRUE(stale_if_error_ok({}, res, 60s, 80s));
  EXPECT_FALSE(stale_if_error_ok({}, res, 60s, 100s));
  EXPECT_TRUE(stale_if_error_ok({{"Cache-Control", "stale-if-error=100"}}, {{"Cache-Control", "max-age=60"}}, 60s,
                                100s));
  EXPECT_FALSE(stale_if_error_ok({}, {{"Cache-Control", "max-age=60"}}, 60s, 61s));
  EXPECT_FALSE(stale_if_error_ok({}, {{"Cache-Control", "max-age=60, stale-if-error=30, must-revalidate"}}, 60s,
                                 70s));
}

// ---- conditionals ----

TEST(NotModified, IfNoneMatchWeakComparisonAndStar) {
  Headers stored{{"ETag", "\"v1\""}, {"Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"}};
  EXPECT_TRUE(not_modified("GET", {{"If-None-Match", "W/\"v1\""}}, stored));
  EXPECT_TRUE(not_modified("HEAD", {{"If-None-Match", "\"x\", \"v1\""}}, stored));
  EXPECT_TRUE(not_modified("GET", {{"If-None-Match", "*"}}, stored));
  EXPECT_FALSE(not_modified("GET", {{"If-None-Match", "\"v2\""}}, stored));
  // If-None-Match present: If-Modified-Since is ignored.
  EXPECT_FALSE(not_modified("GET", {{"If-None-Match", "\"v2\""}, {"If-Modified-Since", "Sun, 06 Nov 2094 08:49:37 GMT"}},
                            stored));
  EXPECT_FALSE(not_modified("POST", {{"If-None-Match", "\"v1\""}}, stored));
}

TEST(NotModified, IfModifiedSince) {
  Headers stored{{"Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"}};
  EXPECT_TRUE(not_modified("GET", {{"If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"}}, stored));
  EXPECT_FALSE(not_modified("GET", {{"If-Modified-Since", "Sat, 05 Nov 1994 08:49:37 GMT"}}, stored));
  EXPECT_FALSE(not_modified("GET", {{"If-Modified-Since", "garbage"}}, stored));
}

TEST(Revalidation, ConditionalHeadersFromValidators) {
  Headers stored{{"ETag", "\"v1\""}, {"Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"}};
  Headers c = conditional_headers(stored);
  EXPECT_EQ(field(c, "if-none-match"), "\"v1\"");
  EXPECT_EQ(field(c, "if-modified-since"), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_TRUE(conditional_headers({{"Content-Type", "x"}}).empty());
}

TEST(Revalidation, FreshenReplacesFieldsButNotFraming) {
  Headers stored{{"ETag", "\"v1\""}, {"Cache-Control", "max-age=1"}, {"Content-Length", "5"}, {"Age", "100"},
                 {"X-Kept", "yes"}};
  Headers nm{{"ETag", "\"v1\""}, {"Cache-Control", "max-age=60"}, {"Content-Length", "0"}, {"X-New", "1"},
             {"Content-Encoding", "gzip"}, {"Content-MD5", "x"}};
  ASSERT_TRUE(freshens(stored, nm));
  freshen(stored, nm);
  EXPECT_EQ(field(stored, "cache-control"), "max-age=60");
  EXPECT_EQ(field(stored, "content-length"), "5");
  EXPECT_EQ(field(stored, "x-kept"), "yes");
  EXPECT_EQ(field(stored, "x-new"), "1");
  EXPECT_FALSE(has_field(stored, "age"));
  EXPECT_FALSE(has_field(stored, "content-encoding"));  // would misdescribe the stored body
  EXPECT_FALSE(has_field(stored, "content-md5"));
  EXPECT_FALSE(freshens(stored, {{"ETag", "\"v2\""}}));
}

TEST(NotModifiedHeaders, DropBodyFraming) {
  Headers h = not_modified_headers({{"ETag", "\"a\""}, {"Content-Length", "10"}});
  EXPECT_FALSE(has_field(h, "content-length"));
  EXPECT_TRUE(has_field(h, "etag"));
}

// ---- ranges ----

TEST(Range, SingleRanges) {
  auto r = byte_range({{"Range", "bytes=0-9"}}, {}, 100);
  EXPECT_EQ(r.kind, ByteRange::kPartial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 9u);
  r = byte_range({{"Range", "bytes=90-"}}, {}, 100);
  EXPECT_EQ(r.first, 90u);
  EXPECT_EQ(r.last, 99u);
  r = byte_range({{"Range", "bytes=-10"}}, {}, 100);
  EXPECT_EQ(r.first, 90u);
  EXPECT_EQ(r.last, 99u);
  r = byte_range({{"Range", "bytes=50-500"}}, {}, 100);
  EXPECT_EQ(r.last, 99u);
}

TEST(Range, UnsatisfiableIgnoredAndIfRange) {
  EXPECT_EQ(byte_range({{"Range", "bytes=100-"}}, {}, 100).kind, ByteRange::kUnsatisfiable);
  EXPECT_EQ(byte_range({{"Range", "bytes=-0"}}, {}, 100).kind, ByteRange::kUnsatisfiable);
  EXPECT_EQ(byte_range({{"Range", "bytes=0-1,5-6"}}, {}, 100).kind, ByteRange::kFull);
  EXPECT_EQ(byte_range({{"Range", "items=0-1"}}, {}, 100).kind, ByteRange::kFull);
  EXPECT_EQ(byte_range({{"Range", "bytes=5-1"}}, {}, 100).kind, ByteRange::kFull);
  EXPECT_EQ(byte_range({}, {}, 100).kind, ByteRange::kFull);
  Headers stored{{"ETag", "\"v1\""}};
  EXPECT_EQ(byte_range({{"Range", "bytes=0-1"}, {"If-Range", "\"v1\""}}, stored, 100).kind, ByteRange::kPartial);
  EXPECT_EQ(byte_range({{"Range", "bytes=0-1"}, {"If-Range", "\"v2\""}}, stored, 100).kind, ByteRange::kFull);
  EXPECT_EQ(byte_range({{"Range", "bytes=0-1"}, {"If-Range", "W/\"v1\""}}, stored, 100).kind, ByteRange::kFull);
}

// ---- keys and invalidation targets ----

TEST(Key, UrlNormalisationAndQuery) {
  EXPECT_EQ(request_url("http", "Example.COM:80", "/a?b=1", false), "http://example.com/a?b=1");
  EXPECT_EQ(request_url("http", "example.com:8080", "/a?b=1", true), "http://example.com:8080/a");
  EXPECT_EQ(request_url("http", "x", "http://other.example/p?q", false), "http://x/p?q");
}

TEST(Key, HeaderAndCookieComponents) {
  KeyOptions o;
  o.headers = {"x-device"};
  o.cookies = {"lang"};
  Headers a{{"X-Device", "mobile"}, {"Cookie", "sid=1; lang=de"}};
  Headers b{{"X-Device", "mobile"}, {"Cookie", "lang=fr; sid=1"}};
  Headers c{{"X-Device", "mobile"}, {"Cookie", "sid=2; lang=de"}};
  EXPECT_NE(primary_key("http://h/", o, a), primary_key("http://h/", o, b));
  EXPECT_EQ(primary_key("http://h/", o, a), primary_key("http://h/", o, c));  // other cookies do not count
  EXPECT_EQ(primary_key("http://h/", {}, a), "http://h/\x1f");
}

TEST(Key, VarySecondaryKey) {
  auto fields = vary_fields({{"Vary", "Accept-Encoding, accept-language"}, {"Vary", "Accept-Encoding"}});
  ASSERT_EQ(fields, (std::vector<std::string>{"accept-encoding", "accept-language"}));
  EXPECT_EQ(secondary_key(fields, {{"Accept-Encoding", "gzip,  br"}}), secondary_key(fields, {{"accept-encoding", "gzip, br"}}));
  EXPECT_NE(secondary_key(fields, {{"Accept-Encoding", "gzip"}}), secondary_key(fields, {}));
}

TEST(Key, SameOriginLocation) {
  const std::string url = "http://h/a/b?x";
  EXPECT_EQ(same_origin_url(url, "/c", false), "http://h/c");
  EXPECT_EQ(same_origin_url(url, "d?y", false), "http://h/a/d?y");
  EXPECT_EQ(same_origin_url(url, "http://H/e", false), "http://h/e");
  EXPECT_EQ(same_origin_url(url, "http://other/e", false), std::nullopt);
  EXPECT_EQ(same_origin_url(url, "http://h.evil/e", false), std::nullopt);
  EXPECT_EQ(same_origin_url(url, "/c?q", true), "http://h/c");
}

TEST(UnsafeMethod, SafeMethodsDoNotInvalidate) {
  EXPECT_FALSE(unsafe_method("GET"));
  EXPECT_FALSE(unsafe_method("HEAD"));
  EXPECT_TRUE(unsafe_method("POST"));
  EXPECT_TRUE(unsafe_method("PUT"));
  EXPECT_TRUE(unsafe_method("DELETE"));
  EXPECT_TRUE(unsafe_method("PATCH"));
}

// ---- entries ----

TEST(Entry, RoundTripAndRejectsGarbage) {
  Entry e;
  e.status = 203;
  e.headers = {{"ETag", "\"x\""}, {"X-Bin", std::string("a\0b", 3)}};
  e.body = std::string(1000, 'z');
  e.request_time = kT0;
  e.response_time = kT0 + 1s;
  auto p = parse_entry(serialize(e));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, 203);
  EXPECT_EQ(p->headers, e.headers);
  EXPECT_EQ(p->body, e.body);
  EXPECT_EQ(p->request_time, kT0);
  EXPECT_EQ(p->response_time, kT0 + 1s);
  Entry v;
  v.kind = Entry::Kind::kVary;
  v.vary = {"accept"};
  auto pv = parse_entry(serialize(v));
  ASSERT_TRUE(pv);
  EXPECT_EQ(pv->kind, Entry::Kind::kVary);
  EXPECT_EQ(pv->vary, v.vary);
  std::string s = serialize(e);
  EXPECT_FALSE(parse_entry(s.substr(0, s.size() - 1)));
  EXPECT_FALSE(parse_entry("garbage"));
}

TEST(SurrogateControlParse, TargetingAndDirectives) {
  auto all = parse_surrogate_control("max-age=60, content=\"ESI/1.0\"", "aegis");
  EXPECT_TRUE(all.present);
  EXPECT_EQ(all.max_age, 60);
  EXPECT_FALSE(all.no_store);
  EXPECT_EQ(parse_surrogate_control("MaX-AgE=30;AEGIS", "aegis").max_age, 30);
  EXPECT_FALSE(parse_surrogate_control("max-age=30;other", "aegis").present);
  EXPECT_EQ(parse_surrogate_control("max-age=30+600", "aegis").max_age, 30);
  EXPECT_EQ(parse_surrogate_control("max-age=99999999999", "aegis").max_age, 2147483648);
  EXPECT_EQ(parse_surrogate_control("max-age=x", "aegis").max_age, 0);
  EXPECT_TRUE(parse_surrogate_control("no-store;aegis, max-age=5;other", "aegis").no_store);
  EXPECT_FALSE(surrogate_control({{"Surrogate-Control", "max-age=60"}}, "").present);  // no device: ignored
}

TEST(SurrogateControlPolicy, PrecedenceOverCacheControl) {
  PolicyOptions o;
  o.surrogate_device = "aegis";
  const Headers sc_over_nostore{{"Cache-Control", "no-store"}, {"Surrogate-Control", "max-age=60"}};
  EXPECT_TRUE(store(200, sc_over_nostore, {}, "GET", o).ok);
  EXPECT_FALSE(store(200, sc_over_nostore).ok);  // without a device token Cache-Control decides
  EXPECT_EQ(freshness_lifetime(200, sc_over_nostore, kT0, o), 60s);
  const Headers short_sc{{"Cache-Control", "max-age=3600"}, {"Surrogate-Control", "max-age=1"}};
  EXPECT_EQ(freshness_lifetime(200, short_sc, kT0, o), 1s);
  EXPECT_EQ(freshness_lifetime(200, short_sc, kT0, {}), 3600s);
  EXPECT_FALSE(store(200, {{"Cache-Control", "max-age=60"}, {"Surrogate-Control", "no-store"}}, {}, "GET", o).ok);
  EXPECT_FALSE(store(200, {{"Surrogate-Control", "max-age=60"}, {"Cache-Control", "private"}}, {}, "GET", o).ok);
  // Targeted elsewhere: as if absent.
  EXPECT_FALSE(store(200, {{"Cache-Control", "no-store"}, {"Surrogate-Control", "max-age=60;cdn2"}}, {}, "GET", o).ok);
}

TEST(HeaderFields, MembersAsViewsMatchSplitListAndFieldsSpanLines) {
  for (std::string_view v : {"a, b ,, c", "no-cache=\"x, y\", max-age=5", "q=\"a\\\"b, c\", d", "", " , "}) {
    std::vector<std::string> views;
    for_each_member(v, [&](std::string_view m) { views.emplace_back(m); });
    EXPECT_EQ(views, split_list(v)) << v;
  }
  // One line: parsed in place; several lines: joined, as one list (RFC 9110 §5.3).
  EXPECT_EQ(cache_control({{"Cache-Control", " max-age=60 "}}).max_age, 60);
  auto two = cache_control({{"Cache-Control", "public"}, {"X", "1"}, {"cache-control", "max-age=30"}});
  EXPECT_TRUE(two.public_);
  EXPECT_EQ(two.max_age, 30);
  std::string seen;
  EXPECT_TRUE(with_field({{"A", "1"}, {"a", "2"}}, "a", [&](std::string_view v) { seen = v; }));
  EXPECT_EQ(seen, "1, 2");
  EXPECT_FALSE(with_field({{"A", "1"}}, "b", [&](std::string_view) { ADD_FAILURE(); }));
}

}  // namespace
}  // namespace aegis::cache
