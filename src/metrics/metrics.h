// Prometheus metrics: one process-wide registry (prometheus-cpp core underneath), text exposition, the proxy's own
// families pre-resolved for the hot path, and a way for any subsystem to register its own families.
//
// Hot path: resolve a labelled child once (Family::with) at start-up and keep the handle; inc()/observe()/set() are
// then a single call into an atomic (histograms: a short uncontended lock) with no map lookups.
// Handles are cheap to copy (one pointer) and stay valid for the life of the Registry that made them.
#pragma once

#include <array>
#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace aegis::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  Counter() = default;             // a null handle; calling it is a bug (asserts in debug builds)
  void inc(double amount = 1.0) const;
  double value() const;
  explicit operator bool() const { return impl_ != nullptr; }

 private:
  friend class CounterFamily;
  explicit Counter(prometheus::Counter* impl) : impl_(impl) {}
  prometheus::Counter* impl_ = nullptr;
};

class Gauge {
 public:
  Gauge() = default;
  void inc(double amount = 1.0) const;
  void dec(double amount = 1.0) const;
  void set(double value) const;
  double value() const;
  explicit operator bool() const { return impl_ != nullptr; }

 private:
  friend class GaugeFamily;
  explicit Gauge(prometheus::Gauge* impl) : impl_(impl) {}
  prometheus::Gauge* impl_ = nullptr;
};

class Histogram {
 public:
  Histogram() = default;
  void observe(double value) const;
  void observe(std::chrono::nanoseconds d) const { observe(static_cast<double>(d.count()) * 1e-9); }  // seconds
  explicit operator bool() const { return impl_ != nullptr; }

 private:
  friend class HistogramFamily;
  explicit Histogram(prometheus::Histogram* impl) : impl_(impl) {}
  prometheus::Histogram* impl_ = nullptr;
};

// A metric family: one name, help text and a child per distinct label set. with() creates the child on first use
// (it takes the family's lock and does a map lookup: call it at set-up time, not per request).
class CounterFamily {
 public:
  Counter with(const Labels& labels = {}) const;

 private:
  friend class Registry;
  explicit CounterFamily(prometheus::Family<prometheus::Counter>* f) : family_(f) {}
  prometheus::Family<prometheus::Counter>* family_;
};

class GaugeFamily {
 public:
  Gauge with(const Labels& labels = {}) const;

 private:
  friend class Registry;
  explicit GaugeFamily(prometheus::Family<prometheus::Gauge>* f) : family_(f) {}
  prometheus::Family<prometheus::Gauge>* family_;
};

class HistogramFamily {
 public:
  Histogram with(const Labels& labels = {}) const;
  const std::vector<double>& buckets() const { return *buckets_; }

 private:
  friend class Registry;
  HistogramFamily(prometheus::Family<prometheus::Histogram>* f, const std::vector<double>* b)
      : family_(f), buckets_(b) {}
  prometheus::Family<prometheus::Histogram>* family_;
  const std::vector<double>* buckets_;
};

// Latency buckets in seconds from 100 µs to 10 s (1-2.5-5 steps).
const std::vector<double>& latency_buckets();

// A set of families rendered together. The process has one (global()); tests may make their own.
// Registering a name twice returns the same family (same type required, else std::invalid_argument);
// names must match [a-zA-Z_:][a-zA-Z0-9_:]* (std::invalid_argument otherwise).
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  CounterFamily counter(const std::string& name, const std::string& help);
  GaugeFamily gauge(const std::string& name, const std::string& help);
  HistogramFamily histogram(const std::string& name, const std::string& help,
                            std::vector<double> buckets = latency_buckets());

  // Prometheus text exposition format 0.0.4 (Content-Type: text/plain; version=0.0.4).
  std::string render_text() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Registry& global();
inline std::string render_text() { return global().render_text(); }
inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// The proxy's families in the global registry, resolved once:
//   aegis_http_requests_total{class="1xx".."5xx"}     responses by status class
//   aegis_http_request_duration_seconds               request start → last byte of the response
//   aegis_upstream_connect_errors_total               failed connects to an origin server
//   aegis_upstream_timeouts_total                     origin connect/read timeouts
//   aegis_active_connections                          open client connections
//   aegis_config_reloads_total{result="ok|error"}
struct ProxyMetrics {
  std::array<Counter, 5> requests_by_class;  // [0] = 1xx ... [4] = 5xx
  Histogram request_duration;
  Counter upstream_connect_errors;
  Counter upstream_timeouts;
  Gauge active_connections;
  Counter config_reloads_ok;
  Counter config_reloads_error;

  // Counts one response: status < 200 → 1xx, >= 500 (or out of range) → 5xx.
  void count_response(int status) const { requests_by_class[status_class_index(status)].inc(); }
  static std::size_t status_class_index(int status) {
    if (status < 100 || status >= 600) return 4;
    return static_cast<std::size_t>(status / 100 - 1);
  }
};

// Created on first call (thread-safe), lives as long as the process.
const ProxyMetrics& proxy();

// RAII: active_connections +1 for the lifetime of the object.
class ActiveConnection {
 public:
  ActiveConnection() { proxy().active_connections.inc(); }
  ~ActiveConnection() { proxy().active_connections.dec(); }
  ActiveConnection(const ActiveConnection&) = delete;
  ActiveConnection& operator=(const ActiveConnection&) = delete;
};

}  // namespace aegis::metrics
