#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "api_fixture.h"

using namespace k3s;
using Json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The API server over a real SQLite kine store, called without the network.
class ApiFixture : public k3s::testing::ApiServerFixture {
 protected:
  http::Response call(const std::string& method, const std::string& target, const std::string& body = "",
                      const std::string& content_type = "application/json", bool admin = true,
                      const std::string& accept = "") {
    http::Request req;
    req.method = method;
    req.target = target;
    auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    req.body = body;
    if (!body.empty()) req.headers.set("Content-Type", content_type);
    if (!accept.empty()) req.headers.set("Accept", accept);
    if (admin) req.peer = {true, "system:admin", {"system:masters"}};
    return api_->handle(req);
  }
};

const std::string kConfigMap = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"a":"b"}})";

}  // namespace

TEST_F(ApiFixture, DefaultNamespacesAndKubernetesServiceExist) {
  auto r = call("GET", "/api/v1/namespaces");
  ASSERT_EQ(r.status, 200) << r.body;
  std::set<std::string> names;
  Json list = json(r);
  for (auto& item : list["items"]) names.insert(item["metadata"]["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"default", "kube-node-lease", "kube-public", "kube-system"}));
  auto svc = json(call("GET", "/api/v1/namespaces/default/services/kubernetes"));
  EXPECT_EQ(svc["spec"]["clusterIP"], "10.43.0.1");
}

TEST_F(ApiFixture, AnonymousIsUnauthorizedWithAStatus) {
  auto r = call("GET", "/api/v1/namespaces", "", "", false);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json(r)["kind"], "Status");
  EXPECT_EQ(json(r)["reason"], "Unauthorized");
}

TEST_F(ApiFixture, UserWithoutRbacIsForbidden) {
  http::Request req;
  req.method = "GET";
  req.path = req.target = "/api/v1/namespaces/default/secrets";
  req.peer = {true, "jane", {"dev"}};
  auto r = api_->handle(req);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r)["message"],
            "secrets is forbidden: User \"jane\" cannot list resource \"secrets\" in API group \"\" in the namespace "
            "\"default\"");
  // Discovery is open to every authenticated user through system:discovery.
  req.path = req.target = "/api";
  EXPECT_EQ(api_->handle(req).status, 200);
}

TEST_F(ApiFixture, CreateGetConflictAndDelete) {
  auto created = call("POST", "/api/v1/namespaces/default/configmaps", kConfigMap);
  ASSERT_EQ(created.status, 201) << created.body;
  Json obj = json(created);
  EXPECT_FALSE(obj["metadata"]["uid"].get<std::string>().empty());
  EXPECT_TRUE(obj["metadata"].contains("creationTimestamp"));
  EXPECT_EQ(obj["metadata"]["managedFields"].size(), 1u);

  auto again = call("POST", "/api/v1/namespaces/default/configmaps", kConfigMap);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(json(again)["reason"], "AlreadyExists");

  // A stale resourceVersion is a Conflict.
  Json stale = obj;
  stale["metadata"]["resourceVersion"] = "1";
  stale["data"]["a"] = "c";
  auto conflict = call("PUT", "/api/v1/namespaces/default/configmaps/cm", stale.dump());
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(json(conflict)["reason"], "Conflict");

  Json fresh = obj;
  fresh["data"]["a"] = "c";
  auto updated = call("PUT", "/api/v1/namespaces/default/configmaps/cm", fresh.dump());
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(json(updated)["data"]["a"], "c");

  auto patched = call("PATCH", "/api/v1/namespaces/default/configmaps/cm", R"({"data":{"z":"1"}})",
                      "application/merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json(patched)["data"]["z"], "1");

  EXPECT_EQ(call("DELETE", "/api/v1/namespaces/default/configmaps/cm").status, 200);
  auto missing = call("GET", "/api/v1/namespaces/default/configmaps/cm");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json(missing)["message"], "configmaps \"cm\" not found");
}

