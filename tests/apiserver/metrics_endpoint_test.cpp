// /metrics of the API server: request counters, datastore latencies, process figures.
#include "api_fixture.h"

namespace {
class MetricsFixture : public k3s::testing::ApiServerFixture {};
}  // namespace

TEST_F(MetricsFixture, CountRequestsAndDatastoreLatency) {
  ASSERT_EQ(call("POST", "/api/v1/namespaces/default/configmaps",
                 {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "counted"}}}})
                .status,
            201);
  auto r = call("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("apiserver_request_total{verb=\"CREATE\",group=\"\",version=\"v1\",resource=\"configmaps\","
                        "subresource=\"\",path=\"\",code=\"201\"} 1"),
            std::string::npos)
      << r.body.substr(0, 2000);
  EXPECT_NE(r.body.find("etcd_request_duration_seconds_count{operation=\"create\",type=\"configmaps\"} 1"), std::string::npos);
  EXPECT_NE(r.body.find("process_resident_memory_bytes "), std::string::npos);
}
