#include "http/framing.h"

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// Cost model: these checks run on every request head and every origin response head, which are small (~80 and
// ~250 bytes), so the work per byte and per line decides. The bytes are looked at in 16-byte blocks: one pass over
// the head finds every control byte (a bit mask per block; only the few set bits — the CRLFs — are visited one by
// one) and records where the lines end; the field walk then reads only the field names, and a value only when it
// matters (Content-Length, Transfer-Encoding, Host, or a head that contains a control byte other than CRLF/HTAB).
// The decisions, including which reason wins when a head has several faults, are exactly those of the simple
// one-pass-per-rule formulation kept as the oracle in tests/http/framing_reference.cpp (differential test).

namespace aegis::http {
namespace {

// ---- character classes ------------------------------------------------------------------------------------------
enum : std::uint8_t {
  kTchar = 1,    // RFC 9110 token character
  kRegName = 2,  // reg-name character of a Host (unreserved / sub-delims / '%'), plus NUL (see valid_authority)
  kHex = 4,      // hex digit
  kAlnum = 8,
};

constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] |= kTchar | kRegName | kHex | kAlnum;
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= kTchar | kRegName | kAlnum;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] |= kTchar | kRegName | kAlnum;
  for (int c = 'a'; c <= 'f'; ++c) t[c] |= kHex;
  for (int c = 'A'; c <= 'F'; ++c) t[c] |= kHex;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] |= kTchar;
  for (char c : std::string_view("-._~!$&'()*+,;=%")) t[static_cast<unsigned char>(c)] |= kRegName;
  // The original check used strchr(set, c), which also matches the terminating NUL. A NUL never gets this far
  // (it is rejected first), but the class keeps the decision identical.
  t[0] |= kRegName;
  return t;
}
constexpr auto kClass = make_classes();

inline bool is(char c, std::uint8_t cls) { return (kClass[static_cast<unsigned char>(c)] & cls) != 0; }
inline bool is_ctl(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}
inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// `name` (all token characters) equals the lowercase literal `lit` (letters and '-') ignoring case. For token
// characters, c | 0x20 equals a lowercase letter only for that letter in either case, and equals '-' only for '-'.
template <std::size_t N>
inline bool token_is(const char* name, const char (&lit)[N]) {
  unsigned diff = 0;
  for (std::size_t i = 0; i + 1 < N; ++i) diff |= static_cast<unsigned char>(name[i] | 0x20) ^ static_cast<unsigned char>(lit[i]);
  return diff == 0;
}

std::string_view trim_ows(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

inline unsigned ctz(unsigned m) { return static_cast<unsigned>(__builtin_ctz(m)); }

// ---- 16-byte block masks ----------------------------------------------------------------------------------------
// Bit i set for each of the 16 bytes at p that is a control byte (< 0x20) or DEL.
inline unsigned ctl_mask(const char* p) {
#if defined(__SSE2__)
  __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
  __m128i del = _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(ctl, del)));
#else
  unsigned m = 0;
  for (int i = 0; i < 16; ++i) m |= static_cast<unsigned>(is_ctl(p[i])) << i;
  return m;
#endif
}

// Bit i set for each of the 16 bytes at p that is LF.
inline unsigned lf_mask(const char* p) {
#if defined(__SSE2__)
  __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('\n'))));
#else
  unsigned m = 0;
  for (int i = 0; i < 16; ++i) m |= static_cast<unsigned>(p[i] == '\n') << i;
  return m;
#endif
}

// Bit i set for each of the 16 bytes at p that is NOT a letter, digit or '-' (the characters of nearly every field
// name; all of them are token characters).
inline unsigned non_name_mask(const char* p) {
#if defined(__SSE2__)
  __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i low = _mm_or_si128(x, _mm_set1_epi8(0x20));
  __m128i a = _mm_sub_epi8(low, _mm_set1_epi8('a'));
  __m128i alpha = _mm_cmpeq_epi8(_mm_max_epu8(a, _mm_set1_epi8(25)), _mm_set1_epi8(25));
  __m128i d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
  __m128i digit = _mm_cmpeq_epi8(_mm_max_epu8(d, _mm_set1_epi8(9)), _mm_set1_epi8(9));
  __m128i dash = _mm_cmpeq_epi8(x, _mm_set1_epi8('-'));
  auto ok = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(alpha, digit), dash)));
  return ~ok & 0xffffu;
