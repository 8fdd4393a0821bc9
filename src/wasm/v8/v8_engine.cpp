// The V8 implementation of wasm/engine.h. The only translation unit (with its siblings in this folder) that sees
// V8 headers; compiled with -fno-rtti like libnode.
//
// V8 decisions (flags set once before V8::Initialize; an unknown flag makes V8 ignore the rest of the string, so
// the test suite checks that the table ceiling is in force):
//  trap handler: OFF. Bounds checks are explicit compare+branch instead of guard pages + a SIGSEGV handler. With
//                the trap handler every memory reserves 8 GiB + guards (~10 GiB) of address space and V8 caps all
//                such reservations at 1 TiB per process — about 100 live memories, which per-thread instance
//                pools of a few modules exhaust. It also installs a SIGSEGV handler that competes with ASan's. The
//                cost is a few % on memory-heavy loops ("showed no clear gain" in the prototype, DECISIONS.md).
//                V8 10.2 has no flag for it: it is used only if the embedder calls
//                V8::EnableWebAssemblyTrapHandler(), which we never do.
//  --wasm-max-mem-pages=N   Process-wide ceiling for any one memory (EngineOptions::max_memory_pages); per-module
//                caps come from the loader's rewritten memory maximum. Without the trap handler V8 reserves the
//                declared maximum up front, so memory.grow can happen in place (Instance::memory() re-reads the
//                buffer after a grow either way).
//  --wasm-max-table-size=N  Same for tables (EngineOptions::max_table_entries).
//  --stack-size  default (984 KiB of V8 stack below the point where the thread enters the isolate): unbounded
//                recursion ends in RangeError ("Maximum call stack size exceeded"), reported as a Trap.
//  tiering: default (Liftoff first, TurboFan after dynamic tier-up). The NativeModule is shared by every isolate,
//                so tier-up done by one thread benefits all.
#include <v8.h>
#include <libplatform/libplatform.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "wasm/engine.h"
#include "wasm/v8/core.h"
#include "wasm/instrumentation.h"
#include "wasm/v8/memory_snapshot.h"
#include "wasm/v8/module_info.h"
#include "wasm/v8/watchdog.h"

namespace aegis::wasm {

namespace v8impl {
namespace {

using Clock = std::chrono::steady_clock;

std::string to_utf8(v8::Isolate* iso, v8::Local<v8::Value> v) {
  if (v.IsEmpty()) return {};
  v8::String::Utf8Value s(iso, v);
  return *s ? std::string(*s, s.length()) : std::string();
}

v8::Local<v8::String> str(v8::Isolate* iso, std::string_view s) {
  return v8::String::NewFromUtf8(iso, s.data(), v8::NewStringType::kNormal, static_cast<int>(s.size()))
      .ToLocalChecked();
}

// V8 allocates every wasm memory through the same page allocator (mmap MAP_PRIVATE|MAP_ANONYMOUS), so checking
// the first one is enough: -1 unknown, 0 no, 1 yes.
bool wasm_memory_is_private_anonymous(const void* addr) {
  static std::atomic<int> known{-1};
  int v = known.load(std::memory_order_relaxed);
  if (v < 0) {
    v = is_private_anonymous(addr) ? 1 : 0;
    known.store(v, std::memory_order_relaxed);
  }
  return v == 1;
}

// ---------------------------------------------------------------------------------------------------------------
}  // namespace

class ModuleCore {
 public:
  ModuleCore(v8::CompiledWasmModule compiled, ModuleInfo info, std::size_t wire_size, uint64_t id)
      : compiled_(std::move(compiled)), info_(std::move(info)), wire_size_(wire_size), id_(id) {}
  std::size_t wire_size() const { return wire_size_; }
  // Expires when the module is destroyed; lets per-isolate caches notice without owning the module.
  std::weak_ptr<const int> liveness() const { return alive_; }
  const v8::CompiledWasmModule& compiled() const { return compiled_; }
  const ModuleInfo& info() const { return info_; }
  uint64_t id() const { return id_; }

