// The RuntimeClass admission plugin: the class a pod names must exist; its overhead and its
// scheduling constraints are copied into the pod so the scheduler and quota see them.
#include <algorithm>
#include <optional>

#include "admission_plugins.h"
#include "context.h"
#include "object/quantity.h"

namespace k3s::apiserver {

namespace {

// Same resource names and equal quantities ("1Gi" equals "1024Mi"), as apiequality.Semantic.
bool same_resources(const Json& a, const Json& b) {
  if (!a.is_object() || !b.is_object() || a.size() != b.size()) return false;
  for (const auto& [name, quantity] : a.items()) {
    auto other = b.find(name);
    if (other == b.end()) return false;
    try {
      if (object::Quantity::from_json(quantity) != object::Quantity::from_json(*other)) return false;
    } catch (const object::QuantityError&) {
      if (quantity != *other) return false;
    }
  }
  return true;
}

void set_overhead(const Json& pod_object, Json& spec, const Json* pod_fixed) {
  const bool pod_has_overhead = spec.contains("overhead") && !spec["overhead"].is_null();
  if (!pod_fixed) {
    if (pod_has_overhead)
      throw pod_forbidden(pod_object, "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead");
    return;
  }
  if (pod_has_overhead && !same_resources(spec["overhead"], *pod_fixed))
    throw pod_forbidden(pod_object, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
  spec["overhead"] = *pod_fixed;
}

void set_scheduling(const Json& pod_object, Json& spec, const Json& scheduling) {
  if (auto selector = scheduling.find("nodeSelector"); selector != scheduling.end() && selector->is_object()) {
    Json merged = spec.contains("nodeSelector") && spec["nodeSelector"].is_object() ? spec["nodeSelector"] : Json::object();
    for (const auto& [key, value] : selector->items()) {
      if (merged.contains(key) && merged[key] != value) {
        throw pod_forbidden(pod_object, "conflict: runtimeClass.scheduling.nodeSelector[" + key +
                                            "] = " + value.get<std::string>() + "; pod.spec.nodeSelector[" + key +
                                            "] = " + merged[key].get<std::string>());
      }
      merged[key] = value;
    }
    if (!merged.empty()) spec["nodeSelector"] = std::move(merged);
  }
  if (auto tolerations = scheduling.find("tolerations"); tolerations != scheduling.end() && tolerations->is_array()) {
    Json merged = spec.contains("tolerations") && spec["tolerations"].is_array() ? spec["tolerations"] : Json::array();
    for (const auto& toleration : *tolerations) {
      if (std::find(merged.begin(), merged.end(), toleration) == merged.end()) merged.push_back(toleration);
    }
    if (!merged.empty()) spec["tolerations"] = std::move(merged);
  }
}

}  // namespace

void admit_runtime_class(ApiContext& ctx, const ResourceRequest&, Json& pod) {
  if (!pod.contains("spec") || !pod["spec"].is_object()) return;
  Json& spec = pod["spec"];
  const std::string name = spec.contains("runtimeClassName") && spec["runtimeClassName"].is_string()
                               ? spec["runtimeClassName"].get<std::string>()
                               : "";
  std::optional<Json> cls;
  if (!name.empty()) {
    // Through to the datastore, as kube falls back to a live lookup: the class may have been
    // created a moment ago.
    cls = ctx.read_through("node.k8s.io", "v1", "runtimeclasses", "", name);
    if (!cls) throw pod_forbidden(pod, "pod rejected: RuntimeClass \"" + name + "\" not found");
  }
  const Json* pod_fixed = nullptr;
  if (cls) {
    auto overhead = cls->find("overhead");
    if (overhead != cls->end() && overhead->is_object()) {
      auto fixed = overhead->find("podFixed");
      if (fixed != overhead->end() && fixed->is_object()) pod_fixed = &*fixed;
    }
  }
  set_overhead(pod, spec, pod_fixed);
  if (cls) {
    auto scheduling = cls->find("scheduling");
    if (scheduling != cls->end() && scheduling->is_object()) set_scheduling(pod, spec, *scheduling);
  }
}

}  // namespace k3s::apiserver
