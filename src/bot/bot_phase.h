// BotPhase: bot management on live traffic, the first request phase (one object per worker).
//
//   request_filter   GET /.aegis/challenge (kChallengePath): verifies a challenge solution → 302 + cookie, or 403
//                    with a fresh challenge. Otherwise, on routes with bot management on:
//                    features (User-Agent, header lines in order) + request-rate signal + the detector module's
//                    verdict → classify() → the route's action for the class:
//                      allow      continue
//                      log        continue, and a log line
//                      challenge  continue if the challenge cookie is valid (action `pass`), else 403 + interstitial
//                      block      403 with the request id; the origin never sees the request
//                    then the route's rate limit (local store, or Redis — asynchronous: kPending, completed from the
//                    Redis client's callback; Redis down → local store): 429 + Retry-After when exhausted.
//   logging          access-log fields bot_class, bot_score, bot_action, bot_reasons (and rate_limited).
//
// Per-snapshot data (detector, policies, signer) comes from ctx.snapshot->bot; stores from the BotService.
#pragma once

#include <memory>
#include <string_view>

#include "proxy/phase.h"

namespace aegis::bot {

class BotService;

class BotPhase final : public proxy::Phase {
 public:
  explicit BotPhase(std::shared_ptr<BotService> service);

  std::string_view name() const override { return "bot"; }
  proxy::Flow request_filter(proxy::RequestContext& ctx, const proxy::Resume& resume) override;
  void logging(proxy::RequestContext& ctx, log::AccessRecord& record) override;

 private:
  std::shared_ptr<BotService> service_;
};

}  // namespace aegis::bot