 private:
  v8::CompiledWasmModule compiled_;
  ModuleInfo info_;
  std::size_t wire_size_;
  uint64_t id_;
  std::shared_ptr<const int> alive_ = std::make_shared<const int>(0);
};

namespace {

// ---------------------------------------------------------------------------------------------------------------
// One isolate + context. Shared (shared_ptr) by the Runtime and its Instances so the isolate outlives every handle
// into it, whatever order the owner destroys them in.
class IsolateCore {
 public:
  IsolateCore() {
    allocator_.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
    v8::Isolate::CreateParams params;
    params.array_buffer_allocator = allocator_.get();
    isolate_ = v8::Isolate::New(params);
    isolate_->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
    v8::Isolate::Scope is(isolate_);
    v8::HandleScope hs(isolate_);
    v8::Local<v8::Context> ctx = v8::Context::New(isolate_);
    v8::Context::Scope cs(ctx);
    context_.Reset(isolate_, ctx);
    v8::Local<v8::Value> wasm_ns, ctor;
    if (ctx->Global()->Get(ctx, str(isolate_, "WebAssembly")).ToLocal(&wasm_ns) && wasm_ns->IsObject() &&
        wasm_ns.As<v8::Object>()->Get(ctx, str(isolate_, "Instance")).ToLocal(&ctor) && ctor->IsFunction())
      instance_ctor_.Reset(isolate_, ctor.As<v8::Function>());
  }

  // Stays entered on its thread between operations when no other isolate is entered there (the first runtime of
  // a thread; with several — e.g. the edge, WAF and bot runners of one worker — the others enter per operation):
  // entering an isolate that is already the thread's current one is a counter increment, while entering it afresh
  // looks the thread up in V8's table under a lock and pushes an entry — per call. Must be called on the thread
  // that uses the isolate (Runtime contract); left again in the destructor.
  void stay_entered() {
    if (v8::Isolate::GetCurrent() != nullptr) return;
    isolate_->Enter();
    stays_entered_ = true;
  }

  ~IsolateCore() {
    watchdog_.reset();  // joins; no TerminateExecution after this
    for (auto& [id, entry] : modules_) entry.object.Reset();
    instance_ctor_.Reset();
    context_.Reset();
    if (stays_entered_) {
      // Only the thread's current isolate can be left without corrupting its stack of entered isolates. Another
      // one is current only if this core dies inside an operation of another isolate: leak it (below) then.
      if (v8::Isolate::GetCurrent() == isolate_) isolate_->Exit();
    }
    // Disposing an entered isolate aborts the process. Apart from staying entered (left above) we only enter it
    // for the duration of one operation, so this can only happen if the owner destroys the Runtime from inside a
    // host call; leak it rather than abort.
    if (isolate_->IsInUse()) {
      std::fprintf(stderr, "aegis wasm: runtime destroyed while its isolate is in use; leaking the isolate\n");
      return;
    }
    isolate_->Dispose();
  }

  v8::Isolate* isolate() const { return isolate_; }
  v8::Local<v8::Context> context() const { return context_.Get(isolate_); }
  v8::Local<v8::Function> instance_ctor() const { return instance_ctor_.Get(isolate_); }
  bool ready() const { return !instance_ctor_.IsEmpty(); }

  Watchdog& watchdog() {
    if (!watchdog_) watchdog_ = std::make_unique<Watchdog>([iso = isolate_] { iso->TerminateExecution(); });
    return *watchdog_;
  }

  // Per-isolate WasmModuleObject for a shared compiled module (FromCompiledModule costs ~30 µs: do it once).
  v8::MaybeLocal<v8::WasmModuleObject> module_object(const ModuleCore& m) {
    auto it = modules_.find(m.id());
    if (it != modules_.end()) return it->second.object.Get(isolate_);
    // Miss: forget modules that were dropped everywhere else.
    std::erase_if(modules_, [](auto& kv) { return kv.second.module.expired(); });
    v8::Local<v8::WasmModuleObject> obj;
    if (!v8::WasmModuleObject::FromCompiledModule(isolate_, m.compiled()).ToLocal(&obj)) return {};
    auto& e = modules_[m.id()];
    e.module = m.liveness();
    e.object.Reset(isolate_, obj);
    return obj;
  }

  int depth = 0;  // nesting of calls into wasm (a host function may call another instance)

