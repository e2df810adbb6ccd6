// Patch strategies and merge keys of the built-in types: the patchStrategy and
// patchMergeKey struct tags of k8s.io/api (facts, as published in Kubernetes' OpenAPI
// x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key).
#include <algorithm>
#include <map>

#include "object/patch.h"

namespace k3s::object::patch {

bool PatchMeta::has(std::string_view strategy) const {
  return std::find(strategies.begin(), strategies.end(), strategy) != strategies.end();
}

TablePatchSchema::TablePatchSchema(std::vector<std::pair<std::string, PatchMeta>> fields) : fields_(std::move(fields)) {}

void TablePatchSchema::set(std::string path, PatchMeta meta) {
  for (auto& [p, m] : fields_) {
    if (p == path) {
      m = std::move(meta);
      return;
    }
  }
  fields_.emplace_back(std::move(path), std::move(meta));
}

PatchMeta TablePatchSchema::lookup(std::string_view field_path) const {
  for (auto& [p, m] : fields_) {
    if (p == field_path) return m;
  }
  return {};
}

namespace {

struct FieldInfo {
  PatchMeta meta;
  std::string type;  // the struct type of the value (or of list elements); "" for leaves
};

using TypeTable = std::map<std::string, std::map<std::string, FieldInfo>, std::less<>>;

PatchMeta merge_on(std::string key) { return {{"merge"}, std::move(key)}; }
PatchMeta merge_retain_on(std::string key) { return {{"merge", "retainKeys"}, std::move(key)}; }
FieldInfo conditions() { return {merge_on("type"), ""}; }
FieldInfo nested(std::string type) { return {{}, std::move(type)}; }

const TypeTable& types() {
  static const TypeTable table = [] {
    TypeTable t;
    t["ObjectMeta"] = {
        {"finalizers", {{{"merge"}, ""}, ""}},
        {"ownerReferences", {merge_on("uid"), ""}},
    };
    t["PodTemplateSpec"] = {{"metadata", nested("ObjectMeta")}, {"spec", nested("PodSpec")}};
    t["PodSpec"] = {
        {"volumes", {merge_retain_on("name"), ""}},
        {"initContainers", {merge_on("name"), "Container"}},
        {"containers", {merge_on("name"), "Container"}},
        {"ephemeralContainers", {merge_on("name"), "Container"}},
        {"imagePullSecrets", {merge_on("name"), ""}},
        {"hostAliases", {merge_on("ip"), ""}},
        {"topologySpreadConstraints", {merge_on("topologyKey"), ""}},
        {"schedulingGates", {merge_on("name"), ""}},
        {"resourceClaims", {merge_retain_on("name"), ""}},
    };
    t["Container"] = {
        {"ports", {merge_on("containerPort"), ""}},
        {"env", {merge_on("name"), ""}},
        {"volumeMounts", {merge_on("mountPath"), ""}},
        {"volumeDevices", {merge_on("devicePath"), ""}},
    };
    t["PodStatus"] = {
        {"conditions", conditions()},
        {"hostIPs", {merge_on("ip"), ""}},
        {"podIPs", {merge_on("ip"), ""}},
        {"resourceClaimStatuses", {merge_retain_on("name"), ""}},
        {"containerStatuses", nested("ContainerStatus")},
        {"initContainerStatuses", nested("ContainerStatus")},
        {"ephemeralContainerStatuses", nested("ContainerStatus")},
    };
    t["ContainerStatus"] = {
        {"volumeMounts", {merge_on("mountPath"), ""}},
        {"allocatedResourcesStatus", {merge_on("name"), ""}},
    };
    t["ConditionsStatus"] = {{"conditions", conditions()}};
    t["PersistentVolumeClaim"] = {{"metadata", nested("ObjectMeta")}, {"status", nested("ConditionsStatus")}};
    t["ServiceSpec"] = {{"ports", {merge_on("port"), ""}}};
    t["NodeSpec"] = {{"podCIDRs", {{{"merge"}, ""}, ""}}};
    t["NodeStatus"] = {{"conditions", conditions()}, {"addresses", {merge_on("type"), ""}}};
    t["TemplateSpec"] = {{"template", nested("PodTemplateSpec")}};
    t["DeploymentSpec"] = {{"template", nested("PodTemplateSpec")}, {"strategy", {{{"retainKeys"}, ""}, ""}}};
    t["StatefulSetSpec"] = {{"template", nested("PodTemplateSpec")},
                            {"volumeClaimTemplates", nested("PersistentVolumeClaim")}};
    t["CronJobSpec"] = {{"jobTemplate", nested("JobTemplateSpec")}};
    t["JobTemplateSpec"] = {{"metadata", nested("ObjectMeta")}, {"spec", nested("TemplateSpec")}};
    t["PodDisruptionBudgetSpec"] = {{"selector", {{{"replace"}, ""}, ""}}};
    t["CSINodeSpec"] = {{"drivers", {merge_on("name"), ""}}};

    // Kinds: each root lists metadata plus the spec/status types that carry strategies.
    auto kind = [&t](const std::string& name, std::map<std::string, FieldInfo> fields) {
      fields.emplace("metadata", nested("ObjectMeta"));
      t["kind:" + name] = std::move(fields);
    };
    kind("/Pod", {{"spec", nested("PodSpec")}, {"status", nested("PodStatus")}});
    kind("/PodTemplate", {{"template", nested("PodTemplateSpec")}});
    kind("/ReplicationController", {{"spec", nested("TemplateSpec")}, {"status", nested("ConditionsStatus")}});
    kind("/Service", {{"spec", nested("ServiceSpec")}, {"status", nested("ConditionsStatus")}});
    kind("/ServiceAccount", {{"secrets", {merge_on("name"), ""}}});
    kind("/Node", {{"spec", nested("NodeSpec")}, {"status", nested("NodeStatus")}});
    kind("/Namespace", {{"status", nested("ConditionsStatus")}});
    kind("/PersistentVolumeClaim", {{"status", nested("ConditionsStatus")}});
    kind("/ComponentStatus", {{"conditions", conditions()}});
    for (const char* plain : {"/Binding", "/ConfigMap", "/Endpoints", "/Event", "/LimitRange", "/PersistentVolume",
                              "/ResourceQuota", "/Secret"}) {
      kind(plain, {});
    }
    kind("apps/Deployment", {{"spec", nested("DeploymentSpec")}, {"status", nested("ConditionsStatus")}});
    kind("apps/ReplicaSet", {{"spec", nested("TemplateSpec")}, {"status", nested("ConditionsStatus")}});
    kind("apps/StatefulSet", {{"spec", nested("StatefulSetSpec")}, {"status", nested("ConditionsStatus")}});
    kind("apps/DaemonSet", {{"spec", nested("TemplateSpec")}, {"status", nested("ConditionsStatus")}});
    kind("apps/ControllerRevision", {});
    kind("batch/Job", {{"spec", nested("TemplateSpec")}, {"status", nested("ConditionsStatus")}});
    kind("batch/CronJob", {{"spec", nested("CronJobSpec")}});
    kind("autoscaling/HorizontalPodAutoscaler", {{"status", nested("ConditionsStatus")}});
    kind("autoscaling/Scale", {});
    kind("policy/PodDisruptionBudget",
         {{"spec", nested("PodDisruptionBudgetSpec")}, {"status", nested("ConditionsStatus")}});
    kind("policy/Eviction", {});
    for (const char* plain : {"Ingress", "IngressClass", "NetworkPolicy", "IPAddress"}) {
      kind(std::string("networking.k8s.io/") + plain, {});
    }
    kind("networking.k8s.io/ServiceCIDR", {{"status", nested("ConditionsStatus")}});
    kind("discovery.k8s.io/EndpointSlice", {});
    kind("coordination.k8s.io/Lease", {});
    for (const char* plain : {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}) {
      kind(std::string("rbac.authorization.k8s.io/") + plain, {});
    }
    for (const char* plain : {"StorageClass", "CSIDriver", "VolumeAttachment", "CSIStorageCapacity"}) {
      kind(std::string("storage.k8s.io/") + plain, {});
    }
    kind("storage.k8s.io/CSINode", {{"spec", nested("CSINodeSpec")}});
    kind("scheduling.k8s.io/PriorityClass", {});
    kind("events.k8s.io/Event", {});
    kind("node.k8s.io/RuntimeClass", {});
    kind("certificates.k8s.io/CertificateSigningRequest", {});
    for (const char* plain : {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
                              "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}) {
      kind(std::string("admissionregistration.k8s.io/") + plain, {});
    }
    kind("apiextensions.k8s.io/CustomResourceDefinition", {});
    kind("apiregistration.k8s.io/APIService", {});
    kind("flowcontrol.apiserver.k8s.io/FlowSchema", {{"status", nested("ConditionsStatus")}});
    kind("flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration", {{"status", nested("ConditionsStatus")}});
    return t;
  }();
  return table;
}

class BuiltinPatchSchema : public PatchSchema {
 public:
  explicit BuiltinPatchSchema(std::string root) : root_(std::move(root)) {}

  PatchMeta lookup(std::string_view field_path) const override {
    const TypeTable& table = types();
    std::string current = root_;
    PatchMeta meta;
    std::size_t start = 0;
    while (start <= field_path.size()) {
      auto dot = field_path.find('.', start);
      std::string_view segment =
          field_path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      while (segment.size() >= 2 && segment.substr(segment.size() - 2) == "[]") segment.remove_suffix(2);
      auto type_it = table.find(current);
      if (type_it == table.end()) return {};
      auto field_it = type_it->second.find(std::string(segment));
      if (field_it == type_it->second.end()) return {};
      meta = field_it->second.meta;
      current = field_it->second.type;
      if (dot == std::string_view::npos) return meta;
      start = dot + 1;
    }
    return {};
  }

 private:
  std::string root_;
};

}  // namespace

std::shared_ptr<const PatchSchema> builtin_patch_schema(std::string_view group, std::string_view kind) {
  std::string root = "kind:" + std::string(group) + "/" + std::string(kind);
  if (types().find(root) == types().end()) return nullptr;
  return std::make_shared<BuiltinPatchSchema>(std::move(root));
}

}  // namespace k3s::object::patch