TEST_F(ApiFixture, BadBodiesGetBadRequest) {
  auto malformed = call("POST", "/api/v1/namespaces/default/configmaps", "{\"kind\": ");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(json(malformed)["reason"], "BadRequest");
  auto unknown = call("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
                      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","bogus":1},"extra":true})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(json(unknown)["message"].get<std::string>().find("unknown field \"extra\""), std::string::npos);
  EXPECT_NE(json(unknown)["message"].get<std::string>().find("unknown field \"metadata.bogus\""), std::string::npos);
  auto nested = call("POST", "/api/v1/namespaces/default/pods?fieldValidation=Strict",
                     R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
                         "spec":{"containers":[{"name":"c","image":"i","imagee":"x"}]}})");
  EXPECT_EQ(nested.status, 400);
  EXPECT_EQ(json(nested)["message"],
            "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field "
            "\"spec.containers[0].imagee\"");
  auto warned = call("POST", "/api/v1/namespaces/default/pods?fieldValidation=Warn",
                     R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
                         "spec":{"containers":[{"name":"c","image":"i","imagee":"x"}]}})");
  EXPECT_EQ(warned.status, 201) << warned.body;
  EXPECT_EQ(warned.headers.get("Warning"), "299 - \"unknown field \\\"spec.containers[0].imagee\\\"\"");
  EXPECT_FALSE(json(warned)["spec"]["containers"][0].contains("imagee")) << warned.body;
  auto ignored = call("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Ignore",
                      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ignored","bogus":1},"extra":true})");
  EXPECT_EQ(ignored.status, 201) << ignored.body;
  EXPECT_EQ(ignored.headers.get("Warning"), "");
  EXPECT_FALSE(json(ignored).contains("extra")) << ignored.body;
  EXPECT_FALSE(json(call("GET", "/api/v1/namespaces/default/configmaps/ignored"))["metadata"].contains("bogus"));
  // A patch is held to what it adds (an object stored before unknown fields were dropped may
  // still hold one, which is not reported again).
  auto relabel = call("PATCH", "/api/v1/namespaces/default/pods/p?fieldValidation=Strict",
                      R"({"metadata":{"labels":{"a":"b"}}})", "application/merge-patch+json");
  EXPECT_EQ(relabel.status, 200) << relabel.body;
  auto typo = call("PATCH", "/api/v1/namespaces/default/pods/p?fieldValidation=Strict",
                   R"({"spec":{"nodeNamee":"x"}})", "application/merge-patch+json");
  EXPECT_EQ(typo.status, 400);
  EXPECT_EQ(json(typo)["message"], "strict decoding error: unknown field \"spec.nodeNamee\"");
  auto wrong_type = call("POST", "/apis/apps/v1/namespaces/default/deployments",
                        R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":"3"}})");
  EXPECT_EQ(wrong_type.status, 400) << wrong_type.body;
  EXPECT_EQ(json(wrong_type)["message"],
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go "
            "struct field DeploymentSpec.spec.replicas of type int32");
  auto numeric_kind = call("POST", "/api/v1/namespaces/default/configmaps", R"({"kind":5,"metadata":{"name":"n"}})");
  EXPECT_EQ(numeric_kind.status, 400) << numeric_kind.body;
  EXPECT_EQ(json(numeric_kind)["message"],
            "couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field .kind of "
            "type string");
  auto wrong_patch = call("PATCH", "/api/v1/namespaces/default/pods/p", R"({"spec":{"priority":"high"}})",
                          "application/merge-patch+json");
  EXPECT_EQ(wrong_patch.status, 400) << wrong_patch.body;
  EXPECT_EQ(json(wrong_patch)["message"],
            "json: cannot unmarshal string into Go struct field PodSpec.spec.priority of type int32");
  auto yaml = call("POST", "/api/v1/namespaces/default/configmaps",
                   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  n: \"1\"\n", "application/yaml");
  EXPECT_EQ(yaml.status, 201) << yaml.body;
  auto bad_name = call("POST", "/api/v1/namespaces/default/configmaps",
                       R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}})");
  EXPECT_EQ(bad_name.status, 422);
  EXPECT_EQ(json(bad_name)["reason"], "Invalid");
  auto no_ns = call("POST", "/api/v1/namespaces/nowhere/configmaps", kConfigMap);
  EXPECT_EQ(no_ns.status, 404);
  EXPECT_EQ(json(no_ns)["message"], "namespaces \"nowhere\" not found");
}

TEST_F(ApiFixture, GenerateNameAndDryRun) {
  auto r = call("POST", "/api/v1/namespaces/default/configmaps",
                R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"gen-"}})");
  ASSERT_EQ(r.status, 201);
  std::string name = json(r)["metadata"]["name"];
  EXPECT_EQ(name.rfind("gen-", 0), 0u);
  EXPECT_EQ(name.size(), 9u);
  auto dry = call("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", kConfigMap);
  EXPECT_EQ(dry.status, 201);
  EXPECT_EQ(call("GET", "/api/v1/namespaces/default/configmaps/cm").status, 404);
}

