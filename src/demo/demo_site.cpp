#include "demo/demo_site.h"

#include <cctype>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

namespace aegis::demo {

namespace {

using json = nlohmann::json;

std::string header_value(const DemoRequest& req, std::string_view name) {
  for (const auto& [k, v] : req.headers) {
    if (k.size() != name.size()) continue;
    bool eq = true;
    for (std::size_t i = 0; i < k.size() && eq; ++i)
      eq = std::tolower(static_cast<unsigned char>(k[i])) == std::tolower(static_cast<unsigned char>(name[i]));
    if (eq) return v;
  }
  return {};
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

DemoResponse json_response(int status, const json& j) {
  DemoResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  return r;
}

DemoResponse index_page(const DemoRequest& req) {
  std::string host = req.headers.empty() ? "" : header_value(req, "host");
  if (host.empty()) host = "127.0.0.1:8080";
  const std::string base = "http://" + html_escape(host);
  DemoResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.body = R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>AEGIS Edge demo</title>
<style>body{font-family:sans-serif;max-width:46em;margin:2em auto;line-height:1.5}
code,pre{background:#f4f4f4;padding:.1em .3em}</style></head>
<body>
<h1>AEGIS Edge — demo origin</h1>
<p>You are reading a page served by the <b>embedded demo origin</b> through the <b>AEGIS Edge proxy</b>.
Every request you make here goes client → proxy (routes, edge functions, WAF, cache) → this origin.</p>
<h2>Things to try</h2>
<pre>
curl -i )" + base + R"(/api/hello          # JSON from the origin
curl -i )" + base + R"(/api/time           # never cached (Cache-Control: no-store)
curl -i )" + base + R"(/static/1k.txt      # cacheable for 60 s
curl -s )" + base + R"(/echo               # what the origin received, incl. headers the proxy added
curl -s http://127.0.0.1:9901/metrics | grep aegis_   # admin: Prometheus metrics
curl -s http://127.0.0.1:9901/healthz
</pre>
<p>Try something malformed too — the proxy answers it and the origin never sees it:</p>
<pre>
printf 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n' | nc 127.0.0.1 8080
</pre>
<ul>
<li><a href="/api/hello">/api/hello</a></li>
<li><a href="/api/time">/api/time</a></li>
<li><a href="/static/1k.txt">/static/1k.txt</a></li>
<li><a href="/echo">/echo</a></li>
</ul>
</body>
</html>
)";
  return r;
}

std::string one_kib_text() {
  static const std::string line = "AEGIS Edge demo static file. 0123456789 abcdefghijklmnopqrstuvwxyz.\n";  // 68 bytes
  std::string s;
  while (s.size() < 1024) s += line;
  s.resize(1023);
  s += '\n';
  return s;
}

}  // namespace

DemoResponse handle_demo_request(const DemoRequest& req) {
  std::string path = req.target.substr(0, req.target.find('?'));
  if (path == "/" || path == "/index.html") return index_page(req);
  if (path == "/api/hello")
    return json_response(200, {{"message", "Hello from the AEGIS Edge demo origin"}, {"path", path}});
  if (path == "/api/time") {
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char iso[32];
    std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    auto r = json_response(200, {{"unix_ms", ms}, {"utc", iso}});
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }
  if (path == "/static/1k.txt") {
    DemoResponse r;
    r.body = one_kib_text();
    r.headers.emplace_back("Cache-Control", "public, max-age=60");
    return r;
  }
  if (path == "/echo") {
    json headers = json::array();
    for (const auto& [k, v] : req.headers) headers.push_back(json::array({k, v}));
    auto r = json_response(200, {{"method", req.method},
                                 {"target", req.target},
                                 {"version", req.version},
                                 {"headers", headers},
                                 {"body", req.body},
                                 {"remote", req.remote}});
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }
  return json_response(404, {{"error", "not found"}, {"path", path}});
}

}  // namespace aegis::demo
