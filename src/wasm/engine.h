// The Wasm engine contract. The rest of the node runs WebAssembly only through this header; the V8 adapter
// (src/wasm/v8/) is the only code that includes V8 headers.
//
// Model:
//   Engine          process-wide; compiles bytes once into a CompiledModule shared by every thread.
//   Runtime         one per worker thread (owns that thread's V8 isolate); not thread-safe, use from its thread.
//   Instance        an instantiated module inside one Runtime; call exports, read/write linear memory. Use and
//                   destroy it on its Runtime's thread; it may outlive the Runtime object (the isolate is shared
//                   and goes away with the last of them). Not reusable after a Timeout/EngineError.
//   HostFunction    a host import: plain function pointer + the per-call Caller, so host calls cost ~tens of ns.
//
// Modules handed to compile() are expected to have been validated and rewritten by src/wasm/module/
// (import check, memory/table caps, fuel instrumentation); the engine does not re-check the ABI.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::wasm {

enum class ValType : uint8_t { I32, I64, F32, F64 };

struct Val {
  ValType type = ValType::I32;
  union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
  };
  Val() : i64(0) {}
  static Val I32(int32_t v) { Val x; x.type = ValType::I32; x.i32 = v; return x; }
  static Val I64(int64_t v) { Val x; x.type = ValType::I64; x.i64 = v; return x; }
  static Val F32(float v) { Val x; x.type = ValType::F32; x.f32 = v; return x; }
  static Val F64(double v) { Val x; x.type = ValType::F64; x.f64 = v; return x; }
};

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};

// Handed to a host function while the guest is calling it.
class Caller {
 public:
  virtual ~Caller() = default;
  // The calling instance's exported "memory" as it is now (it may have grown since the last call).
  // Empty span when the module exports no memory.
  virtual std::span<uint8_t> memory() = 0;
  // The pointer passed as `user_data` to Instance::call for the invocation under way.
  virtual void* user_data() = 0;
  // Make the guest trap as soon as the host function returns (e.g. WASI proc_exit). The call then ends
  // with CallStatus::HostExit and this message/code.
  virtual void exit(int32_t code, std::string_view message) = 0;
};

using HostCallback = void (*)(Caller& caller, const Val* args, Val* results, void* fn_data);

struct HostFunction {
  std::string module;   // import module, e.g. "env" or "wasi_snapshot_preview1"
  std::string name;     // import name
  FuncType type;
  HostCallback callback = nullptr;
  void* fn_data = nullptr;  // bound at registration (e.g. a table pointer); per-call state goes via user_data
};

enum class CallStatus : uint8_t {
  Ok,          // returned normally
  Trap,        // Wasm trap (unreachable, OOB access, stack overflow, div by zero, ...)
  Timeout,     // wall-clock deadline hit; execution was terminated
  HostExit,    // a host function called Caller::exit()
  NotFound,    // no such export, or not a function, or signature mismatch
  EngineError, // anything else (instance unusable)
};

const char* to_string(CallStatus s);

struct CallOutcome {
  CallStatus status = CallStatus::Ok;
  int32_t exit_code = 0;       // for HostExit
  std::string message;         // trap / error text
  std::chrono::nanoseconds wall{0};
};

struct CallOptions {
  // Wall-clock budget for this one call; zero = no deadline. The watchdog is tied to this call only: an interrupt
  // that fires after the call returned must never affect a later call.
  std::chrono::nanoseconds deadline{0};
  void* user_data = nullptr;
};

class CompiledModule {
 public:
  virtual ~CompiledModule() = default;
  virtual std::size_t wire_size() const = 0;
};

class Instance {
 public:
  virtual ~Instance() = default;

  virtual bool has_function(std::string_view export_name) const = 0;
  virtual CallOutcome call(std::string_view export_name, std::span<const Val> args, std::span<Val> results,
                           const CallOptions& options) = 0;

  // Exported "memory" (may be empty).
  virtual std::span<uint8_t> memory() = 0;

  // Post-initialisation snapshot and cheap reset, for pooling: capture() once after instantiation (and after the
  // start function / warm-up); restore() brings linear memory and mutable globals back to that state without a
  // new instantiation. Returns false if this instance cannot be reset (then the caller re-instantiates).
  virtual bool capture() = 0;
  virtual bool restore() = 0;
  // restore() without the mutable globals, for a caller whose very next call restores them in the guest (an entry
  // wrapper called with reset = 1, see instrumentation.h kEntryPrefix): saves one call into the guest. Until then
  // the globals still hold what the last call left.
  virtual bool restore_memory() = 0;
};

class Runtime {
 public:
  virtual ~Runtime() = default;
  // Instantiate with the given host imports (matched by module+name). Unresolved import → nullptr + error.
  // The start function runs here, under options.deadline.
  virtual std::unique_ptr<Instance> instantiate(const CompiledModule& module, std::span<const HostFunction> imports,
                                                const CallOptions& start_options, std::string* error) = 0;
};

struct EngineOptions {
  std::size_t max_memory_pages = 65536;  // process-wide ceiling (4 GiB); per-module caps come from the loader
  std::size_t max_table_entries = 10000;  // process-wide ceiling for any table (HOST-ABI limit)
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Compile once; the result may be used by every thread's Runtime. Thread-safe.
  virtual std::shared_ptr<const CompiledModule> compile(std::span<const uint8_t> wasm, std::string* error) = 0;
  // One Runtime per thread; call from the thread that will use it.
  virtual std::unique_ptr<Runtime> create_runtime() = 0;
};

// The process-wide engine (V8). Created on first use; lives until exit.
Engine& engine(const EngineOptions& options = {});

}  // namespace aegis::wasm