TEST_F(ApiFixture, FinalizersDelayDeletionUntilRemoved) {
  auto r = call("POST", "/api/v1/namespaces/default/configmaps",
                R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"held","finalizers":["example.com/hold"]}})");
  ASSERT_EQ(r.status, 201);
  auto del = call("DELETE", "/api/v1/namespaces/default/configmaps/held");
  EXPECT_EQ(del.status, 202);
  Json held = json(call("GET", "/api/v1/namespaces/default/configmaps/held"));
  EXPECT_TRUE(held["metadata"].contains("deletionTimestamp"));
  auto patch = call("PATCH", "/api/v1/namespaces/default/configmaps/held", R"({"metadata":{"finalizers":null}})",
                    "application/merge-patch+json");
  EXPECT_EQ(patch.status, 200) << patch.body;
  EXPECT_EQ(call("GET", "/api/v1/namespaces/default/configmaps/held").status, 404);
}

TEST_F(ApiFixture, TableAndDiscovery) {
  auto table = call("GET", "/api/v1/namespaces", "", "", true,
                    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
  ASSERT_EQ(table.status, 200);
  Json t = json(table);
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["columnDefinitions"][0]["name"], "Name");
  EXPECT_EQ(t["rows"].size(), 4u);
  Json groups = json(call("GET", "/apis"));
  bool apps = false;
  for (auto& g : groups["groups"]) apps |= g["name"] == "apps";
  EXPECT_TRUE(apps);
  Json core = json(call("GET", "/api/v1"));
  EXPECT_EQ(core["groupVersion"], "v1");
  EXPECT_EQ(call("GET", "/apis/nope.example.com/v1").status, 404);
  Json version = json(call("GET", "/version"));
  EXPECT_EQ(version["gitVersion"], "v1.33.5+k3s1");
  EXPECT_EQ(version["minor"], "33");
}

TEST_F(ApiFixture, AggregatedDiscoveryWhenAskedFor) {
  const std::string kubectl_accept =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
      "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
  auto r = call("GET", "/apis", "", "", true, kubectl_accept);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  EXPECT_EQ(r.headers.get("Vary"), "Accept");
  Json list = json(r);
  EXPECT_EQ(list["kind"], "APIGroupDiscoveryList");
  EXPECT_EQ(list["apiVersion"], "apidiscovery.k8s.io/v2");
  Json deployments;
  for (auto& g : list["items"]) {
    EXPECT_NE(g["metadata"].value("name", ""), "") << "the core group belongs to /api";
    if (g["metadata"]["name"] != "apps") continue;
    ASSERT_EQ(g["versions"][0]["version"], "v1");
    EXPECT_EQ(g["versions"][0]["freshness"], "Current");
    for (auto& res : g["versions"][0]["resources"])
      if (res["resource"] == "deployments") deployments = res;
  }
  ASSERT_TRUE(deployments.is_object()) << r.body;
  EXPECT_EQ(deployments["scope"], "Namespaced");
  EXPECT_EQ(deployments["singularResource"], "deployment");
  EXPECT_EQ(deployments["responseKind"], Json({{"group", "apps"}, {"version", "v1"}, {"kind", "Deployment"}}));
  EXPECT_EQ(deployments["shortNames"], Json({"deploy"}));
  EXPECT_EQ(deployments["categories"], Json({"all"}));
  Json scale;
  for (auto& sub : deployments["subresources"])
    if (sub["subresource"] == "scale") scale = sub;
  EXPECT_EQ(scale["responseKind"], Json({{"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"}}));
  EXPECT_EQ(scale["verbs"], Json({"get", "patch", "update"}));

  // The legacy group: no name, cluster-scoped nodes, pods with their subresources.
  r = call("GET", "/api", "", "", true,
           "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json");
  EXPECT_EQ(r.headers.get("Content-Type"),
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
  list = json(r);
  EXPECT_EQ(list["apiVersion"], "apidiscovery.k8s.io/v2beta1");
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_FALSE(list["items"][0]["metadata"].contains("name"));
  bool nodes_cluster = false, pod_binding = false;
  for (auto& res : list["items"][0]["versions"][0]["resources"]) {
    if (res["resource"] == "nodes") nodes_cluster = res["scope"] == "Cluster";
    if (res["resource"] == "pods")
      for (auto& sub : res["subresources"])
        pod_binding |= sub["subresource"] == "binding" && sub["responseKind"]["kind"] == "Binding" &&
                       sub["verbs"] == Json({"create"});
  }
  EXPECT_TRUE(nodes_cluster);
  EXPECT_TRUE(pod_binding);

  // Plain JSON, a protobuf-only discovery range, or no Accept: the legacy documents.
  for (const std::string accept : {"application/json", "", "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;"
                                                           "v=v2;as=APIGroupDiscoveryList,application/json"}) {
    r = call("GET", "/api", "", "", true, accept);
    EXPECT_EQ(json(r)["kind"], "APIVersions") << accept;
    EXPECT_EQ(r.headers.get("Vary"), "Accept");
    EXPECT_EQ(json(call("GET", "/apis", "", "", true, accept))["kind"], "APIGroupList") << accept;
  }
}

TEST_F(ApiFixture, ServicesGetDistinctClusterIPsAndNodePorts) {
  const std::string svc = R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"NAME"},
    "spec":{"type":"NodePort","ports":[{"port":80}]}})";
  auto make = [&](const std::string& name) {
    std::string body = svc;
    body.replace(body.find("NAME"), 4, name);
    auto r = call("POST", "/api/v1/namespaces/default/services", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return json(r);
  };
  Json a = make("a"), b = make("b");
  EXPECT_NE(a["spec"]["clusterIP"], b["spec"]["clusterIP"]);
  EXPECT_NE(a["spec"]["clusterIP"], "10.43.0.1");
  int port = a["spec"]["ports"][0]["nodePort"];
  EXPECT_GE(port, 30000);
  EXPECT_LE(port, 32767);
  EXPECT_EQ(a["spec"]["ports"][0]["targetPort"], 80);
  std::string taken = R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"c"},"spec":{"clusterIP":")" +
                      a["spec"]["clusterIP"].get<std::string>() + R"(","ports":[{"port":80}]}})";
  EXPECT_EQ(call("POST", "/api/v1/namespaces/default/services", taken).status, 422);
}

