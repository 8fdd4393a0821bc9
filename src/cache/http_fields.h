// Plain header lists and the field-value grammar the cache policy needs: a header block as a vector of
// (name, value) pairs (names compare case-insensitively), Cache-Control directives, HTTP dates, entity tags.
// Pure functions, no I/O; unit-tested in tests/cache/policy_test.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cache/store.h"

namespace aegis::cache {

using Headers = std::vector<std::pair<std::string, std::string>>;

bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);
std::string_view trim(std::string_view s);

// All lines of `name` joined with ", " (list syntax), or nullopt when the field is absent.
std::optional<std::string> field(const Headers& h, std::string_view name);
bool has_field(const Headers& h, std::string_view name);
// Calls f(value) with the field's value — the line itself (trimmed, no copy) when there is one, the lines joined as
// field() joins them otherwise — and returns true; returns false without calling f when the field is absent.
template <class F>
bool with_field(const Headers& h, std::string_view name, F&& f);
void remove_field(Headers& h, std::string_view name);
void set_field(Headers& h, std::string_view name, std::string_view value);  // replaces every line of `name`

// The comma-separated members of a list-valued field (quoted strings kept intact), trimmed, empty ones skipped.
std::vector<std::string> split_list(std::string_view value);
// The same members as split_list, as views into `value` (no allocation): f(member) for each.
template <class F>
void for_each_member(std::string_view value, F&& f) {
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || (!quoted && value[i] == ',')) {
      std::string_view m = trim(value.substr(start, i - start));
      if (!m.empty()) f(m);
      start = i + 1;
    } else if (quoted) {
      if (value[i] == '\\' && i + 1 < value.size()) ++i;
      else if (value[i] == '"') quoted = false;
    } else if (value[i] == '"') {
      quoted = true;
    }
  }
}

// Cache-Control (RFC 9111 §5.2). Unknown directives are ignored; a duplicated or invalid delta-seconds makes
// that directive count as present with value 0 for freshness (max-age=0 / s-maxage=0: the most conservative
// reading, §4.2.1), and as absent where absence is more conservative (max-stale, min-fresh are still honoured).
struct CacheControl {
  bool no_store = false;
  bool no_cache = false;            // unqualified or qualified (treated alike: revalidate every time)
  bool private_ = false;            // unqualified or qualified (a shared cache never stores either)
  bool public_ = false;
  bool must_revalidate = false;
  bool proxy_revalidate = false;
  bool must_understand = false;
  bool only_if_cached = false;
  bool no_transform = false;
  bool immutable = false;
  std::optional<int64_t> max_age;
  std::optional<int64_t> s_maxage;
  std::optional<int64_t> min_fresh;
  bool max_stale = false;           // present (any staleness accepted unless max_stale_value)
  std::optional<int64_t> max_stale_value;
  std::optional<int64_t> stale_while_revalidate;
  std::optional<int64_t> stale_if_error;
};

CacheControl parse_cache_control(std::string_view value);
// Cache-Control of a header block (all lines joined), or a default (all absent) one.
CacheControl cache_control(const Headers& h);

// Surrogate-Control (W3C Edge Architecture Specification 1.0): `directive[;device-token]` members, each applying to
// every surrogate (no token) or to the surrogate whose device token it names (case-insensitive). Only the
// directives targeted at `device` count: `no-store`, and `max-age=N[+M]` (N = freshness lifetime; the optional
// `+M` extension is ignored). Like Cache-Control, a repeated or invalid max-age counts as 0.
struct SurrogateControl {
  bool present = false;  // at least one directive targeted at this device
  bool no_store = false;
  std::optional<int64_t> max_age;
};
SurrogateControl parse_surrogate_control(std::string_view value, std::string_view device);
SurrogateControl surrogate_control(const Headers& h, std::string_view device);

// HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, obsolete RFC 850 and asctime forms. nullopt if invalid.
std::optional<WallClock::time_point> parse_http_date(std::string_view s);
std::string format_http_date(WallClock::time_point t);  // IMF-fixdate

// Entity tags (RFC 9110 §8.8.3). Weak comparison ignores W/; strong requires both strong and equal.
bool etag_weak_equal(std::string_view a, std::string_view b);
bool etag_strong_equal(std::string_view a, std::string_view b);

template <class F>
bool with_field(const Headers& h, std::string_view name, F&& f) {
  const std::pair<std::string, std::string>* only = nullptr;
  for (const auto& kv : h) {
    if (!iequals(kv.first, name)) continue;
    if (only) {  // several lines: joined
      f(std::string_view(*field(h, name)));
      return true;
    }
    only = &kv;
  }
  if (!only) return false;
  f(trim(only->second));
  return true;
}

}  // namespace aegis::cache
