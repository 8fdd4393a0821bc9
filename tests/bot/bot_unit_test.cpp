// Unit tests of bot management: classification, token buckets and the local store, challenge tokens and cookies
// (signing, expiry, binding), and the bot-detector module runner with real modules (the default one built from
// modules/bot, and WAT modules in tests/bot/modules).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "bot/challenge.h"
#include "bot/classifier.h"
#include "bot/detector.h"
#include "bot/rate_limiter.h"

using namespace aegis::bot;
using namespace std::chrono_literals;

namespace {

std::string wasm_path(const std::string& name) { return std::string(AEGIS_WASM_DIR) + "/" + name + ".wasm"; }

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

constexpr const char* kChrome =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
constexpr const char* kFirefox = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";

RequestFeatures browser(const std::string& ua) {
  static std::vector<std::string> keep;
  keep.push_back(ua);
  RequestFeatures f;
  f.headers = {{"Host", "example.com"},
               {"User-Agent", keep.back()},
               {"Accept", "text/html"},
               {"Accept-Language", "en"},
               {"Accept-Encoding", "gzip"}};
  return f;
}

RequestFeatures with_ua(const std::string& ua) {
  static std::vector<std::string> keep;
  keep.push_back(ua);
  RequestFeatures f;
  f.headers = {{"Host", "example.com"}, {"User-Agent", keep.back()}, {"Accept", "*/*"}};
  return f;
}

Classification classify_plain(const RequestFeatures& f) {
  return classify(f, DetectorVerdict::kHuman, false, false, 50);
}

}  // namespace

