// NodeRestriction: a kubelet identity writes only its own Node, Lease and bound pods.
#include "api_fixture.h"

using Json = nlohmann::json;

namespace {

class NodeRestrictionFixture : public k3s::testing::ApiServerFixture {
 protected:
  k3s::http::Response as_node(const std::string& node, const std::string& method, const std::string& path,
                              const Json& body = nullptr, const std::string& content_type = "application/json") {
    k3s::http::Request req;
    req.method = method;
    req.target = req.path = path;
    req.peer = {true, "system:node:" + node, {"system:nodes"}};
    if (!body.is_null()) {
      req.body = body.dump();
      req.headers.set("Content-Type", content_type);
    }
    return api_->handle(req);
  }
  void create_pod(const std::string& name, const std::string& node, const std::string& service_account = "default") {
    Json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}}},
                {"spec",
                 {{"nodeName", node},
                  {"serviceAccountName", service_account},
                  {"containers", Json::array({{{"name", "c"}, {"image", "busybox"}}})}}}};
    auto r = call("POST", "/api/v1/namespaces/default/pods", pod);
    ASSERT_EQ(r.status, 201) << r.body;
  }
};

const std::string kMergePatch = "application/merge-patch+json";

}  // namespace

TEST_F(NodeRestrictionFixture, NodesTouchOnlyTheirOwnObjects) {
  create_pod("mine", "alpha");
  create_pod("theirs", "beta");
  const Json status_patch = {{"status", {{"phase", "Running"}}}};
  EXPECT_EQ(as_node("alpha", "PATCH", "/api/v1/namespaces/default/pods/mine/status", status_patch, kMergePatch).status,
            200);
  auto r = as_node("alpha", "PATCH", "/api/v1/namespaces/default/pods/theirs/status", status_patch, kMergePatch);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r)["message"],
            "pods \"theirs\" is forbidden: node \"alpha\" can only update pod status for pods with spec.nodeName set to "
            "itself");
  EXPECT_EQ(as_node("alpha", "PATCH", "/api/v1/namespaces/default/pods/mine", {{"metadata", {{"labels", {{"a", "b"}}}}}},
                    kMergePatch)
                .status,
            403);
  EXPECT_EQ(as_node("alpha", "DELETE", "/api/v1/namespaces/default/pods/theirs").status, 403);
  EXPECT_EQ(as_node("alpha", "DELETE", "/api/v1/namespaces/default/pods/mine").status, 202);  // graceful

  r = as_node("alpha", "POST", "/api/v1/namespaces/default/pods",
              {{"apiVersion", "v1"},
               {"kind", "Pod"},
               {"metadata", {{"name", "sneaky"}}},
               {"spec", {{"nodeName", "alpha"}, {"containers", Json::array({{{"name", "c"}, {"image", "busybox"}}})}}}});
  EXPECT_EQ(r.status, 403);

  const Json node = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "alpha"}}}};
  EXPECT_EQ(as_node("alpha", "POST", "/api/v1/nodes", node).status, 201);
  Json other = node;
  other["metadata"]["name"] = "beta";
  r = as_node("alpha", "POST", "/api/v1/nodes", other);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r)["message"], "nodes is forbidden: node \"alpha\" is not allowed to modify node \"beta\"");
}

TEST_F(NodeRestrictionFixture, TokensOnlyForPodsOnTheNode) {
  ASSERT_EQ(call("POST", "/api/v1/namespaces/default/serviceaccounts",
                 {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "robot"}}}})
                .status,
            201);
  // The Node authorizer lets alpha ask for robot's tokens (a pod on alpha runs as robot);
  // NodeRestriction then checks the pod the token is bound to.
  create_pod("theirs", "beta", "robot");
  create_pod("mine", "alpha", "robot");
  await_cache("/api/v1/pods");
  auto request_for = [&](const std::string& pod) {
    return as_node("alpha", "POST", "/api/v1/namespaces/default/serviceaccounts/robot/token",
                   {{"apiVersion", "authentication.k8s.io/v1"},
                    {"kind", "TokenRequest"},
                    {"spec", {{"boundObjectRef", {{"apiVersion", "v1"}, {"kind", "Pod"}, {"name", pod}}}}}});
  };
  EXPECT_EQ(request_for("mine").status, 201);
  auto r = request_for("theirs");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r)["message"],
            "serviceaccounts \"robot\" is forbidden: node requested token bound to a pod scheduled on a different node");
}
