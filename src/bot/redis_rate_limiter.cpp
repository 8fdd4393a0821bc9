#include "bot/redis_rate_limiter.h"

#include <cmath>

#include "bot/metrics.h"
#include "redis/client.h"

namespace aegis::bot {
namespace {

// KEYS[1] bucket; ARGV[1] tokens per millisecond, ARGV[2] burst. Returns {allowed (0/1), wait ms, tokens left}.
constexpr const char* kScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(v[1])
local ts = tonumber(v[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate)
  ts = now
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%d', ts))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
return {allowed, wait, math.floor(tokens)}
)lua";

std::string fmt_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

RedisRateLimiter::RedisRateLimiter(std::shared_ptr<redis::Client> client, std::shared_ptr<LocalRateLimiter> fallback)
    : client_(std::move(client)), fallback_(std::move(fallback)) {}

bool RedisRateLimiter::connected() const { return client_ && client_->connected(); }

void RedisRateLimiter::take(const std::string& key, const BucketSpec& spec, Done done) {
  if (!connected()) {
    bot_metrics().redis_fallbacks.inc();
    done(fallback_->take(key, spec), false);
    return;
  }
  redis::Args args = {"EVAL", kScript, "1", client_->key("rl:" + key), fmt_double(spec.rate / 1000.0),
                      fmt_double(spec.burst)};
  client_->command(std::move(args), [fallback = fallback_, key, spec, done = std::move(done)](redis::Result r) {
    const redis::Reply& rep = r.reply;
    if (r.ok() && rep.type == redis::Reply::Type::kArray && rep.elements.size() == 3 &&
        rep.elements[0].type == redis::Reply::Type::kInteger && rep.elements[1].type == redis::Reply::Type::kInteger) {
      RateDecision d;
      d.allowed = rep.elements[0].integer == 1;
      d.retry_after = std::chrono::milliseconds(d.allowed ? 0 : std::max<long long>(1, rep.elements[1].integer));
      d.remaining = static_cast<double>(rep.elements[2].integer);
      done(d, true);
      return;
    }
    bot_metrics().redis_fallbacks.inc();
    done(fallback->take(key, spec), false);
  });
}

}  // namespace aegis::bot