// ---- user-agent classes ------------------------------------------------------------------------------------------
TEST(BotClassifier, UserAgentClasses) {
  EXPECT_EQ(classify_user_agent(kChrome), UaClass::kBrowser);
  EXPECT_EQ(classify_user_agent(kFirefox), UaClass::kBrowser);
  EXPECT_EQ(classify_user_agent("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
            UaClass::kGoodCrawler);
  EXPECT_EQ(classify_user_agent("Mozilla/5.0 (compatible; bingbot/2.0)"), UaClass::kGoodCrawler);
  EXPECT_EQ(classify_user_agent("sqlmap/1.7.2#stable (https://sqlmap.org)"), UaClass::kBadBot);
  EXPECT_EQ(classify_user_agent("Mozilla/5.00 (Nikto/2.1.6)"), UaClass::kBadBot);
  EXPECT_EQ(classify_user_agent("Mozilla/5.0 zgrab/0.x"), UaClass::kBadBot);
  EXPECT_EQ(classify_user_agent("curl/8.4.0"), UaClass::kAutomation);
  EXPECT_EQ(classify_user_agent("python-requests/2.31.0"), UaClass::kAutomation);
  EXPECT_EQ(classify_user_agent("Go-http-client/1.1"), UaClass::kAutomation);
  EXPECT_EQ(classify_user_agent(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36"),
            UaClass::kAutomation);
  EXPECT_EQ(classify_user_agent(""), UaClass::kEmpty);
  EXPECT_EQ(classify_user_agent("12345"), UaClass::kMalformed);
  EXPECT_EQ(classify_user_agent("-"), UaClass::kMalformed);
  EXPECT_EQ(classify_user_agent(std::string("Mozilla/5.0\x01", 12)), UaClass::kMalformed);
  EXPECT_EQ(classify_user_agent(std::string(3000, 'a')), UaClass::kMalformed);
  EXPECT_EQ(classify_user_agent("MyMonitor/1.0"), UaClass::kOther);
}

TEST(BotClassifier, CompleteBrowserIsHuman) {
  Classification c = classify_plain(browser(kChrome));
  EXPECT_EQ(c.bot_class, BotClass::kHuman) << c.reasons_text();
  EXPECT_EQ(c.score, 0);
}

TEST(BotClassifier, ClassesFromUserAgent) {
  EXPECT_EQ(classify_plain(with_ua("sqlmap/1.7")).bot_class, BotClass::kBadBot);
  EXPECT_EQ(classify_plain(with_ua("sqlmap/1.7")).score, 100);
  EXPECT_EQ(classify_plain(with_ua("curl/8.4.0")).bot_class, BotClass::kAutomation);
  EXPECT_EQ(classify_plain(with_ua("Mozilla/5.0 (compatible; Googlebot/2.1)")).bot_class, BotClass::kGoodBot);
  Classification empty = classify_plain(with_ua(""));
  EXPECT_EQ(empty.bot_class, BotClass::kSuspicious);
  EXPECT_NE(empty.reasons_text().find("ua:empty"), std::string::npos);
  RequestFeatures none;
  none.headers = {{"Host", "x"}};
  EXPECT_EQ(classify_plain(none).bot_class, BotClass::kSuspicious);
  EXPECT_EQ(classify_plain(with_ua("##")).bot_class, BotClass::kSuspicious);
  EXPECT_EQ(classify_plain(with_ua("MyMonitor/1.0")).bot_class, BotClass::kHuman);
}

TEST(BotClassifier, BrowserWithoutBrowserHeadersIsSuspicious) {
  RequestFeatures f = with_ua(kChrome);  // Accept only: no Accept-Language, no Accept-Encoding
  Classification c = classify_plain(f);
  EXPECT_EQ(c.bot_class, BotClass::kHuman) << c.reasons_text();  // 40 < 50
  f.headers.erase(f.headers.begin() + 2);                         // no Accept either
  c = classify_plain(f);
  EXPECT_EQ(c.bot_class, BotClass::kSuspicious) << c.reasons_text();
  EXPECT_NE(c.reasons_text().find("no_accept_language"), std::string::npos);
  EXPECT_GE(c.score, 50);
}

TEST(BotClassifier, ClientHintsMustMatchTheAgent) {
  RequestFeatures f = browser(kFirefox);
  f.headers.emplace_back("sec-ch-ua", "\"Chromium\";v=\"120\"");
  Classification c = classify_plain(f);
  EXPECT_NE(c.reasons_text().find("sec_ch_ua_mismatch"), std::string::npos);
  EXPECT_EQ(c.score, 40);
  f.headers.erase(f.headers.begin() + 3);  // and no Accept-Language
  EXPECT_EQ(classify_plain(f).bot_class, BotClass::kSuspicious);

  RequestFeatures chrome = browser(kChrome);
  chrome.headers.emplace_back("sec-ch-ua", "\"Chromium\";v=\"120\"");
  EXPECT_EQ(classify_plain(chrome).score, 0);
  chrome.headers.back().second = "\"HeadlessChrome\";v=\"120\"";
  EXPECT_EQ(classify_plain(chrome).bot_class, BotClass::kAutomation);
}

TEST(BotClassifier, HeaderOrder) {
  RequestFeatures f = browser(kChrome);
  std::swap(f.headers[0], f.headers[1]);  // User-Agent before Host
  Classification c = classify_plain(f);
  EXPECT_NE(c.reasons_text().find("header_order"), std::string::npos);
  EXPECT_EQ(c.score, 15);
}

TEST(BotClassifier, DetectorVerdictAndRate) {
  RequestFeatures f = browser(kChrome);
  EXPECT_EQ(classify(f, DetectorVerdict::kSuspicious, false, false, 50).bot_class, BotClass::kSuspicious);
  Classification failed = classify(f, DetectorVerdict::kSuspicious, true, false, 50);
  EXPECT_NE(failed.reasons_text().find("detector:error"), std::string::npos);
  EXPECT_EQ(classify(f, DetectorVerdict::kGoodBot, false, false, 50).bot_class, BotClass::kGoodBot);
  EXPECT_EQ(classify(f, DetectorVerdict::kHuman, false, true, 50).bot_class, BotClass::kSuspicious);
  EXPECT_EQ(classify(f, DetectorVerdict::kHuman, false, true, 60).bot_class, BotClass::kHuman);
  // The host's classes win over a lenient detector.
  EXPECT_EQ(classify(with_ua("nikto"), DetectorVerdict::kHuman, false, false, 50).bot_class, BotClass::kBadBot);
  EXPECT_EQ(classify(with_ua("curl/8"), DetectorVerdict::kGoodBot, false, false, 50).bot_class,
            BotClass::kAutomation);
  // A "good bot" verdict does not whitewash an empty agent.
  EXPECT_EQ(classify(with_ua(""), DetectorVerdict::kGoodBot, false, false, 50).bot_class, BotClass::kSuspicious);
}

// ---- token bucket ------------------------------------------------------------------------------------------------
TEST(TokenBucket, BurstThenRefill) {
  BucketSpec spec{2.0, 3.0};  // 2 tokens/s, 3 at once
  SteadyTime t0{};
  TokenBucket b = TokenBucket::full(spec, t0);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.take(spec, t0).allowed) << i;
  RateDecision d = b.take(spec, t0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 500ms);
  EXPECT_FALSE(b.take(spec, t0 + 400ms).allowed);
  EXPECT_EQ(b.take(spec, t0 + 400ms).retry_after, 100ms);
  EXPECT_TRUE(b.take(spec, t0 + 500ms).allowed);
  EXPECT_FALSE(b.take(spec, t0 + 500ms).allowed);
  // Never more than the burst.
  EXPECT_TRUE(b.full_at(spec, t0 + 10s));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.take(spec, t0 + 10s).allowed);
  EXPECT_FALSE(b.take(spec, t0 + 10s).allowed);
}

