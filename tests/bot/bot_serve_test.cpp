// Bot management end to end: the real `aegis serve` binary with the default bot-detector module (and replacement
// modules built from tests/bot/modules) in front of the real test origin, over real sockets. Blocked and
// challenged requests must never reach the origin.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>

#include "support/aegis_process.h"
#include "support/fs.h"
#include "support/origin_process.h"
#include "support/polling.h"
#include "support/process.h"
#include "support/raw_client.h"

using namespace aegis::test;
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace {

constexpr const char* kSecret = "bot-test-secret-0123456789";
constexpr const char* kChrome =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

std::string wasm(const std::string& name) { return std::string(AEGIS_WASM_DIR) + "/" + name + ".wasm"; }

// What a browser sends (Host first, as browsers do over HTTP/1.1).
Headers browser_headers() {
  return {{"Host", "localhost"}, {"User-Agent", kChrome}, {"Accept", "text/html"}, {"Accept-Language", "en-US"},
          {"Accept-Encoding", "gzip"}};
}
Headers ua(const std::string& agent) { return {{"User-Agent", agent}, {"Accept", "*/*"}}; }

// Independent implementations of the primitives (OpenSSL directly), so the test does not trust the node's code.
std::string hex(const unsigned char* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += d[p[i] >> 4], out += d[p[i] & 15];
  return out;
}
std::string hmac_hex(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return hex(out, len);
}
bool leading_zero_bits(const std::string& input, int bits) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), d, &len, EVP_sha256(), nullptr);
  for (int i = 0; i < bits; ++i)
    if (d[i / 8] & (0x80 >> (i % 8))) return false;
  return true;
}
// The cookie a node with kSecret issues to 127.0.0.1 and `agent`, expiring at `expiry`.
std::string cookie_for(const std::string& agent, int64_t expiry, const std::string& secret = kSecret) {
  std::string e = std::to_string(expiry);
  return "v1." + e + "." + hmac_hex(secret, "cookie|v1|" + e + "|9:127.0.0.1|" + agent);
}
int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Absolute path of an executable found in $PATH, or "".
std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= p.size()) {
    std::size_t colon = p.find(':', start);
    std::string dir = p.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return {};
}

// The challenge token and difficulty in an interstitial page.
struct Challenge {
  std::string token;
  int difficulty = -1;
};
std::optional<Challenge> parse_challenge(const std::string& page) {
  std::smatch m;
  if (!std::regex_search(page, m, std::regex("var T=\"([0-9a-f.]+)\",D=([0-9]+)"))) return std::nullopt;
  return Challenge{m[1], std::stoi(m[2])};
}
std::string solve(const Challenge& c) {
  for (uint64_t n = 0;; ++n)
    if (leading_zero_bits(c.token + ":" + std::to_string(n), c.difficulty)) return std::to_string(n);
}

const char* kRoutes = R"(routes:
  - path_prefix: /
    origin: origin
    bot:
      human: allow
      good_bot: log
      bad_bot: block
      automation: challenge
      suspicious: block
  - path_prefix: /limited
    origin: origin
    bot:
      automation: allow
      rate_limit: {requests: 3, period: 1m}
  - path_prefix: /keyed
    origin: origin
    bot:
      automation: allow
      rate_limit: {requests: 2, period: 1m, key: "header:X-Api-Key"}
  - path_prefix: /off
    origin: origin
    bot:
      enabled: false
)";

std::string config(const std::string& bot_extra = {}) {
  // A generous detector deadline: the test machine is shared and noisy (10 ms is the production default).
  return config_preamble() + "bot:\n  enabled: true\n  secret: \"" + kSecret +
         "\"\n  challenge_difficulty: 8\n  detector_timeout: 2s\n" + bot_extra + kRoutes;
}

