// The classes implementing wasm/engine.h for the V8 engine: thin forwarders to the V8 cores of core.h. Compiled
// with RTTI (unlike v8_engine.cpp) so the polymorphic objects handed to the rest of the node carry type_info.
#include <memory>

#include "wasm/engine.h"
#include "wasm/v8/core.h"

namespace aegis::wasm {

const char* to_string(CallStatus s) {
  switch (s) {
    case CallStatus::Ok: return "ok";
    case CallStatus::Trap: return "trap";
    case CallStatus::Timeout: return "timeout";
    case CallStatus::HostExit: return "host_exit";
    case CallStatus::NotFound: return "not_found";
    case CallStatus::EngineError: return "engine_error";
  }
  return "unknown";
}

namespace v8impl {
namespace {

class V8Module final : public CompiledModule {
 public:
  explicit V8Module(ModuleCore* core) : core_(core) {}
  ~V8Module() override { destroy_module(core_); }
  V8Module(const V8Module&) = delete;
  V8Module& operator=(const V8Module&) = delete;
  std::size_t wire_size() const override { return module_wire_size(core_); }
  const ModuleCore* core() const { return core_; }

 private:
  ModuleCore* core_;
};

// Also the Caller its host functions receive.
class V8Instance final : public Instance, public Caller {
 public:
  V8Instance() = default;
  ~V8Instance() override {
    if (core_) destroy_instance(core_);
  }
  V8Instance(const V8Instance&) = delete;
  V8Instance& operator=(const V8Instance&) = delete;

  bool init(RuntimeCore* rt, const ModuleCore* module, std::span<const HostFunction> imports,
            const CallOptions& start_options, std::string* error) {
    core_ = instantiate(rt, module, this, imports, start_options, error);
    return core_ != nullptr;
  }

  bool has_function(std::string_view name) const override { return instance_has_function(core_, name); }
  CallOutcome call(std::string_view name, std::span<const Val> args, std::span<Val> results,
                   const CallOptions& options) override {
    return instance_call(core_, name, args, results, options);
  }
  // Instance::memory and Caller::memory.
  std::span<uint8_t> memory() override { return instance_memory(core_); }
  bool capture() override { return instance_capture(core_); }
  bool restore() override { return instance_restore(core_); }
  bool restore_memory() override { return instance_restore_memory(core_); }
  void* user_data() override { return instance_user_data(core_); }
  void exit(int32_t code, std::string_view message) override { instance_exit(core_, code, message); }

 private:
  InstanceCore* core_ = nullptr;
};

class V8Runtime final : public Runtime {
 public:
  V8Runtime() : core_(create_runtime_core()) {}
  ~V8Runtime() override { destroy_runtime(core_); }
  V8Runtime(const V8Runtime&) = delete;
  V8Runtime& operator=(const V8Runtime&) = delete;

  std::unique_ptr<Instance> instantiate(const CompiledModule& module, std::span<const HostFunction> imports,
                                        const CallOptions& start_options, std::string* error) override {
    // Every CompiledModule in the process comes from the one Engine below.
    const auto& m = static_cast<const V8Module&>(module);
    auto inst = std::make_unique<V8Instance>();
    if (!inst->init(core_, m.core(), imports, start_options, error)) return nullptr;
    return inst;
  }

 private:
  RuntimeCore* core_;
};

class V8Engine final : public Engine {
 public:
  explicit V8Engine(const EngineOptions& options) : core_(create_engine_core(options)) {}

  std::shared_ptr<const CompiledModule> compile(std::span<const uint8_t> wasm, std::string* error) override {
    ModuleCore* m = compile_module(core_, wasm, error);
    if (!m) return nullptr;
    return std::make_shared<V8Module>(m);
  }
  std::unique_ptr<Runtime> create_runtime() override { return std::make_unique<V8Runtime>(); }

 private:
  EngineCore* core_;
};

}  // namespace
}  // namespace v8impl

Engine& engine(const EngineOptions& options) {
  // Never destroyed: worker threads may still use it while statics are torn down. First caller's options win.
  static Engine* instance = new v8impl::V8Engine(options);
  return *instance;
}

}  // namespace aegis::wasm

#if defined(__SANITIZE_ADDRESS__)
// LeakSanitizer: the engine (its platform and compile isolate) is deliberately never destroyed, and V8 keeps the
// pointers to its malloc'd bookkeeping inside its own mmap'd heap pages, which LSan does not scan — so everything
// allocated under EngineCore shows up as leaked at exit. Runtime isolates are disposed and are not suppressed.
// Weak, so a test executable that defines its own suppressions (e.g. "leak:libnode.so") overrides this one.
extern "C" __attribute__((weak)) const char* __lsan_default_suppressions() { return "leak:aegis::wasm::v8impl::EngineCore::\n"; }
#endif
