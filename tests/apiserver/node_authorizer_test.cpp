// The Node authorizer: a kubelet identity reads only what the pods bound to its node use.
#include "api_fixture.h"

using Json = nlohmann::json;

namespace {

class NodeAuthorizerFixture : public k3s::testing::ApiServerFixture {
 protected:
  k3s::http::Response as_node(const std::string& node, const std::string& method, const std::string& path,
                              const Json& body = nullptr) {
    k3s::http::Request req;
    req.method = method;
    req.target = path;
    const auto q = path.find('?');
    req.path = path.substr(0, q);
    if (q != std::string::npos) req.query = path.substr(q + 1);
    req.peer = {true, "system:node:" + node, {"system:nodes"}};
    if (!body.is_null()) {
      req.body = body.dump();
      req.headers.set("Content-Type", "application/json");
    }
    return api_->handle(req);
  }
  void create(const std::string& path, Json object) {
    auto r = call("POST", path, object);
    ASSERT_EQ(r.status, 201) << path << ": " << r.body;
  }
  void create_secret(const std::string& name) {
    create("/api/v1/namespaces/default/secrets",
           {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", name}}}, {"data", {{"k", "dg=="}}}});
  }
  void create_config_map(const std::string& name) {
    create("/api/v1/namespaces/default/configmaps",
           {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"k", "v"}}}});
  }
  void create_pod(const std::string& name, const std::string& node, Json spec) {
    spec["nodeName"] = node;
    if (!spec.contains("containers")) spec["containers"] = Json::array({{{"name", "c"}, {"image", "busybox"}}});
    create("/api/v1/namespaces/default/pods",
           {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", name}}}, {"spec", spec}});
  }
  int status(const std::string& node, const std::string& path) { return as_node(node, "GET", path).status; }
};

const std::string kSecrets = "/api/v1/namespaces/default/secrets/";
const std::string kConfigMaps = "/api/v1/namespaces/default/configmaps/";

}  // namespace

TEST_F(NodeAuthorizerFixture, SecretsAndConfigMapsOnlyWhenAPodOnTheNodeUsesThem) {
  for (const char* s : {"volume", "env", "env-from", "pull", "projected", "csi", "elsewhere"}) create_secret(s);
  for (const char* c : {"volume", "env", "projected", "elsewhere"}) create_config_map(c);
  create_pod("mine", "alpha",
             {{"imagePullSecrets", {{{"name", "pull"}}}},
              {"containers",
               {{{"name", "c"},
                 {"image", "busybox"},
                 {"envFrom", {{{"secretRef", {{"name", "env-from"}}}}}},
                 {"env",
                  {{{"name", "A"}, {"valueFrom", {{"secretKeyRef", {{"name", "env"}, {"key", "k"}}}}}},
                   {{"name", "B"}, {"valueFrom", {{"configMapKeyRef", {{"name", "env"}, {"key", "k"}}}}}}}}}}},
              {"volumes",
               {{{"name", "s"}, {"secret", {{"secretName", "volume"}}}},
                {{"name", "c"}, {"configMap", {{"name", "volume"}}}},
                {{"name", "csi"},
                 {"csi", {{"driver", "example.com"}, {"nodePublishSecretRef", {{"name", "csi"}}}}}},
                {{"name", "p"},
                 {"projected",
                  {{"sources", {{{"secret", {{"name", "projected"}}}}, {{"configMap", {{"name", "projected"}}}}}}}}}}}});
  create_pod("theirs", "beta",
             {{"volumes", {{{"name", "s"}, {"secret", {{"secretName", "elsewhere"}}}},
                           {{"name", "c"}, {"configMap", {{"name", "elsewhere"}}}}}}});
  await_cache("/api/v1/pods");

  for (const char* s : {"volume", "env", "env-from", "pull", "projected", "csi"})
    EXPECT_EQ(status("alpha", kSecrets + s), 200) << s;
  for (const char* c : {"volume", "env", "projected"}) EXPECT_EQ(status("alpha", kConfigMaps + c), 200) << c;
  auto r = as_node("alpha", "GET", kSecrets + "elsewhere");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r)["message"],
            "secrets \"elsewhere\" is forbidden: User \"system:node:alpha\" cannot get resource \"secrets\" in API "
            "group \"\" in the namespace \"default\": no relationship found between node 'alpha' and this object");
  EXPECT_EQ(status("alpha", kConfigMaps + "elsewhere"), 403);
  EXPECT_EQ(status("beta", kSecrets + "elsewhere"), 200);
  EXPECT_EQ(status("beta", kSecrets + "volume"), 403);
  // A secret nobody uses and one that does not exist are both refused: no existence leak.
  EXPECT_EQ(status("alpha", kSecrets + "missing"), 403);

  // Whole collections are refused; a single object through a name field selector is not.
  EXPECT_EQ(status("alpha", "/api/v1/namespaces/default/secrets"), 403);
  EXPECT_EQ(status("alpha", "/api/v1/secrets"), 403);
  EXPECT_EQ(status("alpha", "/api/v1/namespaces/default/secrets?fieldSelector=metadata.name%3Dvolume"), 200);
  EXPECT_EQ(status("alpha", "/api/v1/namespaces/default/secrets?fieldSelector=metadata.name%3Delsewhere"), 403);
  // Reads only.
  EXPECT_EQ(as_node("alpha", "DELETE", kSecrets + "volume").status, 403);

  // The relationship ends with the pod.
  ASSERT_EQ(call("DELETE", "/api/v1/namespaces/default/pods/mine?gracePeriodSeconds=0").status, 200);
  await_cache("/api/v1/pods");
  EXPECT_EQ(status("alpha", kSecrets + "volume"), 403);
}

