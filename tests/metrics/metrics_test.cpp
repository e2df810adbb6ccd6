#include <gtest/gtest.h>

#include "metrics/metrics.h"

using namespace k3s::metrics;

TEST(Metrics, TextExpositionOfEachKind) {
  Registry registry;
  auto& requests = registry.counter("requests_total", "Requests.", {"verb", "code"});
  requests.inc({"GET", "200"});
  requests.inc({"GET", "200"}, 2);
  requests.inc({"PUT", "409"});
  auto& watchers = registry.gauge("watchers", "Open watches.", {});
  watchers.add({}, 3);
  watchers.add({}, -1);
  auto& latency = registry.histogram("latency_seconds", "Latency.", {"op"}, {0.1, 1});
  latency.observe({"get"}, 0.05);
  latency.observe({"get"}, 0.5);
  latency.observe({"get"}, 5);
  EXPECT_EQ(requests.value({"GET", "200"}), 3);
  EXPECT_EQ(latency.count({"get"}), 3u);
  EXPECT_EQ(registry.expose(),
            "# HELP latency_seconds Latency.\n# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{op=\"get\",le=\"0.1\"} 1\n"
            "latency_seconds_bucket{op=\"get\",le=\"1\"} 2\n"
            "latency_seconds_bucket{op=\"get\",le=\"+Inf\"} 3\n"
            "latency_seconds_sum{op=\"get\"} 5.55\n"
            "latency_seconds_count{op=\"get\"} 3\n"
            "# HELP requests_total Requests.\n# TYPE requests_total counter\n"
            "requests_total{verb=\"GET\",code=\"200\"} 3\n"
            "requests_total{verb=\"PUT\",code=\"409\"} 1\n"
            "# HELP watchers Open watches.\n# TYPE watchers gauge\n"
            "watchers 2\n");
}

TEST(Metrics, LabelValuesAreEscapedAndFamiliesAreShared) {
  Registry registry;
  registry.counter("c", "C.", {"path"}).inc({"a\"b\\c\nd"});
  EXPECT_NE(registry.expose().find("c{path=\"a\\\"b\\\\c\\nd\"} 1"), std::string::npos);
  EXPECT_EQ(&registry.counter("c", "C.", {"path"}), &registry.counter("c", "C.", {"path"}));
  EXPECT_THROW(registry.gauge("c", "C.", {}), std::logic_error);
}
