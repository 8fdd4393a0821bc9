// Internal boundary between the V8 code (v8_engine.cpp, compiled with -fno-rtti like libnode) and the classes
// implementing wasm/engine.h (engine.cpp, compiled normally). No V8 types and no virtual functions cross it: the
// cores are opaque and handled through these free functions.
//
// Why: an object whose class (or shared_ptr control block) is defined in a -fno-rtti translation unit has a vtable
// without type_info, and UBSan's vptr check reports every virtual call made on it from normal code as "invalid
// vptr". So every polymorphic object other subsystems see (Engine, Runtime, Instance, Caller, CompiledModule and
// its shared_ptr) is created in engine.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "wasm/engine.h"

namespace aegis::wasm::v8impl {

class EngineCore;
class ModuleCore;
class RuntimeCore;
class InstanceCore;

EngineCore* create_engine_core(const EngineOptions& options);  // once per process, never destroyed

ModuleCore* compile_module(EngineCore* engine, std::span<const uint8_t> wasm, std::string* error);
void destroy_module(ModuleCore* module);
std::size_t module_wire_size(const ModuleCore* module);

RuntimeCore* create_runtime_core();
void destroy_runtime(RuntimeCore* runtime);

// `caller` is what host functions of this instance receive; it must outlive the instance core.
InstanceCore* instantiate(RuntimeCore* runtime, const ModuleCore* module, Caller* caller,
                          std::span<const HostFunction> imports, const CallOptions& start_options, std::string* error);
void destroy_instance(InstanceCore* instance);
bool instance_has_function(const InstanceCore* instance, std::string_view name);
CallOutcome instance_call(InstanceCore* instance, std::string_view name, std::span<const Val> args,
                          std::span<Val> results, const CallOptions& options);
std::span<uint8_t> instance_memory(InstanceCore* instance);
bool instance_capture(InstanceCore* instance);
bool instance_restore(InstanceCore* instance);
bool instance_restore_memory(InstanceCore* instance);
void* instance_user_data(InstanceCore* instance);
void instance_exit(InstanceCore* instance, int32_t code, std::string_view message);

}  // namespace aegis::wasm::v8impl
