// The result of running one edge-function invocation: how it ended, and what it cost.
// Every limit has its own status so that metrics, logs and the failure policy can tell them apart.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace aegis::functions {

enum class OutcomeStatus : uint8_t {
  Ok,               // entry returned 0 (or called proc_exit(0))
  FunctionError,    // entry returned nonzero, or proc_exit(nonzero): the function itself reported failure
  Trap,             // Wasm trap (unreachable, out-of-bounds access, stack overflow, division by zero, ...)
  Timeout,          // wall-clock deadline exceeded; execution was terminated
  Memory,           // trapped after a memory.grow was refused at the memory cap
  Fuel,             // instruction budget exhausted
  InstantiateError, // a fresh instance could not be created (start function trapped / timed out, link error)
  HostError,        // the host failed (missing entry, engine error, internal error)
  Overloaded,       // not run: the blocking executor's queue was full
};

// Stable lower-case label: "ok", "function_error", "trap", "timeout", "memory", "fuel", "instantiate_error",
// "host_error", "overloaded" (used in logs, metrics labels and `aegis run` output).
const char* label(OutcomeStatus s);

// True for the statuses caused by a resource limit (timeout, memory, fuel).
inline bool is_limit(OutcomeStatus s) {
  return s == OutcomeStatus::Timeout || s == OutcomeStatus::Memory || s == OutcomeStatus::Fuel;
}

struct Outcome {
  OutcomeStatus status = OutcomeStatus::HostError;
  std::string message;             // human-readable detail (trap text, limit hit, error); empty when ok
  int32_t return_value = 0;        // the entry's i32 result, or the proc_exit code
  uint64_t fuel_used = 0;          // instructions charged (0 when the module is not fuel-instrumented)
  std::chrono::nanoseconds wall{0};  // acquire → release, including instantiation when a fresh one was needed
  bool fresh_instance = false;     // a new instance was instantiated for this invocation

  bool ok() const { return status == OutcomeStatus::Ok; }
};

}  // namespace aegis::functions
