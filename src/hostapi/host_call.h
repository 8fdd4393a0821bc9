// Internal plumbing shared by the host-function implementations (env_reference.cpp, env_extensions.cpp,
// wasi.cpp) and the lists in abi.cpp. Not part of the subsystem's contract.
#pragma once

#include <climits>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hostapi/guest_memory.h"
#include "hostapi/invocation.h"
#include "wasm/engine.h"

namespace aegis::hostapi::detail {

inline InvocationContext* context_of(wasm::Caller& caller) {
  return static_cast<InvocationContext*>(caller.user_data());
}
inline uint32_t arg_u32(const wasm::Val* args, int i) { return static_cast<uint32_t>(args[i].i32); }
inline void set_i32(wasm::Val* results, int32_t v) { results[0] = wasm::Val::I32(v); }

// Replace the shared buffer with `data` and return its length (or -1 if it cannot be expressed as an i32).
inline int32_t to_shared_buffer(InvocationContext& ctx, std::string_view data) {
  if (data.size() > static_cast<std::size_t>(INT32_MAX)) return -1;
  ctx.shared_buffer.assign(data);
  return static_cast<int32_t>(data.size());
}

// Record "<function>: <what>" and return -1.
inline int32_t fail(InvocationContext& ctx, HostCall call, std::string_view what) {
  std::string msg(host_call_name(call).substr(host_call_name(call).find('.') + 1));
  msg += ": ";
  msg += what;
  ctx.add_error(std::move(msg));
  return -1;
}

inline wasm::FuncType sig(std::vector<wasm::ValType> params, std::vector<wasm::ValType> results) {
  return wasm::FuncType{std::move(params), std::move(results)};
}

// JSON array of the distinct header names (first spelling, in order), e.g. ["host","user-agent"].
std::string header_names_json(const HeaderList& headers);

// The body of request_get_header / response_get_header: the guest's (name_ptr, name_len) in args[0..1], the value of
// the first header of `headers` with that name (case-insensitive) into the shared buffer. Returns its length, or -1.
int32_t header_value_to_shared_buffer(InvocationContext& ctx, wasm::Caller& caller, const wasm::Val* args,
                                      const HeaderList& headers, HostCall call);

void append_env_log(std::vector<wasm::HostFunction>& out);
void append_env_reference(std::vector<wasm::HostFunction>& out);   // the reference ABI except log
void append_env_extensions(std::vector<wasm::HostFunction>& out);  // AEGIS additions
void append_wasi(std::vector<wasm::HostFunction>& out);

}  // namespace aegis::hostapi::detail
