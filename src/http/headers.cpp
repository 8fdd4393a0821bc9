#include "http/headers.h"

#include <array>
#include <cstdint>
#include <random>
#include <string>

namespace aegis::http {
namespace bh = boost::beast::http;

namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// ASCII case-insensitive equality, as Beast compares field names.
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}
std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

enum Hop : unsigned char { kKeep = 0, kHop = 1, kConnection = 2 };

// What remove_hop_by_hop does with a field of this name.
Hop classify_name(std::string_view name) {
  switch (name.size()) {
    case 2:
      if (iequals(name, "te")) return kHop;
      break;
    case 7:
      if (iequals(name, "trailer") || iequals(name, "upgrade")) return kHop;
      break;
    case 10:
      if (iequals(name, "connection")) return kConnection;
      if (iequals(name, "keep-alive")) return kHop;
      break;
    case 17:
      if (iequals(name, "transfer-encoding")) return kHop;
      break;
    default:
      break;
  }
  if (name.size() >= 6 && iequals(name.substr(0, 6), "proxy-")) return kHop;
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
}  // namespace

void remove_hop_by_hop(Fields& fields) {
  static const HopTable classify;
  // One walk removes the fixed hop-by-hop set and Proxy-*, and collects the Connection values (copied: the
  // Connection fields are erased in the same walk).
  std::string named;
  for (auto it = fields.begin(); it != fields.end();) {
    Hop h = classify(*it);
    if (h == kKeep) {
      ++it;
      continue;
    }
    if (h == kConnection) {
      named.append(it->value());
      named.push_back(',');
    }
    it = fields.erase(it);
  }
  if (named.empty()) return;
  // The fields Connection names (any name). A handful of tokens: one more walk comparing each name with them;
  // a long list: one lookup per token, so a hostile list costs O(tokens · log fields), not O(tokens · fields).
  constexpr int kWalkTokens = 8;
  std::string_view tokens[kWalkTokens];
  int n = 0;
  bool many = false;
  std::string_view list = named;
  for (std::size_t pos = 0; pos < list.size();) {
    std::size_t comma = list.find(',', pos);
    std::string_view token = trim(list.substr(pos, comma - pos));
    pos = comma + 1;
    if (token.empty()) continue;
    if (n == kWalkTokens) {
      many = true;
      break;
    }
    tokens[n++] = token;
  }
  if (many) {
    for (std::size_t pos = 0; pos < list.size();) {
      std::size_t comma = list.find(',', pos);
      std::string_view token = trim(list.substr(pos, comma - pos));
      if (!token.empty()) fields.erase(token);
      pos = comma + 1;
    }
    return;
  }
  if (n == 0) return;
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

void append_list_value(Fields& fields, std::string_view name, std::string_view value) {
  auto range = fields.equal_range(name);
  if (range.first == range.second) {
    fields.insert(name, value);
    return;
  }
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
