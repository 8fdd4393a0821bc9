// Header rules shared by the proxy's request and response paths: which fields are hop-by-hop, request ids, and the
// ASCII case-insensitive name compare they use. The rules are applied to header blocks by http::FlatFields.
#pragma once

#include <string_view>

namespace aegis::http {

// Same length, both non-empty, same first byte ignoring case: whether the rest matches too (8 bytes at a time).
bool iequals_ascii_words(std::string_view a, std::string_view b);

// ASCII case-insensitive equality of field names ('A'..'Z' = 'a'..'z', every other byte compared as is). Inline:
// lengths and the first byte with the case bit set decide most pairs of different names (a sound quick reject:
// equal letters stay equal, and a pair it lets through is compared exactly).
inline bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  if ((a[0] | 0x20) != (b[0] | 0x20)) return false;
  return iequals_ascii_words(a, b);
}

// `v` without leading and trailing optional whitespace (SP, HTAB).
inline std::string_view trim_ows(std::string_view v) {
  const char* b = v.data();
  const char* e = b + v.size();
  while (b != e && (*b == ' ' || *b == '\t')) ++b;
  while (e != b && (e[-1] == ' ' || e[-1] == '\t')) --e;
  return {b, static_cast<std::size_t>(e - b)};
}

// Calls fn(element) for every non-empty element of a comma-separated field value, OWS trimmed ("a, ,b" → a, b).
template <class Fn>
void for_each_list_element(std::string_view value, Fn&& fn) {
  for (std::size_t pos = 0; pos <= value.size();) {
    std::size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view element = trim_ows(value.substr(pos, comma - pos));
    if (!element.empty()) fn(element);
    pos = comma + 1;
  }
}

// How a field of this name is treated on the way through the proxy (ASCII case-insensitive): kept; removed
// (Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade); or removed with its value naming further fields
// to remove (Connection). Compares words, not characters.
enum class HopByHop { kKeep, kRemove, kConnection };
HopByHop hop_by_hop_kind(std::string_view name);

// True for 1..128 characters of [A-Za-z0-9._:+/=-], the shape of UUIDs, ULIDs and base64 ids: such an incoming
// request id is kept, anything else is replaced by a generated one.
bool valid_request_id(std::string_view id);

// A fresh request id: 32 lowercase hex characters (128 bits from a per-thread generator seeded from the OS).
// Writes into `out` (must hold 32 bytes) and returns the view.
std::string_view generate_request_id(char (&out)[32]);

}  // namespace aegis::http
