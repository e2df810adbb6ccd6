#include <gtest/gtest.h>

#include "plugins/plugins.h"
#include "test_objects.h"

namespace k3s::scheduler {
namespace {

using testing::Harness;
using Json = nlohmann::json;

// Scores of one plugin for every node, normalized (as the framework would combine them).
std::vector<std::int64_t> plugin_scores(std::shared_ptr<Plugin> plugin, const Json& pod_json, const ClusterState& cluster) {
  auto pod = parse_pod(pod_json);
  auto* scorer = dynamic_cast<ScorePlugin*>(plugin.get());
  CycleState state;
  std::vector<const NodeInfo*> nodes(cluster.nodes().begin(), cluster.nodes().end());
  EXPECT_TRUE(scorer->pre_score(state, *pod, nodes, cluster).is_success());
  std::vector<std::int64_t> scores;
  for (auto* n : nodes) scores.push_back(scorer->score(state, *pod, *n, cluster));
  scorer->normalize(state, *pod, scores);
  return scores;
}

TEST(LeastAllocated, PrefersEmptierNode) {
  Harness h;
  h.add_node(testing::node("busy", {.cpu = "4", .memory = "8Gi"}));
  h.add_node(testing::node("idle", {.cpu = "4", .memory = "8Gi"}));
  h.add_pod(testing::pod("x", {.cpu = "3", .memory = "6Gi", .node_name = "busy"}));
  EXPECT_EQ(h.schedule(testing::pod("p", {.cpu = "100m", .memory = "100Mi"})).node, "idle");
  auto s = plugin_scores(plugins::make_node_resources_fit(), testing::pod("p", {.cpu = "1", .memory = "2Gi"}), h.cluster);
  // busy: cpu (4000-4000)/4000 -> 0, mem 0 -> 0; idle: cpu 75, mem 75.
  EXPECT_EQ(s, (std::vector<std::int64_t>{0, 75}));
}

TEST(LeastAllocated, UsesNonZeroDefaultsForPodsWithoutRequests) {
  Harness h;
  h.add_node(testing::node("a", {.cpu = "1", .memory = "1Gi"}));
  auto s = plugin_scores(plugins::make_node_resources_fit(), testing::pod("p"), h.cluster);
  // cpu: (1000-100)*100/1000 = 90; memory: (1024-200)*100/1024 = 80 -> 85
  EXPECT_EQ(s, (std::vector<std::int64_t>{85}));
}

TEST(BalancedAllocation, PrefersEvenUse) {
  Harness h;
  h.add_node(testing::node("a", {.cpu = "4", .memory = "4Gi"}));
  h.add_node(testing::node("b", {.cpu = "4", .memory = "4Gi"}));
  h.add_pod(testing::pod("x", {.cpu = "2", .node_name = "a"}));  // a: cpu 50%, mem 0%
  auto s = plugin_scores(plugins::make_balanced_allocation(), testing::pod("p", {.cpu = "1", .memory = "1Gi"}), h.cluster);
  // a: cpu .75 mem .25 -> 1 - .25 = 75; b: .25/.25 -> 100
  EXPECT_EQ(s, (std::vector<std::int64_t>{75, 100}));
}

TEST(TaintTolerationScore, PreferNoScheduleCounted) {
  Harness h;
  h.add_node(testing::node("a", {.taints = Json::array({{{"key", "k1"}, {"effect", "PreferNoSchedule"}},
                                                         {{"key", "k2"}, {"effect", "PreferNoSchedule"}}})}));
  h.add_node(testing::node("b", {.taints = Json::array({{{"key", "k1"}, {"effect", "PreferNoSchedule"}}})}));
  h.add_node(testing::node("c"));
  auto s = plugin_scores(plugins::make_taint_toleration(), testing::pod("p"), h.cluster);
  EXPECT_EQ(s, (std::vector<std::int64_t>{0, 50, 100}));
}

TEST(NodeAffinityScore, PreferredTermsWeighted) {
  Harness h;
  h.add_node(testing::node("a", {.labels = {{"zone", "x"}}}));
  h.add_node(testing::node("b", {.labels = {{"zone", "y"}, {"ssd", "1"}}}));
  Json pref = Json::parse(R"({"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
      {"weight": 20, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["x"]}]}},
      {"weight": 80, "preference": {"matchExpressions": [{"key": "ssd", "operator": "Exists"}]}}]}}})");
  auto s = plugin_scores(plugins::make_node_affinity(), testing::pod("p", {.extra_spec = pref}), h.cluster);
  EXPECT_EQ(s, (std::vector<std::int64_t>{25, 100}));
  EXPECT_EQ(h.schedule(testing::pod("p", {.extra_spec = pref})).node, "b");
}

TEST(ImageLocality, PrefersNodeWithImage) {
  Harness h;
  Json images = Json::array({{{"names", {"docker.io/library/busybox:latest"}}, {"sizeBytes", 500LL * 1024 * 1024}}});
  h.add_node(testing::node("cold"));
  h.add_node(testing::node("warm", {.images = images}));
  auto s = plugin_scores(plugins::make_image_locality(), testing::pod("p"), h.cluster);
  EXPECT_EQ(s[0], 0);
  EXPECT_GT(s[1], 0);
  EXPECT_EQ(h.schedule(testing::pod("p")).node, "warm");
}

TEST(DefaultSpreading, ReplicasOfOneControllerSpreadAcrossNodes) {
  Harness h;
  for (auto n : {"a", "b", "c"}) h.add_node(testing::node(n));
  std::map<std::string, int> per_node;
  for (int i = 0; i < 6; ++i) {
    auto p = testing::pod("web-" + std::to_string(i), {.labels = {{"app", "web"}}, .owner_uid = "rs-1"});
    auto r = h.schedule(p);
    ASSERT_FALSE(r.node.empty());
    per_node[r.node]++;
    p["spec"]["nodeName"] = r.node;
    h.add_pod(p);
  }
  EXPECT_EQ(per_node, (std::map<std::string, int>{{"a", 2}, {"b", 2}, {"c", 2}}));
}

}  // namespace
}  // namespace k3s::scheduler
