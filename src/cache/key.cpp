#include "cache/key.h"

#include <algorithm>

namespace aegis::cache {

std::string_view target_path_query(std::string_view target) {
  auto scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos || target.empty() || target.front() == '/') return target;
  auto slash = target.find('/', scheme_end + 3);
  if (slash == std::string_view::npos) {
    auto q = target.find('?', scheme_end + 3);
    return q == std::string_view::npos ? std::string_view("/") : target.substr(q);
  }
  return target.substr(slash);
}

std::string_view target_authority(std::string_view target) {
  auto scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos || target.empty() || target.front() == '/') return {};
  auto rest = target.substr(scheme_end + 3);
  return rest.substr(0, rest.find_first_of("/?"));
}

namespace {

std::string normalize_host(std::string_view host, std::string_view scheme) {
  std::string h = to_lower(trim(host));
  auto strip = [&](std::string_view port) {
    if (h.size() > port.size() && h.compare(h.size() - port.size(), port.size(), port) == 0)
      h.resize(h.size() - port.size());
  };
  if (scheme == "http") strip(":80");
  if (scheme == "https") strip(":443");
  return h;
}

}  // namespace

std::string request_url(std::string_view scheme, std::string_view host, std::string_view target, bool ignore_query) {
  std::string_view pq = target_path_query(target);
  if (ignore_query) pq = pq.substr(0, pq.find('?'));
  std::string url(scheme);
  url += "://";
  url += normalize_host(host, scheme);
  url += pq;
  return url;
}

std::string primary_key(const std::string& url, const KeyOptions& options, const Headers& request) {
  std::string key = url;
  key += kComponentSeparator;  // ends the URL part: purge_prefix(url + separator) is the exact URL
  for (const auto& h : options.headers) {
    key += kComponentSeparator;
    key += "h:";
    key += h;
    key += '=';
    key += field(request, h).value_or("");
  }
  if (!options.cookies.empty()) {
    const std::string cookies = field(request, "cookie").value_or("");
    for (const auto& name : options.cookies) {
      std::string value;
      std::string_view rest = cookies;
      while (!rest.empty()) {
        auto semi = rest.find_first_of(";,");
        std::string_view pair = trim(rest.substr(0, semi));
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
        auto eq = pair.find('=');
        if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name) {
          value = std::string(trim(pair.substr(eq + 1)));
          break;
        }
      }
      key += kComponentSeparator;
      key += "c:";
      key += name;
      key += '=';
      key += value;
    }
  }
  return key;
}

std::string variant_key(const std::string& primary, const std::string& secondary) {
  std::string key = primary;
  key += kVariantSeparator;
  key += secondary;
  return key;
}

std::vector<std::string> vary_fields(const Headers& response) {
  std::vector<std::string> out;
  auto v = field(response, "vary");
  if (!v) return out;
  for (const auto& f : split_list(*v)) out.push_back(to_lower(f));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string secondary_key(const std::vector<std::string>& fields, const Headers& request) {
  std::string out;
  for (const auto& f : fields) {
    out += f;
    auto v = field(request, f);
    if (v) {
      out += ':';
      // Normalise the list: members trimmed, joined with ", ".
      bool first = true;
      for (const auto& m : split_list(*v)) {
        if (!first) out += ", ";
        out += m;
        first = false;
      }
    }
    out += '\n';
  }
  return out;
}

std::optional<std::string> same_origin_url(const std::string& url, std::string_view ref, bool ignore_query) {
  ref = trim(ref);
  if (ref.empty()) return std::nullopt;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return std::nullopt;
  const std::string scheme = url.substr(0, scheme_end);
  const auto path_start = url.find('/', scheme_end + 3);
  const std::string origin = url.substr(0, path_start);  // scheme://host
  std::string resolved;
  if (auto rs = ref.find("://"); rs != std::string_view::npos && ref.find('/') > rs) {
    std::string_view rscheme = ref.substr(0, rs);
    std::string_view auth = ref.substr(rs + 3);
    auth = auth.substr(0, auth.find_first_of("/?"));
    std::string candidate = request_url(to_lower(rscheme), auth, ref, false);
    if (candidate.compare(0, origin.size(), origin) != 0 ||
        (candidate.size() > origin.size() && candidate[origin.size()] != '/' && candidate[origin.size()] != '?'))
      return std::nullopt;
    resolved = candidate;
  } else if (ref.substr(0, 2) == "//") {
    return std::nullopt;  // scheme-relative: resolve only when it names this host
  } else if (ref.front() == '/') {
    resolved = origin + std::string(ref);
  } else {
    std::string base = path_start == std::string::npos ? "/" : url.substr(path_start);
    base = base.substr(0, base.find('?'));
    base = base.substr(0, base.rfind('/') + 1);
    resolved = origin + base + std::string(ref);
  }
  if (auto hash = resolved.find('#'); hash != std::string::npos) resolved.resize(hash);
  if (ignore_query) resolved = resolved.substr(0, resolved.find('?'));
  return resolved;
}

}  // namespace aegis::cache
