#include <gtest/gtest.h>

#include "plugins/plugins.h"
#include "test_objects.h"

namespace k3s::scheduler {
namespace {

using testing::Harness;
using Json = nlohmann::json;

Json term(Json match_labels, std::string topology_key, Json extra = Json::object()) {
  Json t = {{"labelSelector", {{"matchLabels", match_labels}}}, {"topologyKey", topology_key}};
  for (auto& [k, v] : extra.items()) t[k] = v;
  return t;
}

Json pod_affinity(const char* kind, const char* mode, Json terms) {
  return {{"affinity", {{kind, {{mode, terms}}}}}};
}

std::string first_sentence(const std::string& m) { return m.substr(0, m.find('.') + 1); }

class ZonedCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    h.add_node(testing::node("a1", {.labels = {{"topology.kubernetes.io/zone", "a"}}}));
    h.add_node(testing::node("a2", {.labels = {{"topology.kubernetes.io/zone", "a"}}}));
    h.add_node(testing::node("b1", {.labels = {{"topology.kubernetes.io/zone", "b"}}}));
  }
  Harness h;
};

TEST_F(ZonedCluster, RequiredAffinityFollowsMatchingPodsZone) {
  h.add_pod(testing::pod("db", {.labels = {{"app", "db"}}, .node_name = "b1"}));
  auto spec = pod_affinity("podAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                           {term({{"app", "db"}}, "topology.kubernetes.io/zone")});
  EXPECT_EQ(h.schedule(testing::pod("web", {.extra_spec = spec})).node, "b1");
}

TEST_F(ZonedCluster, RequiredAffinityWithoutMatchesFails) {
  h.add_pod(testing::pod("db", {.labels = {{"app", "db"}}, .node_name = "b1"}));
  auto spec = pod_affinity("podAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                           {term({{"app", "cache"}}, "topology.kubernetes.io/zone")});
  // No pod anywhere matches and the pod does not match its own term.
  auto r = h.schedule(testing::pod("web", {.extra_spec = spec}));
  EXPECT_EQ(r.message,
            "0/3 nodes are available: 3 node(s) didn't match pod affinity rules. preemption: 0/3 nodes are available: "
            "3 Preemption is not helpful for scheduling.");
}

TEST_F(ZonedCluster, FirstPodOfSelfAffineGroupIsAllowed) {
  auto spec = pod_affinity("podAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                           {term({{"app", "web"}}, "topology.kubernetes.io/zone")});
  auto r = h.schedule(testing::pod("web", {.labels = {{"app", "web"}}, .extra_spec = spec}));
  EXPECT_FALSE(r.node.empty()) << r.message;
}

TEST_F(ZonedCluster, RequiredAntiAffinityByHostname) {
  h.add_pod(testing::pod("w0", {.labels = {{"app", "web"}}, .node_name = "a1"}));
  h.add_pod(testing::pod("w1", {.labels = {{"app", "web"}}, .node_name = "a2"}));
  auto spec = pod_affinity("podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                           {term({{"app", "web"}}, "kubernetes.io/hostname")});
  EXPECT_EQ(h.schedule(testing::pod("w2", {.labels = {{"app", "web"}}, .extra_spec = spec})).node, "b1");
  h.add_pod(testing::pod("w3", {.labels = {{"app", "web"}}, .node_name = "b1"}));
  auto r = h.schedule(testing::pod("w4", {.labels = {{"app", "web"}}, .extra_spec = spec}));
  EXPECT_EQ(first_sentence(r.message), "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
}

TEST_F(ZonedCluster, ExistingPodsAntiAffinityRejectsIncomingPod) {
  auto spec = pod_affinity("podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                           {term({{"app", "noisy"}}, "topology.kubernetes.io/zone")});
  h.add_pod(testing::pod("quiet", {.node_name = "a1", .extra_spec = spec}));
  auto r = h.schedule(testing::pod("n", {.labels = {{"app", "noisy"}}}));
  EXPECT_EQ(r.node, "b1");
  h.add_pod(testing::pod("quiet2", {.node_name = "b1", .extra_spec = spec}));
  r = h.schedule(testing::pod("n", {.labels = {{"app", "noisy"}}}));
  EXPECT_EQ(first_sentence(r.message), "0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules.");
}

TEST_F(ZonedCluster, NamespacesAndNamespaceSelector) {
  h.cluster.upsert_namespace({{"metadata", {{"name", "prod"}, {"labels", {{"env", "prod"}}}}}});
  h.add_pod(testing::pod("db", {.ns = "prod", .labels = {{"app", "db"}}, .node_name = "a2"}));
  // Same namespace only by default: nothing matches in "default".
  auto own_ns = pod_affinity("podAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                             {term({{"app", "db"}}, "kubernetes.io/hostname")});
  EXPECT_TRUE(h.schedule(testing::pod("web", {.extra_spec = own_ns})).node.empty());
  auto listed = pod_affinity("podAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                             {term({{"app", "db"}}, "kubernetes.io/hostname", {{"namespaces", {"prod"}}})});
  EXPECT_EQ(h.schedule(testing::pod("web", {.extra_spec = listed})).node, "a2");
  auto selected = pod_affinity(
      "podAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
      {term({{"app", "db"}}, "kubernetes.io/hostname", {{"namespaceSelector", {{"matchLabels", {{"env", "prod"}}}}}})});
  EXPECT_EQ(h.schedule(testing::pod("web", {.extra_spec = selected})).node, "a2");
  auto all = pod_affinity("podAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                          {term({{"app", "db"}}, "kubernetes.io/hostname", {{"namespaceSelector", Json::object()}})});
  EXPECT_EQ(h.schedule(testing::pod("web", {.extra_spec = all})).node, "a2");
}

TEST_F(ZonedCluster, PreferredAffinityAndAntiAffinityScore) {
  h.add_pod(testing::pod("cache", {.labels = {{"app", "cache"}}, .node_name = "a1"}));
  Json pref = {{"affinity",
                {{"podAffinity",
                  {{"preferredDuringSchedulingIgnoredDuringExecution",
                    {{{"weight", 100}, {"podAffinityTerm", term({{"app", "cache"}}, "kubernetes.io/hostname")}}}}}}}}};
  EXPECT_EQ(h.schedule(testing::pod("web", {.extra_spec = pref})).node, "a1");
  Json anti = {{"affinity",
                {{"podAntiAffinity",
                  {{"preferredDuringSchedulingIgnoredDuringExecution",
                    {{{"weight", 100}, {"podAffinityTerm", term({{"app", "cache"}}, "topology.kubernetes.io/zone")}}}}}}}}};
  EXPECT_EQ(h.schedule(testing::pod("web", {.extra_spec = anti})).node, "b1");
}

Json spread(int max_skew, std::string key, std::string when, Json extra = Json::object()) {
  Json c = {{"maxSkew", max_skew},
            {"topologyKey", key},
            {"whenUnsatisfiable", when},
            {"labelSelector", {{"matchLabels", {{"app", "web"}}}}}};
  for (auto& [k, v] : extra.items()) c[k] = v;
  return {{"topologySpreadConstraints", Json::array({c})}};
}

TEST_F(ZonedCluster, TopologySpreadDoNotSchedule) {
  h.add_pod(testing::pod("w0", {.labels = {{"app", "web"}}, .node_name = "a1"}));
  auto spec = spread(1, "topology.kubernetes.io/zone", "DoNotSchedule");
  // zone a has 1, zone b 0: placing in a gives skew 2.
  EXPECT_EQ(h.schedule(testing::pod("w1", {.labels = {{"app", "web"}}, .extra_spec = spec})).node, "b1");
  h.add_pod(testing::pod("w1", {.labels = {{"app", "web"}}, .node_name = "b1"}));
  h.add_pod(testing::pod("w2", {.labels = {{"app", "web"}}, .node_name = "b1"}));
  auto r = h.schedule(testing::pod("w3", {.labels = {{"app", "web"}}, .extra_spec = spec}));
  EXPECT_TRUE(r.node == "a1" || r.node == "a2") << r.node;
  h.cluster.upsert_node(testing::node("a1", {.labels = {{"topology.kubernetes.io/zone", "a"}}, .unschedulable = true}));
  h.cluster.upsert_node(testing::node("a2", {.labels = {{"topology.kubernetes.io/zone", "a"}}, .unschedulable = true}));
  r = h.schedule(testing::pod("w3", {.labels = {{"app", "web"}}, .extra_spec = spec}));
  EXPECT_EQ(first_sentence(r.message),
            "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints, 2 node(s) were "
            "unschedulable.");
}

TEST_F(ZonedCluster, TopologySpreadMissingLabel) {
  h.add_node(testing::node("nolabel"));
  auto spec = spread(1, "topology.kubernetes.io/zone", "DoNotSchedule");
  h.cluster.upsert_node(testing::node("a1", {.labels = {{"topology.kubernetes.io/zone", "a"}}, .unschedulable = true}));
  h.cluster.upsert_node(testing::node("a2", {.labels = {{"topology.kubernetes.io/zone", "a"}}, .unschedulable = true}));
  h.cluster.upsert_node(testing::node("b1", {.labels = {{"topology.kubernetes.io/zone", "b"}}, .unschedulable = true}));
  auto r = h.schedule(testing::pod("w", {.labels = {{"app", "web"}}, .extra_spec = spec}));
  EXPECT_EQ(first_sentence(r.message),
            "0/4 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required "
            "label), 3 node(s) were unschedulable.");
}

TEST_F(ZonedCluster, TopologySpreadMinDomains) {
  // Only zones a and b exist but minDomains 3: the global minimum counts as 0, so each zone
  // takes at most maxSkew pods.
  auto spec = spread(1, "topology.kubernetes.io/zone", "DoNotSchedule", {{"minDomains", 3}});
  h.add_pod(testing::pod("w0", {.labels = {{"app", "web"}}, .node_name = "a1"}));
  h.add_pod(testing::pod("w1", {.labels = {{"app", "web"}}, .node_name = "b1"}));
  auto r = h.schedule(testing::pod("w2", {.labels = {{"app", "web"}}, .extra_spec = spec}));
  EXPECT_TRUE(r.node.empty()) << r.node;
  auto without = spread(1, "topology.kubernetes.io/zone", "DoNotSchedule");
  EXPECT_FALSE(h.schedule(testing::pod("w2", {.labels = {{"app", "web"}}, .extra_spec = without})).node.empty());
}

TEST_F(ZonedCluster, TopologySpreadHonorsNodeAffinityByDefault) {
  // w0 sits in zone b but the pod may only go to zone a nodes: zone b is not counted, so
  // zone a (0 pods) is fine even with maxSkew 1.
  h.add_pod(testing::pod("w0", {.labels = {{"app", "web"}}, .node_name = "b1"}));
  h.add_pod(testing::pod("w1", {.labels = {{"app", "web"}}, .node_name = "b1"}));
  auto spec = spread(1, "topology.kubernetes.io/zone", "DoNotSchedule");
  spec["nodeSelector"] = {{"topology.kubernetes.io/zone", "a"}};
  EXPECT_FALSE(h.schedule(testing::pod("w", {.labels = {{"app", "web"}}, .extra_spec = spec})).node.empty());
}

TEST_F(ZonedCluster, TopologySpreadScheduleAnywayPrefersEmptierDomain) {
  h.add_pod(testing::pod("w0", {.labels = {{"app", "web"}}, .node_name = "a1"}));
  h.add_pod(testing::pod("w1", {.labels = {{"app", "web"}}, .node_name = "a2"}));
  auto spec = spread(1, "topology.kubernetes.io/zone", "ScheduleAnyway");
  EXPECT_EQ(h.schedule(testing::pod("w", {.labels = {{"app", "web"}}, .extra_spec = spec})).node, "b1");
}

}  // namespace
}  // namespace k3s::scheduler

namespace k3s::scheduler {
namespace {

// Selectors the per-node label counts cannot answer (expressions, several requirements)
// are counted by scanning; both paths must agree.
TEST(TopologySpreadCounting, ExpressionSelectorsMatchLabelSelectors) {
  for (bool expressions : {false, true}) {
    Harness h;
    h.add_node(testing::node("a1", {.labels = {{"topology.kubernetes.io/zone", "a"}}}));
    h.add_node(testing::node("b1", {.labels = {{"topology.kubernetes.io/zone", "b"}}}));
    h.add_pod(testing::pod("w0", {.labels = {{"app", "web"}, {"tier", "x"}}, .node_name = "a1"}));
    h.add_pod(testing::pod("other", {.labels = {{"app", "db"}}, .node_name = "b1"}));
    Json selector = expressions ? Json::parse(R"({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]},
                                                                       {"key": "tier", "operator": "Exists"}]})")
                                : Json::parse(R"({"matchLabels": {"app": "web"}})");
    Json spec = {{"topologySpreadConstraints",
                  Json::array({{{"maxSkew", 1},
                                {"topologyKey", "topology.kubernetes.io/zone"},
                                {"whenUnsatisfiable", "DoNotSchedule"},
                                {"labelSelector", selector}}})}};
    EXPECT_EQ(h.schedule(testing::pod("w1", {.labels = {{"app", "web"}, {"tier", "x"}}, .extra_spec = spec})).node, "b1")
        << "expressions=" << expressions;
  }
}

}  // namespace
}  // namespace k3s::scheduler
