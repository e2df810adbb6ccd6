#include <gtest/gtest.h>

#include "registry.h"
#include "tables.h"

using namespace k3s::apiserver;
using std::chrono::seconds;

TEST(Tables, HumanDurationMatchesKubectlSpelling) {
  EXPECT_EQ(human_duration(seconds(5)), "5s");
  EXPECT_EQ(human_duration(seconds(119)), "119s");
  EXPECT_EQ(human_duration(seconds(125)), "2m5s");
  EXPECT_EQ(human_duration(seconds(600)), "10m");
  EXPECT_EQ(human_duration(seconds(3 * 3600 + 60)), "3h1m");
  EXPECT_EQ(human_duration(seconds(30 * 3600)), "30h");
  EXPECT_EQ(human_duration(seconds(3 * 86400 + 7200)), "3d2h");
  EXPECT_EQ(human_duration(seconds(-5)), "<invalid>");
}

TEST(Tables, NamespaceAndConfigMapColumns) {
  Registry registry;
  register_builtin_types(registry);
  auto ns_type = registry.find("", "v1", "namespaces");
  Json ns = {{"metadata", {{"name", "dev"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}}, {"status", {{"phase", "Active"}}}};
  auto now = std::chrono::sys_days(std::chrono::year{2020} / 1 / 1) + std::chrono::minutes(3);
  Json table = build_table(*ns_type, {&ns}, IncludeObject::metadata, Json::object(), now);
  ASSERT_EQ(table["columnDefinitions"].size(), 3u);
  EXPECT_EQ(table["columnDefinitions"][1]["name"], "Status");
  EXPECT_EQ(table["rows"][0]["cells"], Json({"dev", "Active", "3m"}));
  EXPECT_EQ(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");

  auto cm_type = registry.find("", "v1", "configmaps");
  Json cm = {{"metadata", {{"name", "c"}}}, {"data", {{"a", "1"}, {"b", "2"}}}};
  Json cm_table = build_table(*cm_type, {&cm}, IncludeObject::none, Json::object(), now);
  EXPECT_EQ(cm_table["rows"][0]["cells"][1], 2);
  EXPECT_FALSE(cm_table["rows"][0].contains("object"));
}

namespace {

Json table_for(const char* group, const char* version, const char* resource, const Json& obj,
               std::chrono::system_clock::time_point now) {
  Registry registry;
  register_builtin_types(registry);
  auto type = registry.find(group, version, resource);
  EXPECT_TRUE(type) << resource;
  return build_table(*type, {&obj}, IncludeObject::none, Json::object(), now);
}

std::vector<std::string> column_names(const Json& table) {
  std::vector<std::string> names;
  for (const auto& c : table["columnDefinitions"]) names.push_back(c["name"]);
  return names;
}

const auto kNow = std::chrono::sys_days(std::chrono::year{2020} / 1 / 1) + std::chrono::hours(1);

}  // namespace

TEST(Tables, JobColumnsStatusCompletionsDuration) {
  Json job = {{"metadata", {{"name", "pi"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}},
              {"spec", {{"completions", 3}, {"selector", {{"matchLabels", {{"a", "b"}}}}},
                        {"template", {{"spec", {{"containers", {{{"name", "pi"}, {"image", "perl"}}}}}}}}}},
              {"status", {{"succeeded", 1}, {"startTime", "2020-01-01T00:00:00Z"}}}};
  Json t = table_for("batch", "v1", "jobs", job, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Status", "Completions", "Duration", "Age", "Containers",
                                                       "Images", "Selector"}));
  EXPECT_EQ(t["columnDefinitions"][5]["priority"], 1);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"pi", "Running", "1/3", "60m", "60m", "pi", "perl", "a=b"}));

  job["status"]["completionTime"] = "2020-01-01T00:00:09Z";
  job["status"]["conditions"] = {{{"type", "Complete"}, {"status", "True"}}};
  job["spec"].erase("completions");
  job["spec"]["parallelism"] = 2;
  t = table_for("batch", "v1", "jobs", job, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][1], "Complete");
  EXPECT_EQ(t["rows"][0]["cells"][2], "1/1 of 2");
  EXPECT_EQ(t["rows"][0]["cells"][3], "9s");

  Json odd = {{"metadata", {{"name", "odd"}}}, {"spec", {{"completions", "x"}, {"template", 5}}}, {"status", "bad"}};
  t = table_for("batch", "v1", "jobs", odd, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"odd", "Running", "0/1", "", "<unknown>", "", "", "<none>"}));
}

