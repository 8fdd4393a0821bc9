#include "proxy/router.h"

#include <algorithm>

namespace aegis::proxy {
namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
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

Router::Router(const std::vector<config::Route>& routes) {
  entries_.reserve(routes.size());
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const auto& r = routes[i];
    Entry e{HostKind::kAny, {}, r.path_prefix.empty() ? "/" : r.path_prefix, &r, i};
    if (r.host.empty() || r.host == "*") {
      e.kind = HostKind::kAny;
    } else if (r.host.size() > 1 && r.host[0] == '*') {
      e.kind = HostKind::kSuffix;
      e.host = normalize_host(r.host.substr(1));  // ".example.com"
    } else {
      e.kind = HostKind::kExact;
      e.host = normalize_host(r.host);
    }
    entries_.push_back(std::move(e));
  }
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    if (a.kind == HostKind::kSuffix && a.host.size() != b.host.size()) return a.host.size() > b.host.size();
    if (a.prefix.size() != b.prefix.size()) return a.prefix.size() > b.prefix.size();
    return a.order < b.order;
  });
}

const config::Route* Router::match(std::string_view host, std::string_view path) const {
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
    if (path.substr(0, e.prefix.size()) == e.prefix) return e.route;
  }
  return nullptr;
}

std::string_view target_path(std::string_view target) {
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
