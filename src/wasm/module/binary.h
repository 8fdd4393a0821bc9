// Bounds-checked reading and writing of the WebAssembly binary encoding (LEB128, names, fixed-width values).
// Reader never reads past its span: every malformed input ends in a thrown DecodeError with a message that says
// what was being read and at which byte offset of the module.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::wasm::binary {

// Thrown for malformed or refused input while preparing a module; caught at the prepare_module() boundary.
struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(std::string message);

class Reader {
 public:
  // `base` is the offset of data[0] within the whole module (for error messages).
  explicit Reader(std::span<const uint8_t> data, std::size_t base = 0) : data_(data), base_(base) {}

  std::size_t pos() const { return pos_; }
  std::size_t offset() const { return base_ + pos_; }  // module offset
  std::size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }
  std::span<const uint8_t> data() const { return data_; }

  uint8_t u8(const char* what) {
    if (pos_ >= data_.size()) end_error(what);
    return data_[pos_++];
  }
  uint8_t peek(const char* what) const {
    if (pos_ >= data_.size()) end_error(what);
    return data_[pos_];
  }
  uint32_t u32(const char* what) {  // unsigned LEB128, ≤ 5 bytes, no bits beyond 32
    if (pos_ < data_.size() && data_[pos_] < 0x80) return data_[pos_++];
    return u32_slow(what);
  }
  int32_t s32(const char* what);    // signed LEB128
  int64_t s33(const char* what);    // signed LEB128 limited to 33 bits (block types)
  int64_t s64(const char* what);
  uint64_t u64(const char* what);
  std::span<const uint8_t> bytes(std::size_t n, const char* what);
  void skip(std::size_t n, const char* what) { bytes(n, what); }
  std::string_view name(const char* what);  // vec(byte), valid UTF-8
  // A count that announces `count` items, each at least `min_item_size` bytes: refuses counts the remaining bytes
  // cannot hold, so a 5-byte count cannot make the caller reserve gigabytes.
  uint32_t count(const char* what, std::size_t min_item_size = 1);

  [[noreturn]] void error(const std::string& message) const;

 private:
  [[noreturn]] void end_error(const char* what) const;
  uint32_t u32_slow(const char* what);

  std::span<const uint8_t> data_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
};

bool valid_utf8(std::string_view s);

class Writer {
 public:
  std::vector<uint8_t>& out() { return out_; }
  std::size_t size() const { return out_.size(); }
  void u8(uint8_t b) { out_.push_back(b); }
  void u32(uint32_t v);
  void s32(int32_t v) { s64(v); }
  void s64(int64_t v);
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void name(std::string_view s);
  // Appends `payload` as a section with the given id (size-prefixed).
  void section(uint8_t id, std::span<const uint8_t> payload);

 private:
  std::vector<uint8_t> out_;
};

std::size_t u32_size(uint32_t v);

}  // namespace aegis::wasm::binary
