#include <gtest/gtest.h>

#include "core/endpoints_builder.h"

using k3s::controllers::Json;
using k3s::controllers::ObjectPtr;
using namespace k3s::controllers::core;

namespace {

ObjectPtr pod(const std::string& name, const std::string& ip, bool ready, Json extra_spec = Json::object()) {
  Json p = {{"metadata", {{"name", name}, {"namespace", "ns"}, {"uid", "uid-" + name}, {"labels", {{"app", "web"}}}}},
            {"spec",
             {{"nodeName", "n1"},
              {"containers", {{{"name", "c"}, {"ports", {{{"name", "http"}, {"containerPort", 8080}}}}}}}}},
            {"status",
             {{"phase", "Running"},
              {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}};
  if (!ip.empty()) p["status"]["podIP"] = ip;
  p["spec"].update(extra_spec);
  return std::make_shared<const Json>(p);
}

Json service(Json ports, bool publish_not_ready = false) {
  return {{"metadata", {{"name", "web"}, {"namespace", "ns"}, {"uid", "svc"}}},
          {"spec", {{"selector", {{"app", "web"}}}, {"ports", ports}, {"publishNotReadyAddresses", publish_not_ready}}}};
}

}  // namespace

TEST(EndpointsBuilder, ReadyAndNotReadyAddressesWithNamedPorts) {
  Json svc = service(Json::array({{{"name", "web"}, {"port", 80}, {"targetPort", "http"}, {"protocol", "TCP"}}}));
  bool truncated = true;
  Json subsets = build_endpoints_subsets(svc, {pod("b", "10.42.0.6", false), pod("a", "10.42.0.5", true), pod("c", "", true)},
                                         truncated);
  EXPECT_FALSE(truncated);
  ASSERT_EQ(subsets.size(), 1u);
  EXPECT_EQ(subsets[0]["addresses"][0]["ip"], "10.42.0.5");
  EXPECT_EQ(subsets[0]["addresses"][0]["nodeName"], "n1");
  EXPECT_EQ(subsets[0]["addresses"][0]["targetRef"]["name"], "a");
  EXPECT_EQ(subsets[0]["notReadyAddresses"][0]["ip"], "10.42.0.6");
  EXPECT_EQ(subsets[0]["ports"], Json::array({{{"name", "web"}, {"port", 8080}, {"protocol", "TCP"}}}));
}

TEST(EndpointsBuilder, PublishNotReadyAddressesAndTerminatingPods) {
  Json svc = service(Json::array({{{"port", 80}, {"targetPort", 9090}}}), true);
  Json terminating = *pod("t", "10.42.0.9", true);
  terminating["metadata"]["deletionTimestamp"] = "2026-11-22T13:00:00Z";
  bool truncated = false;
  Json subsets = build_endpoints_subsets(
      svc, {pod("b", "10.42.0.6", false), std::make_shared<const Json>(terminating)}, truncated);
  ASSERT_EQ(subsets.size(), 1u);
  EXPECT_EQ(subsets[0]["addresses"].size(), 2u);
  EXPECT_FALSE(subsets[0].contains("notReadyAddresses"));
  EXPECT_EQ(subsets[0]["ports"][0]["port"], 9090);

  Json hidden = service(Json::array({{{"port", 80}}}));
  subsets = build_endpoints_subsets(hidden, {std::make_shared<const Json>(terminating)}, truncated);
  EXPECT_TRUE(subsets.empty());
}

TEST(EndpointsBuilder, FinishedPodsAreLeftOut) {
  Json done = *pod("done", "10.42.0.7", false, {{"restartPolicy", "Never"}});
  done["status"]["phase"] = "Succeeded";
  EXPECT_FALSE(should_pod_be_in_endpoints(done, true));
  EXPECT_TRUE(should_pod_be_in_endpoints(*pod("running", "10.42.0.8", false), false));
}

TEST(EndpointsBuilder, PodsWithoutTheNamedPortAreLeftOut) {
  Json svc = service(Json::array({{{"name", "metrics"}, {"port", 9100}, {"targetPort", "metrics"}}}));
  bool truncated = false;
  EXPECT_TRUE(build_endpoints_subsets(svc, {pod("a", "10.42.0.5", true)}, truncated).empty());
  EXPECT_EQ(resolve_target_port(*pod("a", "1.2.3.4", true), {{"port", 80}}), 80);
  EXPECT_EQ(resolve_target_port(*pod("a", "1.2.3.4", true), {{"port", 80}, {"targetPort", "8081"}}), 8081);
  // The named port must use the Service port's protocol.
  EXPECT_EQ(resolve_target_port(*pod("a", "1.2.3.4", true), {{"port", 80}, {"targetPort", "http"}, {"protocol", "UDP"}}),
            std::nullopt);
}

TEST(EndpointsBuilder, EndpointsAreCappedAtAThousand) {
  Json svc = service(Json::array({{{"port", 80}}}));
  std::vector<ObjectPtr> pods;
  for (int i = 0; i < 1005; ++i)
    pods.push_back(pod("p" + std::to_string(i), "10.42." + std::to_string(i / 250) + "." + std::to_string(i % 250), true));
  bool truncated = false;
  Json subsets = build_endpoints_subsets(svc, pods, truncated);
  EXPECT_TRUE(truncated);
  EXPECT_EQ(subsets[0]["addresses"].size(), 1000u);
}

TEST(EndpointSlices, ConditionsAndChunking) {
  Json svc = service(Json::array({{{"name", "web"}, {"port", 80}, {"targetPort", "http"}, {"protocol", "TCP"}}}));
  Json terminating = *pod("t", "10.42.0.9", true);
  terminating["metadata"]["deletionTimestamp"] = "2026-11-22T13:00:00Z";
  auto slices = build_endpoint_slices(
      svc, {pod("a", "10.42.0.5", true), pod("b", "10.42.0.6", false), std::make_shared<const Json>(terminating)}, 2);
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(slices[0].address_type, "IPv4");
  EXPECT_EQ(slices[0].ports, Json::array({{{"name", "web"}, {"port", 8080}, {"protocol", "TCP"}}}));
  ASSERT_EQ(slices[0].endpoints.size(), 2u);
  const Json& a = slices[0].endpoints[0];
  EXPECT_EQ(a["addresses"], Json::array({"10.42.0.5"}));
  EXPECT_EQ(a["conditions"], Json({{"ready", true}, {"serving", true}, {"terminating", false}}));
  EXPECT_EQ(a["targetRef"]["kind"], "Pod");
  EXPECT_EQ(slices[0].endpoints[1]["conditions"]["ready"], false);
  const Json& t = slices[1].endpoints[0];
  EXPECT_EQ(t["conditions"], Json({{"ready", false}, {"serving", true}, {"terminating", true}}));
}

TEST(EndpointSlices, EmptyServiceGetsOnePlaceholderPerFamily) {
  Json svc = service(Json::array({{{"port", 80}}}));
  svc["spec"]["ipFamilies"] = {"IPv4", "IPv6"};
  auto slices = build_endpoint_slices(svc, {});
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(slices[1].address_type, "IPv6");
  EXPECT_TRUE(slices[0].endpoints.empty());
}
