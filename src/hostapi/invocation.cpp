#include "hostapi/invocation.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "hostapi/text.h"

namespace aegis::hostapi {

const std::string* find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& h : headers)
    if (text::iequals(h.name, name)) return &h.value;
  return nullptr;
}

void set_header(HeaderList& headers, std::string_view name, std::string_view value) {
  auto first = std::find_if(headers.begin(), headers.end(), [&](const Header& h) { return text::iequals(h.name, name); });
  if (first == headers.end()) {
    headers.push_back(Header{std::string(name), std::string(value)});
    return;
  }
  first->name.assign(name);
  first->value.assign(value);
  headers.erase(std::remove_if(first + 1, headers.end(), [&](const Header& h) { return text::iequals(h.name, name); }),
                headers.end());
}

std::size_t remove_header(HeaderList& headers, std::string_view name) {
  const auto before = headers.size();
  headers.erase(std::remove_if(headers.begin(), headers.end(), [&](const Header& h) { return text::iequals(h.name, name); }),
                headers.end());
  return before - headers.size();
}

void HeaderNames::add(std::string_view name) {
  if (contains(name)) return;
  if (names_.empty()) names_.reserve(64);
  names_.append(name);
  names_.push_back(kSeparator);
}

bool HeaderNames::contains(std::string_view name) const {
  bool found = false;
  for_each([&](std::string_view n) { found = found || text::iequals(n, name); });
  return found;
}

void HeaderNames::merge(const HeaderNames& other) {
  if (names_.empty()) {
    names_ = other.names_;
    return;
  }
  other.for_each([&](std::string_view n) { add(n); });
}

void HeaderNames::merge(HeaderNames&& other) {
  if (names_.empty()) {
    names_ = std::move(other.names_);
    other.names_.clear();
    return;
  }
  merge(static_cast<const HeaderNames&>(other));
}

void HeaderEdits::record(bool add, std::string_view name, std::string_view value) {
  const std::size_t needed = name.size() + value.size() + 3;
  if (heap_.empty() && inline_size_ + needed <= inline_.size()) {
    char* out = inline_.data() + inline_size_;
    *out++ = add ? 'A' : 'S';
    std::memcpy(out, name.data(), name.size());
    out += name.size();
    *out++ = '\0';
    std::memcpy(out, value.data(), value.size());
    out += value.size();
    *out = '\0';
    inline_size_ += needed;
    return;
  }
  if (heap_.empty()) heap_.assign(inline_.data(), inline_size_);
  heap_.push_back(add ? 'A' : 'S');
  heap_.append(name);
  heap_.push_back('\0');
  heap_.append(value);
  heap_.push_back('\0');
}

HeaderList& InvocationContext::request_headers() {
  if (loader_) {
    HeaderLoader load = loader_;
    loader_ = nullptr;
    load(loader_source_, request.headers);
    request_header_edits.for_each([&](bool add, std::string_view name, std::string_view value) {
      changed_request_headers.add(name);
      if (add)
        request.headers.push_back(Header{std::string(name), std::string(value)});
      else
        set_header(request.headers, name, value);
    });
    request_header_edits = HeaderEdits{};
  }
  return request.headers;
}

const char* to_string(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
  }
  return "info";
}

std::string_view host_call_name(HostCall call) {
  static constexpr std::string_view kNames[kHostCallCount] = {
      "env.log",
      "env.get_shared_buffer",
      "env.request_get_method",
      "env.request_get_uri",
      "env.request_get_header",
      "env.request_get_header_names",
      "env.request_get_body",
      "env.response_set_status",
      "env.response_set_header",
      "env.response_add_header",
      "env.response_remove_header",
      "env.response_set_body",
      "env.request_terminate",
      "env.cache_get",
      "env.cache_set",
      "env.http_get",
      "env.http_post",
      "env.http_put",
      "env.http_delete",
      "env.request_set_method",
      "env.request_set_uri",
      "env.request_set_header",
      "env.request_add_header",
      "env.request_remove_header",
      "env.request_set_body",
      "env.response_get_status",
      "env.response_get_header",
      "env.response_get_header_names",
      "env.response_get_body",
      "env.http_get_status",
      "wasi_snapshot_preview1.fd_write",
      "wasi_snapshot_preview1.fd_close",
      "wasi_snapshot_preview1.fd_seek",
      "wasi_snapshot_preview1.fd_fdstat_get",
      "wasi_snapshot_preview1.environ_get",
      "wasi_snapshot_preview1.environ_sizes_get",
      "wasi_snapshot_preview1.args_get",
      "wasi_snapshot_preview1.args_sizes_get",
      "wasi_snapshot_preview1.proc_exit",
      "wasi_snapshot_preview1.clock_time_get",
      "wasi_snapshot_preview1.clock_res_get",
      "wasi_snapshot_preview1.random_get",
      "wasi_snapshot_preview1.sched_yield",
  };
  const auto i = static_cast<std::size_t>(call);
  return i < kHostCallCount ? kNames[i] : std::string_view("?");
}

uint32_t InvocationContext::total_host_calls() const {
  uint32_t total = 0;
  for (auto n : host_calls) total += n;
  return total;
}

bool InvocationContext::add_log(LogLevel level, std::string_view text) {
  if (text.size() > limits.log_max_message_bytes || log_bytes + text.size() > limits.log_max_total_bytes ||
      logs.size() >= limits.log_max_entries) {
    ++logs_dropped;
    return false;
  }
  logs.push_back(LogEntry{level, std::string(text)});
  log_bytes += text.size();
  return true;
}

void InvocationContext::add_error(std::string message) {
  if (errors.size() >= limits.max_recorded_errors) {
    ++errors_dropped;
    return;
  }
  errors.push_back(std::move(message));
}

}  // namespace aegis::hostapi
