// The reference edge-function ABI (module "env"), exactly as HOST-ABI.md specifies it.
#include <string>

#include "hostapi/host_call.h"
#include "hostapi/http_fetcher.h"
#include "hostapi/kv_store.h"
#include "hostapi/text.h"

namespace aegis::hostapi::detail {
namespace {

using wasm::Caller;
using wasm::Val;
using wasm::ValType;
constexpr ValType I32 = ValType::I32;

// ---- log ----
void host_log(Caller& caller, const Val* args, Val*, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return;
  ctx->count(HostCall::Log);
  auto msg = GuestMemory(caller).string(arg_u32(args, 0), arg_u32(args, 1));
  if (!msg) {
    ++ctx->logs_dropped;
    fail(*ctx, HostCall::Log, "message out of bounds");
    return;
  }
  if (!text::valid_utf8(*msg)) {
    ++ctx->logs_dropped;
    fail(*ctx, HostCall::Log, "message is not valid UTF-8");
    return;
  }
  if (msg->size() > ctx->limits.log_max_message_bytes) {
    ++ctx->logs_dropped;
    fail(*ctx, HostCall::Log, "message of " + std::to_string(msg->size()) + " bytes exceeds the " +
                                  std::to_string(ctx->limits.log_max_message_bytes) + "-byte limit");
    return;
  }
  ctx->add_log(LogLevel::Info, *msg);
}

// ---- shared buffer ----
void host_get_shared_buffer(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::GetSharedBuffer);
  const uint32_t dest = arg_u32(args, 0), offset = arg_u32(args, 1), length = arg_u32(args, 2);
  const uint64_t end = static_cast<uint64_t>(offset) + length;
  if (length > ctx->limits.shared_buffer_max_read_bytes)
    return set_i32(results, fail(*ctx, HostCall::GetSharedBuffer, "length exceeds the per-call read limit"));
  if (end > ctx->shared_buffer.size())
    return set_i32(results, fail(*ctx, HostCall::GetSharedBuffer, "offset+length exceeds the shared buffer"));
  GuestMemory mem(caller);
  if (!mem.write(dest, ctx->shared_buffer.data() + offset, length))
    return set_i32(results, fail(*ctx, HostCall::GetSharedBuffer, "destination out of bounds"));
  set_i32(results, static_cast<int32_t>(length));
}

// ---- request reads ----
void host_request_get_method(Caller& caller, const Val*, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::RequestGetMethod);
  set_i32(results, to_shared_buffer(*ctx, ctx->request.method));
}

void host_request_get_uri(Caller& caller, const Val*, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::RequestGetUri);
  set_i32(results, to_shared_buffer(*ctx, ctx->request.uri));
}

void host_request_get_header(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::RequestGetHeader);
  set_i32(results, header_value_to_shared_buffer(*ctx, caller, args, ctx->request_headers(), HostCall::RequestGetHeader));
}

void host_request_get_header_names(Caller& caller, const Val*, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::RequestGetHeaderNames);
  set_i32(results, to_shared_buffer(*ctx, header_names_json(ctx->request_headers())));
}

void host_request_get_body(Caller& caller, const Val*, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::RequestGetBody);
  set_i32(results, to_shared_buffer(*ctx, ctx->request.body));
}

// ---- response manipulation ----
void host_response_set_status(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::ResponseSetStatus);
  const int32_t status = args[0].i32;
  if (status < 100 || status > 599)
    return set_i32(results, fail(*ctx, HostCall::ResponseSetStatus, "status " + std::to_string(status) + " outside 100-599"));
  ctx->response.status = status;
  set_i32(results, 0);
}

