// The bootstrap data behind `k3s token rotate` and `k3s certificate rotate-ca`, against a
// real sqlite kine store: re-sealing, updating, and the supervisor handlers' checks.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cluster_admin.h"
#include "cluster_bootstrap.h"
#include "kine/store.h"
#include "pki/pki.h"
#include "temp_dir.h"

namespace k3s::server {
namespace {

using k3s::testing::TempDir;
using Json = nlohmann::json;

class ClusterSecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kine::StoreConfig config;
    config.default_sqlite_path = dir.file("db/state.db");
    config.compact_interval_seconds = 0;
    std::filesystem::create_directories(dir.file("db"));
    store = kine::open_store(config);
    for (const char* name : {"server-ca", "client-ca", "request-header-ca"})
      pki::ensure_ca(tls + "/" + name + ".crt", tls + "/" + name + ".key", name);
    pki::ensure_rsa_key(tls + "/service.key");
    ASSERT_TRUE(publish_cluster_secrets(*store, tls, "old-password"));
  }

  http::Response call(const std::string& path, const Json& body, const std::string& password = "old-password") {
    http::Request request;
    request.method = "PUT";
    request.path = request.target = path;
    request.body = body.dump();
    auto response = handle_cluster_admin(options, request, password);
    EXPECT_TRUE(response.has_value());
    return response.value_or(http::Response{});
  }

  // A fresh CA pair made elsewhere (not signed by the cluster's).
  std::pair<std::string, std::string> other_ca(const std::string& name) {
    pki::ensure_ca(other.file(name + ".crt"), other.file(name + ".key"), name);
    return {pki::read_file(other.file(name + ".crt")), pki::read_file(other.file(name + ".key"))};
  }

  TempDir dir, other;
  std::string tls = dir.file("server/tls");
  std::unique_ptr<kine::Store> store;
  std::string rotated_from, rotated_to;
  ClusterAdminOptions options{nullptr, dir.file("server"), dir.file("server/tls"),
                              [this](const std::string& from, const std::string& to) {
                                rotated_from = from;
                                rotated_to = to;
                              }};
};

TEST_F(ClusterSecretsTest, ResealNeedsTheOldPasswordAndThenOnlyTheNewOneOpens) {
  EXPECT_THROW(reseal_cluster_secrets(*store, "wrong", "new-password"), WrongTokenError);
  reseal_cluster_secrets(*store, "old-password", "new-password");
  EXPECT_THROW(read_cluster_secrets(*store, "old-password"), WrongTokenError);
  const auto files = read_cluster_secrets(*store, "new-password");
  EXPECT_EQ(files.at("server-ca.crt"), pki::read_file(tls + "/server-ca.crt"));
  EXPECT_EQ(restore_cluster_secrets(*store, tls, "new-password"), RestoreResult::unchanged);
}

TEST_F(ClusterSecretsTest, TokenEndpointResealsAndRewritesTheTokenFiles) {
  options.store = store.get();
  EXPECT_EQ(call("/v1-k3s/token", {{"token", "has space"}}).status, 400);
  EXPECT_EQ(call("/v1-k3s/token", {{"token", "K10::node:x"}}).status, 400);
  EXPECT_EQ(call("/v1-k3s/token", Json::object()).status, 400);
  EXPECT_TRUE(rotated_to.empty());
  auto ok = call("/v1-k3s/token", {{"token", "new-password"}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(rotated_from, "old-password");
  EXPECT_EQ(rotated_to, "new-password");
  const std::string hash = pki::sha256_file_hex(tls + "/server-ca.crt");
  EXPECT_EQ(pki::read_file(dir.file("server/token")), "K10" + hash + "::server:new-password\n");
  EXPECT_EQ(pki::read_file(dir.file("server/node-token")), "K10" + hash + "::server:new-password\n");
  EXPECT_NO_THROW(read_cluster_secrets(*store, "new-password"));
}

TEST_F(ClusterSecretsTest, CaEndpointChecksBeforeStoring) {
  options.store = store.get();
  const auto before = read_cluster_secrets(*store, "old-password");
  auto [crt, key] = other_ca("server-ca");
  auto [other_crt, other_key] = other_ca("client-ca");
  auto only_cert = call("/v1-k3s/cert/cacerts", {{"files", {{"server-ca.crt", crt}}}, {"force", true}});
  EXPECT_EQ(only_cert.status, 400);
  EXPECT_NE(only_cert.body.find("server-ca.key is missing"), std::string::npos) << only_cert.body;
  auto mismatch = call("/v1-k3s/cert/cacerts", {{"files", {{"server-ca.crt", crt}, {"server-ca.key", other_key}}}, {"force", true}});
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_NE(mismatch.body.find("does not match"), std::string::npos) << mismatch.body;
  auto unrelated = call("/v1-k3s/cert/cacerts", {{"files", {{"server-ca.crt", crt}, {"server-ca.key", key}}}});
  EXPECT_EQ(unrelated.status, 400);
  EXPECT_NE(unrelated.body.find("does not chain to the current server-ca"), std::string::npos) << unrelated.body;
  auto unknown = call("/v1-k3s/cert/cacerts", {{"files", {{"client-admin.crt", crt}}}, {"force", true}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(read_cluster_secrets(*store, "old-password"), before);

  auto forced = call("/v1-k3s/cert/cacerts", {{"files", {{"server-ca.crt", crt}, {"server-ca.key", key}}}, {"force", true}});
  EXPECT_EQ(forced.status, 200) << forced.body;
  const auto after = read_cluster_secrets(*store, "old-password");
  EXPECT_EQ(after.at("server-ca.crt"), crt);
  EXPECT_EQ(after.at("client-ca.crt"), before.at("client-ca.crt"));
  // The next start takes the new CA over and reports that leaf certificates must go.
  EXPECT_EQ(restore_cluster_secrets(*store, tls, "old-password"), RestoreResult::replaced);
  EXPECT_EQ(pki::read_file(tls + "/server-ca.crt"), crt);
}

TEST_F(ClusterSecretsTest, OtherPathsAreNotItsBusiness) {
  http::Request request;
  request.method = "GET";
  request.path = request.target = "/v1-k3s/readyz";
  EXPECT_FALSE(handle_cluster_admin(options, request, "old-password").has_value());
  request.path = request.target = "/v1-k3s/token";
  EXPECT_EQ(handle_cluster_admin(options, request, "old-password")->status, 405);
}

}  // namespace
}  // namespace k3s::server
