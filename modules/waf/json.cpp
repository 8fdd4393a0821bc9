#include "json.h"

#include <cstdint>

namespace waf {
namespace {

struct Frame {
  bool array;
  std::size_t path_len;  // length of the path before this container's members
  uint32_t index;
};

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void put_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  Parser(std::string_view in, JsonSink& sink, bool keep_indices) : in_(in), sink_(sink), idx_(keep_indices) {}

  bool run() {
    ws();
    if (!value()) return false;
    while (depth_ > 0) {
      Frame& f = stack_[depth_ - 1];
      ws();
      if (pos_ >= in_.size()) return false;
      char c = in_[pos_];
      if (c == (f.array ? ']' : '}')) {
        ++pos_;
        path_.resize(f.path_len);
        --depth_;
        continue;
      }
      if (c != ',') return false;
      ++pos_;
      ws();
      if (!member(f)) return false;
    }
    ws();
    return pos_ == in_.size();
  }

 private:
  void ws() {
    while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r'))
      ++pos_;
  }

  // The next member of the open container (after '[' / '{' or ',').
  bool member(Frame& f) {
    path_.resize(f.path_len);
    if (f.array) {
      if (idx_) {
        if (!path_.empty()) path_ += '.';
        path_ += std::to_string(f.index);
      }
      ++f.index;
    } else {
      if (pos_ >= in_.size() || in_[pos_] != '"') return false;
      if (!string(str_)) return false;
      sink_.key(str_);
      if (!path_.empty()) path_ += '.';
      path_ += str_;
      ws();
      if (pos_ >= in_.size() || in_[pos_] != ':') return false;
      ++pos_;
      ws();
    }
    return value();
  }

  bool value() {
    if (pos_ >= in_.size()) return false;
    char c = in_[pos_];
    if (c == '{' || c == '[') {
      if (depth_ >= kMaxJsonDepth) return false;
      ++pos_;
      stack_[depth_++] = Frame{c == '[', path_.size(), 0};
      ws();
      if (pos_ < in_.size() && in_[pos_] == (c == '[' ? ']' : '}')) {
        ++pos_;
        --depth_;
        return true;
      }
      return member(stack_[depth_ - 1]);
    }
    if (c == '"') {
      if (!string(str_)) return false;
      sink_.leaf(path_, str_, true);
      return true;
    }
    std::size_t start = pos_;
    while (pos_ < in_.size()) {
      char d = in_[pos_];
      if ((d >= '0' && d <= '9') || (d >= 'a' && d <= 'z') || d == '-' || d == '+' || d == '.' || d == 'E')
        ++pos_;
      else
        break;
    }
    if (pos_ == start) return false;
    sink_.leaf(path_, in_.substr(start, pos_ - start), false);
    return true;
  }

  bool string(std::string& out) {
    out.clear();
    ++pos_;  // opening quote
    while (pos_ < in_.size()) {
      // a run of plain characters at once (fuel is charged per loop iteration)
      std::size_t end = pos_;
      while (end < in_.size() && in_[end] != '"' && in_[end] != '\\') ++end;
      out.append(in_.data() + pos_, end - pos_);
      pos_ = end;
      if (pos_ >= in_.size()) return false;
      char c = in_[pos_++];
      if (c == '"') return true;
      if (pos_ >= in_.size()) return false;
      char e = in_[pos_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && pos_ + 1 < in_.size() && in_[pos_] == '\\' && in_[pos_ + 1] == 'u') {
            std::size_t save = pos_;
            pos_ += 2;
            uint32_t lo = 0;
            if (hex4(&lo) && lo >= 0xDC00 && lo <= 0xDFFF)
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            else
              pos_ = save;
          }
          put_utf8(out, cp);
          break;
        }
        default: out += e; break;  // \" \\ \/ and anything else literally
      }
    }
    return false;
  }

  bool hex4(uint32_t* v) {
    if (pos_ + 4 > in_.size()) return false;
    uint32_t x = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hexval(in_[pos_ + static_cast<std::size_t>(i)]);
      if (h < 0) return false;
      x = x * 16 + static_cast<uint32_t>(h);
    }
    pos_ += 4;
    *v = x;
    return true;
  }

  std::string_view in_;
  JsonSink& sink_;
  bool idx_;
  std::size_t pos_ = 0;
  Frame stack_[kMaxJsonDepth];
  int depth_ = 0;
  std::string path_;
  std::string str_;
};

}  // namespace

bool json_walk(std::string_view in, JsonSink& sink, bool keep_indices) {
  Parser p(in, sink, keep_indices);
  return p.run();
}

void json_escape(std::string& out, std::string_view s, std::size_t max) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  std::size_t n = s.size() < max ? s.size() : max;
  for (std::size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7F) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (n < s.size()) out += "...";
  out += '"';
}

}  // namespace waf