TEST_F(NodeAuthorizerFixture, ClaimsAndTheirVolumes) {
  create("/api/v1/persistentvolumes",
         {{"apiVersion", "v1"},
          {"kind", "PersistentVolume"},
          {"metadata", {{"name", "bound"}}},
          {"spec",
           {{"capacity", {{"storage", "1Gi"}}},
            {"accessModes", {"ReadWriteOnce"}},
            {"hostPath", {{"path", "/tmp/x"}}},
            {"csi",
             {{"driver", "example.com"},
              {"volumeHandle", "h"},
              {"nodeStageSecretRef", {{"name", "stage"}, {"namespace", "default"}}}}}}}});
  create("/api/v1/persistentvolumes", {{"apiVersion", "v1"},
                                       {"kind", "PersistentVolume"},
                                       {"metadata", {{"name", "other"}}},
                                       {"spec",
                                        {{"capacity", {{"storage", "1Gi"}}},
                                         {"accessModes", {"ReadWriteOnce"}},
                                         {"hostPath", {{"path", "/tmp/y"}}}}}});
  create_secret("stage");
  create("/api/v1/namespaces/default/persistentvolumeclaims",
         {{"apiVersion", "v1"},
          {"kind", "PersistentVolumeClaim"},
          {"metadata", {{"name", "claim"}}},
          {"spec",
           {{"accessModes", {"ReadWriteOnce"}},
            {"volumeName", "bound"},
            {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}});
  create_pod("mine", "alpha", {{"volumes", {{{"name", "d"}, {"persistentVolumeClaim", {{"claimName", "claim"}}}}}}});
  await_cache("/api/v1/pods");
  await_cache("/api/v1/persistentvolumeclaims");
  await_cache("/api/v1/persistentvolumes");

  EXPECT_EQ(status("alpha", "/api/v1/namespaces/default/persistentvolumeclaims/claim"), 200);
  EXPECT_EQ(status("alpha", "/api/v1/persistentvolumes/bound"), 200);
  EXPECT_EQ(status("alpha", kSecrets + "stage"), 200);  // the volume's CSI stage secret
  EXPECT_EQ(status("alpha", "/api/v1/persistentvolumes/other"), 403);
  EXPECT_EQ(status("beta", "/api/v1/namespaces/default/persistentvolumeclaims/claim"), 403);
  EXPECT_EQ(status("beta", "/api/v1/persistentvolumes/bound"), 403);
  EXPECT_EQ(status("beta", kSecrets + "stage"), 403);
}

TEST_F(NodeAuthorizerFixture, OwnNodeLeaseAndPods) {
  create_pod("mine", "alpha", Json::object());
  create_pod("theirs", "beta", Json::object());
  await_cache("/api/v1/pods");
  EXPECT_EQ(status("alpha", "/api/v1/namespaces/default/pods/mine"), 200);
  EXPECT_EQ(status("alpha", "/api/v1/namespaces/default/pods/theirs"), 403);
  EXPECT_EQ(status("alpha", "/api/v1/pods?fieldSelector=spec.nodeName%3Dalpha"), 200);
  EXPECT_EQ(status("alpha", "/api/v1/pods?fieldSelector=spec.nodeName%3Dbeta"), 403);
  EXPECT_EQ(status("alpha", "/api/v1/pods"), 403);

  // Its own Node (absent here: allowed, then 404) and no other.
  EXPECT_EQ(status("alpha", "/api/v1/nodes/alpha"), 404);
  EXPECT_EQ(status("alpha", "/api/v1/nodes/beta"), 403);
  EXPECT_EQ(status("alpha", "/api/v1/nodes?fieldSelector=metadata.name%3Dalpha"), 200);
  EXPECT_EQ(status("alpha", "/api/v1/nodes"), 403);

  EXPECT_EQ(status("alpha", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/alpha"), 404);
  EXPECT_EQ(status("alpha", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/beta"), 403);
  EXPECT_EQ(status("alpha", "/apis/coordination.k8s.io/v1/namespaces/default/leases/alpha"), 403);
  auto lease = [](const std::string& name) {
    return Json{{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", name}, {"namespace", "kube-node-lease"}}},
                {"spec", {{"holderIdentity", name}}}};
  };
  EXPECT_EQ(as_node("alpha", "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease("alpha"))
                .status,
            201);
  EXPECT_EQ(as_node("alpha", "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease("beta"))
                .status,
            403);  // NodeRestriction, on the body's name

  // The fixed rules: services are readable, RBAC objects are not; other users get nothing from
  // this authorizer.
  EXPECT_EQ(status("alpha", "/api/v1/services"), 200);
  EXPECT_EQ(status("alpha", "/apis/rbac.authorization.k8s.io/v1/clusterroles"), 403);
  k3s::http::Request req;
  req.method = "GET";
  req.target = req.path = kSecrets + "anything";
  req.peer = {true, "system:node:alpha", {"system:authenticated"}};  // not in system:nodes
  EXPECT_EQ(api_->handle(req).status, 403);
  EXPECT_EQ(call("GET", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/system:k3s-node").status, 404);
}

TEST_F(NodeAuthorizerFixture, ServerStartRemovesTheOldGroupWideNodeGrant) {
  // What earlier versions created: every node could read every secret through RBAC. Put in
  // the datastore directly, as the bootstrap code wrote it (create validates names as DNS
  // subdomains, which a ':' is not).
  const Json labels = {{"kubernetes.io/bootstrapping", "rbac-defaults"}};
  Json role = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
               {"kind", "ClusterRole"},
               {"metadata", {{"name", "system:k3s-node"}, {"labels", labels}, {"uid", "u1"}}},
               {"rules", {{{"apiGroups", {""}}, {"resources", {"secrets"}}, {"verbs", {"get"}}}}}};
  Json binding = {
      {"apiVersion", "rbac.authorization.k8s.io/v1"},
      {"kind", "ClusterRoleBinding"},
      {"metadata", {{"name", "system:k3s-node"}, {"labels", labels}, {"uid", "u2"}}},
      {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "system:k3s-node"}}},
      {"subjects", {{{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Group"}, {"name", "system:nodes"}}}}};
  store_->put({"/registry/clusterroles/system:k3s-node", role.dump()});
  store_->put({"/registry/clusterrolebindings/system:k3s-node", binding.dump()});
  create_secret("anything");
  await_cache("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings");
  EXPECT_EQ(status("alpha", kSecrets + "anything"), 200);  // RBAC still allows what the Node authorizer does not

  // The next server start removes both.
  k3s::apiserver::Options options;
  options.store = store_.get();
  options.service_account_key_file = (dir_ / "service.key").string();
  api_.reset();
  api_ = std::make_unique<k3s::apiserver::ApiServer>(options);
  EXPECT_EQ(call("GET", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/system:k3s-node").status, 404);
  EXPECT_EQ(call("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:k3s-node").status, 404);
  await_cache("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings");
  EXPECT_EQ(status("alpha", kSecrets + "anything"), 403);
}