TEST(Tables, CronJobColumns) {
  Json cj = {{"metadata", {{"name", "hello"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}},
             {"spec", {{"schedule", "*/1 * * * *"}, {"suspend", false},
                       {"jobTemplate", {{"spec", {{"template", {{"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}}}}}}}}},
             {"status", {{"active", {{{"name", "hello-1"}}}}, {"lastScheduleTime", "2020-01-01T00:59:30Z"}}}};
  Json t = table_for("batch", "v1", "cronjobs", cj, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule",
                                                       "Age", "Containers", "Images", "Selector"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"hello", "*/1 * * * *", "<none>", "False", 1, "30s", "60m", "c", "busybox", "<none>"}));
  Json bare = {{"metadata", {{"name", "b"}}}, {"spec", {{"suspend", "yes"}}}, {"status", {{"active", 3}}}};
  t = table_for("batch", "v1", "cronjobs", bare, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][3], "<unset>");
  EXPECT_EQ(t["rows"][0]["cells"][4], 0);
  EXPECT_EQ(t["rows"][0]["cells"][5], "<none>");
}

TEST(Tables, RbacColumns) {
  Json role = {{"metadata", {{"name", "reader"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}}};
  Json t = table_for("rbac.authorization.k8s.io", "v1", "clusterroles", role, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Created At"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"reader", "2020-01-01T00:00:00Z"}));

  Json rb = {{"metadata", {{"name", "rb"}, {"namespace", "dev"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}},
             {"roleRef", {{"kind", "Role"}, {"name", "reader"}}},
             {"subjects", {{{"kind", "User"}, {"name", "alice"}}, {{"kind", "User"}, {"name", "bob"}},
                           {{"kind", "Group"}, {"name", "devs"}},
                           {{"kind", "ServiceAccount"}, {"name", "sa"}, {"namespace", "dev"}}, 7}}};
  t = table_for("rbac.authorization.k8s.io", "v1", "rolebindings", rb, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"rb", "Role/reader", "60m", "alice, bob", "devs", "dev/sa"}));
}

TEST(Tables, RuntimeClassHandler) {
  Json rc = {{"metadata", {{"name", "gvisor"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}}, {"handler", "runsc"}};
  Json t = table_for("node.k8s.io", "v1", "runtimeclasses", rc, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Handler", "Age"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"gvisor", "runsc", "60m"}));
}

TEST(Tables, StatefulSetReadyOutOfReplicas) {
  Json sts = {{"metadata", {{"name", "web"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}},
              {"spec", {{"replicas", 3}, {"template", {{"spec", {{"containers", {{{"name", "nginx"}, {"image", "nginx:1"}}}}}}}}}},
              {"status", {{"readyReplicas", 2}}}};
  Json t = table_for("apps", "v1", "statefulsets", sts, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Ready", "Age", "Containers", "Images"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"web", "2/3", "60m", "nginx", "nginx:1"}));
  Json odd = {{"metadata", {{"name", "odd"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}},
              {"spec", {{"template", "not an object"}}}, {"status", "none"}};
  Json t2 = table_for("apps", "v1", "statefulsets", odd, kNow);
  EXPECT_EQ(t2["rows"][0]["cells"], Json({"odd", "0/1", "60m", "", ""}));
}

TEST(Tables, DaemonSetCountsAndSelectors) {
  Json ds = {{"metadata", {{"name", "agent"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}},
             {"spec",
              {{"selector", {{"matchLabels", {{"app", "agent"}}}}},
               {"template",
                {{"spec",
                  {{"nodeSelector", {{"kubernetes.io/os", "linux"}}},
                   {"containers", {{{"name", "a"}, {"image", "busybox"}}}}}}}}}},
             {"status",
              {{"desiredNumberScheduled", 2},
               {"currentNumberScheduled", 2},
               {"numberReady", 1},
               {"updatedNumberScheduled", 2},
               {"numberAvailable", 1}}}};
  Json t = table_for("apps", "v1", "daemonsets", ds, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Desired", "Current", "Ready", "Up-to-date", "Available",
                                                       "Node Selector", "Age", "Containers", "Images", "Selector"}));
  EXPECT_EQ(t["rows"][0]["cells"],
            Json({"agent", 2, 2, 1, 2, 1, "kubernetes.io/os=linux", "60m", "a", "busybox", "app=agent"}));
  Json bare = {{"metadata", {{"name", "bare"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}}};
  Json t2 = table_for("apps", "v1", "daemonsets", bare, kNow);
  EXPECT_EQ(t2["rows"][0]["cells"], Json({"bare", 0, 0, 0, 0, 0, "<none>", "60m", "", "", "<none>"}));
}

namespace {

std::vector<int> column_priorities(const Json& table) {
  std::vector<int> priorities;
  for (const auto& c : table["columnDefinitions"]) priorities.push_back(c["priority"]);
  return priorities;
}

const char* kCreated = "2020-01-01T00:00:00Z";

}  // namespace

TEST(Tables, PersistentVolumeColumns) {
  Json pv = {{"metadata", {{"name", "pv1"}, {"creationTimestamp", kCreated}}},
             {"spec", {{"capacity", {{"storage", "1.5Gi"}}},
                       {"accessModes", {"ReadWriteMany", "ReadWriteOnce"}},
                       {"persistentVolumeReclaimPolicy", "Retain"},
                       {"claimRef", {{"namespace", "dev"}, {"name", "data"}}},
                       {"storageClassName", "local-path"},
                       {"volumeMode", "Filesystem"}}},
             {"status", {{"phase", "Bound"}}}};
  Json t = table_for("", "v1", "persistentvolumes", pv, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim",
                                                       "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode"}));
  EXPECT_EQ(column_priorities(t), (std::vector<int>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  // Capacity is printed in canonical form, access modes in kube's fixed order.
  EXPECT_EQ(t["rows"][0]["cells"], Json({"pv1", "1536Mi", "RWO,RWX", "Retain", "Bound", "dev/data", "local-path", "<unset>", "",
                                         "60m", "Filesystem"}));

  Json bare = {{"metadata", {{"name", "bare"}, {"creationTimestamp", kCreated}, {"deletionTimestamp", kCreated},
                             {"annotations", {{"volume.beta.kubernetes.io/storage-class", "old"}}}}},
               {"spec", {{"storageClassName", "new"}, {"volumeAttributesClassName", "gold"}}},
               {"status", {{"phase", "Released"}, {"reason", "Recycling"}}}};
  t = table_for("", "v1", "persistentvolumes", bare, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"bare", "0", "", "", "Terminating", "", "old", "gold", "Recycling", "60m", "<unset>"}));
}

TEST(Tables, PersistentVolumeClaimColumns) {
  Json pvc = {{"metadata", {{"name", "data"}, {"creationTimestamp", kCreated}}},
              {"spec", {{"volumeName", "pv1"}, {"storageClassName", "local-path"}, {"volumeMode", "Block"},
                        {"resources", {{"requests", {{"storage", "1Gi"}}}}}}},
              {"status", {{"phase", "Bound"}, {"capacity", {{"storage", "2Gi"}}}, {"accessModes", {"ReadWriteOncePod"}}}}};
  Json t = table_for("", "v1", "persistentvolumeclaims", pvc, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass",
                                                       "VolumeAttributesClass", "Age", "VolumeMode"}));
  EXPECT_EQ(column_priorities(t), (std::vector<int>{0, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"data", "Bound", "pv1", "2Gi", "RWOP", "local-path", "<unset>", "60m", "Block"}));

  // Unbound: capacity and modes stay blank (the request is not the volume's capacity).
  Json pending = {{"metadata", {{"name", "wait"}, {"creationTimestamp", kCreated}}},
                  {"spec", {{"resources", {{"requests", {{"storage", "1Gi"}}}}}, {"accessModes", {"ReadWriteOnce"}}}},
                  {"status", {{"phase", "Pending"}}}};
  t = table_for("", "v1", "persistentvolumeclaims", pending, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"wait", "Pending", "", "", "", "", "<unset>", "60m", "<unset>"}));
}

TEST(Tables, ReplicationControllerAndPodTemplate) {
  Json rc = {{"metadata", {{"name", "rc"}, {"creationTimestamp", kCreated}}},
             {"spec", {{"replicas", 2}, {"selector", {{"app", "rc"}}},
                       {"template", {{"spec", {{"containers", {{{"name", "a"}, {"image", "nginx"}}, {{"name", "b"}, {"image", "redis"}}}}}}}}}},
             {"status", {{"replicas", 2}, {"readyReplicas", 1}}}};
  Json t = table_for("", "v1", "replicationcontrollers", rc, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Desired", "Current", "Ready", "Age", "Containers", "Images",
                                                       "Selector"}));
  EXPECT_EQ(column_priorities(t), (std::vector<int>{0, 0, 0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"rc", 2, 2, 1, "60m", "a,b", "nginx,redis", "app=rc"}));

  Json pt = {{"metadata", {{"name", "tmpl"}, {"creationTimestamp", kCreated}}},
             {"template", {{"metadata", {{"labels", {{"tier", "web"}, {"app", "x"}}}}},
                           {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}}}};
  t = table_for("", "v1", "podtemplates", pt, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Containers", "Images", "Pod Labels"}));
  EXPECT_EQ(column_priorities(t), (std::vector<int>{0, 0, 0, 0}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"tmpl", "c", "busybox", "app=x,tier=web"}));
  Json empty = {{"metadata", {{"name", "e"}}}};
  t = table_for("", "v1", "podtemplates", empty, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"e", "", "", "<none>"}));
}

TEST(Tables, ResourceQuotaSplitsRequestsAndLimits) {
  Json quota = {{"metadata", {{"name", "q"}, {"creationTimestamp", kCreated}}},
                {"status", {{"hard", {{"pods", "10"}, {"requests.cpu", "1"}, {"limits.memory", "1Gi"}, {"count/deployments.apps", "5"}}},
                            {"used", {{"pods", "3"}, {"requests.cpu", "500m"}, {"limits.memory", "512Mi"}}}}}};
  Json t = table_for("", "v1", "resourcequotas", quota, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Request", "Limit", "Age"}));
  EXPECT_EQ(t["rows"][0]["cells"],
            Json({"q", "count/deployments.apps: 0/5, pods: 3/10, requests.cpu: 500m/1", "limits.memory: 512Mi/1Gi", "60m"}));
  Json fresh = {{"metadata", {{"name", "new"}, {"creationTimestamp", kCreated}}}, {"spec", {{"hard", {{"pods", "1"}}}}}};
  t = table_for("", "v1", "resourcequotas", fresh, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"new", "", "", "60m"}));
}

TEST(Tables, LimitRangeHasKubesDefaultColumns) {
  Json lr = {{"metadata", {{"name", "limits"}, {"creationTimestamp", kCreated}}}};
  Json t = table_for("", "v1", "limitranges", lr, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Created At"}));
  EXPECT_EQ(t["columnDefinitions"][1]["type"], "date");
  EXPECT_EQ(t["rows"][0]["cells"], Json({"limits", "2020-01-01T00:00:00Z"}));
}

TEST(Tables, ControllerRevisionNamesItsController) {
  Json cr = {{"metadata", {{"name", "web-5d4f"}, {"creationTimestamp", kCreated},
                           {"ownerReferences", {{{"apiVersion", "apps/v1"}, {"kind", "StatefulSet"}, {"name", "web"},
                                                 {"uid", "u1"}, {"controller", true}}}}}},
             {"revision", 3}};
  Json t = table_for("apps", "v1", "controllerrevisions", cr, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Controller", "Revision", "Age"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"web-5d4f", "statefulset.apps/web", 3, "60m"}));
  cr["metadata"]["ownerReferences"][0]["controller"] = false;
  t = table_for("apps", "v1", "controllerrevisions", cr, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][1], "<none>");
}

TEST(Tables, IngressHostsAddressAndPorts) {
  Json ing = {{"metadata", {{"name", "web"}, {"creationTimestamp", kCreated}}},
              {"spec", {{"ingressClassName", "traefik"},
                        {"rules", {{{"host", "a.example"}}, {{"host", ""}}, {{"host", "b.example"}}, {{"host", "c.example"}},
                                   {{"host", "d.example"}}}},
                        {"tls", {{{"hosts", {"a.example"}}}}}}},
              {"status", {{"loadBalancer", {{"ingress", {{{"ip", "10.0.0.2"}}, {{"hostname", "lb.example"}}, {{"ip", "10.0.0.1"}}}}}}}}};
  Json t = table_for("networking.k8s.io", "v1", "ingresses", ing, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Class", "Hosts", "Address", "Ports", "Age"}));
  // The rule without a host is skipped, yet "more" counts it: 5 rules, 3 hosts shown.
  EXPECT_EQ(t["rows"][0]["cells"], Json({"web", "traefik", "a.example,b.example,c.example + 2 more...", "10.0.0.1,10.0.0.2,lb.example",
                                         "80, 443", "60m"}));
  Json bare = {{"metadata", {{"name", "bare"}, {"creationTimestamp", kCreated}}}, {"spec", Json::object()}};
  t = table_for("networking.k8s.io", "v1", "ingresses", bare, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"bare", "<none>", "*", "", "80", "60m"}));
}

TEST(Tables, IngressClassParameters) {
  Json ic = {{"metadata", {{"name", "nginx"}, {"creationTimestamp", kCreated}}},
             {"spec", {{"controller", "k8s.io/ingress-nginx"},
                       {"parameters", {{"apiGroup", "k8s.example.com"}, {"kind", "IngressParameters"}, {"name", "external-lb"}}}}}};
  Json t = table_for("networking.k8s.io", "v1", "ingressclasses", ic, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Controller", "Parameters", "Age"}));
  EXPECT_EQ(t["rows"][0]["cells"],
            Json({"nginx", "k8s.io/ingress-nginx", "IngressParameters.k8s.example.com/external-lb", "60m"}));
  ic["spec"].erase("parameters");
  t = table_for("networking.k8s.io", "v1", "ingressclasses", ic, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][2], "<none>");
}

TEST(Tables, NetworkPolicyPodSelector) {
  Json np = {{"metadata", {{"name", "deny"}, {"creationTimestamp", kCreated}}},
             {"spec", {{"podSelector", {{"matchLabels", {{"role", "db"}}},
                                        {"matchExpressions", {{{"key", "tier"}, {"operator", "In"}, {"values", {"b", "a"}}},
                                                              {{"key", "legacy"}, {"operator", "DoesNotExist"}}}}}}}}};
  Json t = table_for("networking.k8s.io", "v1", "networkpolicies", np, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Pod-Selector", "Age"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"deny", "!legacy,role=db,tier in (a,b)", "60m"}));
  np["spec"]["podSelector"] = Json::object();
  t = table_for("networking.k8s.io", "v1", "networkpolicies", np, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][1], "<none>");
}

TEST(Tables, EndpointSlicePortsAndEndpoints) {
  Json slice = {{"metadata", {{"name", "web-abc"}, {"creationTimestamp", kCreated}}},
                {"addressType", "IPv4"},
                {"ports", {{{"port", 80}}, {{"name", "metrics"}}, Json::object(), {{"port", 9000}}}},
                {"endpoints", {{{"addresses", {"10.0.0.1"}}}, {{"addresses", {"10.0.0.2", "10.0.0.3", "10.0.0.4"}}}}}};
  Json t = table_for("discovery.k8s.io", "v1", "endpointslices", slice, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "AddressType", "Ports", "Endpoints", "Age"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"web-abc", "IPv4", "80,metrics,* + 1 more...", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...",
                                         "60m"}));
  Json empty = {{"metadata", {{"name", "e"}, {"creationTimestamp", kCreated}}}, {"addressType", "IPv6"}};
  t = table_for("discovery.k8s.io", "v1", "endpointslices", empty, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"e", "IPv6", "<unset>", "<unset>", "60m"}));
}

