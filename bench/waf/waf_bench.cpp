// The cost of the WAF stage per request, measured exactly as WafPhase does it: serialise the request (+ route
// policy) to JSON, run the module (modules/waf → aegis_waf.wasm) on this thread's FunctionRunner, parse the result.
// Reports median and p99 per scenario (benign GET, malicious GET, 1 KB form POST), then the corpus detection and
// false-positive rates. Usage: waf_bench [--iterations N] [--module PATH] [--corpus DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/waf_config.h"
#include "waf/waf_module.h"

using namespace aegis;
using Clock = std::chrono::steady_clock;

namespace {

struct Scenario {
  const char* name;
  std::string method, uri, body;
  std::vector<std::pair<std::string, std::string>> headers;
};

std::vector<std::pair<std::string, std::string>> browser_headers() {
  return {{"host", "shop.example.com"},
          {"user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"},
          {"accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
          {"accept-language", "en-US,en;q=0.9"},
          {"accept-encoding", "gzip, deflate, br"},
          {"cookie", "_ga=GA1.2.123456789.1700000000; session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"}};
}

waf::Verdict run_once(const waf::WafModule& m, const Scenario& s, const std::string& fragment, const waf::Policy& p) {
  waf::Request r;
  r.method = s.method;
  r.uri = s.uri;
  for (const auto& [n, v] : s.headers) r.headers.emplace_back(n, v);
  r.body = s.body;
  return m.analyze(waf::request_json(r, fragment), p);
}

double pct(std::vector<double>& v, double q) {
  std::size_t i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i];
}

struct Rates {
  int total = 0, blocked = 0;
};

Rates corpus(const waf::WafModule& m, const std::string& file, const std::string& fragment, const waf::Policy& p) {
  Rates r;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    Scenario s{"", j["method"], j["uri"], j["body"], {}};
    for (const auto& h : j["headers"]) s.headers.emplace_back(h[0], h[1]);
    ++r.total;
    if (run_once(m, s, fragment, p).blocked) ++r.blocked;
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 20000;
  std::string module = std::string(AEGIS_WASM_DIR) + "/aegis_waf.wasm";
  std::string corpus_dir = AEGIS_WAF_CORPUS_DIR;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--iterations")) iterations = std::max(100, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--module")) module = argv[i + 1];
    else if (!std::strcmp(argv[i], "--corpus")) corpus_dir = argv[i + 1];
  }
  // The limits aegis serve uses by default (waf.timeout/memory/fuel), not the reference ABI's 2,000,000 fuel.
  functions::FunctionLimits limits = functions::FunctionLimits::waf_module();
  const config::WafConfig defaults;
  limits.deadline = defaults.timeout;
  limits.memory_bytes = defaults.memory;
  limits.fuel = defaults.fuel;
  auto m = waf::WafModule::load(module, limits);
  waf::Policy policy;
  std::string fragment = waf::policy_json(policy);

  std::string form = "first_name=Shaquille&last_name=O%27Neal&email=shaq%40example.com&phone=%2B1+555+0100&message=";
  while (form.size() < 1024) form += "Hello+there%2C+I%27d+like+to+update+my+order+and+select+a+new+delivery+date.+";
  form.resize(1024);
  std::vector<Scenario> scenarios = {
      {"benign GET", "GET", "/products/42?color=blue&size=m&ref=home", "", browser_headers()},
      {"malicious GET", "GET", "/products?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--", "",
       browser_headers()},
      {"1 KB form POST", "POST", "/account/update", form, browser_headers()},
  };
  scenarios[2].headers.emplace_back("content-type", "application/x-www-form-urlencoded");

  std::printf("WAF stage cost per request (%d iterations each, module %s)\n", iterations, module.c_str());
  std::printf("%-16s %10s %10s %10s  %s\n", "scenario", "median_us", "p99_us", "mean_us", "verdict");
  for (const auto& s : scenarios) {
    for (int i = 0; i < 2000; ++i) run_once(*m, s, fragment, policy);  // warm-up: tier-up to optimised code
    std::vector<double> us;
    us.reserve(static_cast<std::size_t>(iterations));
    waf::Verdict last;
    double sum = 0;
    for (int i = 0; i < iterations; ++i) {
      auto t0 = Clock::now();
      last = run_once(*m, s, fragment, policy);
      double d = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
      us.push_back(d);
      sum += d;
    }
    if (!last.ok()) {
      std::fprintf(stderr, "%s: WAF failed: %s\n", s.name, last.outcome.message.c_str());
      return 1;
    }
    double mean = sum / static_cast<double>(us.size());
    double med = pct(us, 0.5), p99 = pct(us, 0.99);
    std::printf("%-16s %10.2f %10.2f %10.2f  %s (score %d)\n", s.name, med, p99, mean,
                last.blocked ? "block" : "pass", last.score);
  }
  Rates mal = corpus(*m, corpus_dir + "/malicious.jsonl", fragment, policy);
  Rates ben = corpus(*m, corpus_dir + "/benign.jsonl", fragment, policy);
  std::printf("corpus (paranoia %d, threshold %d): detection %d/%d = %.1f %%, false positives %d/%d = %.2f %%\n",
              policy.paranoia, policy.threshold, mal.blocked, mal.total, 100.0 * mal.blocked / std::max(1, mal.total),
              ben.blocked, ben.total, 100.0 * ben.blocked / std::max(1, ben.total));
  return 0;
}
