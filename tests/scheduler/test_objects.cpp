#include "test_objects.h"

#include "plugins/plugins.h"

namespace k3s::scheduler::testing {

Json node(const std::string& name, NodeSpec spec) {
  Json labels = Json::object();
  labels["kubernetes.io/hostname"] = name;
  for (const auto& [k, v] : spec.labels) labels[k] = v;
  Json allocatable = {{"cpu", spec.cpu}, {"memory", spec.memory}, {"pods", std::to_string(spec.pods)}};
  for (const auto& [k, v] : spec.extra_allocatable.items()) allocatable[k] = v;
  Json n = {{"apiVersion", "v1"},
            {"kind", "Node"},
            {"metadata", {{"name", name}, {"uid", "node-" + name}, {"labels", labels}}},
            {"spec", Json::object()},
            {"status",
             {{"allocatable", allocatable},
              {"capacity", allocatable},
              {"conditions", Json::array({{{"type", "Ready"}, {"status", spec.ready ? "True" : "False"}}})},
              {"images", spec.images}}}};
  if (!spec.taints.empty()) n["spec"]["taints"] = spec.taints;
  if (spec.unschedulable) n["spec"]["unschedulable"] = true;
  return n;
}

Json pod(const std::string& name, PodSpec spec) {
  Json requests = Json::object();
  if (!spec.cpu.empty()) requests["cpu"] = spec.cpu;
  if (!spec.memory.empty()) requests["memory"] = spec.memory;
  Json container = {{"name", "app"}, {"image", "busybox"}};
  if (!requests.empty()) container["resources"] = {{"requests", requests}};
  Json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata",
             {{"name", name},
              {"namespace", spec.ns},
              {"uid", "uid-" + spec.ns + "-" + name},
              {"creationTimestamp", "2026-01-01T00:00:00Z"}}},
            {"spec", {{"containers", Json::array({container})}, {"priority", spec.priority}}},
            {"status", {{"phase", "Pending"}}}};
  if (!spec.labels.empty()) p["metadata"]["labels"] = spec.labels;
  if (!spec.node_name.empty()) p["spec"]["nodeName"] = spec.node_name;
  if (!spec.owner_uid.empty()) {
    p["metadata"]["ownerReferences"] = Json::array(
        {{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "rs"}, {"uid", spec.owner_uid}, {"controller", true}}});
  }
  for (const auto& [k, v] : spec.extra_spec.items()) p["spec"][k] = v;
  return p;
}

Harness::Harness() : framework(plugins::default_framework()) {
  algorithm = std::make_unique<ScheduleAlgorithm>(framework, AlgorithmOptions{}, 42);
}

ScheduleResult Harness::schedule(const Json& p) { return algorithm->schedule(*parse_pod(p), cluster); }

}  // namespace k3s::scheduler::testing
