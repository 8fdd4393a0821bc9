// Names the module loader (src/wasm/module/) injects into every prepared module and the engine/pool rely on.
// A guest module that already exports any name starting with "__aegis_" is rejected at load time.
#pragma once
#include <string_view>

namespace aegis::wasm::inject {
// Fuel (deterministic instruction budget). A mutable i64 global is decremented at every function entry and loop
// header by the static instruction count of that region; when it drops below zero the module executes
// `unreachable`. The host sets the budget before a call and reads what is left after it.
// Precision: inside a function the counter is kept in a local and written back to the global before every call
// (host imports included), return, branch out of the function and when the fuel check traps. So kFuelGet is exact
// after a normal return, a fuel trap (< 0) and a host exit; after any other trap or a deadline termination it may
// miss the charges of the interrupted function's activation since its last call (an underestimate of the use).
inline constexpr std::string_view kFuelSet = "__aegis_fuel_set";  // (i64) -> ()
inline constexpr std::string_view kFuelGet = "__aegis_fuel_get";  // () -> i64
// Mutable-global snapshot for instance reset: save copies every mutable defined global into a shadow global,
// restore copies them back. Injected into every prepared module (no-ops when it has no mutable globals).
inline constexpr std::string_view kGlobalsSave = "__aegis_globals_save";        // () -> ()
inline constexpr std::string_view kGlobalsRestore = "__aegis_globals_restore";  // () -> ()
inline constexpr std::string_view kReservedPrefix = "__aegis_";

// Entry wrappers: one host→guest transition per invocation instead of four (globals restore, fuel set, entry, fuel
// get). For every exported function of type () -> i32 the loader injects the export kEntryPrefix + its name, of
// type (i32 fuel_lo, i32 fuel_hi, i32 reset) -> i64, which: restores the mutable globals like kGlobalsRestore if
// reset != 0, sets the fuel budget (fuel_hi:fuel_lo, two halves so that the host passes small integers rather than
// a BigInt) and clears the grow-failed flag like kFuelSet, calls the entry, and returns
// (fuel left << 32) | (u32) entry result. Fuel left is never negative after a normal return, and fits the upper
// half exactly when the budget is below 2^31; with a larger budget the host reads kFuelGet instead.
inline constexpr std::string_view kEntryPrefix = "__aegis_entry:";  // + entry name: (i32, i32, i32) -> i64
}  // namespace aegis::wasm::inject

namespace aegis::wasm::inject {
// Memory-cap signal: every `memory.grow` is routed through an injected helper that records a failed grow (result
// -1) in a flag, so a trap that follows can be classified as "memory" rather than "trap". The flag is cleared by
// kFuelSet. Returns 1 if a grow failed since then, else 0.
inline constexpr std::string_view kGrowFailed = "__aegis_grow_failed";  // () -> i32
}  // namespace aegis::wasm::inject
