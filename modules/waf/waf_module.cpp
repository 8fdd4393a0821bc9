// The AEGIS WAF module: exports the reference WAF ABI (docs HOST-ABI.md, "WAF modules"):
//   memory, alloc(size) -> ptr, dealloc(ptr, size), analyze_request(ptr, len) -> result ptr
// The host writes the request as JSON at a pointer from alloc() and calls analyze_request(); the result is a 4-byte
// little-endian length followed by the verdict as JSON. AEGIS extensions (ignored by the reference host, used by
// this node): the request JSON may carry "config": {"paranoia", "threshold", "exclude_rules", "exclude_args"}, and
// the result carries "score", "threshold" and "paranoia" besides "blocked" and "matches".
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "json.h"
#include "normalize.h"
#include "rules.h"

namespace {

using namespace waf;

struct HeaderKV {
  std::string name, value;
};

struct RequestIn {
  std::string method, uri, body;
  bool has_body = false;
  std::vector<HeaderKV> headers;
  Policy policy;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

long to_int(std::string_view s) {
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') break;
    v = v * 10 + (c - '0');
    if (v > 1000000000) break;
  }
  return v;
}

class RequestSink : public JsonSink {
 public:
  explicit RequestSink(RequestIn& r) : r_(r) {}
  void leaf(const std::string& path, std::string_view value, bool is_string) override {
    std::string_view p(path);
    if (p == "method") r_.method.assign(value);
    else if (p == "uri") r_.uri.assign(value);
    else if (p == "body") { r_.body.assign(value); r_.has_body = true; }
    else if (p.substr(0, 8) == "headers.") {
      std::string_view rest = p.substr(8);
      std::size_t dot = rest.find('.');
      if (dot == std::string_view::npos) return;
      long idx = to_int(rest.substr(0, dot));
      if (idx < 0 || idx > 10000) return;
      if (r_.headers.size() <= static_cast<std::size_t>(idx)) r_.headers.resize(static_cast<std::size_t>(idx) + 1);
      if (rest.substr(dot + 1) == "0") r_.headers[static_cast<std::size_t>(idx)].name = lower(value);
      else if (rest.substr(dot + 1) == "1") r_.headers[static_cast<std::size_t>(idx)].value.assign(value);
    } else if (p == "config.paranoia" && !is_string) {
      long v = to_int(value);
      r_.policy.paranoia = v < 1 ? 1 : v > 4 ? 4 : static_cast<int>(v);
    } else if (p == "config.threshold" && !is_string) {
      long v = to_int(value);
      r_.policy.threshold = v < 1 ? 1 : static_cast<int>(v);
    } else if (p.starts_with("config.exclude_rules.")) {
      r_.policy.exclude_rules.push_back(static_cast<uint32_t>(to_int(value)));
    } else if (p.starts_with("config.exclude_args.")) {
      r_.policy.exclude_args.emplace_back(value);
    }
  }

