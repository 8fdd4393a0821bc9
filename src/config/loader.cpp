// aegis.yaml → Config, validated against the schema table (schema.cpp). Errors carry FILE:LINE:COL and a key path.
#include "config/loader.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

#include <yaml-cpp/yaml.h>

#include "config/schema.h"
#include "config/units.h"

namespace aegis::config {
namespace {

std::string format_what(const std::string& file, int line, int column, const std::string& key,
                        const std::string& message) {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line) + ":" + std::to_string(column);
  s += ": ";
  if (!key.empty()) s += key + ": ";
  s += message;
  return s;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The closest candidate to `word`, if it is close enough to be a plausible typo.
std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    std::size_t d = lower(word) == lower(c) ? 0 : edit_distance(word, c);
    // "warning" → "warn", "listen" → "listeners": a prefix of at least 3 characters is a plausible slip.
    if (d > 2 && std::min(word.size(), c.size()) >= 3 &&
        (std::string_view(c).starts_with(word) || word.starts_with(std::string_view(c))))
      d = 2;
    if (d < best_d) best_d = d, best = c;
  }
  if (best.empty()) return best;
  if (best_d <= 2 || best_d <= std::max(word.size(), best.size()) / 3) return best;
  return {};
}

std::string quote_value(std::string_view s) {
  std::string out = "\"";
  std::size_t n = 0;
  for (unsigned char c : s) {
    if (++n > 80) {
      out += "…";
      break;
    }
    if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  return out + "\"";
}

std::string describe(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return quote_value(n.Scalar());
}

std::string_view parent_of(std::string_view path) {
  auto dot = path.rfind('.');
  return dot == std::string_view::npos ? std::string_view{} : path.substr(0, dot);
}
std::string_view leaf_of(std::string_view path) {
  auto dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

bool valid_hostname(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  for (char c : h)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
          c == '_'))
      return false;
  return h.front() != '.' && h.front() != '-';
}

bool valid_address(const std::string& a) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, a.c_str(), buf) == 1 || inet_pton(AF_INET6, a.c_str(), buf) == 1) return true;
  if (a.find(':') != std::string::npos) return false;  // a malformed IPv6 literal
  if (std::all_of(a.begin(), a.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; }))
    return false;  // a malformed IPv4 literal
  return valid_hostname(a);
}

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

