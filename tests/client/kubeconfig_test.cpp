#include "client/kubeconfig.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace k3s::client;

namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/client-kubeconfig-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string path(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::string& text) const {
    fs::create_directories(fs::path(path(name)).parent_path());
    std::ofstream(path(name)) << text;
    return path(name);
  }

 private:
  std::string path_;
};

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_.c_str(), old_->c_str(), 1);
    else
      unsetenv(name_.c_str());
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

const char* kFirst = R"(apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster:
    server: https://a:1
    certificate-authority: ca.crt
- name: shared
  cluster:
    server: https://a-shared:1
users:
- name: u1
  user:
    token: abc
    client-certificate: sub/cert.pem
    client-key: /abs/key.pem
contexts:
- name: ctx1
  context: {cluster: c1, user: u1, namespace: ns1}
)";

const char* kSecond = R"(apiVersion: v1
kind: Config
current-context: ctx2
clusters:
- name: shared
  cluster:
    server: https://b-shared:1
    certificate-authority: ../ca2.crt
- name: c2
  cluster:
    server: https://b:2
    insecure-skip-tls-verify: true
contexts:
- name: ctx2
  context: {cluster: shared, user: u1}
- name: ctx1
  context: {cluster: c2}
users:
- name: u2
  user:
    username: admin
    password: secret
)";

std::string run_command(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buffer{};
  while (auto n = fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  pclose(pipe);
  return out;
}

}  // namespace

TEST(Kubeconfig, MergeFirstFileWinsPerName) {
  TempDir dir;
  auto first = dir.write("a.yaml", kFirst);
  auto second = dir.write("sub/b.yaml", kSecond);
  auto config = Kubeconfig::load_merged({first, dir.path("missing.yaml"), second});
  EXPECT_EQ(config.current_context, "ctx2");  // only the second file sets it
  ASSERT_EQ(config.clusters.size(), 3u);
  EXPECT_EQ(config.clusters["shared"].server, "https://a-shared:1");
  EXPECT_EQ(config.clusters["shared"].origin, first);
  EXPECT_EQ(config.contexts["ctx1"].cluster, "c1");
  EXPECT_EQ(config.contexts["ctx1"].namespace_, "ns1");
  EXPECT_EQ(config.users.size(), 2u);
}

TEST(Kubeconfig, MergeMatchesRealKubectl) {
  if (run_command("command -v kubectl").empty()) GTEST_SKIP() << "kubectl is not installed";
  TempDir dir;
  auto first = dir.write("a.yaml", kFirst);
  auto second = dir.write("sub/b.yaml", kSecond);
  const std::string list = first + ":" + dir.path("missing.yaml") + ":" + second;
  auto theirs = nlohmann::json::parse(
      run_command("KUBECONFIG=" + list + " kubectl config view --merge --raw -o json 2>/dev/null"));
  ScopedEnv env("KUBECONFIG", list.c_str());
  auto ours = LoadingRules::from_environment().load().to_json(true);
  EXPECT_EQ(ours, theirs) << "ours: " << ours.dump(2) << "\nkubectl: " << theirs.dump(2);

  // Redacted view.
  auto theirs_redacted =
      nlohmann::json::parse(run_command("KUBECONFIG=" + list + " kubectl config view --merge -o json 2>/dev/null"));
  EXPECT_EQ(LoadingRules::from_environment().load().to_json(false), theirs_redacted);
}

TEST(Kubeconfig, ResolvesRelativePathsAgainstTheirFile) {
  TempDir dir;
  dir.write("a.yaml", kFirst);
  dir.write("sub/b.yaml", kSecond);
  LoadingRules rules;
  rules.precedence = {dir.path("sub/b.yaml"), dir.path("a.yaml")};
  auto config = build_config(rules);  // current-context ctx2: cluster "shared" from b.yaml, user u1 from a.yaml
  EXPECT_EQ(config.context_name, "ctx2");
  EXPECT_EQ(config.server, "https://b-shared:1");
  EXPECT_EQ(config.ca_file, dir.path("ca2.crt"));
  EXPECT_EQ(config.cert_file, dir.path("sub/cert.pem"));
  EXPECT_EQ(config.key_file, "/abs/key.pem");
  EXPECT_EQ(config.bearer_token, "abc");
  EXPECT_EQ(config.namespace_, "default");
  EXPECT_FALSE(config.namespace_explicit);
}

