// Framing safety for HTTP/1.1 message heads, checked on the raw bytes before Beast parses them.
//
// Beast 1.81 already rejects most smuggling inputs (CL+TE, conflicting lengths, "+5", bare CR, NUL, bad chunks),
// but it treats a Transfer-Encoding other than exactly "chunked" as "no body" and accepts obs-folded headers
// (docs/DECISIONS.md). Every request and every origin response head passes through these checks first, so the
// proxy's view of where a message ends can never differ from what a downstream parser might think.
//
// Policy (documented in docs/proxy.md):
//   * head larger than the limit                                   → 431 (requests)
//   * bare CR, bare LF, NUL or any other control byte except HTAB   → 400
//   * obs-fold (a header line starting with SP/HTAB)                → 400
//   * whitespace between field name and colon, empty/invalid name   → 400
//   * Content-Length not exactly 1*DIGIT ("+5", "0x5", "5, 5", " ") → 400; more than one Content-Length → 400
//   * Content-Length together with Transfer-Encoding                → 400
//   * Transfer-Encoding in an HTTP/1.0 request                      → 400
//   * Transfer-Encoding exactly "chunked" (case-insensitive, OWS)   → accepted
//   * only recognised codings but not just "chunked" (gzip, "gzip, chunked", deflate, compress, br, zstd) → 501
//   * anything else: "chunked" repeated or not alone ("chunked, identity"), unknown or malformed tokens
//     ("xchunked", "identity", "chunked;x", empty list elements)    → 400
//   * HTTP/1.1 request without Host, or more than one Host          → 400
//   * Host that is not a valid authority (host[:port])              → 400
//   * request-target not in origin-form ("/..."), absolute-form (http[s]://authority/...), "*" for OPTIONS,
//     or authority-form for CONNECT                                 → 400
// For origin responses any violation is reported with status 502.
#pragma once

#include <cstddef>
#include <string_view>

namespace aegis::http {

// Outcome of looking for the end of a message head in the bytes received so far.
struct HeadScan {
  enum class State { kIncomplete, kComplete, kInvalid, kTooLarge };
  State state = State::kIncomplete;
  std::size_t skip = 0;         // leading empty lines (CRLF) to discard before the head (RFC 9112 §2.2)
  std::size_t length = 0;       // kComplete: bytes of the head after `skip`, including the final CRLFCRLF
  const char* reason = "";
};

// Scans `data` (everything buffered so far) for a complete head of at most `max_bytes`.
// A bare LF anywhere in the head makes it kInvalid at once, so a client cannot keep us waiting on it.
HeadScan scan_head(std::string_view data, std::size_t max_bytes);

// Result of validating a complete head. status == 0 means acceptable.
struct HeadCheck {
  int status = 0;
  const char* reason = "";
  bool ok() const { return status == 0; }
};

// `head` is a complete request head (request line .. CRLFCRLF) as found by scan_head.
HeadCheck check_request_head(std::string_view head);

// `head` is a complete response head; any violation yields status 502.
HeadCheck check_response_head(std::string_view head);

}  // namespace aegis::http
