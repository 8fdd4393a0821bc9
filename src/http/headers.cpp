#include "http/headers.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

namespace aegis::http {
namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// The 8 bytes at p with 'A'..'Z' mapped to 'a'..'z' (every other byte unchanged).
inline std::uint64_t lower8(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  constexpr std::uint64_t k7f = 0x7f7f7f7f7f7f7f7full, k80 = 0x8080808080808080ull;
  const std::uint64_t low7 = w & k7f;
  const std::uint64_t ge_a = low7 + 0x3f3f3f3f3f3f3f3full;  // bit 7 set where the byte's low 7 bits >= 'A'
  const std::uint64_t gt_z = low7 + 0x2525252525252525ull;  // bit 7 set where they are > 'Z'
  const std::uint64_t upper = ge_a & ~gt_z & ~w & k80;       // ... and the byte is ASCII
  return w | (upper >> 2);
}

enum Hop : unsigned char { kKeep = 0, kHop = 1, kConnection = 2 };

// `name` equals the lowercase literal `lit` ignoring ASCII case (only `name` needs lowering; the literal's words
// are constants).
template <std::size_t N>
inline bool ieq_lit(std::string_view name, const char (&lit)[N]) {
  constexpr std::size_t n = N - 1;
  if (name.size() != n) return false;
  if constexpr (n < 8) {
    for (std::size_t i = 0; i < n; ++i)
      if (lower(name[i]) != lit[i]) return false;
    return true;
  } else {
    auto word = [&](std::size_t i) {
      std::uint64_t w;
      std::memcpy(&w, lit + i, 8);
      return lower8(name.data() + i) ^ w;
    };
    std::uint64_t diff = 0;
    for (std::size_t i = 0; i + 8 <= n; i += 8) diff |= word(i);
    if (n % 8 != 0) diff |= word(n - 8);
    return diff == 0;
  }
}

// What remove_hop_by_hop does with a field of this name.
Hop classify_name(std::string_view name) {
  switch (name.size()) {
    case 2:
      if (ieq_lit(name, "te")) return kHop;
      break;
    case 7:
      if (ieq_lit(name, "trailer") || ieq_lit(name, "upgrade")) return kHop;
      break;
    case 10:
      if (lower(name[0]) == 'c') return ieq_lit(name, "connection") ? kConnection : kKeep;
      if (ieq_lit(name, "keep-alive")) return kHop;
      break;
    case 17:
      if (ieq_lit(name, "transfer-encoding")) return kHop;
      break;
    default:
      break;
  }
  if (name.size() >= 6 && ieq_lit(name.substr(0, 6), "proxy-")) return kHop;
  return kKeep;
}

}  // namespace

// The exact compare behind iequals_ascii (its inline part has checked lengths and the first byte): 8 bytes at a
// time.
bool iequals_ascii_words(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n < 8) {
    for (std::size_t i = 0; i < n; ++i)
      if (lower(a[i]) != lower(b[i])) return false;
    return true;
  }
  std::uint64_t diff = 0;
  for (std::size_t i = 0; i + 8 <= n; i += 8) diff |= lower8(a.data() + i) ^ lower8(b.data() + i);
  if (n % 8 != 0) diff |= lower8(a.data() + n - 8) ^ lower8(b.data() + n - 8);
  return diff == 0;
}

HopByHop hop_by_hop_kind(std::string_view name) {
  switch (classify_name(name)) {
    case kHop:
      return HopByHop::kRemove;
    case kConnection:
      return HopByHop::kConnection;
    default:
      return HopByHop::kKeep;
  }
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == ':' || c == '+' || c == '/' || c == '=' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string_view generate_request_id(char (&out)[32]) {
  thread_local std::mt19937_64 gen{[] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }()};
  static constexpr char kHex[] = "0123456789abcdef";
  for (int half = 0; half < 2; ++half) {
    uint64_t v = gen();
    for (int i = 0; i < 16; ++i) {
      out[half * 16 + i] = kHex[v & 0xf];
      v >>= 4;
    }
  }
  return {out, 32};
}

}  // namespace aegis::http