 private:
  RequestIn& r_;
};

const HeaderKV* find_header(const RequestIn& r, std::string_view name) {
  for (const auto& h : r.headers)
    if (h.name == name) return &h;
  return nullptr;
}

bool invalid_percent(std::string_view s) {
  auto hex = [&](std::size_t k) {
    if (k >= s.size()) return false;
    char c = s[k];
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  };
  for (std::size_t i = s.find('%'); i != std::string_view::npos; i = s.find('%', i + 1)) {
    if (hex(i + 1) && hex(i + 2)) continue;
    if (i + 1 < s.size() && (s[i + 1] == 'u' || s[i + 1] == 'U') && hex(i + 2) && hex(i + 3) && hex(i + 4) &&
        hex(i + 5))
      continue;
    return true;
  }
  return false;
}

// key=value&key=value (urlencoded: '+' is a space); `source` says query or body.
void inspect_urlencoded(Inspector& insp, std::string_view s, Source source) {
  std::string key, value;
  std::size_t pos = 0;
  int count = 0;
  while (pos <= s.size() && ++count < 4096) {
    std::size_t amp = s.find('&', pos);
    std::string_view pair = s.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      std::string_view k = pair.substr(0, eq);
      std::string_view v = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      url_decode(k, true, key, nullptr);
      url_decode(v, true, value, nullptr);
      insp.inspect(Source::ArgName, key, key);
      insp.inspect(source, key, value);
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
}

void inspect_cookies(Inspector& insp, std::string_view s) {
  std::size_t pos = 0;
  int count = 0;
  while (pos < s.size() && ++count < 1024) {
    std::size_t semi = s.find(';', pos);
    std::string_view c = s.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos);
    while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
    std::size_t eq = c.find('=');
    std::string_view name = c.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : c.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    insp.inspect(Source::ArgName, name, name);
    insp.inspect(Source::Cookie, name, value);
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
}

class BodySink : public JsonSink {
 public:
  explicit BodySink(Inspector& insp) : insp_(insp) {}
  void leaf(const std::string& path, std::string_view value, bool is_string) override {
    if (is_string) insp_.inspect(Source::BodyArg, path, value);
  }
  void key(std::string_view k) override { insp_.inspect(Source::ArgName, k, k); }

 private:
  Inspector& insp_;
};

// multipart/form-data: each part's name and content (files' names too).
void inspect_multipart(Inspector& insp, std::string_view body, std::string_view ctype) {
  std::size_t b = ctype.find("boundary=");
  if (b == std::string_view::npos) {
    insp.inspect(Source::Body, "", body);
    return;
  }
  std::string_view boundary = ctype.substr(b + 9);
  if (std::size_t semi = boundary.find(';'); semi != std::string_view::npos) boundary = boundary.substr(0, semi);
  if (boundary.size() >= 2 && boundary.front() == '"') boundary = boundary.substr(1, boundary.size() - 2);
  if (boundary.empty()) return;
  std::string delim = "--" + std::string(boundary);
  std::size_t pos = body.find(delim);
  int parts = 0;
  while (pos != std::string_view::npos && ++parts < 256) {
    std::size_t start = pos + delim.size();
    if (body.substr(start, 2) == "--") break;
    std::size_t head_end = body.find("\r\n\r\n", start);
    if (head_end == std::string_view::npos) break;
    std::string_view head = body.substr(start, head_end - start);
    std::size_t next = body.find(delim, head_end + 4);
    std::string_view content =
        body.substr(head_end + 4, (next == std::string_view::npos ? body.size() : next) - head_end - 4);
    if (content.size() >= 2 && content.substr(content.size() - 2) == "\r\n") content.remove_suffix(2);
    std::string lh = lower(head);
    std::string name;
    if (std::size_t n = lh.find("name=\""); n != std::string::npos) {
      std::size_t e = head.find('"', n + 6);
      if (e != std::string_view::npos) name.assign(head.substr(n + 6, e - n - 6));
    }
    if (std::size_t f = lh.find("filename=\""); f != std::string::npos) {
      std::size_t e = head.find('"', f + 10);
      if (e != std::string_view::npos) insp.inspect(Source::BodyArg, name + ".filename", head.substr(f + 10, e - f - 10));
    }
    insp.inspect(Source::ArgName, name, name);
    insp.inspect(Source::BodyArg, name, content);
    pos = next;
  }
}

const char* const kRestrictedExt[] = {".bak", ".backup", ".old", ".orig", ".sql", ".sqlite", ".db", ".mdb",
                                      ".ini", ".conf", ".cfg", ".log", ".swp", ".save", ".dist", ".tmp", ".pem",
                                      ".key", ".env", ".git", ".svn", ".htpasswd", ".passwd", ".inc", ".bash_history"};

bool is_ipv4_host(std::string_view h) {
  if (h.empty()) return false;
  int dots = 0;
  for (char c : h) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  }
  return dots == 3;
}

__attribute__((noinline)) void inspect_header(Inspector& insp, const HeaderKV& h) {
  if (h.name == "cookie") {
    inspect_cookies(insp, h.value);
  } else if (h.name == "user-agent" || h.name == "referer") {
    insp.inspect(Source::HeaderFull, h.name, h.value);  // user-agent: scanner signatures too
  } else {
    if (h.name == "x-scanner" || h.name.starts_with("acunetix-") || h.name == "x-wipp" || h.name == "x-scan-memo" ||
        h.name == "x-ptst-scan")
      insp.report(913110, "Header:" + h.name, h.value);
    if (h.value.find_first_of("$(#%\\&@{") != std::string::npos) insp.inspect(Source::Header, h.name, h.value);
  }
}

void analyze(const RequestIn& r, Inspector& insp) {
  // ---- method ----
  const std::string& m = r.method;
  if (m == "TRACE" || m == "TRACK" || m == "DEBUG") insp.report(920100, "Method", m);
  else if (m != "GET" && m != "HEAD" && m != "POST" && m != "PUT" && m != "DELETE" && m != "OPTIONS" &&
           m != "PATCH")
    insp.report(920101, "Method", m);

  // ---- headers ----
  const HeaderKV* host = find_header(r, "host");
  if (!host || host->value.empty()) {
    insp.report(920280, "Header:host", "");
  } else {
    std::string h = lower(host->value);
    if (std::size_t colon = h.rfind(':'); colon != std::string::npos && h.find(']') == std::string::npos)
      h.resize(colon);
    if (is_ipv4_host(h)) insp.report(920350, "Header:host", h);
    insp.set_host(h);
  }
  const HeaderKV* ua = find_header(r, "user-agent");
  if (!ua || ua->value.empty()) insp.report(920320, "Header:user-agent", "");
  if ((m == "GET" || m == "HEAD") && !r.body.empty()) insp.report(920170, "Body", "");

  for (const auto& h : r.headers)
    if (!h.name.empty()) inspect_header(insp, h);

  // ---- URI ----
  std::string_view uri(r.uri);
  if (std::size_t hash = uri.find('#'); hash != std::string_view::npos) uri = uri.substr(0, hash);
  std::size_t q = uri.find('?');
  std::string_view path = uri.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : uri.substr(q + 1);
  if (invalid_percent(uri)) insp.report(920220, "URI", uri);
  std::string dpath;
  url_decode(path, false, dpath, nullptr);
  insp.inspect(Source::Path, "", dpath);
  {
    std::string lp = lower(dpath);
    std::size_t slash = lp.rfind('/');
    std::string_view last = std::string_view(lp).substr(slash == std::string::npos ? 0 : slash + 1);
    while (!last.empty() && (last.back() == '~' || last.back() == ' ' || last.back() == '.')) last.remove_suffix(1);
    for (const char* ext : kRestrictedExt) {
      std::size_t n = std::strlen(ext);
      if (last.size() >= n && last.substr(last.size() - n) == ext) {
        insp.report(920440, "URI", dpath);
        break;
      }
    }
  }
  if (!query.empty()) inspect_urlencoded(insp, query, Source::Arg);

  // ---- body ----
  if (!r.body.empty()) {
    const HeaderKV* ct = find_header(r, "content-type");
    std::string ctype = ct ? lower(ct->value) : std::string();
    if (ctype.find("application/x-www-form-urlencoded") != std::string::npos) {
      if (invalid_percent(r.body)) insp.report(920220, "Body", r.body.substr(0, 64));
      inspect_urlencoded(insp, r.body, Source::BodyArg);
    } else if (ctype.find("json") != std::string::npos) {
      BodySink sink(insp);
      if (!json_walk(r.body, sink, false)) insp.inspect(Source::Body, "", r.body);
    } else if (ctype.find("multipart/form-data") != std::string::npos) {
      inspect_multipart(insp, r.body, ct->value);
    } else {
      insp.inspect(Source::Body, "", r.body);
    }
  }
}

std::string g_result;  // the last result: [u32 length][JSON]; valid until the next call

// Per-request arena for C++ allocations: every std::string / std::vector made while a request is analysed is
// bump-allocated here and dropped wholesale when the next request starts (dlmalloc's per-call cost dominated the
// instruction budget). Allocations beyond the arena, and all allocations outside a request, use malloc.
constexpr std::size_t kArenaBytes = 2u << 20;
char* g_arena = nullptr;
std::size_t g_used = 0;
bool g_active = false;

void* arena_alloc(std::size_t n) {
  if (g_active) {
    std::size_t a = (g_used + 15) & ~static_cast<std::size_t>(15);
    if (a + n <= kArenaBytes) {
      g_used = a + n;
      return g_arena + a;
    }
  }
  return std::malloc(n ? n : 1);
}

bool in_arena(const void* p) {
  auto* c = static_cast<const char*>(p);
  return g_arena && c >= g_arena && c < g_arena + kArenaBytes;
}

void put_u32(std::string& s, std::size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

}  // namespace

void* operator new(std::size_t n) { return arena_alloc(n); }
void* operator new[](std::size_t n) { return arena_alloc(n); }
void operator delete(void* p) noexcept {
  if (p && !in_arena(p)) std::free(p);
}
void operator delete[](void* p) noexcept {
  if (p && !in_arena(p)) std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  if (p && !in_arena(p)) std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  if (p && !in_arena(p)) std::free(p);
}

extern "C" {

__attribute__((export_name("alloc"))) uint32_t alloc(uint32_t size) {
  void* p = std::malloc(size ? size : 1);
  return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(p));
}

__attribute__((export_name("dealloc"))) void dealloc(uint32_t ptr, uint32_t /*size*/) {
  std::free(reinterpret_cast<void*>(static_cast<uintptr_t>(ptr)));
}

__attribute__((export_name("analyze_request"))) uint32_t analyze_request(uint32_t ptr, uint32_t len) {
  std::string_view in(reinterpret_cast<const char*>(static_cast<uintptr_t>(ptr)), len);
  init_tables();
  if (!g_arena) g_arena = static_cast<char*>(std::malloc(kArenaBytes));
  g_used = 0;
  g_active = g_arena != nullptr;
  RequestIn req;
  RequestSink sink(req);
  bool parsed = json_walk(in, sink, true);

  Inspector insp(req.policy);
  if (parsed) analyze(req, insp);
  g_active = false;  // the result outlives the request: heap

  std::string& out = g_result;
  out.assign(4, '\0');
  out += "{\"blocked\":";
  bool blocked = insp.score() >= req.policy.threshold;
  out += blocked ? "true" : "false";
  out += ",\"score\":" + std::to_string(insp.score());
  out += ",\"threshold\":" + std::to_string(req.policy.threshold);
  out += ",\"paranoia\":" + std::to_string(req.policy.paranoia);
  if (!parsed) out += ",\"error\":\"request JSON could not be parsed\"";
  out += ",\"matches\":[";
  bool first = true;
  for (const auto& mt : insp.matches()) {
    if (!first) out += ',';
    first = false;
    out += "{\"rule_id\":" + std::to_string(mt.rule->id) + ",\"description\":";
    json_escape(out, mt.rule->description);
    out += ",\"severity\":" + std::to_string(mt.rule->severity) + ",\"category\":";
    json_escape(out, mt.rule->category);
    out += ",\"matched_value\":";
    json_escape(out, mt.value, 64);
    out += ",\"location\":";
    json_escape(out, mt.location, 128);
    out += '}';
  }
  out += "],\"execution_time_us\":0}";
  put_u32(out, 0, static_cast<uint32_t>(out.size() - 4));
  return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(out.data()));
}

}  // extern "C"