// Reads and validates (name, value) for the set/add header functions; nullopt after recording the error.
struct NameValue {
  std::string_view name, value;
};
std::optional<NameValue> header_args(Caller& caller, InvocationContext& ctx, HostCall call, const Val* args) {
  GuestMemory mem(caller);
  auto name = mem.string(arg_u32(args, 0), arg_u32(args, 1));
  auto value = mem.string(arg_u32(args, 2), arg_u32(args, 3));
  if (!name || !value) {
    fail(ctx, call, !name ? "name out of bounds" : "value out of bounds");
    return std::nullopt;
  }
  if (!text::is_token(*name)) {
    fail(ctx, call, "name is not an HTTP token");
    return std::nullopt;
  }
  if (!text::is_header_value(*value)) {
    fail(ctx, call, "value contains CR, LF, NUL or invalid UTF-8");
    return std::nullopt;
  }
  return NameValue{*name, *value};
}

std::optional<std::string_view> header_name_arg(Caller& caller, InvocationContext& ctx, HostCall call, const Val* args) {
  auto name = GuestMemory(caller).string(arg_u32(args, 0), arg_u32(args, 1));
  if (!name) {
    fail(ctx, call, "name out of bounds");
    return std::nullopt;
  }
  if (!text::is_token(*name)) {
    fail(ctx, call, "name is not an HTTP token");
    return std::nullopt;
  }
  return name;
}

void host_response_set_header(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::ResponseSetHeader);
  auto nv = header_args(caller, *ctx, HostCall::ResponseSetHeader, args);
  if (!nv) return set_i32(results, -1);
  set_header(ctx->response.headers, nv->name, nv->value);
  if (ctx->phase == Phase::Response) ctx->changed_response_headers.add(nv->name);
  set_i32(results, 0);
}

void host_response_add_header(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::ResponseAddHeader);
  auto nv = header_args(caller, *ctx, HostCall::ResponseAddHeader, args);
  if (!nv) return set_i32(results, -1);
  ctx->response.headers.push_back(Header{std::string(nv->name), std::string(nv->value)});
  if (ctx->phase == Phase::Response) ctx->changed_response_headers.add(nv->name);
  set_i32(results, 0);
}

void host_response_remove_header(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::ResponseRemoveHeader);
  auto name = header_name_arg(caller, *ctx, HostCall::ResponseRemoveHeader, args);
  if (!name) return set_i32(results, -1);
  if (remove_header(ctx->response.headers, *name) > 0 && ctx->phase == Phase::Response)
    ctx->changed_response_headers.add(*name);
  set_i32(results, 0);
}

void host_response_set_body(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::ResponseSetBody);
  auto body = GuestMemory(caller).string(arg_u32(args, 0), arg_u32(args, 1));
  if (!body) return set_i32(results, fail(*ctx, HostCall::ResponseSetBody, "body out of bounds"));
  ctx->response.body.assign(*body);
  ctx->response.body_set = true;
  set_i32(results, 0);
}

void host_request_terminate(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::RequestTerminate);
  const int32_t status = args[0].i32;
  if (ctx->phase != Phase::Request)
    return set_i32(results, fail(*ctx, HostCall::RequestTerminate, "not available in the response phase"));
  if (status < 100 || status > 599)
    return set_i32(results, fail(*ctx, HostCall::RequestTerminate, "status " + std::to_string(status) + " outside 100-599"));
  ctx->terminate = true;
  ctx->terminate_status = status;
  set_i32(results, 0);
}

// ---- key-value ----
std::optional<std::string_view> kv_key_arg(Caller& caller, InvocationContext& ctx, HostCall call, const Val* args) {
  auto key = GuestMemory(caller).string(arg_u32(args, 0), arg_u32(args, 1));
  if (!key) {
    fail(ctx, call, "key out of bounds");
    return std::nullopt;
  }
  if (key->size() > ctx.limits.kv_max_key_bytes) {
    fail(ctx, call, "key of " + std::to_string(key->size()) + " bytes exceeds the " +
                        std::to_string(ctx.limits.kv_max_key_bytes) + "-byte limit");
    return std::nullopt;
  }
  if (!text::valid_utf8(*key)) {
    fail(ctx, call, "key is not valid UTF-8");
    return std::nullopt;
  }
  if (!ctx.kv) {
    fail(ctx, call, "no key-value store configured");
    return std::nullopt;
  }
  return key;
}

