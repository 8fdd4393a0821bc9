#include "bot/bot_set.h"

#include "redis/client.h"

namespace aegis::bot {

Action parse_action(const std::string& s) {
  if (s == "log") return Action::kLog;
  if (s == "challenge") return Action::kChallenge;
  if (s == "block") return Action::kBlock;
  return Action::kAllow;
}

BotService::BotService(const config::Config& cfg, std::shared_ptr<redis::Client> redis)
    : local_(std::make_shared<LocalRateLimiter>(cfg.bot.rate_limit_max_clients)),
      signal_(std::make_shared<LocalRateLimiter>(cfg.bot.rate_limit_max_clients)),
      secret_(random_secret()) {
  if (cfg.bot.rate_limit_store == "redis" && redis)
    redis_ = std::make_unique<RedisRateLimiter>(std::move(redis), local_);
}

std::shared_ptr<const BotSet> BotSet::load(const config::Config& cfg, const BotService& service) {
  auto set = std::shared_ptr<BotSet>(new BotSet());
  set->detector_ = BotDetector::load(cfg.bot);
  set->signer_ = std::make_unique<ChallengeSigner>(
      cfg.bot.secret.empty() ? service.generated_secret() : cfg.bot.secret, cfg.bot.cookie_name,
      std::chrono::duration_cast<std::chrono::seconds>(cfg.bot.challenge_ttl), cfg.bot.challenge_difficulty);
  set->suspicious_score_ = cfg.bot.suspicious_score;
  if (cfg.bot.rate_signal_requests > 0) {
    set->rate_signal_enabled_ = true;
    double period_s = std::chrono::duration<double>(cfg.bot.rate_signal_period).count();
    set->rate_signal_.rate = cfg.bot.rate_signal_requests / period_s;
    set->rate_signal_.burst = cfg.bot.rate_signal_requests;
  }
  const auto& m = bot_metrics();
  for (const config::Route& r : cfg.routes) {
    RoutePolicy p;
    p.enabled = r.bot.enabled;
    p.actions[static_cast<int>(BotClass::kHuman)] = parse_action(r.bot.human);
    p.actions[static_cast<int>(BotClass::kGoodBot)] = parse_action(r.bot.good_bot);
    p.actions[static_cast<int>(BotClass::kBadBot)] = parse_action(r.bot.bad_bot);
    p.actions[static_cast<int>(BotClass::kAutomation)] = parse_action(r.bot.automation);
    p.actions[static_cast<int>(BotClass::kSuspicious)] = parse_action(r.bot.suspicious);
    p.label = r.host + r.path_prefix;
    const config::RouteRateLimit& rl = r.bot.rate_limit;
    if (rl.requests > 0) {
      p.rate_limited = true;
      double period_s = std::chrono::duration<double>(rl.period).count();
      p.bucket.rate = rl.requests / period_s;
      p.bucket.burst = rl.burst > 0 ? rl.burst : rl.requests;
      if (rl.key.starts_with("header:")) p.key_header = rl.key.substr(7);
      p.limited = m.rate_limited.with({{"route", p.label}});
    }
    set->routes_.push_back(std::move(p));
  }
  return set;
}

}  // namespace aegis::bot
