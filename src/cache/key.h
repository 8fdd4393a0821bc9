// Cache keys (the strings store.h keeps objects under):
//
//   url            "http://host[:port]/path[?query]"  — host lower-cased, default port dropped; the query is left
//                  out when the route ignores it. Purge by URL and by prefix work on this part.
//   primary key    url + '\x1f', then for each key component of the route '\x1f' + "h:name=value" (request
//                  header) or "c:name=value" (cookie; a missing one contributes an empty value). Every key of a
//                  URL therefore starts with url + '\x1f': purging that prefix purges exactly that URL.
//   variant key    primary key + '\x1e' + secondary key (the request's values of the fields the response's Vary
//                  names), for responses with Vary; the primary key then holds a small "vary" record.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/http_fields.h"

namespace aegis::cache {

inline constexpr char kComponentSeparator = '\x1f';
inline constexpr char kVariantSeparator = '\x1e';

struct KeyOptions {
  bool ignore_query = false;
  std::vector<std::string> headers;  // request header names added to the key (lower-case)
  std::vector<std::string> cookies;  // cookie names added to the key
};

// Path and query of a request-target in origin-form or absolute-form ("http://h/p?q" → "/p?q"; "*" stays "*").
std::string_view target_path_query(std::string_view target);
// The authority of an absolute-form target, or "".
std::string_view target_authority(std::string_view target);

// `host` is the request's Host (or the absolute-form authority).
std::string request_url(std::string_view scheme, std::string_view host, std::string_view target, bool ignore_query);
std::string primary_key(const std::string& url, const KeyOptions& options, const Headers& request);
std::string variant_key(const std::string& primary, const std::string& secondary);

// Field names listed by the response's Vary (lower-case, sorted, unique); "*" included if present.
std::vector<std::string> vary_fields(const Headers& response);
// The request's values of those fields, normalised (lines joined with ", ", surrounding whitespace removed).
std::string secondary_key(const std::vector<std::string>& fields, const Headers& request);

// Location / Content-Location resolved against `url` (absolute URL, absolute path, or relative path), if it names
// the same scheme and host (§4.4: only same-origin URIs are invalidated). Query kept unless ignore_query.
std::optional<std::string> same_origin_url(const std::string& url, std::string_view reference, bool ignore_query);

}  // namespace aegis::cache
