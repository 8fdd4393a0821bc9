// The bot challenge: a self-contained interstitial with a JavaScript proof-of-work, and the signed cookie a client
// gets once it solved it.
//
//   1. A request the policy challenges (no valid cookie) gets 403 and the interstitial page. The page carries a
//      challenge token  "<expiry>.<nonce>.<hmac>"  bound to the client (IP + User-Agent) and valid 5 minutes.
//   2. Its script finds a number n such that SHA-256("<token>:<n>") starts with `difficulty` zero bits, then loads
//      the verification endpoint  GET /.aegis/challenge?token=<token>&nonce=<n>&return=<path>  (served by the bot
//      phase itself).
//   3. The endpoint checks the token's signature, expiry and binding and the proof of work, then answers 302 to
//      <path> with  Set-Cookie: <cookie_name>=v1.<expiry>.<hmac>  (HMAC-SHA256 over the expiry, IP and User-Agent
//      with the node secret; lifetime `bot.challenge_ttl`). A request with a valid cookie is not challenged again.
//
// Clients that do not run the script never get the cookie and stay challenged. Forged, expired or rebound
// (other IP or User-Agent) cookies are rejected. All comparisons of MACs are constant-time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aegis::bot {

inline constexpr std::string_view kChallengePath = "/.aegis/challenge";

enum class CookieCheck { kValid, kMissing, kMalformed, kBadSignature, kExpired };
const char* to_string(CookieCheck c);

// HMAC-SHA256 as lower-case hex.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// SHA-256 as raw bytes (32).
std::string sha256_raw(std::string_view data);
// Whether SHA-256("<token>:<nonce>") starts with `difficulty` (0-32) zero bits.
bool proof_of_work_ok(std::string_view token, std::string_view nonce, uint32_t difficulty);
// A fresh random secret (32 bytes from the OS RNG, hex).
std::string random_secret();

class ChallengeSigner {
 public:
  ChallengeSigner(std::string secret, std::string cookie_name, std::chrono::seconds ttl, uint32_t difficulty);

  // Cookie value "v1.<expiry unix seconds>.<hmac hex>" for this client, valid `ttl` from `now` (unix seconds).
  std::string issue_cookie(std::string_view ip, std::string_view ua, int64_t now) const;
  CookieCheck verify_cookie(std::string_view value, std::string_view ip, std::string_view ua, int64_t now) const;
  // The cookie's value in a Cookie header ("a=1; aegis_bot=..."), if present.
  std::optional<std::string_view> find_cookie(std::string_view cookie_header) const;
  // The Set-Cookie header value for a fresh cookie.
  std::string set_cookie_header(std::string_view ip, std::string_view ua, int64_t now) const;

  // Challenge token "<expiry>.<random hex>.<hmac hex>" bound to the client, valid 5 minutes.
  std::string issue_token(std::string_view ip, std::string_view ua, int64_t now) const;
  // "" when the token is genuine, unexpired, bound to this client and `nonce` solves it; else why not.
  std::string verify_solution(std::string_view token, std::string_view nonce, std::string_view ip,
                              std::string_view ua, int64_t now) const;

  // The interstitial page (HTML with the proof-of-work script) for a fresh token; `return_to` is where the client
  // goes once it passed (a local path; anything else becomes "/").
  std::string interstitial(std::string_view token, std::string_view return_to) const;

  const std::string& cookie_name() const { return cookie_name_; }
  uint32_t difficulty() const { return difficulty_; }
  std::chrono::seconds ttl() const { return ttl_; }

 private:
  std::string mac(std::string_view kind, std::string_view a, std::string_view b, std::string_view ip,
                  std::string_view ua) const;
  std::string secret_;
  std::string cookie_name_;
  std::chrono::seconds ttl_;
  uint32_t difficulty_;
};

// A local path safe to redirect to ("/..." but not "//..." or "/\..."), else "/".
std::string safe_return_path(std::string_view path);
// Percent-decodes a query parameter value ('+' is a space). Invalid escapes are kept as is.
std::string url_decode(std::string_view s);
// The value of `name` in a query string "a=1&b=2" (decoded), if present.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

}  // namespace aegis::bot
