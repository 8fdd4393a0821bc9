// Entry: what the cache stores for one response, and its serialized form (the opaque `data` of a StoredObject,
// shared by every tier and node — versioned by a magic prefix; a blob that does not parse is a miss).
//
// Two kinds: a response (status, headers as received minus per-exchange fields, body, exchange times) and a
// vary record, stored under a primary key whose responses carry Vary: the field names that make the secondary key.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/http_fields.h"

namespace aegis::cache {

struct Entry {
  enum class Kind : unsigned char { kResponse = 1, kVary = 2 };
  Kind kind = Kind::kResponse;
  int status = 200;
  Headers headers;
  std::string body;
  WallClock::time_point request_time{};   // when the request that fetched it was sent to the origin
  WallClock::time_point response_time{};  // when its response head arrived
  std::vector<std::string> vary;          // kVary: the field names (lower-case, sorted)
};

std::string serialize(const Entry& entry);
std::optional<Entry> parse_entry(std::string_view data);

}  // namespace aegis::cache
