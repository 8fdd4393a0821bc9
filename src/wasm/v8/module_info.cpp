#include "wasm/v8/module_info.h"

#include <algorithm>
#include <vector>

namespace aegis::wasm::v8impl {
namespace {

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ >= b_.size(); }
  std::size_t pos() const { return pos_; }
  void fail() { ok_ = false; pos_ = b_.size(); }

  uint8_t byte() {
    if (pos_ >= b_.size()) { fail(); return 0; }
    return b_[pos_++];
  }
  uint64_t uleb(unsigned max_bits = 32) {
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (shift >= max_bits + 7) { fail(); return 0; }
      uint8_t c = byte();
      if (!ok_) return 0;
      v |= uint64_t(c & 0x7f) << shift;
      if (!(c & 0x80)) return v;
    }
  }
  void sleb(unsigned max_bits) {  // value not needed, only skipped
    for (unsigned shift = 0;; shift += 7) {
      if (shift >= max_bits + 7) { fail(); return; }
      uint8_t c = byte();
      if (!ok_ || !(c & 0x80)) return;
    }
  }
  void skip(std::size_t n) {
    if (b_.size() - pos_ < n) { fail(); return; }
    pos_ += n;
  }
  std::string name() {
    uint64_t n = uleb();
    if (!ok_ || b_.size() - pos_ < n) { fail(); return {}; }
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  Reader sub(std::size_t n) {
    if (b_.size() - pos_ < n) { fail(); return Reader({}); }
    Reader r(b_.subspan(pos_, n));
    pos_ += n;
    return r;
  }

 private:
  std::span<const uint8_t> b_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Returns false for value types the engine's Val cannot carry (v128, references).
bool val_type(Reader& r, ValType* out) {
  uint8_t c = r.byte();
  switch (c) {
    case 0x7f: *out = ValType::I32; return true;
    case 0x7e: *out = ValType::I64; return true;
    case 0x7d: *out = ValType::F32; return true;
    case 0x7c: *out = ValType::F64; return true;
    case 0x6b: case 0x6c: r.sleb(33); return false;  // (ref null? ht)
    default: return false;
  }
}

void limits(Reader& r) {
  uint8_t flags = r.byte();
  unsigned bits = (flags & 4) ? 64 : 32;
  r.uleb(bits);
  if (flags & 1) r.uleb(bits);
}

void init_expr(Reader& r) {
  while (r.ok()) {
    uint8_t op = r.byte();
    switch (op) {
      case 0x0b: return;
      case 0x41: r.sleb(32); break;
      case 0x42: r.sleb(64); break;
      case 0x43: r.skip(4); break;
      case 0x44: r.skip(8); break;
      case 0x23: case 0xd2: r.uleb(); break;
      case 0xd0: r.sleb(33); break;
      case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: break;  // extended-const arithmetic
      case 0xfd:
        if (r.uleb() != 12) { r.fail(); return; }
        r.skip(16);
        break;
      default: r.fail(); return;
    }
  }
}

struct Sig {
  FuncType type;
  bool supported = true;
};

}  // namespace

std::optional<ModuleInfo> read_module_info(std::span<const uint8_t> wasm, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<ModuleInfo> {
    if (error) *error = std::string("malformed module: ") + why;
    return std::nullopt;
  };
  static constexpr uint8_t kHeader[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  if (wasm.size() < 8 || !std::equal(kHeader, kHeader + 8, wasm.begin())) return fail("bad header");

  ModuleInfo info;
  std::vector<Sig> types;
  std::vector<uint32_t> func_types;  // function index space → type index
  Reader top(wasm.subspan(8));
  while (!top.at_end()) {
    uint8_t id = top.byte();
    uint64_t size = top.uleb();
    Reader s = top.sub(size);
    if (!top.ok()) return fail("section size");
    switch (id) {
      case 1: {  // types
        uint64_t n = s.uleb();
        for (uint64_t i = 0; i < n && s.ok(); ++i) {
          if (s.byte() != 0x60) return fail("unsupported type form");
          Sig sig;
          for (int part = 0; part < 2; ++part) {
            uint64_t k = s.uleb();
            auto& vec = part == 0 ? sig.type.params : sig.type.results;
            for (uint64_t j = 0; j < k && s.ok(); ++j) {
              ValType t;
              if (val_type(s, &t)) vec.push_back(t); else sig.supported = false;
            }
          }
          types.push_back(std::move(sig));
        }
        break;
      }
      case 2: {  // imports
        uint64_t n = s.uleb();
        for (uint64_t i = 0; i < n && s.ok(); ++i) {
          std::string module = s.name();
          std::string field = s.name();
          uint8_t kind = s.byte();
          switch (kind) {
            case 0: {
              uint32_t t = static_cast<uint32_t>(s.uleb());
              if (!s.ok() || t >= types.size()) return fail("import type index");
              func_types.push_back(t);
              info.function_imports.push_back({std::move(module), std::move(field), types[t].type, types[t].supported});
              break;
            }
            case 1: s.byte(); limits(s); break;
            case 2: limits(s); info.defines_memory = true; break;
            case 3: { ValType t; val_type(s, &t); if (s.byte() & 1) ++info.mutable_globals; break; }
            case 4: s.byte(); s.uleb(); break;
            default: return fail("import kind");
          }
        }
        break;
      }
      case 3: {  // functions
        uint64_t n = s.uleb();
        for (uint64_t i = 0; i < n && s.ok(); ++i) func_types.push_back(static_cast<uint32_t>(s.uleb()));
        break;
      }
      case 5:
        if (s.uleb() > 0) info.defines_memory = true;
        break;
      case 6: {  // globals
        uint64_t n = s.uleb();
        for (uint64_t i = 0; i < n && s.ok(); ++i) {
          ValType t;
          val_type(s, &t);
          if (s.byte() & 1) ++info.mutable_globals;
          init_expr(s);
        }
        break;
      }
      case 7: {  // exports
        uint64_t n = s.uleb();
        for (uint64_t i = 0; i < n && s.ok(); ++i) {
          std::string name = s.name();
          uint8_t kind = s.byte();
          uint64_t index = s.uleb();
          if (!s.ok()) break;
          if (kind == 0) {
            if (index >= func_types.size() || func_types[index] >= types.size()) return fail("export index");
            const Sig& sig = types[func_types[index]];
            if (sig.supported) info.function_exports.emplace(std::move(name), sig.type);
          } else if (kind == 2 && name == "memory") {
            info.memory_exported = true;
          }
        }
        break;
      }
      default:
        break;
    }
    if (!s.ok()) return fail("truncated section");
  }
  if (!top.ok()) return fail("truncated");
  return info;
}

}  // namespace aegis::wasm::v8impl
