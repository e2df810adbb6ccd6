#include "defaults.h"

#include <functional>
#include <map>
#include <string>

#include "batch_defaults.h"
#include "object/meta.h"
#include "pod_defaults.h"
#include "util/base64.h"

namespace k3s::apiserver {

namespace {

using Json = nlohmann::json;

bool unset(const Json& o, const char* key) { return !o.contains(key) || o[key].is_null(); }
bool empty_string(const Json& o, const char* key) {
  return unset(o, key) || (o[key].is_string() && o[key].get_ref<const std::string&>().empty());
}
Json* object_at(Json& o, const char* key) {
  if (!o.is_object() || !o.contains(key) || !o[key].is_object()) return nullptr;
  return &o[key];
}
// The object's spec, created when absent (Go's specs are structs, not pointers).
Json& spec_of(Json& o) {
  if (!o.contains("spec") || !o["spec"].is_object()) o["spec"] = Json::object();
  return o["spec"];
}
template <class F>
void each(Json& o, const char* key, F&& f) {
  if (!o.is_object() || !o.contains(key) || !o[key].is_array()) return;
  for (auto& item : o[key])
    if (item.is_object()) f(item);
}
void template_of(Json& spec) {
  if (Json* t = object_at(spec, "template")) default_pod_template(*t);
}

// ---- core ----

void pod(Json& o) { default_pod(o); }

void pod_template(Json& o) {
  if (Json* t = object_at(o, "template")) default_pod_template(*t);
}

void replication_controller(Json& o) {
  Json& spec = spec_of(o);
  if (unset(spec, "replicas")) spec["replicas"] = 1;
  Json* t = object_at(spec, "template");
  if (!t) return;
  default_pod_template(*t);
  // The template's labels stand in for a missing selector and missing labels.
  const Json labels = (*t).value("metadata", Json::object()).value("labels", Json());
  if (!labels.is_object() || labels.empty()) return;
  if (!spec.contains("selector") || !spec["selector"].is_object() || spec["selector"].empty()) spec["selector"] = labels;
  if (object::labels_of(o).empty()) o["metadata"]["labels"] = labels;
}

void service(Json& o) {
  Json& spec = spec_of(o);
  if (empty_string(spec, "type")) spec["type"] = "ClusterIP";
  if (empty_string(spec, "sessionAffinity")) spec["sessionAffinity"] = "None";
  const std::string type = spec["type"].is_string() ? spec["type"].get<std::string>() : "";
  if (spec["sessionAffinity"] == "None") spec.erase("sessionAffinityConfig");
  if (spec["sessionAffinity"] == "ClientIP") {
    Json& config = spec["sessionAffinityConfig"];
    if (!config.is_object()) config = Json::object();
    if (!config.contains("clientIP") || !config["clientIP"].is_object()) config["clientIP"] = Json::object();
    if (unset(config["clientIP"], "timeoutSeconds")) config["clientIP"]["timeoutSeconds"] = 10800;
  }
  each(spec, "ports", [](Json& p) {
    if (empty_string(p, "protocol")) p["protocol"] = "TCP";
    const bool no_target = unset(p, "targetPort") || p["targetPort"] == 0 || p["targetPort"] == "";
    if (no_target && p.contains("port")) p["targetPort"] = p["port"];
  });
  const bool external_ips = spec.contains("externalIPs") && spec["externalIPs"].is_array() && !spec["externalIPs"].empty();
  const bool externally_accessible =
      type == "LoadBalancer" || type == "NodePort" || (type == "ClusterIP" && external_ips);
  if (externally_accessible && empty_string(spec, "externalTrafficPolicy")) spec["externalTrafficPolicy"] = "Cluster";
  if ((type == "ClusterIP" || type == "NodePort" || type == "LoadBalancer") && unset(spec, "internalTrafficPolicy"))
    spec["internalTrafficPolicy"] = "Cluster";
  if (type == "LoadBalancer" && unset(spec, "allocateLoadBalancerNodePorts")) spec["allocateLoadBalancerNodePorts"] = true;
  // The IP family fields are the service REST's, which fills them on every write of this
  // single-stack IPv4 server.
  if (type != "ExternalName") {
    if (unset(spec, "ipFamilyPolicy")) spec["ipFamilyPolicy"] = "SingleStack";
    if (unset(spec, "ipFamilies")) spec["ipFamilies"] = {"IPv4"};
  }
  if (type == "LoadBalancer")
    if (Json* status = object_at(o, "status"))
      if (Json* lb = object_at(*status, "loadBalancer"))
        each(*lb, "ingress", [](Json& ing) {
          if (!empty_string(ing, "ip") && unset(ing, "ipMode")) ing["ipMode"] = "VIP";
        });
}

void endpoints(Json& o) {
  each(o, "subsets", [](Json& subset) {
    each(subset, "ports", [](Json& p) {
      if (empty_string(p, "protocol")) p["protocol"] = "TCP";
    });
  });
}

void secret(Json& o) {
  if (empty_string(o, "type")) o["type"] = "Opaque";
  // stringData is write-only: merged into data, base64 encoded (kube's conversion does it).
  if (o.contains("stringData") && o["stringData"].is_object()) {
    for (auto& [key, v] : o["stringData"].items())
      o["data"][key] = util::base64_encode(v.is_string() ? v.get<std::string>() : v.dump());
  }
  o.erase("stringData");
}

void namespace_(Json& o) {
  if (!object::name_of(o).empty()) object::set_label(o, "kubernetes.io/metadata.name", object::name_of(o));
}

void persistent_volume(Json& o) {
  Json& spec = spec_of(o);
  if (empty_string(spec, "persistentVolumeReclaimPolicy")) spec["persistentVolumeReclaimPolicy"] = "Retain";
  default_claim_spec(spec);  // volumeMode Filesystem, as for claims
  if (Json* host = object_at(spec, "hostPath"))
    if (unset(*host, "type")) (*host)["type"] = "";
  if (!o.contains("status") || !o["status"].is_object()) o["status"] = Json::object();
  if (empty_string(o["status"], "phase")) o["status"]["phase"] = "Pending";
}

void persistent_volume_claim(Json& o) {
  default_claim_spec(spec_of(o));
  if (!o.contains("status") || !o["status"].is_object()) o["status"] = Json::object();
  if (empty_string(o["status"], "phase")) o["status"]["phase"] = "Pending";
}

void limit_range(Json& o) {
  Json* spec = object_at(o, "spec");
  if (!spec) return;
  each(*spec, "limits", [](Json& item) {
    if (item.value("type", "") != "Container") return;
    auto map_at = [&](const char* key) -> Json& {
      if (!item.contains(key) || !item[key].is_object()) item[key] = Json::object();
      return item[key];
    };
    // default <- max; defaultRequest <- default, then min.
    Json& def = map_at("default");
    if (item.contains("max") && item["max"].is_object())
      for (const auto& [name, q] : item["max"].items())
        if (!def.contains(name)) def[name] = q;
    Json& request = map_at("defaultRequest");
    for (const auto& [name, q] : def.items())
      if (!request.contains(name)) request[name] = q;
    if (item.contains("min") && item["min"].is_object())
      for (const auto& [name, q] : item["min"].items())
        if (!request.contains(name)) request[name] = q;
    // Empty maps are not written (omitempty).
    if (item["default"].empty()) item.erase("default");
    if (item["defaultRequest"].empty()) item.erase("defaultRequest");
  });
}

void node(Json& o) {
  Json* status = object_at(o, "status");
  if (status && unset(*status, "allocatable") && status->contains("capacity") && (*status)["capacity"].is_object())
    (*status)["allocatable"] = (*status)["capacity"];
}

// ---- apps ----

void deployment(Json& o) {
  Json& spec = spec_of(o);
  if (unset(spec, "replicas")) spec["replicas"] = 1;
  // Field by field: kubectl create deployment sends `strategy: {}`, which still gets
  // RollingUpdate with 25% / 25%.
  Json& strategy = spec["strategy"];
  if (!strategy.is_object()) strategy = Json::object();
  if (empty_string(strategy, "type")) strategy["type"] = "RollingUpdate";
  if (strategy["type"] == "RollingUpdate") {
    Json& rolling = strategy["rollingUpdate"];
    if (!rolling.is_object()) rolling = Json::object();
    if (unset(rolling, "maxUnavailable")) rolling["maxUnavailable"] = "25%";
    if (unset(rolling, "maxSurge")) rolling["maxSurge"] = "25%";
  }
  if (unset(spec, "revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
  if (unset(spec, "progressDeadlineSeconds")) spec["progressDeadlineSeconds"] = 600;
  template_of(spec);
}

void replica_set(Json& o) {
  Json& spec = spec_of(o);
  if (unset(spec, "replicas")) spec["replicas"] = 1;
  template_of(spec);
}

// updateStrategy is defaulted (and validated) by prepare_daemon_set_write.
void daemon_set(Json& o) {
  Json& spec = spec_of(o);
  if (unset(spec, "revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
  template_of(spec);
}

void stateful_set(Json& o) {
  Json& spec = spec_of(o);
  if (empty_string(spec, "podManagementPolicy")) spec["podManagementPolicy"] = "OrderedReady";
  Json& strategy = spec["updateStrategy"];
  if (!strategy.is_object()) strategy = Json::object();
  if (empty_string(strategy, "type")) {
    strategy["type"] = "RollingUpdate";
    if (!strategy.contains("rollingUpdate") || !strategy["rollingUpdate"].is_object())
      strategy["rollingUpdate"] = Json::object();
  }
  if (strategy["type"] == "RollingUpdate" && strategy.contains("rollingUpdate") && strategy["rollingUpdate"].is_object() &&
      unset(strategy["rollingUpdate"], "partition"))
    strategy["rollingUpdate"]["partition"] = 0;
  Json& retention = spec["persistentVolumeClaimRetentionPolicy"];
  if (!retention.is_object()) retention = Json::object();
  if (empty_string(retention, "whenDeleted")) retention["whenDeleted"] = "Retain";
  if (empty_string(retention, "whenScaled")) retention["whenScaled"] = "Retain";
  if (unset(spec, "replicas")) spec["replicas"] = 1;
  if (unset(spec, "revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
  template_of(spec);
  each(spec, "volumeClaimTemplates", persistent_volume_claim);
}

// ---- other groups ----

void endpoint_slice(Json& o) {
  each(o, "ports", [](Json& p) {
    if (unset(p, "name")) p["name"] = "";
    if (unset(p, "protocol")) p["protocol"] = "TCP";
  });
}

void network_policy(Json& o) {
  Json& spec = spec_of(o);
  auto default_ports = [](Json& rule) {
    each(rule, "ports", [](Json& p) {
      if (unset(p, "protocol")) p["protocol"] = "TCP";
    });
  };
  each(spec, "ingress", default_ports);
  each(spec, "egress", default_ports);
  if (!spec.contains("policyTypes") || !spec["policyTypes"].is_array() || spec["policyTypes"].empty()) {
    Json types = {"Ingress"};
    if (spec.contains("egress") && spec["egress"].is_array() && !spec["egress"].empty()) types.push_back("Egress");
    spec["policyTypes"] = types;
  }
}

void rbac_subjects(Json& o) {
  each(o, "subjects", [](Json& s) {
    const std::string kind = s.value("kind", "");
    if ((kind == "User" || kind == "Group") && empty_string(s, "apiGroup")) s["apiGroup"] = "rbac.authorization.k8s.io";
  });
}

void priority_class(Json& o) {
  if (unset(o, "preemptionPolicy")) o["preemptionPolicy"] = "PreemptLowerPriority";
}

void storage_class(Json& o) {
  if (unset(o, "reclaimPolicy")) o["reclaimPolicy"] = "Delete";
  if (unset(o, "volumeBindingMode")) o["volumeBindingMode"] = "Immediate";
}

using Defaulter = void (*)(Json&);
const std::map<std::string, Defaulter>& defaulters() {
  static const std::map<std::string, Defaulter> table = {
      {"/Pod", pod},
      {"/PodTemplate", pod_template},
      {"/ReplicationController", replication_controller},
      {"/Service", service},
      {"/Endpoints", endpoints},
      {"/Secret", secret},
      {"/Namespace", namespace_},
      {"/PersistentVolume", persistent_volume},
      {"/PersistentVolumeClaim", persistent_volume_claim},
      {"/LimitRange", limit_range},
      {"/Node", node},
      {"apps/Deployment", deployment},
      {"apps/ReplicaSet", replica_set},
      {"apps/DaemonSet", daemon_set},
      {"apps/StatefulSet", stateful_set},
      {"discovery.k8s.io/EndpointSlice", endpoint_slice},
      {"networking.k8s.io/NetworkPolicy", network_policy},
      {"rbac.authorization.k8s.io/RoleBinding", rbac_subjects},
      {"rbac.authorization.k8s.io/ClusterRoleBinding", rbac_subjects},
      {"scheduling.k8s.io/PriorityClass", priority_class},
      {"storage.k8s.io/StorageClass", storage_class},
  };
  return table;
}

}  // namespace

void set_defaults(const ResourceType& type, Json& object) {
  if (!object.is_object()) return;
  auto it = defaulters().find(type.group + "/" + type.kind);
  if (it != defaulters().end()) it->second(object);
  set_batch_defaults(type, object);
}

}  // namespace k3s::apiserver
