#include <gtest/gtest.h>

#include "core/namespace_conditions.h"

using k3s::controllers::Json;
using k3s::controllers::core::namespace_deletion_conditions;
using k3s::controllers::core::NamespaceContentReport;

namespace {
const Json* find(const Json& conditions, const std::string& type) {
  for (const auto& c : conditions)
    if (c["type"] == type) return &c;
  return nullptr;
}
}  // namespace

TEST(NamespaceConditions, AllClearWhenEverythingIsGone) {
  NamespaceContentReport report;
  EXPECT_TRUE(report.done());
  Json c = namespace_deletion_conditions(report, Json::array(), "2026-11-22T13:00:00Z");
  ASSERT_EQ(c.size(), 5u);
  for (const auto& condition : c) {
    EXPECT_EQ(condition["status"], "False");
    EXPECT_EQ(condition["lastTransitionTime"], "2026-11-22T13:00:00Z");
  }
  EXPECT_EQ((*find(c, "NamespaceContentRemaining"))["reason"], "ContentRemoved");
  EXPECT_EQ((*find(c, "NamespaceFinalizersRemaining"))["message"], "All content-preserving finalizers finished");
}

TEST(NamespaceConditions, RemainingContentAndFinalizersAreCounted) {
  NamespaceContentReport report;
  report.remaining = {{"configmaps", 2}, {"deployments.apps", 1}};
  report.finalizers = {{"example.com/hold", 2}};
  EXPECT_FALSE(report.done());
  Json c = namespace_deletion_conditions(report, Json::array(), "t1");
  const Json& remaining = *find(c, "NamespaceContentRemaining");
  EXPECT_EQ(remaining["status"], "True");
  EXPECT_EQ(remaining["reason"], "SomeResourcesRemain");
  EXPECT_EQ(remaining["message"],
            "Some resources are remaining: configmaps has 2 resource instances, deployments.apps has 1 resource instances");
  const Json& finalizers = *find(c, "NamespaceFinalizersRemaining");
  EXPECT_EQ(finalizers["status"], "True");
  EXPECT_EQ(finalizers["message"],
            "Some content in the namespace has finalizers remaining: example.com/hold in 2 resource instances");
}

TEST(NamespaceConditions, FailuresAreReported) {
  NamespaceContentReport report;
  report.discovery_error = "metrics.k8s.io/v1beta1: the server is currently unable to handle the request";
  report.deletion_failures = {"widgets.example.com: boom"};
  Json c = namespace_deletion_conditions(report, Json::array(), "t1");
  EXPECT_EQ((*find(c, "NamespaceDeletionDiscoveryFailure"))["status"], "True");
  EXPECT_EQ((*find(c, "NamespaceDeletionDiscoveryFailure"))["reason"], "DiscoveryFailed");
  EXPECT_EQ((*find(c, "NamespaceDeletionContentFailure"))["message"],
            "Failed to delete all resource types, 1 remaining: widgets.example.com: boom");
}

TEST(NamespaceConditions, TransitionTimeMovesOnlyWithTheStatus) {
  NamespaceContentReport report;
  report.remaining = {{"pods", 1}};
  Json first = namespace_deletion_conditions(report, Json::array(), "t1");
  Json again = namespace_deletion_conditions(report, first, "t2");
  EXPECT_EQ(first, again);
  report.remaining.clear();
  Json cleared = namespace_deletion_conditions(report, again, "t3");
  EXPECT_EQ((*find(cleared, "NamespaceContentRemaining"))["lastTransitionTime"], "t3");
  EXPECT_EQ((*find(cleared, "NamespaceDeletionDiscoveryFailure"))["lastTransitionTime"], "t1");
}
