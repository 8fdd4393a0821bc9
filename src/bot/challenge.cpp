#include "bot/challenge.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>

namespace aegis::bot {
namespace {

constexpr int64_t kTokenLifetimeSeconds = 300;

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += d[p[i] >> 4];
    out += d[p[i] & 15];
  }
  return out;
}

bool equal_ct(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<int64_t> parse_i64(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// Splits "a.b.c" into three parts.
bool split3(std::string_view s, std::string_view& a, std::string_view& b, std::string_view& c) {
  auto d1 = s.find('.');
  if (d1 == std::string_view::npos) return false;
  auto d2 = s.find('.', d1 + 1);
  if (d2 == std::string_view::npos || s.find('.', d2 + 1) != std::string_view::npos) return false;
  a = s.substr(0, d1);
  b = s.substr(d1 + 1, d2 - d1 - 1);
  c = s.substr(d2 + 1);
  return true;
}

std::string js_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  return out + "\"";
}

// SHA-256 in plain JavaScript (crypto.subtle only exists in secure contexts, and the page may be served over
// plain HTTP). Returns the digest as 8 signed 32-bit words.
constexpr std::string_view kSha256Js =
    "function sha256(s){function r(v,a){return(v>>>a)|(v<<(32-a))}var P=Math.pow,M=P(2,32),W=[],L=s.length*8,"
    "H=[],K=[],n=0,C={},i,j;for(var c=2;n<64;c++){if(!C[c]){for(i=0;i<313;i+=c)C[i]=c;H[n]=(P(c,.5)*M)|0;"
    "K[n++]=(P(c,1/3)*M)|0}}s+='\\x80';while(s.length%64-56)s+='\\x00';for(i=0;i<s.length;i++){j=s.charCodeAt(i);"
    "W[i>>2]|=j<<((3-i)%4)*8}W[W.length]=((L/M)|0);W[W.length]=L;H=H.slice(0,8);for(j=0;j<W.length;){"
    "var w=W.slice(j,j+=16),o=H;H=H.slice(0,8);for(i=0;i<64;i++){var a=w[i-15],b=w[i-2],x=H[0],e=H[4],"
    "t=H[7]+(r(e,6)^r(e,11)^r(e,25))+((e&H[5])^((~e)&H[6]))+K[i]+(w[i]=(i<16)?w[i]:(w[i-16]+(r(a,7)^r(a,18)^"
    "(a>>>3))+w[i-7]+(r(b,17)^r(b,19)^(b>>>10)))|0),u=(r(x,2)^r(x,13)^r(x,22))+((x&H[1])^(x&H[2])^(H[1]&H[2]));"
    "H=[(t+u)|0].concat(H);H[4]=(H[4]+t)|0}for(i=0;i<8;i++)H[i]=(H[i]+o[i])|0}return H}";

}  // namespace

const char* to_string(CookieCheck c) {
  switch (c) {
    case CookieCheck::kValid: return "valid";
    case CookieCheck::kMissing: return "missing";
    case CookieCheck::kMalformed: return "malformed";
    case CookieCheck::kBadSignature: return "bad_signature";
    case CookieCheck::kExpired: return "expired";
  }
  return "malformed";
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
    throw std::runtime_error("HMAC-SHA256 failed");
  return hex(out, len);
}

