// Config model of the `bot` section (bot management and rate limiting) and of `routes[].bot` (per-route policy).
// Owned by the bot subsystem (src/bot).
#pragma once

#include <string>

namespace aegis::config {

struct BotConfig {
  bool enabled = false;

  bool operator==(const BotConfig&) const = default;
};

struct RouteBot {
  bool enabled = true;

  bool operator==(const RouteBot&) const = default;
};

}  // namespace aegis::config
