// Config model of the `bot` section (bot management and rate limiting) and of `routes[].bot` (per-route policy).
// Owned by the bot subsystem (src/bot). See docs/bot-management.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace aegis::config {

struct BotConfig {
  bool enabled = false;
  // Bot-detector module (HOST-ABI `detect_bot`). Empty = the default module built from modules/bot.
  std::string detector;
  std::string detector_path;                        // resolved path (relative to the config file's directory)
  std::chrono::milliseconds detector_timeout{10};  // wall-clock deadline of one detect_bot call
  std::size_t detector_memory = 10 * 1024 * 1024;  // linear-memory cap of the detector
  uint64_t detector_fuel = 2000000;                // instruction budget per call; 0 = fuel off
  // Score (0-100) from which a request without a stronger class is `suspicious`.
  int suspicious_score = 50;
  // Request-rate signal: a client sending more than `rate_signal_requests` per `rate_signal_period` scores higher
  // (0 = off). Counted in-process per client IP.
  uint32_t rate_signal_requests = 0;
  std::chrono::milliseconds rate_signal_period{10000};
  // Challenge cookie: HMAC-SHA256 key (empty = random per start), lifetime, proof-of-work difficulty (bits).
  std::string secret;
  std::chrono::milliseconds challenge_ttl{3600000};
  uint32_t challenge_difficulty = 16;
  std::string cookie_name = "aegis_bot";
  // Rate-limit store: `local` (in-process, shared by the workers) or `redis` (shared by the nodes; needs `redis`).
  std::string rate_limit_store = "local";
  std::size_t rate_limit_max_clients = 100000;     // in-process buckets kept (least recently used evicted)

  bool operator==(const BotConfig&) const = default;
};

struct RouteRateLimit {
  uint32_t requests = 0;                           // tokens per `period`; 0 = no rate limit on this route
  std::chrono::milliseconds period{1000};
  uint32_t burst = 0;                              // bucket size; 0 = `requests`
  std::string key = "ip";                          // `ip` or `header:<name>` (falls back to the IP when absent)

  bool operator==(const RouteRateLimit&) const = default;
};

// Actions per class: allow | log | challenge | block.
struct RouteBot {
  bool enabled = true;
  std::string human = "allow";
  std::string good_bot = "allow";
  std::string bad_bot = "block";
  std::string automation = "challenge";
  std::string suspicious = "challenge";
  RouteRateLimit rate_limit;

  bool operator==(const RouteBot&) const = default;
};

}  // namespace aegis::config
