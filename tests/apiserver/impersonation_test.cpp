// Impersonation headers and SelfSubjectRulesReview.
#include <chrono>
#include <thread>

#include "api_fixture.h"

using Json = nlohmann::json;

namespace {

class ImpersonationFixture : public k3s::testing::ApiServerFixture {
 protected:
  // A request from a certificate user, with extra headers.
  k3s::http::Response request(const std::string& user, const std::vector<std::string>& groups,
                              const std::string& method, const std::string& path,
                              const std::vector<std::pair<std::string, std::string>>& headers, const Json& body = nullptr) {
    k3s::http::Request req;
    req.method = method;
    req.target = req.path = path;
    req.peer = {true, user, groups};
    for (const auto& [k, v] : headers) req.headers.add(k, v);
    if (!body.is_null()) {
      req.body = body.dump();
      req.headers.set("Content-Type", "application/json");
    }
    return api_->handle(req);
  }
  Json whoami(const std::string& user, const std::vector<std::string>& groups,
              const std::vector<std::pair<std::string, std::string>>& headers, int* status) {
    auto r = request(user, groups, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", headers,
                     {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}});
    *status = r.status;
    return json(r);
  }
};

}  // namespace

TEST_F(ImpersonationFixture, AdminsActAsOthersAndOthersNeedTheVerb) {
  int status = 0;
  Json who = whoami("system:admin", {"system:masters"},
                    {{"Impersonate-User", "jane"}, {"Impersonate-Group", "devs"}, {"Impersonate-Group", "ops"},
                     {"Impersonate-Extra-Scopes", "view"}},
                    &status);
  ASSERT_EQ(status, 201) << who.dump();
  EXPECT_EQ(who["status"]["userInfo"]["username"], "jane");
  EXPECT_EQ(who["status"]["userInfo"]["groups"], (Json{"devs", "ops", "system:authenticated"}));
  EXPECT_EQ(who["status"]["userInfo"]["extra"]["scopes"], Json::array({"view"}));

  Json sa = whoami("system:admin", {"system:masters"}, {{"Impersonate-User", "system:serviceaccount:kube-system:bot"}},
                   &status);
  EXPECT_EQ(sa["status"]["userInfo"]["groups"],
            (Json{"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"}));

  Json denied = whoami("bob", {}, {{"Impersonate-User", "jane"}}, &status);
  EXPECT_EQ(status, 403);
  EXPECT_EQ(denied["message"],
            "users \"jane\" is forbidden: User \"bob\" cannot impersonate resource \"users\" in API group \"\" at the "
            "cluster scope");
  // Granted through RBAC on users/jane only.
  ASSERT_EQ(call("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                 {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                  {"kind", "ClusterRole"},
                  {"metadata", {{"name", "as-jane"}}},
                  {"rules", Json::array({{{"apiGroups", {""}}, {"resources", {"users"}}, {"verbs", {"impersonate"}},
                                          {"resourceNames", {"jane"}}}})}})
                .status,
            201);
  ASSERT_EQ(call("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                 {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                  {"kind", "ClusterRoleBinding"},
                  {"metadata", {{"name", "bob-as-jane"}}},
                  {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "as-jane"}}},
                  {"subjects", Json::array({{{"kind", "User"}, {"name", "bob"}, {"apiGroup", "rbac.authorization.k8s.io"}}})}})
                .status,
            201);
  for (int i = 0; i < 100 && status != 201; ++i) {  // the RBAC cache catches up with the writes
    whoami("bob", {}, {{"Impersonate-User", "jane"}}, &status);
    if (status != 201) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(whoami("bob", {}, {{"Impersonate-User", "jane"}}, &status)["status"]["userInfo"]["username"], "jane");
  whoami("bob", {}, {{"Impersonate-User", "jane"}, {"Impersonate-Group", "system:masters"}}, &status);
  EXPECT_EQ(status, 403);
  whoami("system:admin", {"system:masters"}, {{"Impersonate-Group", "devs"}}, &status);
  EXPECT_EQ(status, 400);
}

TEST_F(ImpersonationFixture, RulesReviewListsWhatTheUserMayDo) {
  auto r = request("jane", {}, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", {},
                   {{"apiVersion", "authorization.k8s.io/v1"},
                    {"kind", "SelfSubjectRulesReview"},
                    {"spec", {{"namespace", "default"}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  Json status = json(r)["status"];
  EXPECT_EQ(status["incomplete"], false);
  bool can_review = false, can_list_pods = false;
  for (const auto& rule : status["resourceRules"]) {
    if (rule.value("resources", Json::array()) == Json::array({"selfsubjectaccessreviews", "selfsubjectrulesreviews"}))
      can_review = true;
    if (rule.value("resources", Json::array()).dump().find("pods") != std::string::npos) can_list_pods = true;
  }
  EXPECT_TRUE(can_review) << status.dump();
  EXPECT_FALSE(can_list_pods) << status.dump();
  EXPECT_FALSE(status["nonResourceRules"].empty());
}
