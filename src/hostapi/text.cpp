#include "hostapi/text.h"

#include <cstdint>
#include <cstdio>

namespace aegis::hostapi::text {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid (overlongs, surrogates, > U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() - i < n) return 0;
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < 0x80 || b > 0xBF) return 0;
  }
  return n;
}

// RFC 9110 tchar, one table lookup per character.
constexpr bool tchar_slow(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}
struct ByteTables {
  bool tchar[256] = {};
  // Not printable ASCII or tab: a header value containing one needs the full check (CR, LF, NUL, UTF-8).
  unsigned char unusual_in_value[256] = {};
  constexpr ByteTables() {
    for (int c = 0; c < 256; ++c) {
      tchar[c] = tchar_slow(static_cast<unsigned char>(c));
      unusual_in_value[c] = (c < 0x20 && c != '\t') || c >= 0x7F;
    }
  }
};
constexpr ByteTables kBytes;

unsigned char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c; }

}  // namespace

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  bool ok = true;
  for (unsigned char c : s) ok &= kBytes.tchar[c];  // no early exit: names are short, the loop stays branch-free
  return ok;
}

bool is_header_value(std::string_view s) {
  // Fast path: printable ASCII and tab (the common case) is valid UTF-8 without CR, LF or NUL.
  unsigned char unusual = 0;
  for (unsigned char c : s) unusual |= kBytes.unusual_in_value[c];
  if (!unusual) return true;
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return valid_utf8(s);
}

bool is_request_target(std::string_view s) {
  if (s == "*") return true;
  if (s.empty() || s.front() != '/') return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7F) return false;
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

void json_append_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(s.substr(i, n));
    } else if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
    i += n;
  }
  out.push_back('"');
}

}  // namespace aegis::hostapi::text
