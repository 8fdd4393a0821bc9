#include "bot/bot_phase.h"

#include <chrono>
#include <cmath>
#include <string>

#include "bot/bot_set.h"
#include "log/logging.h"
#include "proxy/snapshot.h"

namespace aegis::bot {
namespace {

struct BotState final : proxy::PhaseState {
  bool classified = false;
  BotClass bot_class = BotClass::kHuman;
  int score = 0;
  Action action = Action::kAllow;
  std::string reasons;
  bool rate_limited = false;
  std::string challenge;  // verification endpoint outcome, for the log
};

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view path_of(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

std::string_view query_of(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

std::string_view header(const proxy::RequestContext& ctx, std::string_view name) {
  if (!ctx.request.headers) return {};
  return ctx.request.headers->get(name).value_or(std::string_view{});
}

proxy::LocalResponse text_response(int status, std::string body) {
  proxy::LocalResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

proxy::LocalResponse challenge_page(const BotSet& set, const proxy::RequestContext& ctx, std::string_view ua) {
  proxy::LocalResponse r;
  r.status = 403;
  r.content_type = "text/html; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Aegis-Bot", "challenge");
  std::string_view target = ctx.new_target ? std::string_view(*ctx.new_target) : ctx.request.target;
  r.body = set.signer().interstitial(set.signer().issue_token(ctx.client.ip, ua, unix_now()), target);
  bot_metrics().challenge_issued.inc();
  return r;
}

proxy::LocalResponse too_many(const RateDecision& d, const proxy::RequestContext& ctx) {
  auto secs = std::max<int64_t>(1, (d.retry_after.count() + 999) / 1000);
  proxy::LocalResponse r = text_response(429, "Too Many Requests: rate limit exceeded (request id " +
                                                  ctx.request_id + ")\n");
  r.headers.emplace_back("Retry-After", std::to_string(secs));
  return r;
}

// GET /.aegis/challenge?token=&nonce=&return=
proxy::Flow verify(const BotSet& set, proxy::RequestContext& ctx, BotState& st) {
  std::string_view ua = header(ctx, "user-agent");
  std::string_view query = query_of(ctx.request.target);
  std::string token = query_param(query, "token").value_or("");
  std::string nonce = query_param(query, "nonce").value_or("");
  std::string ret = safe_return_path(query_param(query, "return").value_or("/"));
  std::string why = ctx.request.method != "GET" && ctx.request.method != "HEAD"
                        ? std::string("method not allowed")
                        : set.signer().verify_solution(token, nonce, ctx.client.ip, ua, unix_now());
  if (!why.empty()) {
    bot_metrics().challenge_failed.inc();
    st.challenge = "failed: " + why;
    proxy::LocalResponse r = challenge_page(set, ctx, ua);
    ctx.local_response = std::move(r);
    return proxy::Flow::kRespond;
  }
  bot_metrics().challenge_solved.inc();
  st.challenge = "solved";
  proxy::LocalResponse r = text_response(302, "Verified. Continue to " + ret + "\n");
  r.headers.emplace_back("Location", ret);
  r.headers.emplace_back("Set-Cookie", set.signer().set_cookie_header(ctx.client.ip, ua, unix_now()));
  ctx.local_response = std::move(r);
  return proxy::Flow::kRespond;
}

}  // namespace

BotPhase::BotPhase(std::shared_ptr<BotService> service) : service_(std::move(service)) {}

proxy::Flow BotPhase::request_filter(proxy::RequestContext& ctx, const proxy::Resume& resume) {
  if (!ctx.snapshot || !ctx.snapshot->bot || !ctx.config) return proxy::Flow::kContinue;
  const BotSet& set = *ctx.snapshot->bot;
  BotState& st = ctx.phase_state.emplace<BotState>(this);

  if (path_of(ctx.request.target) == kChallengePath) return verify(set, ctx, st);

  const auto& routes = ctx.config->routes;
  if (!ctx.route || routes.empty() || ctx.route < routes.data() || ctx.route >= routes.data() + routes.size())
    return proxy::Flow::kContinue;
  const RoutePolicy* policy = set.route(static_cast<std::size_t>(ctx.route - routes.data()));
  if (!policy) return proxy::Flow::kContinue;

  // ---- classify ----
  RequestFeatures features;
  if (ctx.request.headers)
    ctx.request.headers->for_each([&](std::string_view k, std::string_view v) { features.headers.emplace_back(k, v); });
  std::string_view ua = features.header("user-agent").value_or(std::string_view{});
  bool high_rate = set.rate_signal_enabled() &&
                   !service_->rate_signal().take("ip|" + ctx.client.ip, set.rate_signal_bucket()).allowed;
  DetectResult det = set.detector().detect(ua);
  const BotMetrics& m = bot_metrics();
  m.detector_time.observe(det.outcome.wall);
  if (det.failed) {
    m.detector_errors.with({{"reason", functions::label(det.outcome.status)}}).inc();
    log::logger().warn("bot detector {}: {} ({})", set.detector().name(), functions::label(det.outcome.status),
                       det.outcome.message);
  }
  Classification c = classify(features, det.verdict, det.failed, high_rate, set.suspicious_score());
  st.classified = true;
  st.bot_class = c.bot_class;
  st.score = c.score;
  st.reasons = c.reasons_text();
  st.action = policy->actions[static_cast<int>(c.bot_class)];

  // ---- policy ----
  switch (st.action) {
    case Action::kBlock:
      m.requests[static_cast<int>(st.bot_class)][static_cast<int>(Action::kBlock)].inc();
      ctx.local_response = text_response(403, "Forbidden: request blocked by bot management (request id " +
                                                  ctx.request_id + ")\n");
      ctx.local_response->headers.emplace_back("X-Aegis-Bot", "block");
      return proxy::Flow::kRespond;
    case Action::kChallenge: {
      std::string_view cookie = header(ctx, "cookie");
      auto value = set.signer().find_cookie(cookie);
      CookieCheck check = value ? set.signer().verify_cookie(*value, ctx.client.ip, ua, unix_now())
                                : CookieCheck::kMissing;
      if (check != CookieCheck::kValid) {
        if (check != CookieCheck::kMissing) {
          m.cookie_rejected.inc();
          st.challenge = std::string("cookie ") + to_string(check);
        }
        m.requests[static_cast<int>(st.bot_class)][static_cast<int>(Action::kChallenge)].inc();
        ctx.local_response = challenge_page(set, ctx, ua);
        return proxy::Flow::kRespond;
      }
      st.action = Action::kPass;
      break;
    }
    case Action::kLog:
      log::logger().info("bot: {} class={} score={} reasons={} ua=\"{}\" request_id={}", ctx.client.ip,
                         to_string(st.bot_class), st.score, st.reasons, ua.substr(0, 256), ctx.request_id);
      break;
    default:
      break;
  }
  m.requests[static_cast<int>(st.bot_class)][static_cast<int>(st.action)].inc();

  // ---- rate limit ----
  if (!policy->rate_limited) return proxy::Flow::kContinue;
  std::string key = policy->label + "|";
  std::string_view hv = policy->key_header.empty() ? std::string_view{} : header(ctx, policy->key_header);
  if (!hv.empty()) key.append("h:").append(hv.substr(0, 512));
  else key.append("ip:").append(ctx.client.ip);

  if (RedisRateLimiter* redis = service_->redis_limiter(); redis && redis->connected()) {
    // Asynchronous: the Redis client's thread completes the request (the context is ours until complete()).
    proxy::RequestContext* c_ctx = &ctx;
    BotState* c_st = &st;
    const RoutePolicy* c_policy = policy;
    std::shared_ptr<const proxy::ProxySnapshot> keep = ctx.snapshot;  // keeps *policy alive
    redis->take(key, policy->bucket, [c_ctx, c_st, c_policy, keep, resume](RateDecision d, bool) {
      if (d.allowed) {
        resume.complete(proxy::Flow::kContinue);
        return;
      }
      c_st->rate_limited = true;
      c_policy->limited.inc();
      c_ctx->local_response = too_many(d, *c_ctx);
      resume.complete(proxy::Flow::kRespond);
    });
    return proxy::Flow::kPending;
  }
  RateDecision d = service_->redis_limiter() ? (bot_metrics().redis_fallbacks.inc(),
                                                service_->local_limiter().take(key, policy->bucket))
                                             : service_->local_limiter().take(key, policy->bucket);
  if (d.allowed) return proxy::Flow::kContinue;
  st.rate_limited = true;
  policy->limited.inc();
  ctx.local_response = too_many(d, ctx);
  return proxy::Flow::kRespond;
}

void BotPhase::logging(proxy::RequestContext& ctx, log::AccessRecord& record) {
  auto* st = ctx.phase_state.get<BotState>(this);
  if (!st) return;
  if (!st->challenge.empty()) record.add("bot_challenge", st->challenge);
  if (!st->classified) return;
  record.add("bot_class", std::string(to_string(st->bot_class)));
  record.add("bot_score", static_cast<int64_t>(st->score));
  record.add("bot_action", std::string(to_string(st->action)));
  if (!st->reasons.empty()) record.add("bot_reasons", st->reasons);
  if (st->rate_limited) record.add("rate_limited", true);
}

}  // namespace aegis::bot
