#include <gtest/gtest.h>

#include "object/pod_resources.h"

using Json = nlohmann::json;
using k3s::object::default_container_requests;
using k3s::object::pod_qos_class;

namespace {

Json pod_with(const Json& resources) {
  Json container = {{"name", "c"}, {"image", "busybox"}};
  if (!resources.is_null()) container["resources"] = resources;
  return {{"spec", {{"containers", Json::array({container})}}}};
}

}  // namespace

TEST(PodQos, ClassesFromCpuAndMemory) {
  EXPECT_EQ(pod_qos_class(pod_with(nullptr)), "BestEffort");
  EXPECT_EQ(pod_qos_class(pod_with({{"requests", {{"cpu", "100m"}}}})), "Burstable");
  EXPECT_EQ(pod_qos_class(pod_with({{"limits", {{"cpu", "1"}, {"memory", "1Gi"}}}})), "Guaranteed");
  EXPECT_EQ(pod_qos_class(pod_with({{"limits", {{"cpu", "1"}, {"memory", "1Gi"}}},
                                    {"requests", {{"cpu", "1000m"}, {"memory", "1Gi"}}}})),
            "Guaranteed");
  EXPECT_EQ(pod_qos_class(pod_with({{"limits", {{"cpu", "1"}, {"memory", "1Gi"}}}, {"requests", {{"cpu", "500m"}}}})),
            "Burstable");
  // Only cpu and memory decide; zero values count as unset.
  EXPECT_EQ(pod_qos_class(pod_with({{"requests", {{"ephemeral-storage", "1Gi"}, {"cpu", "0"}}}})), "BestEffort");
  Json init = pod_with({{"limits", {{"cpu", "1"}, {"memory", "1Gi"}}}});
  init["spec"]["initContainers"] = Json::array({{{"name", "i"}, {"resources", {{"requests", {{"cpu", "1"}}}}}}});
  EXPECT_EQ(pod_qos_class(init), "Burstable");
}

TEST(PodQos, RequestsDefaultToLimits) {
  Json container = {{"resources", {{"limits", {{"cpu", "1"}, {"memory", "1Gi"}}}, {"requests", {{"cpu", "500m"}}}}}};
  default_container_requests(container);
  EXPECT_EQ(container["resources"]["requests"], (Json{{"cpu", "500m"}, {"memory", "1Gi"}}));
  Json bare = {{"name", "c"}};
  default_container_requests(bare);
  EXPECT_FALSE(bare.contains("resources"));
}
