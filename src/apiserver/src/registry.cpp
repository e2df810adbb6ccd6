#include "registry.h"

#include <algorithm>
#include <deque>
#include <mutex>

namespace k3s::apiserver {

bool ResourceType::has_verb(const std::string& verb) const {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

bool ResourceType::has_subresource(const std::string& sub) const {
  return std::find(subresources.begin(), subresources.end(), sub) != subresources.end();
}

void Registry::add(ResourceType type) {
  std::unique_lock lock(mu_);
  if (type.storage_prefix.empty()) type.storage_prefix = "/registry/" + type.resource;
  auto g = std::find_if(groups_.begin(), groups_.end(), [&](const auto& gv) { return gv.group == type.group; });
  if (g == groups_.end()) {
    groups_.push_back({type.group, {type.version}});
  } else if (std::find(g->versions.begin(), g->versions.end(), type.version) == g->versions.end()) {
    g->versions.push_back(type.version);
  }
  std::erase_if(types_, [&](const auto& t) {
    return t->group == type.group && t->version == type.version && t->resource == type.resource;
  });
  types_.push_back(std::make_shared<const ResourceType>(std::move(type)));
}

std::shared_ptr<const ResourceType> Registry::find(const std::string& group, const std::string& version,
                                                   const std::string& resource) const {
  std::shared_lock lock(mu_);
  for (const auto& t : types_)
    if (t->group == group && t->version == version && t->resource == resource) return t;
  return nullptr;
}

std::vector<std::shared_ptr<const ResourceType>> Registry::resources(const std::string& group,
                                                                     const std::string& version) const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<const ResourceType>> out;
  for (const auto& t : types_)
    if (t->group == group && t->version == version) out.push_back(t);
  return out;
}

std::vector<Registry::GroupVersions> Registry::groups() const {
  std::shared_lock lock(mu_);
  return groups_;
}

std::vector<std::shared_ptr<const ResourceType>> Registry::storage_types() const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<const ResourceType>> out;
  for (const auto& t : types_) {
    if (!t->stored) continue;
    bool seen = std::any_of(out.begin(), out.end(), [&](const auto& o) { return o->storage_prefix == t->storage_prefix; });
    if (!seen) out.push_back(t);
  }
  return out;
}

namespace {

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};

struct Builder {
  Registry& registry;
  std::string group, version;

  ResourceType& add(std::string resource, std::string kind, bool namespaced, std::vector<std::string> short_names = {},
                    std::vector<std::string> subresources = {}, std::string storage = {},
                    std::string generation_field = {}) {
    pending.emplace_back();
    auto& t = pending.back();
    t.group = group;
    t.version = version;
    t.singular = kind;
    std::transform(t.singular.begin(), t.singular.end(), t.singular.begin(), ::tolower);
    t.resource = std::move(resource);
    t.kind = std::move(kind);
    t.namespaced = namespaced;
    t.verbs = kAllVerbs;
    t.short_names = std::move(short_names);
    t.subresources = std::move(subresources);
    t.storage_prefix = storage.empty() ? "" : "/registry/" + storage;
    t.generation_field = std::move(generation_field);
    return t;
  }
  ~Builder() {
    for (auto& t : pending) registry.add(std::move(t));
  }
  std::deque<ResourceType> pending;
};

}  // namespace