TEST(Tables, HorizontalPodAutoscalerTargets) {
  Json hpa = {{"metadata", {{"name", "web"}, {"creationTimestamp", kCreated}}},
              {"spec", {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "web"}}},
                        {"minReplicas", 2},
                        {"maxReplicas", 10},
                        {"metrics", {{{"type", "Resource"},
                                      {"resource", {{"name", "cpu"}, {"target", {{"type", "Utilization"}, {"averageUtilization", 80}}}}}},
                                     {{"type", "Pods"},
                                      {"pods", {{"metric", {{"name", "qps"}}}, {"target", {{"type", "AverageValue"}, {"averageValue", "1k"}}}}}},
                                     {{"type", "Resource"},
                                      {"resource", {{"name", "memory"}, {"target", {{"type", "AverageValue"}, {"averageValue", "1Gi"}}}}}}}}}},
              {"status", {{"currentReplicas", 3},
                          {"currentMetrics", {{{"type", "Resource"},
                                               {"resource", {{"name", "cpu"}, {"current", {{"averageUtilization", 45}}}}}}}}}}};
  Json t = table_for("autoscaling", "v2", "horizontalpodautoscalers", hpa, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"web", "Deployment/web", "cpu: 45%/80%, <unknown>/1k + 1 more...", "2", 10, 3, "60m"}));

  Json bare = {{"metadata", {{"name", "b"}, {"creationTimestamp", kCreated}}},
               {"spec", {{"scaleTargetRef", {{"kind", "StatefulSet"}, {"name", "db"}}}, {"maxReplicas", 4}}}};
  t = table_for("autoscaling", "v2", "horizontalpodautoscalers", bare, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"b", "StatefulSet/db", "<none>", "<unset>", 4, 0, "60m"}));
  bare["spec"]["metrics"] = {{{"type", "Resource"}, {"resource", {{"name", "cpu"}, {"target", {{"type", "Utilization"}}}}}},
                             {{"type", "External"},
                              {"external", {{"metric", {{"name", "queue"}}}, {"target", {{"type", "Value"}, {"value", "30"}}}}}}};
  bare["status"]["currentMetrics"] = {Json::object(), {{"type", "External"}, {"external", {{"current", {{"value", "12"}}}}}}};
  t = table_for("autoscaling", "v2", "horizontalpodautoscalers", bare, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][2], "cpu: <unknown>/<auto>, 12/30");
}

