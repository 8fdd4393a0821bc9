#include "bot/metrics.h"

namespace aegis::bot {

const char* to_string(Action a) {
  switch (a) {
    case Action::kAllow: return "allow";
    case Action::kLog: return "log";
    case Action::kChallenge: return "challenge";
    case Action::kBlock: return "block";
    case Action::kPass: return "pass";
  }
  return "allow";
}

BotMetrics::BotMetrics()
    : rate_limited(metrics::global().counter("rate_limited_total",
                                             "Requests refused with 429 by a route's rate limit.")),
      detector_errors(metrics::global().counter(
          "bot_detector_errors_total", "Bot-detector calls without a clean verdict (counted as suspicious), by reason.")) {
  auto& reg = metrics::global();
  auto req = reg.counter("bot_requests_total", "Requests classified by bot management, by class and action.");
  for (int c = 0; c < kBotClassCount; ++c)
    for (int a = 0; a < kActionCount; ++a)
      requests[c][a] = req.with({{"class", to_string(static_cast<BotClass>(c))},
                                 {"action", to_string(static_cast<Action>(a))}});
  auto challenges = reg.counter("bot_challenges_total", "Bot challenge events by result.");
  challenge_issued = challenges.with({{"result", "issued"}});
  challenge_solved = challenges.with({{"result", "solved"}});
  challenge_failed = challenges.with({{"result", "failed"}});
  cookie_rejected = challenges.with({{"result", "cookie_rejected"}});
  detector_time = reg.histogram("bot_detector_execution_time_seconds", "Time of one detect_bot call.").with();
  redis_fallbacks = reg.counter("rate_limit_redis_fallbacks_total",
                                "Rate-limit decisions taken by the local limiter because Redis was unavailable.")
                        .with();
}

const BotMetrics& bot_metrics() {
  static const BotMetrics m;
  return m;
}

}  // namespace aegis::bot
