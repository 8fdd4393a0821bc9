// Validation of guest-supplied text (header names/values, methods, URIs, keys) and small encoders.
#pragma once

#include <string>
#include <string_view>

namespace aegis::hostapi::text {

bool valid_utf8(std::string_view s);
// RFC 9110 token (tchar+), non-empty.
bool is_token(std::string_view s);
// A header value: valid UTF-8 without CR, LF or NUL.
bool is_header_value(std::string_view s);
// Origin-form request target ("/path?query") or "*": visible ASCII only, no spaces or controls.
bool is_request_target(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
// Appends s as a JSON string literal; invalid UTF-8 bytes become U+FFFD.
void json_append_string(std::string& out, std::string_view s);

}  // namespace aegis::hostapi::text
