// Bytes made readable for test failure messages: printable ASCII as is, everything else (and '\') as \xNN.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace aegis::test {

inline std::string escape_bytes(std::string_view s, std::size_t max = std::string_view::npos) {
  std::string out;
  for (unsigned char c : s.substr(0, max)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace aegis::test
