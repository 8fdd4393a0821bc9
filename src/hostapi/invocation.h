// The per-invocation state the host functions act on.
//
// One InvocationContext per call of a guest export. The runner fills in the request (and, in the response phase,
// the response), points it at the node's key-value store and outbound HTTP client, passes its address as
// CallOptions::user_data, calls the guest, then reads back what the guest did: response mutations, early
// termination, request mutations, the shared buffer (the function's "result data"), logs, host-call counters and
// the errors host functions recorded. Not thread-safe: it belongs to the thread running the invocation.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::hostapi {

class KvStore;
class HttpFetcher;

struct Header {
  std::string name;
  std::string value;
  bool operator==(const Header&) const = default;
};
// Ordered, duplicates allowed (several Set-Cookie). Names compare case-insensitively.
using HeaderList = std::vector<Header>;

// First value whose name matches case-insensitively, or nullptr.
const std::string* find_header(const HeaderList& headers, std::string_view name);
// Replace every header of that name with one (at the position of the first, or appended).
void set_header(HeaderList& headers, std::string_view name, std::string_view value);
// Remove every header of that name; returns how many were removed.
std::size_t remove_header(HeaderList& headers, std::string_view name);

struct Request {
  std::string method;
  std::string uri;  // origin-form: path and query
  HeaderList headers;
  std::string body;
};

struct Response {
  std::optional<int> status;  // unset until a guest sets it (request phase) or the origin answered (response phase)
  HeaderList headers;
  std::string body;
  bool body_set = false;  // a guest called response_set_body (an empty body is a valid choice)
};

// A set of header names (case-insensitive, first spelling kept, in the order first added): which header fields the
// host functions changed, so that whoever applies a function's changes to the real message touches only those fields
// instead of diffing whole lists. Names are HTTP tokens (the host functions validate them), so one string with a
// separator holds them all (one allocation at most).
class HeaderNames {
 public:
  // Adds `name` unless already present (any case).
  void add(std::string_view name);
  bool contains(std::string_view name) const;
  bool empty() const { return names_.empty(); }
  void clear() { names_.clear(); }
  // Adds every name of `other` (taking its storage when this set is empty).
  void merge(const HeaderNames& other);
  void merge(HeaderNames&& other);
  // Calls fn(name) for each name, in the order first added.
  template <class Fn>
  void for_each(Fn&& fn) const {
    std::size_t start = 0;
    while (start < names_.size()) {
      const std::size_t end = names_.find(kSeparator, start);
      fn(std::string_view(names_).substr(start, end - start));
      start = end + 1;
    }
  }

 private:
  static constexpr char kSeparator = '\n';  // never part of a token
  std::string names_;  // "name\n" per entry
};

// Header set/add edits in call order, recorded while the request headers are deferred (see
// InvocationContext::defer_request_headers). One string holds them all: names are tokens and values never contain
// NUL (the host functions validate both).
class HeaderEdits {
 public:
  // add: request_add_header (append a line); else request_set_header (replace every line of the name).
  void record(bool add, std::string_view name, std::string_view value);
  bool empty() const { return inline_size_ == 0 && heap_.empty(); }
  // Calls fn(add, name, value) for each edit, in order.
  template <class Fn>
  void for_each(Fn&& fn) const {
    const std::string_view edits = data();
    std::size_t pos = 0;
    while (pos < edits.size()) {
      const bool add = edits[pos] == 'A';
      const std::size_t name_end = edits.find('\0', pos + 1);
      const std::size_t value_end = edits.find('\0', name_end + 1);
      fn(add, edits.substr(pos + 1, name_end - pos - 1), edits.substr(name_end + 1, value_end - name_end - 1));
      pos = value_end + 1;
    }
  }

 private:
  // Per edit: 'A' or 'S', name, NUL, value, NUL — in inline_ while it fits (a function's usual one or two edits
  // need no allocation), else all of them in heap_.
  std::string_view data() const { return heap_.empty() ? std::string_view(inline_.data(), inline_size_) : heap_; }
  std::array<char, 96> inline_;
  std::size_t inline_size_ = 0;
  std::string heap_;
};

// What request-phase mutations (extension functions request_set_*/add/remove) changed.
struct RequestModified {
  bool method = false;
  bool uri = false;
  bool headers = false;
  bool body = false;
  bool any() const { return method || uri || headers || body; }
};

enum class Phase : uint8_t {
  Request,   // before origin: request readable and mutable, response buildable, request_terminate allowed
  Response,  // after origin: `response` holds the origin's answer; request read-only, request_terminate refused
};

enum class LogLevel : uint8_t { Debug, Info, Warn, Error };
const char* to_string(LogLevel level);

struct LogEntry {
  LogLevel level = LogLevel::Info;
  std::string text;
};