TEST(Tables, PriorityClassColumns) {
  Json pc = {{"metadata", {{"name", "high"}, {"creationTimestamp", kCreated}}},
             {"value", 1000000}, {"globalDefault", true}, {"preemptionPolicy", "Never"}};
  Json t = table_for("scheduling.k8s.io", "v1", "priorityclasses", pc, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Value", "Global-Default", "Age", "PreemptionPolicy"}));
  EXPECT_EQ(column_priorities(t), (std::vector<int>{0, 0, 0, 0, 0}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"high", 1000000, true, "60m", "Never"}));
  Json low = {{"metadata", {{"name", "low"}, {"creationTimestamp", kCreated}}}, {"value", -5}};
  t = table_for("scheduling.k8s.io", "v1", "priorityclasses", low, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"low", -5, false, "60m", ""}));
}

TEST(Tables, StorageClassMarksTheDefault) {
  Json sc = {{"metadata", {{"name", "local-path"}, {"creationTimestamp", kCreated},
                           {"annotations", {{"storageclass.kubernetes.io/is-default-class", "true"}}}}},
             {"provisioner", "rancher.io/local-path"}, {"reclaimPolicy", "Retain"},
             {"volumeBindingMode", "WaitForFirstConsumer"}, {"allowVolumeExpansion", true}};
  Json t = table_for("storage.k8s.io", "v1", "storageclasses", sc, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode",
                                                       "AllowVolumeExpansion", "Age"}));
  EXPECT_EQ(t["rows"][0]["cells"],
            Json({"local-path (default)", "rancher.io/local-path", "Retain", "WaitForFirstConsumer", true, "60m"}));
  Json plain = {{"metadata", {{"name", "slow"}, {"creationTimestamp", kCreated}}}, {"provisioner", "example.com/nfs"}};
  t = table_for("storage.k8s.io", "v1", "storageclasses", plain, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"slow", "example.com/nfs", "Delete", "Immediate", false, "60m"}));
}