 private:
  struct ModuleEntry {
    std::weak_ptr<const int> module;
    v8::Global<v8::WasmModuleObject> object;
  };
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
  v8::Isolate* isolate_ = nullptr;
  v8::Global<v8::Context> context_;
  v8::Global<v8::Function> instance_ctor_;
  std::unique_ptr<Watchdog> watchdog_;
  std::unordered_map<uint64_t, ModuleEntry> modules_;
  bool stays_entered_ = false;
};

// Enters the isolate and its context for one operation.
struct Enter {
  explicit Enter(IsolateCore& c) : is(c.isolate()), hs(c.isolate()), ctx(c.context()), cs(ctx) {}
  v8::Isolate::Scope is;
  v8::HandleScope hs;
  v8::Local<v8::Context> ctx;
  v8::Context::Scope cs;
};

}  // namespace
class InstanceCore;
namespace {

struct Binding {
  HostCallback callback;
  void* fn_data;
  FuncType type;
  InstanceCore* owner;
};

struct Export {
  v8::Global<v8::Function> fn;
  FuncType type;
};

constexpr std::size_t kInlineVals = 16;

// The value of a small integer (V8 Smi) without a call into V8 — what wasm hands a host function for an i32 that
// fits (every i32 without pointer compression). Reads the tagged slot exactly as V8's own inline accessors
// (Value::IsUndefined, ReturnValue::Set) do. False for anything else (a heap number: use the V8 API then).
inline bool small_int_value(v8::Local<v8::Value> v, int32_t* out) {
  using A = v8::internal::Address;
  using I = v8::internal::Internals;
  const A obj = *reinterpret_cast<const A*>(*v);
  if (I::HasHeapObjectTag(obj)) return false;
  *out = I::SmiValue(obj);
  return true;
}

// Uninitialised room for a host call's arguments and results (the trampoline constructs the ones it uses).
union ValSlots {
  ValSlots() {}
  Val v[kInlineVals];
};

// ---------------------------------------------------------------------------------------------------------------
}  // namespace

class InstanceCore {
 public:
  // Holds no reference to the CompiledModule (V8 keeps the code alive for as long as the instance exists), so a
  // module dropped by its owner is seen as expired by the instance pool even while pooled instances remain.
  InstanceCore(std::shared_ptr<IsolateCore> core, Caller* caller) : core_(std::move(core)), caller_(caller) {}

  ~InstanceCore() {
    exports_.clear();
    memory_object_.Reset();
    buffer_.Reset();
    instance_.Reset();
  }