// Every host function the node provides, for per-function call counters. The import name is host_call_name().
enum class HostCall : uint8_t {
  // env: reference ABI
  Log,
  GetSharedBuffer,
  RequestGetMethod,
  RequestGetUri,
  RequestGetHeader,
  RequestGetHeaderNames,
  RequestGetBody,
  ResponseSetStatus,
  ResponseSetHeader,
  ResponseAddHeader,
  ResponseRemoveHeader,
  ResponseSetBody,
  RequestTerminate,
  CacheGet,
  CacheSet,
  HttpGet,
  HttpPost,
  HttpPut,
  HttpDelete,
  // env: AEGIS extensions
  RequestSetMethod,
  RequestSetUri,
  RequestSetHeader,
  RequestAddHeader,
  RequestRemoveHeader,
  RequestSetBody,
  ResponseGetStatus,
  ResponseGetHeader,
  ResponseGetHeaderNames,
  ResponseGetBody,
  HttpGetStatus,
  // wasi_snapshot_preview1
  WasiFdWrite,
  WasiFdClose,
  WasiFdSeek,
  WasiFdFdstatGet,
  WasiEnvironGet,
  WasiEnvironSizesGet,
  WasiArgsGet,
  WasiArgsSizesGet,
  WasiProcExit,
  WasiClockTimeGet,
  WasiClockResGet,
  WasiRandomGet,
  WasiSchedYield,
  kCount
};
inline constexpr std::size_t kHostCallCount = static_cast<std::size_t>(HostCall::kCount);
// "module.name", e.g. "env.request_get_header" or "wasi_snapshot_preview1.fd_write".
std::string_view host_call_name(HostCall call);

struct HostLimits {
  std::size_t kv_max_key_bytes = 256;
  std::size_t kv_max_value_bytes = 1 << 20;
  std::chrono::milliseconds http_timeout{5000};
  std::size_t http_max_response_bytes = 1 << 20;
  std::size_t http_max_request_body_bytes = 1 << 20;
  uint32_t http_max_calls = 0;                         // per invocation; 0 = unlimited (the reference had none)
  std::size_t log_max_message_bytes = 64 << 10;        // a longer message is dropped
  std::size_t log_max_total_bytes = 1 << 20;           // per invocation; later messages are dropped and counted
  std::size_t log_max_entries = 1000;                  // per invocation; likewise
  std::size_t shared_buffer_max_read_bytes = 10 << 20; // per get_shared_buffer call
  std::size_t max_recorded_errors = 32;                // further errors are only counted
};

class InvocationContext {
 public:
  // ---- inputs (set by the runner before the call) ----
  Phase phase = Phase::Request;
  Request request;
  Response response;                 // request phase: usually empty; response phase: the origin response
  KvStore* kv = nullptr;             // nullptr: cache_get/cache_set return -1
  std::string kv_namespace;          // per module (e.g. its name or CID)
  HttpFetcher* http = nullptr;       // nullptr: http_* return -1
  std::vector<std::string> environment;  // "NAME=value" entries WASI environ_get reports (a function's `env`)
  HostLimits limits;

  // ---- outputs (read by the runner after the call) ----
  bool terminate = false;            // request_terminate was called
  int terminate_status = 0;
  RequestModified request_modified;
  // The header names whose values request_set_header/add/remove (changed_request_headers) and, in the response
  // phase, response_set_header/add/remove (changed_response_headers) changed in `request.headers` /
  // `response.headers`: the fields of those names are to be replaced with the list's values; other fields are as
  // they were. (In the request phase the response is built from nothing: all of `response.headers` applies. While
  // the request headers are deferred, request_header_edits holds the request changes instead.)
  HeaderNames changed_request_headers;
  HeaderNames changed_response_headers;
  std::string shared_buffer;         // after a successful call: the function's result data
  std::vector<LogEntry> logs;
  std::size_t log_bytes = 0;         // sum of the kept messages' sizes
  std::size_t logs_dropped = 0;      // oversize / invalid UTF-8 / over the per-invocation caps
  std::array<uint32_t, kHostCallCount> host_calls{};
  std::vector<std::string> errors;   // e.g. "cache_set: value of 2097152 bytes exceeds the 1048576-byte limit"
  std::size_t errors_dropped = 0;
  std::optional<int32_t> exit_code;  // WASI proc_exit was called with this code
  int last_http_status = -1;         // status of the last outbound call (-1: none or failed)
  uint32_t http_calls = 0;

  // ---- deferred request headers ----
  // Lets a runner skip copying the request headers when the function may never look at them: request.headers stays
  // empty and `load` fills it in on first need. Until then request_set_header / request_add_header only record
  // their edit (request_header_edits, and request_modified); the first read of the headers (request_get_header,
  // request_get_header_names, request_remove_header) loads them and replays the recorded edits (recording their
  // names in changed_request_headers then), so the function sees exactly what it would have seen with the headers
  // filled in up front.
  // `source` is passed to `load`; it must stay valid for the invocation.
  using HeaderLoader = void (*)(const void* source, HeaderList& out);
  void defer_request_headers(HeaderLoader load, const void* source) {
    loader_ = load;
    loader_source_ = source;
  }
  // Whether the headers are still deferred: then request.headers is empty and request_header_edits holds the
  // changes to apply to the real request.
  bool request_headers_deferred() const { return loader_ != nullptr; }
  // request.headers, loaded first if deferred.
  HeaderList& request_headers();
  HeaderEdits request_header_edits;

  // ---- helpers used by the host functions (and handy for runners) ----
  void count(HostCall call) { ++host_calls[static_cast<std::size_t>(call)]; }
  uint32_t calls(HostCall call) const { return host_calls[static_cast<std::size_t>(call)]; }
  uint32_t total_host_calls() const;
  // Appends unless over the message/total caps (then counts it in logs_dropped). Returns whether it was kept.
  bool add_log(LogLevel level, std::string_view text);
  void add_error(std::string message);

 private:
  HeaderLoader loader_ = nullptr;
  const void* loader_source_ = nullptr;
};

}  // namespace aegis::hostapi
