#include "log/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <mutex>
#include <system_error>
#include <thread>

#include "log/logging.h"

namespace aegis::log {
namespace {

constexpr std::size_t kWakeBytes = 64 * 1024;             // wake the writer once this much is pending
constexpr std::size_t kMaxPendingBytes = 16 * 1024 * 1024;  // beyond this, lines are dropped
constexpr auto kFlushInterval = std::chrono::milliseconds(200);

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

void append_double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

// Milliseconds with microsecond precision: 1.234
void append_ms(std::string& out, std::chrono::nanoseconds d) {
  int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  if (us < 0) {
    out.push_back('-');
    us = -us;
  }
  append_int(out, us / 1000);
  char frac[4] = {static_cast<char>('0' + (us % 1000) / 100), static_cast<char>('0' + (us % 100) / 10),
                  static_cast<char>('0' + us % 10), 0};
  out.push_back('.');
  out.append(frac, 3);
}

// RFC 3339 UTC with milliseconds: 2026-11-25T15:29:29.123Z. The date part is cached per thread per second.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point tp) {
  using namespace std::chrono;
  int64_t ms = duration_cast<milliseconds>(tp.time_since_epoch()).count();
  int64_t sec = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int millis = static_cast<int>(ms - sec * 1000);
  thread_local int64_t cached_sec = INT64_MIN;
  thread_local char cached[32];
  if (sec != cached_sec) {
    std::time_t t = static_cast<std::time_t>(sec);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_sec = sec;
  }
  out.push_back('"');
  out += cached;
  out.push_back('.');
  out.push_back(static_cast<char>('0' + millis / 100));
  out.push_back(static_cast<char>('0' + millis / 10 % 10));
  out.push_back(static_cast<char>('0' + millis % 10));
  out += "Z\"";
}

int open_append(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "access log: cannot open " + path);
  return fd;
}

}  // namespace

void append_json(std::string& out, const AccessRecord& r) {
  out += "{\"ts\":";
  append_timestamp(out, r.timestamp);
  out += ",\"request_id\":";
  append_json_string(out, r.request_id);
  out += ",\"client\":";
  append_json_string(out, r.client);
  out += ",\"method\":";
  append_json_string(out, r.method);
  out += ",\"path\":";
  append_json_string(out, r.path);
  out += ",\"status\":";
  append_int(out, r.status);
  out += ",\"bytes_sent\":";
  append_uint(out, r.bytes_sent);
  out += ",\"duration_ms\":";
  append_ms(out, r.duration);
  out += ",\"upstream_ms\":";
  if (r.upstream_time) append_ms(out, *r.upstream_time);
  else out += "null";
  out += ",\"cache\":";
  append_json_string(out, r.cache_status);
  for (const auto& f : r.extra) {
    out.push_back(',');
    append_json_string(out, f.key);
    out.push_back(':');
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) append_json_string(out, v);
          else if constexpr (std::is_same_v<T, bool>) out += v ? "true" : "false";
          else if constexpr (std::is_same_v<T, double>) append_double(out, v);
          else append_int(out, v);
        },
        f.value);
  }
  out.push_back('}');
}

std::string to_json(const AccessRecord& r) {
  std::string s;
  append_json(s, r);
  return s;
}

struct AccessLog::Impl {
  std::string path;
  bool is_stdout;
  int fd;

  std::mutex pending_mu;  // guards pending, stop
  std::condition_variable wake;
  std::string pending;
  bool stop = false;

  std::mutex io_mu;  // guards fd and the order of writes; taken before pending_mu
  std::string out;   // the batch being written (under io_mu)
  bool write_error_reported = false;

  std::atomic<uint64_t> dropped{0};
  std::thread writer;

  explicit Impl(const std::string& p) : path(p), is_stdout(p == "-"), fd(is_stdout ? STDOUT_FILENO : open_append(p)) {
    pending.reserve(kWakeBytes * 2);
    writer = std::thread([this] { run(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(pending_mu);
      stop = true;
    }
    wake.notify_one();
    writer.join();
    drain();
    if (!is_stdout) ::close(fd);
  }

  void run() {
    std::unique_lock lock(pending_mu);
    while (!stop) {
      wake.wait_for(lock, kFlushInterval, [this] { return stop || pending.size() >= kWakeBytes; });
      if (pending.empty()) continue;
      lock.unlock();
      drain();
      lock.lock();
    }
  }

  // Writes everything pending to fd, in order.
  void drain() {
    std::lock_guard io(io_mu);
    {
      std::lock_guard lock(pending_mu);
      out.swap(pending);
    }
    write_all(out);
    out.clear();
  }

  void write_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (!write_error_reported) {
          write_error_reported = true;
          logger().error("access log: write to {} failed: {}", path, std::strerror(errno));
        }
        return;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
};

AccessLog::AccessLog(const config::AccessLog& cfg) {
  if (cfg.enabled) impl_ = std::make_unique<Impl>(cfg.path);
}

AccessLog::~AccessLog() = default;

void AccessLog::write(const AccessRecord& r) {
  if (!impl_) return;
  thread_local std::string line;
  line.clear();
  append_json(line, r);
  line.push_back('\n');
  bool wake = false;
  {
    std::lock_guard lock(impl_->pending_mu);
    if (impl_->pending.size() + line.size() > kMaxPendingBytes) {
      impl_->dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    impl_->pending += line;
    wake = impl_->pending.size() >= kWakeBytes;
  }
  if (wake) impl_->wake.notify_one();
  if (line.capacity() > 64 * 1024) line = std::string();  // do not keep a huge buffer after one huge line
}

void AccessLog::flush() {
  if (impl_) impl_->drain();
}

void AccessLog::reopen() {
  if (!impl_ || impl_->is_stdout) return;
  impl_->drain();
  std::lock_guard io(impl_->io_mu);
  int fd = open_append(impl_->path);
  ::close(impl_->fd);
  impl_->fd = fd;
  impl_->write_error_reported = false;
}

uint64_t AccessLog::dropped() const noexcept { return impl_ ? impl_->dropped.load(std::memory_order_relaxed) : 0; }

}  // namespace aegis::log
