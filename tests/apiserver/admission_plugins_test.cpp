// The state-dependent admission plugins: LimitRanger, Priority, RuntimeClass, DefaultStorageClass, and the
// QoS class computed from the final resources.
#include "api_fixture.h"

using Json = nlohmann::json;

namespace {

class AdmissionFixture : public k3s::testing::ApiServerFixture {
 protected:
  k3s::http::Response create_pod(const std::string& name, const Json& container_extra = Json::object(),
                            const Json& spec_extra = Json::object()) {
    Json container = {{"name", "c"}, {"image", "busybox"}};
    container.update(container_extra);
    Json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}}},
                {"spec", {{"containers", Json::array({container})}, {"automountServiceAccountToken", false}}}};
    pod["spec"].update(spec_extra);
    return call("POST", "/api/v1/namespaces/default/pods", pod);
  }
  void create(const std::string& path, const Json& object) {
    auto r = call("POST", path, object);
    ASSERT_EQ(r.status, 201) << r.body;
    await_cache(path);
  }
};

}  // namespace

TEST_F(AdmissionFixture, LimitRangeDefaultsAndBounds) {
  create("/api/v1/namespaces/default/limitranges",
         {{"apiVersion", "v1"},
          {"kind", "LimitRange"},
          {"metadata", {{"name", "limits"}}},
          {"spec",
           {{"limits", Json::array({{{"type", "Container"},
                                     {"default", {{"cpu", "500m"}, {"memory", "128Mi"}}},
                                     {"defaultRequest", {{"cpu", "100m"}}},
                                     {"max", {{"cpu", "1"}}}}})}}}});
  auto r = create_pod("defaulted");
  ASSERT_EQ(r.status, 201) << r.body;
  Json pod = json(r);
  EXPECT_EQ(pod["spec"]["containers"][0]["resources"],
            (Json{{"limits", {{"cpu", "500m"}, {"memory", "128Mi"}}}, {"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}}));
  EXPECT_EQ(pod["status"]["qosClass"], "Burstable");
  EXPECT_EQ(pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"],
            "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c");

  r = create_pod("greedy", {{"resources", {{"limits", {{"cpu", "2"}}}}}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r).value("message", ""),
            "pods \"greedy\" is forbidden: maximum cpu usage per Container is 1, but limit is 2");
}

TEST_F(AdmissionFixture, QosClassFollowsTheResources) {
  EXPECT_EQ(json(create_pod("free"))["status"]["qosClass"], "BestEffort");
  Json guaranteed = json(create_pod("exact", {{"resources", {{"limits", {{"cpu", "1"}, {"memory", "1Gi"}}}}}}));
  EXPECT_EQ(guaranteed["status"]["qosClass"], "Guaranteed");
  EXPECT_EQ(guaranteed["spec"]["containers"][0]["resources"]["requests"], (Json{{"cpu", "1"}, {"memory", "1Gi"}}));
}

TEST_F(AdmissionFixture, PriorityClassResolution) {
  Json critical = json(create_pod("critical", Json::object(), {{"priorityClassName", "system-node-critical"}}));
  EXPECT_EQ(critical["spec"]["priority"], 2000001000);
  EXPECT_EQ(critical["spec"]["preemptionPolicy"], "PreemptLowerPriority");
  EXPECT_EQ(json(create_pod("plain"))["spec"]["priority"], 0);

  auto r = create_pod("unknown", Json::object(), {{"priorityClassName", "gold"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r).value("message", ""), "pods \"unknown\" is forbidden: no PriorityClass with name gold was found");
  r = create_pod("forged", Json::object(), {{"priorityClassName", "system-node-critical"}, {"priority", 5}});
  EXPECT_EQ(r.status, 403);

  create("/apis/scheduling.k8s.io/v1/priorityclasses",
         {{"apiVersion", "scheduling.k8s.io/v1"},
          {"kind", "PriorityClass"},
          {"metadata", {{"name", "everyday"}}},
          {"value", 100},
          {"globalDefault", true},
          {"preemptionPolicy", "Never"}});
  Json defaulted = json(create_pod("defaulted"));
  EXPECT_EQ(defaulted["spec"]["priorityClassName"], "everyday");
  EXPECT_EQ(defaulted["spec"]["priority"], 100);
  EXPECT_EQ(defaulted["spec"]["preemptionPolicy"], "Never");
}

TEST_F(AdmissionFixture, RuntimeClassOverheadAndScheduling) {
  auto r = create_pod("nowhere", Json::object(), {{"runtimeClassName", "gvisor"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r).value("message", ""), "pods \"nowhere\" is forbidden: pod rejected: RuntimeClass \"gvisor\" not found");
  r = create_pod("self-made", Json::object(), {{"overhead", {{"cpu", "10m"}}}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r).value("message", ""),
            "pods \"self-made\" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead");

  create("/apis/node.k8s.io/v1/runtimeclasses",
         {{"apiVersion", "node.k8s.io/v1"},
          {"kind", "RuntimeClass"},
          {"metadata", {{"name", "sandboxed"}}},
          {"handler", "crun"},
          {"overhead", {{"podFixed", {{"cpu", "250m"}, {"memory", "120Mi"}}}}},
          {"scheduling",
           {{"nodeSelector", {{"runtime", "crun"}}},
            {"tolerations", Json::array({{{"key", "sandbox"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}})}}}});
  Json pod = json(create_pod("boxed", Json::object(),
                             {{"runtimeClassName", "sandboxed"}, {"nodeSelector", {{"disk", "ssd"}}}}));
  EXPECT_EQ(pod["spec"]["overhead"], (Json{{"cpu", "250m"}, {"memory", "120Mi"}}));
  EXPECT_EQ(pod["spec"]["nodeSelector"], (Json{{"disk", "ssd"}, {"runtime", "crun"}}));
  int sandbox_tolerations = 0;
  for (const auto& t : pod["spec"]["tolerations"]) sandbox_tolerations += t.value("key", "") == "sandbox";
  EXPECT_EQ(sandbox_tolerations, 1) << pod["spec"]["tolerations"].dump();

  // The same overhead written otherwise is accepted; a different one is not.
  EXPECT_EQ(create_pod("same", Json::object(),
                       {{"runtimeClassName", "sandboxed"}, {"overhead", {{"cpu", "0.25"}, {"memory", "120Mi"}}}})
                .status,
            201);
  r = create_pod("other", Json::object(), {{"runtimeClassName", "sandboxed"}, {"overhead", {{"cpu", "1"}}}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r).value("message", ""),
            "pods \"other\" is forbidden: pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
  r = create_pod("clash", Json::object(), {{"runtimeClassName", "sandboxed"}, {"nodeSelector", {{"runtime", "runc"}}}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r).value("message", ""),
            "pods \"clash\" is forbidden: conflict: runtimeClass.scheduling.nodeSelector[runtime] = crun; "
            "pod.spec.nodeSelector[runtime] = runc");
}

TEST_F(AdmissionFixture, ClaimsGetTheDefaultStorageClass) {
  auto claim = [](const std::string& name, const Json& spec_extra) {
    Json c = {{"apiVersion", "v1"},
              {"kind", "PersistentVolumeClaim"},
              {"metadata", {{"name", name}}},
              {"spec", {{"accessModes", {"ReadWriteOnce"}}, {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}};
    c["spec"].update(spec_extra);
    return c;
  };
  const std::string claims = "/api/v1/namespaces/default/persistentvolumeclaims";
  Json before = json(call("POST", claims, claim("before", Json::object())));
  EXPECT_FALSE(before["spec"].contains("storageClassName"));
  create("/apis/storage.k8s.io/v1/storageclasses",
         {{"apiVersion", "storage.k8s.io/v1"},
          {"kind", "StorageClass"},
          {"metadata", {{"name", "local-path"}, {"annotations", {{"storageclass.kubernetes.io/is-default-class", "true"}}}}},
          {"provisioner", "rancher.io/local-path"}});
  EXPECT_EQ(json(call("POST", claims, claim("after", Json::object())))["spec"]["storageClassName"], "local-path");
  Json none = json(call("POST", claims, claim("none", {{"storageClassName", ""}})));
  EXPECT_EQ(none["spec"]["storageClassName"], "");
}

TEST_F(AdmissionFixture, ResourceQuotaRefusesAndCharges) {
  create("/api/v1/namespaces/default/resourcequotas",
         {{"apiVersion", "v1"},
          {"kind", "ResourceQuota"},
          {"metadata", {{"name", "small"}}},
          {"spec", {{"hard", {{"pods", "2"}, {"requests.cpu", "1"}, {"configmaps", "1"}}}}}});
  // Until the quota controller has filled in status.hard, the quota's state is unknown.
  auto r = create_pod("early", {{"resources", {{"requests", {{"cpu", "100m"}}}}}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r).value("message", ""),
            "pods \"early\" is forbidden: status unknown for quota: small, resource: pods");
  // What the quota controller writes.
  Json quota = json(call("GET", "/api/v1/namespaces/default/resourcequotas/small"));
  quota["status"] = {{"hard", quota["spec"]["hard"]}, {"used", {{"pods", "0"}, {"requests.cpu", "0"}, {"configmaps", "0"}}}};
  ASSERT_EQ(call("PUT", "/api/v1/namespaces/default/resourcequotas/small/status", quota).status, 200);
  await_cache("/api/v1/namespaces/default/resourcequotas");

  r = create_pod("bare");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r).value("message", ""),
            "pods \"bare\" is forbidden: failed quota: small: must specify requests.cpu for: c");
  ASSERT_EQ(create_pod("one", {{"resources", {{"requests", {{"cpu", "600m"}}}}}}).status, 201);
  r = create_pod("two", {{"resources", {{"requests", {{"cpu", "600m"}}}}}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r).value("message", ""),
            "pods \"two\" is forbidden: exceeded quota: small, requested: requests.cpu=600m, used: requests.cpu=600m, "
            "limited: requests.cpu=1");
  Json used = json(call("GET", "/api/v1/namespaces/default/resourcequotas/small"))["status"]["used"];
  EXPECT_EQ(used, (Json{{"pods", "1"}, {"requests.cpu", "600m"}, {"configmaps", "0"}}));

  const Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "a"}}}};
  ASSERT_EQ(call("POST", "/api/v1/namespaces/default/configmaps", cm).status, 201);
  Json second = cm;
  second["metadata"]["name"] = "b";
  r = call("POST", "/api/v1/namespaces/default/configmaps", second);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r).value("message", ""),
            "configmaps \"b\" is forbidden: exceeded quota: small, requested: configmaps=1, used: configmaps=1, "
            "limited: configmaps=1");
}