  // Builds the imports object, runs `new WebAssembly.Instance(module, imports)` (and so the start function) under
  // the deadline, and caches the exports.
  bool init(const ModuleCore& module, std::span<const HostFunction> imports, const CallOptions& start_options,
            std::string* error) {
    v8::Isolate* iso = core_->isolate();
    Enter e(*core_);
    v8::Local<v8::WasmModuleObject> mod;
    if (!core_->module_object(module).ToLocal(&mod)) return fail(error, "cannot materialise the module in this isolate");

    const ModuleInfo& info = module.info();
    mutable_globals_ = info.mutable_globals;
    defines_memory_ = info.defines_memory;
    v8::Local<v8::Object> imports_obj = v8::Object::New(iso);
    for (const ImportInfo& imp : info.function_imports) {
      const HostFunction* hf = nullptr;
      for (const HostFunction& h : imports)
        if (h.module == imp.module && h.name == imp.name) { hf = &h; break; }
      if (!hf || !hf->callback) return fail(error, "unresolved import " + imp.module + "." + imp.name);
      if (!imp.supported || hf->type != imp.type)
        return fail(error, "import " + imp.module + "." + imp.name + " has a different signature than the host function");
      bindings_.push_back(std::make_unique<Binding>(Binding{hf->callback, hf->fn_data, hf->type, this}));
      v8::Local<v8::Function> fn;
      if (!v8::Function::New(e.ctx, &InstanceCore::trampoline, v8::External::New(iso, bindings_.back().get()),
                             static_cast<int>(hf->type.params.size()), v8::ConstructorBehavior::kThrow)
               .ToLocal(&fn))
        return fail(error, "cannot create host function " + imp.name);
      v8::Local<v8::String> mkey = str(iso, imp.module);
      v8::Local<v8::Value> ns;
      if (!imports_obj->Get(e.ctx, mkey).ToLocal(&ns) || !ns->IsObject()) {
        ns = v8::Object::New(iso);
        imports_obj->Set(e.ctx, mkey, ns).Check();
      }
      ns.As<v8::Object>()->Set(e.ctx, str(iso, imp.name), fn).Check();
    }

    v8::Local<v8::Value> argv[2] = {mod, imports_obj};
    v8::Local<v8::Object> inst;
    CallOutcome out = run(start_options, Clock::now(), [&](v8::Local<v8::Context> ctx) -> v8::MaybeLocal<v8::Value> {
      v8::Local<v8::Object> o;
      if (!core_->instance_ctor()->NewInstance(ctx, 2, argv).ToLocal(&o)) return {};
      inst = o;
      return o;
    });
    if (out.status != CallStatus::Ok) {
      const char* what = out.status == CallStatus::Timeout ? "start function timed out"
                         : out.status == CallStatus::HostExit ? "start function exited"
                                                               : "instantiation failed";
      return fail(error, std::string(what) + (out.message.empty() ? "" : ": " + out.message));
    }
    instance_.Reset(iso, inst);

    v8::Local<v8::Value> exports_v;
    if (!inst->Get(e.ctx, str(iso, "exports")).ToLocal(&exports_v) || !exports_v->IsObject())
      return fail(error, "instance has no exports object");
    auto exports_obj = exports_v.As<v8::Object>();
    for (const auto& [name, type] : info.function_exports) {
      v8::Local<v8::Value> f;
      if (exports_obj->Get(e.ctx, str(iso, name)).ToLocal(&f) && f->IsFunction())
        exports_.emplace(name, Export{v8::Global<v8::Function>(iso, f.As<v8::Function>()), type});
    }
    if (info.memory_exported) {
      v8::Local<v8::Value> m;
      if (exports_obj->Get(e.ctx, str(iso, "memory")).ToLocal(&m) && m->IsWasmMemoryObject()) {
        memory_object_.Reset(iso, m.As<v8::WasmMemoryObject>());
        refresh_memory(m.As<v8::WasmMemoryObject>()->Buffer());
      }
    }
    return true;
  }

  bool has_function(std::string_view name) const { return find_export(name) != nullptr; }

  CallOutcome call(std::string_view name, std::span<const Val> args, std::span<Val> results,
                   const CallOptions& options) {
    auto t0 = Clock::now();
    CallOutcome out;
    const Export* it = find_export(name);
    if (!it) {
      out.status = CallStatus::NotFound;
      out.message = "no exported function " + std::string(name);
      return out;
    }
    const FuncType& type = it->type;
    bool sig_ok = args.size() == type.params.size() && results.size() >= type.results.size();
    for (std::size_t i = 0; sig_ok && i < args.size(); ++i) sig_ok = args[i].type == type.params[i];
    if (!sig_ok) {
      out.status = CallStatus::NotFound;
      out.message = "signature mismatch calling " + std::string(name);
      return out;
    }
    v8::Isolate* iso = core_->isolate();
    Enter e(*core_);
    v8::Local<v8::Value> inline_argv[kInlineVals];
    std::vector<v8::Local<v8::Value>> heap_argv;
    v8::Local<v8::Value>* argv = inline_argv;
    if (args.size() > kInlineVals) {
      heap_argv.resize(args.size());
      argv = heap_argv.data();
    }
    for (std::size_t i = 0; i < args.size(); ++i) argv[i] = to_v8(iso, args[i]);
    v8::Local<v8::Function> fn = it->fn.Get(iso);
    v8::Local<v8::Value> ret;
    out = run(options, t0, [&](v8::Local<v8::Context> ctx) -> v8::MaybeLocal<v8::Value> {
      v8::MaybeLocal<v8::Value> r = fn->Call(ctx, v8::Undefined(iso), static_cast<int>(args.size()), argv);
      if (!r.IsEmpty()) ret = r.ToLocalChecked();
      return r;
    });
    if (out.status == CallStatus::Ok && !type.results.empty()) {
      if (type.results.size() == 1) {
        if (!from_v8(e.ctx, ret, type.results[0], &results[0])) out = engine_error("bad result value");
      } else {
        auto arr = ret.As<v8::Array>();
        for (std::size_t i = 0; i < type.results.size() && out.status == CallStatus::Ok; ++i) {
          v8::Local<v8::Value> v;
          if (!arr->Get(e.ctx, static_cast<uint32_t>(i)).ToLocal(&v) || !from_v8(e.ctx, v, type.results[i], &results[i]))
            out = engine_error("bad result value");
        }
      }
    }
    if (!memory_object_.IsEmpty()) current_memory();  // the guest may have grown it: keep memory() current
    out.wall = Clock::now() - t0;
    return out;
  }

