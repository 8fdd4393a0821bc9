// TEST-ONLY ORACLE: the original, deliberately simple byte-at-a-time implementation of the raw-head framing checks
// (src/http/framing.cpp) and of the hop-by-hop/list-value header rules (src/http/headers.cpp) as of commit 9a745fc.
// The optimised production code must make exactly the same decisions (status AND reason, resulting fields);
// framing_differential_test.cpp compares them. Do not optimise this file.
#include "framing_reference.h"

#include <array>
#include <cctype>
#include <cstring>
#include <cstdint>
#include <string>

namespace aegis::http::reference {
namespace {

constexpr std::array<bool, 256> make_tchar() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr auto kTchar = make_tchar();

bool is_tchar(char c) { return kTchar[static_cast<unsigned char>(c)]; }
bool is_ctl(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim_ows(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// Transfer-Encoding classification of the combined field value.
enum class TeVerdict { kChunked, kUnsupported, kInvalid };

TeVerdict classify_te(std::string_view value) {
  int elements = 0;
  bool chunked_seen = false;
  bool all_known = true;
  std::size_t pos = 0;
  while (true) {
    std::size_t comma = value.find(',', pos);
    std::string_view el = trim_ows(value.substr(pos, comma == std::string_view::npos ? value.npos : comma - pos));
    if (el.empty()) return TeVerdict::kInvalid;
    for (char c : el)
      if (!is_tchar(c)) return TeVerdict::kInvalid;  // parameters, quotes, inner spaces: not accepted
    ++elements;
    if (iequals(el, "chunked")) {
      if (chunked_seen) return TeVerdict::kInvalid;
      chunked_seen = true;
    } else if (iequals(el, "gzip") || iequals(el, "x-gzip") || iequals(el, "deflate") || iequals(el, "compress") ||
               iequals(el, "x-compress") || iequals(el, "br") || iequals(el, "zstd")) {
      // a registered coding we do not implement
    } else {
      all_known = false;
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  if (!all_known) return TeVerdict::kInvalid;
  if (chunked_seen && elements == 1) return TeVerdict::kChunked;
  if (chunked_seen) {
    // "gzip, chunked" is well-formed (chunked last) but uses a coding we do not implement.
    std::string_view last = trim_ows(value.substr(value.rfind(',') + 1));
    return iequals(last, "chunked") ? TeVerdict::kUnsupported : TeVerdict::kInvalid;
  }
  return TeVerdict::kUnsupported;
}

bool valid_content_length(std::string_view v) {
  if (v.empty() || v.size() > 18) return false;  // < 10^18: no overflow anywhere downstream
  for (char c : v)
    if (c < '0' || c > '9') return false;
  return true;
}

struct FieldSummary {
  int content_length_count = 0;
  int host_count = 0;
  int te_count = 0;
  bool host_invalid = false;
  bool content_length_invalid = false;
  bool te_invalid_syntax = false;
  // Transfer-Encoding values may span several lines; they are classified together.
  TeVerdict te = TeVerdict::kChunked;
};

// authority = host [ ":" port ] (RFC 9110 §4.2 / RFC 3986 §3.2.2): reg-name characters or an IP-literal in
// brackets, and a decimal port. Userinfo is not allowed in HTTP. An empty Host value is allowed (RFC 9112 §3.2).
bool valid_authority(std::string_view a, bool allow_empty) {
  if (a.empty()) return allow_empty;
  std::string_view host = a, port;
  if (a.front() == '[') {
    std::size_t close = a.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    for (char c : a.substr(1, close - 1))
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return false;
    std::string_view rest = a.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (port.empty()) return false;
    }
    host = {};
  } else {
    std::size_t colon = a.rfind(':');
    if (colon != std::string_view::npos) {
      host = a.substr(0, colon);
      port = a.substr(colon + 1);
      if (port.empty()) return false;
    }
    if (host.empty()) return false;
    for (char c : host) {
      auto u = static_cast<unsigned char>(c);
      // unreserved / sub-delims / pct-encoded of reg-name
      if (!(std::isalnum(u) || std::strchr("-._~!$&'()*+,;=%", c))) return false;
    }
  }
  if (port.size() > 5) return false;
  for (char c : port)
    if (c < '0' || c > '9') return false;
  return true;
}

// request-target (RFC 9112 §3.2): origin-form ("/path?query"), absolute-form ("http://authority/path"),
// authority-form (CONNECT only) or asterisk-form (OPTIONS only). The characters were checked already.
bool valid_request_target(std::string_view method, std::string_view target) {
  if (method == "CONNECT") return valid_authority(target, false);
  if (target.front() == '/') return true;
  if (target == "*") return method == "OPTIONS";
  std::size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string_view scheme = target.substr(0, scheme_end);
  if (!(iequals(scheme, "http") || iequals(scheme, "https"))) return false;
  std::string_view rest = target.substr(scheme_end + 3);
  std::size_t path = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path);
  if (authority.find('@') != std::string_view::npos) return false;
  if (path != std::string_view::npos && rest[path] == '?') return false;  // absolute-form needs a path
  return valid_authority(authority, false);
}

// Validates the header lines of `head` starting at `pos` (just after the start line's CRLF).
// Returns nullptr if fine, else a reason.
const char* check_fields(std::string_view head, std::size_t pos, FieldSummary& s) {
  // Transfer-Encoding may be split over several field lines; collect them (they are rare, and at most a few).
  std::string_view te_values[8];
  int te_n = 0;
  while (pos < head.size()) {
    std::size_t eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos) return "unterminated header line";
    if (eol == pos) break;  // the empty line ending the head
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (line.front() == ' ' || line.front() == '\t') return "obsolete line folding";
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return "header line without colon";
    std::string_view name = line.substr(0, colon);
    if (name.empty()) return "empty header name";
    for (char c : name) {
      if (c == ' ' || c == '\t') return "whitespace before colon";
      if (!is_tchar(c)) return "invalid character in header name";
    }
    std::string_view raw_value = line.substr(colon + 1);
    for (char c : raw_value)
      if (is_ctl(c) && c != '\t') return "control character in header value";
    std::string_view value = trim_ows(raw_value);
    if (iequals(name, "content-length")) {
      ++s.content_length_count;
      if (!valid_content_length(value)) s.content_length_invalid = true;
    } else if (iequals(name, "transfer-encoding")) {
      ++s.te_count;
      if (te_n < 8) te_values[te_n++] = value;
      else return "too many Transfer-Encoding fields";
    } else if (iequals(name, "host")) {
      ++s.host_count;
      if (!valid_authority(value, /*allow_empty=*/true)) s.host_invalid = true;
    }
  }
  if (te_n > 0) {
    // Classify as if the values were one comma-separated list.
    int elements_chunked = 0;
    TeVerdict worst = TeVerdict::kChunked;
    for (int i = 0; i < te_n; ++i) {
      TeVerdict v = classify_te(te_values[i]);
      if (v == TeVerdict::kInvalid) { worst = TeVerdict::kInvalid; break; }
      if (v == TeVerdict::kChunked) ++elements_chunked;
      if (v == TeVerdict::kUnsupported) worst = TeVerdict::kUnsupported;
    }
    if (worst != TeVerdict::kInvalid && te_n > 1) {
      // "Transfer-Encoding: chunked" twice means chunked applied twice; chunked before another line is not final.
      if (elements_chunked > 1) worst = TeVerdict::kInvalid;
      else if (elements_chunked == 1 && classify_te(te_values[te_n - 1]) != TeVerdict::kChunked)
        worst = TeVerdict::kInvalid;
      else if (elements_chunked == 1)
        worst = TeVerdict::kUnsupported;  // e.g. "gzip" + "chunked"
    }
    s.te = worst;
  }
  return nullptr;
}

// Validates the bytes of the head: only CRLF line endings, no NUL/bare CR/bare LF. Header values are checked
// for other controls in check_fields; the start line here.
const char* check_line_endings(std::string_view head) {
  for (std::size_t i = 0; i < head.size(); ++i) {
    char c = head[i];
    if (c == '\r') {
      if (i + 1 >= head.size() || head[i + 1] != '\n') return "bare CR";
      ++i;
    } else if (c == '\n') {
      return "bare LF";
    } else if (c == '\0') {
      return "NUL byte";
    }
  }
  return nullptr;
}

}  // namespace

HeadScan scan_head(std::string_view data, std::size_t max_bytes) {
  HeadScan r;
  std::size_t skip = 0;
  while (data.size() - skip >= 2 && data[skip] == '\r' && data[skip + 1] == '\n' && skip < 8) skip += 2;
  r.skip = skip;
  std::string_view d = data.substr(skip);
  for (std::size_t i = 0; i < d.size(); ++i) {
    char c = d[i];
    if (c == '\n') {
      if (i == 0 || d[i - 1] != '\r') {
        r.state = HeadScan::State::kInvalid;
        r.reason = "bare LF";
        return r;
      }
      if (i >= 3 && d[i - 2] == '\n' && d[i - 3] == '\r') {
        if (i + 1 > max_bytes) {
          r.state = HeadScan::State::kTooLarge;
          r.reason = "header too large";
          return r;
        }
        r.state = HeadScan::State::kComplete;
        r.length = i + 1;
        return r;
      }
    }
    if (i + 1 > max_bytes) {
      r.state = HeadScan::State::kTooLarge;
      r.reason = "header too large";
      return r;
    }
  }
  return r;
}

HeadCheck check_request_head(std::string_view head) {
  if (const char* why = check_line_endings(head)) return {400, why};
  std::size_t eol = head.find("\r\n");
  if (eol == std::string_view::npos) return {400, "no request line"};
  std::string_view line = head.substr(0, eol);
  // request-line = method SP request-target SP HTTP-version
  std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return {400, "malformed request line"};
  for (std::size_t i = 0; i < sp1; ++i)
    if (!is_tchar(line[i])) return {400, "invalid method"};
  std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return {400, "malformed request line"};
  for (std::size_t i = sp1 + 1; i < sp2; ++i) {
    auto u = static_cast<unsigned char>(line[i]);
    if (u <= 0x20 || u >= 0x7f) return {400, "invalid request target"};
  }
  std::string_view version = line.substr(sp2 + 1);
  bool http10 = version == "HTTP/1.0";
  if (!http10 && version != "HTTP/1.1") return {400, "unsupported HTTP version"};
  if (!valid_request_target(line.substr(0, sp1), line.substr(sp1 + 1, sp2 - sp1 - 1)))
    return {400, "invalid request target"};
  FieldSummary s;
  if (const char* why = check_fields(head, eol + 2, s)) return {400, why};
  if (s.content_length_count > 1) return {400, "multiple Content-Length"};
  if (s.content_length_invalid) return {400, "invalid Content-Length"};
  if (s.te_count > 0) {
    if (s.content_length_count > 0) return {400, "Content-Length with Transfer-Encoding"};
    if (http10) return {400, "Transfer-Encoding in HTTP/1.0"};
    if (s.te == TeVerdict::kInvalid) return {400, "invalid Transfer-Encoding"};
    if (s.te == TeVerdict::kUnsupported) return {501, "unsupported Transfer-Encoding"};
  }
  if (s.host_count > 1) return {400, "multiple Host"};
  if (!http10 && s.host_count == 0) return {400, "missing Host"};
  if (s.host_invalid) return {400, "invalid Host"};
  return {};
}

HeadCheck check_response_head(std::string_view head) {
  if (const char* why = check_line_endings(head)) return {502, why};
  std::size_t eol = head.find("\r\n");
  if (eol == std::string_view::npos) return {502, "no status line"};
  std::string_view line = head.substr(0, eol);
  // status-line = HTTP-version SP status-code SP [ reason-phrase ]
  if (line.size() < 12 || (line.substr(0, 9) != "HTTP/1.1 " && line.substr(0, 9) != "HTTP/1.0 "))
    return {502, "malformed status line"};
  for (int i = 9; i < 12; ++i)
    if (line[i] < '0' || line[i] > '9') return {502, "malformed status code"};
  if (line.size() > 12 && line[12] != ' ') return {502, "malformed status line"};
  for (std::size_t i = 12; i < line.size(); ++i)
    if (is_ctl(line[i]) && line[i] != '\t') return {502, "control character in reason phrase"};
  FieldSummary s;
  if (const char* why = check_fields(head, eol + 2, s)) return {502, why};
  if (s.content_length_count > 1) return {502, "multiple Content-Length"};
  if (s.content_length_invalid) return {502, "invalid Content-Length"};
  if (s.te_count > 0) {
    if (s.content_length_count > 0) return {502, "Content-Length with Transfer-Encoding"};
    if (s.te != TeVerdict::kChunked) return {502, "unsupported Transfer-Encoding"};
  }
  return {};
}

}  // namespace aegis::http::reference

// ---- header rules (from src/http/headers.cpp) ----
namespace aegis::http::reference {
namespace bh = boost::beast::http;

namespace {
char lower_h(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool istarts_with(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower_h(s[i]) != prefix[i]) return false;
  return true;
}
std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}
}  // namespace

void remove_hop_by_hop(Fields& fields) {
  // Fields named by Connection first (they may include any name). Copy the names: erasing invalidates views.
  std::string named;
  auto conn = fields.equal_range(bh::field::connection);
  for (auto it = conn.first; it != conn.second; ++it) {
    named.append(it->value());
    named.push_back(',');
  }
  if (!named.empty()) {
    std::string_view list = named;
    std::size_t pos = 0;
    while (pos < list.size()) {
      std::size_t comma = list.find(',', pos);
      std::string_view token = trim(list.substr(pos, comma - pos));
      if (!token.empty()) fields.erase(token);
      pos = comma + 1;
    }
    fields.erase(bh::field::connection);
  }
  fields.erase(bh::field::keep_alive);
  fields.erase(bh::field::te);
  fields.erase(bh::field::trailer);
  fields.erase(bh::field::transfer_encoding);
  fields.erase(bh::field::upgrade);
  // Proxy-*: rare; only scan when present.
  for (auto it = fields.begin(); it != fields.end();) {
    if (istarts_with(it->name_string(), "proxy-"))
      it = fields.erase(it);
    else
      ++it;
  }
}

void append_list_value(Fields& fields, std::string_view name, std::string_view value) {
  auto range = fields.equal_range(name);
  if (range.first == range.second) {
    fields.insert(name, value);
    return;
  }
  std::string joined;
  for (auto i = range.first; i != range.second; ++i) {
    if (!joined.empty()) joined.append(", ");
    joined.append(i->value());
  }
  if (!joined.empty()) joined.append(", ");
  joined.append(value);
  fields.set(name, joined);
}

}  // namespace aegis::http::reference
