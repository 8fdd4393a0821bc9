// Header rules shared by the proxy's request and response paths: which fields are hop-by-hop, request ids, and the
// ASCII case-insensitive name compare they use. The rules are applied to header blocks by http::FlatFields.
#pragma once

#include <string_view>

namespace aegis::http {

// ASCII case-insensitive equality of field names ('A'..'Z' = 'a'..'z', every other byte compared as is).
bool iequals_ascii(std::string_view a, std::string_view b);

// How a field of this name is treated on the way through the proxy (ASCII case-insensitive): kept; removed
// (Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade); or removed with its value naming further fields
// to remove (Connection). Compares words, not characters.
enum class HopByHop { kKeep, kRemove, kConnection };
HopByHop hop_by_hop_kind(std::string_view name);

// True for 1..128 characters of [A-Za-z0-9._:+/=-], the shape of UUIDs, ULIDs and base64 ids: such an incoming
// request id is kept, anything else is replaced by a generated one.
bool valid_request_id(std::string_view id);

// A fresh request id: 32 lowercase hex characters (128 bits from a per-thread generator seeded from the OS).
// Writes into `out` (must hold 32 bytes) and returns the view.
std::string_view generate_request_id(char (&out)[32]);

}  // namespace aegis::http