void register_builtin_types(Registry& registry) {
  {
    Builder b{registry, "", "v1"};
    b.add("configmaps", "ConfigMap", true, {"cm"});
    b.add("endpoints", "Endpoints", true, {"ep"}, {}, "services/endpoints").singular = "endpoints";
    b.add("events", "Event", true, {"ev"}).selectable_fields = {
        {"involvedObject.kind", "/involvedObject/kind"},
        {"involvedObject.namespace", "/involvedObject/namespace"},
        {"involvedObject.name", "/involvedObject/name"},
        {"involvedObject.uid", "/involvedObject/uid"},
        {"involvedObject.apiVersion", "/involvedObject/apiVersion"},
        {"involvedObject.resourceVersion", "/involvedObject/resourceVersion"},
        {"involvedObject.fieldPath", "/involvedObject/fieldPath"},
        {"reason", "/reason"},
        {"reportingComponent", "/reportingComponent"},
        {"source", "/source/component"},
        {"type", "/type"}};
    b.add("limitranges", "LimitRange", true, {"limits"});
    b.add("namespaces", "Namespace", false, {"ns"}, {"status", "finalize"}).selectable_fields = {
        {"status.phase", "/status/phase"}};
    b.add("nodes", "Node", false, {"no"}, {"status", "proxy"}, "minions").selectable_fields = {
        {"spec.unschedulable", "/spec/unschedulable"}};
    b.add("persistentvolumeclaims", "PersistentVolumeClaim", true, {"pvc"}, {"status"});
    b.add("persistentvolumes", "PersistentVolume", false, {"pv"}, {"status"});
    auto& pods = b.add("pods", "Pod", true, {"po"},
                       {"status", "binding", "eviction", "ephemeralcontainers", "log", "exec", "attach",
                        "portforward", "proxy"});
    pods.categories = {"all"};
    pods.selectable_fields = {{"spec.nodeName", "/spec/nodeName"},
                              {"spec.restartPolicy", "/spec/restartPolicy"},
                              {"spec.schedulerName", "/spec/schedulerName"},
                              {"spec.serviceAccountName", "/spec/serviceAccountName"},
                              {"spec.hostNetwork", "/spec/hostNetwork"},
                              {"status.phase", "/status/phase"},
                              {"status.podIP", "/status/podIP"},
                              {"status.nominatedNodeName", "/status/nominatedNodeName"}};
    b.add("podtemplates", "PodTemplate", true);
    auto& rc = b.add("replicationcontrollers", "ReplicationController", true, {"rc"}, {"status", "scale"},
                     "controllers", "/spec");
    rc.categories = {"all"};
    rc.selectable_fields = {{"status.replicas", "/status/replicas"}};
    b.add("resourcequotas", "ResourceQuota", true, {"quota"}, {"status"});
    b.add("secrets", "Secret", true).selectable_fields = {{"type", "/type"}};
    b.add("serviceaccounts", "ServiceAccount", true, {"sa"}, {"token"});
    auto& svc = b.add("services", "Service", true, {"svc"}, {"status", "proxy"}, "services/specs");
    svc.categories = {"all"};
    svc.selectable_fields = {{"spec.clusterIP", "/spec/clusterIP"}, {"spec.type", "/spec/type"}};
  }
  {
    Builder b{registry, "apps", "v1"};
    b.add("controllerrevisions", "ControllerRevision", true);
    b.add("daemonsets", "DaemonSet", true, {"ds"}, {"status"}, "", "/spec").categories = {"all"};
    b.add("deployments", "Deployment", true, {"deploy"}, {"status", "scale"}, "", "/spec").categories = {"all"};
    b.add("replicasets", "ReplicaSet", true, {"rs"}, {"status", "scale"}, "", "/spec").categories = {"all"};
    b.add("statefulsets", "StatefulSet", true, {"sts"}, {"status", "scale"}, "", "/spec").categories = {"all"};
  }
  {
    // Requests answered from the request itself (authentication/authorization reviews).
    Builder auth{registry, "authentication.k8s.io", "v1"};
    for (auto* t : {&auth.add("selfsubjectreviews", "SelfSubjectReview", false),
                    &auth.add("tokenreviews", "TokenReview", false)}) {
      t->verbs = {"create"};
      t->stored = false;
    }
  }
  {
    Builder authz{registry, "authorization.k8s.io", "v1"};
    for (auto* t : {&authz.add("selfsubjectaccessreviews", "SelfSubjectAccessReview", false),
                    &authz.add("selfsubjectrulesreviews", "SelfSubjectRulesReview", false),
                    &authz.add("subjectaccessreviews", "SubjectAccessReview", false),
                    &authz.add("localsubjectaccessreviews", "LocalSubjectAccessReview", true)}) {
      t->verbs = {"create"};
      t->stored = false;
    }
  }
  {
    Builder b{registry, "autoscaling", "v2"};
    b.add("horizontalpodautoscalers", "HorizontalPodAutoscaler", true, {"hpa"}, {"status"}).categories = {"all"};
  }
  {
    Builder b{registry, "batch", "v1"};
    b.add("cronjobs", "CronJob", true, {"cj"}, {"status"}, "", "/spec").categories = {"all"};
    b.add("jobs", "Job", true, {}, {"status"}, "", "/spec").categories = {"all"};
  }
  {
    Builder b{registry, "certificates.k8s.io", "v1"};
    b.add("certificatesigningrequests", "CertificateSigningRequest", false, {"csr"}, {"approval", "status"})
        .selectable_fields = {{"spec.signerName", "/spec/signerName"}};
  }
  {
    Builder b{registry, "coordination.k8s.io", "v1"};
    b.add("leases", "Lease", true);
  }
  {
    Builder b{registry, "discovery.k8s.io", "v1"};
    b.add("endpointslices", "EndpointSlice", true);
  }
  {
    // Stored apart from core/v1 events until version conversion between the two exists.
    Builder b{registry, "events.k8s.io", "v1"};
    b.add("events", "Event", true, {"ev"}, {}, "events.k8s.io/events");
  }
  {
    Builder b{registry, "networking.k8s.io", "v1"};
    b.add("ingressclasses", "IngressClass", false);
    b.add("ingresses", "Ingress", true, {"ing"}, {"status"}, "ingress", "/spec");
    b.add("networkpolicies", "NetworkPolicy", true, {"netpol"}, {}, "", "/spec");
  }
  {
    Builder b{registry, "node.k8s.io", "v1"};
    b.add("runtimeclasses", "RuntimeClass", false);
  }
  {
    Builder b{registry, "policy", "v1"};
    b.add("poddisruptionbudgets", "PodDisruptionBudget", true, {"pdb"}, {"status"}, "", "/spec");
  }
  {
    Builder b{registry, "rbac.authorization.k8s.io", "v1"};
    b.add("clusterrolebindings", "ClusterRoleBinding", false);
    b.add("clusterroles", "ClusterRole", false);
    b.add("rolebindings", "RoleBinding", true);
    b.add("roles", "Role", true);
  }
  {
    Builder b{registry, "scheduling.k8s.io", "v1"};
    b.add("priorityclasses", "PriorityClass", false, {"pc"});
  }
  {
    Builder b{registry, "storage.k8s.io", "v1"};
    b.add("csidrivers", "CSIDriver", false);
    b.add("csinodes", "CSINode", false);
    b.add("storageclasses", "StorageClass", false, {"sc"});
    b.add("volumeattachments", "VolumeAttachment", false, {}, {"status"});
  }
}

}  // namespace k3s::apiserver
