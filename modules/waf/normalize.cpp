#include "normalize.h"

#include <cstdint>

namespace waf {
namespace {

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool hex_run(std::string_view s, std::size_t pos, std::size_t n, uint32_t* v) {
  if (pos + n > s.size()) return false;
  uint32_t x = 0;
  for (std::size_t i = 0; i < n; ++i) {
    int h = hexval(s[pos + i]);
    if (h < 0) return false;
    x = x * 16 + static_cast<uint32_t>(h);
  }
  *v = x;
  return true;
}

// Writes through a raw pointer into a string pre-sized to an upper bound of the output (every decoder here only
// shrinks its input), then trims it: no per-character std::string growth (fuel is charged by static code size, and
// push_back's growth path is large).
struct Out {
  std::string& s;
  char* w;
  Out(std::string& str, std::size_t max) : s(str), w(nullptr) {
    s.resize(max);
    w = s.data();
  }
  void put(char c) { *w++ = c; }
  void done() { s.resize(static_cast<std::size_t>(w - s.data())); }
};

// Code point → bytes, folding fullwidth ASCII (U+FF01..U+FF5E) to ASCII.
void put_cp(Out& out, uint32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp = cp - 0xFF01 + 0x21;
  if (cp < 0x80) {
    out.put(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.put(static_cast<char>(0xC0 | (cp >> 6)));
    out.put(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.put(static_cast<char>(0xE0 | (cp >> 12)));
    out.put(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.put(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x110000) {
    out.put(static_cast<char>(0xF0 | (cp >> 18)));
    out.put(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.put(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.put(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// \uXXXX, \u{X..}, \xHH escapes (JavaScript / JSON style).
void unescape_backslash(std::string_view in, std::string& out_str) {
  Out out(out_str, in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    uint32_t v;
    if (in[i] == '\\' && i + 1 < in.size()) {
      char n = in[i + 1];
      if ((n == 'u' || n == 'U') && hex_run(in, i + 2, 4, &v)) {
        put_cp(out, v);
        i += 5;
        continue;
      }
      if ((n == 'x' || n == 'X') && hex_run(in, i + 2, 2, &v)) {
        out.put(static_cast<char>(v));
        i += 3;
        continue;
      }
    }
    out.put(in[i]);
  }
  out.done();
}

struct Entity {
  const char* name;
  char c;
};
constexpr Entity kEntities[] = {{"lt", '<'},    {"gt", '>'},     {"quot", '"'},   {"apos", '\''}, {"amp", '&'},
                                {"sol", '/'},   {"bsol", '\\'},  {"lpar", '('},   {"rpar", ')'},  {"colon", ':'},
                                {"semi", ';'},  {"equals", '='}, {"tab", '\t'},   {"newline", '\n'}, {"nbsp", ' '},
                                {"grave", '`'}, {"lcub", '{'},   {"rcub", '}'},   {"period", '.'}, {"comma", ','},
                                {"excl", '!'},  {"num", '#'},    {"percnt", '%'}, {"plus", '+'},  {"ast", '*'},
                                {"dollar", '$'}, {"quest", '?'}, {"commat", '@'}};

bool decode_entities(std::string_view in, std::string& out_str) {
  Out out(out_str, in.size());
  bool changed = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '&' || i + 2 >= in.size()) {
      out.put(in[i]);
      continue;
    }
    std::size_t j = i + 1;
    if (in[j] == '#') {
      ++j;
      bool hex = j < in.size() && (in[j] == 'x' || in[j] == 'X');
      if (hex) ++j;
      uint32_t cp = 0;
      std::size_t start = j;
      while (j < in.size() && j - start < 8) {
        int h = hex ? hexval(in[j]) : (in[j] >= '0' && in[j] <= '9' ? in[j] - '0' : -1);
        if (h < 0) break;
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(h);
        ++j;
      }
      while (j < in.size() && j - start < 16 && in[j] == '0') ++j;  // absurd zero padding is consumed above
      if (j > start) {
        if (j < in.size() && in[j] == ';') ++j;
        put_cp(out, cp);
        i = j - 1;
        changed = true;
        continue;
      }
      out.put(in[i]);
      continue;
    }
    bool done = false;
    for (const auto& e : kEntities) {
      std::size_t n = 0;
      while (e.name[n]) ++n;
      if (j + n <= in.size()) {
        bool eq = true;
        for (std::size_t k = 0; k < n && eq; ++k) {
          char c = in[j + k];
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
          eq = c == e.name[k];
        }
        if (eq) {
          std::size_t end = j + n;
          if (end < in.size() && in[end] == ';') ++end;
          out.put(e.c);
          i = end - 1;
          done = changed = true;
          break;
        }
      }
    }
    if (!done) out.put(in[i]);
  }
  out.done();
  return changed;
}

// Overlong UTF-8 encodings of '.', '/', '\' and fullwidth ASCII → ASCII; other bytes kept.
void fold_utf8(std::string_view in, std::string& out_str) {
  Out out(out_str, in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    auto b = static_cast<unsigned char>(in[i]);
    if ((b == 0xC0 || b == 0xC1) && i + 1 < in.size()) {
      auto c = static_cast<unsigned char>(in[i + 1]);
      if ((c & 0xC0) == 0x80) {
        out.put(static_cast<char>(((b & 0x1F) << 6 | (c & 0x3F)) & 0x7F));
        ++i;
        continue;
      }
    }
    if (b == 0xE0 && i + 2 < in.size() && (static_cast<unsigned char>(in[i + 1]) & 0xE0) == 0x80) {
      auto c1 = static_cast<unsigned char>(in[i + 1]), c2 = static_cast<unsigned char>(in[i + 2]);
      if ((c2 & 0xC0) == 0x80) {
        out.put(static_cast<char>(((c1 & 0x3F) << 6 | (c2 & 0x3F)) & 0x7F));
        i += 2;
        continue;
      }
    }
    if (b == 0xEF && i + 2 < in.size()) {
      auto c1 = static_cast<unsigned char>(in[i + 1]), c2 = static_cast<unsigned char>(in[i + 2]);
      uint32_t cp = (0xFu << 12) | ((c1 & 0x3Fu) << 6) | (c2 & 0x3Fu);
      if ((c1 & 0xC0) == 0x80 && (c2 & 0xC0) == 0x80 && cp >= 0xFF01 && cp <= 0xFF5E) {
        out.put(static_cast<char>(cp - 0xFF01 + 0x21));
        i += 2;
        continue;
      }
    }
    out.put(in[i]);
  }
  out.done();
}

struct CommentState {
  bool in_versioned = false;   // inside a MySQL /*!NNNNN ... */ comment: its content is SQL
  std::size_t next_close = 0;  // cached position of the next "*/" (npos: none left): linear time
  bool close_known = false;
};

// At a[i] == '/' or '*': a SQL comment start or (in a versioned comment) its end. Emits a space for it, advances i
// and returns true; false when there is no comment here.
__attribute__((noinline)) bool comment(const std::string& a, std::size_t& i, CommentState& cs, Out& t,
                                       bool& space) {
  const bool empty = t.w == t.s.data();
  if (a[i] == '*') {
    if (a[i + 1] != '/') return false;
    cs.in_versioned = false;
    if (!space && !empty) t.put(' ');
    space = true;
    ++i;
    return true;
  }
  if (a[i + 1] != '*') return false;
  if (!cs.close_known || (cs.next_close != std::string::npos && cs.next_close < i + 2)) {
    cs.next_close = a.find("*/", i + 2);
    cs.close_known = true;
  }
  if (cs.next_close == std::string::npos) return false;
  if (!space && !empty) t.put(' ');
  space = true;
  if (i + 2 < a.size() && a[i + 2] == '!') {  // MySQL versioned comment: keep its content
    std::size_t j = i + 3;
    while (j < cs.next_close && a[j] >= '0' && a[j] <= '9') ++j;
    cs.in_versioned = true;
    i = j - 1;
    return true;
  }
  i = cs.next_close + 1;
  return true;
}

}  // namespace

bool has_percent_escape(std::string_view s) {
  // jump from '%' to '%' (memchr does the scanning): the loop body runs once per '%', not per character
  for (std::size_t i = s.find('%'); i != std::string_view::npos && i + 2 < s.size(); i = s.find('%', i + 1)) {
    uint32_t v;
    if (hex_run(s, i + 1, 2, &v)) return true;
    if ((s[i + 1] == 'u' || s[i + 1] == 'U') && hex_run(s, i + 2, 4, &v)) return true;
  }
  return false;
}

void url_decode(std::string_view in, bool plus, std::string& out_str, bool* invalid) {
  Out out(out_str, in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    // plain run: a tight loop with a small body (fuel is charged per iteration by the loop's static size)
    while (i < in.size() && in[i] != '%' && in[i] != '+') *out.w++ = in[i++];
    if (i >= in.size()) break;
    char c = in[i];
    if (c == '+' && plus) {
      out.put(' ');
    } else if (c == '%') {
      uint32_t v;
      if (hex_run(in, i + 1, 2, &v)) {
        out.put(static_cast<char>(v));
        i += 2;
      } else if (i + 1 < in.size() && (in[i + 1] == 'u' || in[i + 1] == 'U') && hex_run(in, i + 2, 4, &v)) {
        put_cp(out, v);
        i += 5;
      } else {
        if (invalid) *invalid = true;
        out.put(c);
      }
    } else {
      out.put(c);
    }
  }
  out.done();
}

void normalize(std::string_view raw, Normalized& out) {
  out.multi_encoded = false;
  out.had_null = false;
  out.crlf_header = false;
  std::string a(raw), b;
  for (int pass = 0; pass < 3 && has_percent_escape(a); ++pass) {
    out.multi_encoded = true;
    url_decode(a, false, b, nullptr);
    a.swap(b);
  }
  if (a.find('\\') != std::string::npos) {
    unescape_backslash(a, b);
    a.swap(b);
  }
  for (int pass = 0; pass < 2 && a.find('&') != std::string::npos; ++pass) {
    if (!decode_entities(a, b)) break;
    a.swap(b);
  }
  if (has_percent_escape(a)) {  // entity- or \u-encoded percent escapes
    url_decode(a, false, b, nullptr);
    a.swap(b);
  }
  bool high = false;
  for (char c : a) high |= static_cast<unsigned char>(c) >= 0xC0;  // (a tiny loop body)
  if (high) {
    fold_utf8(a, b);
    a.swap(b);
  }

  // lower-case, NUL dropped, controls → space, SQL comments → space, whitespace collapsed
  Out t(out.text, a.size());
  char* const t0 = t.w;
  bool space = false;
  CommentState cs;
  for (std::size_t i = 0; i < a.size(); ++i) {
    // plain run: lower-case letters, digits and common punctuation, copied by a tight loop
    {
      const char* p = a.data() + i;
      const char* e = a.data() + a.size();
      char* w = t.w;
      while (p < e && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == ',' || *p == '-' ||
                       *p == '_' || *p == '=' || *p == ':'))
        *w++ = *p++;
      if (w != t.w) {
        t.w = w;
        space = false;
        i = static_cast<std::size_t>(p - a.data());
        if (i >= a.size()) break;
      }
    }
    char c = a[i];
    if (c == 0) {
      out.had_null = true;
      continue;
    }
    if ((c == '/' || (c == '*' && cs.in_versioned)) && i + 1 < a.size() && comment(a, i, cs, t, space)) continue;
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == ' ') {
      if (!space && t.w != t0) t.put(' ');
      space = true;
      continue;
    }
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    t.put(c);
    space = false;
  }
  if (t.w != t0 && t.w[-1] == ' ') --t.w;
  t.done();

  out.had_newline = a.find_first_of("\r\n") != std::string::npos;
  // CR/LF followed by something that looks like a header line: "name:"
  for (std::size_t i = 0; out.had_newline && i < a.size() && !out.crlf_header; ++i) {
    if (a[i] != '\n' && a[i] != '\r') continue;
    std::size_t j = i;
    while (j < a.size() && (a[j] == '\r' || a[j] == '\n')) ++j;
    std::size_t start = j;
    while (j < a.size() && j - start < 40 &&
           ((a[j] >= 'a' && a[j] <= 'z') || (a[j] >= 'A' && a[j] <= 'Z') || a[j] == '-' || (a[j] >= '0' && a[j] <= '9')))
      ++j;
    if (j > start + 2 && j < a.size() && a[j] == ':') {
      std::string name = a.substr(start, j - start);
      for (auto& ch : name) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
      if (name == "set-cookie" || name == "location" || name == "content-type" || name == "content-length" ||
          name == "refresh" || name == "access-control-allow-origin" || name == "x-xss-protection" ||
          name == "content-security-policy" || name == "transfer-encoding" || name == "cache-control")
        out.crlf_header = true;
    }
    i = j > i ? j - 1 : i;
  }
  out.decoded.swap(a);
}

void build_shell(Normalized& out) {
  const std::string& a = out.decoded;
  bool space = false;
  Out s(out.shell, a.size());
  char* const s0 = s.w;
  space = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    {
      const char* p = a.data() + i;
      const char* e = a.data() + a.size();
      char* w = s.w;
      while (p < e && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == ',' || *p == '-' ||
                       *p == '_' || *p == '=' || *p == ':' || *p == '/'))
        *w++ = *p++;
      if (w != s.w) {
        s.w = w;
        space = false;
        i = static_cast<std::size_t>(p - a.data());
        if (i >= a.size()) break;
      }
    }
    char c = a[i];
    if (c == '\'' || c == '"' || c == '\\' || c == '^' || c == 0) continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '$') {
      std::string_view rest(a.data() + i, a.size() - i);
      auto ieq = [&](std::string_view x) {
        if (rest.size() < x.size()) return false;
        for (std::size_t k = 0; k < x.size(); ++k) {
          char d = rest[k];
          if (d >= 'A' && d <= 'Z') d = static_cast<char>(d - 'A' + 'a');
          if (d != x[k]) return false;
        }
        return true;
      };
      if (ieq("${ifs}")) {
        i += 5;
        c = ' ';
      } else if (ieq("$ifs")) {
        i += 3;
        if (i + 2 < a.size() && a[i + 1] == '$' && a[i + 2] >= '0' && a[i + 2] <= '9') i += 2;
        c = ' ';
      } else if (rest.size() >= 2 && (rest[1] == '@' || rest[1] == '*')) {
        ++i;
        continue;
      }
    }
    if (c == '\n' || c == '\r') {
      if (s.w != s0 && s.w[-1] == ' ') --s.w;
      if (s.w == s0 || s.w[-1] != ';') s.put(';');
      space = false;
      continue;
    }
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == ' ') {
      if (!space && s.w != s0 && s.w[-1] != ';') s.put(' ');
      space = true;
      continue;
    }
    s.put(c);
    space = false;
  }
  s.done();

}

}  // namespace waf
