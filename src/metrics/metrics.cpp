#include "metrics/metrics.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <mutex>
#include <stdexcept>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace aegis::metrics {
namespace {

prometheus::Labels to_prom(const Labels& labels) {
  prometheus::Labels out;
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

void check_name(const std::string& name) {
  auto ok_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; };
  auto ok_rest = [&](char c) { return ok_first(c) || (c >= '0' && c <= '9'); };
  if (name.empty() || !ok_first(name[0])) throw std::invalid_argument("invalid metric name: " + name);
  for (char c : name)
    if (!ok_rest(c)) throw std::invalid_argument("invalid metric name: " + name);
}

}  // namespace

void Counter::inc(double amount) const {
  assert(impl_);
  impl_->Increment(amount);
}
double Counter::value() const { return impl_->Value(); }

void Gauge::inc(double amount) const { impl_->Increment(amount); }
void Gauge::dec(double amount) const { impl_->Decrement(amount); }
void Gauge::set(double value) const { impl_->Set(value); }
double Gauge::value() const { return impl_->Value(); }

void Histogram::observe(double value) const {
  assert(impl_);
  impl_->Observe(value);
}

Counter CounterFamily::with(const Labels& labels) const { return Counter(&family_->Add(to_prom(labels))); }
Gauge GaugeFamily::with(const Labels& labels) const { return Gauge(&family_->Add(to_prom(labels))); }
Histogram HistogramFamily::with(const Labels& labels) const {
  return Histogram(&family_->Add(to_prom(labels), prometheus::Histogram::BucketBoundaries(*buckets_)));
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> b = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                        0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};
  return b;
}

struct Registry::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::mutex mutex;
  std::map<std::string, std::vector<double>> histogram_buckets;  // stable addresses for HistogramFamily
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

// prometheus-cpp's Merge behaviour returns the existing family for a repeated name and throws
// std::invalid_argument if the name is registered with another type.
CounterFamily Registry::counter(const std::string& name, const std::string& help) {
  check_name(name);
  return CounterFamily(&prometheus::BuildCounter().Name(name).Help(help).Register(*impl_->registry));
}

GaugeFamily Registry::gauge(const std::string& name, const std::string& help) {
  check_name(name);
  return GaugeFamily(&prometheus::BuildGauge().Name(name).Help(help).Register(*impl_->registry));
}

HistogramFamily Registry::histogram(const std::string& name, const std::string& help, std::vector<double> buckets) {
  check_name(name);
  if (buckets.empty() || !std::is_sorted(buckets.begin(), buckets.end()))
    throw std::invalid_argument("histogram " + name + ": buckets must be non-empty and ascending");
  auto& family = prometheus::BuildHistogram().Name(name).Help(help).Register(*impl_->registry);
  std::lock_guard lock(impl_->mutex);
  auto [it, inserted] = impl_->histogram_buckets.emplace(name, std::move(buckets));
  return HistogramFamily(&family, &it->second);  // a repeated name keeps the buckets it was first made with
}

std::string Registry::render_text() const {
  prometheus::TextSerializer serializer;
  return serializer.Serialize(impl_->registry->Collect());
}

Registry& global() {
  static Registry* r = new Registry();  // never destroyed: handles may be used during static destruction
  return *r;
}

const ProxyMetrics& proxy() {
  static const ProxyMetrics* m = [] {
    auto* pm = new ProxyMetrics();
    Registry& r = global();
    auto requests = r.counter("aegis_http_requests_total", "HTTP responses sent to clients, by status class.");
    static constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    for (std::size_t i = 0; i < 5; ++i) pm->requests_by_class[i] = requests.with({{"class", kClasses[i]}});
    pm->request_duration =
        r.histogram("aegis_http_request_duration_seconds",
                    "Time from the start of a request to the last byte of its response, in seconds.")
            .with();
    pm->upstream_connect_errors =
        r.counter("aegis_upstream_connect_errors_total", "Failed connection attempts to origin servers.").with();
    pm->upstream_timeouts =
        r.counter("aegis_upstream_timeouts_total", "Origin connect or read timeouts.").with();
    pm->active_connections = r.gauge("aegis_active_connections", "Open client connections.").with();
    auto reloads = r.counter("aegis_config_reloads_total", "Configuration reloads, by result.");
    pm->config_reloads_ok = reloads.with({{"result", "ok"}});
    pm->config_reloads_error = reloads.with({{"result", "error"}});
    return pm;
  }();
  return *m;
}

}  // namespace aegis::metrics