#else
  unsigned m = 0;
  for (int i = 0; i < 16; ++i) {
    char c = p[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    m |= static_cast<unsigned>(!ok) << i;
  }
  return m;
#endif
}

// The mask of a block that may be shorter than 16 bytes (the end of the buffer): copied, padded with 'a'.
template <unsigned (*Mask)(const char*)>
inline unsigned tail_mask(const char* p, std::size_t n) {
  char buf[16];
  std::memset(buf, 'a', sizeof buf);
  std::memcpy(buf, p, n);
  return Mask(buf) & ((1u << n) - 1);
}

// ---- pass 1: bytes and line ends --------------------------------------------------------------------------------
// Line ends (positions of the CR of each CRLF) in order. The first kMaxRecorded are recorded by the byte pass; any
// later ones are found with memchr (after the byte pass every CR is known to start a CRLF).
struct HeadLines {
  static constexpr int kMaxRecorded = 64;
  const char* p = nullptr;
  std::size_t n = 0;
  std::size_t ends[kMaxRecorded];
  int count = 0;
  int next = 0;
  bool other_ctl = false;  // a control byte other than CR, LF, HTAB, or DEL somewhere in the head

  static constexpr std::size_t npos = std::string_view::npos;
  // The first line end at or after `pos`, npos if none.
  std::size_t find_eol(std::size_t pos) {
    while (next < count) {
      std::size_t e = ends[next++];
      if (e >= pos) return e;
    }
    if (count < kMaxRecorded || pos >= n) return npos;
    const void* r = std::memchr(p + pos, '\r', n - pos);
    return r ? static_cast<std::size_t>(static_cast<const char*>(r) - p) : npos;
  }
};

// Only CRLF line endings, no NUL: returns the first violation in byte order ("bare CR", "bare LF", "NUL byte"),
// else nullptr with the line ends recorded.
const char* scan_bytes(std::string_view head, HeadLines& L) {
  const char* p = head.data();
  const std::size_t n = head.size();
  L.p = p;
  L.n = n;
  bool skip_first = false;  // the block starts with the LF of a CRLF whose CR ended the previous block
  for (std::size_t base = 0; base < n; base += 16) {
    unsigned m = base + 16 <= n ? ctl_mask(p + base) : tail_mask<ctl_mask>(p + base, n - base);
    if (skip_first) {
      m &= ~1u;
      skip_first = false;
    }
    while (m != 0) {
      unsigned b = ctz(m);
      m &= m - 1;
      std::size_t i = base + b;
      char c = p[i];
      if (c == '\r') {
        if (i + 1 >= n || p[i + 1] != '\n') return "bare CR";
        if (L.count < HeadLines::kMaxRecorded) L.ends[L.count++] = i;
        if (b == 15)
          skip_first = true;
        else
          m &= ~(1u << (b + 1));
      } else if (c == '\n') {
        return "bare LF";
      } else if (c == '\0') {
        return "NUL byte";
      } else if (c != '\t') {
        L.other_ctl = true;
      }
    }
  }
  return nullptr;
}

// ---- field semantics --------------------------------------------------------------------------------------------
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
      if (!is(c, kTchar)) return TeVerdict::kInvalid;  // parameters, quotes, inner spaces: not accepted
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
      if (!(is(c, kHex) || c == ':' || c == '.')) return false;
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
    for (char c : host)
      if (!is(c, kRegName)) return false;  // unreserved / sub-delims / pct-encoded of reg-name
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

