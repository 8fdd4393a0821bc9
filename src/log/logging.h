// Diagnostic logging (not the access log): one spdlog logger named "aegis" writing to stderr.
//   aegis::log::setup("info");            // once at start, level from Config::log_level
//   aegis::log::logger().info("listening on {}:{}", addr, port);
// Before setup() the logger exists with level "info", so early messages and tests work.
#pragma once

#include <optional>
#include <string_view>

#include <spdlog/logger.h>

namespace aegis::log {

// Level names as in the config: trace, debug, info, warn, error, critical, off.
std::optional<spdlog::level::level_enum> parse_level(std::string_view name);

// Sets the level (throws std::invalid_argument for an unknown name) and the pattern
// "[2026-11-25 15:29:29.123] [info] [aegis] message". Safe to call again (e.g. on config reload).
void setup(std::string_view level);
void set_level(std::string_view level);

spdlog::logger& logger();

}  // namespace aegis::log
