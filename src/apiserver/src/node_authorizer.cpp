#include "node_authorizer.h"

#include <algorithm>
#include <functional>
#include <optional>

#include "auth.h"

namespace k3s::apiserver {

namespace {

constexpr std::string_view kNodeUserPrefix = "system:node:";

using Visit = std::function<bool(const std::string& resource, const std::string& name)>;

const Json& member(const Json& j, const char* key) {
  static const Json null;
  if (!j.is_object()) return null;
  auto it = j.find(key);
  return it == j.end() ? null : *it;
}

std::string text(const Json& j, const char* key) {
  const Json& v = member(j, key);
  return v.is_string() ? v.get<std::string>() : "";
}

const Json& items(const Json& j, const char* key) {
  static const Json empty = Json::array();
  const Json& v = member(j, key);
  return v.is_array() ? v : empty;
}

// Calls `visit` with each secret, configmap, claim and service account a pod names (in the
// pod's namespace); stops at the first `true`.
bool visit_pod_references(const Json& pod, const Visit& visit) {
  const Json& spec = member(pod, "spec");
  auto name_of = [&](const Json& ref, const char* key, const char* resource) {
    const std::string name = text(ref, key);
    return !name.empty() && visit(resource, name);
  };
  if (name_of(spec, "serviceAccountName", "serviceaccounts")) return true;
  for (const auto& s : items(spec, "imagePullSecrets"))
    if (name_of(s, "name", "secrets")) return true;
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    for (const auto& c : items(spec, list)) {
      for (const auto& from : items(c, "envFrom")) {
        if (name_of(member(from, "secretRef"), "name", "secrets")) return true;
        if (name_of(member(from, "configMapRef"), "name", "configmaps")) return true;
      }
      for (const auto& env : items(c, "env")) {
        const Json& value_from = member(env, "valueFrom");
        if (name_of(member(value_from, "secretKeyRef"), "name", "secrets")) return true;
        if (name_of(member(value_from, "configMapKeyRef"), "name", "configmaps")) return true;
      }
    }
  }
  const std::string pod_name = text(member(pod, "metadata"), "name");
  for (const auto& v : items(spec, "volumes")) {
    if (name_of(member(v, "secret"), "secretName", "secrets")) return true;
    if (name_of(member(v, "configMap"), "name", "configmaps")) return true;
    if (name_of(member(v, "persistentVolumeClaim"), "claimName", "persistentvolumeclaims")) return true;
    // A generic ephemeral volume's claim is named after the pod and the volume.
    if (member(v, "ephemeral").is_object() && visit("persistentvolumeclaims", pod_name + "-" + text(v, "name")))
      return true;
    for (const auto& source : items(member(v, "projected"), "sources")) {
      if (name_of(member(source, "secret"), "name", "secrets")) return true;
      if (name_of(member(source, "configMap"), "name", "configmaps")) return true;
    }
    if (name_of(member(v, "azureFile"), "secretName", "secrets")) return true;
    // csi, cephfs, cinder, flexVolume, iscsi, rbd, scaleIO, storageos: a secretRef-like member.
    if (v.is_object())
      for (const auto& [key, source] : v.items()) {
        if (!source.is_object()) continue;
        for (const auto& [field, ref] : source.items())
          if (field.ends_with("ecretRef") && name_of(ref, "name", "secrets")) return true;
      }
  }
  return false;
}

// The secrets (namespace, name) a persistent volume's source names.
bool visit_volume_secrets(const Json& pv, const std::function<bool(const std::string&, const std::string&)>& visit) {
  const Json& spec = member(pv, "spec");
  if (!spec.is_object()) return false;
  const Json& azure = member(spec, "azureFile");
  if (azure.is_object() && !text(azure, "secretName").empty()) {
    std::string ns = text(azure, "secretNamespace");
    if (visit(ns.empty() ? "default" : ns, text(azure, "secretName"))) return true;
  }
  for (const auto& [key, source] : spec.items()) {
    if (!source.is_object()) continue;
    for (const auto& [field, ref] : source.items())
      if (field.ends_with("ecretRef") && !text(ref, "name").empty() && visit(text(ref, "namespace"), text(ref, "name")))
        return true;
  }
  return false;
}

bool is_read(const std::string& verb) { return verb == "get" || verb == "list" || verb == "watch"; }

Json rule(std::vector<std::string> groups, std::vector<std::string> resources, std::vector<std::string> verbs) {
  return {{"apiGroups", groups}, {"resources", resources}, {"verbs", verbs}};
}

}  // namespace

