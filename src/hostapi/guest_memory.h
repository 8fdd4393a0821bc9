// Overflow-safe access to a guest's linear memory from inside a host function.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

#include "wasm/engine.h"

namespace aegis::hostapi {

class GuestMemory {
 public:
  explicit GuestMemory(std::span<uint8_t> memory) : mem_(memory) {}
  explicit GuestMemory(wasm::Caller& caller) : mem_(caller.memory()) {}

  // The guest range [ptr, ptr+len), or nullopt if any byte of it lies outside memory (computed in 64 bits, so
  // ptr+len never wraps). A zero-length range is valid anywhere up to and including the end of memory.
  std::optional<std::span<uint8_t>> range(uint32_t ptr, uint32_t len) const {
    const uint64_t end = static_cast<uint64_t>(ptr) + static_cast<uint64_t>(len);
    if (end > mem_.size()) return std::nullopt;
    return mem_.subspan(ptr, len);
  }
  std::optional<std::string_view> string(uint32_t ptr, uint32_t len) const {
    auto r = range(ptr, len);
    if (!r) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(r->data()), r->size());
  }
  bool write(uint32_t ptr, const void* data, uint32_t len) {
    auto r = range(ptr, len);
    if (!r) return false;
    if (len) std::memcpy(r->data(), data, len);
    return true;
  }
  // Little-endian scalar stores/loads (Wasm memory is little-endian, as is every host this runs on).
  template <typename T>
  bool store(uint32_t ptr, T value) {
    return write(ptr, &value, sizeof(T));
  }
  template <typename T>
  std::optional<T> load(uint32_t ptr) const {
    auto r = range(ptr, sizeof(T));
    if (!r) return std::nullopt;
    T v;
    std::memcpy(&v, r->data(), sizeof(T));
    return v;
  }
  std::size_t size() const { return mem_.size(); }

 private:
  std::span<uint8_t> mem_;
};

}  // namespace aegis::hostapi