TEST(TokenBucket, SlowRateRetryAfter) {
  BucketSpec spec{1.0 / 60.0, 1.0};  // 1 per minute
  SteadyTime t0{};
  TokenBucket b = TokenBucket::full(spec, t0);
  EXPECT_TRUE(b.take(spec, t0).allowed);
  RateDecision d = b.take(spec, t0 + 1s);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 59000ms);
}

TEST(LocalRateLimiter, KeysAreIndependent) {
  LocalRateLimiter lim(1000, 4);
  BucketSpec spec{1.0, 2.0};
  SteadyTime t0{};
  EXPECT_TRUE(lim.take("a", spec, t0).allowed);
  EXPECT_TRUE(lim.take("a", spec, t0).allowed);
  EXPECT_FALSE(lim.take("a", spec, t0).allowed);
  EXPECT_TRUE(lim.take("b", spec, t0).allowed);
  EXPECT_TRUE(lim.take("a", spec, t0 + 1s).allowed);
  EXPECT_EQ(lim.size(), 2u);
}

TEST(LocalRateLimiter, BoundedByEvictingLeastRecentlyUsed) {
  LocalRateLimiter lim(16, 1);
  BucketSpec spec{0.001, 1.0};
  SteadyTime t0{};
  EXPECT_TRUE(lim.take("hot", spec, t0).allowed);
  for (int i = 0; i < 100; ++i) {
    lim.take("k" + std::to_string(i), spec, t0);
    EXPECT_FALSE(lim.take("hot", spec, t0).allowed) << i;  // kept: used more recently than the others
  }
  EXPECT_LE(lim.size(), 16u);
  EXPECT_GE(lim.evictions(), 84u);
  // An evicted key starts again with a full bucket.
  EXPECT_TRUE(lim.take("k0", spec, t0).allowed);
}

TEST(LocalRateLimiter, SharedByThreads) {
  LocalRateLimiter lim(1000, 8);
  BucketSpec spec{0.001, 1000.0};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i)
        if (lim.take("one", spec).allowed) ++allowed;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 1000);
}

// ---- challenge and cookie ----------------------------------------------------------------------------------------
TEST(Challenge, HmacMatchesRfc4231) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Challenge, CookieRoundTripExpiryAndBinding) {
  ChallengeSigner s("0123456789abcdef-secret", "aegis_bot", 3600s, 8);
  const int64_t now = 1'800'000'000;
  std::string c = s.issue_cookie("10.0.0.1", "UA", now);
  EXPECT_EQ(s.verify_cookie(c, "10.0.0.1", "UA", now), CookieCheck::kValid);
  EXPECT_EQ(s.verify_cookie(c, "10.0.0.1", "UA", now + 3599), CookieCheck::kValid);
  EXPECT_EQ(s.verify_cookie(c, "10.0.0.1", "UA", now + 3600), CookieCheck::kExpired);
  EXPECT_EQ(s.verify_cookie(c, "10.0.0.2", "UA", now), CookieCheck::kBadSignature);
  EXPECT_EQ(s.verify_cookie(c, "10.0.0.1", "UA2", now), CookieCheck::kBadSignature);
  // Moving the expiry breaks the signature.
  std::string later = c;
  later.replace(3, 10, std::to_string(now + 999999));
  EXPECT_EQ(s.verify_cookie(later, "10.0.0.1", "UA", now), CookieCheck::kBadSignature);
  // Another node secret does not accept it.
  ChallengeSigner other("another-secret-0123456789", "aegis_bot", 3600s, 8);
  EXPECT_EQ(other.verify_cookie(c, "10.0.0.1", "UA", now), CookieCheck::kBadSignature);
  EXPECT_EQ(s.verify_cookie("", "10.0.0.1", "UA", now), CookieCheck::kMissing);
  EXPECT_EQ(s.verify_cookie("v1.abc.def", "10.0.0.1", "UA", now), CookieCheck::kMalformed);
  EXPECT_EQ(s.verify_cookie("v2." + c.substr(3), "10.0.0.1", "UA", now), CookieCheck::kMalformed);
}