std::string node_identity(const UserInfo& user) {
  if (!user.name.starts_with(kNodeUserPrefix) || user.name.size() == kNodeUserPrefix.size()) return "";
  if (std::find(user.groups.begin(), user.groups.end(), "system:nodes") == user.groups.end()) return "";
  return user.name.substr(kNodeUserPrefix.size());
}

const Json& NodeAuthorizer::rules() {
  // Writes to nodes, pods and leases are confined to the node's own objects by NodeRestriction.
  static const Json rules = Json::array({
      rule({"authentication.k8s.io"}, {"tokenreviews"}, {"create"}),
      rule({"authorization.k8s.io"}, {"subjectaccessreviews", "localsubjectaccessreviews"}, {"create"}),
      rule({""}, {"services"}, {"get", "list", "watch"}),
      rule({""}, {"nodes"}, {"create", "update", "patch"}),
      rule({""}, {"nodes/status"}, {"update", "patch"}),
      rule({"", "events.k8s.io"}, {"events"}, {"create", "update", "patch"}),
      rule({""}, {"pods"}, {"create", "delete"}),  // mirror pods
      rule({""}, {"pods/status"}, {"update", "patch"}),
      rule({""}, {"pods/eviction"}, {"create"}),
      rule({""}, {"endpoints"}, {"get"}),
      rule({"certificates.k8s.io"}, {"certificatesigningrequests"}, {"create", "get", "list", "watch"}),
      rule({"storage.k8s.io"}, {"csidrivers"}, {"get", "list", "watch"}),
      rule({"node.k8s.io"}, {"runtimeclasses"}, {"get", "list", "watch"}),
  });
  return rules;
}

bool NodeAuthorizer::pod_on_node(const std::string& node, const std::string& ns, const std::string& name) const {
  if (!sources_.pods) return false;
  CachedPtr pod = sources_.pods->get(ns, name);
  return pod && text(member(pod->object, "spec"), "nodeName") == node;
}

bool NodeAuthorizer::referenced_by_node_pods(const std::string& node, const std::string& resource,
                                             const std::string& ns, const std::string& name) const {
  if (!sources_.pods) return false;
  ObjectFilter on_node;
  on_node.fields = object::fields::Selector::from_set({{"spec.nodeName", node}});
  const bool volume = resource == "persistentvolumes";
  if (!volume && resource != "secrets") on_node.ns = ns;  // a volume's secret may live elsewhere
  const auto pods = sources_.pods->list(on_node, 0, "").items;
  // The volume bound to a claim the pod names (claims bind after the pod is created, so the
  // edge is followed at request time).
  auto claimed_volume = [&](const std::string& claim_ns, const std::string& claim) -> CachedPtr {
    if (!sources_.persistent_volume_claims) return nullptr;
    return sources_.persistent_volume_claims->get(claim_ns, claim);
  };
  for (const auto& pod : pods) {
    const std::string& pod_ns = pod->ns;
    const bool found = visit_pod_references(pod->object, [&](const std::string& r, const std::string& n) {
      if (!volume && r == resource && pod_ns == ns && n == name) return true;
      if (r != "persistentvolumeclaims" || (!volume && resource != "secrets")) return false;
      CachedPtr pvc = claimed_volume(pod_ns, n);
      if (!pvc) return false;
      const std::string pv_name = text(member(pvc->object, "spec"), "volumeName");
      if (volume) return pv_name == name;
      // A secret the claim's volume names (CSI node-publish/stage secrets and the like).
      if (pv_name.empty() || !sources_.persistent_volumes) return false;
      CachedPtr pv = sources_.persistent_volumes->get("", pv_name);
      return pv && visit_volume_secrets(pv->object, [&](const std::string& secret_ns, const std::string& secret) {
               return secret_ns == ns && secret == name;
             });
    });
    if (found) return true;
  }
  return false;
}

