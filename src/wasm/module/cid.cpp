#include "wasm/module/cid.h"

#include <openssl/sha.h>

#include <array>

namespace aegis::wasm {
namespace {
constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
// CIDv1 (0x01), raw codec (0x55), multihash sha2-256 (0x12) of 32 bytes (0x20).
constexpr std::array<uint8_t, 4> kPrefix = {0x01, 0x55, 0x12, 0x20};
constexpr std::size_t kBinarySize = kPrefix.size() + 32;
constexpr std::size_t kTextSize = 1 + (kBinarySize * 8 + 4) / 5;  // 'b' + 58 base32 characters

int base32_value(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}
}  // namespace

std::string content_id(std::span<const uint8_t> bytes) {
  std::array<uint8_t, kBinarySize> bin{};
  std::copy(kPrefix.begin(), kPrefix.end(), bin.begin());
  SHA256(bytes.data(), bytes.size(), bin.data() + kPrefix.size());
  std::string out;
  out.reserve(kTextSize);
  out.push_back('b');
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t b : bin) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

bool is_content_id(std::string_view text) {
  if (text.size() != kTextSize || text[0] != 'b') return false;
  std::array<uint8_t, kBinarySize> bin{};
  std::size_t n = 0;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text.substr(1)) {
    int v = base32_value(c);
    if (v < 0) return false;
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bin[n++] = static_cast<uint8_t>(buffer >> (bits - 8));
      bits -= 8;
    }
  }
  // The leftover bits must be zero padding.
  if (n != kBinarySize || (buffer & ((1u << bits) - 1)) != 0) return false;
  return std::equal(kPrefix.begin(), kPrefix.end(), bin.begin());
}

}  // namespace aegis::wasm