TEST(Challenge, FindCookie) {
  ChallengeSigner s("0123456789abcdef-secret", "aegis_bot", 3600s, 8);
  EXPECT_EQ(s.find_cookie("a=1; aegis_bot=v1.2.3; b=2").value_or(""), "v1.2.3");
  EXPECT_EQ(s.find_cookie("aegis_bot=\"x\"").value_or(""), "x");
  EXPECT_FALSE(s.find_cookie("xaegis_bot=1; aegis_botx=2"));
  std::string set = s.set_cookie_header("1.2.3.4", "UA", 100);
  EXPECT_EQ(set.rfind("aegis_bot=v1.3700.", 0), 0u) << set;
  EXPECT_NE(set.find("Max-Age=3600"), std::string::npos);
  EXPECT_NE(set.find("HttpOnly"), std::string::npos);
}

std::string solve(const std::string& token, uint32_t difficulty) {
  for (uint64_t n = 0;; ++n)
    if (proof_of_work_ok(token, std::to_string(n), difficulty)) return std::to_string(n);
}

TEST(Challenge, ProofOfWorkTokens) {
  ChallengeSigner s("0123456789abcdef-secret", "aegis_bot", 3600s, 10);
  const int64_t now = 1'800'000'000;
  std::string token = s.issue_token("10.0.0.1", "UA", now);
  std::string nonce = solve(token, 10);
  EXPECT_EQ(s.verify_solution(token, nonce, "10.0.0.1", "UA", now), "");
  EXPECT_EQ(s.verify_solution(token, nonce, "10.0.0.1", "UA", now + 299), "");
  EXPECT_EQ(s.verify_solution(token, nonce, "10.0.0.1", "UA", now + 300), "token expired");
  EXPECT_EQ(s.verify_solution(token, nonce, "10.0.0.9", "UA", now), "token not issued to this client");
  EXPECT_EQ(s.verify_solution(token + "0", nonce, "10.0.0.1", "UA", now), "malformed token");
  // A wrong nonce (with overwhelming probability for at least one of these).
  int wrong = 0;
  for (int n = 0; n < 20; ++n)
    if (std::to_string(n) != nonce && !s.verify_solution(token, std::to_string(n), "10.0.0.1", "UA", now).empty())
      ++wrong;
  EXPECT_GT(wrong, 0);
  EXPECT_EQ(s.verify_solution(token, "12a", "10.0.0.1", "UA", now), "wrong proof of work");
  // Two tokens differ (random part).
  EXPECT_NE(s.issue_token("10.0.0.1", "UA", now), s.issue_token("10.0.0.1", "UA", now));
}

TEST(Challenge, ProofOfWorkDifficulty) {
  EXPECT_TRUE(proof_of_work_ok("t", "1", 0));
  std::string n = solve("token", 12);
  EXPECT_TRUE(proof_of_work_ok("token", n, 12));
  std::string d = sha256_raw("token:" + n);
  EXPECT_EQ(static_cast<unsigned char>(d[0]), 0);
  EXPECT_EQ(static_cast<unsigned char>(d[1]) & 0xf0, 0);
  EXPECT_FALSE(proof_of_work_ok("token", n, 33));
}

TEST(Challenge, InterstitialAndHelpers) {
  ChallengeSigner s("0123456789abcdef-secret", "aegis_bot", 3600s, 12);
  std::string page = s.interstitial("1.abc.def", "/path?a=1</script>");
  EXPECT_NE(page.find("function sha256"), std::string::npos);
  EXPECT_NE(page.find("D=12"), std::string::npos);
  EXPECT_NE(page.find("\"1.abc.def\""), std::string::npos);
  EXPECT_EQ(page.find("</script>\""), std::string::npos);  // escaped inside the script
  EXPECT_EQ(safe_return_path("/a/b?c=d"), "/a/b?c=d");
  EXPECT_EQ(safe_return_path("//evil.example/"), "/");
  EXPECT_EQ(safe_return_path("https://evil.example/"), "/");
  EXPECT_EQ(safe_return_path("/\\evil"), "/");
  EXPECT_EQ(url_decode("%2Fa+b%zz"), "/a b%zz");
  EXPECT_EQ(query_param("token=1.2.3&nonce=42&return=%2Fx%3Fy%3D1", "return").value_or(""), "/x?y=1");
  EXPECT_FALSE(query_param("a=1", "b"));
}

