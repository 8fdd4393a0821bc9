// Decoding and normalisation of one inspected value (linear time, bounded passes).
#pragma once

#include <string>
#include <string_view>

namespace waf {

// One URL-decoding pass: %XX, %uXXXX (as UTF-8; fullwidth ASCII folded to ASCII) and, if `plus`, '+' → ' '.
// A '%' not starting a valid escape is kept and sets *invalid.
void url_decode(std::string_view in, bool plus, std::string& out, bool* invalid);

// True if `s` still holds a %XX or %uXXXX escape (a further decoding pass would change it).
bool has_percent_escape(std::string_view s);

struct Normalized {
  std::string text;   // decoded (percent ×3, \u \x escapes, HTML entities, overlong/fullwidth UTF-8), lower-case,
                      // NUL dropped, control chars → space, SQL comments → space, whitespace collapsed
  std::string shell;  // decoded, lower-case, quotes/backslashes/carets removed, $IFS / ${IFS} → space, newlines → ';'
                      // (shell evasion), other whitespace collapsed
  bool multi_encoded = false;  // the value still carried percent escapes (double encoding)
  bool had_null = false;       // a NUL byte appeared after decoding
  bool crlf_header = false;    // CR/LF followed by a header line (response splitting / header injection)
  bool had_newline = false;    // CR or LF after decoding
  std::string decoded;         // after decoding, before case folding and whitespace collapsing
};

// Fills text, the flags and `decoded`; `shell` is left empty (build_shell fills it on demand).
void normalize(std::string_view raw, Normalized& out);
// Fills out.shell from out.decoded.
void build_shell(Normalized& out);

}  // namespace waf
