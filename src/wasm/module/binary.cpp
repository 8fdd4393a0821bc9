#include "wasm/module/binary.h"

#include <cstdio>

namespace aegis::wasm::binary {

void fail(std::string message) { throw DecodeError(std::move(message)); }

void Reader::error(const std::string& message) const {
  fail(message + " (at byte offset " + std::to_string(offset()) + ")");
}

void Reader::end_error(const char* what) const { error(std::string("unexpected end of data reading ") + what); }

namespace {
// Decodes an unsigned LEB128 of at most `bits` significant bits.
template <unsigned Bits>
uint64_t read_uleb(Reader& r, const char* what) {
  constexpr unsigned kMaxBytes = (Bits + 6) / 7;
  uint64_t result = 0;
  for (unsigned i = 0; i < kMaxBytes; ++i) {
    uint8_t b = r.u8(what);
    unsigned shift = 7 * i;
    if (i == kMaxBytes - 1) {
      // Last permitted byte: no continuation, and no bits beyond `Bits`.
      unsigned used = Bits - shift;
      if ((b & 0x80) || (b >> used) != 0) r.error(std::string("integer too large or too long reading ") + what);
    }
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return result;
  }
  r.error(std::string("integer too long reading ") + what);
}

template <unsigned Bits>
int64_t read_sleb(Reader& r, const char* what) {
  constexpr unsigned kMaxBytes = (Bits + 6) / 7;
  uint64_t result = 0;
  for (unsigned i = 0; i < kMaxBytes; ++i) {
    uint8_t b = r.u8(what);
    unsigned shift = 7 * i;
    if (i == kMaxBytes - 1) {
      if (b & 0x80) r.error(std::string("integer too long reading ") + what);
      // Bits above (Bits-1) within this byte must be copies of the sign bit.
      unsigned used = Bits - shift;  // value bits in this byte, the top one being the sign
      int sign = (b >> (used - 1)) & 1;
      uint8_t high_mask = static_cast<uint8_t>((0x7f >> used) << used);
      if ((b & high_mask) != (sign ? high_mask : 0)) r.error(std::string("integer too large reading ") + what);
    }
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      unsigned total = shift + 7;
      if (total < 64 && (b & 0x40)) result |= ~uint64_t{0} << total;
      return static_cast<int64_t>(result);
    }
  }
  r.error(std::string("integer too long reading ") + what);
}
}  // namespace

uint32_t Reader::u32_slow(const char* what) { return static_cast<uint32_t>(read_uleb<32>(*this, what)); }
uint64_t Reader::u64(const char* what) { return read_uleb<64>(*this, what); }
int32_t Reader::s32(const char* what) { return static_cast<int32_t>(read_sleb<32>(*this, what)); }
int64_t Reader::s33(const char* what) { return read_sleb<33>(*this, what); }
int64_t Reader::s64(const char* what) { return read_sleb<64>(*this, what); }

std::span<const uint8_t> Reader::bytes(std::size_t n, const char* what) {
  if (n > remaining()) {
    error(std::string("unexpected end of data reading ") + what + " (" + std::to_string(n) + " bytes wanted, " +
          std::to_string(remaining()) + " left)");
  }
  auto s = data_.subspan(pos_, n);
  pos_ += n;
  return s;
}

std::string_view Reader::name(const char* what) {
  uint32_t len = u32(what);
  auto b = bytes(len, what);
  std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
  if (!valid_utf8(s)) error(std::string(what) + " is not valid UTF-8");
  return s;
}

uint32_t Reader::count(const char* what, std::size_t min_item_size) {
  uint32_t n = u32(what);
  if (min_item_size > 0 && n > remaining() / min_item_size) {
    error(std::string(what) + " " + std::to_string(n) + " exceeds what the remaining " +
          std::to_string(remaining()) + " bytes can hold");
  }
  return n;
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

void Writer::u32(uint32_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v) b |= 0x80;
    out_.push_back(b);
  } while (v);
}

void Writer::s64(int64_t v) {
  bool more = true;
  while (more) {
    uint8_t b = v & 0x7f;
    v >>= 7;  // arithmetic shift
    if ((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40))) {
      more = false;
    } else {
      b |= 0x80;
    }
    out_.push_back(b);
  }
}

void Writer::name(std::string_view s) {
  u32(static_cast<uint32_t>(s.size()));
  out_.insert(out_.end(), s.begin(), s.end());
}

void Writer::section(uint8_t id, std::span<const uint8_t> payload) {
  u8(id);
  u32(static_cast<uint32_t>(payload.size()));
  bytes(payload);
}

std::size_t u32_size(uint32_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

}  // namespace aegis::wasm::binary