TEST(Tables, CsiDriverNodeAndVolumeAttachment) {
  Json driver = {{"metadata", {{"name", "csi.example.com"}, {"creationTimestamp", kCreated}}},
                 {"spec", {{"attachRequired", false}, {"podInfoOnMount", true},
                           {"tokenRequests", {{{"audience", "vault"}}, {{"audience", "gcp"}}}},
                           {"volumeLifecycleModes", {"Persistent", "Ephemeral"}}}}};
  Json t = table_for("storage.k8s.io", "v1", "csidrivers", driver, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "AttachRequired", "PodInfoOnMount", "StorageCapacity",
                                                       "TokenRequests", "RequiresRepublish", "Modes", "Age"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"csi.example.com", false, true, false, "vault,gcp", false, "Persistent,Ephemeral", "60m"}));
  Json bare = {{"metadata", {{"name", "bare"}, {"creationTimestamp", kCreated}}}, {"spec", Json::object()}};
  t = table_for("storage.k8s.io", "v1", "csidrivers", bare, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"bare", true, false, false, "<unset>", false, "<none>", "60m"}));

  Json node = {{"metadata", {{"name", "n1"}, {"creationTimestamp", kCreated}}},
               {"spec", {{"drivers", {{{"name", "a"}}, {{"name", "b"}}}}}}};
  t = table_for("storage.k8s.io", "v1", "csinodes", node, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Drivers", "Age"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"n1", 2, "60m"}));

  Json va = {{"metadata", {{"name", "csi-123"}, {"creationTimestamp", kCreated}}},
             {"spec", {{"attacher", "csi.example.com"}, {"nodeName", "n1"}, {"source", {{"persistentVolumeName", "pv1"}}}}},
             {"status", {{"attached", true}}}};
  t = table_for("storage.k8s.io", "v1", "volumeattachments", va, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Attacher", "PV", "Node", "Attached", "Age"}));
  EXPECT_EQ(t["columnDefinitions"][1]["format"], "name");
  EXPECT_EQ(t["rows"][0]["cells"], Json({"csi-123", "csi.example.com", "pv1", "n1", true, "60m"}));
}

TEST(Tables, ReplicaSetAndDeploymentWideColumns) {
  Json rs = {{"metadata", {{"name", "web-6d"}, {"creationTimestamp", kCreated}}},
             {"spec", {{"replicas", 3},
                       {"selector", {{"matchLabels", {{"app", "web"}}},
                                     {"matchExpressions", {{{"key", "track"}, {"operator", "NotIn"}, {"values", {"canary"}}}}}}},
                       {"template", {{"spec", {{"containers", {{{"name", "nginx"}, {"image", "nginx:1"}}}}}}}}}},
             {"status", {{"replicas", 3}, {"readyReplicas", 2}}}};
  Json t = table_for("apps", "v1", "replicasets", rs, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Desired", "Current", "Ready", "Age", "Containers", "Images",
                                                       "Selector"}));
  EXPECT_EQ(column_priorities(t), (std::vector<int>{0, 0, 0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"web-6d", 3, 3, 2, "60m", "nginx", "nginx:1", "app=web,track notin (canary)"}));

  Json deploy = rs;
  deploy["metadata"]["name"] = "web";
  deploy["status"] = {{"readyReplicas", 2}, {"updatedReplicas", 3}, {"availableReplicas", 2}};
  t = table_for("apps", "v1", "deployments", deploy, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"web", "2/3", 3, 2, "60m", "nginx", "nginx:1", "app=web,track notin (canary)"}));
}