void host_cache_get(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::CacheGet);
  auto key = kv_key_arg(caller, *ctx, HostCall::CacheGet, args);
  if (!key) return set_i32(results, -1);
  auto value = ctx->kv->get(ctx->kv_namespace, *key);
  set_i32(results, value ? to_shared_buffer(*ctx, *value) : -1);
}

void host_cache_set(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::CacheSet);
  auto key = kv_key_arg(caller, *ctx, HostCall::CacheSet, args);
  if (!key) return set_i32(results, -1);
  auto value = GuestMemory(caller).string(arg_u32(args, 2), arg_u32(args, 3));
  if (!value) return set_i32(results, fail(*ctx, HostCall::CacheSet, "value out of bounds"));
  if (value->size() > ctx->limits.kv_max_value_bytes)
    return set_i32(results, fail(*ctx, HostCall::CacheSet,
                                 "value of " + std::to_string(value->size()) + " bytes exceeds the " +
                                     std::to_string(ctx->limits.kv_max_value_bytes) + "-byte limit"));
  const std::chrono::seconds ttl(arg_u32(args, 4));
  if (!ctx->kv->set(ctx->kv_namespace, *key, *value, ttl))
    return set_i32(results, fail(*ctx, HostCall::CacheSet, "the store refused the value"));
  set_i32(results, 0);
}

// ---- outbound HTTP ----
bool has_http_scheme(std::string_view url) {
  auto starts = [&](std::string_view p) { return url.size() > p.size() && text::iequals(url.substr(0, p.size()), p); };
  return starts("http://") || starts("https://");
}

int32_t outbound(Caller& caller, InvocationContext& ctx, HostCall call, const char* method, const Val* args,
                 bool with_body) {
  GuestMemory mem(caller);
  auto url = mem.string(arg_u32(args, 0), arg_u32(args, 1));
  if (!url) return fail(ctx, call, "url out of bounds");
  HttpFetchRequest req;
  req.method = method;
  if (with_body) {
    auto body = mem.string(arg_u32(args, 2), arg_u32(args, 3));
    auto ctype = mem.string(arg_u32(args, 4), arg_u32(args, 5));
    if (!body) return fail(ctx, call, "body out of bounds");
    if (!ctype) return fail(ctx, call, "content type out of bounds");
    if (body->size() > ctx.limits.http_max_request_body_bytes)
      return fail(ctx, call, "request body of " + std::to_string(body->size()) + " bytes exceeds the " +
                                 std::to_string(ctx.limits.http_max_request_body_bytes) + "-byte limit");
    if (!text::is_header_value(*ctype)) return fail(ctx, call, "content type contains CR, LF, NUL or invalid UTF-8");
    req.body.assign(*body);
    req.content_type.assign(*ctype);
  }
  ctx.last_http_status = -1;
  if (!text::valid_utf8(*url) || !has_http_scheme(*url)) return fail(ctx, call, "url must be an http:// or https:// URL");
  for (unsigned char c : *url)
    if (c <= 0x20 || c == 0x7F) return fail(ctx, call, "url contains spaces or control characters");
  if (!ctx.http) return fail(ctx, call, "outbound HTTP is not configured");
  if (ctx.limits.http_max_calls && ctx.http_calls >= ctx.limits.http_max_calls)
    return fail(ctx, call, "outbound call limit of " + std::to_string(ctx.limits.http_max_calls) + " reached");
  ++ctx.http_calls;
  req.url.assign(*url);
  HttpFetchLimits limits;
  limits.timeout = ctx.limits.http_timeout;
  limits.max_response_bytes = ctx.limits.http_max_response_bytes;
  HttpFetchResult res = ctx.http->fetch(req, limits);
  if (!res.ok) return fail(ctx, call, req.url + ": " + res.error);
  ctx.last_http_status = res.status;
  return to_shared_buffer(ctx, res.body);
}

