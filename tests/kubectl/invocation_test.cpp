// Where `k3s kubectl` finds its kubeconfig: $KUBECONFIG, else the k3s file when readable,
// else ~/.kube/config.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "kubectl/kubectl.h"

namespace {

std::string write_config(const std::filesystem::path& path, const std::string& context) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: https://127.0.0.1:1}\n"
                         "contexts:\n- name: " << context << "\n  context: {cluster: c, user: u}\n"
                         "current-context: " << context << "\nusers:\n- name: u\n  user: {token: t}\n";
  return path.string();
}

std::string current_context(const std::string& fallback) {
  testing::internal::CaptureStdout();
  int rc = k3s::kubectl::run_kubectl({"config", "current-context"}, {.fallback_kubeconfig = fallback});
  std::string out = testing::internal::GetCapturedStdout();
  return std::to_string(rc) + ":" + out;
}

class InvocationTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kubectl-invocation-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    setenv("HOME", dir_.c_str(), 1);
    unsetenv("KUBECONFIG");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

}  // namespace

TEST_F(InvocationTest, K3sFileWhenKubeconfigUnset) {
  write_config(dir_ / ".kube" / "config", "home");
  std::string k3s = write_config(dir_ / "k3s.yaml", "k3s");
  EXPECT_EQ(current_context(k3s), "0:k3s\n");
}

TEST_F(InvocationTest, HomeConfigWhenK3sFileMissing) {
  write_config(dir_ / ".kube" / "config", "home");
  EXPECT_EQ(current_context((dir_ / "missing.yaml").string()), "0:home\n");
}

TEST_F(InvocationTest, KubeconfigVariableWins) {
  std::string k3s = write_config(dir_ / "k3s.yaml", "k3s");
  std::string env = write_config(dir_ / "env.yaml", "env");
  setenv("KUBECONFIG", env.c_str(), 1);
  EXPECT_EQ(current_context(k3s), "0:env\n");
}
