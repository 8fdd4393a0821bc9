#include "http/flat_fields.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "http/headers.h"

namespace aegis::http {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

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
  value = trim_ows(value);
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
  std::erase_if(fields_, [&](const Field& f) { return iequals_ascii(f.name, name); });
  return before - fields_.size();
}

std::optional<std::string_view> FlatFields::get(std::string_view name) const {
  for (const auto& f : fields_)
    if (iequals_ascii(f.name, name)) return f.value;
  return std::nullopt;
}

void FlatFields::remove_hop_by_hop() {
  // One walk drops the fixed hop-by-hop set and Proxy-* and collects the names Connection lists, minus those gone
  // anyway (keep-alive, ...); the fields those name go in a second walk. The names are views into the storage, which
  // erasing lines does not touch.
  std::vector<std::string_view> tokens;
  std::erase_if(fields_, [&](const Field& f) {
    switch (hop_by_hop_kind(f.name)) {
      case HopByHop::kKeep:
        return false;
      case HopByHop::kConnection:
        for_each_list_element(f.value, [&](std::string_view token) {
          if (hop_by_hop_kind(token) == HopByHop::kKeep) tokens.push_back(token);
        });
        return true;
      case HopByHop::kRemove:
        return true;
    }
    return false;
  });
  // Usually "Connection: keep-alive" or "close": nothing or one name to compare. A long list is lowercased and
  // sorted: one binary search per field, so a hostile list costs O(fields · log tokens).
  if (tokens.empty()) return;
  constexpr std::size_t kCompareEach = 8;
  if (tokens.size() <= kCompareEach) {
    std::erase_if(fields_, [&](const Field& f) {
      for (std::string_view t : tokens)
        if (iequals_ascii(f.name, t)) return true;
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
    if (!iequals_ascii(f.name, name)) continue;
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
