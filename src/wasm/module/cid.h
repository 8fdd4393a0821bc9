// Content identifiers for modules: CIDv1, raw codec (0x55), sha2-256 multihash, multibase base32 lower ("b...").
// The same identifier IPFS gives the bytes, e.g. "bafkrei...".
#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace aegis::wasm {
std::string content_id(std::span<const uint8_t> bytes);
bool is_content_id(std::string_view text);  // syntactically a CIDv1 raw sha2-256 base32 string
}  // namespace aegis::wasm