  // Only guest code grows memory, so between calls the span refreshed at the end of the last call() is current;
  // during a call (a host function asking) the guest may just have grown it, so the buffer is checked (the
  // isolate is entered and the host call's handle scope is open).
  std::span<uint8_t> memory() {
    if (memory_object_.IsEmpty()) return {};
    if (core_->depth > 0) return current_memory();
    return {mem_base_, mem_size_};
  }

  bool capture() {
    bool has_globals_fns = has_function(inject::kGlobalsSave) && has_function(inject::kGlobalsRestore);
    if (mutable_globals_ > 0 && !has_globals_fns) return false;
    if (defines_memory_ && memory_object_.IsEmpty()) return false;  // memory not exported: cannot snapshot
    if (has_globals_fns && call(inject::kGlobalsSave, {}, {}, {}).status != CallStatus::Ok) return false;
    resettable_globals_ = has_globals_fns;
    std::span<uint8_t> mem = memory();
    snapshot_.capture(mem, !mem.empty() && wasm_memory_is_private_anonymous(mem.data()));
    return true;
  }

  bool restore() {
    if (!restore_memory()) return false;
    if (resettable_globals_ && call(inject::kGlobalsRestore, {}, {}, {}).status != CallStatus::Ok) return false;
    return true;
  }

  bool restore_memory() {
    if (!snapshot_.captured()) return false;
    if (!memory_object_.IsEmpty() && !snapshot_.restore(memory())) return false;  // grew since capture
    return true;
  }

  // For the Caller handed to host functions (memory() above serves Caller::memory too).
  void* user_data() { return user_data_; }
  void exit(int32_t code, std::string_view message) {
    exit_requested_ = true;
    exit_code_ = code;
    exit_message_.assign(message);
  }

 private:
  // The export of that name, or nullptr. The runner asks for the same one or two names (the entry wrapper) on
  // every invocation: the last hit is compared before hashing. (exports_ is not modified after init().)
  const Export* find_export(std::string_view name) const {
    if (last_export_ && last_export_name_ == name) return last_export_;
    auto it = exports_.find(name);
    if (it == exports_.end()) return nullptr;
    last_export_name_ = it->first;
    last_export_ = &it->second;
    return last_export_;
  }

  // Isolate entered, handle scope open.
  std::span<uint8_t> current_memory() {
    if (memory_object_.IsEmpty()) return {};
    v8::Local<v8::ArrayBuffer> buf = buffer_.Get(core_->isolate());
    if (buf->WasDetached()) refresh_memory(memory_object_.Get(core_->isolate())->Buffer());  // memory.grow
    return {mem_base_, mem_size_};
  }

  void refresh_memory(v8::Local<v8::ArrayBuffer> buf) {
    buffer_.Reset(core_->isolate(), buf);
    mem_base_ = static_cast<uint8_t*>(buf->Data());
    mem_size_ = buf->ByteLength();
  }

  static bool fail(std::string* error, std::string msg) {
    if (error) *error = std::move(msg);
    return false;
  }
  static CallOutcome engine_error(std::string msg) {
    CallOutcome o;
    o.status = CallStatus::EngineError;
    o.message = std::move(msg);
    return o;
  }

  static v8::Local<v8::Value> to_v8(v8::Isolate* iso, const Val& v) {
    switch (v.type) {
      case ValType::I32: return v8::Integer::New(iso, v.i32);
      case ValType::I64: return v8::BigInt::New(iso, v.i64);
      case ValType::F32: return v8::Number::New(iso, v.f32);
      case ValType::F64: return v8::Number::New(iso, v.f64);
    }
    return v8::Undefined(iso);
  }

