// What ResourceQuota charges for pods and which resource a count/* key names.
#include <gtest/gtest.h>

#include "object/quota_usage.h"

using namespace k3s::object;
using Json = nlohmann::json;

namespace {

Json pod(Json containers, Json init = Json::array(), const std::string& phase = "Running") {
  return {{"spec", {{"containers", containers}, {"initContainers", init}}}, {"status", {{"phase", phase}}}};
}

Json container(const std::string& cpu, const std::string& memory, const std::string& cpu_limit = "") {
  Json c = {{"name", "c"}, {"resources", {{"requests", {{"cpu", cpu}, {"memory", memory}}}}}};
  if (!cpu_limit.empty()) c["resources"]["limits"] = {{"cpu", cpu_limit}};
  return c;
}

}  // namespace

TEST(QuotaUsage, SumsContainersAndTakesTheLargestInitContainer) {
  const auto usage = pod_compute_usage(pod({container("100m", "64Mi", "1"), container("250m", "128Mi")},
                                           {container("500m", "32Mi")}));
  EXPECT_EQ(usage.at("requests.cpu").to_string(), "500m");
  EXPECT_EQ(usage.at("requests.memory").to_string(), "192Mi");
  EXPECT_EQ(usage.at("limits.cpu").to_string(), "1");
}

TEST(QuotaUsage, OnlyKeysOfHardAndOnlyLivePods) {
  std::vector<Json> pods = {pod({container("100m", "64Mi")}), pod({container("200m", "64Mi")}),
                            pod({container("4", "8Gi")}, Json::array(), "Succeeded")};
  const Json hard = {{"requests.cpu", "2"}, {"memory", "1Gi"}, {"limits.cpu", "4"}, {"pods", "10"}};
  const auto used = compute_usage(pods, hard);
  EXPECT_EQ(used.at("requests.cpu").to_string(), "300m");
  EXPECT_EQ(used.at("memory").to_string(), "128Mi");
  EXPECT_EQ(used.at("limits.cpu").to_string(), "0");
  EXPECT_EQ(used.count("pods"), 0u);  // counted elsewhere
  EXPECT_FALSE(pod_counts_for_quota(pods[2]));
}

TEST(QuotaUsage, CountedResources) {
  EXPECT_EQ(counted_resource("pods").resource, "pods");
  EXPECT_EQ(counted_resource("configmaps").resource, "configmaps");
  const auto deployments = counted_resource("count/deployments.apps");
  EXPECT_EQ(deployments.group, "apps");
  EXPECT_EQ(deployments.resource, "deployments");
  const auto secrets = counted_resource("count/secrets");
  EXPECT_EQ(secrets.group, "");
  EXPECT_EQ(secrets.resource, "secrets");
  EXPECT_EQ(counted_resource("requests.cpu").resource, "");
}
