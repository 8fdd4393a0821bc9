// AEGIS extensions to the edge-function ABI (module "env"): request mutation for the proxy pipeline,
// response-phase reads, and the status of the last outbound call. Same conventions as the reference ABI.
#include <string>

#include "hostapi/host_call.h"
#include "hostapi/text.h"

namespace aegis::hostapi::detail {
namespace {

using wasm::Caller;
using wasm::Val;
using wasm::ValType;
constexpr ValType I32 = ValType::I32;

// Common prologue of the request mutators: context present and request phase.
InvocationContext* mutator_context(Caller& caller, HostCall call) {
  auto* ctx = context_of(caller);
  if (!ctx) return nullptr;
  ctx->count(call);
  if (ctx->phase != Phase::Request) {
    fail(*ctx, call, "the request cannot be changed in the response phase");
    return nullptr;
  }
  return ctx;
}

void host_request_set_method(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = mutator_context(caller, HostCall::RequestSetMethod);
  if (!ctx) return set_i32(results, -1);
  auto m = GuestMemory(caller).string(arg_u32(args, 0), arg_u32(args, 1));
  if (!m) return set_i32(results, fail(*ctx, HostCall::RequestSetMethod, "method out of bounds"));
  if (!text::is_token(*m)) return set_i32(results, fail(*ctx, HostCall::RequestSetMethod, "method is not an HTTP token"));
  ctx->request.method.assign(*m);
  ctx->request_modified.method = true;
  set_i32(results, 0);
}

void host_request_set_uri(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = mutator_context(caller, HostCall::RequestSetUri);
  if (!ctx) return set_i32(results, -1);
  auto u = GuestMemory(caller).string(arg_u32(args, 0), arg_u32(args, 1));
  if (!u) return set_i32(results, fail(*ctx, HostCall::RequestSetUri, "uri out of bounds"));
  if (!text::is_request_target(*u))
    return set_i32(results, fail(*ctx, HostCall::RequestSetUri,
                                 "uri must start with '/' and contain only visible ASCII (percent-encode the rest)"));
  ctx->request.uri.assign(*u);
  ctx->request_modified.uri = true;
  set_i32(results, 0);
}

int32_t request_header_change(Caller& caller, const Val* args, HostCall call, bool add) {
  auto* ctx = mutator_context(caller, call);
  if (!ctx) return -1;
  GuestMemory mem(caller);
  auto name = mem.string(arg_u32(args, 0), arg_u32(args, 1));
  auto value = mem.string(arg_u32(args, 2), arg_u32(args, 3));
  if (!name) return fail(*ctx, call, "name out of bounds");
  if (!value) return fail(*ctx, call, "value out of bounds");
  if (!text::is_token(*name)) return fail(*ctx, call, "name is not an HTTP token");
  if (!text::is_header_value(*value)) return fail(*ctx, call, "value contains CR, LF, NUL or invalid UTF-8");
  ctx->request_modified.headers = true;
  if (ctx->request_headers_deferred()) {
    // Applied (and its name recorded) when the headers are loaded, or by the node as it is.
    ctx->request_header_edits.record(add, *name, *value);
    return 0;
  }
  if (add)
    ctx->request.headers.push_back(Header{std::string(*name), std::string(*value)});
  else
    set_header(ctx->request.headers, *name, *value);
  ctx->changed_request_headers.add(*name);
  return 0;
}

void host_request_set_header(Caller& caller, const Val* args, Val* results, void*) {
  set_i32(results, request_header_change(caller, args, HostCall::RequestSetHeader, false));
}
void host_request_add_header(Caller& caller, const Val* args, Val* results, void*) {
  set_i32(results, request_header_change(caller, args, HostCall::RequestAddHeader, true));
}

void host_request_remove_header(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = mutator_context(caller, HostCall::RequestRemoveHeader);
  if (!ctx) return set_i32(results, -1);
  auto name = GuestMemory(caller).string(arg_u32(args, 0), arg_u32(args, 1));
  if (!name) return set_i32(results, fail(*ctx, HostCall::RequestRemoveHeader, "name out of bounds"));
  if (!text::is_token(*name)) return set_i32(results, fail(*ctx, HostCall::RequestRemoveHeader, "name is not an HTTP token"));
  if (remove_header(ctx->request_headers(), *name) > 0) {
    ctx->request_modified.headers = true;
    ctx->changed_request_headers.add(*name);
  }
  set_i32(results, 0);
}

void host_request_set_body(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = mutator_context(caller, HostCall::RequestSetBody);
  if (!ctx) return set_i32(results, -1);
  auto body = GuestMemory(caller).string(arg_u32(args, 0), arg_u32(args, 1));
  if (!body) return set_i32(results, fail(*ctx, HostCall::RequestSetBody, "body out of bounds"));
  ctx->request.body.assign(*body);
  ctx->request_modified.body = true;
  set_i32(results, 0);
}

void host_response_get_status(Caller& caller, const Val*, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::ResponseGetStatus);
  set_i32(results, ctx->response.status ? *ctx->response.status : -1);
}

void host_response_get_header(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::ResponseGetHeader);
  set_i32(results, header_value_to_shared_buffer(*ctx, caller, args, ctx->response.headers, HostCall::ResponseGetHeader));
}

void host_response_get_header_names(Caller& caller, const Val*, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::ResponseGetHeaderNames);
  set_i32(results, to_shared_buffer(*ctx, header_names_json(ctx->response.headers)));
}

void host_response_get_body(Caller& caller, const Val*, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::ResponseGetBody);
  set_i32(results, to_shared_buffer(*ctx, ctx->response.body));
}

void host_http_get_status(Caller& caller, const Val*, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::HttpGetStatus);
  set_i32(results, ctx->last_http_status);
}

wasm::HostFunction env(const char* name, wasm::FuncType type, wasm::HostCallback cb) {
  return wasm::HostFunction{"env", name, std::move(type), cb, nullptr};
}

}  // namespace

void append_env_extensions(std::vector<wasm::HostFunction>& out) {
  out.push_back(env("request_set_method", sig({I32, I32}, {I32}), host_request_set_method));
  out.push_back(env("request_set_uri", sig({I32, I32}, {I32}), host_request_set_uri));
  out.push_back(env("request_set_header", sig({I32, I32, I32, I32}, {I32}), host_request_set_header));
  out.push_back(env("request_add_header", sig({I32, I32, I32, I32}, {I32}), host_request_add_header));
  out.push_back(env("request_remove_header", sig({I32, I32}, {I32}), host_request_remove_header));
  out.push_back(env("request_set_body", sig({I32, I32}, {I32}), host_request_set_body));
  out.push_back(env("response_get_status", sig({}, {I32}), host_response_get_status));
  out.push_back(env("response_get_header", sig({I32, I32}, {I32}), host_response_get_header));
  out.push_back(env("response_get_header_names", sig({}, {I32}), host_response_get_header_names));
  out.push_back(env("response_get_body", sig({}, {I32}), host_response_get_body));
  out.push_back(env("http_get_status", sig({}, {I32}), host_http_get_status));
}

}  // namespace aegis::hostapi::detail
