// Header rewriting rules shared by the proxy's request and response paths (Beast field containers).
#pragma once

#include <string_view>

#include <boost/beast/http/fields.hpp>

namespace aegis::http {

using Fields = boost::beast::http::fields;

// Removes the hop-by-hop fields: Connection and every field it names, Keep-Alive, Proxy-* (Proxy-Connection,
// Proxy-Authorization, Proxy-Authenticate…), TE, Trailer, Transfer-Encoding and Upgrade.
// The caller re-establishes the outgoing framing (chunked / Content-Length) afterwards.
void remove_hop_by_hop(Fields& fields);

// How remove_hop_by_hop treats a field of this name (ASCII case-insensitive): kept; removed (Keep-Alive, Proxy-*,
// TE, Trailer, Transfer-Encoding, Upgrade); or removed with its value naming further fields to remove (Connection).
// Compares words, not characters: for other field containers that apply the same rules.
enum class HopByHop { kKeep, kRemove, kConnection };
HopByHop hop_by_hop_kind(std::string_view name);

// Appends `value` to a list-valued field ("a, b"), joining several existing lines of that field into one.
void append_list_value(Fields& fields, std::string_view name, std::string_view value);

// True for 1..128 characters of [A-Za-z0-9._:+/=-], the shape of UUIDs, ULIDs and base64 ids: such an incoming
// request id is kept, anything else is replaced by a generated one.
bool valid_request_id(std::string_view id);

// A fresh request id: 32 lowercase hex characters (128 bits from a per-thread generator seeded from the OS).
// Writes into `out` (must hold 32 bytes) and returns the view.
std::string_view generate_request_id(char (&out)[32]);

}  // namespace aegis::http