TEST(Tables, EndpointsListsThreeAndCountsTheRest) {
  Json ep = {{"metadata", {{"name", "web"}, {"creationTimestamp", kCreated}}},
             {"subsets", {{{"addresses", {{{"ip", "10.0.0.1"}}, {{"ip", "10.0.0.2"}}}}, {"ports", {{{"port", 80}}, {{"port", 443}}}}},
                          {{"addresses", {{{"ip", "fd00::1"}}}}}}}};
  Json t = table_for("", "v1", "endpoints", ep, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"web", "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 2 more...", "60m"}));
  Json headless = {{"metadata", {{"name", "h"}, {"creationTimestamp", kCreated}}},
                   {"subsets", {{{"addresses", {{{"ip", "fd00::1"}}}}, {"ports", {{{"port", 53}}}}}, {{"addresses", {{{"ip", "10.0.0.9"}}}}}}}};
  t = table_for("", "v1", "endpoints", headless, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][1], "[fd00::1]:53,10.0.0.9");
  Json none = {{"metadata", {{"name", "n"}, {"creationTimestamp", kCreated}}}};
  t = table_for("", "v1", "endpoints", none, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][1], "<none>");
}

TEST(Tables, CertificateSigningRequestCondition) {
  Json csr = {{"metadata", {{"name", "csr-1"}, {"creationTimestamp", kCreated}}},
              {"spec", {{"signerName", "kubernetes.io/kube-apiserver-client"}, {"username", "alice"}, {"expirationSeconds", 7200}}},
              {"status", {{"conditions", {{{"type", "Approved"}, {"status", "True"}}}}, {"certificate", "LS0t"}}}};
  Json t = table_for("certificates.k8s.io", "v1", "certificatesigningrequests", csr, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Age", "SignerName", "Requestor", "RequestedDuration", "Condition"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"csr-1", "60m", "kubernetes.io/kube-apiserver-client", "alice", "2h", "Approved,Issued"}));
  csr["status"] = {{"conditions", {{{"type", "Approved"}, {"status", "True"}}, {{"type", "Denied"}, {"status", "True"}},
                                   {{"type", "Failed"}, {"status", "True"}}}}};
  t = table_for("certificates.k8s.io", "v1", "certificatesigningrequests", csr, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][5], "Denied,Failed");
  csr.erase("status");
  t = table_for("certificates.k8s.io", "v1", "certificatesigningrequests", csr, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][5], "Pending");
}