class Loader final : public SectionChecker {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& fallback_key,
                         const std::string& message) const override {
    const_cast<Loader*>(this)->fail_at(key, fallback_key, message);
  }
  bool written(const std::string& key) const override { return marks_.count(key) != 0; }
  const std::string& file() const override { return file_; }

  Config run(std::string_view text) {
    YAML::Node root;
    try {
      std::vector<YAML::Node> docs = YAML::LoadAll(std::string(text));
      if (docs.size() > 1) fail(docs[1].Mark(), "", "the file holds more than one YAML document; expected one");
      if (!docs.empty()) root = docs[0];
    } catch (const YAML::ParserException& e) {
      fail(e.mark, "", "YAML syntax error: " + e.msg);
    } catch (const YAML::Exception& e) {
      fail(e.mark, "", "YAML error: " + e.msg);
    }
    Config cfg;
    cfg.source_path = file_;
    if (!root.IsDefined() || root.IsNull()) {
      // An empty document: report the first missing required key at the top.
      YAML::Mark top;
      top.line = 0, top.column = 0;
      check_required(top, "", "", {});
      return cfg;
    }
    walk_map(root, "", "", &cfg);
    cross_check(cfg);
    for (const SchemaSection* section : schema_sections())
      if (section->check) section->check(cfg, *this);
    return cfg;
  }

 private:
  [[noreturn]] void fail(const YAML::Mark& m, const std::string& key, const std::string& message) {
    int line = m.is_null() ? 0 : m.line + 1;
    int column = m.is_null() ? 0 : m.column + 1;
    throw ConfigError(file_, line, column, key, message);
  }

  [[noreturn]] void fail_at(const std::string& key, const std::string& fallback_key, const std::string& message) {
    auto it = marks_.find(key);
    if (it == marks_.end()) it = marks_.find(fallback_key);
    fail(it == marks_.end() ? YAML::Mark::null_mark() : it->second, key, message);
  }

  static std::vector<const SchemaEntry*> children(std::string_view prefix) {
    std::vector<const SchemaEntry*> out;
    for (const auto& e : schema())
      if (parent_of(e.path) == prefix) out.push_back(&e);
    return out;
  }

  void check_required(const YAML::Mark& m, std::string_view prefix, const std::string& path,
                      const std::set<std::string>& seen) {
    for (const SchemaEntry* e : children(prefix)) {
      std::string leaf(leaf_of(e->path));
      if (e->required && !seen.count(leaf)) fail(m, path.empty() ? leaf : path + "." + leaf, "missing required key");
    }
  }

  void walk_map(const YAML::Node& node, std::string_view prefix, const std::string& path, void* target) {
    if (!node.IsMap()) fail(node.Mark(), path, "expected a mapping, got " + describe(node));
    auto kids = children(prefix);
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const YAML::Node& k = kv.first;
      const YAML::Node& v = kv.second;
      if (!k.IsScalar()) fail(k.Mark(), path, "keys must be plain strings, got " + describe(k));
      const std::string& name = k.Scalar();
      std::string kpath = path.empty() ? name : path + "." + name;
      if (!seen.insert(name).second) fail(k.Mark(), kpath, "duplicate key");
      const SchemaEntry* entry = nullptr;
      for (const SchemaEntry* e : kids)
        if (leaf_of(e->path) == name) entry = e;
      if (!entry) {
        std::vector<std::string> names;
        for (const SchemaEntry* e : kids) names.emplace_back(leaf_of(e->path));
        std::string msg = "unknown key " + quote_value(name);
        if (auto s = closest(name, names); !s.empty()) msg += " (did you mean " + quote_value(s) + "?)";
        fail(k.Mark(), kpath, msg);
      }
      marks_[kpath] = v.Mark().is_null() ? k.Mark() : v.Mark();
      apply(*entry, v, kpath, target);
    }
    check_required(node.Mark(), prefix, path, seen);
  }

  void apply(const SchemaEntry& e, const YAML::Node& v, const std::string& kpath, void* target) {
    switch (e.type) {
      case ValueType::Map:
        if (v.IsNull()) return;  // "limits:" with nothing under it keeps the defaults
        walk_map(v, e.path, kpath, e.enter(target));
        return;
      case ValueType::List: {
        if (v.IsNull()) return;
        if (!v.IsSequence()) fail(v.Mark(), kpath, "expected a list, got " + describe(v));
        std::string elem_prefix = std::string(e.path) + "[]";
        for (std::size_t i = 0; i < v.size(); ++i) {
          std::string epath = kpath + "[" + std::to_string(i) + "]";
          marks_[epath] = v[i].Mark();
          walk_map(v[i], elem_prefix, epath, e.enter(target));
        }
        return;
      }
      default:
        e.apply(target, scalar_value(e, v, kpath));
    }
  }

  std::string expected(const SchemaEntry& e) {
    switch (e.type) {
      case ValueType::Bool: return "true or false";
      case ValueType::Integer:
        return "an integer " + std::to_string(e.min) + "-" + (e.max ? std::to_string(e.max) : std::string("…"));
      case ValueType::Port: return "a port " + std::to_string(e.min) + "-65535";
      case ValueType::Duration: return "a duration such as 250ms, 2s, 1m or 1h";
      case ValueType::Size: return "a size such as 512B, 16KiB, 10MiB or 1MB";
      case ValueType::Workers: return "auto or an integer 1-" + std::to_string(e.max);
      case ValueType::Address: return "an IP address or host name";
      case ValueType::HostPattern: return "a host name, \"*\" or \"*.domain\"";
      case ValueType::PathPrefix: return "a path starting with \"/\"";
      case ValueType::NonEmptyString: return "a non-empty string";
      case ValueType::Enum: {
        std::string s = "one of ";
        for (char c : e.choices) s += c == ',' ? std::string(", ") : std::string(1, c);
        return s;
      }
      default: return "a string";
    }
  }

  std::optional<long long> integer(const std::string& s) {
    long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
  }

  Value scalar_value(const SchemaEntry& e, const YAML::Node& v, const std::string& kpath) {
    Value out;
    if (e.type == ValueType::HostPortList) {
      if (!v.IsSequence())
        fail(v.Mark(), kpath, "expected a list of host:port, got " + describe(v));
      if (v.size() == 0) fail(v.Mark(), kpath, "expected at least one host:port");
      for (std::size_t i = 0; i < v.size(); ++i) {
        std::string ipath = kpath + "[" + std::to_string(i) + "]";
        const YAML::Node item = v[i];
        std::optional<Endpoint> ep;
        if (item.IsScalar()) ep = parse_host_port(item.Scalar(), 1);
        if (!ep) fail(item.Mark(), ipath, "expected host:port, got " + describe(item));
        out.endpoints.push_back(*ep);
      }
      return out;
    }
    if (e.type == ValueType::NameList) {
      if (v.IsNull()) return out;
      if (!v.IsSequence()) fail(v.Mark(), kpath, "expected a list of names, got " + describe(v));
      for (std::size_t i = 0; i < v.size(); ++i) {
        std::string ipath = kpath + "[" + std::to_string(i) + "]";
        const YAML::Node item = v[i];
        if (!item.IsScalar() || item.Scalar().empty())
          fail(item.Mark(), ipath, "expected a name, got " + describe(item));
        marks_[ipath] = item.Mark();
        out.names.push_back(item.Scalar());
      }
      return out;
    }
    if (e.type == ValueType::HeaderMatches) {
      if (v.IsNull()) return out;
      if (!v.IsMap()) fail(v.Mark(), kpath, "expected a mapping of header name to value, got " + describe(v));
      for (const auto& kv : v) {
        if (!kv.first.IsScalar() || kv.first.Scalar().empty() ||
            !std::all_of(kv.first.Scalar().begin(), kv.first.Scalar().end(), is_token_char))
          fail(kv.first.Mark(), kpath, "expected a header name, got " + describe(kv.first));
        std::string name = lower(kv.first.Scalar());
        std::string hpath = kpath + "." + name;
        if (!kv.second.IsScalar())
          fail(kv.second.Mark(), hpath, "expected the header's value or \"*\" (present), got " + describe(kv.second));
        for (const auto& p : out.pairs)
          if (p.first == name) fail(kv.first.Mark(), hpath, "duplicate header");
        marks_[hpath] = kv.second.Mark();
        out.pairs.emplace_back(name, kv.second.Scalar());
      }
      return out;
    }
    if (e.type == ValueType::StringMap) {
      if (v.IsNull()) return out;
      if (!v.IsMap()) fail(v.Mark(), kpath, "expected a mapping of names to strings, got " + describe(v));
      for (const auto& kv : v) {
        const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
        if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos)
          fail(kv.first.Mark(), kpath, "expected a name without '=', got " + describe(kv.first));
        std::string npath = kpath + "." + name;
        if (!kv.second.IsScalar() || kv.second.Scalar().find('\0') != std::string::npos)
          fail(kv.second.Mark(), npath, "expected a string, got " + describe(kv.second));
        for (const auto& p : out.pairs)
          if (p.first == name) fail(kv.first.Mark(), npath, "duplicate key");
        marks_[npath] = kv.second.Mark();
        out.pairs.emplace_back(name, kv.second.Scalar());
      }
      return out;
    }
    if (e.type == ValueType::FunctionChain) {
      if (v.IsNull()) return out;
      if (!v.IsSequence()) fail(v.Mark(), kpath, "expected a list of function names or mappings, got " + describe(v));
      for (std::size_t i = 0; i < v.size(); ++i) {
        std::string ipath = kpath + "[" + std::to_string(i) + "]";
        const YAML::Node item = v[i];
        marks_[ipath] = item.Mark();
        FunctionUse use;
        use.line = item.Mark().is_null() ? 0 : item.Mark().line + 1;
        use.column = item.Mark().is_null() ? 0 : item.Mark().column + 1;
        if (item.IsScalar() && !item.Scalar().empty()) {
          use.name = item.Scalar();
        } else if (item.IsMap()) {
          std::set<std::string> seen;
          std::vector<std::string> keys;
          for (const auto& k : function_use_schema()) keys.emplace_back(k.path);
          for (const auto& kv : item) {
            if (!kv.first.IsScalar())
              fail(kv.first.Mark(), ipath, "keys must be plain strings, got " + describe(kv.first));
            const std::string& key = kv.first.Scalar();
            std::string upath = ipath + "." + key;
            if (!seen.insert(key).second) fail(kv.first.Mark(), upath, "duplicate key");
            const SchemaEntry* ue = nullptr;
            for (const auto& k : function_use_schema())
              if (k.path == key) ue = &k;
            if (!ue) {
              std::string msg = "unknown key " + quote_value(key);
              if (auto c = closest(key, keys); !c.empty()) msg += " (did you mean " + quote_value(c) + "?)";
              fail(kv.first.Mark(), upath, msg);
            }
            marks_[upath] = kv.second.Mark().is_null() ? kv.first.Mark() : kv.second.Mark();
            ue->apply(&use, scalar_value(*ue, kv.second, upath));
          }
          if (!seen.count("name")) fail(item.Mark(), ipath + ".name", "missing required key");
        } else {
          fail(item.Mark(), ipath, "expected a function name or a mapping, got " + describe(item));
        }
        out.uses.push_back(std::move(use));
      }
      return out;
    }
    auto bad = [&]() { fail(v.Mark(), kpath, "expected " + expected(e) + ", got " + describe(v)); };
    if (!v.IsScalar()) bad();
    const std::string& s = v.Scalar();
    switch (e.type) {
      case ValueType::Bool:
        if (s == "true" || s == "True" || s == "TRUE") out.boolean = true;
        else if (s == "false" || s == "False" || s == "FALSE") out.boolean = false;
        else bad();
        break;
      case ValueType::Integer: {
        auto n = integer(s);
        if (!n || *n < e.min || (e.max && *n > e.max)) bad();
        out.integer = *n;
        break;
      }
      case ValueType::Port: {
        auto n = integer(s);
        if (!n || *n < e.min || *n > 65535) bad();
        out.integer = *n;
        break;
      }
      case ValueType::Workers: {
        if (s == "auto") {
          out.integer = 0;
          break;
        }
        auto n = integer(s);
        if (!n || *n < 1 || *n > e.max) bad();
        out.integer = *n;
        break;
      }
      case ValueType::Duration: {
        auto d = parse_duration(s);
        if (!d) bad();
        if (d->count() < e.min)
          fail(v.Mark(), kpath, "must be at least " + format_duration(Millis(e.min)) + ", got " + quote_value(s));
        out.duration = *d;
        break;
      }
      case ValueType::Size: {
        auto n = parse_size(s);
        if (!n) bad();
        if (*n < static_cast<std::size_t>(e.min))
          fail(v.Mark(), kpath, "must be at least " + format_size(static_cast<std::size_t>(e.min)) + ", got " +
                                    quote_value(s));
        out.size = *n;
        break;
      }
      case ValueType::Enum: {
        std::vector<std::string> choices;
        std::string_view rest = e.choices;
        while (!rest.empty()) {
          auto comma = rest.find(',');
          choices.emplace_back(rest.substr(0, comma));
          rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        }
        if (std::find(choices.begin(), choices.end(), s) == choices.end()) {
          std::string msg = "expected " + expected(e) + ", got " + quote_value(s);
          if (auto c = closest(s, choices); !c.empty()) msg += " (did you mean " + quote_value(c) + "?)";
          fail(v.Mark(), kpath, msg);
        }
        out.text = s;
        break;
      }
      case ValueType::Address:
        if (!valid_address(s)) bad();
        out.text = s;
        break;
      case ValueType::HostPattern: {
        std::string h = lower(s);
        bool ok = h == "*" || valid_hostname(h) ||
                  (h.size() > 2 && h.compare(0, 2, "*.") == 0 && valid_hostname(std::string_view(h).substr(2)));
        if (!ok) bad();
        out.text = h;
        break;
      }
      case ValueType::PathPrefix:
        if (s.empty() || s.front() != '/' ||
            std::any_of(s.begin(), s.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; }))
          bad();
        out.text = s;
        break;
      case ValueType::NonEmptyString:
        if (s.empty()) bad();
        out.text = s;
        break;
      case ValueType::String:
        out.text = s;
        break;
      default:
        bad();
    }
    return out;
  }

  void cross_check(Config& c) {
    if (c.listeners.empty()) fail_at("listeners", "", "at least one listener is required");
    for (std::size_t i = 0; i < c.listeners.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (c.listeners[i].port != 0 && c.listeners[i] == c.listeners[j]) {
          std::string p = "listeners[" + std::to_string(i) + "]";
          fail_at(p + ".port", p,
                  "duplicate listener " + c.listeners[i].address + ":" + std::to_string(c.listeners[i].port) +
                      " (same as listeners[" + std::to_string(j) + "])");
        }

    if (!std::all_of(c.request_id_header.begin(), c.request_id_header.end(), is_token_char))
      fail_at("request_id_header", "", "expected a header name, got " + quote_value(c.request_id_header));
    c.request_id_header = lower(c.request_id_header);

    std::unordered_map<std::string, std::size_t> origin_index;
    std::vector<std::string> origin_names;
    for (std::size_t i = 0; i < c.origins.size(); ++i) {
      auto [it, inserted] = origin_index.emplace(c.origins[i].name, i);
      if (!inserted) {
        std::string p = "origins[" + std::to_string(i) + "]";
        fail_at(p + ".name", p,
                "duplicate origin name " + quote_value(c.origins[i].name) + " (already used by origins[" +
                    std::to_string(it->second) + "])");
      }
      origin_names.push_back(c.origins[i].name);
    }

    for (std::size_t i = 0; i < c.routes.size(); ++i) {
      const Route& r = c.routes[i];
      std::string p = "routes[" + std::to_string(i) + "]";
      if (!origin_index.count(r.origin)) {
        std::string msg = "unknown origin " + quote_value(r.origin);
        if (auto s = closest(r.origin, origin_names); !s.empty()) msg += " (did you mean " + quote_value(s) + "?)";
        else if (origin_names.empty()) msg += " (no origins are defined)";
        else {
          msg += " (defined: ";
          for (std::size_t k = 0; k < origin_names.size(); ++k) msg += (k ? ", " : "") + origin_names[k];
          msg += ")";
        }
        fail_at(p + ".origin", p, msg);
      }
      check_route_match(c.routes[i], p);
      for (std::size_t j = 0; j < i; ++j) {
        const Route& o = c.routes[j];
        if (o.host == r.host && o.path == r.path && (!r.path.empty() || o.path_prefix == r.path_prefix) &&
            o.methods == r.methods && o.headers == r.headers && o.priority == r.priority) {
          std::string what =
              r.path.empty() ? "path_prefix " + quote_value(r.path_prefix) : "path " + quote_value(r.path);
          fail_at(r.path.empty() ? p + ".path_prefix" : p + ".path", p,
                  "duplicate route for host " + quote_value(r.host) + " and " + what + " (same as routes[" +
                      std::to_string(j) + "])");
        }
      }
    }

    check_functions(c);

    if (c.admin.enabled && c.admin.port != 0)
      for (std::size_t i = 0; i < c.listeners.size(); ++i)
        if (c.listeners[i].port == c.admin.port &&
            (c.listeners[i].address == c.admin.address || c.listeners[i].address == "0.0.0.0" ||
             c.admin.address == "0.0.0.0"))
        {
          std::string lp = "listeners[" + std::to_string(i) + "]";
          if (marks_.count("admin.port"))
            fail_at("admin.port", "", "port " + std::to_string(c.admin.port) + " is already used by " + lp);
          fail_at(lp + ".port", lp,
                  "port " + std::to_string(c.admin.port) + " is also the admin port (admin.port defaults to " +
                      std::to_string(Admin{}.port) + "; set admin.port or admin.enabled: false)");
        }
  }

  // path / path_prefix / methods of one route; normalises methods to upper case.
  void check_route_match(Route& r, const std::string& p) {
    if (!r.path.empty()) {
      if (written(p + ".path_prefix"))
        fail_at(p + ".path", p, "give either path or path_prefix, not both");
      const std::string& s = r.path;
      auto bad_char = [](unsigned char ch) { return ch <= 0x20 || ch == 0x7f; };
      if (s.front() != '/' || std::any_of(s.begin(), s.end(), bad_char))
        fail_at(p + ".path", p, "expected a path starting with \"/\", got " + quote_value(s));
      std::size_t start = 1;
      while (start <= s.size()) {
        std::size_t end = s.find('/', start);
        if (end == std::string::npos) end = s.size();
        std::string_view seg(s.data() + start, end - start);
        if (seg.find("**") != std::string_view::npos && seg != "**")
          fail_at(p + ".path", p, "`**` must be a whole path segment (as in /a/**/b), got " + quote_value(s));
        start = end + 1;
      }
    }
    for (std::size_t k = 0; k < r.methods.size(); ++k) {
      std::string& m = r.methods[k];
      if (!std::all_of(m.begin(), m.end(), is_token_char))
        fail_at(p + ".methods[" + std::to_string(k) + "]", p + ".methods",
                "expected a method name, got " + quote_value(m));
      for (char& ch : m)
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    }
  }

  // A module path as written → the file used: relative paths next to the config file, else this build's modules.
  std::string resolve_module(const std::string& module) const {
    std::filesystem::path base = std::filesystem::path(file_).parent_path();
    std::filesystem::path mp(module);
    std::error_code ec;
    if (mp.is_relative()) {
      std::filesystem::path next_to_config = base.empty() ? mp : base / mp;
#ifdef AEGIS_BUILD_WASM_DIR
      // Not next to the config: the modules this build made (examples/functions), e.g. for `make run`.
      std::filesystem::path built = std::filesystem::path(AEGIS_BUILD_WASM_DIR) / mp;
      if (!std::filesystem::exists(next_to_config, ec) && std::filesystem::is_regular_file(built, ec))
        next_to_config = built;
#endif
      mp = next_to_config;
    }
    return mp.lexically_normal().string();
  }

  void check_functions(Config& c) {
    std::unordered_map<std::string, std::size_t> index;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < c.functions.size(); ++i) {
      Function& f = c.functions[i];
      std::string p = "functions[" + std::to_string(i) + "]";
      auto [it, inserted] = index.emplace(f.name, i);
      if (!inserted)
        fail_at(p + ".name", p,
                "duplicate function name " + quote_value(f.name) + " (already used by functions[" +
                    std::to_string(it->second) + "])");
      names.push_back(f.name);
      f.module_path = resolve_module(f.module);
      f.module_key = p + ".module";
      if (auto m = marks_.find(p + ".module"); m != marks_.end() && !m->second.is_null()) {
        f.module_line = m->second.line + 1;
        f.module_column = m->second.column + 1;
      }
      std::error_code ec;
      if (!std::filesystem::is_regular_file(f.module_path, ec))
        fail_at(p + ".module", p, "module file " + quote_value(f.module_path) + " not found");
    }
    for (std::size_t i = 0; i < c.routes.size(); ++i)
      for (std::size_t j = 0; j < c.routes[i].functions.size(); ++j) {
        FunctionUse& u = c.routes[i].functions[j];
        const std::string& n = u.name;
        std::string p = "routes[" + std::to_string(i) + "].functions";
        std::string ip = p + "[" + std::to_string(j) + "]";
        if (!index.count(n) && !u.module) {
          std::string msg = "unknown function " + quote_value(n);
          if (auto s = closest(n, names); !s.empty()) msg += " (did you mean " + quote_value(s) + "?)";
          else if (names.empty()) msg += " (no functions are defined; or give `module` to define it here)";
          fail_at(marks_.count(ip + ".name") ? ip + ".name" : ip, ip, msg);
        }
        if (u.module) {
          u.module_path = resolve_module(*u.module);
          if (auto m = marks_.find(ip + ".module"); m != marks_.end() && !m->second.is_null()) {
            u.module_line = m->second.line + 1;
            u.module_column = m->second.column + 1;
          }
          std::error_code ec;
          if (!std::filesystem::is_regular_file(u.module_path, ec))
            fail_at(ip + ".module", ip, "module file " + quote_value(u.module_path) + " not found");
        }
        const std::string& key = u.canary_key;
        auto colon = key.find(':');
        std::string kind = key.substr(0, colon), arg = colon == std::string::npos ? "" : key.substr(colon + 1);
        bool key_ok = (key == "ip") || ((kind == "cookie" || kind == "header") && !arg.empty() &&
                                        std::all_of(arg.begin(), arg.end(), is_token_char));
        if (!key_ok)
          fail_at(ip + ".canary_key", ip, "expected ip, cookie:NAME or header:NAME, got " + quote_value(key));
        if (kind == "header") u.canary_key = "header:" + lower(arg);
        for (std::size_t k = 0; k < j; ++k)
          if (c.routes[i].functions[k] == u) fail_at(ip, p, "function " + quote_value(n) + " is listed twice");
      }
  }

  std::string file_;
  std::unordered_map<std::string, YAML::Mark> marks_;
};

}  // namespace

ConfigError::ConfigError(std::string file, int line, int column, std::string key, std::string message)
    : std::runtime_error(format_what(file, line, column, key, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_(std::move(key)),
      message_(std::move(message)) {}

Config load_string(std::string_view yaml, std::string name) { return Loader(std::move(name)).run(yaml); }

Config load_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw ConfigError(path, 0, 0, "", "cannot read: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path, 0, 0, "", std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(path, 0, 0, "", std::string("cannot read: ") + std::strerror(errno));
  return load_string(text.str(), path);
}

}  // namespace aegis::config