// ---- detector modules --------------------------------------------------------------------------------------------
std::shared_ptr<const BotDetector> load_wat(const std::string& name) {
  aegis::functions::FunctionLimits limits = aegis::functions::FunctionLimits::waf_module();
  limits.deadline = 2s;  // loop: stopped by fuel long before
  return BotDetector::load_bytes(read_bytes(wasm_path(name)), limits, name);
}

TEST(BotDetector, DefaultModuleVerdicts) {
  aegis::config::BotConfig cfg;  // no `detector`: the default module
  EXPECT_EQ(BotDetector::load(cfg)->name(), BotDetector::default_module_path());
  // Same module with a generous deadline (the machine is shared and noisy; 10 ms is the production default).
  aegis::functions::FunctionLimits limits = aegis::functions::FunctionLimits::waf_module();
  limits.deadline = 2s;
  auto d = BotDetector::load_bytes(read_bytes(BotDetector::default_module_path()), limits, "default");
  EXPECT_TRUE(d->module().imports.empty());
  auto v = [&](std::string_view ua) {
    DetectResult r = d->detect(ua);
    EXPECT_FALSE(r.failed) << r.outcome.message;
    return r.verdict;
  };
  EXPECT_EQ(v(kChrome), DetectorVerdict::kHuman);
  EXPECT_EQ(v("Mozilla/5.0 (compatible; Googlebot/2.1)"), DetectorVerdict::kGoodBot);
  EXPECT_EQ(v("sqlmap/1.7"), DetectorVerdict::kSuspicious);
  EXPECT_EQ(v("python-requests/2.31"), DetectorVerdict::kSuspicious);
  EXPECT_EQ(v(""), DetectorVerdict::kSuspicious);
  EXPECT_EQ(v("12345"), DetectorVerdict::kSuspicious);
  EXPECT_EQ(v(std::string(5000, 'x')), DetectorVerdict::kSuspicious);
  // Many calls reuse the pooled instance (the bump allocator is reset with it).
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(v(kChrome), DetectorVerdict::kHuman) << i;
}

TEST(BotDetector, ReplacementModulesAndTheirVerdicts) {
  EXPECT_EQ(load_wat("bot_verdict_0")->detect("sqlmap").verdict, DetectorVerdict::kHuman);
  EXPECT_EQ(load_wat("bot_verdict_2")->detect(kChrome).verdict, DetectorVerdict::kSuspicious);
  auto first = load_wat("bot_first_byte");
  EXPECT_EQ(first->detect("Googlebot").verdict, DetectorVerdict::kGoodBot);
  EXPECT_EQ(first->detect("Mozilla").verdict, DetectorVerdict::kHuman);
  EXPECT_EQ(first->detect("").verdict, DetectorVerdict::kSuspicious);
  EXPECT_FALSE(first->detect("").failed);
}

TEST(BotDetector, FailuresCountAsSuspicious) {
  struct Case {
    const char* module;
    aegis::functions::OutcomeStatus status;
  } cases[] = {
      {"bot_trap", aegis::functions::OutcomeStatus::Trap},
      {"bot_verdict_7", aegis::functions::OutcomeStatus::FunctionError},
      {"bot_bad_alloc", aegis::functions::OutcomeStatus::FunctionError},
  };
  for (const auto& c : cases) {
    DetectResult r = load_wat(c.module)->detect("Mozilla/5.0 something long enough to overflow a bad alloc");
    EXPECT_TRUE(r.failed) << c.module;
    EXPECT_EQ(r.verdict, DetectorVerdict::kSuspicious) << c.module;
    EXPECT_EQ(r.outcome.status, c.status) << c.module << ": " << r.outcome.message;
  }
  DetectResult loop = load_wat("bot_loop")->detect("x");
  EXPECT_TRUE(loop.failed);
  EXPECT_TRUE(loop.outcome.status == aegis::functions::OutcomeStatus::Fuel ||
              loop.outcome.status == aegis::functions::OutcomeStatus::Timeout)
      << loop.outcome.message;
}

TEST(BotDetector, RejectsModulesWithoutTheAbi) {
  try {
    load_wat("bot_no_detect");
    FAIL() << "loaded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing export 'detect_bot'"), std::string::npos) << e.what();
  }
  try {
    load_wat("bot_wrong_signature");
    FAIL() << "loaded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("detect_bot"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(i32, i32) -> (i32)"), std::string::npos) << e.what();
  }
  // An edge function is not a detector (and may not import the edge ABI here).
  EXPECT_THROW(BotDetector::load_bytes("not wasm", aegis::functions::FunctionLimits::waf_module(), "junk"),
               std::runtime_error);
}
