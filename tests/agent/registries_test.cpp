#include <gtest/gtest.h>

#include "agent/registries.h"

using k3s::agent::parse_registries;

TEST(Registries, ParsesMirrorsRewritesAuthAndTls) {
  auto r = parse_registries(R"Y(
mirrors:
  docker.io:
    endpoint:
      - "https://mirror.example:5000"
      - "mirror2.example"
    rewrite:
      "^rancher/(.*)": "mirror/rancher/$1"
configs:
  "mirror.example:5000":
    auth: {username: alice, password: "s3cr\"et"}
    tls: {ca_file: /etc/ssl/ca.pem, cert_file: /c.pem, key_file: /k.pem, insecure_skip_verify: true}
)Y", "test.yaml");
  ASSERT_EQ(r.mirrors.size(), 1u);
  const auto& m = r.mirrors.at("docker.io");
  ASSERT_EQ(m.endpoints.size(), 2u);
  EXPECT_EQ(m.endpoints[1], "mirror2.example");
  ASSERT_EQ(m.rewrites.size(), 1u);
  EXPECT_EQ(m.rewrites[0].second, "mirror/rancher/$1");
  const auto& c = r.configs.at("mirror.example:5000");
  EXPECT_EQ(c.auth.username, "alice");
  EXPECT_EQ(c.auth.password, "s3cr\"et");
  EXPECT_EQ(c.tls.ca_file, "/etc/ssl/ca.pem");
  EXPECT_TRUE(c.tls.insecure_skip_verify);
}

TEST(Registries, EmptyAndMissingAreNoRegistries) {
  EXPECT_TRUE(parse_registries("", "x").empty());
  EXPECT_TRUE(k3s::agent::load_registries("/nonexistent/registries.yaml").empty());
}

TEST(Registries, BadInputIsAClearError) {
  auto error_of = [](const std::string& text) {
    try {
      parse_registries(text, "reg.yaml");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("mirrors: [").find("reg.yaml: invalid YAML"), std::string::npos);
  EXPECT_NE(error_of("mirrorz: {}").find("unknown top-level key mirrorz"), std::string::npos);
  EXPECT_NE(error_of("mirrors: {docker.io: {endpoints: [a]}}").find("unknown key mirrors.docker.io.endpoints"),
            std::string::npos);
  EXPECT_NE(error_of("configs: {r: {tls: {insecure_skip_verify: maybe}}}").find("must be true or false"),
            std::string::npos);
  EXPECT_NE(error_of("- a\n- b").find("top level must be a mapping"), std::string::npos);
}

TEST(Registries, RewritePathPrefixOnlyForAFixedPrefixOfEverything) {
  using k3s::agent::RegistryMirror;
  using k3s::agent::rewrite_path_prefix;
  auto prefix = [](std::string pattern, std::string replacement) {
    RegistryMirror m;
    m.rewrites.emplace_back(std::move(pattern), std::move(replacement));
    return rewrite_path_prefix(m);
  };
  EXPECT_EQ(prefix("^(.*)$", "team/images/$1"), "team/images");
  EXPECT_EQ(prefix("(.*)", "e2e/${1}"), "e2e");
  EXPECT_EQ(prefix("^(.+)$", "e2e/$1"), "e2e");
  EXPECT_EQ(prefix("^rancher/(.*)", "mirror/rancher/$1"), "");  // not every repository
  EXPECT_EQ(prefix("^(.*)$", "$1"), "");                          // no prefix
  EXPECT_EQ(prefix("^(.*)$", "e2e-$1"), "");                      // not a path component
  EXPECT_EQ(prefix("^(.*)$", "Team/$1"), "");                     // not a repository name
  EXPECT_EQ(prefix("^(.*)$", "a/$1/b"), "");
  RegistryMirror two;
  two.rewrites = {{"^(.*)$", "a/$1"}, {"^(.*)$", "b/$1"}};
  EXPECT_EQ(rewrite_path_prefix(two), "");
  EXPECT_EQ(rewrite_path_prefix(RegistryMirror{}), "");
}