// Length of the run of token characters at the start of `s` (which is followed, inside the head, by at least the
// CR of its line end, so the 16-byte blocks may look past the line but never past `limit`).
inline std::size_t token_run(const char* s, std::size_t len, const char* limit) {
  std::size_t j = 0;
  while (s + j + 16 <= limit) {
    unsigned m = non_name_mask(s + j);
    if (m != 0) {
      j += ctz(m);
      break;
    }
    j += 16;
  }
  while (j < len && is(s[j], kTchar)) ++j;
  return j;
}

// Validates the header lines starting at `pos` (just after the start line's CRLF). Returns nullptr if fine, else
// the first violation in line order.
const char* check_fields(HeadLines& L, std::size_t pos, FieldSummary& s) {
  const char* const p = L.p;
  const std::size_t n = L.n;
  // Transfer-Encoding may be split over several field lines; collect them (they are rare, and at most a few).
  std::string_view te_values[8];
  int te_n = 0;
  while (pos < n) {
    std::size_t eol = L.find_eol(pos);
    if (eol == HeadLines::npos) return "unterminated header line";
    if (eol == pos) break;  // the empty line ending the head
    const char* line = p + pos;
    const std::size_t len = eol - pos;
    pos = eol + 2;
    if (line[0] == ' ' || line[0] == '\t') return "obsolete line folding";
    std::size_t j = token_run(line, len, p + n);
    if (j == len) return "header line without colon";
    if (line[j] != ':') {
      // line[j] is the first character that is neither a token character nor a colon: it is in the name if a
      // colon follows.
      if (std::memchr(line + j + 1, ':', len - j - 1) == nullptr) return "header line without colon";
      return (line[j] == ' ' || line[j] == '\t') ? "whitespace before colon" : "invalid character in header name";
    }
    if (j == 0) return "empty header name";
    std::string_view raw_value(line + j + 1, len - j - 1);
    if (L.other_ctl) {
      for (char c : raw_value)
        if (is_ctl(c) && c != '\t') return "control character in header value";
    }
    switch (j) {
      case 4:
        if (token_is(line, "host")) {
          ++s.host_count;
          if (!valid_authority(trim_ows(raw_value), /*allow_empty=*/true)) s.host_invalid = true;
        }
        break;
      case 14:
        if (token_is(line, "content-length")) {
          ++s.content_length_count;
          if (!valid_content_length(trim_ows(raw_value))) s.content_length_invalid = true;
        }
        break;
      case 17:
        if (token_is(line, "transfer-encoding")) {
          ++s.te_count;
          if (te_n < 8) te_values[te_n++] = trim_ows(raw_value);
          else return "too many Transfer-Encoding fields";
        }
        break;
      default:
        break;
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

}  // namespace

HeadScan scan_head(std::string_view data, std::size_t max_bytes) {
  HeadScan r;
  std::size_t skip = 0;
  while (data.size() - skip >= 2 && data[skip] == '\r' && data[skip + 1] == '\n' && skip < 8) skip += 2;
  r.skip = skip;
  const char* d = data.data() + skip;
  const std::size_t size = data.size() - skip;
  // Positions that matter: up to and including index max_bytes (a head ending there is already too large, but a
  // bare LF there is reported as such, as a byte-by-byte scan would).
  const std::size_t limit = max_bytes < size ? max_bytes + 1 : size;
  std::size_t prev_lf = HeadLines::npos;
  for (std::size_t base = 0; base < limit; base += 16) {
    unsigned m = base + 16 <= size ? lf_mask(d + base) : tail_mask<lf_mask>(d + base, size - base);
    if (limit - base < 16) m &= (1u << (limit - base)) - 1;
    while (m != 0) {
      std::size_t i = base + ctz(m);
      m &= m - 1;
      if (i == 0 || d[i - 1] != '\r') {
        r.state = HeadScan::State::kInvalid;
        r.reason = "bare LF";
        return r;
      }
      if (prev_lf != HeadLines::npos && prev_lf + 2 == i) {  // CRLFCRLF
        if (i + 1 > max_bytes) {
          r.state = HeadScan::State::kTooLarge;
          r.reason = "header too large";
          return r;
        }
        r.state = HeadScan::State::kComplete;
        r.length = i + 1;
        return r;
      }
      prev_lf = i;
    }
  }
  if (size > max_bytes) {
    r.state = HeadScan::State::kTooLarge;
    r.reason = "header too large";
  }
  return r;
}

HeadCheck check_request_head(std::string_view head) {
  HeadLines L;
  if (const char* why = scan_bytes(head, L)) return {400, why};
  std::size_t eol = L.find_eol(0);
  if (eol == HeadLines::npos) return {400, "no request line"};
  const char* line = head.data();
  const std::size_t len = eol;
  // request-line = method SP request-target SP HTTP-version
  std::size_t sp1 = 0;
  while (sp1 < len && is(line[sp1], kTchar)) ++sp1;
  if (sp1 == len) return {400, "malformed request line"};  // no space at all
  if (line[sp1] != ' ') {
    // not a token character: "invalid method" if the method really extends to a later space
    if (std::memchr(line + sp1 + 1, ' ', len - sp1 - 1) == nullptr) return {400, "malformed request line"};
    return {400, "invalid method"};
  }
  if (sp1 == 0) return {400, "malformed request line"};
  std::size_t sp2 = sp1 + 1;
  while (sp2 < len) {
    auto u = static_cast<unsigned char>(line[sp2]);
    if (u <= 0x20 || u >= 0x7f) break;
    ++sp2;
  }
  if (sp2 == len) return {400, "malformed request line"};
  if (line[sp2] != ' ') {
    if (std::memchr(line + sp2, ' ', len - sp2) == nullptr) return {400, "malformed request line"};
    return {400, "invalid request target"};
  }
  if (sp2 == sp1 + 1) return {400, "malformed request line"};
  std::string_view version(line + sp2 + 1, len - sp2 - 1);
  bool http10 = version == "HTTP/1.0";
  if (!http10 && version != "HTTP/1.1") return {400, "unsupported HTTP version"};
  if (!valid_request_target(std::string_view(line, sp1), std::string_view(line + sp1 + 1, sp2 - sp1 - 1)))
    return {400, "invalid request target"};
  FieldSummary s;
  if (const char* why = check_fields(L, eol + 2, s)) return {400, why};
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
  HeadLines L;
  if (const char* why = scan_bytes(head, L)) return {502, why};
  std::size_t eol = L.find_eol(0);
  if (eol == HeadLines::npos) return {502, "no status line"};
  std::string_view line = head.substr(0, eol);
  // status-line = HTTP-version SP status-code SP [ reason-phrase ]
  if (line.size() < 12 || (line.substr(0, 9) != "HTTP/1.1 " && line.substr(0, 9) != "HTTP/1.0 "))
    return {502, "malformed status line"};
  for (int i = 9; i < 12; ++i)
    if (line[i] < '0' || line[i] > '9') return {502, "malformed status code"};
  if (line.size() > 12 && line[12] != ' ') return {502, "malformed status line"};
  if (L.other_ctl) {
    for (std::size_t i = 12; i < line.size(); ++i)
      if (is_ctl(line[i]) && line[i] != '\t') return {502, "control character in reason phrase"};
  }
  FieldSummary s;
  if (const char* why = check_fields(L, eol + 2, s)) return {502, why};
  if (s.content_length_count > 1) return {502, "multiple Content-Length"};
  if (s.content_length_invalid) return {502, "invalid Content-Length"};
  if (s.te_count > 0) {
    if (s.content_length_count > 0) return {502, "Content-Length with Transfer-Encoding"};
    if (s.te != TeVerdict::kChunked) return {502, "unsupported Transfer-Encoding"};
  }
  return {};
}

}  // namespace aegis::http
