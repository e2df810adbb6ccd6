// Service-account tokens end to end inside the API server: TokenRequest, bearer
// authentication, the ServiceAccount admission's volume and legacy token Secrets.
#include "api_fixture.h"
#include "util/base64.h"

using namespace k3s;
using Json = nlohmann::json;

namespace {

class TokenFixture : public k3s::testing::ApiServerFixture {
 protected:
  void create_account(const std::string& name, const Json& extra = Json::object()) {
    Json sa = {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", name}}}};
    sa.update(extra);
    ASSERT_EQ(call("POST", "/api/v1/namespaces/default/serviceaccounts", sa).status, 201);
  }
  Json token_request(const std::string& account, const Json& spec, int want_status = 201) {
    auto r = call("POST", "/api/v1/namespaces/default/serviceaccounts/" + account + "/token",
                  {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenRequest"}, {"spec", spec}});
    EXPECT_EQ(r.status, want_status) << r.body;
    return json(r);
  }
  std::string whoami(const std::string& token, int* status = nullptr) {
    auto r = call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                  {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}}, token);
    if (status) *status = r.status;
    if (r.status != 201) return "";
    return json(r)["status"]["userInfo"].value("username", "");
  }

};

Json pod(const std::string& name, const Json& spec_extra = Json::object()) {
  Json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}}},
            {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", "busybox"}}})}}}};
  p["spec"].update(spec_extra);
  return p;
}

}  // namespace

TEST_F(TokenFixture, TokenRequestIssuesATokenThatAuthenticatesAsTheAccount) {
  token_request("robot", {}, 404);
  create_account("robot");
  Json answer = token_request("robot", {{"expirationSeconds", 3600}});
  const std::string token = answer["status"].value("token", "");
  ASSERT_FALSE(token.empty());
  EXPECT_FALSE(answer["status"].value("expirationTimestamp", "").empty());
  EXPECT_EQ(answer["spec"]["audiences"], Json::array({"https://kubernetes.default.svc.cluster.local", "k3s"}));
  EXPECT_EQ(whoami(token), "system:serviceaccount:default:robot");
  // Authenticated, but RBAC gives the account nothing.
  auto r = call("GET", "/api/v1/namespaces/default/secrets", nullptr, token);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(json(r).value("message", "").find("system:serviceaccount:default:robot"), std::string::npos);
}

TEST_F(TokenFixture, BadTokensAreUnauthorized) {
  create_account("robot");
  const std::string token = token_request("robot", {})["status"].value("token", "");
  int status = 0;
  std::string tampered = token;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  whoami(tampered, &status);
  EXPECT_EQ(status, 401);
  whoami("not-a-jwt", &status);
  EXPECT_EQ(status, 401);
  // Claims rewritten to another account: the signature no longer matches.
  const auto first = token.find('.'), second = token.find('.', first + 1);
  Json claims = Json::parse(util::base64_decode(token.substr(first + 1, second - first - 1)));
  claims["sub"] = "system:serviceaccount:kube-system:admin";
  whoami(token.substr(0, first + 1) + util::base64_encode(claims.dump(), util::Base64Alphabet::url, false) +
             token.substr(second),
         &status);
  EXPECT_EQ(status, 401);
  // Deleting the account revokes its tokens.
  ASSERT_EQ(call("DELETE", "/api/v1/namespaces/default/serviceaccounts/robot").status, 200);
  await_cache("/api/v1/namespaces/default/serviceaccounts");
  whoami(token, &status);
  EXPECT_EQ(status, 401);
}

TEST_F(TokenFixture, ExpirationBelowTenMinutesIsInvalid) {
  create_account("robot");
  Json status = token_request("robot", {{"expirationSeconds", 60}}, 422);
  EXPECT_EQ(status.value("message", ""),
            "TokenRequest.authentication.k8s.io \"robot\" is invalid: spec.expirationSeconds: Invalid value: 60: may "
            "not specify a duration less than 10 minutes");
}

