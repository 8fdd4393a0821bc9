// The default bot-detector module (HOST-ABI "Bot-detector modules"): freestanding C compiled to wasm32 by the
// normal build (no imports, no libc). Exports `memory`, `alloc`, `dealloc` and `detect_bot(ua_ptr, ua_len)`.
//
// Verdict from the User-Agent alone: 0 human, 1 known good crawler, 2 suspicious (empty or malformed agent, a
// vulnerability scanner or exploit tool, a headless browser or an HTTP automation library). The node combines it
// with its own signals (header consistency, request rate) and the route's policy: see docs/bot-management.md.
#include <stddef.h>
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

enum { kHuman = 0, kGoodBot = 1, kSuspicious = 2 };
enum { kMaxAgent = 2048 };

// ---- allocation: a bump allocator over the heap after the module's data; freed all at once by the host's
// per-call instance reset, or when the last block is given back.
extern unsigned char __heap_base;
static uintptr_t heap_top = 0;
static uintptr_t last_block = 0;

EXPORT("alloc") uint32_t alloc(uint32_t size) {
  if (heap_top == 0) heap_top = (uintptr_t)&__heap_base;
  uintptr_t start = (heap_top + 15u) & ~(uintptr_t)15u;
  uintptr_t end = start + size;
  if (end < start) return 0;
  uintptr_t have = __builtin_wasm_memory_size(0) * 65536u;
  if (end > have) {
    uintptr_t pages = (end - have + 65535u) / 65536u;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return 0;
  }
  last_block = start;
  heap_top = end;
  return (uint32_t)start;
}

EXPORT("dealloc") void dealloc(uint32_t ptr, uint32_t size) {
  if (ptr == last_block && ptr + size == heap_top) heap_top = ptr;
}

// ---- matching ------------------------------------------------------------------------------------------------
static unsigned char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c; }

// Case-insensitive substring search; `needle` is lower-case.
static int contains(const unsigned char* s, uint32_t n, const char* needle) {
  uint32_t m = 0;
  while (needle[m]) ++m;
  if (m == 0 || m > n) return 0;
  for (uint32_t i = 0; i + m <= n; ++i) {
    uint32_t j = 0;
    while (j < m && lower(s[i + j]) == (unsigned char)needle[j]) ++j;
    if (j == m) return 1;
  }
  return 0;
}

static int contains_any(const unsigned char* s, uint32_t n, const char* const* list) {
  for (; *list; ++list)
    if (contains(s, n, *list)) return 1;
  return 0;
}

static const char* const kGoodCrawlers[] = {
    "googlebot", "adsbot-google", "mediapartners-google", "google-inspectiontool", "bingbot", "bingpreview",
    "duckduckbot", "baiduspider", "yandexbot", "applebot", "slurp", "facebookexternalhit", "twitterbot",
    "linkedinbot", "slackbot", "discordbot", "telegrambot", "whatsapp", "qwantify", "seznambot", "uptimerobot",
    0};

static const char* const kBadOrAutomated[] = {
    // vulnerability scanners and exploit tools
    "sqlmap", "nikto", "nmap", "masscan", "zgrab", "nuclei", "wpscan", "dirbuster", "gobuster", "feroxbuster",
    "ffuf", "acunetix", "nessus", "openvas", "w3af", "havij", "jorgee", "zmeu", "fimap", "commix", "xsstrike",
    "arachni", "skipfish", "netsparker", "whatweb", "wfuzz", "hydra", "morfeus",
    // headless browsers and automation
    "headlesschrome", "phantomjs", "selenium", "webdriver", "puppeteer", "playwright", "slimerjs",
    // HTTP libraries and command-line clients
    "curl/", "wget/", "python-requests", "python-urllib", "python-httpx", "aiohttp", "go-http-client",
    "libwww-perl", "java/", "okhttp", "apache-httpclient", "node-fetch", "axios/", "scrapy", "httpie",
    "postmanruntime", "guzzlehttp", "rest-client", "powershell", 0};

static int malformed(const unsigned char* s, uint32_t n) {
  if (n > kMaxAgent) return 1;
  int letters = 0;
  for (uint32_t i = 0; i < n; ++i) {
    unsigned char c = s[i];
    if (c < 0x20 || c == 0x7f) return 1;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) ++letters;
  }
  // A product token starts with a letter ("Mozilla/5.0", "curl/8.0"); fewer than 3 letters is no agent at all.
  unsigned char first = s[0];
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) return 1;
  return letters < 3;
}

EXPORT("detect_bot") uint32_t detect_bot(uint32_t ua_ptr, uint32_t ua_len) {
  const unsigned char* ua = (const unsigned char*)(uintptr_t)ua_ptr;
  if (ua_len == 0 || malformed(ua, ua_len)) return kSuspicious;
  if (contains_any(ua, ua_len, kBadOrAutomated)) return kSuspicious;
  if (contains_any(ua, ua_len, kGoodCrawlers)) return kGoodBot;
  return kHuman;
}
