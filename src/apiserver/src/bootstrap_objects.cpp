// Objects every cluster starts with: the four system namespaces, the `kubernetes` Service at
// the first IP of the service CIDR, the system priority classes and the bootstrap RBAC
// roles and bindings. Existing objects are left as they are.
#include <spdlog/spdlog.h>

#include "admission.h"
#include "context.h"
#include "object/meta.h"
#include "status.h"

namespace k3s::apiserver {

namespace {

void create_if_missing(ApiContext& ctx, const std::string& group, const std::string& version,
                       const std::string& resource, Json obj) {
  auto type = ctx.registry.find(group, version, resource);
  if (!type) return;
  obj["apiVersion"] = type->api_version();
  obj["kind"] = type->kind;
  if (ctx.storage.get(*type, object::namespace_of(obj), object::name_of(obj))) return;
  default_on_create(*type, obj);
  obj["metadata"]["uid"] = object::new_uid();
  object::set_creation_timestamp(obj, object::now());
  if (!type->generation_field.empty()) object::set_generation(obj, 1);
  try {
    ctx.storage.create(*type, std::move(obj), false);
  } catch (const ApiError& e) {
    if (e.code() != 409) throw;  // another server created it first
  }
}

// Removes an object this server created (bootstrapping label) and no longer wants.
void remove_bootstrap_object(ApiContext& ctx, const std::string& group, const std::string& version,
                             const std::string& resource, const std::string& name) {
  auto type = ctx.registry.find(group, version, resource);
  if (!type) return;
  auto existing = ctx.storage.get(*type, "", name);
  if (!existing) return;
  if (existing->value("metadata", Json::object()).value("labels", Json::object()).value(
          "kubernetes.io/bootstrapping", "") != "rbac-defaults")
    return;  // someone else's object of the same name
  try {
    ctx.storage.remove(*type, "", name, [](const Json&) {}, false);
    spdlog::info("apiserver: removed {} {} (the Node authorizer replaces it)", resource, name);
  } catch (const ApiError& e) {
    if (e.code() != 404) throw;
  }
}

Json rule(std::vector<std::string> groups, std::vector<std::string> resources, std::vector<std::string> verbs) {
  return {{"apiGroups", groups}, {"resources", resources}, {"verbs", verbs}};
}

Json url_rule(std::vector<std::string> urls, std::vector<std::string> verbs) {
  return {{"nonResourceURLs", urls}, {"verbs", verbs}};
}

Json cluster_role(const std::string& name, Json rules) {
  return {{"metadata",
           {{"name", name},
            {"labels", {{"kubernetes.io/bootstrapping", "rbac-defaults"}}},
            {"annotations", {{"rbac.authorization.kubernetes.io/autoupdate", "true"}}}}},
          {"rules", std::move(rules)}};
}

Json cluster_binding(const std::string& name, const std::string& role, Json subjects) {
  return {{"metadata",
           {{"name", name},
            {"labels", {{"kubernetes.io/bootstrapping", "rbac-defaults"}}},
            {"annotations", {{"rbac.authorization.kubernetes.io/autoupdate", "true"}}}}},
          {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", role}}},
          {"subjects", std::move(subjects)}};
}

Json group_subject(const std::string& g) {
  return {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Group"}, {"name", g}};
}

Json user_subject(const std::string& u) {
  return {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "User"}, {"name", u}};
}

}  // namespace

void ensure_bootstrap_objects(ApiContext& ctx) {
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"})
    create_if_missing(ctx, "", "v1", "namespaces", {{"metadata", {{"name", ns}}}});

  const std::string ip = ctx.allocator.first_ip();
  create_if_missing(ctx, "", "v1", "services",
                    {{"metadata",
                      {{"name", "kubernetes"},
                       {"namespace", "default"},
                       {"labels", {{"component", "apiserver"}, {"provider", "kubernetes"}}}}},
                     {"spec",
                      {{"type", "ClusterIP"},
                       {"clusterIP", ip},
                       {"clusterIPs", {ip}},
                       {"ports", {{{"name", "https"}, {"port", 443}, {"protocol", "TCP"}, {"targetPort", 6443}}}}}}});

  create_if_missing(ctx, "scheduling.k8s.io", "v1", "priorityclasses",
                    {{"metadata", {{"name", "system-node-critical"}}},
                     {"value", 2000001000},
                     {"description", "Used for system critical pods that must not be moved from their current node."},
                     {"preemptionPolicy", "PreemptLowerPriority"}});
  create_if_missing(ctx, "scheduling.k8s.io", "v1", "priorityclasses",
                    {{"metadata", {{"name", "system-cluster-critical"}}},
                     {"value", 2000000000},
                     {"description", "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."},
                     {"preemptionPolicy", "PreemptLowerPriority"}});

  const std::string rbac = "rbac.authorization.k8s.io";
  create_if_missing(ctx, rbac, "v1", "clusterroles",
                    cluster_role("cluster-admin", {rule({"*"}, {"*"}, {"*"}), url_rule({"*"}, {"*"})}));
  create_if_missing(ctx, rbac, "v1", "clusterrolebindings",
                    cluster_binding("cluster-admin", "cluster-admin", {group_subject("system:masters")}));
  create_if_missing(ctx, rbac, "v1", "clusterroles",
                    cluster_role("system:discovery",
                                 {url_rule({"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
                                            "/openapi/*", "/readyz", "/version", "/version/"},
                                           {"get"})}));
  create_if_missing(ctx, rbac, "v1", "clusterrolebindings",
                    cluster_binding("system:discovery", "system:discovery", {group_subject("system:authenticated")}));
  create_if_missing(ctx, rbac, "v1", "clusterroles",
                    cluster_role("system:public-info-viewer",
                                 {url_rule({"/healthz", "/livez", "/readyz", "/version", "/version/"}, {"get"})}));
  create_if_missing(ctx, rbac, "v1", "clusterrolebindings",
                    cluster_binding("system:public-info-viewer", "system:public-info-viewer",
                                    {group_subject("system:authenticated"), group_subject("system:unauthenticated")}));
  create_if_missing(ctx, rbac, "v1", "clusterroles",
                    cluster_role("system:monitoring", {url_rule({"/metrics", "/metrics/slis", "/livez", "/livez/*",
                                                                 "/readyz", "/readyz/*", "/healthz", "/healthz/*"},
                                                                {"get"})}));
  create_if_missing(ctx, rbac, "v1", "clusterrolebindings",
                    cluster_binding("system:monitoring", "system:monitoring", {group_subject("system:monitoring")}));
  create_if_missing(ctx, rbac, "v1", "clusterroles",
                    cluster_role("system:service-account-issuer-discovery",
                                 {url_rule({"/.well-known/openid-configuration", "/.well-known/openid-configuration/",
                                            "/openid/v1/jwks", "/openid/v1/jwks/"},
                                           {"get"})}));
  create_if_missing(ctx, rbac, "v1", "clusterrolebindings",
                    cluster_binding("system:service-account-issuer-discovery", "system:service-account-issuer-discovery",
                                    {group_subject("system:serviceaccounts")}));
  create_if_missing(ctx, rbac, "v1", "clusterroles",
                    cluster_role("system:basic-user",
                                 {rule({"authorization.k8s.io"}, {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}, {"create"}),
                                  rule({"authentication.k8s.io"}, {"selfsubjectreviews"}, {"create"})}));
  create_if_missing(ctx, rbac, "v1", "clusterrolebindings",
                    cluster_binding("system:basic-user", "system:basic-user", {group_subject("system:authenticated")}));
  const std::vector<std::string> read = {"get", "list", "watch"};
  const std::vector<std::string> write = {"create", "delete", "deletecollection", "patch", "update"};
  std::vector<std::string> all = read;
  all.insert(all.end(), write.begin(), write.end());
  create_if_missing(ctx, rbac, "v1", "clusterroles",
                    cluster_role("view", {rule({""}, {"configmaps", "endpoints", "persistentvolumeclaims", "pods",
                                                      "replicationcontrollers", "services", "serviceaccounts",
                                                      "events", "limitranges", "resourcequotas", "namespaces",
                                                      "pods/log", "pods/status"},
                                               read),
                                          rule({"apps"}, {"daemonsets", "deployments", "replicasets", "statefulsets",
                                                          "deployments/scale", "replicasets/scale", "statefulsets/scale"},
                                               read),
                                          rule({"batch"}, {"cronjobs", "jobs"}, read),
                                          rule({"autoscaling"}, {"horizontalpodautoscalers"}, read),
                                          rule({"networking.k8s.io"}, {"ingresses", "networkpolicies"}, read),
                                          rule({"policy"}, {"poddisruptionbudgets"}, read),
                                          rule({"discovery.k8s.io"}, {"endpointslices"}, read)}));
  create_if_missing(ctx, rbac, "v1", "clusterroles",
                    cluster_role("edit", {rule({""}, {"configmaps", "endpoints", "persistentvolumeclaims", "pods",
                                                      "replicationcontrollers", "services", "serviceaccounts", "secrets",
                                                      "pods/exec", "pods/attach", "pods/portforward", "pods/log",
                                                      "events", "limitranges", "resourcequotas"},
                                               all),
                                          rule({""}, {"namespaces"}, read),
                                          rule({"apps"}, {"daemonsets", "deployments", "replicasets", "statefulsets",
                                                          "deployments/scale", "replicasets/scale", "statefulsets/scale",
                                                          "deployments/rollback"},
                                               all),
                                          rule({"batch"}, {"cronjobs", "jobs"}, all),
                                          rule({"autoscaling"}, {"horizontalpodautoscalers"}, all),
                                          rule({"networking.k8s.io"}, {"ingresses", "networkpolicies"}, all),
                                          rule({"policy"}, {"poddisruptionbudgets"}, all),
                                          rule({"discovery.k8s.io"}, {"endpointslices"}, read)}));
  Json admin_rules = cluster_role("edit", Json::array())["rules"];
  create_if_missing(ctx, rbac, "v1", "clusterroles",
                    cluster_role("admin", {rule({""}, {"configmaps", "endpoints", "persistentvolumeclaims", "pods",
                                                       "replicationcontrollers", "services", "serviceaccounts", "secrets",
                                                       "pods/exec", "pods/attach", "pods/portforward", "pods/log",
                                                       "events", "limitranges", "resourcequotas"},
                                                all),
                                           rule({""}, {"namespaces"}, read),
                                           rule({"apps", "batch", "autoscaling", "networking.k8s.io", "policy"}, {"*"}, all),
                                           rule({"rbac.authorization.k8s.io"}, {"roles", "rolebindings"}, all),
                                           rule({"authorization.k8s.io"}, {"localsubjectaccessreviews"}, {"create"})}));
  // The k3s supervisor and in-process controllers authenticate with their own client certs.
  create_if_missing(ctx, rbac, "v1", "clusterrolebindings",
                    cluster_binding("k3s-supervisor", "cluster-admin", {user_subject("system:k3s-supervisor")}));
  create_if_missing(ctx, rbac, "v1", "clusterrolebindings",
                    cluster_binding("system:kube-controller-manager", "cluster-admin",
                                    {user_subject("system:kube-controller-manager")}));
  create_if_missing(ctx, rbac, "v1", "clusterrolebindings",
                    cluster_binding("system:kube-scheduler", "cluster-admin", {user_subject("system:kube-scheduler")}));
  // Kubelets (group system:nodes) are authorized by the Node authorizer (node_authorizer.cpp),
  // as with kube-apiserver's Node,RBAC; a group-wide RBAC grant would let every node read
  // every secret, so the binding earlier versions created is removed.
  for (const char* resource : {"clusterrolebindings", "clusterroles"})
    remove_bootstrap_object(ctx, rbac, "v1", resource, "system:k3s-node");
}

}  // namespace k3s::apiserver
