// kube's SetDefaults_* as set_defaults applies them (every write) and default_on_create
// (create only).
#include "defaults.h"

#include <gtest/gtest.h>

#include "admission.h"
#include "pod_defaults.h"

using k3s::apiserver::ResourceType;
using k3s::apiserver::set_defaults;
using Json = nlohmann::json;

namespace {
ResourceType type(const std::string& group, const std::string& kind) {
  ResourceType t;
  t.group = group;
  t.version = "v1";
  t.kind = kind;
  return t;
}
Json pod_template() {
  return {{"metadata", {{"labels", {{"app", "web"}}}}},
          {"spec", {{"containers", {{{"name", "web"}, {"image", "nginx:1.27"}}}}}}};
}
void expect_defaulted_template(const Json& t) {
  const Json& spec = t["spec"];
  EXPECT_EQ(spec["restartPolicy"], "Always");
  EXPECT_EQ(spec["dnsPolicy"], "ClusterFirst");
  EXPECT_EQ(spec["schedulerName"], "default-scheduler");
  EXPECT_EQ(spec["terminationGracePeriodSeconds"], 30);
  EXPECT_EQ(spec["securityContext"], Json::object());
  const Json& c = spec["containers"][0];
  EXPECT_EQ(c["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(c["terminationMessagePath"], "/dev/termination-log");
  EXPECT_EQ(c["terminationMessagePolicy"], "File");
  EXPECT_EQ(c["resources"], Json::object());
  // Pod-only defaults stay off templates.
  EXPECT_FALSE(spec.contains("enableServiceLinks"));
  EXPECT_FALSE(spec.contains("serviceAccountName"));
}
}  // namespace

TEST(Defaults, PullPolicyFromTheImageTag) {
  using k3s::apiserver::default_pull_policy;
  EXPECT_EQ(default_pull_policy("nginx"), "Always");
  EXPECT_EQ(default_pull_policy("nginx:latest"), "Always");
  EXPECT_EQ(default_pull_policy("nginx:1.27"), "IfNotPresent");
  EXPECT_EQ(default_pull_policy("localhost:5000/nginx"), "Always");  // the colon is the registry's port
  EXPECT_EQ(default_pull_policy("localhost:5000/nginx:1.0"), "IfNotPresent");
  EXPECT_EQ(default_pull_policy("nginx@sha256:0123"), "IfNotPresent");
  EXPECT_EQ(default_pull_policy("nginx:latest@sha256:0123"), "Always");
}

TEST(Defaults, EveryWorkloadTemplate) {
  for (const auto& [group, kind] : std::vector<std::pair<std::string, std::string>>{
           {"apps", "Deployment"}, {"apps", "ReplicaSet"}, {"apps", "StatefulSet"}, {"apps", "DaemonSet"},
           {"batch", "Job"}, {"", "ReplicationController"}}) {
    SCOPED_TRACE(kind);
    Json o = {{"metadata", {{"name", "x"}}}, {"spec", {{"template", pod_template()}}}};
    set_defaults(type(group, kind), o);
    expect_defaulted_template(o["spec"]["template"]);
  }
  Json cronjob = {{"metadata", {{"name", "x"}}},
                  {"spec", {{"schedule", "* * * * *"}, {"jobTemplate", {{"spec", {{"template", pod_template()}}}}}}}};
  set_defaults(type("batch", "CronJob"), cronjob);
  expect_defaulted_template(cronjob["spec"]["jobTemplate"]["spec"]["template"]);
  // The Job fields inside jobTemplate are not defaulted (SetDefaults_Job is the Job's).
  EXPECT_FALSE(cronjob["spec"]["jobTemplate"]["spec"].contains("backoffLimit"));
  Json pt = {{"metadata", {{"name", "x"}}}, {"template", pod_template()}};
  set_defaults(type("", "PodTemplate"), pt);
  expect_defaulted_template(pt["template"]);
}

TEST(Defaults, ExplicitValuesAndPointerZerosAreKept) {
  Json t = pod_template();
  t["spec"]["terminationGracePeriodSeconds"] = 0;
  t["spec"]["restartPolicy"] = "Never";
  t["spec"]["containers"][0]["imagePullPolicy"] = "Never";
  t["spec"]["containers"][0]["livenessProbe"] = {{"exec", {{"command", {"true"}}}}, {"periodSeconds", 0}, {"failureThreshold", 7}};
  Json o = {{"spec", {{"template", t}}}};
  set_defaults(type("apps", "Deployment"), o);
  const Json& spec = o["spec"]["template"]["spec"];
  EXPECT_EQ(spec["terminationGracePeriodSeconds"], 0);
  EXPECT_EQ(spec["restartPolicy"], "Never");
  EXPECT_EQ(spec["containers"][0]["imagePullPolicy"], "Never");
  // A plain int32 of zero is Go's "unset".
  EXPECT_EQ(spec["containers"][0]["livenessProbe"]["periodSeconds"], 10);
  EXPECT_EQ(spec["containers"][0]["livenessProbe"]["failureThreshold"], 7);
}

TEST(Defaults, ContainerPortsProbesEnvAndVolumes) {
  Json t = pod_template();
  Json& c = t["spec"]["containers"][0];
  c["ports"] = {{{"containerPort", 80}}, {{"containerPort", 53}, {"protocol", "UDP"}}};
  c["readinessProbe"] = {{"httpGet", {{"port", 80}}}};
  c["lifecycle"] = {{"preStop", {{"httpGet", {{"port", 80}, {"path", "/stop"}}}}}};
  c["env"] = {{{"name", "POD"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}}};
  t["spec"]["initContainers"] = {{{"name", "init"}, {"image", "busybox"}}};
  t["spec"]["volumes"] = {
      {{"name", "s"}, {"secret", {{"secretName", "s"}}}},
      {{"name", "c"}, {"configMap", {{"name", "c"}, {"defaultMode", 256}}}},
      {{"name", "h"}, {"hostPath", {{"path", "/data"}}}},
      {{"name", "d"}, {"downwardAPI", {{"items", {{{"path", "n"}, {"fieldRef", {{"fieldPath", "metadata.name"}}}}}}}}},
      {{"name", "p"},
       {"projected", {{"sources", {{{"serviceAccountToken", {{"path", "t"}}}},
                                   {{"downwardAPI", {{"items", {{{"path", "n"}, {"fieldRef", {{"fieldPath", "metadata.name"}}}}}}}}}}}}}},
      {{"name", "bare"}},
      {{"name", "e"}, {"ephemeral", {{"volumeClaimTemplate", {{"spec", {{"accessModes", {"ReadWriteOnce"}}}}}}}}}};
  Json o = {{"spec", {{"template", t}}}};
  set_defaults(type("apps", "ReplicaSet"), o);
  const Json& spec = o["spec"]["template"]["spec"];
  const Json& d = spec["containers"][0];
  EXPECT_EQ(d["ports"][0]["protocol"], "TCP");
  EXPECT_EQ(d["ports"][1]["protocol"], "UDP");
  EXPECT_EQ(d["readinessProbe"], Json({{"httpGet", {{"port", 80}, {"path", "/"}, {"scheme", "HTTP"}}},
                                       {"timeoutSeconds", 1},
                                       {"periodSeconds", 10},
                                       {"successThreshold", 1},
                                       {"failureThreshold", 3}}));
  EXPECT_EQ(d["lifecycle"]["preStop"]["httpGet"]["path"], "/stop");
  EXPECT_EQ(d["lifecycle"]["preStop"]["httpGet"]["scheme"], "HTTP");
  EXPECT_EQ(d["env"][0]["valueFrom"]["fieldRef"]["apiVersion"], "v1");
  EXPECT_EQ(spec["initContainers"][0]["imagePullPolicy"], "Always");
  const Json& v = spec["volumes"];
  EXPECT_EQ(v[0]["secret"]["defaultMode"], 420);
  EXPECT_EQ(v[1]["configMap"]["defaultMode"], 256);
  EXPECT_EQ(v[2]["hostPath"]["type"], "");
  EXPECT_EQ(v[3]["downwardAPI"]["defaultMode"], 420);
  EXPECT_EQ(v[3]["downwardAPI"]["items"][0]["fieldRef"]["apiVersion"], "v1");
  EXPECT_EQ(v[4]["projected"]["defaultMode"], 420);
  EXPECT_EQ(v[4]["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"], 3600);
  EXPECT_EQ(v[4]["projected"]["sources"][1]["downwardAPI"]["items"][0]["fieldRef"]["apiVersion"], "v1");
  EXPECT_EQ(v[5], Json({{"name", "bare"}, {"emptyDir", Json::object()}}));
  EXPECT_EQ(v[6]["ephemeral"]["volumeClaimTemplate"]["spec"]["volumeMode"], "Filesystem");
}

TEST(Defaults, PodOnlyDefaults) {
  Json pod = {{"metadata", {{"name", "p"}}}, {"spec", pod_template()["spec"]}};
  pod["spec"]["hostNetwork"] = true;
  pod["spec"]["containers"][0]["ports"] = {{{"containerPort", 8080}}};
  pod["spec"]["containers"][0]["resources"] = {{"limits", {{"cpu", "1"}}}};
  set_defaults(type("", "Pod"), pod);
  EXPECT_EQ(pod["spec"]["enableServiceLinks"], true);
  EXPECT_EQ(pod["spec"]["containers"][0]["ports"][0]["hostPort"], 8080);
  EXPECT_EQ(pod["spec"]["containers"][0]["resources"]["requests"]["cpu"], "1");
  EXPECT_EQ(pod["spec"]["restartPolicy"], "Always");
  // Admission-time and initial-status fields are create-only.
  EXPECT_FALSE(pod.contains("status"));
  EXPECT_FALSE(pod["spec"].contains("serviceAccountName"));
  k3s::apiserver::default_on_create(type("", "Pod"), pod);
  EXPECT_EQ(pod["status"]["phase"], "Pending");
  EXPECT_EQ(pod["spec"]["serviceAccountName"], "default");
  EXPECT_EQ(pod["spec"]["tolerations"].size(), 2u);
}

TEST(Defaults, Idempotent) {
  for (const auto& [group, kind] : std::vector<std::pair<std::string, std::string>>{
           {"apps", "Deployment"}, {"apps", "StatefulSet"}, {"batch", "Job"}, {"", "Pod"}}) {
    SCOPED_TRACE(kind);
    Json o = {{"metadata", {{"name", "x"}}}, {"spec", {{"template", pod_template()}}}};
    if (kind == "Pod") o["spec"] = pod_template()["spec"];
    set_defaults(type(group, kind), o);
    Json again = o;
    set_defaults(type(group, kind), again);
    EXPECT_EQ(again, o);
  }
}

TEST(Defaults, WorkloadFields) {
  Json d = {{"spec", {{"strategy", Json::object()}, {"template", pod_template()}}}};
  set_defaults(type("apps", "Deployment"), d);
  EXPECT_EQ(d["spec"]["replicas"], 1);
  EXPECT_EQ(d["spec"]["strategy"],
            Json({{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxUnavailable", "25%"}, {"maxSurge", "25%"}}}}));
  EXPECT_EQ(d["spec"]["revisionHistoryLimit"], 10);
  EXPECT_EQ(d["spec"]["progressDeadlineSeconds"], 600);

  Json s = {{"spec",
             {{"template", pod_template()},
              {"volumeClaimTemplates", {{{"metadata", {{"name", "data"}}}, {"spec", {{"accessModes", {"ReadWriteOnce"}}}}}}}}}};
  set_defaults(type("apps", "StatefulSet"), s);
  EXPECT_EQ(s["spec"]["podManagementPolicy"], "OrderedReady");
  EXPECT_EQ(s["spec"]["updateStrategy"], Json({{"type", "RollingUpdate"}, {"rollingUpdate", {{"partition", 0}}}}));
  EXPECT_EQ(s["spec"]["persistentVolumeClaimRetentionPolicy"], Json({{"whenDeleted", "Retain"}, {"whenScaled", "Retain"}}));
  EXPECT_EQ(s["spec"]["volumeClaimTemplates"][0]["spec"]["volumeMode"], "Filesystem");
  EXPECT_EQ(s["spec"]["volumeClaimTemplates"][0]["status"]["phase"], "Pending");
  // OnDelete gets no partition.
  Json on_delete = {{"spec", {{"updateStrategy", {{"type", "OnDelete"}}}}}};
  set_defaults(type("apps", "StatefulSet"), on_delete);
  EXPECT_FALSE(on_delete["spec"]["updateStrategy"].contains("rollingUpdate"));

  Json rc = {{"metadata", {{"name", "rc"}}}, {"spec", {{"template", pod_template()}}}};
  set_defaults(type("", "ReplicationController"), rc);
  EXPECT_EQ(rc["spec"]["replicas"], 1);
  EXPECT_EQ(rc["spec"]["selector"], Json({{"app", "web"}}));
  EXPECT_EQ(rc["metadata"]["labels"], Json({{"app", "web"}}));

  Json job = {{"metadata", {{"name", "j"}}}, {"spec", {{"template", pod_template()}}}};
  set_defaults(type("batch", "Job"), job);
  EXPECT_EQ(job["spec"]["completions"], 1);
  EXPECT_EQ(job["spec"]["parallelism"], 1);
  EXPECT_EQ(job["spec"]["backoffLimit"], 6);
  EXPECT_EQ(job["spec"]["completionMode"], "NonIndexed");
  EXPECT_EQ(job["spec"]["suspend"], false);
  EXPECT_EQ(job["spec"]["podReplacementPolicy"], "TerminatingOrFailed");
  EXPECT_EQ(job["metadata"]["labels"], Json({{"app", "web"}}));

  Json cj = {{"spec", {{"schedule", "@hourly"}}}};
  set_defaults(type("batch", "CronJob"), cj);
  EXPECT_EQ(cj["spec"]["concurrencyPolicy"], "Allow");
  EXPECT_EQ(cj["spec"]["successfulJobsHistoryLimit"], 3);
  EXPECT_EQ(cj["spec"]["failedJobsHistoryLimit"], 1);
  EXPECT_EQ(cj["spec"]["suspend"], false);
}

TEST(Defaults, ServicesAndEndpoints) {
  Json svc = {{"metadata", {{"name", "s"}}}, {"spec", {{"type", "NodePort"}, {"ports", {{{"port", 80}}}}}}};
  set_defaults(type("", "Service"), svc);
  EXPECT_EQ(svc["spec"]["ports"][0], Json({{"port", 80}, {"protocol", "TCP"}, {"targetPort", 80}}));
  EXPECT_EQ(svc["spec"]["sessionAffinity"], "None");
  EXPECT_EQ(svc["spec"]["externalTrafficPolicy"], "Cluster");
  EXPECT_EQ(svc["spec"]["internalTrafficPolicy"], "Cluster");
  EXPECT_EQ(svc["spec"]["ipFamilyPolicy"], "SingleStack");
  EXPECT_FALSE(svc["spec"].contains("allocateLoadBalancerNodePorts"));

  Json lb = {{"spec", {{"type", "LoadBalancer"}, {"sessionAffinity", "ClientIP"}}},
             {"status", {{"loadBalancer", {{"ingress", {{{"ip", "10.0.0.9"}}}}}}}}};
  set_defaults(type("", "Service"), lb);
  EXPECT_EQ(lb["spec"]["allocateLoadBalancerNodePorts"], true);
  EXPECT_EQ(lb["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"], 10800);
  EXPECT_EQ(lb["status"]["loadBalancer"]["ingress"][0]["ipMode"], "VIP");

  Json external_name = {{"spec", {{"type", "ExternalName"}, {"externalName", "example.com"}}}};
  set_defaults(type("", "Service"), external_name);
  EXPECT_FALSE(external_name["spec"].contains("internalTrafficPolicy"));
  EXPECT_FALSE(external_name["spec"].contains("ipFamilies"));

  Json ep = Json::parse(R"({"subsets": [{"addresses": [{"ip": "10.42.0.5"}], "ports": [{"port": 80}]}]})");
  set_defaults(type("", "Endpoints"), ep);
  EXPECT_EQ(ep["subsets"][0]["ports"][0]["protocol"], "TCP");

  Json slice = {{"addressType", "IPv4"}, {"ports", {{{"port", 80}}}}};
  set_defaults(type("discovery.k8s.io", "EndpointSlice"), slice);
  EXPECT_EQ(slice["ports"][0], Json({{"port", 80}, {"name", ""}, {"protocol", "TCP"}}));
}

TEST(Defaults, OtherCoreAndGroupTypes) {
  Json secret = {{"metadata", {{"name", "s"}}}, {"stringData", {{"k", "v"}}}};
  set_defaults(type("", "Secret"), secret);
  EXPECT_EQ(secret["type"], "Opaque");
  EXPECT_EQ(secret["data"]["k"], "dg==");
  EXPECT_FALSE(secret.contains("stringData"));

  Json pv = {{"spec", {{"hostPath", {{"path", "/x"}}}}}};
  set_defaults(type("", "PersistentVolume"), pv);
  EXPECT_EQ(pv["spec"]["persistentVolumeReclaimPolicy"], "Retain");
  EXPECT_EQ(pv["spec"]["volumeMode"], "Filesystem");
  EXPECT_EQ(pv["spec"]["hostPath"]["type"], "");
  EXPECT_EQ(pv["status"]["phase"], "Pending");

  Json pvc = {{"spec", {{"accessModes", {"ReadWriteOnce"}}}}};
  set_defaults(type("", "PersistentVolumeClaim"), pvc);
  EXPECT_EQ(pvc["spec"]["volumeMode"], "Filesystem");
  EXPECT_EQ(pvc["status"]["phase"], "Pending");

  Json lr = {{"spec", {{"limits", {{{"type", "Container"}, {"max", {{"cpu", "2"}}}, {"min", {{"memory", "1Mi"}}}}}}}}};
  set_defaults(type("", "LimitRange"), lr);
  EXPECT_EQ(lr["spec"]["limits"][0]["default"], Json({{"cpu", "2"}}));
  EXPECT_EQ(lr["spec"]["limits"][0]["defaultRequest"], Json({{"cpu", "2"}, {"memory", "1Mi"}}));

  Json ns = {{"metadata", {{"name", "team"}}}};
  set_defaults(type("", "Namespace"), ns);
  EXPECT_EQ(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "team");

  Json np = {{"spec", {{"egress", {{{"ports", {{{"port", 53}}}}}}}}}};
  set_defaults(type("networking.k8s.io", "NetworkPolicy"), np);
  EXPECT_EQ(np["spec"]["policyTypes"], Json({"Ingress", "Egress"}));
  EXPECT_EQ(np["spec"]["egress"][0]["ports"][0]["protocol"], "TCP");

  Json rb = {{"subjects", {{{"kind", "User"}, {"name", "alice"}}, {{"kind", "ServiceAccount"}, {"name", "default"}}}}};
  set_defaults(type("rbac.authorization.k8s.io", "RoleBinding"), rb);
  EXPECT_EQ(rb["subjects"][0]["apiGroup"], "rbac.authorization.k8s.io");
  EXPECT_FALSE(rb["subjects"][1].contains("apiGroup"));

  Json pc = {{"value", 1000}};
  set_defaults(type("scheduling.k8s.io", "PriorityClass"), pc);
  EXPECT_EQ(pc["preemptionPolicy"], "PreemptLowerPriority");

  Json sc = {{"provisioner", "x"}};
  set_defaults(type("storage.k8s.io", "StorageClass"), sc);
  EXPECT_EQ(sc["reclaimPolicy"], "Delete");
  EXPECT_EQ(sc["volumeBindingMode"], "Immediate");
}