TEST(Kubeconfig, Overrides) {
  TempDir dir;
  auto path = dir.write("a.yaml", std::string(kFirst) + "current-context: ctx1\n");
  LoadingRules rules;
  rules.explicit_path = path;
  auto base = build_config(rules);
  EXPECT_EQ(base.server, "https://a:1");
  EXPECT_EQ(base.namespace_, "ns1");
  EXPECT_TRUE(base.namespace_explicit);

  ConfigOverrides overrides;
  overrides.server = "https://override:6443";
  overrides.token = "tok";
  overrides.namespace_ = "other";
  overrides.insecure_skip_tls_verify = true;
  overrides.request_timeout = std::chrono::milliseconds(1500);
  auto config = build_config(rules, overrides);
  EXPECT_EQ(config.server, "https://override:6443");
  EXPECT_EQ(config.bearer_token, "tok");
  EXPECT_EQ(config.namespace_, "other");
  EXPECT_TRUE(config.insecure_skip_tls_verify);
  EXPECT_TRUE(config.ca_file.empty());  // insecure drops the cluster's CA
  EXPECT_EQ(config.timeout, std::chrono::milliseconds(1500));

  ConfigOverrides ca;
  ca.certificate_authority = "/etc/ca.pem";
  EXPECT_EQ(build_config(rules, ca).ca_file, "/etc/ca.pem");
}

TEST(Kubeconfig, ContextClusterAndUserSelection) {
  TempDir dir;
  auto path = dir.write("b.yaml", kSecond);
  LoadingRules rules;
  rules.explicit_path = path;
  ConfigOverrides o;
  o.context = "ctx1";
  o.user = "u2";
  auto config = build_config(rules, o);
  EXPECT_EQ(config.server, "https://b:2");
  EXPECT_TRUE(config.insecure_skip_tls_verify);
  EXPECT_EQ(config.username, "admin");
  EXPECT_EQ(config.password, "secret");
  EXPECT_EQ(config.user_name, "u2");

  ConfigOverrides cluster;
  cluster.cluster = "c2";
  EXPECT_EQ(build_config(rules, cluster).server, "https://b:2");
}

TEST(Kubeconfig, ErrorsWordedAsKubectl) {
  TempDir dir;
  auto path = dir.write("b.yaml", kSecond);
  LoadingRules rules;
  rules.explicit_path = path;

  auto expect_error = [&](const ConfigOverrides& o, ConfigErrorKind kind, const std::string& message) {
    try {
      build_config(rules, o);
      ADD_FAILURE() << "expected: " << message;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.kind(), kind);
      EXPECT_EQ(std::string(e.what()), message);
    }
  };
  ConfigOverrides context;
  context.context = "nope";
  expect_error(context, ConfigErrorKind::context_not_found, "context was not found for specified context: nope");
  ConfigOverrides cluster;
  cluster.cluster = "nope";
  expect_error(cluster, ConfigErrorKind::cluster_not_found, "no server found for cluster \"nope\"");
  ConfigOverrides user;
  user.user = "nope";
  expect_error(user, ConfigErrorKind::user_not_found, "auth info \"nope\" does not exist");

  LoadingRules missing;
  missing.explicit_path = dir.path("nonexist");
  try {
    build_config(missing);
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "stat " + dir.path("nonexist") + ": no such file or directory");
  }

  auto bad_yaml = dir.write("d.yaml", "foo: [\n");
  try {
    Kubeconfig::load_file(bad_yaml);
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.kind(), ConfigErrorKind::load);
    EXPECT_NE(std::string(e.what()).find("error loading config file \"" + bad_yaml + "\": yaml: line"),
              std::string::npos)
        << e.what();
  }

  auto bad_base64 = dir.write("e.yaml", "users:\n- name: x\n  user:\n    client-certificate-data: \"!!!\"\n");
  try {
    Kubeconfig::load_file(bad_base64);
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "error loading config file \"" + bad_base64 + "\": illegal base64 data at input byte 0");
  }
}

TEST(Kubeconfig, UnreadableFile) {
  if (geteuid() == 0) {
    // root reads anything; use a directory, which cannot be read as a file.
    TempDir dir;
    fs::create_directories(dir.path("adir"));
    try {
      Kubeconfig::load_file(dir.path("adir"));
      ADD_FAILURE();
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()),
                "error loading config file \"" + dir.path("adir") + "\": read " + dir.path("adir") + ": is a directory");
    }
    return;
  }
  TempDir dir;
  auto path = dir.write("a.yaml", kFirst);
  chmod(path.c_str(), 0);
  try {
    Kubeconfig::load_file(path);
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "error loading config file \"" + path + "\": open " + path + ": permission denied");
  }
}

