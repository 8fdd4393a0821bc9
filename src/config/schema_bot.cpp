// Schema section `bot`: bot management and rate limiting. Owned by src/bot.
#include <filesystem>
#include <string>

#include "config/schema.h"

namespace aegis::config {
namespace {

using VT = ValueType;
constexpr std::string_view kActions = "allow,log,challenge,block";

// clang-format off
const SchemaEntry kEntries[] = {
  {"bot", VT::Map, "", false, "Bot management and per-client rate limiting (see docs/bot-management.md).", {}, 0, 0,
   nullptr, [](void* p) -> void* { return &target<Config>(p).bot; }},
  {"bot.enabled", VT::Bool, "false", false, "Classify clients and apply the routes' bot policies and rate limits.",
   {}, 0, 0,
   [](void* t, const Value& v) { target<BotConfig>(t).enabled = v.boolean; }},
  {"bot.detector", VT::String, "\"\"", false,
   "Bot-detector Wasm module (HOST-ABI `detect_bot`); a relative path is taken from the config file's directory. "
   "Empty = the default detector built from modules/bot. Loaded at start and on every reload.", {}, 0, 0,
   [](void* t, const Value& v) { target<BotConfig>(t).detector = v.text; }},
  {"bot.detector_timeout", VT::Duration, "10ms", false, "Wall-clock deadline of one `detect_bot` call.", {}, 1, 0,
   [](void* t, const Value& v) { target<BotConfig>(t).detector_timeout = v.duration; }},
  {"bot.detector_memory", VT::Size, "10MiB", false, "Linear-memory cap of the detector module.", {}, 65536, 0,
   [](void* t, const Value& v) { target<BotConfig>(t).detector_memory = v.size; }},
  {"bot.detector_fuel", VT::Integer, "2000000", false,
   "Instruction budget of one `detect_bot` call; `0` turns fuel metering off.", {}, 0, 0,
   [](void* t, const Value& v) { target<BotConfig>(t).detector_fuel = static_cast<uint64_t>(v.integer); }},
  {"bot.suspicious_score", VT::Integer, "50", false,
   "Score (0-100) from which a request that is not a known bot is classified `suspicious`.", {}, 1, 100,
   [](void* t, const Value& v) { target<BotConfig>(t).suspicious_score = static_cast<int>(v.integer); }},
  {"bot.rate_signal_requests", VT::Integer, "0", false,
   "Request-rate signal: a client IP sending more than this many requests per `rate_signal_period` adds to its "
   "score. `0` = off.", {}, 0, 100000000,
   [](void* t, const Value& v) { target<BotConfig>(t).rate_signal_requests = static_cast<uint32_t>(v.integer); }},
  {"bot.rate_signal_period", VT::Duration, "10s", false, "Window of the request-rate signal.", {}, 1, 0,
   [](void* t, const Value& v) { target<BotConfig>(t).rate_signal_period = v.duration; }},
  {"bot.secret", VT::String, "\"\"", false,
   "Node secret signing the challenge cookies (HMAC-SHA256), at least 16 bytes. Empty = a random secret per "
   "start (cookies then do not survive a restart, and nodes do not accept each other's).", {}, 0, 0,
   [](void* t, const Value& v) { target<BotConfig>(t).secret = v.text; }},
  {"bot.challenge_ttl", VT::Duration, "1h", false, "Lifetime of the cookie a passed challenge sets.", {}, 1000, 0,
   [](void* t, const Value& v) { target<BotConfig>(t).challenge_ttl = v.duration; }},
  {"bot.challenge_difficulty", VT::Integer, "16", false,
   "Proof-of-work difficulty of the challenge: leading zero bits of SHA-256(token:nonce).", {}, 0, 32,
   [](void* t, const Value& v) { target<BotConfig>(t).challenge_difficulty = static_cast<uint32_t>(v.integer); }},
  {"bot.cookie_name", VT::NonEmptyString, "aegis_bot", false, "Name of the challenge cookie.", {}, 0, 0,
   [](void* t, const Value& v) { target<BotConfig>(t).cookie_name = v.text; }},
  {"bot.rate_limit_store", VT::Enum, "local", false,
   "Where rate-limit buckets live: `local` (in-process, shared by the workers) or `redis` (shared by every node "
   "on the `redis` server; falls back to the local store while Redis is unreachable).", "local,redis", 0, 0,
   [](void* t, const Value& v) { target<BotConfig>(t).rate_limit_store = v.text; }},
  {"bot.rate_limit_max_clients", VT::Integer, "100000", false,
   "In-process rate-limit buckets kept; the least recently used are evicted beyond it.", {}, 16, 100000000,
   [](void* t, const Value& v) { target<BotConfig>(t).rate_limit_max_clients = static_cast<std::size_t>(v.integer); }},

  {"routes[].bot", VT::Map, "", false, "Bot policy of the route: an action per class, and a rate limit.", {}, 0, 0,
   nullptr, [](void* p) -> void* { return &target<Route>(p).bot; }},
  {"routes[].bot.enabled", VT::Bool, "true", false, "Apply bot management on this route (when `bot.enabled`).",
   {}, 0, 0,
   [](void* t, const Value& v) { target<RouteBot>(t).enabled = v.boolean; }},
  {"routes[].bot.human", VT::Enum, "allow", false, "Action for clients classified `human`.", kActions, 0, 0,
   [](void* t, const Value& v) { target<RouteBot>(t).human = v.text; }},
  {"routes[].bot.good_bot", VT::Enum, "allow", false,
   "Action for known good crawlers (search engines, link previews).", kActions, 0, 0,
   [](void* t, const Value& v) { target<RouteBot>(t).good_bot = v.text; }},
  {"routes[].bot.bad_bot", VT::Enum, "block", false,
   "Action for known bad bots: vulnerability scanners, exploit tools, scrapers.", kActions, 0, 0,
   [](void* t, const Value& v) { target<RouteBot>(t).bad_bot = v.text; }},
  {"routes[].bot.automation", VT::Enum, "challenge", false,
   "Action for headless browsers and HTTP automation libraries (curl, python-requests, Puppeteer, ...).",
   kActions, 0, 0,
   [](void* t, const Value& v) { target<RouteBot>(t).automation = v.text; }},
  {"routes[].bot.suspicious", VT::Enum, "challenge", false,
   "Action for suspicious requests: empty or malformed user agent, inconsistent headers, high request rate, or "
   "the detector module's verdict.", kActions, 0, 0,
   [](void* t, const Value& v) { target<RouteBot>(t).suspicious = v.text; }},
  {"routes[].bot.rate_limit", VT::Map, "", false,
   "Per-client token bucket of the route (checked after the bot policy); exceeding it answers `429` with "
   "`Retry-After`.", {}, 0, 0,
   nullptr, [](void* p) -> void* { return &target<RouteBot>(p).rate_limit; }},
  {"routes[].bot.rate_limit.requests", VT::Integer, "0", false,
   "Requests allowed per `period` (the refill rate). `0` = no rate limit.", {}, 0, 100000000,
   [](void* t, const Value& v) { target<RouteRateLimit>(t).requests = static_cast<uint32_t>(v.integer); }},
  {"routes[].bot.rate_limit.period", VT::Duration, "1s", false, "Period of `requests`.", {}, 1, 0,
   [](void* t, const Value& v) { target<RouteRateLimit>(t).period = v.duration; }},
  {"routes[].bot.rate_limit.burst", VT::Integer, "0", false,
   "Bucket size (requests allowed at once). `0` = `requests`.", {}, 0, 100000000,
   [](void* t, const Value& v) { target<RouteRateLimit>(t).burst = static_cast<uint32_t>(v.integer); }},
  {"routes[].bot.rate_limit.key", VT::NonEmptyString, "ip", false,
   "What identifies a client: `ip` (the peer address) or `header:<name>` (e.g. `header:x-api-key`; requests "
   "without it are keyed by IP).", {}, 0, 0,
   [](void* t, const Value& v) { target<RouteRateLimit>(t).key = v.text; }},
};
// clang-format on

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void check(Config& c, const SectionChecker& checker) {
  BotConfig& b = c.bot;
  if (!b.detector.empty()) {
    std::filesystem::path p(b.detector);
    if (p.is_relative()) {
      std::filesystem::path base = std::filesystem::path(checker.file()).parent_path();
      if (!base.empty()) p = base / p;
    }
    b.detector_path = p.lexically_normal().string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(b.detector_path, ec))
      checker.fail("bot.detector", "bot", "module file \"" + b.detector_path + "\" not found");
  } else {
    b.detector_path.clear();
  }
  if (!b.secret.empty() && b.secret.size() < 16)
    checker.fail("bot.secret", "bot", "the secret must be at least 16 bytes long");
  if (b.rate_limit_store == "redis" && !c.redis.enabled)
    checker.fail("bot.rate_limit_store", "bot", "`redis` needs the `redis` section (redis.enabled: true)");
  for (char ch : b.cookie_name)
    if (!is_token_char(ch)) checker.fail("bot.cookie_name", "bot", "not a valid cookie name");

  for (std::size_t i = 0; i < c.routes.size(); ++i) {
    RouteRateLimit& rl = c.routes[i].bot.rate_limit;
    std::string p = "routes[" + std::to_string(i) + "].bot.rate_limit";
    if (rl.key != "ip") {
      std::string_view k = rl.key;
      bool ok = k.starts_with("header:") && k.size() > 7;
      std::string name(k.substr(ok ? 7 : 0));
      for (char& ch : name) {
        if (!is_token_char(ch)) ok = false;
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      }
      if (!ok) checker.fail(p + ".key", p, "expected `ip` or `header:<header name>`, got \"" + rl.key + "\"");
      rl.key = "header:" + name;
    }
  }
}

}  // namespace

const SchemaSection& bot_schema_section() {
  static const SchemaSection section{"bot", kEntries, check};
  return section;
}

}  // namespace aegis::config
