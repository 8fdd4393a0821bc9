// Metrics of bot management (process-wide, in metrics::global(); listed in docs/metrics.md):
//   bot_requests_total{class,action}           classified requests by class and applied action
//                                              (allow, log, challenge, block, pass = challenged but a valid cookie)
//   rate_limited_total{route}                  requests refused with 429, by route ("host/path_prefix")
//   bot_challenges_total{result}               issued (interstitial sent), solved (cookie set), failed (wrong or
//                                              stale solution), cookie_rejected (forged, expired or rebound cookie)
//   bot_detector_errors_total{reason}          detector calls that did not give a clean verdict (trap, timeout,
//                                              fuel, memory, function_error, ...): counted as suspicious
//   bot_detector_execution_time_seconds        detect_bot call time
//   rate_limit_redis_fallbacks_total           rate-limit decisions taken locally because Redis was unavailable
#pragma once

#include <array>

#include "bot/classifier.h"
#include "metrics/metrics.h"

namespace aegis::bot {

enum class Action : uint8_t { kAllow, kLog, kChallenge, kBlock, kPass };
inline constexpr int kActionCount = 5;
const char* to_string(Action a);

struct BotMetrics {
  BotMetrics();  // registers the families in metrics::global()
  std::array<std::array<metrics::Counter, kActionCount>, kBotClassCount> requests;  // [class][action]
  metrics::CounterFamily rate_limited;    // {route}: resolved per route when a snapshot is loaded
  metrics::Counter challenge_issued, challenge_solved, challenge_failed, cookie_rejected;
  metrics::CounterFamily detector_errors;  // {reason}
  metrics::Histogram detector_time;
  metrics::Counter redis_fallbacks;
};

// Registered on first use.
const BotMetrics& bot_metrics();

}  // namespace aegis::bot
