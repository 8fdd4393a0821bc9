#include "http/framing.h"

#include <array>
#include <cstdint>
#include <cstring>

// SSE2 is part of x86-64; elsewhere (or with AEGIS_HTTP_NO_SIMD, used to test it) the same masks come from loops.
#if defined(__SSE2__) && !defined(AEGIS_HTTP_NO_SIMD)
#define AEGIS_HTTP_SSE2 1
#include <emmintrin.h>
#endif

// Cost model: these checks run on every request head and every origin response head, which are small (~80 and
// ~250 bytes), so the work per byte and per line decides. Each head is walked once, in 64-byte chunks: SSE2 masks
// of the LFs and of the bytes that are not printable ASCII point at the few bytes that need a look (the CRLFs and
// anything odd), and each line is checked when its CRLF is found. A field line costs a block compare
// over its name and a length dispatch; a value is read only when it matters (Content-Length, Transfer-Encoding,
// Host, or a head holding a control byte other than CRLF/HTAB).
// The decisions, including which reason wins when a head has several faults, are exactly those of the simple
// formulation kept as the oracle in tests/http/framing_reference.cpp (framing_differential_test.cpp).

#include "http/headers.h"

namespace aegis::http {
namespace {

// ---- character classes ------------------------------------------------------------------------------------------
enum : std::uint8_t {
  kTchar = 1,    // RFC 9110 token character
  kRegName = 2,  // reg-name character of a Host (unreserved / sub-delims / '%'), plus NUL (see valid_authority)
  kHex = 4,      // hex digit
};

constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] |= kTchar | kRegName | kHex;
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= kTchar | kRegName;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] |= kTchar | kRegName;
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
// Compared 8 (or 4) bytes at a time; the literal's words are constants.
inline std::uint64_t load64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline std::uint32_t load32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
template <std::size_t N>
inline bool token_is(const char* name, const char (&lit)[N]) {
  constexpr std::size_t n = N - 1;
  static_assert(n == 4 || n >= 8);
  if constexpr (n == 4) {
    return (load32(name) | 0x20202020u) == load32(lit);
  } else {
    constexpr std::uint64_t kLower = 0x2020202020202020ull;
    std::uint64_t diff = 0;
    for (std::size_t i = 0; i + 8 <= n; i += 8) diff |= (load64(name + i) | kLower) ^ load64(lit + i);
    if (n % 8 != 0) diff |= (load64(name + n - 8) | kLower) ^ load64(lit + n - 8);
    return diff == 0;
  }
}

inline unsigned ctz(unsigned m) { return static_cast<unsigned>(__builtin_ctz(m)); }

// ---- 64-byte chunks ---------------------------------------------------------------------------------------------
// Masks of 64 bytes: bit i describes byte i.
struct ChunkMasks {
  std::uint64_t odd = 0;  // a byte that is not printable ASCII: control (< 0x20), DEL, or >= 0x80
  std::uint64_t lf = 0;
};