TEST_F(TokenFixture, PodBoundTokenDiesWithThePod) {
  create_account("robot");
  ASSERT_EQ(call("POST", "/api/v1/namespaces/default/pods", pod("worker", {{"serviceAccountName", "robot"}})).status,
            201);
  token_request("robot", {{"boundObjectRef", {{"kind", "Pod"}, {"apiVersion", "v1"}, {"name", "worker"}, {"uid", "x"}}}},
                409);
  token_request("robot", {{"boundObjectRef", {{"kind", "Pod"}, {"apiVersion", "v1"}, {"name", "absent"}}}}, 404);
  const std::string token =
      token_request("robot", {{"boundObjectRef", {{"kind", "Pod"}, {"apiVersion", "v1"}, {"name", "worker"}}}})["status"]
          .value("token", "");
  EXPECT_EQ(whoami(token), "system:serviceaccount:default:robot");
  ASSERT_EQ(call("DELETE", "/api/v1/namespaces/default/pods/worker").status, 200);
  await_cache("/api/v1/namespaces/default/pods");
  int status = 0;
  whoami(token, &status);
  EXPECT_EQ(status, 401);
}

TEST_F(TokenFixture, PodsGetTheApiAccessVolumeUnlessAutomountIsOff) {
  create_account("quiet", {{"automountServiceAccountToken", false}});
  Json created = json(call("POST", "/api/v1/namespaces/default/pods", pod("mounted")));
  ASSERT_EQ(created["spec"]["volumes"].size(), 1u) << created.dump();
  const Json volume = created["spec"]["volumes"][0];
  EXPECT_EQ(volume["name"].get<std::string>().rfind("kube-api-access-", 0), 0u);
  EXPECT_EQ(volume["projected"]["sources"].size(), 3u);
  EXPECT_EQ(created["spec"]["containers"][0]["volumeMounts"][0]["mountPath"],
            "/var/run/secrets/kubernetes.io/serviceaccount");
  EXPECT_EQ(created["spec"]["serviceAccount"], "default");

  Json quiet = json(call("POST", "/api/v1/namespaces/default/pods", pod("quiet", {{"serviceAccountName", "quiet"}})));
  EXPECT_FALSE(quiet["spec"].contains("volumes")) << quiet.dump();
  Json opted_out = json(
      call("POST", "/api/v1/namespaces/default/pods", pod("off", {{"automountServiceAccountToken", false}})));
  EXPECT_FALSE(opted_out["spec"].contains("volumes"));

  auto r = call("POST", "/api/v1/namespaces/default/pods", pod("ghostly", {{"serviceAccountName", "ghost"}}));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json(r).value("message", ""),
            "pods \"ghostly\" is forbidden: error looking up service account default/ghost: serviceaccount \"ghost\" "
            "not found");
}

TEST_F(TokenFixture, LegacyTokenSecretIsFilledAndAccepted) {
  create_account("old");
  Json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"type", "kubernetes.io/service-account-token"},
                 {"metadata", {{"name", "old-token"}, {"annotations", {{"kubernetes.io/service-account.name", "old"}}}}}};
  Json created = json(call("POST", "/api/v1/namespaces/default/secrets", secret));
  ASSERT_TRUE(created["data"].contains("token")) << created.dump();
  EXPECT_EQ(util::base64_decode(created["data"].value("namespace", "")), "default");
  const std::string token = util::base64_decode(created["data"].value("token", ""));
  EXPECT_EQ(whoami(token), "system:serviceaccount:default:old");
  ASSERT_EQ(call("DELETE", "/api/v1/namespaces/default/secrets/old-token").status, 200);
  await_cache("/api/v1/namespaces/default/secrets");
  int status = 0;
  whoami(token, &status);
  EXPECT_EQ(status, 401);

  secret["metadata"]["annotations"] = Json::object();
  EXPECT_EQ(call("POST", "/api/v1/namespaces/default/secrets", secret).status, 422);
}