  static bool from_v8(v8::Local<v8::Context> ctx, v8::Local<v8::Value> v, ValType t, Val* out) {
    switch (t) {
      case ValType::I32:
        if (v->IsInt32()) { *out = Val::I32(v.As<v8::Int32>()->Value()); return true; }
        { int32_t x; if (!v->Int32Value(ctx).To(&x)) return false; *out = Val::I32(x); return true; }
      case ValType::I64:
        if (v->IsBigInt()) { *out = Val::I64(v.As<v8::BigInt>()->Int64Value()); return true; }
        return false;
      case ValType::F32:
        if (v->IsNumber()) { *out = Val::F32(static_cast<float>(v.As<v8::Number>()->Value())); return true; }
        return false;
      case ValType::F64:
        if (v->IsNumber()) { *out = Val::F64(v.As<v8::Number>()->Value()); return true; }
        return false;
    }
    return false;
  }

  // Runs `body` (which enters wasm) with the deadline armed and classifies how it ended. Isolate entered.
  template <class Body>
  CallOutcome run(const CallOptions& options, Clock::time_point start, Body&& body) {
    v8::Isolate* iso = core_->isolate();
    v8::Local<v8::Context> ctx = core_->context();
    CallOutcome out;
    // Per-invocation state (saved for re-entrant use from a host function).
    void* saved_user_data = user_data_;
    bool saved_exit = exit_requested_;
    bool saved_host_error = host_error_;
    user_data_ = options.user_data;
    exit_requested_ = false;
    host_error_ = false;

    const bool outer = core_->depth == 0;
    const bool timed = outer && options.deadline.count() > 0;
    if (timed) core_->watchdog().arm(start + options.deadline);
    ++core_->depth;
    bool ok, terminated;
    v8::Local<v8::Value> exception;
    {
      v8::TryCatch tc(iso);
      ok = !body(ctx).IsEmpty();
      terminated = tc.HasTerminated();
      if (!ok && !terminated) exception = tc.Exception();
      --core_->depth;
      bool fired = timed && core_->watchdog().disarm();
      // The only sources of TerminateExecution are the watchdog (fired) and Caller::exit. Cancel whatever is
      // pending so that it cannot reach a later call — the interrupt may have been raised after the guest returned.
      if (outer && (fired || terminated || exit_requested_ || host_error_ || iso->IsExecutionTerminating()))
        iso->CancelTerminateExecution();

      if (exit_requested_) {
        out.status = CallStatus::HostExit;
        out.exit_code = exit_code_;
        out.message = exit_message_;
      } else if (host_error_) {
        out = engine_error(exit_message_);
      } else if (terminated) {
        if (fired) {
          out.status = CallStatus::Timeout;
          out.message = "deadline exceeded";
        } else {
          out = engine_error("execution terminated");
        }
      } else if (!ok) {
        out.status = CallStatus::Trap;
        out.message = exception.IsEmpty() ? std::string("exception") : to_utf8(iso, exception);
      }
    }
    user_data_ = saved_user_data;
    exit_requested_ = saved_exit;
    host_error_ = saved_host_error;
    return out;
  }

