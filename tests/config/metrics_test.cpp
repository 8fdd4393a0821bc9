// The metrics registry: families, labels, values and the Prometheus text exposition.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "metrics/metrics.h"

namespace aegis::metrics {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Registry, CounterFamilyWithLabels) {
  Registry r;
  auto fam = r.counter("test_things_total", "Things seen.");
  Counter a = fam.with({{"kind", "a"}});
  Counter b = fam.with({{"kind", "b"}});
  a.inc();
  a.inc(2);
  b.inc();
  EXPECT_EQ(a.value(), 3);
  std::string text = r.render_text();
  EXPECT_TRUE(contains(text, "# HELP test_things_total Things seen.\n")) << text;
  EXPECT_TRUE(contains(text, "# TYPE test_things_total counter\n")) << text;
  EXPECT_TRUE(contains(text, "test_things_total{kind=\"a\"} 3\n")) << text;
  EXPECT_TRUE(contains(text, "test_things_total{kind=\"b\"} 1\n")) << text;
}

TEST(Registry, SameLabelsGiveTheSameChild) {
  Registry r;
  auto fam = r.counter("test_same_total", "x");
  fam.with({{"k", "v"}}).inc();
  fam.with({{"k", "v"}}).inc();
  r.counter("test_same_total", "x").with({{"k", "v"}}).inc();  // re-registering returns the same family
  EXPECT_EQ(fam.with({{"k", "v"}}).value(), 3);
}

TEST(Registry, GaugeAndHistogram) {
  Registry r;
  Gauge g = r.gauge("test_level", "Level.").with();
  g.set(10);
  g.inc(5);
  g.dec(3);
  EXPECT_EQ(g.value(), 12);
  Histogram h = r.histogram("test_latency_seconds", "Latency.", {0.1, 1.0}).with({{"route", "/"}});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(std::chrono::milliseconds(2500));
  std::string text = r.render_text();
  EXPECT_TRUE(contains(text, "test_level 12\n")) << text;
  EXPECT_TRUE(contains(text, "# TYPE test_latency_seconds histogram\n")) << text;
  EXPECT_TRUE(contains(text, "test_latency_seconds_bucket{route=\"/\",le=\"0.1\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "test_latency_seconds_bucket{route=\"/\",le=\"1\"} 2\n")) << text;
  EXPECT_TRUE(contains(text, "test_latency_seconds_bucket{route=\"/\",le=\"+Inf\"} 3\n")) << text;
  EXPECT_TRUE(contains(text, "test_latency_seconds_count{route=\"/\"} 3\n")) << text;
  EXPECT_TRUE(contains(text, "test_latency_seconds_sum{route=\"/\"} 3.05\n")) << text;
}

TEST(Registry, RejectsBadNamesAndTypeClashes) {
  Registry r;
  EXPECT_THROW(r.counter("1bad", "x"), std::invalid_argument);
  EXPECT_THROW(r.counter("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(r.counter("", "x"), std::invalid_argument);
  r.counter("test_clash", "x");
  EXPECT_THROW(r.gauge("test_clash", "x"), std::invalid_argument);
  EXPECT_THROW(r.histogram("test_unsorted", "x", {1.0, 0.5}), std::invalid_argument);
}

TEST(Registry, ConcurrentIncrementsAreNotLost) {
  Registry r;
  Counter c = r.counter("test_concurrent_total", "x").with();
  Histogram h = r.histogram("test_concurrent_seconds", "x").with();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        h.observe(0.001);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000);
  EXPECT_TRUE(contains(r.render_text(), "test_concurrent_seconds_count 40000\n"));
}

TEST(LatencyBuckets, From100MicrosecondsTo10Seconds) {
  const auto& b = latency_buckets();
  ASSERT_FALSE(b.empty());
  EXPECT_DOUBLE_EQ(b.front(), 0.0001);
  EXPECT_DOUBLE_EQ(b.back(), 10.0);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
}

TEST(ProxyMetrics, StatusClasses) {
  EXPECT_EQ(ProxyMetrics::status_class_index(100), 0u);
  EXPECT_EQ(ProxyMetrics::status_class_index(199), 0u);
  EXPECT_EQ(ProxyMetrics::status_class_index(200), 1u);
  EXPECT_EQ(ProxyMetrics::status_class_index(304), 2u);
  EXPECT_EQ(ProxyMetrics::status_class_index(404), 3u);
  EXPECT_EQ(ProxyMetrics::status_class_index(599), 4u);
  EXPECT_EQ(ProxyMetrics::status_class_index(0), 4u);
  EXPECT_EQ(ProxyMetrics::status_class_index(600), 4u);
}

TEST(ProxyMetrics, FamiliesAppearInGlobalExposition) {
  const ProxyMetrics& m = proxy();
  EXPECT_EQ(&m, &proxy());
  double ok_before = m.requests_by_class[1].value();
  m.count_response(200);
  m.count_response(204);
  m.count_response(503);
  EXPECT_EQ(m.requests_by_class[1].value(), ok_before + 2);
  m.request_duration.observe(std::chrono::microseconds(150));
  m.upstream_connect_errors.inc();
  m.upstream_timeouts.inc();
  m.config_reloads_ok.inc();
  m.config_reloads_error.inc();
  {
    ActiveConnection c1, c2;
    EXPECT_EQ(m.active_connections.value(), 2);
    std::string text = render_text();
    EXPECT_TRUE(contains(text, "aegis_active_connections 2\n")) << text;
  }
  EXPECT_EQ(m.active_connections.value(), 0);

  std::string text = render_text();
  for (const char* family :
       {"# TYPE aegis_http_requests_total counter", "# TYPE aegis_http_request_duration_seconds histogram",
        "# TYPE aegis_upstream_connect_errors_total counter", "# TYPE aegis_upstream_timeouts_total counter",
        "# TYPE aegis_active_connections gauge", "# TYPE aegis_config_reloads_total counter"})
    EXPECT_TRUE(contains(text, family)) << family << "\n" << text;
  for (const char* cls : {"1xx", "2xx", "3xx", "4xx", "5xx"})
    EXPECT_TRUE(contains(text, std::string("aegis_http_requests_total{class=\"") + cls + "\"}")) << cls;
  EXPECT_TRUE(contains(text, "aegis_http_requests_total{class=\"2xx\"} " +
                                 std::to_string(static_cast<int>(ok_before) + 2) + "\n"))
      << text;
  EXPECT_TRUE(contains(text, "aegis_http_request_duration_seconds_bucket{le=\"0.0001\"} 0\n")) << text;
  EXPECT_TRUE(contains(text, "aegis_http_request_duration_seconds_bucket{le=\"0.00025\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "aegis_http_request_duration_seconds_bucket{le=\"10\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "aegis_config_reloads_total{result=\"ok\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "aegis_config_reloads_total{result=\"error\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "aegis_upstream_timeouts_total 1\n")) << text;
  EXPECT_TRUE(contains(text, "aegis_upstream_connect_errors_total 1\n")) << text;
}

TEST(ProxyMetrics, SubsystemFamiliesShareTheGlobalRegistry) {
  Counter c = global().counter("aegis_test_subsystem_total", "A later subsystem's counter.").with({{"x", "y"}});
  c.inc(7);
  EXPECT_TRUE(contains(render_text(), "aegis_test_subsystem_total{x=\"y\"} 7\n"));
}

}  // namespace
}  // namespace aegis::metrics
