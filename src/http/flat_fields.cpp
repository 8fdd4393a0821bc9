#include "http/flat_fields.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "http/headers.h"

namespace aegis::http {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Lengths first, then the first byte with the case bit set (a sound quick reject: equal letters stay equal, and a
// pair it lets through is compared exactly by iequals_ascii).
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  if ((a[0] | 0x20) != (b[0] | 0x20)) return false;
  return iequals_ascii(a, b);
}

inline std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

}  // namespace

void FlatFields::clear() {
  fields_.clear();
  if (blocks_.size() > 1) blocks_.resize(1);
  free_ = blocks_.empty() ? nullptr : blocks_[0].get();
  left_ = blocks_.empty() ? 0 : kBlock;
}

char* FlatFields::reserve(std::size_t n) {
  if (n > left_) {
    if (n > kBlock / 4) {
      // A large string gets a block of its own; the current block stays open for the small ones.
      blocks_.push_back(std::make_unique<char[]>(n));
      char* own = blocks_.back().get();
      if (blocks_.size() == 1) {  // keep blocks_[0] a kBlock block, for clear()
        blocks_.insert(blocks_.begin(), std::make_unique<char[]>(kBlock));
        free_ = blocks_[0].get();
        left_ = kBlock;
      }
      return own;
    }
    blocks_.push_back(std::make_unique<char[]>(kBlock));
    free_ = blocks_.back().get();
    left_ = kBlock;
  }
  char* at = free_;
  free_ += n;
  left_ -= n;
  return at;
}

void FlatFields::add(std::string_view name, std::string_view value) {
  value = trim(value);
  // Name and value side by side: one reservation, two copies.
  std::size_t n = name.size() + value.size();
  char* at = n ? reserve(n) : nullptr;
  if (!name.empty()) std::memcpy(at, name.data(), name.size());  // (memcpy from a null view is undefined)
  if (!value.empty()) std::memcpy(at + name.size(), value.data(), value.size());
  fields_.push_back({{at, name.size()}, {at + name.size(), value.size()}});
}

void FlatFields::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

std::size_t FlatFields::remove(std::string_view name) {
  std::size_t before = fields_.size();
  std::erase_if(fields_, [&](const Field& f) { return iequals(f.name, name); });
  return before - fields_.size();
}

std::optional<std::string_view> FlatFields::get(std::string_view name) const {
  for (const auto& f : fields_)
    if (iequals(f.name, name)) return f.value;
  return std::nullopt;
}

void FlatFields::remove_hop_by_hop() {
  // One walk drops the fixed hop-by-hop set and Proxy-* and collects the Connection values; the fields those name
  // go in a second walk (only when there was a Connection field).
  std::string named;
  std::erase_if(fields_, [&](const Field& f) {
    switch (hop_by_hop_kind(f.name)) {
      case HopByHop::kKeep:
        return false;
      case HopByHop::kConnection:
        named.append(f.value);
        named.push_back(',');
        return true;
      case HopByHop::kRemove:
        return true;
    }
    return false;
  });
  if (named.empty()) return;
  // The names listed, minus those already gone (keep-alive, ...). Usually "keep-alive" or "close": nothing or one
  // name to compare (length first). A long list is lowercased and sorted: one binary search per field, so a hostile
  // list costs O(fields · log tokens).
  std::vector<std::string_view> tokens;
  std::string_view list = named;
  for (std::size_t pos = 0; pos < list.size();) {
    std::size_t comma = list.find(',', pos);
    std::string_view token = trim(list.substr(pos, comma - pos));
    pos = comma + 1;
    if (!token.empty() && hop_by_hop_kind(token) == HopByHop::kKeep) tokens.push_back(token);
  }
  if (tokens.empty()) return;
  constexpr std::size_t kCompareEach = 8;
  if (tokens.size() <= kCompareEach) {
    std::erase_if(fields_, [&](const Field& f) {
      for (std::string_view t : tokens)
        if (iequals(f.name, t)) return true;
      return false;
    });
    return;
  }
  std::vector<std::string> sorted;
  sorted.reserve(tokens.size());
  for (std::string_view t : tokens) {
    std::string l(t);
    for (char& c : l) c = lower(c);
    sorted.push_back(std::move(l));
  }
  std::sort(sorted.begin(), sorted.end());
  std::string name;
  std::erase_if(fields_, [&](const Field& f) {
    name.assign(f.name);
    for (char& c : name) c = lower(c);
    return std::binary_search(sorted.begin(), sorted.end(), name);
  });
}

void FlatFields::append_list_value(std::string_view name, std::string_view value) {
  bool found = false;
  std::string joined;
  for (const auto& f : fields_) {
    if (!iequals(f.name, name)) continue;
    found = true;
    if (!joined.empty()) joined.append(", ");
    joined.append(f.value);
  }
  if (!found) {
    add(name, value);
    return;
  }
  if (!joined.empty()) joined.append(", ");
  joined.append(value);
  set(name, joined);
}

}  // namespace aegis::http
