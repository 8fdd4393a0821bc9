// Host-side bot signals and the classification that combines them with the detector module's verdict.
//
//   user-agent class   known good crawlers, known bad bots (scanners, exploit tools), automation (headless
//                      browsers, HTTP libraries, command-line clients), empty or malformed agents
//   header signals     a browser user agent without the headers every browser sends (Accept, Accept-Language,
//                      Accept-Encoding), client hints that contradict the agent (sec-ch-ua from Firefox/Safari,
//                      a HeadlessChrome brand), `Host` not the first header line
//   request rate       the caller says whether the client exceeded the rate signal
//   detector verdict   HOST-ABI detect_bot: 0 human, 1 good crawler, 2 suspicious (errors count as 2)
//
// Pure functions of their inputs (no I/O, no clock): unit-tested in tests/bot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::bot {

enum class BotClass : uint8_t { kHuman, kGoodBot, kBadBot, kAutomation, kSuspicious };
inline constexpr int kBotClassCount = 5;
// "human", "good_bot", "bad_bot", "automation", "suspicious" (config keys, metric labels, access log).
const char* to_string(BotClass c);

enum class UaClass : uint8_t {
  kBrowser,     // looks like a browser (Mozilla/... with a browser engine token)
  kOther,       // some other well-formed agent
  kGoodCrawler,
  kBadBot,
  kAutomation,
  kEmpty,
  kMalformed,
};
const char* to_string(UaClass c);

// The user-agent class from the host's own tables (case-insensitive). `matched` gets the token that decided it.
UaClass classify_user_agent(std::string_view ua, std::string* matched = nullptr);

// The request as the classifier sees it: header lines in arrival order (names as received).
struct RequestFeatures {
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::optional<std::string_view> header(std::string_view name) const;  // first value, case-insensitive
};

enum class DetectorVerdict : uint8_t { kHuman = 0, kGoodBot = 1, kSuspicious = 2 };

struct Classification {
  BotClass bot_class = BotClass::kHuman;
  int score = 0;                      // 0-100: how bot-like
  UaClass ua_class = UaClass::kOther;
  std::vector<std::string> reasons;   // signals that fired, e.g. "ua:automation(curl/)", "no_accept_language"
  std::string reasons_text() const;   // comma-separated
};

// Combines the signals. `suspicious_score` is the score from which a request without a stronger class is
// `suspicious`. Precedence: bad_bot > automation > good_bot (host table or detector verdict 1) > suspicious > human.
Classification classify(const RequestFeatures& request, DetectorVerdict verdict, bool detector_failed,
                        bool high_rate, int suspicious_score);

}  // namespace aegis::bot