  // wasm → host. Converts the arguments to Val, calls the HostFunction, converts the results back.
  static void trampoline(const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto* b = static_cast<Binding*>(info.Data().As<v8::External>()->Value());
    InstanceCore* self = b->owner;
    v8::Isolate* iso = info.GetIsolate();
    if (self->exit_requested_ || self->host_error_) {  // guest swallowed the unwind (wasm catch_all): keep failing
      stop_guest(iso);
      return;
    }
    const FuncType& type = b->type;
    ValSlots slots;
    std::vector<Val> heap_vals;
    Val* vals = slots.v;
    const std::size_t n_params = type.params.size(), n_results = type.results.size();
    if (n_params + n_results > kInlineVals) {
      heap_vals.resize(n_params + n_results);
      vals = heap_vals.data();
    }
    Val* args = vals;
    Val* results = vals + n_params;
    // Wasm hands i32 arguments over as small integers (read in place); otherwise V8 converts, with the context
    // fetched only then.
    for (std::size_t i = 0; i < n_params; ++i) {
      v8::Local<v8::Value> a = info[static_cast<int>(i)];
      switch (type.params[i]) {
        case ValType::I32: {
          int32_t x;
          if (!small_int_value(a, &x))
            x = a->IsInt32() ? a.As<v8::Int32>()->Value() : a->Int32Value(iso->GetCurrentContext()).FromMaybe(0);
          new (&args[i]) Val(Val::I32(x));
          break;
        }
        case ValType::I64:
          new (&args[i]) Val(Val::I64(a->IsBigInt() ? a.As<v8::BigInt>()->Int64Value() : 0));
          break;
        case ValType::F32:
          new (&args[i]) Val(Val::F32(static_cast<float>(
              a->IsNumber() ? a.As<v8::Number>()->Value() : a->NumberValue(iso->GetCurrentContext()).FromMaybe(0))));
          break;
        case ValType::F64:
          new (&args[i]) Val(Val::F64(a->IsNumber() ? a.As<v8::Number>()->Value()
                                                    : a->NumberValue(iso->GetCurrentContext()).FromMaybe(0)));
          break;
      }
    }
    for (std::size_t i = 0; i < n_results; ++i) {
      new (&results[i]) Val();
      results[i].type = type.results[i];
    }
    try {
      b->callback(*self->caller_, args, results, b->fn_data);
    } catch (const std::exception& ex) {
      self->host_error_ = true;
      self->exit_message_ = std::string("host function threw: ") + ex.what();
    } catch (...) {
      self->host_error_ = true;
      self->exit_message_ = "host function threw";
    }
    if (self->exit_requested_ || self->host_error_) {
      stop_guest(iso);
      return;
    }
    if (n_results == 0) return;
    if (n_results == 1) {
      if (results[0].type == ValType::I32)
        info.GetReturnValue().Set(results[0].i32);  // a small integer is stored without a handle
      else
        info.GetReturnValue().Set(to_v8(iso, results[0]));
      return;
    }
    v8::Local<v8::Value> inline_out[kInlineVals];
    std::vector<v8::Local<v8::Value>> heap_out;
    v8::Local<v8::Value>* outv = inline_out;
    if (type.results.size() > kInlineVals) {
      heap_out.resize(type.results.size());
      outv = heap_out.data();
    }
    for (std::size_t i = 0; i < type.results.size(); ++i) outv[i] = to_v8(iso, results[i]);
    info.GetReturnValue().Set(v8::Array::New(iso, outv, type.results.size()));
  }

  // Unwinds the guest now (exception) and, should wasm exception handling catch that, at its next function entry
  // or loop header (termination cannot be caught). run() cancels the termination afterwards.
  static void stop_guest(v8::Isolate* iso) {
    iso->TerminateExecution();
    iso->ThrowException(v8::Exception::Error(str(iso, "aegis: host exit")));
  }

  std::shared_ptr<IsolateCore> core_;
  Caller* caller_;
  uint32_t mutable_globals_ = 0;
  bool defines_memory_ = false;
  v8::Global<v8::Object> instance_;
  std::unordered_map<std::string, Export, StringHash, std::equal_to<>> exports_;
  mutable std::string_view last_export_name_;  // key of last_export_ in exports_
  mutable const Export* last_export_ = nullptr;
  std::vector<std::unique_ptr<Binding>> bindings_;
  v8::Global<v8::WasmMemoryObject> memory_object_;
  v8::Global<v8::ArrayBuffer> buffer_;
  uint8_t* mem_base_ = nullptr;
  std::size_t mem_size_ = 0;

  void* user_data_ = nullptr;
  bool exit_requested_ = false;
  bool host_error_ = false;
  int32_t exit_code_ = 0;
  std::string exit_message_;

  MemorySnapshot snapshot_;
  bool resettable_globals_ = false;
};

// ---------------------------------------------------------------------------------------------------------------
class RuntimeCore {
 public:
  RuntimeCore() : core_(std::make_shared<IsolateCore>()) { core_->stay_entered(); }
  InstanceCore* instantiate(const ModuleCore& module, Caller* caller, std::span<const HostFunction> imports,
                            const CallOptions& start_options, std::string* error) {
    if (!core_->ready()) {
      if (error) *error = "WebAssembly is not available in this isolate";
      return nullptr;
    }
    auto inst = std::make_unique<InstanceCore>(core_, caller);
    if (!inst->init(module, imports, start_options, error)) return nullptr;
    return inst.release();
  }

