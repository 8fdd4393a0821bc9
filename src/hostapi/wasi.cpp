// The WASI preview1 subset (module "wasi_snapshot_preview1") that wasm32-wasi toolchains import even for
// modules that do no I/O: stdout/stderr to the invocation's log, the invocation's environment, no arguments,
// proc_exit, clocks, randomness. Results are WASI errno values (0 = success).
#include <openssl/rand.h>

#include <chrono>
#include <cstring>
#include <climits>
#include <string>

#include "hostapi/host_call.h"
#include "hostapi/text.h"

namespace aegis::hostapi::detail {
namespace {

using wasm::Caller;
using wasm::Val;
using wasm::ValType;
constexpr ValType I32 = ValType::I32;
constexpr ValType I64 = ValType::I64;

// WASI errno values used here.
constexpr int32_t kSuccess = 0;
constexpr int32_t kBadf = 8;
constexpr int32_t kFault = 21;
constexpr int32_t kInval = 28;
constexpr int32_t kIo = 29;
constexpr int32_t kSpipe = 70;

constexpr uint8_t kFiletypeCharacterDevice = 2;
constexpr uint64_t kRightFdRead = 1ull << 1;
constexpr uint64_t kRightFdWrite = 1ull << 6;

void count(Caller& caller, HostCall call) {
  if (auto* ctx = context_of(caller)) ctx->count(call);
}

void wasi_fd_write(Caller& caller, const Val* args, Val* results, void*) {
  count(caller, HostCall::WasiFdWrite);
  auto* ctx = context_of(caller);
  const int32_t fd = args[0].i32;
  const uint32_t iovs = arg_u32(args, 1), iovs_len = arg_u32(args, 2), nwritten_ptr = arg_u32(args, 3);
  if (fd != 1 && fd != 2) return set_i32(results, kBadf);
  GuestMemory mem(caller);
  if (!mem.range(iovs, 0) || static_cast<uint64_t>(iovs_len) * 8 > mem.size() - iovs) return set_i32(results, kFault);
  const std::size_t cap = ctx ? ctx->limits.log_max_message_bytes : 0;
  std::string text;
  uint64_t total = 0;
  bool oversize = false;
  for (uint32_t i = 0; i < iovs_len; ++i) {
    const uint32_t base = iovs + i * 8;
    auto buf = mem.load<uint32_t>(base);
    auto len = mem.load<uint32_t>(base + 4);
    auto data = mem.string(*buf, *len);
    if (!data) return set_i32(results, kFault);
    total += *len;
    if (total > static_cast<uint64_t>(INT32_MAX)) return set_i32(results, kInval);
    if (!ctx || oversize) continue;
    if (text.size() + data->size() > cap + 1) {  // +1: a trailing newline does not count against the cap
      oversize = true;
      continue;
    }
    text.append(*data);
  }
  if (!mem.store<uint32_t>(nwritten_ptr, static_cast<uint32_t>(total))) return set_i32(results, kFault);
  if (ctx) {
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (oversize || text.size() > cap) {
      ++ctx->logs_dropped;
      fail(*ctx, HostCall::WasiFdWrite, "write of " + std::to_string(total) + " bytes exceeds the log message limit");
    } else if (!text::valid_utf8(text)) {
      ++ctx->logs_dropped;
      fail(*ctx, HostCall::WasiFdWrite, "output is not valid UTF-8");
    } else if (total > 0) {
      ctx->add_log(fd == 1 ? LogLevel::Info : LogLevel::Error, text);
    }
  }
  set_i32(results, kSuccess);
}

void wasi_fd_close(Caller& caller, const Val* args, Val* results, void*) {
  count(caller, HostCall::WasiFdClose);
  const int32_t fd = args[0].i32;
  set_i32(results, (fd >= 0 && fd <= 2) ? kSuccess : kBadf);
}

void wasi_fd_seek(Caller& caller, const Val* args, Val* results, void*) {
  count(caller, HostCall::WasiFdSeek);
  const int32_t fd = args[0].i32;
  set_i32(results, (fd >= 0 && fd <= 2) ? kSpipe : kBadf);
}

// fdstat { u8 filetype; u16 flags @2; u64 rights_base @8; u64 rights_inheriting @16 } (24 bytes). stdin/out/err
// are character devices without seek/tell rights, so wasi-libc treats them as terminals and line-buffers stdout:
// a printf("...\n") reaches the log when it is made, not only at exit.
void wasi_fd_fdstat_get(Caller& caller, const Val* args, Val* results, void*) {
  count(caller, HostCall::WasiFdFdstatGet);
  const int32_t fd = args[0].i32;
  if (fd < 0 || fd > 2) return set_i32(results, kBadf);
  uint8_t stat[24] = {};
  stat[0] = kFiletypeCharacterDevice;
  const uint64_t rights = fd == 0 ? kRightFdRead : kRightFdWrite;
  std::memcpy(stat + 8, &rights, sizeof rights);
  GuestMemory mem(caller);
  set_i32(results, mem.write(arg_u32(args, 1), stat, sizeof stat) ? kSuccess : kFault);
}

// The environment is the invocation's `environment` ("NAME=value" entries, e.g. a function's configured `env`);
// the argument vector is empty.
void wasi_environ_get(Caller& caller, const Val* args, Val* results, void*) {
  count(caller, HostCall::WasiEnvironGet);
  auto* ctx = context_of(caller);
  if (!ctx || ctx->environment.empty()) return set_i32(results, kSuccess);
  GuestMemory mem(caller);
  uint32_t ptrs = arg_u32(args, 0), buf = arg_u32(args, 1);
  for (const auto& e : ctx->environment) {
    if (!mem.store<uint32_t>(ptrs, buf)) return set_i32(results, kFault);
    if (!mem.write(buf, e.c_str(), static_cast<uint32_t>(e.size() + 1))) return set_i32(results, kFault);
    ptrs += 4;
    buf += static_cast<uint32_t>(e.size() + 1);
  }
  set_i32(results, kSuccess);
}
void wasi_args_get(Caller& caller, const Val*, Val* results, void*) {
  count(caller, HostCall::WasiArgsGet);
  set_i32(results, kSuccess);
}
int32_t store_two_zeros(Caller& caller, const Val* args) {
  GuestMemory mem(caller);
  if (!mem.range(arg_u32(args, 0), 4) || !mem.range(arg_u32(args, 1), 4)) return kFault;
  mem.store<uint32_t>(arg_u32(args, 0), 0);
  mem.store<uint32_t>(arg_u32(args, 1), 0);
  return kSuccess;
}
void wasi_environ_sizes_get(Caller& caller, const Val* args, Val* results, void*) {
  count(caller, HostCall::WasiEnvironSizesGet);
  auto* ctx = context_of(caller);
  if (!ctx || ctx->environment.empty()) return set_i32(results, store_two_zeros(caller, args));
  uint64_t bytes = 0;
  for (const auto& e : ctx->environment) bytes += e.size() + 1;
  if (bytes > UINT32_MAX) return set_i32(results, kInval);
  GuestMemory mem(caller);
  if (!mem.range(arg_u32(args, 0), 4) || !mem.range(arg_u32(args, 1), 4)) return set_i32(results, kFault);
  mem.store<uint32_t>(arg_u32(args, 0), static_cast<uint32_t>(ctx->environment.size()));
  mem.store<uint32_t>(arg_u32(args, 1), static_cast<uint32_t>(bytes));
  set_i32(results, kSuccess);
}
void wasi_args_sizes_get(Caller& caller, const Val* args, Val* results, void*) {
  count(caller, HostCall::WasiArgsSizesGet);
  set_i32(results, store_two_zeros(caller, args));
}

void wasi_proc_exit(Caller& caller, const Val* args, Val*, void*) {
  count(caller, HostCall::WasiProcExit);
  const int32_t code = args[0].i32;
  if (auto* ctx = context_of(caller)) ctx->exit_code = code;
  caller.exit(code, "proc_exit(" + std::to_string(code) + ")");
}

enum : int32_t { kClockRealtime = 0, kClockMonotonic = 1 };

void wasi_clock_time_get(Caller& caller, const Val* args, Val* results, void*) {
  count(caller, HostCall::WasiClockTimeGet);
  const int32_t id = args[0].i32;  // args[1]: precision (i64), a hint
  uint64_t ns;
  if (id == kClockRealtime) {
    ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  } else if (id == kClockMonotonic) {
    ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
  } else {
    return set_i32(results, kInval);
  }
  GuestMemory mem(caller);
  set_i32(results, mem.store<uint64_t>(arg_u32(args, 2), ns) ? kSuccess : kFault);
}

void wasi_clock_res_get(Caller& caller, const Val* args, Val* results, void*) {
  count(caller, HostCall::WasiClockResGet);
  const int32_t id = args[0].i32;
  if (id != kClockRealtime && id != kClockMonotonic) return set_i32(results, kInval);
  GuestMemory mem(caller);
  set_i32(results, mem.store<uint64_t>(arg_u32(args, 1), 1) ? kSuccess : kFault);
}

void wasi_random_get(Caller& caller, const Val* args, Val* results, void*) {
  count(caller, HostCall::WasiRandomGet);
  auto buf = GuestMemory(caller).range(arg_u32(args, 0), arg_u32(args, 1));
  if (!buf) return set_i32(results, kFault);
  uint8_t* p = buf->data();
  std::size_t left = buf->size();
  while (left > 0) {
    const int chunk = static_cast<int>(left > (1u << 20) ? (1u << 20) : left);
    if (RAND_bytes(p, chunk) != 1) return set_i32(results, kIo);
    p += chunk;
    left -= static_cast<std::size_t>(chunk);
  }
  set_i32(results, kSuccess);
}

void wasi_sched_yield(Caller& caller, const Val*, Val* results, void*) {
  count(caller, HostCall::WasiSchedYield);
  set_i32(results, kSuccess);
}

wasm::HostFunction wasi(const char* name, wasm::FuncType type, wasm::HostCallback cb) {
  return wasm::HostFunction{"wasi_snapshot_preview1", name, std::move(type), cb, nullptr};
}

}  // namespace

void append_wasi(std::vector<wasm::HostFunction>& out) {
  out.push_back(wasi("fd_write", sig({I32, I32, I32, I32}, {I32}), wasi_fd_write));
  out.push_back(wasi("fd_close", sig({I32}, {I32}), wasi_fd_close));
  out.push_back(wasi("fd_seek", sig({I32, I64, I32, I32}, {I32}), wasi_fd_seek));
  out.push_back(wasi("fd_fdstat_get", sig({I32, I32}, {I32}), wasi_fd_fdstat_get));
  out.push_back(wasi("environ_get", sig({I32, I32}, {I32}), wasi_environ_get));
  out.push_back(wasi("environ_sizes_get", sig({I32, I32}, {I32}), wasi_environ_sizes_get));
  out.push_back(wasi("args_get", sig({I32, I32}, {I32}), wasi_args_get));
  out.push_back(wasi("args_sizes_get", sig({I32, I32}, {I32}), wasi_args_sizes_get));
  out.push_back(wasi("proc_exit", sig({I32}, {}), wasi_proc_exit));
  out.push_back(wasi("clock_time_get", sig({I32, I64, I32}, {I32}), wasi_clock_time_get));
  out.push_back(wasi("clock_res_get", sig({I32, I32}, {I32}), wasi_clock_res_get));
  out.push_back(wasi("random_get", sig({I32, I32}, {I32}), wasi_random_get));
  out.push_back(wasi("sched_yield", sig({}, {I32}), wasi_sched_yield));
}

}  // namespace aegis::hostapi::detail