#if defined(AEGIS_HTTP_SSE2)
inline std::uint64_t movemask(__m128i v) { return static_cast<std::uint32_t>(_mm_movemask_epi8(v)); }
inline __m128i load16(const char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
#endif

// Which masks to compute.
enum : unsigned { kLfMask = 1, kOddMask = 2 };

template <unsigned kWhich>
inline ChunkMasks chunk_masks_full(const char* p) {
  ChunkMasks m;
#if defined(AEGIS_HTTP_SSE2)
  const __m128i x0 = load16(p), x1 = load16(p + 16), x2 = load16(p + 32), x3 = load16(p + 48);
  auto mask = [&](auto pred) {
    return movemask(pred(x0)) | movemask(pred(x1)) << 16 | movemask(pred(x2)) << 32 | movemask(pred(x3)) << 48;
  };
  if constexpr ((kWhich & kLfMask) != 0) m.lf = mask([](__m128i x) { return _mm_cmpeq_epi8(x, _mm_set1_epi8('\n')); });
  if constexpr ((kWhich & kOddMask) != 0) {
    // x + 1 < 0x21 as signed bytes: 0x00..0x1f (1..0x20), 0x7f..0xfe (negative), 0xff (0)
    m.odd = mask([](__m128i x) {
      return _mm_cmpgt_epi8(_mm_set1_epi8(0x21), _mm_add_epi8(x, _mm_set1_epi8(1)));
    });
  }
#else
  for (int i = 0; i < 64; ++i) {
    auto u = static_cast<unsigned char>(p[i]);
    if constexpr ((kWhich & kLfMask) != 0) m.lf |= static_cast<std::uint64_t>(u == '\n') << i;
    if constexpr ((kWhich & kOddMask) != 0) m.odd |= static_cast<std::uint64_t>(u < 0x20 || u >= 0x7f) << i;
  }
#endif
  return m;
}

// Masks of the bytes [base, base + 64) of p[0, n) (base < n); the bits past n are zero.
template <unsigned kWhich>
inline ChunkMasks chunk_masks(const char* p, std::size_t n, std::size_t base) {
  const std::size_t rem = n - base;
  if (rem >= 64) return chunk_masks_full<kWhich>(p + base);
  ChunkMasks m;
  if (n >= 64) {  // the last 64 bytes of the buffer, shifted down to base
    m = chunk_masks_full<kWhich>(p + n - 64);
    const unsigned shift = static_cast<unsigned>(64 - rem);
    m.lf >>= shift;
    m.odd >>= shift;
  } else {  // a buffer shorter than 64 bytes: padded with a printable byte
    char buf[64];
    std::memset(buf, 'a', sizeof buf);
    std::memcpy(buf, p + base, rem);
    m = chunk_masks_full<kWhich>(buf);
  }
  return m;
}

inline unsigned ctz64(std::uint64_t m) { return static_cast<unsigned>(__builtin_ctzll(m)); }

// Bit i set for each of the 16 bytes at p that is NOT a letter, digit or '-' (the characters of nearly every field
// name; all of them are token characters).
inline unsigned non_name_mask(const char* p) {
#if defined(AEGIS_HTTP_SSE2)
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

// Bit i set for each of the 16 bytes at p that is NOT a letter, digit, '-' or '.' (most bytes of a host name).
inline unsigned non_host_mask(const char* p) {
#if defined(AEGIS_HTTP_SSE2)
  const __m128i dot = _mm_cmpeq_epi8(load16(p), _mm_set1_epi8('.'));
  return non_name_mask(p) & ~static_cast<unsigned>(_mm_movemask_epi8(dot));
#else
  unsigned m = non_name_mask(p);
  for (int i = 0; i < 16; ++i) m &= ~(static_cast<unsigned>(p[i] == '.') << i);
  return m;
#endif
}

// Length of the run of token characters at the start of `s`. The line is followed inside the buffer by at least
// its CR (not a name character), so the 16-byte blocks may look past the line but never past `limit`.
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
};

// authority = host [ ":" port ] (RFC 9110 §4.2 / RFC 3986 §3.2.2): reg-name characters or an IP-literal in
// brackets, and a decimal port. Userinfo is not allowed in HTTP. An empty Host value is allowed (RFC 9112 §3.2).
// `readable_end`: bytes up to there may be read (a 16-byte block at a.data() is used when it fits).
bool valid_authority(std::string_view a, bool allow_empty, const char* readable_end = nullptr) {
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
    // host = reg-name (unreserved / sub-delims / pct-encoded), up to the last colon. One pass: every byte is a
    // reg-name character except one colon (a second colon would be inside the host).
    std::size_t colon = std::string_view::npos;
    std::size_t i = 0;
    // letters, digits, '-' and '.' (most of any host name) are reg-name characters: skipped 16 at a time
    while (readable_end != nullptr && i < a.size() && a.data() + i + 16 <= readable_end) {
      const unsigned m = non_host_mask(a.data() + i);
      if (m != 0) {
        i += ctz(m);
        break;
      }
      i += 16;
    }
    for (; i < a.size(); ++i) {
      if (is(a[i], kRegName)) continue;
      if (a[i] != ':' || colon != std::string_view::npos) return false;
      colon = i;
    }
    if (colon != std::string_view::npos) {
      host = a.substr(0, colon);
      port = a.substr(colon + 1);
      if (port.empty()) return false;
    }
    if (host.empty()) return false;
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

// ---- the walk over one head ---------------------------------------------------------------------------------------
// One pass over the head in 64-byte chunks. Per chunk, bit masks tell the CRLF pairs (line ends) apart from any
// other control byte; only a chunk with something odd in it (bare CR/LF, NUL, HTAB, other controls, DEL) is looked
// at byte by byte. Each line is checked when its CRLF is found.
//
// Precedence (as in the reference): a bare CR, bare LF or NUL anywhere wins over everything, the first one in byte
// order; otherwise the first fault of the start line or of a field line, in line order; otherwise the framing
// verdict over all fields. So the first line fault is remembered and the byte checks continue to the end.
template <bool kRequest>
class HeadWalk {
 public:
  HeadWalk(const char* p, std::size_t n) : p_(p), n_(n) {}

  HeadCheck run() {
    constexpr int kStatus = kRequest ? 400 : 502;
    if (const char* why = scan()) return {kStatus, why};
    if (!started_) return {kStatus, kRequest ? "no request line" : "no status line"};
    if (fault_) return {kStatus, fault_};
    if (!fields_done_ && line_start_ < n_) return {kStatus, "unterminated header line"};
    const TeVerdict te = te_n_ > 0 ? te_verdict() : TeVerdict::kChunked;
    if (s_.content_length_count > 1) return {kStatus, "multiple Content-Length"};
    if (s_.content_length_invalid) return {kStatus, "invalid Content-Length"};
    if constexpr (kRequest) {
      if (s_.te_count > 0) {
        if (s_.content_length_count > 0) return {400, "Content-Length with Transfer-Encoding"};
        if (http10_) return {400, "Transfer-Encoding in HTTP/1.0"};
        if (te == TeVerdict::kInvalid) return {400, "invalid Transfer-Encoding"};
        if (te == TeVerdict::kUnsupported) return {501, "unsupported Transfer-Encoding"};
      }
      if (s_.host_count > 1) return {400, "multiple Host"};
      if (!http10_ && s_.host_count == 0) return {400, "missing Host"};
      if (s_.host_invalid) return {400, "invalid Host"};
    } else {
      if (s_.te_count > 0) {
        if (s_.content_length_count > 0) return {502, "Content-Length with Transfer-Encoding"};
        if (te != TeVerdict::kChunked) return {502, "unsupported Transfer-Encoding"};
      }
    }
    return {};
  }

 private:
  // The byte pass; returns the first bare CR / bare LF / NUL, calling line_end() for each CRLF before it.
  // Per chunk, the events in byte order are the LFs and the odd bytes that do not stand just before an LF (the
  // byte before an LF — normally its CR — is looked at with the LF).
  const char* scan() {
    for (std::size_t base = 0; base < n_; base += 64) {
      const ChunkMasks m = chunk_masks<kLfMask | kOddMask>(p_, n_, base);
      if (m.odd == 0) continue;
      std::uint64_t before_lf = m.lf >> 1;
      if (base + 64 < n_ && p_[base + 64] == '\n') before_lf |= std::uint64_t{1} << 63;
      for (std::uint64_t events = (m.odd & ~before_lf) | m.lf; events != 0; events &= events - 1) {
        const std::size_t i = base + ctz64(events);
        const char c = p_[i];
        if (c == '\n') {
          if (i != 0 && p_[i - 1] == '\r') {
            line_end(i - 1);
            continue;
          }
          if (i != 0 && p_[i - 1] == '\0') return "NUL byte";  // the byte before comes first
          return "bare LF";
        }
        if (c == '\r') return "bare CR";  // not followed by LF
        if (c == '\0') return "NUL byte";
        // other controls and DEL are rejected where they are (value, name, start line), in line order; HTAB and
        // bytes >= 0x80 are allowed in values
        if (is_ctl(c) && c != '\t') other_ctl_ = true;
      }
    }
    return nullptr;
  }

  // The line [line_start_, eol) ended with a CRLF at eol. Every byte of it has been through scan() already.
  [[gnu::always_inline]] void line_end(std::size_t eol) {
    const std::size_t start = line_start_;
    line_start_ = eol + 2;
    if (!open_) return;  // after the first fault or the empty line, only the bytes are checked
    const char* line = p_ + start;
    const std::size_t len = eol - start;
    if (len != 0 && started_) {
      fault_ = field_line(line, len);
    } else if (!started_) {
      started_ = true;
      fault_ = start_line(line, len);
    } else {
      fields_done_ = true;  // the empty line ending the head: what follows is not checked as fields
      open_ = false;
    }
    if (fault_) open_ = false;
  }

  const char* start_line(const char* line, std::size_t len) {
    if constexpr (kRequest) {
      // request-line = method SP request-target SP HTTP-version
      std::size_t sp1 = 0;
      while (sp1 < len && is(line[sp1], kTchar)) ++sp1;
      if (sp1 == len) return "malformed request line";  // no space at all
      if (line[sp1] != ' ') {
        // not a token character: an invalid method if the method really extends to a later space
        if (std::memchr(line + sp1 + 1, ' ', len - sp1 - 1) == nullptr) return "malformed request line";
        return "invalid method";
      }
      if (sp1 == 0) return "malformed request line";
      std::size_t sp2 = sp1 + 1;
      while (sp2 < len) {
        auto u = static_cast<unsigned char>(line[sp2]);
        if (u <= 0x20 || u >= 0x7f) break;
        ++sp2;
      }
      if (sp2 == len) return "malformed request line";
      if (line[sp2] != ' ') {
        if (std::memchr(line + sp2 + 1, ' ', len - sp2 - 1) == nullptr) return "malformed request line";
        return "invalid request target";
      }
      if (sp2 == sp1 + 1) return "malformed request line";
      std::string_view version(line + sp2 + 1, len - sp2 - 1);
      http10_ = version == "HTTP/1.0";
      if (!http10_ && version != "HTTP/1.1") return "unsupported HTTP version";
      if (!valid_request_target(std::string_view(line, sp1), std::string_view(line + sp1 + 1, sp2 - sp1 - 1)))
        return "invalid request target";
      return nullptr;
    } else {
      // status-line = HTTP-version SP status-code SP [ reason-phrase ]
      std::string_view l(line, len);
      if (len < 12 || (l.substr(0, 9) != "HTTP/1.1 " && l.substr(0, 9) != "HTTP/1.0 ")) return "malformed status line";
      for (int i = 9; i < 12; ++i)
        if (line[i] < '0' || line[i] > '9') return "malformed status code";
      if (len > 12 && line[12] != ' ') return "malformed status line";
      if (other_ctl_) {
        for (std::size_t i = 12; i < len; ++i)
          if (is_ctl(line[i]) && line[i] != '\t') return "control character in reason phrase";
      }
      return nullptr;
    }
  }

  const char* field_line(const char* line, std::size_t len) {
    const std::size_t j = token_run(line, len, p_ + n_);  // line[len] is the CR: j <= len, line[j] readable
    if (j == 0 || line[j] != ':') return field_name_fault(line, len, j);
    const char* value = line + j + 1;
    const std::size_t vlen = len - j - 1;
    if (other_ctl_) {
      for (std::size_t i = 0; i < vlen; ++i)
        if (is_ctl(value[i]) && value[i] != '\t') return "control character in header value";
    }
    if (j == 4) {
      if (token_is(line, "host")) {
        ++s_.host_count;
        if (!valid_authority(trim_ows({value, vlen}), /*allow_empty=*/true, p_ + n_)) s_.host_invalid = true;
      }
    } else if (j == 14) {
      if (token_is(line, "content-length")) {
        ++s_.content_length_count;
        if (!valid_content_length(trim_ows({value, vlen}))) s_.content_length_invalid = true;
      }
    } else if (j == 17) {
      if (token_is(line, "transfer-encoding")) {
        ++s_.te_count;
        if (te_n_ == kMaxTe) return "too many Transfer-Encoding fields";
        const std::string_view v = trim_ows({value, vlen});
        te_values_[te_n_++] = {v.data(), v.size()};
      }
    }
    return nullptr;
  }

  // The name is empty or stops at something other than a colon (j: the first non-token character).
  static const char* field_name_fault(const char* line, std::size_t len, std::size_t j) {
    if (line[0] == ' ' || line[0] == '\t') return "obsolete line folding";
    if (j == len) return "header line without colon";
    if (line[j] == ':') return "empty header name";
    // line[j] is in the name if a colon follows
    if (std::memchr(line + j + 1, ':', len - j - 1) == nullptr) return "header line without colon";
    return (line[j] == ' ' || line[j] == '\t') ? "whitespace before colon" : "invalid character in header name";
  }

  // Transfer-Encoding values (possibly on several lines) classified as if they were one comma-separated list.
  TeVerdict te_verdict() const {
    int elements_chunked = 0;
    TeVerdict worst = TeVerdict::kChunked;
    for (int i = 0; i < te_n_; ++i) {
      TeVerdict v = classify_te(te_values_[i]);
      if (v == TeVerdict::kInvalid) return TeVerdict::kInvalid;
      if (v == TeVerdict::kChunked) ++elements_chunked;
      if (v == TeVerdict::kUnsupported) worst = TeVerdict::kUnsupported;
    }
    if (te_n_ > 1) {
      // "Transfer-Encoding: chunked" twice means chunked applied twice; chunked before another line is not final.
      if (elements_chunked > 1) return TeVerdict::kInvalid;
      if (elements_chunked == 1 && classify_te(te_values_[te_n_ - 1]) != TeVerdict::kChunked)
        return TeVerdict::kInvalid;
      if (elements_chunked == 1) return TeVerdict::kUnsupported;  // e.g. "gzip" + "chunked"
    }
    return worst;
  }

  static constexpr int kMaxTe = 8;
  const char* const p_;
  const std::size_t n_;
  std::size_t line_start_ = 0;
  bool started_ = false;      // the start line has ended
  bool open_ = true;          // lines are still being checked (no fault, no empty line yet)
  bool other_ctl_ = false;    // a control byte other than CR, LF, HTAB (or DEL) was seen: values need checking
  bool fields_done_ = false;  // the empty line was seen
  bool http10_ = false;
  const char* fault_ = nullptr;  // the first start-line or field-line fault
  FieldSummary s_;
  int te_n_ = 0;
  struct TeValue {  // no constructor: 8 of them are not zeroed for every head
    const char* data;
    std::size_t size;
    operator std::string_view() const { return {data, size}; }
  };
  TeValue te_values_[kMaxTe];
};

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
  // Each LF in order: one not preceded by CR is bare; one two bytes after the previous LF ends the head (that LF
  // was preceded by CR too, or it would have been bare).
  std::size_t end_at = 0;  // where an LF would end the head: two bytes after the previous LF (0: none yet)
  for (std::size_t base = 0; base < limit; base += 64) {
    std::uint64_t lf = chunk_masks<kLfMask>(d, size, base).lf;
    if (limit - base < 64) lf &= (std::uint64_t{1} << (limit - base)) - 1;
    for (; lf != 0; lf &= lf - 1) {
      const std::size_t i = base + ctz64(lf);
      if (i == 0 || d[i - 1] != '\r') {
        r.state = HeadScan::State::kInvalid;
        r.reason = "bare LF";
        return r;
      }
      if (i == end_at) {
        if (i + 1 > max_bytes) {
          r.state = HeadScan::State::kTooLarge;
          r.reason = "header too large";
        } else {
          r.state = HeadScan::State::kComplete;
          r.length = i + 1;
        }
        return r;
      }
      end_at = i + 2;
    }
  }
  if (size > max_bytes) {
    r.state = HeadScan::State::kTooLarge;
    r.reason = "header too large";
  }
  return r;
}

HeadCheck check_request_head(std::string_view head) { return HeadWalk<true>(head.data(), head.size()).run(); }

HeadCheck check_response_head(std::string_view head) { return HeadWalk<false>(head.data(), head.size()).run(); }

}  // namespace aegis::http
