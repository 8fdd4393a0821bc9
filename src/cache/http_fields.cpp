#include "cache/http_fields.h"

#include <array>
#include <charconv>
#include <cstring>
#include <ctime>

#include "http/headers.h"

namespace aegis::cache {

namespace {
char lower_char(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) { return http::iequals_ascii(a, b); }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_char(c);
  return out;
}

std::string_view trim(std::string_view s) { return http::trim_ows(s); }

std::optional<std::string> field(const Headers& h, std::string_view name) {
  std::optional<std::string> out;
  for (const auto& [k, v] : h) {
    if (!iequals(k, name)) continue;
    if (!out) out = std::string(trim(v));
    else {
      *out += ", ";
      *out += trim(v);
    }
  }
  return out;
}

bool has_field(const Headers& h, std::string_view name) {
  for (const auto& kv : h)
    if (iequals(kv.first, name)) return true;
  return false;
}

void remove_field(Headers& h, std::string_view name) {
  std::erase_if(h, [&](const auto& kv) { return iequals(kv.first, name); });
}

void set_field(Headers& h, std::string_view name, std::string_view value) {
  remove_field(h, name);
  h.emplace_back(std::string(name), std::string(value));
}

std::vector<std::string> split_list(std::string_view value) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (quoted) {
      cur += c;
      if (c == '\\' && i + 1 < value.size()) cur += value[++i];
      else if (c == '"') quoted = false;
    } else if (c == '"') {
      quoted = true;
      cur += c;
    } else if (c == ',') {
      if (auto t = trim(cur); !t.empty()) out.emplace_back(t);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (auto t = trim(cur); !t.empty()) out.emplace_back(t);
  return out;
}

namespace {

// delta-seconds: 1*DIGIT, possibly quoted (tolerated); overflow saturates at 2^31 (RFC 9111 §1.2.2).
std::optional<int64_t> delta_seconds(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.empty()) return std::nullopt;
  for (char c : v)
    if (c < '0' || c > '9') return std::nullopt;
  if (v.size() > 10) return int64_t{2147483648};
  int64_t n = 0;
  std::from_chars(v.data(), v.data() + v.size(), n);
  return std::min<int64_t>(n, 2147483648);
}

// Sets `slot` from a directive's argument; a second occurrence or an invalid value makes it 0 when `zero_if_bad`.
void set_seconds(std::optional<int64_t>& slot, std::optional<std::string_view> arg, bool zero_if_bad) {
  std::optional<int64_t> v = arg ? delta_seconds(*arg) : std::nullopt;
  if (slot || !v) {
    if (zero_if_bad) slot = 0;
    return;
  }
  slot = v;
}

}  // namespace

CacheControl parse_cache_control(std::string_view value) {
  CacheControl cc;
  for_each_member(value, [&](std::string_view d) {
    std::optional<std::string_view> arg;
    if (auto eq = d.find('='); eq != std::string_view::npos) {
      arg = trim(d.substr(eq + 1));
      d = trim(d.substr(0, eq));
    }
    if (iequals(d, "no-store")) cc.no_store = true;
    else if (iequals(d, "no-cache")) cc.no_cache = true;
    else if (iequals(d, "private")) cc.private_ = true;
    else if (iequals(d, "public")) cc.public_ = true;
    else if (iequals(d, "must-revalidate")) cc.must_revalidate = true;
    else if (iequals(d, "proxy-revalidate")) cc.proxy_revalidate = true;
    else if (iequals(d, "must-understand")) cc.must_understand = true;
    else if (iequals(d, "only-if-cached")) cc.only_if_cached = true;
    else if (iequals(d, "no-transform")) cc.no_transform = true;
    else if (iequals(d, "immutable")) cc.immutable = true;
    else if (iequals(d, "max-age")) set_seconds(cc.max_age, arg, true);
    else if (iequals(d, "s-maxage")) set_seconds(cc.s_maxage, arg, true);
    else if (iequals(d, "min-fresh")) set_seconds(cc.min_fresh, arg, false);
    else if (iequals(d, "stale-while-revalidate")) set_seconds(cc.stale_while_revalidate, arg, false);
    else if (iequals(d, "stale-if-error")) set_seconds(cc.stale_if_error, arg, false);
    else if (iequals(d, "max-stale")) {
      cc.max_stale = true;
      if (arg) set_seconds(cc.max_stale_value, arg, false);
    }
  });
  return cc;
}

CacheControl cache_control(const Headers& h) {
  CacheControl cc;
  with_field(h, "cache-control", [&](std::string_view v) { cc = parse_cache_control(v); });
  return cc;
}

