// Value syntaxes shared by the config schema: durations, byte sizes, host:port.
// Each parser returns std::nullopt (or false) for text it does not accept; the loader turns that into a ConfigError.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace aegis::config {

// "250ms", "2s", "1m", "1h": a non-negative integer immediately followed by one of ms, s, m, h.
// Plain numbers ("5") are rejected: a timeout without a unit is ambiguous.
std::optional<Millis> parse_duration(std::string_view text);

// "512", "512B", "16KB" (1000), "16KiB" (1024), "10MB", "10MiB", "1GB", "1GiB". A plain integer is bytes.
std::optional<std::size_t> parse_size(std::string_view text);

// "host:port" or "[v6addr]:port". The port must be within [min_port, 65535]; the host must be non-empty and
// made of letters, digits, '.', '-', '_' (or be a bracketed IPv6 literal, stored without the brackets).
std::optional<Endpoint> parse_host_port(std::string_view text, uint16_t min_port = 1);

// Formats a duration the way the schema documents defaults ("250ms", "2s", "1m", "1h" — the largest exact unit).
std::string format_duration(Millis d);
// Formats a size with the largest exact binary unit ("16KiB", "10MiB", "1000B").
std::string format_size(std::size_t bytes);

}  // namespace aegis::config
