#include "config/units.h"

#include <charconv>
#include <limits>

namespace aegis::config {
namespace {

// Leading decimal digits of `text` as an unsigned value; `rest` receives what follows. nullopt on no digits/overflow.
std::optional<uint64_t> leading_number(std::string_view text, std::string_view& rest) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr == text.data()) return std::nullopt;
  rest = text.substr(static_cast<std::size_t>(ptr - text.data()));
  return value;
}

bool mul_overflows(uint64_t a, uint64_t b) { return b != 0 && a > std::numeric_limits<uint64_t>::max() / b; }

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}

}  // namespace

std::optional<Millis> parse_duration(std::string_view text) {
  std::string_view unit;
  auto n = leading_number(text, unit);
  if (!n) return std::nullopt;
  uint64_t factor;
  if (unit == "ms") factor = 1;
  else if (unit == "s") factor = 1000;
  else if (unit == "m") factor = 60'000;
  else if (unit == "h") factor = 3'600'000;
  else return std::nullopt;
  if (mul_overflows(*n, factor)) return std::nullopt;
  uint64_t ms = *n * factor;
  if (ms > static_cast<uint64_t>(std::numeric_limits<Millis::rep>::max())) return std::nullopt;
  return Millis(static_cast<Millis::rep>(ms));
}

std::optional<std::size_t> parse_size(std::string_view text) {
  std::string_view unit;
  auto n = leading_number(text, unit);
  if (!n) return std::nullopt;
  uint64_t factor;
  if (unit.empty() || unit == "B") factor = 1;
  else if (unit == "KB") factor = 1000;
  else if (unit == "KiB") factor = 1024;
  else if (unit == "MB") factor = 1000 * 1000;
  else if (unit == "MiB") factor = 1024 * 1024;
  else if (unit == "GB") factor = 1000ull * 1000 * 1000;
  else if (unit == "GiB") factor = 1024ull * 1024 * 1024;
  else return std::nullopt;
  if (mul_overflows(*n, factor)) return std::nullopt;
  uint64_t bytes = *n * factor;
  if (bytes > std::numeric_limits<std::size_t>::max()) return std::nullopt;
  return static_cast<std::size_t>(bytes);
}

std::optional<Endpoint> parse_host_port(std::string_view text, uint16_t min_port) {
  std::string_view host, port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    if (host.empty()) return std::nullopt;
    for (char c : host)
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
        return std::nullopt;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.empty()) return std::nullopt;
    for (char c : host)
      if (!host_char(c)) return std::nullopt;
  }
  std::string_view rest;
  auto port = leading_number(port_text, rest);
  if (!port || !rest.empty() || *port > 65535 || *port < min_port) return std::nullopt;
  return Endpoint{std::string(host), static_cast<uint16_t>(*port)};
}

std::string format_duration(Millis d) {
  auto ms = d.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string format_size(std::size_t bytes) {
  if (bytes != 0 && bytes % (1024ull * 1024 * 1024) == 0) return std::to_string(bytes >> 30) + "GiB";
  if (bytes != 0 && bytes % (1024 * 1024) == 0) return std::to_string(bytes >> 20) + "MiB";
  if (bytes != 0 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + "KiB";
  return std::to_string(bytes) + "B";
}

}  // namespace aegis::config
