#include "bot/classifier.h"

#include <algorithm>
#include <array>

namespace aegis::bot {
namespace {

constexpr std::size_t kMaxAgentBytes = 2048;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower(x) == lower(y);
         });
}

// Case-insensitive search for a lower-case needle.
bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t j = 0;
    while (j < needle.size() && lower(hay[i + j]) == needle[j]) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

template <std::size_t N>
const char* find_any(std::string_view ua, const std::array<const char*, N>& list) {
  for (const char* t : list)
    if (icontains(ua, t)) return t;
  return nullptr;
}

// Search engines and link-preview fetchers that identify themselves.
constexpr std::array kGoodCrawlers = {
    "googlebot", "adsbot-google", "mediapartners-google", "google-inspectiontool", "bingbot", "bingpreview",
    "duckduckbot", "baiduspider", "yandexbot", "applebot", "slurp", "facebookexternalhit", "twitterbot",
    "linkedinbot", "slackbot", "discordbot", "telegrambot", "whatsapp", "qwantify", "seznambot", "uptimerobot"};

// Vulnerability scanners, exploit tools, brute-forcers and abusive scrapers.
constexpr std::array kBadBots = {
    "sqlmap", "nikto", "nmap", "masscan", "zgrab", "nuclei", "wpscan", "dirbuster", "gobuster", "feroxbuster",
    "ffuf", "acunetix", "nessus", "openvas", "w3af", "havij", "jorgee", "zmeu", "fimap", "commix", "xsstrike",
    "arachni", "skipfish", "netsparker", "whatweb", "wfuzz", "hydra", "morfeus", "mj12bot", "dotbot", "blexbot",
    "megaindex", "seekport"};

// Headless browsers, browser automation and HTTP libraries / command-line clients.
constexpr std::array kAutomation = {
    "headlesschrome", "phantomjs", "selenium", "webdriver", "puppeteer", "playwright", "slimerjs", "curl/",
    "wget/", "python-requests", "python-urllib", "python-httpx", "aiohttp", "go-http-client", "libwww-perl",
    "java/", "okhttp", "apache-httpclient", "node-fetch", "axios/", "scrapy", "httpie", "postmanruntime",
    "guzzlehttp", "rest-client", "powershell"};

constexpr std::array kBrowserEngines = {"chrome/", "firefox/", "safari/", "edg/", "opr/"};

bool malformed(std::string_view ua) {
  if (ua.size() > kMaxAgentBytes) return true;
  int letters = 0;
  for (unsigned char c : ua) {
    if (c < 0x20 || c == 0x7f) return true;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) ++letters;
  }
  unsigned char first = static_cast<unsigned char>(ua.front());
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) return true;
  return letters < 3;
}

}  // namespace

const char* to_string(BotClass c) {
  switch (c) {
    case BotClass::kHuman: return "human";
    case BotClass::kGoodBot: return "good_bot";
    case BotClass::kBadBot: return "bad_bot";
    case BotClass::kAutomation: return "automation";
    case BotClass::kSuspicious: return "suspicious";
  }
  return "suspicious";
}

const char* to_string(UaClass c) {
  switch (c) {
    case UaClass::kBrowser: return "browser";
    case UaClass::kOther: return "other";
    case UaClass::kGoodCrawler: return "good_crawler";
    case UaClass::kBadBot: return "bad_bot";
    case UaClass::kAutomation: return "automation";
    case UaClass::kEmpty: return "empty";
    case UaClass::kMalformed: return "malformed";
  }
  return "other";
}

UaClass classify_user_agent(std::string_view ua, std::string* matched) {
  auto hit = [&](const char* t, UaClass c) {
    if (matched) *matched = t;
    return c;
  };
  if (ua.empty()) return UaClass::kEmpty;
  if (malformed(ua)) return UaClass::kMalformed;
  if (const char* t = find_any(ua, kBadBots)) return hit(t, UaClass::kBadBot);
  if (const char* t = find_any(ua, kAutomation)) return hit(t, UaClass::kAutomation);
  if (const char* t = find_any(ua, kGoodCrawlers)) return hit(t, UaClass::kGoodCrawler);
  if (ua.starts_with("Mozilla/") && find_any(ua, kBrowserEngines)) return UaClass::kBrowser;
  return UaClass::kOther;
}

std::optional<std::string_view> RequestFeatures::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return std::nullopt;
}

std::string Classification::reasons_text() const {
  std::string out;
  for (const auto& r : reasons) {
    if (!out.empty()) out += ',';
    out += r;
  }
  return out;
}

Classification classify(const RequestFeatures& request, DetectorVerdict verdict, bool detector_failed,
                        bool high_rate, int suspicious_score) {
  Classification c;
  std::string_view ua = request.header("user-agent").value_or(std::string_view{});
  std::string token;
  c.ua_class = classify_user_agent(ua, &token);
  int score = 0;
  auto add = [&](int points, std::string reason) {
    score += points;
    c.reasons.push_back(std::move(reason));
  };

  switch (c.ua_class) {
    case UaClass::kEmpty: add(60, "ua:empty"); break;
    case UaClass::kMalformed: add(60, "ua:malformed"); break;
    case UaClass::kBadBot: add(100, "ua:bad_bot(" + token + ")"); break;
    case UaClass::kAutomation: add(90, "ua:automation(" + token + ")"); break;
    case UaClass::kGoodCrawler: c.reasons.push_back("ua:good_crawler(" + token + ")"); break;
    default: break;
  }

  // Client hints: a HeadlessChrome brand is automation whatever the agent claims.
  std::optional<std::string_view> ch_ua = request.header("sec-ch-ua");
  bool headless_hint = ch_ua && icontains(*ch_ua, "headlesschrome");
  if (headless_hint) add(90, "sec_ch_ua:headless");

  if (c.ua_class == UaClass::kBrowser) {
    // Every mainstream browser sends these on navigations and subresource loads.
    if (!request.header("accept")) add(25, "no_accept");
    if (!request.header("accept-language")) add(25, "no_accept_language");
    if (!request.header("accept-encoding")) add(15, "no_accept_encoding");
    // Client hints come from Chromium-based browsers only.
    bool chromium = icontains(ua, "chrome/") || icontains(ua, "chromium/") || icontains(ua, "edg/");
    if (ch_ua && !chromium) add(40, "sec_ch_ua_mismatch");
    // Browsers speaking HTTP/1.1 send Host as the first header line.
    if (!request.headers.empty() && !iequals(request.headers.front().first, "host")) add(15, "header_order");
  }

  if (verdict == DetectorVerdict::kSuspicious) add(50, detector_failed ? "detector:error" : "detector:suspicious");
  if (verdict == DetectorVerdict::kGoodBot) c.reasons.push_back("detector:good_bot");
  if (high_rate) add(50, "high_rate");

  c.score = std::min(score, 100);
  if (c.ua_class == UaClass::kBadBot) c.bot_class = BotClass::kBadBot;
  else if (c.ua_class == UaClass::kAutomation || headless_hint) c.bot_class = BotClass::kAutomation;
  else if (c.ua_class == UaClass::kGoodCrawler ||
           (verdict == DetectorVerdict::kGoodBot && c.ua_class != UaClass::kEmpty &&
            c.ua_class != UaClass::kMalformed))
    c.bot_class = BotClass::kGoodBot;
  else if (c.score >= suspicious_score) c.bot_class = BotClass::kSuspicious;
  else c.bot_class = BotClass::kHuman;
  return c;
}

}  // namespace aegis::bot
