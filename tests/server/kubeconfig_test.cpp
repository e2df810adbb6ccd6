#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <memory>

#include <yaml-cpp/yaml.h>

#include "bootstrap.h"
#include "temp_dir.h"

namespace k3s::server {
namespace {

using k3s::testing::file_mode;
using k3s::testing::TempDir;

std::string unbase64(const std::string& text) {
  std::string out(text.size(), '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (length < 0) return "<invalid base64>";
  // EVP_DecodeBlock counts the '=' padding as zero bytes.
  size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++padding;
  out.resize(static_cast<size_t>(length) - padding);
  return out;
}

std::pair<int, std::string> run(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) output.append(buf.data(), n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

class KubeconfigTest : public ::testing::Test {
 protected:
  TempDir dir;
  cli::ServerConfig config;
  ServerCerts certs = ensure_server_certs(config, dir.file("server/tls"));
  std::string path = dir.file("etc/rancher/k3s/k3s.yaml");
};

TEST_F(KubeconfigTest, K3sShapedConfigWithEmbeddedCredentials) {
  write_admin_kubeconfig(path, "", 6443, certs);
  EXPECT_EQ(file_mode(path), 0600u);
  YAML::Node kubeconfig = YAML::LoadFile(path);
  EXPECT_EQ(kubeconfig["apiVersion"].as<std::string>(), "v1");
  EXPECT_EQ(kubeconfig["kind"].as<std::string>(), "Config");
  EXPECT_EQ(kubeconfig["current-context"].as<std::string>(), "default");
  YAML::Node cluster = kubeconfig["clusters"][0];
  EXPECT_EQ(cluster["name"].as<std::string>(), "default");
  EXPECT_EQ(cluster["cluster"]["server"].as<std::string>(), "https://127.0.0.1:6443");
  EXPECT_EQ(unbase64(cluster["cluster"]["certificate-authority-data"].as<std::string>()),
            pki::read_file(certs.server_ca.cert_file));
  YAML::Node context = kubeconfig["contexts"][0];
  EXPECT_EQ(context["name"].as<std::string>(), "default");
  EXPECT_EQ(context["context"]["cluster"].as<std::string>(), "default");
  EXPECT_EQ(context["context"]["user"].as<std::string>(), "default");
  YAML::Node user = kubeconfig["users"][0];
  EXPECT_EQ(user["name"].as<std::string>(), "default");
  EXPECT_EQ(unbase64(user["user"]["client-certificate-data"].as<std::string>()), pki::read_file(certs.admin_cert));
  EXPECT_EQ(unbase64(user["user"]["client-key-data"].as<std::string>()), pki::read_file(certs.admin_key));
}

TEST_F(KubeconfigTest, ModeAndPortAreHonoured) {
  write_admin_kubeconfig(path, "0644", 16443, certs);
  EXPECT_EQ(file_mode(path), 0644u);
  EXPECT_EQ(YAML::LoadFile(path)["clusters"][0]["cluster"]["server"].as<std::string>(), "https://127.0.0.1:16443");
  write_admin_kubeconfig(path, "640", 6443, certs);
  EXPECT_EQ(file_mode(path), 0640u);
}

TEST_F(KubeconfigTest, BadModeOrPortIsAClearErrorAndWritesNothing) {
  for (const char* bad : {"0999", "rw-r--r--", "123456", "-1"}) {
    try {
      write_admin_kubeconfig(path, bad, 6443, certs);
      ADD_FAILURE() << "accepted mode " << bad;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(write_admin_kubeconfig(path, "0600", 0, certs), std::runtime_error);
  EXPECT_THROW(write_admin_kubeconfig(path, "0600", 70000, certs), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(KubeconfigTest, RealKubectlReadsIt) {
  write_admin_kubeconfig(path, "0600", 6443, certs);
  auto [status, output] =
      run(std::string(K3S_TEST_KUBECTL) + " --kubeconfig " + path +
          " config view --raw -o jsonpath='{.clusters[0].cluster.server} {.users[0].name} {.current-context}'");
  ASSERT_EQ(status, 0) << output;
  EXPECT_EQ(output, "https://127.0.0.1:6443 default default");

  // kubectl decodes and parses the embedded credentials when it builds a client.
  auto [view_status, view] = run(std::string(K3S_TEST_KUBECTL) + " --kubeconfig " + path + " config view --raw --flatten");
  EXPECT_EQ(view_status, 0) << view;
  EXPECT_NE(view.find("client-key-data"), std::string::npos) << view;
}

}  // namespace
}  // namespace k3s::server