SurrogateControl parse_surrogate_control(std::string_view value, std::string_view device) {
  SurrogateControl sc;
  for (const std::string& item : split_list(value)) {
    std::string_view d = item;
    if (auto semi = d.find(';'); semi != std::string_view::npos) {
      std::string_view target = trim(d.substr(semi + 1));
      d = trim(d.substr(0, semi));
      if (!target.empty() && !iequals(target, device)) continue;  // targeted at another surrogate
    }
    std::optional<std::string_view> arg;
    if (auto eq = d.find('='); eq != std::string_view::npos) {
      arg = d.substr(eq + 1);
      d = d.substr(0, eq);
    }
    if (iequals(d, "no-store")) {
      sc.present = sc.no_store = true;
    } else if (iequals(d, "max-age")) {
      sc.present = true;
      std::optional<std::string_view> n = arg;
      if (n) n = n->substr(0, n->find('+'));  // max-age=N+M: M (a staleness extension) is not used
      set_seconds(sc.max_age, n, true);
    }
  }
  return sc;
}

SurrogateControl surrogate_control(const Headers& h, std::string_view device) {
  if (device.empty()) return {};
  auto v = field(h, "surrogate-control");
  return v ? parse_surrogate_control(*v, device) : SurrogateControl{};
}

namespace {

constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int month_index(std::string_view m) {
  for (int i = 0; i < 12; ++i)
    if (m == kMonths[static_cast<std::size_t>(i)]) return i;
  return -1;
}

bool number(std::string_view s, int& out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// "HH:MM:SS"
bool clock_time(std::string_view s, int& h, int& m, int& sec) {
  return s.size() == 8 && s[2] == ':' && s[5] == ':' && number(s.substr(0, 2), h) && number(s.substr(3, 2), m) &&
         number(s.substr(6, 2), sec) && h < 24 && m < 60 && sec <= 60;
}

std::optional<WallClock::time_point> make_time(int year, int mon, int day, int h, int m, int s) {
  if (year < 1970 || mon < 0 || day < 1 || day > 31) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  time_t t = timegm(&tm);
  if (t == static_cast<time_t>(-1)) return std::nullopt;
  return WallClock::from_time_t(t);
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::optional<WallClock::time_point> parse_http_date(std::string_view s) {
  s = trim(s);
  auto w = words(s);
  int day = 0, year = 0, h = 0, m = 0, sec = 0;
  if (w.size() == 6 && w[0].size() == 4 && w[0][3] == ',' && w[5] == "GMT") {
    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    if (!number(w[1], day) || w[1].size() != 2 || !number(w[3], year) || w[3].size() != 4 ||
        !clock_time(w[4], h, m, sec))
      return std::nullopt;
    return make_time(year, month_index(w[2]), day, h, m, sec);
  }
  if (w.size() == 4 && w[3] == "GMT" && w[0].size() > 1 && w[0].back() == ',') {
    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    std::string_view d = w[1];
    if (d.size() != 9 || d[2] != '-' || d[6] != '-' || !number(d.substr(0, 2), day) ||
        !number(d.substr(7, 2), year) || !clock_time(w[2], h, m, sec))
      return std::nullopt;
    year += year < 70 ? 2000 : 1900;
    return make_time(year, month_index(d.substr(3, 3)), day, h, m, sec);
  }
  if (w.size() == 5) {
    // asctime: Sun Nov  6 08:49:37 1994
    if (!number(w[2], day) || !clock_time(w[3], h, m, sec) || !number(w[4], year) || w[4].size() != 4)
      return std::nullopt;
    return make_time(year, month_index(w[1]), day, h, m, sec);
  }
  return std::nullopt;
}

std::string format_http_date(WallClock::time_point t) {
  time_t tt = WallClock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[static_cast<std::size_t>(tm.tm_wday)],
                tm.tm_mday, kMonths[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

namespace {
std::string_view opaque(std::string_view tag) {
  tag = trim(tag);
  if (tag.size() >= 2 && (tag[0] == 'W' || tag[0] == 'w') && tag[1] == '/') tag.remove_prefix(2);
  return tag;
}
bool weak(std::string_view tag) {
  tag = trim(tag);
  return tag.size() >= 2 && (tag[0] == 'W' || tag[0] == 'w') && tag[1] == '/';
}
}  // namespace

bool etag_weak_equal(std::string_view a, std::string_view b) { return opaque(a) == opaque(b) && !opaque(a).empty(); }

bool etag_strong_equal(std::string_view a, std::string_view b) {
  return !weak(a) && !weak(b) && etag_weak_equal(a, b);
}

}  // namespace aegis::cache