std::string sha256_raw(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr))
    throw std::runtime_error("SHA-256 failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

bool proof_of_work_ok(std::string_view token, std::string_view nonce, uint32_t difficulty) {
  if (difficulty > 32) return false;
  if (nonce.empty() || nonce.size() > 20) return false;
  for (char c : nonce)
    if (c < '0' || c > '9') return false;
  std::string input;
  input.reserve(token.size() + 1 + nonce.size());
  input.append(token).append(":").append(nonce);
  std::string d = sha256_raw(input);
  uint32_t w = (static_cast<uint32_t>(static_cast<unsigned char>(d[0])) << 24) |
               (static_cast<uint32_t>(static_cast<unsigned char>(d[1])) << 16) |
               (static_cast<uint32_t>(static_cast<unsigned char>(d[2])) << 8) |
               static_cast<uint32_t>(static_cast<unsigned char>(d[3]));
  if (difficulty == 0) return true;
  return (w >> (32 - difficulty)) == 0;
}

std::string random_secret() {
  unsigned char buf[32];
  if (RAND_bytes(buf, sizeof buf) != 1) throw std::runtime_error("no random bytes for the bot secret");
  return hex(buf, sizeof buf);
}

ChallengeSigner::ChallengeSigner(std::string secret, std::string cookie_name, std::chrono::seconds ttl,
                                 uint32_t difficulty)
    : secret_(std::move(secret)), cookie_name_(std::move(cookie_name)), ttl_(ttl), difficulty_(difficulty) {}

std::string ChallengeSigner::mac(std::string_view kind, std::string_view a, std::string_view b, std::string_view ip,
                                 std::string_view ua) const {
  std::string data;
  data.reserve(kind.size() + a.size() + b.size() + ip.size() + ua.size() + 8);
  // Length-prefix the client fields so that no two (ip, ua) pairs give the same input.
  data.append(kind).append("|").append(a).append("|").append(b).append("|");
  data.append(std::to_string(ip.size())).append(":").append(ip).append("|").append(ua);
  return hmac_sha256_hex(secret_, data);
}

std::string ChallengeSigner::issue_cookie(std::string_view ip, std::string_view ua, int64_t now) const {
  std::string expiry = std::to_string(now + ttl_.count());
  return "v1." + expiry + "." + mac("cookie", "v1", expiry, ip, ua);
}

CookieCheck ChallengeSigner::verify_cookie(std::string_view value, std::string_view ip, std::string_view ua,
                                           int64_t now) const {
  if (value.empty()) return CookieCheck::kMissing;
  std::string_view version, expiry, sig;
  if (!split3(value, version, expiry, sig) || version != "v1") return CookieCheck::kMalformed;
  auto exp = parse_i64(expiry);
  if (!exp || sig.size() != 64) return CookieCheck::kMalformed;
  if (!equal_ct(sig, mac("cookie", "v1", expiry, ip, ua))) return CookieCheck::kBadSignature;
  if (*exp <= now) return CookieCheck::kExpired;
  return CookieCheck::kValid;
}

std::optional<std::string_view> ChallengeSigner::find_cookie(std::string_view header) const {
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (pair.substr(0, eq) == cookie_name_) {
      std::string_view v = pair.substr(eq + 1);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return std::nullopt;
}

std::string ChallengeSigner::set_cookie_header(std::string_view ip, std::string_view ua, int64_t now) const {
  return cookie_name_ + "=" + issue_cookie(ip, ua, now) + "; Path=/; Max-Age=" + std::to_string(ttl_.count()) +
         "; HttpOnly; SameSite=Lax";
}

std::string ChallengeSigner::issue_token(std::string_view ip, std::string_view ua, int64_t now) const {
  unsigned char rnd[12];
  if (RAND_bytes(rnd, sizeof rnd) != 1) throw std::runtime_error("no random bytes for a challenge");
  std::string expiry = std::to_string(now + kTokenLifetimeSeconds);
  std::string nonce = hex(rnd, sizeof rnd);
  return expiry + "." + nonce + "." + mac("challenge", expiry, nonce, ip, ua);
}

std::string ChallengeSigner::verify_solution(std::string_view token, std::string_view nonce, std::string_view ip,
                                             std::string_view ua, int64_t now) const {
  std::string_view expiry, rnd, sig;
  if (!split3(token, expiry, rnd, sig)) return "malformed token";
  auto exp = parse_i64(expiry);
  if (!exp || sig.size() != 64) return "malformed token";
  if (!equal_ct(sig, mac("challenge", expiry, rnd, ip, ua))) return "token not issued to this client";
  if (*exp <= now) return "token expired";
  if (!proof_of_work_ok(token, nonce, difficulty_)) return "wrong proof of work";
  return {};
}

std::string ChallengeSigner::interstitial(std::string_view token, std::string_view return_to) const {
  std::string page =
      "<!doctype html>\n<html><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\">"
      "<title>Checking your browser</title></head>\n<body><p id=\"s\">Checking your browser&hellip;</p>"
      "<noscript><p>This site needs JavaScript to verify that you are not a robot.</p></noscript>\n<script>\n";
  page += kSha256Js;
  page += "\nvar T=" + js_string(token) + ",D=" + std::to_string(difficulty_) + ",R=" +
          js_string(safe_return_path(return_to)) + ",V=" + js_string(kChallengePath) + ";\n";
  page +=
      "function ok(h){return D==0||(h[0]>>>(32-D))==0}\n"
      "var n=0;(function step(){for(var i=0;i<4000;i++,n++){if(ok(sha256(T+':'+n))){"
      "location.replace(V+'?token='+encodeURIComponent(T)+'&nonce='+n+'&return='+encodeURIComponent(R));return}}"
      "setTimeout(step,0)})();\n</script></body></html>\n";
  return page;
}

std::string safe_return_path(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.starts_with("//") || path.starts_with("/\\")) return "/";
  for (unsigned char c : path)
    if (c < 0x21 || c == 0x7f) return "/";
  return std::string(path);
}

std::string url_decode(std::string_view s) {
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out += ' ';
    else if (s[i] == '%' && i + 2 < s.size() && val(s[i + 1]) >= 0 && val(s[i + 2]) >= 0) {
      out += static_cast<char>(val(s[i + 1]) * 16 + val(s[i + 2]));
      i += 2;
    } else out += s[i];
  }
  return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    if (k == name) return url_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
  }
  return std::nullopt;
}

}  // namespace aegis::bot
