#include "http/headers.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

namespace aegis::http {
namespace bh = boost::beast::http;

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

// ASCII case-insensitive equality, as Beast compares field names: 8 bytes at a time.
bool iequals(std::string_view a, std::string_view b) {
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
std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
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

// classify_name of every name Beast knows (its field enum), computed once: a field is classified by one load.
struct HopTable {
  static constexpr std::size_t kSize = static_cast<std::size_t>(bh::field::xref) + 1;
  std::array<Hop, kSize> hop{};
  HopTable() {
    for (std::size_t f = 1; f < kSize; ++f) hop[f] = classify_name(bh::to_string(static_cast<bh::field>(f)));
  }
  Hop operator()(const Fields::value_type& e) const {
    auto f = static_cast<std::size_t>(e.name());
    return f == 0 || f >= kSize ? classify_name(e.name_string()) : hop[f];
  }
};

// Appends to `named` ("a,b,") the tokens of a Connection value, except those naming fields that remove_hop_by_hop
// removes anyway: "Connection: keep-alive" adds nothing (no second walk), "Connection: close" adds "close".
void collect_named(std::string_view value, std::string& named) {
  for (std::size_t pos = 0; pos <= value.size();) {
    std::size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view token = trim(value.substr(pos, comma - pos));
    pos = comma + 1;
    if (token.empty() || classify_name(token) != kKeep) continue;
    named.append(token);
    named.push_back(',');
  }
}
}  // namespace

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

void remove_hop_by_hop(Fields& fields) {
  static const HopTable classify;
  // One walk removes the fixed hop-by-hop set and Proxy-*, and collects the names the Connection fields list
  // (copied: the Connection fields are erased in the same walk).
  std::string named;
  for (auto it = fields.begin(); it != fields.end();) {
    Hop h = classify(*it);
    if (h == kKeep) {
      ++it;
      continue;
    }
    if (h == kConnection) collect_named(it->value(), named);
    it = fields.erase(it);
  }
  if (named.empty()) return;
  // The fields Connection names (any name). A handful of names: one more walk comparing each field name with
  // them; a long list: one lookup per name, so a hostile list costs O(names · log fields), not O(names · fields).
  constexpr int kWalkTokens = 8;
  std::string_view tokens[kWalkTokens];
  int n = 0;
  const std::string_view list = named;
  for (std::size_t pos = 0; pos < list.size();) {
    const std::size_t comma = list.find(',', pos);
    const std::string_view token = list.substr(pos, comma - pos);
    pos = comma + 1;
    if (n == kWalkTokens) {
      n = -1;
      break;
    }
    tokens[n++] = token;
  }
  if (n < 0) {
    for (std::size_t pos = 0; pos < list.size();) {
      const std::size_t comma = list.find(',', pos);
      fields.erase(list.substr(pos, comma - pos));
      pos = comma + 1;
    }
    return;
  }
  for (auto it = fields.begin(); it != fields.end();) {
    std::string_view name = it->name_string();
    bool named_here = false;
    for (int i = 0; i < n && !named_here; ++i) named_here = iequals(name, tokens[i]);
    if (named_here)
      it = fields.erase(it);
    else
      ++it;
  }
}

namespace {
// bh::string_to_field(name) (a hash of the name and a table probe), short-cut for the names the proxy appends to.
bh::field field_of(std::string_view name) {
  static const bh::field via = bh::string_to_field("Via");
  static const bh::field xff = bh::string_to_field("X-Forwarded-For");
  if (name.size() == 3 && std::memcmp(name.data(), "Via", 3) == 0) return via;
  if (name.size() == 15 && std::memcmp(name.data(), "X-Forwarded-For", 15) == 0) return xff;
  return bh::string_to_field(name);
}
}  // namespace

void append_list_value(Fields& fields, std::string_view name, std::string_view value) {
  // Usually the field is not there yet: a walk comparing lengths first, then one insert (no set lookup, no copy).
  bool present = false;
  for (const auto& e : fields) {
    std::string_view n = e.name_string();
    if (n.size() == name.size() && iequals(n, name)) {
      present = true;
      break;
    }
  }
  if (!present) {
    fields.insert(field_of(name), name, value);
    return;
  }
  auto range = fields.equal_range(name);
  std::string joined;
  for (auto i = range.first; i != range.second; ++i) {
    if (!joined.empty()) joined.append(", ");
    joined.append(i->value());
  }
  if (!joined.empty()) joined.append(", ");
  joined.append(value);
  fields.set(name, joined);
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
