// A small, iterative (no recursion) JSON reader that reports every scalar leaf with its path, and a string escaper
// for the result. Linear time; nesting deeper than kMaxDepth is refused.
#pragma once

#include <string>
#include <string_view>

namespace waf {

inline constexpr int kMaxJsonDepth = 64;

class JsonSink {
 public:
  virtual ~JsonSink() = default;
  // A scalar at `path` (keys joined with '.', array elements as their index when keep_indices, else skipped).
  // `value` is unescaped for strings, the literal text otherwise.
  virtual void leaf(const std::string& path, std::string_view value, bool is_string) = 0;
  // An object key (unescaped), before its value.
  virtual void key(std::string_view /*key*/) {}
};

// False when the text is not one well-formed JSON value (leaves seen before the error were reported).
bool json_walk(std::string_view in, JsonSink& sink, bool keep_indices);

// Appends `s` as a JSON string literal; bytes that are not printable ASCII are \u-escaped (so the result is
// valid UTF-8 whatever the input); at most `max` input bytes are written (then "...").
void json_escape(std::string& out, std::string_view s, std::size_t max = std::string::npos);

}  // namespace waf
