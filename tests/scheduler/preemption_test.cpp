#include <gtest/gtest.h>

#include <algorithm>

#include "test_objects.h"

namespace k3s::scheduler {
namespace {

using testing::Harness;
using Json = nlohmann::json;

std::vector<std::string> names(const std::vector<PodInfoPtr>& pods) {
  std::vector<std::string> out;
  for (const auto& p : pods) out.push_back(p->name);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Preemption, EvictsMinimalSetOfLowestPriorityPods) {
  Harness h;
  h.add_node(testing::node("a", {.cpu = "4"}));
  h.add_pod(testing::pod("low1", {.cpu = "1", .node_name = "a", .priority = 1}));
  h.add_pod(testing::pod("low2", {.cpu = "1", .node_name = "a", .priority = 2}));
  h.add_pod(testing::pod("mid", {.cpu = "2", .node_name = "a", .priority = 5}));
  auto r = h.schedule(testing::pod("vip", {.cpu = "1", .priority = 10}));
  EXPECT_TRUE(r.node.empty());
  EXPECT_EQ(r.nominated_node, "a");
  // Only one cpu is needed: the least important pod goes.
  EXPECT_EQ(names(r.victims), (std::vector<std::string>{"low1"}));
  EXPECT_EQ(r.message, "0/1 nodes are available: 1 Insufficient cpu.");
}

TEST(Preemption, NeverEvictsEqualOrHigherPriority) {
  Harness h;
  h.add_node(testing::node("a", {.cpu = "2"}));
  h.add_pod(testing::pod("peer", {.cpu = "2", .node_name = "a", .priority = 10}));
  auto r = h.schedule(testing::pod("vip", {.cpu = "1", .priority = 10}));
  EXPECT_TRUE(r.victims.empty());
  EXPECT_EQ(r.message,
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims "
            "found for incoming pod.");
}

TEST(Preemption, NotHelpfulWhenEvenAllLowerPodsAreNotEnough) {
  Harness h;
  h.add_node(testing::node("a", {.cpu = "2"}));
  h.add_pod(testing::pod("low", {.cpu = "1", .node_name = "a", .priority = 1}));
  auto r = h.schedule(testing::pod("huge", {.cpu = "3", .priority = 10}));
  EXPECT_TRUE(r.victims.empty());
  EXPECT_EQ(r.message,
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.");
}

TEST(Preemption, PolicyNever) {
  Harness h;
  h.add_node(testing::node("a", {.cpu = "1"}));
  h.add_pod(testing::pod("low", {.cpu = "1", .node_name = "a", .priority = 1}));
  auto r = h.schedule(testing::pod("vip", {.cpu = "1", .priority = 10, .extra_spec = {{"preemptionPolicy", "Never"}}}));
  EXPECT_TRUE(r.victims.empty());
  EXPECT_EQ(r.message,
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..");
}

TEST(Preemption, PrefersNodeWhereNoDisruptionBudgetIsViolated) {
  Harness h;
  h.add_node(testing::node("a", {.cpu = "1"}));
  h.add_node(testing::node("b", {.cpu = "1"}));
  h.add_pod(testing::pod("guarded", {.cpu = "1", .labels = {{"app", "db"}}, .node_name = "a", .priority = 1}));
  h.add_pod(testing::pod("free", {.cpu = "1", .labels = {{"app", "batch"}}, .node_name = "b", .priority = 1}));
  h.cluster.upsert_disruption_budget({{"metadata", {{"name", "db"}, {"namespace", "default"}}},
                                      {"spec", {{"selector", {{"matchLabels", {{"app", "db"}}}}}}},
                                      {"status", {{"disruptionsAllowed", 0}}}});
  auto r = h.schedule(testing::pod("vip", {.cpu = "1", .priority = 10}));
  EXPECT_EQ(r.nominated_node, "b");
  EXPECT_EQ(names(r.victims), (std::vector<std::string>{"free"}));
  // Only budget-protected victims left: still preempts (budgets are honoured where possible).
  h.cluster.remove_pod("uid-default-free");
  h.add_pod(testing::pod("guarded2", {.cpu = "1", .labels = {{"app", "db"}}, .node_name = "b", .priority = 1}));
  r = h.schedule(testing::pod("vip", {.cpu = "1", .priority = 10}));
  EXPECT_FALSE(r.nominated_node.empty());
  EXPECT_EQ(r.victims.size(), 1u);
}

TEST(Preemption, PrefersNodeWithLowerPriorityVictims) {
  Harness h;
  h.add_node(testing::node("a", {.cpu = "1"}));
  h.add_node(testing::node("b", {.cpu = "1"}));
  h.add_pod(testing::pod("p5", {.cpu = "1", .node_name = "a", .priority = 5}));
  h.add_pod(testing::pod("p2", {.cpu = "1", .node_name = "b", .priority = 2}));
  auto r = h.schedule(testing::pod("vip", {.cpu = "1", .priority = 10}));
  EXPECT_EQ(r.nominated_node, "b");
}

TEST(Preemption, NominatedPodsReserveTheirNode) {
  Harness h;
  h.add_node(testing::node("a", {.cpu = "2"}));
  auto vip = parse_pod(testing::pod("vip", {.cpu = "2", .priority = 10}));
  auto nominated = std::make_shared<PodInfo>(*vip);
  nominated->nominated_node_name = "a";
  h.cluster.set_nominated(nominated);
  // A lower-priority pod may not take the space the nominated pod waits for.
  auto r = h.schedule(testing::pod("small", {.cpu = "1", .priority = 1}));
  EXPECT_TRUE(r.node.empty());
  // The nominated pod itself fits.
  EXPECT_EQ(h.schedule(testing::pod("vip", {.cpu = "2", .priority = 10})).node, "a");
}

TEST(Preemption, VictimsForAntiAffinity) {
  Harness h;
  h.add_node(testing::node("a"));
  h.add_pod(testing::pod("blocker", {.labels = {{"app", "web"}}, .node_name = "a", .priority = 0}));
  Json anti = {{"affinity",
                {{"podAntiAffinity",
                  {{"requiredDuringSchedulingIgnoredDuringExecution",
                    {{{"labelSelector", {{"matchLabels", {{"app", "web"}}}}}, {"topologyKey", "kubernetes.io/hostname"}}}}}}}}};
  auto r = h.schedule(testing::pod("vip", {.priority = 10, .extra_spec = anti}));
  EXPECT_EQ(r.nominated_node, "a");
  EXPECT_EQ(names(r.victims), (std::vector<std::string>{"blocker"}));
}

}  // namespace
}  // namespace k3s::scheduler