TEST(Tables, CoreEventColumns) {
  Json ev = {{"metadata", {{"name", "web.17a"}, {"namespace", "dev"}, {"creationTimestamp", kCreated}}},
             {"involvedObject", {{"kind", "Pod"}, {"name", "web"}, {"fieldPath", "spec.containers{nginx}"}}},
             {"reason", "Pulled"}, {"type", "Normal"}, {"message", "  Image pulled\n"},
             {"source", {{"component", "kubelet"}, {"host", "node1"}}},
             {"firstTimestamp", "2020-01-01T00:30:00Z"}, {"lastTimestamp", "2020-01-01T00:59:00Z"}, {"count", 4}};
  Json t = table_for("", "v1", "events", ev, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message",
                                                       "First Seen", "Count", "Name"}));
  EXPECT_EQ(column_priorities(t), (std::vector<int>{0, 0, 0, 0, 1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"60s", "Normal", "Pulled", "pod/web", "spec.containers{nginx}", "kubelet, node1",
                                         "Image pulled", "30m", 4, "web.17a"}));

  Json bare = {{"metadata", {{"name", "n.1"}}}, {"involvedObject", {{"kind", "Node"}}}, {"reportingComponent", "ctrl"},
               {"eventTime", "2020-01-01T00:59:50.000000Z"}};
  t = table_for("", "v1", "events", bare, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"10s", "", "", "node", "", "ctrl", "", "10s", 1, "n.1"}));
}

TEST(Tables, EventsApiEventReadInCoreTerms) {
  Json ev = {{"metadata", {{"name", "web.18b"}, {"creationTimestamp", kCreated}}},
             {"regarding", {{"kind", "Deployment"}, {"name", "web"}}},
             {"reason", "ScalingReplicaSet"}, {"type", "Normal"}, {"note", "Scaled up"},
             {"reportingController", "deployment-controller"}, {"reportingInstance", "cp-1"},
             {"eventTime", "2020-01-01T00:50:00.000000Z"},
             {"series", {{"count", 3}, {"lastObservedTime", "2020-01-01T00:58:00.000000Z"}}}};
  Json t = table_for("events.k8s.io", "v1", "events", ev, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"2m", "Normal", "ScalingReplicaSet", "deployment/web", "",
                                         "deployment-controller, cp-1", "Scaled up", "10m", 3, "web.18b"}));
}

TEST(Tables, PodServiceAndNodeRows) {
  Json pod = {{"metadata", {{"name", "web"}, {"creationTimestamp", kCreated}}},
              {"spec", {{"nodeName", "node1"}, {"containers", {{{"name", "a"}}, {{"name", "b"}}}}}},
              {"status", {{"phase", "Running"}, {"podIP", "10.42.0.5"},
                          {"containerStatuses", {{{"ready", true}, {"restartCount", 2}, {"state", {{"running", Json::object()}}}},
                                                 {{"ready", false}, {"restartCount", 1},
                                                  {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}}}}}}}};
  Json t = table_for("", "v1", "pods", pod, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"web", "1/2", "CrashLoopBackOff", "3", "60m", "10.42.0.5", "node1", "<none>", "<none>"}));

  Json svc = {{"metadata", {{"name", "web"}, {"creationTimestamp", kCreated}}},
              {"spec", {{"type", "NodePort"}, {"clusterIP", "10.43.0.10"}, {"selector", {{"app", "web"}}},
                        {"ports", {{{"port", 80}, {"nodePort", 30080}, {"protocol", "TCP"}}}}}}};
  t = table_for("", "v1", "services", svc, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"web", "NodePort", "10.43.0.10", "<none>", "80:30080/TCP", "60m", "app=web"}));

  Json node = {{"metadata", {{"name", "node1"}, {"creationTimestamp", kCreated},
                             {"labels", {{"node-role.kubernetes.io/control-plane", "true"}}}}},
               {"spec", {{"unschedulable", true}}},
               {"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}},
                           {"addresses", {{{"type", "InternalIP"}, {"address", "192.168.1.5"}}}},
                           {"nodeInfo", {{"kubeletVersion", "v1.33.0"}}}}}};
  t = table_for("", "v1", "nodes", node, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"node1", "Ready,SchedulingDisabled", "control-plane", "60m", "v1.33.0", "192.168.1.5",
                                         "<none>", "<unknown>", "<unknown>", "<unknown>"}));
}

