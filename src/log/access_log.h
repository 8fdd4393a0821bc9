// The access log: one JSON object per request, one per line, to stdout ("-") or a file opened for append.
//
// Line format (keys always in this order; extra fields follow in the order they were added):
//   {"ts":"2026-11-25T15:29:29.123Z","request_id":"…","client":"127.0.0.1:51234","method":"GET","path":"/a?b",
//    "status":200,"bytes_sent":1234,"duration_ms":1.234,"upstream_ms":0.987,"cache":"-", …extra}
// upstream_ms is null when no origin was contacted. Strings are escaped for JSON; bytes that are not valid UTF-8
// are written as the 4 characters \xNN (JSON "\\xNN"), so every line is valid UTF-8 JSON.
//
// Cost: write() formats into a thread-local buffer and appends it to a shared buffer under a short lock (a memcpy);
// a background thread writes to the fd when 64 KiB have accumulated or every 200 ms. If the output cannot keep up
// and 16 MiB are pending, lines are dropped and counted (dropped()). A disabled log does nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "config/config.h"

namespace aegis::log {

struct AccessField {
  std::string key;
  std::variant<std::string, int64_t, double, bool> value;
};

struct AccessRecord {
  std::chrono::system_clock::time_point timestamp{};  // request start
  std::string_view request_id;
  std::string_view client;      // "ip:port"
  std::string_view method;
  std::string_view path;        // request target as received
  int status = 0;
  uint64_t bytes_sent = 0;      // body bytes written to the client
  std::chrono::nanoseconds duration{0};
  std::optional<std::chrono::nanoseconds> upstream_time;  // none when the origin was not contacted
  std::string_view cache_status = "-";                    // HIT, MISS, STALE, BYPASS, or "-"
  std::vector<AccessField> extra;                         // added by later phases (functions, WAF, bot)

  void add(std::string key, std::string value) { extra.push_back({std::move(key), std::move(value)}); }
  void add(std::string key, int64_t value) { extra.push_back({std::move(key), value}); }
  void add(std::string key, double value) { extra.push_back({std::move(key), value}); }
  void add(std::string key, bool value) { extra.push_back({std::move(key), value}); }
};

// Appends `s` as a JSON string literal (with the quotes) to `out`.
void append_json_string(std::string& out, std::string_view s);
// Appends the record's JSON object (no trailing newline) to `out`.
void append_json(std::string& out, const AccessRecord& r);
std::string to_json(const AccessRecord& r);

class AccessLog {
 public:
  // Opens the destination (cfg.path, "-" = stdout). Throws std::system_error if the file cannot be opened.
  // With cfg.enabled == false nothing is opened and write() returns at once.
  explicit AccessLog(const config::AccessLog& cfg);
  ~AccessLog();  // flushes and stops the writer thread
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  bool enabled() const noexcept { return impl_ != nullptr; }
  void write(const AccessRecord& r);
  // Writes everything pending and returns once it is handed to the OS.
  void flush();
  // Flushes, then closes and reopens the file by path (after logrotate moved it). No-op for stdout.
  // Throws std::system_error if the file cannot be reopened (the old descriptor is kept).
  void reopen();
  uint64_t dropped() const noexcept;  // lines dropped because the output fell behind

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aegis::log
