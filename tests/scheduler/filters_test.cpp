#include <gtest/gtest.h>

#include "test_objects.h"

namespace k3s::scheduler {
namespace {

using testing::Harness;
using testing::NodeSpec;
using testing::PodSpec;
using Json = nlohmann::json;

TEST(FitError, KubeSchedulerWordingWithTaintsAndCpu) {
  Harness h;
  h.add_node(testing::node("cp", {.labels = {}, .taints = Json::array({{{"key", "node-role.kubernetes.io/control-plane"},
                                                                         {"effect", "NoSchedule"}}})}));
  h.add_node(testing::node("w1", {.cpu = "1"}));
  h.add_node(testing::node("w2", {.cpu = "1"}));
  auto r = h.schedule(testing::pod("big", {.cpu = "2"}));
  EXPECT_TRUE(r.node.empty());
  EXPECT_EQ(r.message,
            "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
            "2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
            "2 No preemption victims found for incoming pod.");
}

TEST(FitError, AllInsufficient) {
  Harness h;
  for (auto n : {"a", "b", "c"}) h.add_node(testing::node(n, {.cpu = "1"}));
  auto r = h.schedule(testing::pod("big", {.cpu = "2"}));
  EXPECT_EQ(r.message,
            "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption "
            "victims found for incoming pod.");
}

TEST(FitError, NoNodes) {
  Harness h;
  auto r = h.schedule(testing::pod("p"));
  EXPECT_EQ(r.message, "no nodes available to schedule pods");
}

TEST(FitError, MultipleReasonsPerNodeAreCountedSeparately) {
  Harness h;
  h.add_node(testing::node("a", {.cpu = "1", .memory = "1Gi"}));
  auto r = h.schedule(testing::pod("p", {.cpu = "2", .memory = "2Gi"}));
  EXPECT_EQ(r.message.substr(0, r.message.find('.') + 1),
            "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.");
}

TEST(NodeUnschedulable, CordonedNodeSkippedUnlessTolerated) {
  Harness h;
  h.add_node(testing::node("a", {.unschedulable = true}));
  auto r = h.schedule(testing::pod("p"));
  EXPECT_EQ(r.message.substr(0, r.message.find('.') + 1), "0/1 nodes are available: 1 node(s) were unschedulable.");
  auto tolerant = testing::pod("t", {.extra_spec = {{"tolerations", {{{"key", "node.kubernetes.io/unschedulable"},
                                                                       {"operator", "Exists"},
                                                                       {"effect", "NoSchedule"}}}}}});
  EXPECT_EQ(h.schedule(tolerant).node, "a");
}

TEST(NodeReady, NotReadyNodeFilteredUnlessTolerated) {
  Harness h;
  h.add_node(testing::node("down", {.ready = false}));
  auto r = h.schedule(testing::pod("p"));
  EXPECT_EQ(r.message,
            "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. preemption: 0/1 "
            "nodes are available: 1 Preemption is not helpful for scheduling.");
  auto ds = testing::pod("ds", {.extra_spec = {{"tolerations", {{{"key", "node.kubernetes.io/not-ready"},
                                                                   {"operator", "Exists"}}}}}});
  EXPECT_EQ(h.schedule(ds).node, "down");
}

TEST(TaintToleration, NoExecuteAndNoScheduleFilterPreferNoScheduleDoesNot) {
  Harness h;
  h.add_node(testing::node("a", {.taints = Json::array({{{"key", "dedicated"}, {"value", "db"}, {"effect", "NoExecute"}}})}));
  h.add_node(testing::node("b", {.taints = Json::array({{{"key", "soft"}, {"effect", "PreferNoSchedule"}}})}));
  auto r = h.schedule(testing::pod("p"));
  EXPECT_EQ(r.node, "b");
  auto tol = testing::pod("t", {.extra_spec = {{"tolerations", {{{"key", "dedicated"}, {"value", "db"}, {"effect", "NoExecute"}}}}}});
  h.cluster.upsert_node(testing::node("b", {.taints = Json::array({{{"key", "x"}, {"effect", "NoSchedule"}}})}));
  EXPECT_EQ(h.schedule(tol).node, "a");
}

TEST(NodeAffinity, NodeSelector) {
  Harness h;
  h.add_node(testing::node("a", {.labels = {{"disk", "ssd"}}}));
  h.add_node(testing::node("b"));
  EXPECT_EQ(h.schedule(testing::pod("p", {.extra_spec = {{"nodeSelector", {{"disk", "ssd"}}}}})).node, "a");
  auto r = h.schedule(testing::pod("q", {.extra_spec = {{"nodeSelector", {{"disk", "nvme"}}}}}));
  EXPECT_EQ(r.message,
            "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are "
            "available: 2 Preemption is not helpful for scheduling.");
}

Json required_affinity(Json terms) {
  return {{"affinity", {{"nodeAffinity", {{"requiredDuringSchedulingIgnoredDuringExecution", {{"nodeSelectorTerms", terms}}}}}}}};
}

TEST(NodeAffinity, AllOperators) {
  Harness h;
  h.add_node(testing::node("small", {.labels = {{"gen", "3"}, {"zone", "a"}}}));
  h.add_node(testing::node("large", {.labels = {{"gen", "7"}, {"zone", "b"}, {"gpu", "yes"}}}));
  auto expr = [](std::string key, std::string op, Json values = Json::array()) {
    Json e = {{"key", key}, {"operator", op}};
    if (!values.empty()) e["values"] = values;
    return e;
  };
  auto one = [&](Json e) { return required_affinity(Json::array({{{"matchExpressions", Json::array({e})}}})); };
  EXPECT_EQ(h.schedule(testing::pod("in", {.extra_spec = one(expr("zone", "In", {"b"}))})).node, "large");
  EXPECT_EQ(h.schedule(testing::pod("notin", {.extra_spec = one(expr("zone", "NotIn", {"b"}))})).node, "small");
  EXPECT_EQ(h.schedule(testing::pod("exists", {.extra_spec = one(expr("gpu", "Exists"))})).node, "large");
  EXPECT_EQ(h.schedule(testing::pod("dne", {.extra_spec = one(expr("gpu", "DoesNotExist"))})).node, "small");
  EXPECT_EQ(h.schedule(testing::pod("gt", {.extra_spec = one(expr("gen", "Gt", {"5"}))})).node, "large");
  EXPECT_EQ(h.schedule(testing::pod("lt", {.extra_spec = one(expr("gen", "Lt", {"5"}))})).node, "small");
  Json fields = required_affinity(
      Json::array({{{"matchFields", Json::array({{{"key", "metadata.name"}, {"operator", "In"}, {"values", {"small"}}}})}}}));
  EXPECT_EQ(h.schedule(testing::pod("field", {.extra_spec = fields})).node, "small");
  // Terms are ORed; an empty term matches nothing.
  Json terms = required_affinity(Json::array({Json::object(), {{"matchExpressions", Json::array({expr("zone", "In", {"a"})})}}}));
  EXPECT_EQ(h.schedule(testing::pod("or", {.extra_spec = terms})).node, "small");
  // A malformed value for Gt matches nothing rather than crashing.
  auto bad = h.schedule(testing::pod("bad", {.extra_spec = one(expr("gen", "Gt", {"x"}))}));
  EXPECT_TRUE(bad.node.empty());
}

TEST(NodeResourcesFit, CountsBoundPodsAndPodSlots) {
  Harness h;
  h.add_node(testing::node("a", {.cpu = "2", .pods = 2}));
  h.add_pod(testing::pod("x", {.cpu = "1500m", .node_name = "a"}));
  auto r = h.schedule(testing::pod("p", {.cpu = "1"}));
  EXPECT_EQ(r.message.substr(0, r.message.find('.') + 1), "0/1 nodes are available: 1 Insufficient cpu.");
  h.add_pod(testing::pod("y", {.node_name = "a"}));
  r = h.schedule(testing::pod("q"));
  EXPECT_EQ(r.message.substr(0, r.message.find('.') + 1), "0/1 nodes are available: 1 Too many pods.");
}

TEST(NodeResourcesFit, ExtendedResourcesAndEphemeralStorage) {
  Harness h;
  h.add_node(testing::node("gpu", {.extra_allocatable = {{"nvidia.com/gpu", "1"}, {"ephemeral-storage", "10Gi"}}}));
  h.add_node(testing::node("plain", {.extra_allocatable = {{"ephemeral-storage", "1Gi"}}}));
  auto gpu_pod = testing::pod("g");
  gpu_pod["spec"]["containers"][0]["resources"] = {{"requests", {{"nvidia.com/gpu", "1"}}}};
  EXPECT_EQ(h.schedule(gpu_pod).node, "gpu");
  auto disk_pod = testing::pod("d");
  disk_pod["spec"]["containers"][0]["resources"] = {{"requests", {{"ephemeral-storage", "5Gi"}}}};
  EXPECT_EQ(h.schedule(disk_pod).node, "gpu");
  gpu_pod["spec"]["containers"][0]["resources"]["requests"]["nvidia.com/gpu"] = "2";
  auto r = h.schedule(gpu_pod);
  EXPECT_EQ(r.message.substr(0, r.message.find(" preemption")), "0/2 nodes are available: 2 Insufficient nvidia.com/gpu.");
}

TEST(NodePorts, HostPortConflicts) {
  Harness h;
  h.add_node(testing::node("a"));
  h.add_node(testing::node("b"));
  Json ports = {{"containers", {{{"name", "c"}, {"image", "x"}, {"ports", {{{"containerPort", 80}, {"hostPort", 8080}}}}}}}};
  h.add_pod(testing::pod("x", {.node_name = "a", .extra_spec = ports}));
  EXPECT_EQ(h.schedule(testing::pod("p", {.extra_spec = ports})).node, "b");
  h.add_pod(testing::pod("y", {.node_name = "b", .extra_spec = ports}));
  auto r = h.schedule(testing::pod("q", {.extra_spec = ports}));
  EXPECT_EQ(r.message.substr(0, r.message.find('.') + 1),
            "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.");
  // Another protocol on the same port is free.
  Json udp = ports;
  udp["containers"][0]["ports"][0]["protocol"] = "UDP";
  EXPECT_FALSE(h.schedule(testing::pod("u", {.extra_spec = udp})).node.empty());
}

TEST(VolumeBinding, BoundVolumeNodeAffinityAndMissingClaim) {
  Harness h;
  h.add_node(testing::node("a"));
  h.add_node(testing::node("b"));
  h.cluster.upsert_volume({{"metadata", {{"name", "pv1"}}},
                           {"spec",
                            {{"nodeAffinity",
                              {{"required",
                                {{"nodeSelectorTerms",
                                  {{{"matchExpressions",
                                     {{{"key", "kubernetes.io/hostname"}, {"operator", "In"}, {"values", {"b"}}}}}}}}}}}}}}});
  h.cluster.upsert_claim({{"metadata", {{"name", "data"}, {"namespace", "default"}}}, {"spec", {{"volumeName", "pv1"}}}});
  Json vols = {{"volumes", {{{"name", "v"}, {"persistentVolumeClaim", {{"claimName", "data"}}}}}}};
  EXPECT_EQ(h.schedule(testing::pod("p", {.extra_spec = vols})).node, "b");
  h.cluster.upsert_node(testing::node("b", {.unschedulable = true}));
  auto r = h.schedule(testing::pod("p", {.extra_spec = vols}));
  EXPECT_EQ(r.message.substr(0, r.message.find('.') + 1),
            "0/2 nodes are available: 1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable.");
  Json missing = {{"volumes", {{{"name", "v"}, {"persistentVolumeClaim", {{"claimName", "nope"}}}}}}};
  r = h.schedule(testing::pod("m", {.extra_spec = missing}));
  EXPECT_EQ(r.message,
            "0/2 nodes are available: persistentvolumeclaim \"nope\" not found. preemption: 0/2 nodes are available: 2 "
            "Preemption is not helpful for scheduling.");
}

TEST(VolumeBinding, UnboundClaims) {
  Harness h;
  h.add_node(testing::node("a"));
  h.cluster.upsert_storage_class({{"metadata", {{"name", "local"}}}, {"volumeBindingMode", "WaitForFirstConsumer"}});
  h.cluster.upsert_claim({{"metadata", {{"name", "late"}, {"namespace", "default"}}}, {"spec", {{"storageClassName", "local"}}}});
  h.cluster.upsert_claim({{"metadata", {{"name", "now"}, {"namespace", "default"}}}, {"spec", {{"storageClassName", "fast"}}}});
  Json late = {{"volumes", {{{"name", "v"}, {"persistentVolumeClaim", {{"claimName", "late"}}}}}}};
  EXPECT_EQ(h.schedule(testing::pod("p", {.extra_spec = late})).node, "a");
  Json now = {{"volumes", {{{"name", "v"}, {"persistentVolumeClaim", {{"claimName", "now"}}}}}}};
  auto r = h.schedule(testing::pod("q", {.extra_spec = now}));
  EXPECT_EQ(r.message.substr(0, r.message.find('.') + 1),
            "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.");
}

TEST(InvalidPod, ReportedAsUnschedulable) {
  Harness h;
  h.add_node(testing::node("a"));
  auto p = testing::pod("p", {.cpu = "abc"});
  auto r = h.schedule(p);
  EXPECT_TRUE(r.node.empty());
  EXPECT_NE(r.message.find("invalid resource quantity"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace k3s::scheduler
