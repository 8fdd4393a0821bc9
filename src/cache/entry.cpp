#include "cache/entry.h"

#include <cstdint>
#include <cstring>

namespace aegis::cache {

namespace {

constexpr std::string_view kMagic = "AEGC1";

void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_str(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s);
}

struct Reader {
  std::string_view in;
  bool ok = true;
  uint64_t u64() {
    if (in.size() < 8) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(in[static_cast<std::size_t>(i)])) << (8 * i);
    in.remove_prefix(8);
    return v;
  }
  std::string str() {
    uint64_t n = u64();
    if (!ok || n > in.size()) {
      ok = false;
      return {};
    }
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
};

int64_t millis(WallClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string serialize(const Entry& e) {
  std::string out;
  out.reserve(e.body.size() + 256);
  out.append(kMagic);
  out += static_cast<char>(e.kind);
  put_u64(out, static_cast<uint64_t>(e.status));
  put_u64(out, static_cast<uint64_t>(millis(e.request_time)));
  put_u64(out, static_cast<uint64_t>(millis(e.response_time)));
  put_u64(out, e.headers.size());
  for (const auto& [k, v] : e.headers) {
    put_str(out, k);
    put_str(out, v);
  }
  put_u64(out, e.vary.size());
  for (const auto& f : e.vary) put_str(out, f);
  put_str(out, e.body);
  return out;
}

std::optional<Entry> parse_entry(std::string_view data) {
  if (data.substr(0, kMagic.size()) != kMagic || data.size() < kMagic.size() + 1) return std::nullopt;
  Entry e;
  unsigned char kind = static_cast<unsigned char>(data[kMagic.size()]);
  if (kind != 1 && kind != 2) return std::nullopt;
  e.kind = static_cast<Entry::Kind>(kind);
  Reader r{data.substr(kMagic.size() + 1)};
  e.status = static_cast<int>(r.u64());
  e.request_time = WallClock::time_point(std::chrono::milliseconds(static_cast<int64_t>(r.u64())));
  e.response_time = WallClock::time_point(std::chrono::milliseconds(static_cast<int64_t>(r.u64())));
  uint64_t n = r.u64();
  if (!r.ok || n > r.in.size()) return std::nullopt;
  for (uint64_t i = 0; i < n && r.ok; ++i) {
    std::string k = r.str();
    std::string v = r.str();
    e.headers.emplace_back(std::move(k), std::move(v));
  }
  uint64_t nv = r.u64();
  if (!r.ok || nv > r.in.size()) return std::nullopt;
  for (uint64_t i = 0; i < nv && r.ok; ++i) e.vary.push_back(r.str());
  e.body = r.str();
  if (!r.ok || !r.in.empty() || e.status < 100 || e.status > 999) return std::nullopt;
  return e;
}

}  // namespace aegis::cache