TEST(Tables, PodStatusFollowsKubectlRules) {
  // Initializing: the first unfinished init container names the state.
  Json pod = {{"metadata", {{"name", "init"}, {"creationTimestamp", kCreated}}},
              {"spec", {{"initContainers", {{{"name", "setup"}}, {{"name", "migrate"}}}}, {"containers", {{{"name", "app"}}}}}},
              {"status", {{"phase", "Pending"},
                          {"initContainerStatuses", {{{"name", "setup"}, {"state", {{"terminated", {{"exitCode", 0}}}}}},
                                                     {{"name", "migrate"}, {"restartCount", 2},
                                                      {"lastState", {{"terminated", {{"exitCode", 1}, {"finishedAt", "2020-01-01T00:55:00Z"}}}}},
                                                      {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}}}}},
                          {"containerStatuses", {{{"name", "app"}, {"state", {{"waiting", {{"reason", "PodInitializing"}}}}}}}}}}};
  Json t = table_for("", "v1", "pods", pod, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][1], "0/1");
  EXPECT_EQ(t["rows"][0]["cells"][2], "Init:CrashLoopBackOff");
  EXPECT_EQ(t["rows"][0]["cells"][3], "2 (5m ago)");

  pod["status"]["initContainerStatuses"][1] = {{"name", "migrate"}, {"state", {{"running", Json::object()}}}};
  t = table_for("", "v1", "pods", pod, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][2], "Init:1/2");

  // A sidecar (restartPolicy Always) counts in READY once started.
  Json sidecar = {{"metadata", {{"name", "side"}, {"creationTimestamp", kCreated}}},
                  {"spec", {{"initContainers", {{{"name", "proxy"}, {"restartPolicy", "Always"}}}}, {"containers", {{{"name", "app"}}}},
                            {"readinessGates", {{{"conditionType", "example.com/lb"}}}}}},
                  {"status", {{"phase", "Running"}, {"podIPs", {{{"ip", "10.42.0.7"}}, {{"ip", "fd00::7"}}}},
                              {"conditions", {{{"type", "Initialized"}, {"status", "True"}}, {{"type", "example.com/lb"}, {"status", "True"}}}},
                              {"initContainerStatuses", {{{"name", "proxy"}, {"started", true}, {"ready", true},
                                                          {"state", {{"running", Json::object()}}}}}},
                              {"containerStatuses", {{{"name", "app"}, {"ready", true}, {"state", {{"running", Json::object()}}}}}}}}};
  t = table_for("", "v1", "pods", sidecar, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"side", "2/2", "Running", "0", "60m", "10.42.0.7", "<none>", "<none>", "1/1"}));

  // A container that exited without a reason shows its exit code; deletion shows Terminating
  // unless the pod already finished.
  Json crashed = {{"metadata", {{"name", "x"}, {"creationTimestamp", kCreated}, {"deletionTimestamp", kCreated}}},
                  {"spec", {{"containers", {{{"name", "app"}}}}}},
                  {"status", {{"phase", "Failed"}, {"containerStatuses", {{{"name", "app"}, {"state", {{"terminated", {{"exitCode", 137}}}}}}}}}}};
  t = table_for("", "v1", "pods", crashed, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][2], "ExitCode:137");
  crashed["status"]["phase"] = "Running";
  t = table_for("", "v1", "pods", crashed, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][2], "Terminating");
}

TEST(Tables, ServiceAddresses) {
  Json lb = {{"metadata", {{"name", "lb"}, {"creationTimestamp", kCreated}}},
             {"spec", {{"type", "LoadBalancer"}, {"clusterIP", "10.43.0.9"}, {"clusterIPs", {"10.43.0.9", "fd00::9"}},
                       {"externalIPs", {"1.2.3.4"}}, {"ports", {{{"port", 443}, {"nodePort", 31443}, {"protocol", "TCP"}},
                                                                {{"port", 53}, {"protocol", "UDP"}}}}}},
             {"status", {{"loadBalancer", {{"ingress", {{{"ip", "192.168.1.20"}}, {{"hostname", "lb.example"}}, {{"ip", "192.168.1.10"}}}}}}}}};
  Json t = table_for("", "v1", "services", lb, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"lb", "LoadBalancer", "10.43.0.9", "192.168.1.10,192.168.1.20,lb.example,1.2.3.4",
                                         "443:31443/TCP,53/UDP", "60m", "<none>"}));
  lb["spec"].erase("externalIPs");
  lb.erase("status");
  t = table_for("", "v1", "services", lb, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][3], "<pending>");

  Json named = {{"metadata", {{"name", "ext"}, {"creationTimestamp", kCreated}}},
                {"spec", {{"type", "ExternalName"}, {"externalName", "db.example.com"}}}};
  t = table_for("", "v1", "services", named, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"ext", "ExternalName", "<none>", "db.example.com", "<none>", "60m", "<none>"}));
}