TEST_F(ApiFixture, DeletedNamespaceWaitsForTheFinalizeSubresource) {
  ASSERT_EQ(call("POST", "/api/v1/namespaces", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"doomed"}})").status, 201);
  ASSERT_EQ(call("POST", "/api/v1/namespaces/doomed/configmaps", kConfigMap).status, 201);
  auto del = call("DELETE", "/api/v1/namespaces/doomed");
  EXPECT_EQ(json(del)["status"]["phase"], "Terminating");
  // No new content in a terminating namespace.
  auto refused = call("POST", "/api/v1/namespaces/doomed/configmaps",
                      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"late"}})");
  EXPECT_EQ(refused.status, 403);
  // Emptying it is the namespace controller's job; a status write does not end the deletion.
  auto ns = json(call("GET", "/api/v1/namespaces/doomed"));
  ns["status"]["conditions"] = Json::array({{{"type", "NamespaceContentRemaining"}, {"status", "True"}}});
  EXPECT_EQ(call("PUT", "/api/v1/namespaces/doomed/status", ns.dump()).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/namespaces/doomed").status, 200);
  // Only PUT reaches /finalize, and only spec.finalizers changes through it.
  EXPECT_EQ(call("PATCH", "/api/v1/namespaces/doomed/finalize", "{}").status, 405);
  auto finalized = call("PUT", "/api/v1/namespaces/doomed/finalize",
                        R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"doomed","labels":{"x":"y"}},"spec":{"finalizers":[]}})");
  EXPECT_EQ(finalized.status, 200) << finalized.body;
  EXPECT_FALSE(json(finalized)["metadata"]["labels"].contains("x"));
  EXPECT_EQ(call("GET", "/api/v1/namespaces/doomed").status, 404);
}

TEST_F(ApiFixture, AccessReviewsAnswerForTheCallerAndForOthers) {
  auto self = call("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                   R"({"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview",
                       "spec":{"resourceAttributes":{"verb":"create","resource":"pods","namespace":"default"}}})");
  ASSERT_EQ(self.status, 201) << self.body;
  EXPECT_EQ(json(self)["status"]["allowed"], true);
  auto other = call("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                    R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview",
                        "spec":{"user":"jane","resourceAttributes":{"verb":"get","resource":"secrets","namespace":"default"}}})");
  ASSERT_EQ(other.status, 201) << other.body;
  EXPECT_EQ(json(other)["status"]["allowed"], false);
  auto whoami = call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                     R"({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"})");
  ASSERT_EQ(whoami.status, 201);
  EXPECT_EQ(json(whoami)["status"]["userInfo"]["username"], "system:admin");
}