TEST(Kubeconfig, NoConfiguration) {
  TempDir dir;
  ScopedEnv env("KUBECONFIG", nullptr);
  ScopedEnv home("HOME", dir.path("").c_str());
  auto rules = LoadingRules::from_environment();
  ASSERT_EQ(rules.precedence.size(), 1u);
  EXPECT_EQ(rules.precedence[0], dir.path("") + "/.kube/config");
  try {
    build_config(rules);
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.kind(), ConfigErrorKind::empty);
  }
  rules.default_server = "http://localhost:8080";
  EXPECT_EQ(build_config(rules).server, "http://localhost:8080");

  auto k3s = LoadingRules::from_environment("/etc/rancher/k3s/k3s.yaml");
  EXPECT_EQ(k3s.precedence, std::vector<std::string>{"/etc/rancher/k3s/k3s.yaml"});
}

TEST(Kubeconfig, InlineDataAndTokenFile) {
  TempDir dir;
  dir.write("token", "file-token\n");
  auto path = dir.write("k.yaml", "clusters:\n- name: c\n  cluster:\n    server: https://h:6443\n"
                                  "    certificate-authority-data: " + base64_encode("CA PEM") +
                                      "\nusers:\n- name: u\n  user:\n    client-certificate-data: " +
                                      base64_encode("CERT") + "\n    client-key-data: " + base64_encode("KEY") +
                                      "\n    tokenFile: token\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
                                      "current-context: x\n");
  LoadingRules rules;
  rules.explicit_path = path;
  auto config = build_config(rules);
  EXPECT_EQ(config.ca_pem, "CA PEM");
  EXPECT_TRUE(config.ca_file.empty());
  EXPECT_EQ(config.cert_pem, "CERT");
  EXPECT_EQ(config.key_pem, "KEY");
  EXPECT_EQ(config.bearer_token_file, dir.path("token"));
}

TEST(Kubeconfig, Base64) {
  for (const std::string& text : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)})
    EXPECT_EQ(base64_decode(base64_encode(text)), text);
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(base64_decode("aGVs\nbG8="), "hello");
  EXPECT_THROW(base64_decode("aGV*"), std::invalid_argument);
}

TEST(Kubeconfig, InCluster) {
  TempDir dir;
  dir.write("sa/token", "sa-token\n");
  dir.write("sa/ca.crt", "CA");
  dir.write("sa/namespace", "kube-system");
  {
    ScopedEnv host("KUBERNETES_SERVICE_HOST", nullptr);
    EXPECT_THROW(in_cluster_config(dir.path("sa")), ConfigError);
  }
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.43.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  auto config = in_cluster_config(dir.path("sa"));
  EXPECT_EQ(config.server, "https://10.43.0.1:443");
  EXPECT_EQ(config.bearer_token, "sa-token");
  EXPECT_EQ(config.ca_file, dir.path("sa/ca.crt"));
  EXPECT_EQ(config.namespace_, "kube-system");
  ScopedEnv host6("KUBERNETES_SERVICE_HOST", "fd00::1");
  EXPECT_EQ(in_cluster_config(dir.path("sa")).server, "https://[fd00::1]:443");
}

TEST(Kubeconfig, FromCertificates) {
  auto config = config_from_certificates("https://127.0.0.1:6443", "/tls/server-ca.crt", "/tls/client-admin.crt",
                                         "/tls/client-admin.key");
  EXPECT_EQ(config.server, "https://127.0.0.1:6443");
  EXPECT_EQ(config.ca_file, "/tls/server-ca.crt");
  EXPECT_EQ(config.cert_file, "/tls/client-admin.crt");
  EXPECT_EQ(config.key_file, "/tls/client-admin.key");
}

TEST(Kubeconfig, OddShapesAreIgnoredOrRejectedCleanly) {
  for (const char* text : {"clusters: \"string\"\n", "clusters:\n- 1\n- [a]\n- {name: x, cluster: [1]}\n",
                           "current-context: [a, b]\n", "users: {a: b}\n", "- a\n- b\n", "42\n", "",
                           "contexts:\n- name: c\n  context: {cluster: {nested: map}}\n"}) {
    try {
      Kubeconfig config = Kubeconfig::parse(text, "odd.yaml");
      EXPECT_TRUE(config.current_context.empty()) << text;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.kind(), ConfigErrorKind::load) << text;
    }
  }
}