void host_http_get(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::HttpGet);
  set_i32(results, outbound(caller, *ctx, HostCall::HttpGet, "GET", args, false));
}
void host_http_post(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::HttpPost);
  set_i32(results, outbound(caller, *ctx, HostCall::HttpPost, "POST", args, true));
}
void host_http_put(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::HttpPut);
  set_i32(results, outbound(caller, *ctx, HostCall::HttpPut, "PUT", args, true));
}
void host_http_delete(Caller& caller, const Val* args, Val* results, void*) {
  auto* ctx = context_of(caller);
  if (!ctx) return set_i32(results, -1);
  ctx->count(HostCall::HttpDelete);
  set_i32(results, outbound(caller, *ctx, HostCall::HttpDelete, "DELETE", args, false));
}

wasm::HostFunction env(const char* name, wasm::FuncType type, wasm::HostCallback cb) {
  return wasm::HostFunction{"env", name, std::move(type), cb, nullptr};
}

}  // namespace

int32_t header_value_to_shared_buffer(InvocationContext& ctx, wasm::Caller& caller, const wasm::Val* args,
                                      const HeaderList& headers, HostCall call) {
  auto name = GuestMemory(caller).string(arg_u32(args, 0), arg_u32(args, 1));
  if (!name) return fail(ctx, call, "name out of bounds");
  if (!text::valid_utf8(*name)) return fail(ctx, call, "name is not valid UTF-8");
  const std::string* value = find_header(headers, *name);
  return value ? to_shared_buffer(ctx, *value) : -1;
}

std::string header_names_json(const HeaderList& headers) {
  std::string out = "[";
  std::vector<std::string_view> seen;
  for (const auto& h : headers) {
    bool dup = false;
    for (auto s : seen)
      if (text::iequals(s, h.name)) { dup = true; break; }
    if (dup) continue;
    seen.push_back(h.name);
    if (out.size() > 1) out.push_back(',');
    text::json_append_string(out, h.name);
  }
  out.push_back(']');
  return out;
}

void append_env_log(std::vector<wasm::HostFunction>& out) { out.push_back(env("log", sig({I32, I32}, {}), host_log)); }

void append_env_reference(std::vector<wasm::HostFunction>& out) {
  out.push_back(env("get_shared_buffer", sig({I32, I32, I32}, {I32}), host_get_shared_buffer));
  out.push_back(env("request_get_method", sig({}, {I32}), host_request_get_method));
  out.push_back(env("request_get_uri", sig({}, {I32}), host_request_get_uri));
  out.push_back(env("request_get_header", sig({I32, I32}, {I32}), host_request_get_header));
  out.push_back(env("request_get_header_names", sig({}, {I32}), host_request_get_header_names));
  out.push_back(env("request_get_body", sig({}, {I32}), host_request_get_body));
  out.push_back(env("response_set_status", sig({I32}, {I32}), host_response_set_status));
  out.push_back(env("response_set_header", sig({I32, I32, I32, I32}, {I32}), host_response_set_header));
  out.push_back(env("response_add_header", sig({I32, I32, I32, I32}, {I32}), host_response_add_header));
  out.push_back(env("response_remove_header", sig({I32, I32}, {I32}), host_response_remove_header));
  out.push_back(env("response_set_body", sig({I32, I32}, {I32}), host_response_set_body));
  out.push_back(env("request_terminate", sig({I32}, {I32}), host_request_terminate));
  out.push_back(env("cache_get", sig({I32, I32}, {I32}), host_cache_get));
  out.push_back(env("cache_set", sig({I32, I32, I32, I32, I32}, {I32}), host_cache_set));
  out.push_back(env("http_get", sig({I32, I32}, {I32}), host_http_get));
  out.push_back(env("http_post", sig({I32, I32, I32, I32, I32, I32}, {I32}), host_http_post));
  out.push_back(env("http_put", sig({I32, I32, I32, I32, I32, I32}, {I32}), host_http_put));
  out.push_back(env("http_delete", sig({I32, I32}, {I32}), host_http_delete));
}

}  // namespace aegis::hostapi::detail