class Bot : public ::testing::Test {
 protected:
  void start(const std::string& yaml) {
    std::string error;
    ASSERT_TRUE(aegis.start(yaml, {{"ORIGIN_PORT", std::to_string(origin.port())}}, &error)) << error;
  }
  HttpResponse get(const std::string& target, const Headers& headers) {
    return http_get(aegis.port(), target, headers);
  }
  std::string metrics() { return http_get(aegis.admin_port(), "/metrics").body; }
  bool origin_saw(const std::string& target) {
    for (const auto& t : origin.targets())
      if (t == target) return true;
    return false;
  }
  // The access-log entry of the request whose path is `path` (the last one), once written.
  nlohmann::json log_entry(const std::string& path) {
    nlohmann::json found;
    eventually([&] {
      for (const auto& line : split_lines(aegis.access_log_text())) {
        if (line.empty()) continue;
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object() && j.value("path", "") == path) found = j;
      }
      return !found.is_null();
    });
    return found;
  }
  static std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i)
      if (i == s.size() || s[i] == '\n') {
        out.push_back(s.substr(start, i - start));
        start = i + 1;
      }
    return out;
  }

  OriginProcess origin;
  AegisProcess aegis;
};

TEST_F(Bot, EachClassGetsItsRouteAction) {
  start(config());
  // human → allow
  HttpResponse r = get("/human", browser_headers());
  EXPECT_EQ(r.status, 200);
  // good crawler → log (continues)
  r = get("/crawler", ua("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"));
  EXPECT_EQ(r.status, 200);
  // bad bot → block
  r = get("/scanner", ua("sqlmap/1.7.2#stable (https://sqlmap.org)"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.header("x-aegis-bot").value_or(""), "block");
  ASSERT_TRUE(r.header("x-request-id"));
  EXPECT_NE(r.body.find(*r.header("x-request-id")), std::string::npos) << r.body;
  // automation → challenge (the interstitial)
  r = get("/script", ua("python-requests/2.31.0"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.header("x-aegis-bot").value_or(""), "challenge");
  EXPECT_NE(r.header("content-type").value_or("").find("text/html"), std::string::npos);
  EXPECT_TRUE(parse_challenge(r.body)) << r.body;
  // suspicious (empty agent; a browser agent without browser headers) → block
  r = get("/empty", {{"Accept", "*/*"}});
  EXPECT_EQ(r.status, 403);
  r = get("/bare", {{"User-Agent", kChrome}});
  EXPECT_EQ(r.status, 403);
  // bot management off for the route
  r = get("/off/scanner", ua("sqlmap/1.7"));
  EXPECT_EQ(r.status, 200);

  ASSERT_TRUE(origin.wait_for_requests(3));
  EXPECT_TRUE(origin_saw("/human"));
  EXPECT_TRUE(origin_saw("/crawler"));
  EXPECT_TRUE(origin_saw("/off/scanner"));
  for (const char* t : {"/scanner", "/script", "/empty", "/bare"}) EXPECT_FALSE(origin_saw(t)) << t;

  auto human = log_entry("/human");
  EXPECT_EQ(human.value("bot_class", ""), "human");
  EXPECT_EQ(human.value("bot_action", ""), "allow");
  EXPECT_EQ(human.value("bot_score", -1), 0);
  auto crawler = log_entry("/crawler");
  EXPECT_EQ(crawler.value("bot_class", ""), "good_bot");
  EXPECT_EQ(crawler.value("bot_action", ""), "log");
  auto scanner = log_entry("/scanner");
  EXPECT_EQ(scanner.value("bot_class", ""), "bad_bot");
  EXPECT_EQ(scanner.value("bot_action", ""), "block");
  EXPECT_EQ(scanner.value("bot_score", 0), 100);
  EXPECT_EQ(scanner.value("status", 0), 403);
  EXPECT_EQ(log_entry("/script").value("bot_class", ""), "automation");
  EXPECT_EQ(log_entry("/script").value("bot_action", ""), "challenge");
  EXPECT_EQ(log_entry("/empty").value("bot_class", ""), "suspicious");
  auto bare = log_entry("/bare");
  EXPECT_EQ(bare.value("bot_class", ""), "suspicious");
  EXPECT_NE(bare.value("bot_reasons", "").find("no_accept_language"), std::string::npos) << bare.dump();
  EXPECT_FALSE(log_entry("/off/scanner").contains("bot_class"));
  EXPECT_NE(aegis.stderr_text().find("class=good_bot"), std::string::npos) << aegis.stderr_text();

  std::string m = metrics();
  EXPECT_EQ(metric_value(m, "bot_requests_total{action=\"allow\",class=\"human\"}"), 1.0) << m;
  EXPECT_EQ(metric_value(m, "bot_requests_total{action=\"log\",class=\"good_bot\"}"), 1.0);
  EXPECT_EQ(metric_value(m, "bot_requests_total{action=\"block\",class=\"bad_bot\"}"), 1.0);
  EXPECT_EQ(metric_value(m, "bot_requests_total{action=\"challenge\",class=\"automation\"}"), 1.0);
  EXPECT_EQ(metric_value(m, "bot_requests_total{action=\"block\",class=\"suspicious\"}"), 2.0);
  EXPECT_EQ(metric_value(m, "bot_challenges_total{result=\"issued\"}"), 1.0);
}

TEST_F(Bot, ChallengeRoundTripSetsACookieThatLetsTheClientThrough) {
  start(config());
  const std::string agent = "curl/8.4.0";
  HttpResponse page = get("/app?x=1", ua(agent));
  ASSERT_EQ(page.status, 403);
  auto ch = parse_challenge(page.body);
  ASSERT_TRUE(ch) << page.body;
  EXPECT_EQ(ch->difficulty, 8);

  // A wrong solution is refused with a new challenge, and sets no cookie.
  std::string right = solve(*ch);
  std::string wrong;
  for (int n = 0; wrong.empty(); ++n)
    if (!leading_zero_bits(ch->token + ":" + std::to_string(n), ch->difficulty)) wrong = std::to_string(n);
  HttpResponse bad = get("/.aegis/challenge?token=" + ch->token + "&nonce=" + wrong + "&return=%2Fapp", ua(agent));
  EXPECT_EQ(bad.status, 403);
  EXPECT_FALSE(bad.has_header("set-cookie"));
  // The right solution, but from another client (User-Agent), is refused too.
  HttpResponse other = get("/.aegis/challenge?token=" + ch->token + "&nonce=" + right, ua("curl/7.0"));
  EXPECT_EQ(other.status, 403);

  HttpResponse ok = get("/.aegis/challenge?token=" + url_encode(ch->token) + "&nonce=" + right +
                            "&return=" + url_encode("/app?x=1"),
                        ua(agent));
  ASSERT_EQ(ok.status, 302) << ok.body;
  EXPECT_EQ(ok.header("location").value_or(""), "/app?x=1");
  std::string set_cookie = ok.header("set-cookie").value_or("");
  ASSERT_EQ(set_cookie.rfind("aegis_bot=v1.", 0), 0u) << set_cookie;
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  std::string cookie = set_cookie.substr(0, set_cookie.find(';'));

  // Through with the cookie; the origin sees the request.
  Headers h = ua(agent);
  h.emplace_back("Cookie", "theme=dark; " + cookie);
  HttpResponse through = get("/app?x=1", h);
  EXPECT_EQ(through.status, 200);
  ASSERT_TRUE(origin.wait_for_requests(1));
  EXPECT_TRUE(origin_saw("/app?x=1"));
  auto entry = log_entry("/app?x=1");
  EXPECT_EQ(entry.value("bot_action", ""), "pass") << entry.dump();
  // Again, without solving anything.
  EXPECT_EQ(get("/app?y=2", h).status, 200);

  // The cookie is bound to the client: another User-Agent with it is challenged again.
  Headers stolen = ua("python-requests/2.31.0");
  stolen.emplace_back("Cookie", cookie);
  EXPECT_EQ(get("/stolen", stolen).status, 403);
  EXPECT_FALSE(origin_saw("/stolen"));
  // The verification endpoint never reaches the origin.
  for (const auto& t : origin.targets()) EXPECT_EQ(t.find("/.aegis/"), std::string::npos) << t;

  std::string m = metrics();
  EXPECT_EQ(metric_value(m, "bot_challenges_total{result=\"solved\"}"), 1.0) << m;
  EXPECT_EQ(metric_value(m, "bot_challenges_total{result=\"failed\"}"), 2.0);
  EXPECT_EQ(metric_value(m, "bot_requests_total{action=\"pass\",class=\"automation\"}"), 2.0);
  EXPECT_EQ(metric_value(m, "bot_challenges_total{result=\"cookie_rejected\"}"), 1.0);
}

// The page's own script (plain-JavaScript SHA-256 and proof-of-work loop), run by Node.js as a browser would run it:
// the URL it navigates to passes the node's verification.
TEST_F(Bot, InterstitialScriptSolvesTheChallenge) {
  std::string node = find_in_path("node");
  if (node.empty()) GTEST_SKIP() << "node is not installed";
  start(config());
  const std::string agent = "Wget/1.21";
  HttpResponse page = get("/js?q=1", ua(agent));
  ASSERT_EQ(page.status, 403);
  auto open = page.body.find("<script>");
  auto close = page.body.find("</script>");
  ASSERT_NE(open, std::string::npos);
  ASSERT_NE(close, std::string::npos);
  std::string script = page.body.substr(open + 8, close - open - 8);
  TempDir dir;
  write_file(dir.file("page.js"),
             "var location = {replace: function (u) { console.log(u); process.exit(0); }};\n" + script);
  RunResult run = run_command({node, dir.file("page.js")});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::string url = run.out.substr(0, run.out.find('\n'));
  ASSERT_EQ(url.rfind("/.aegis/challenge?token=", 0), 0u) << url;
  HttpResponse ok = get(url, ua(agent));
  ASSERT_EQ(ok.status, 302) << ok.body;
  EXPECT_EQ(ok.header("location").value_or(""), "/js?q=1");
  std::string cookie = ok.header("set-cookie").value_or("");
  Headers h = ua(agent);
  h.emplace_back("Cookie", cookie.substr(0, cookie.find(';')));
  EXPECT_EQ(get("/js?q=1", h).status, 200);
  ASSERT_TRUE(origin.wait_for_requests(1));
  EXPECT_TRUE(origin_saw("/js?q=1"));
}

TEST_F(Bot, ForgedAndExpiredCookiesAreRejected) {
  start(config());
  const std::string agent = "curl/8.4.0";
  auto with_cookie = [&](const std::string& value) {
    Headers h = ua(agent);
    h.emplace_back("Cookie", "aegis_bot=" + value);
    return h;
  };
  // The test signs a cookie itself with the node secret: accepted (so the rejections below are about expiry and
  // forgery, not about the format).
  EXPECT_EQ(get("/valid", with_cookie(cookie_for(agent, unix_now() + 600))).status, 200);
  // Expired, correctly signed.
  EXPECT_EQ(get("/expired", with_cookie(cookie_for(agent, unix_now() - 5))).status, 403);
  // Signed with another secret.
  EXPECT_EQ(get("/other-secret", with_cookie(cookie_for(agent, unix_now() + 600, "not-the-node-secret!!"))).status,
            403);
  // Expiry moved forward without re-signing.
  std::string c = cookie_for(agent, unix_now() + 5);
  std::string moved = "v1." + std::to_string(unix_now() + 100000) + c.substr(c.rfind('.'));
  EXPECT_EQ(get("/moved", with_cookie(moved)).status, 403);
  // Garbage.
  EXPECT_EQ(get("/garbage", with_cookie("v1.9999999999." + std::string(64, 'a'))).status, 403);
  EXPECT_EQ(get("/junk", with_cookie("hello")).status, 403);

  ASSERT_TRUE(origin.wait_for_requests(1));
  EXPECT_TRUE(origin_saw("/valid"));
  for (const char* t : {"/expired", "/other-secret", "/moved", "/garbage", "/junk"}) EXPECT_FALSE(origin_saw(t)) << t;
  EXPECT_EQ(log_entry("/expired").value("bot_challenge", ""), "cookie expired");
  EXPECT_EQ(log_entry("/other-secret").value("bot_challenge", ""), "cookie bad_signature");
  EXPECT_EQ(metric_value(metrics(), "bot_challenges_total{result=\"cookie_rejected\"}"), 5.0);
}

TEST_F(Bot, RateLimitPerClientIp) {
  start(config());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get("/limited/" + std::to_string(i), ua("curl/8")).status, 200) << i;
  HttpResponse r = get("/limited/3", ua("curl/8"));
  EXPECT_EQ(r.status, 429);
  ASSERT_TRUE(r.header("retry-after"));
  int retry = std::stoi(*r.header("retry-after"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 60);
  // Another route has its own budget.
  EXPECT_EQ(get("/keyed/x", ua("curl/8")).status, 200);
  ASSERT_TRUE(origin.wait_for_requests(4));
  EXPECT_FALSE(origin_saw("/limited/3"));
  EXPECT_EQ(log_entry("/limited/3").value("rate_limited", false), true);
  EXPECT_EQ(metric_value(metrics(), "rate_limited_total{route=\"*/limited\"}"), 1.0);
}

TEST_F(Bot, RateLimitByHeaderKey) {
  start(config());
  auto key = [](const std::string& k) {
    Headers h = ua("curl/8");
    h.emplace_back("X-Api-Key", k);
    return h;
  };
  EXPECT_EQ(get("/keyed/1", key("alice")).status, 200);
  EXPECT_EQ(get("/keyed/2", key("alice")).status, 200);
  EXPECT_EQ(get("/keyed/3", key("alice")).status, 429);
  EXPECT_EQ(get("/keyed/4", key("bob")).status, 200);
  EXPECT_EQ(get("/keyed/5", key("bob")).status, 200);
  EXPECT_EQ(get("/keyed/6", key("bob")).status, 429);
  EXPECT_EQ(metric_value(metrics(), "rate_limited_total{route=\"*/keyed\"}"), 2.0);
}

TEST_F(Bot, RequestRateSignalMakesAClientSuspicious) {
  start(config("  rate_signal_requests: 3\n  rate_signal_period: 1m\n"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get("/r" + std::to_string(i), browser_headers()).status, 200) << i;
  EXPECT_EQ(get("/r3", browser_headers()).status, 403);  // suspicious: block
  auto e = log_entry("/r3");
  EXPECT_EQ(e.value("bot_class", ""), "suspicious");
  EXPECT_NE(e.value("bot_reasons", "").find("high_rate"), std::string::npos) << e.dump();
}

TEST_F(Bot, DetectorModuleIsReplaceableByConfig) {
  // A detector that calls everyone suspicious: even a complete browser request is blocked by the policy.
  start(config("  detector: " + wasm("bot_verdict_2") + "\n"));
  EXPECT_EQ(get("/browser", browser_headers()).status, 403);
  auto e = log_entry("/browser");
  EXPECT_EQ(e.value("bot_class", ""), "suspicious");
  EXPECT_NE(e.value("bot_reasons", "").find("detector:suspicious"), std::string::npos) << e.dump();
  EXPECT_FALSE(origin_saw("/browser"));

  // Reload with a detector that traps: failures count as suspicious.
  ASSERT_TRUE(aegis.reload(config("  detector: " + wasm("bot_trap") + "\n"),
                           {{"ORIGIN_PORT", std::to_string(origin.port())}}));
  ASSERT_TRUE(eventually([&] {
    return metric_value(metrics(), "aegis_config_reloads_total{result=\"ok\"}").value_or(0) >= 1;
  }));
  EXPECT_EQ(get("/trapped", browser_headers()).status, 403);
  EXPECT_NE(log_entry("/trapped").value("bot_reasons", "").find("detector:error"), std::string::npos);
  EXPECT_GE(metric_value(metrics(), "bot_detector_errors_total{reason=\"trap\"}").value_or(0), 1.0);

  // And back to a lenient one.
  ASSERT_TRUE(aegis.reload(config("  detector: " + wasm("bot_verdict_0") + "\n"),
                           {{"ORIGIN_PORT", std::to_string(origin.port())}}));
  ASSERT_TRUE(eventually([&] {
    return metric_value(metrics(), "aegis_config_reloads_total{result=\"ok\"}").value_or(0) >= 2;
  }));
  EXPECT_EQ(get("/lenient", browser_headers()).status, 200);
  // The host's own signals still apply whatever the module says.
  EXPECT_EQ(get("/sqlmap", ua("sqlmap/1.7")).status, 403);
}

TEST_F(Bot, ModuleWithoutTheDetectorAbiRefusesTheConfig) {
  std::string error;
  AegisProcess::Options opts;
  opts.ready_timeout = std::chrono::seconds(10);
  EXPECT_FALSE(aegis.start(config("  detector: " + wasm("bot_no_detect") + "\n"),
                           {{"ORIGIN_PORT", std::to_string(origin.port())}}, opts, &error));
  EXPECT_NE(error.find("detect_bot"), std::string::npos) << error;
}

}  // namespace
