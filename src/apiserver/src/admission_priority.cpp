// The Priority admission plugin: a pod's priorityClassName (or the cluster's global default
// class) becomes its spec.priority and preemptionPolicy.
#include "admission_plugins.h"
#include "context.h"
#include "object/meta.h"

namespace k3s::apiserver {

namespace {

CachedPtr global_default(WatchCache* classes) {
  CachedPtr chosen;
  for (const auto& item : classes->list(ObjectFilter{}, 0, "").items) {
    if (!item->object.value("globalDefault", false)) continue;
    // Several defaults (possible during a change): the lowest value wins, as in kube.
    if (!chosen || item->object.value("value", 0) < chosen->object.value("value", 0)) chosen = item;
  }
  return chosen;
}

}  // namespace

void admit_priority(ApiContext& ctx, const ResourceRequest&, Json& pod) {
  if (!pod.contains("spec") || !pod["spec"].is_object()) return;
  Json& spec = pod["spec"];
  WatchCache* classes = ctx.cache_for("scheduling.k8s.io", "v1", "priorityclasses");
  if (!classes) return;
  const std::string name = spec.value("priorityClassName", "");
  CachedPtr cls;
  if (!name.empty()) {
    cls = classes->get("", name);
    if (!cls) throw pod_forbidden(pod, "no PriorityClass with name " + name + " was found");
  } else {
    cls = global_default(classes);
  }
  const std::int64_t value = cls ? cls->object.value("value", std::int64_t{0}) : 0;
  const std::string policy = cls ? cls->object.value("preemptionPolicy", "PreemptLowerPriority") : "PreemptLowerPriority";
  if (spec.contains("priority") && spec["priority"].is_number_integer() && spec["priority"].get<std::int64_t>() != value)
    throw pod_forbidden(pod, "the integer value of priority (" + std::to_string(spec["priority"].get<std::int64_t>()) +
                                 ") must not be provided in pod spec; priority admission controller computed " +
                                 std::to_string(value) + " from the given PriorityClass name");
  if (cls && name.empty()) spec["priorityClassName"] = object::name_of(cls->object);
  spec["priority"] = value;
  if (!spec.contains("preemptionPolicy")) spec["preemptionPolicy"] = policy;
}

}  // namespace k3s::apiserver
