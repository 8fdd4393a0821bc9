#include "http/headers.h"

#include <cstdint>
#include <random>
#include <string>

namespace aegis::http {
namespace bh = boost::beast::http;

namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool istarts_with(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[i]) != prefix[i]) return false;
  return true;
}
std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}
}  // namespace

void remove_hop_by_hop(Fields& fields) {
  // Fields named by Connection first (they may include any name). Copy the names: erasing invalidates views.
  std::string named;
  auto conn = fields.equal_range(bh::field::connection);
  for (auto it = conn.first; it != conn.second; ++it) {
    named.append(it->value());
    named.push_back(',');
  }
  if (!named.empty()) {
    std::string_view list = named;
    std::size_t pos = 0;
    while (pos < list.size()) {
      std::size_t comma = list.find(',', pos);
      std::string_view token = trim(list.substr(pos, comma - pos));
      if (!token.empty()) fields.erase(token);
      pos = comma + 1;
    }
    fields.erase(bh::field::connection);
  }
  fields.erase(bh::field::keep_alive);
  fields.erase(bh::field::te);
  fields.erase(bh::field::trailer);
  fields.erase(bh::field::transfer_encoding);
  fields.erase(bh::field::upgrade);
  // Proxy-*: rare; only scan when present.
  for (auto it = fields.begin(); it != fields.end();) {
    if (istarts_with(it->name_string(), "proxy-"))
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
