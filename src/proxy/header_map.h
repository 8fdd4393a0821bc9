// A Beast-free view of an HTTP header block, so phases living outside src/proxy (bot, functions, WAF, cache)
// can read and edit the request and response heads without seeing Boost.Beast. Names compare case-insensitively.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

namespace aegis::proxy {

class HeaderMap {
 public:
  virtual ~HeaderMap() = default;
  // First value of the field, or nullopt. The view is valid until the field is modified.
  virtual std::optional<std::string_view> get(std::string_view name) const = 0;
  // Replaces every field of that name with one line.
  virtual void set(std::string_view name, std::string_view value) = 0;
  // Appends a line (duplicates allowed, e.g. Set-Cookie).
  virtual void add(std::string_view name, std::string_view value) = 0;
  virtual void remove(std::string_view name) = 0;
  // Visits every field line in order.
  virtual void for_each(const std::function<void(std::string_view name, std::string_view value)>& fn) const = 0;
};

}  // namespace aegis::proxy