 private:
  std::shared_ptr<IsolateCore> core_;
};

// ---------------------------------------------------------------------------------------------------------------
class EngineCore {
 public:
  explicit EngineCore(const EngineOptions& options) {
    std::string flags = "--wasm-max-mem-pages=" + std::to_string(options.max_memory_pages) +
                        " --wasm-max-table-size=" + std::to_string(options.max_table_entries);
    v8::V8::SetFlagsFromString(flags.c_str(), flags.size());
    v8::V8::InitializeICU();
    platform_ = v8::platform::NewDefaultPlatform();
    v8::V8::InitializePlatform(platform_.get());
    v8::V8::Initialize();

    allocator_.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
    v8::Isolate::CreateParams params;
    params.array_buffer_allocator = allocator_.get();
    compile_isolate_ = v8::Isolate::New(params);
    v8::Locker lock(compile_isolate_);
    v8::Isolate::Scope is(compile_isolate_);
    v8::HandleScope hs(compile_isolate_);
    compile_context_.Reset(compile_isolate_, v8::Context::New(compile_isolate_));
  }
  // Lives until process exit (never destroyed: worker threads may still use it while statics are torn down).

  // Thread-safe: one shared compile isolate under a lock. The result is shared by every thread's isolate.
  ModuleCore* compile(std::span<const uint8_t> wasm, std::string* error) {
    std::string info_error;
    std::optional<ModuleInfo> info = read_module_info(wasm, &info_error);
    if (!info) {
      if (error) *error = info_error;
      return nullptr;
    }
    std::lock_guard guard(compile_mu_);
    v8::Locker lock(compile_isolate_);
    v8::Isolate::Scope is(compile_isolate_);
    v8::HandleScope hs(compile_isolate_);
    v8::Local<v8::Context> ctx = compile_context_.Get(compile_isolate_);
    v8::Context::Scope cs(ctx);
    v8::TryCatch tc(compile_isolate_);
    v8::Local<v8::WasmModuleObject> mod;
    if (!v8::WasmModuleObject::Compile(compile_isolate_, v8::MemorySpan<const uint8_t>(wasm.data(), wasm.size()))
             .ToLocal(&mod)) {
      if (error) *error = tc.HasCaught() ? to_utf8(compile_isolate_, tc.Exception()) : "compile failed";
      return nullptr;
    }
    return new ModuleCore(mod->GetCompiledModule(), std::move(*info), wasm.size(), ++next_id_);
  }

 private:
  std::unique_ptr<v8::Platform> platform_;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
  v8::Isolate* compile_isolate_ = nullptr;
  v8::Global<v8::Context> compile_context_;
  std::mutex compile_mu_;
  uint64_t next_id_ = 0;
};

// ---------------------------------------------------------------------------------------------------------------
EngineCore* create_engine_core(const EngineOptions& options) { return new EngineCore(options); }

ModuleCore* compile_module(EngineCore* engine, std::span<const uint8_t> wasm, std::string* error) {
  return engine->compile(wasm, error);
}
void destroy_module(ModuleCore* module) { delete module; }
std::size_t module_wire_size(const ModuleCore* module) { return module->wire_size(); }

RuntimeCore* create_runtime_core() { return new RuntimeCore(); }
void destroy_runtime(RuntimeCore* runtime) { delete runtime; }

InstanceCore* instantiate(RuntimeCore* runtime, const ModuleCore* module, Caller* caller,
                          std::span<const HostFunction> imports, const CallOptions& start_options, std::string* error) {
  return runtime->instantiate(*module, caller, imports, start_options, error);
}
void destroy_instance(InstanceCore* instance) { delete instance; }
bool instance_has_function(const InstanceCore* instance, std::string_view name) {
  return instance->has_function(name);
}
CallOutcome instance_call(InstanceCore* instance, std::string_view name, std::span<const Val> args,
                          std::span<Val> results, const CallOptions& options) {
  return instance->call(name, args, results, options);
}
std::span<uint8_t> instance_memory(InstanceCore* instance) { return instance->memory(); }
bool instance_capture(InstanceCore* instance) { return instance->capture(); }
bool instance_restore(InstanceCore* instance) { return instance->restore(); }
bool instance_restore_memory(InstanceCore* instance) { return instance->restore_memory(); }
void* instance_user_data(InstanceCore* instance) { return instance->user_data(); }
void instance_exit(InstanceCore* instance, int32_t code, std::string_view message) { instance->exit(code, message); }

}  // namespace v8impl
}  // namespace aegis::wasm
