#include "proxy/router.h"

#include <algorithm>

namespace aegis::proxy {
namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  for (;;) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// `*` in a segment pattern matches any run of characters (no '/'); a lone `*` needs a non-empty segment.
bool segment_match(std::string_view pat, std::string_view seg) {
  if (pat == "*") return !seg.empty();
  std::size_t p = 0, s = 0, star = std::string_view::npos, mark = 0;
  while (s < seg.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = s;
    } else if (p < pat.size() && pat[p] == seg[s]) {
      ++p, ++s;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      s = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

bool match_from(const std::vector<std::string_view>& pat, std::size_t pi, const std::vector<std::string_view>& segs,
                std::size_t si) {
  for (; pi < pat.size(); ++pi, ++si) {
    if (pat[pi] == "**") {
      for (std::size_t k = si; k <= segs.size(); ++k)
        if (match_from(pat, pi + 1, segs, k)) return true;
      return false;
    }
    if (si >= segs.size() || !segment_match(pat[pi], segs[si])) return false;
  }
  return si == segs.size();
}

std::size_t conditions(const config::Route& r) { return (r.methods.empty() ? 0 : 1) + r.headers.size(); }
}  // namespace

std::string Router::normalize_host(std::string_view host) {
  std::string_view h = host;
  if (!h.empty() && h.front() == '[') {
    auto close = h.find(']');
    if (close != std::string_view::npos) h = h.substr(0, close + 1);
  } else {
    auto colon = h.rfind(':');
    if (colon != std::string_view::npos) h = h.substr(0, colon);
  }
  if (!h.empty() && h.back() == '.') h.remove_suffix(1);
  std::string out(h);
  for (char& c : out) c = lower(c);
  return out;
}

bool Router::glob_match(std::string_view pattern, std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  return match_from(segments(pattern), 0, segments(path), 0);
}

Router::Router(const std::vector<config::Route>& routes) {
  entries_.reserve(routes.size());
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const auto& r = routes[i];
    Entry e{HostKind::kAny, {}, PathKind::kPrefix, {}, 0, &r, i};
    if (r.host.empty() || r.host == "*") {
      e.kind = HostKind::kAny;
    } else if (r.host.size() > 1 && r.host[0] == '*') {
      e.kind = HostKind::kSuffix;
      e.host = normalize_host(r.host.substr(1));  // ".example.com"
    } else {
      e.kind = HostKind::kExact;
      e.host = normalize_host(r.host);
    }
    if (!r.path.empty()) {
      e.path = r.path;
      e.path_kind = r.path.find('*') == std::string::npos ? PathKind::kExact : PathKind::kGlob;
    } else {
      e.path = r.path_prefix.empty() ? "/" : r.path_prefix;
    }
    e.literal = static_cast<std::size_t>(std::count_if(e.path.begin(), e.path.end(), [](char c) { return c != '*'; }));
    entries_.push_back(std::move(e));
  }
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    if (a.route->priority != b.route->priority) return a.route->priority > b.route->priority;
    if (a.kind != b.kind) return a.kind < b.kind;
    if (a.kind == HostKind::kSuffix && a.host.size() != b.host.size()) return a.host.size() > b.host.size();
    if (a.path_kind != b.path_kind) return a.path_kind < b.path_kind;
    if (a.literal != b.literal) return a.literal > b.literal;
    if (conditions(*a.route) != conditions(*b.route)) return conditions(*a.route) > conditions(*b.route);
    return a.order < b.order;
  });
}

const config::Route* Router::match(std::string_view host, std::string_view path, std::string_view method,
                                   const HeaderMap* headers) const {
  if (entries_.empty()) return nullptr;
  std::string h = normalize_host(host);
  for (const auto& e : entries_) {
    switch (e.kind) {
      case HostKind::kExact:
        if (h != e.host) continue;
        break;
      case HostKind::kSuffix:
        if (!ends_with(h, e.host) || h.size() == e.host.size()) continue;
        break;
      case HostKind::kAny:
        break;
    }
    switch (e.path_kind) {
      case PathKind::kExact:
        if (path != e.path) continue;
        break;
      case PathKind::kGlob:
        if (!glob_match(e.path, path)) continue;
        break;
      case PathKind::kPrefix:
        if (path.substr(0, e.path.size()) != e.path) continue;
        break;
    }
    const config::Route& r = *e.route;
    if (!r.methods.empty() && std::find(r.methods.begin(), r.methods.end(), method) == r.methods.end()) continue;
    bool headers_ok = true;
    for (const auto& [name, value] : r.headers) {
      auto got = headers ? headers->get(name) : std::nullopt;
      if (!got || (value != "*" && *got != value)) {
        headers_ok = false;
        break;
      }
    }
    if (!headers_ok) continue;
    return e.route;
  }
  return nullptr;
}

std::string_view target_path(std::string_view target) {
  if (target == "*") return "/";
  if (!target.empty() && target.front() != '/') {
    // absolute-form: scheme://authority/path…
    auto scheme_end = target.find("://");
    if (scheme_end != std::string_view::npos) {
      auto path_start = target.find('/', scheme_end + 3);
      target = path_start == std::string_view::npos ? std::string_view("/") : target.substr(path_start);
    }
  }
  auto end = target.find_first_of("?#");
  return end == std::string_view::npos ? target : target.substr(0, end);
}

}  // namespace aegis::proxy