bool NodeAuthorizer::allowed(const Attributes& a, std::string& reason) const {
  const std::string node = node_identity(a.user);
  if (node.empty() || !a.resource_request) return false;
  const std::string& verb = a.verb;
  const std::string& sub = a.subresource;
  const bool core = a.group.empty();
  auto no_relationship = [&] {
    reason = "no relationship found between node '" + node + "' and this object";
    return false;
  };
  // Reads of single objects that a pod on the node names. A list or watch counts only when a
  // metadata.name field selector names the object (the request's name then carries it).
  if (core && sub.empty() &&
      (a.resource == "secrets" || a.resource == "configmaps" || a.resource == "persistentvolumeclaims" ||
       a.resource == "persistentvolumes" || a.resource == "serviceaccounts")) {
    if (!is_read(verb) || (a.resource == "serviceaccounts" && verb != "get") || a.name.empty()) {
      reason = "can only read individual " + a.resource + " a pod on node '" + node + "' refers to";
      return false;
    }
    return referenced_by_node_pods(node, a.resource, a.ns, a.name) || no_relationship();
  }
  if (core && a.resource == "persistentvolumeclaims" && sub == "status") {
    if (verb != "get" && verb != "update" && verb != "patch") return false;
    return referenced_by_node_pods(node, a.resource, a.ns, a.name) || no_relationship();
  }
  if (core && a.resource == "serviceaccounts" && sub == "token") {
    // Which pod the token is bound to is NodeRestriction's check, on the request body.
    if (verb != "create") return false;
    return referenced_by_node_pods(node, "serviceaccounts", a.ns, a.name) || no_relationship();
  }
  if (a.group == "coordination.k8s.io" && a.resource == "leases" && sub.empty()) {
    // A create names its lease in the body: NodeRestriction checks it.
    if (a.ns != "kube-node-lease" || (verb != "get" && verb != "create" && verb != "update" && verb != "patch" &&
                                      verb != "delete")) {
      reason = "can only access node lease with the same name as the requesting node";
      return false;
    }
    if (verb == "create" ? !a.name.empty() : a.name != node) {
      reason = "can only access node lease with the same name as the requesting node";
      return false;
    }
    return true;
  }
  if (a.group == "storage.k8s.io" && a.resource == "csinodes" && sub.empty()) {
    if ((verb == "get" || verb == "update" || verb == "patch" || verb == "delete") && a.name == node) return true;
    reason = "can only access CSINode with the same name as the requesting node";
    return false;
  }
  if (a.group == "storage.k8s.io" && a.resource == "volumeattachments" && sub.empty()) {
    if (verb != "get" || a.name.empty()) return false;
    CachedPtr va = sources_.volume_attachments ? sources_.volume_attachments->get("", a.name) : nullptr;
    return (va && text(member(va->object, "spec"), "nodeName") == node) || no_relationship();
  }
  // A node reads its own Node and the pods bound to it, and lists or watches them only through
  // a field selector that says so.
  if (core && a.resource == "nodes" && sub.empty() && is_read(verb)) {
    if (a.name == node) return true;
    reason = "node '" + node + "' cannot read '" + a.name + "', only its own Node object";
    return false;
  }
  if (core && a.resource == "pods" && sub.empty() && is_read(verb)) {
    if (verb == "get") return pod_on_node(node, a.ns, a.name) || no_relationship();
    std::optional<std::string> bound;
    try {
      bound = object::fields::Selector::parse(a.field_selector).requires_exact_match("spec.nodeName");
    } catch (const object::fields::SelectorError&) {
    }
    if (bound && *bound == node) return true;
    reason = "can only list/watch pods with spec.nodeName field selector";
    return false;
  }
  return rules_allow(rules(), a);
}

}  // namespace k3s::apiserver
