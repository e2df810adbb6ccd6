// crictl as a separate process against a real containerd holding a running pod.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "containerd_fixture.h"
#include "cri/cri.h"
#include "cri/log.h"

namespace fs = std::filesystem;
using namespace k3s;
namespace v1 = cri::v1;

namespace {

struct Result {
  int code = -1;
  std::string out;  // stdout and stderr together
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

class Crictl : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    containerd_ = test_support::start_test_containerd(true);
    cri::Client client(containerd_->endpoint());
    sandbox_.mutable_metadata()->set_name("web");
    sandbox_.mutable_metadata()->set_namespace_("demo");
    sandbox_.mutable_metadata()->set_uid("uid-web");
    sandbox_.set_log_directory(containerd_->data_dir + "/pods/web");
    sandbox_.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(v1::NODE);
    (*sandbox_.mutable_labels())["io.kubernetes.pod.name"] = "web";
    // Like the kubelet: every pod gets a cgroup parent, which per-pod stats need.
    sandbox_.mutable_linux()->set_cgroup_parent("/k3s-test/pod-uid-web");
    fs::create_directories(sandbox_.log_directory());
    pod_id_ = client.run_pod_sandbox(sandbox_);
    v1::ContainerConfig container;
    container.mutable_metadata()->set_name("app");
    container.mutable_image()->set_image(test_support::kBusyboxImage);
    container.add_command("sh");
    container.add_args("-c");
    container.add_args("for i in 1 2 3 4 5; do echo line$i; done; echo to-stderr >&2; exec sleep 3600");
    container.set_log_path("app.log");
    (*container.mutable_labels())["io.kubernetes.pod.name"] = "web";
    container_id_ = client.create_container(pod_id_, container, sandbox_);
    client.start_container(container_id_);
  }
  static void TearDownTestSuite() { test_support::stop_test_containerd(containerd_); }

  static Result crictl(const std::string& args, bool with_endpoint_flag = true) {
    std::string cmd = std::string(CRICTL_BIN) + " ";
    if (with_endpoint_flag) cmd += "-r " + quote(containerd_->endpoint()) + " ";
    cmd += args + " 2>&1";
    Result result;
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) return result;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.out.append(buf.data(), n);
    int status = pclose(pipe);
    result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
  }

  static void wait_for_log_lines() {
    while (crictl("logs " + container_id_).out.find("to-stderr") == std::string::npos) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  static std::unique_ptr<test_support::TestContainerd> containerd_;
  static v1::PodSandboxConfig sandbox_;
  static std::string pod_id_;
  static std::string container_id_;
};
std::unique_ptr<test_support::TestContainerd> Crictl::containerd_;
v1::PodSandboxConfig Crictl::sandbox_;
std::string Crictl::pod_id_;
std::string Crictl::container_id_;

}  // namespace

TEST_F(Crictl, Version) {
  auto r = crictl("version");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("RuntimeName:  containerd\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("RuntimeApiVersion:  v1\n"), std::string::npos) << r.out;
}

TEST_F(Crictl, EndpointFromEnvironment) {
  auto r = crictl("version", false);
  EXPECT_NE(r.code, 0);  // the default k3s socket is not what this test runs
  setenv("CONTAINER_RUNTIME_ENDPOINT", containerd_->endpoint().c_str(), 1);
  r = crictl("version", false);
  unsetenv("CONTAINER_RUNTIME_ENDPOINT");
  EXPECT_EQ(r.code, 0) << r.out;
}

TEST_F(Crictl, InfoIsJsonWithConditions) {
  auto r = crictl("info");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"RuntimeReady\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"config\""), std::string::npos);
}

TEST_F(Crictl, PsListsTheRunningContainer) {
  auto r = crictl("ps");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("CONTAINER", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(container_id_.substr(0, 13)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Running"), std::string::npos);
  EXPECT_NE(r.out.find("app"), std::string::npos);
  EXPECT_NE(r.out.find("web"), std::string::npos);

  r = crictl("ps -q --no-trunc");
  EXPECT_EQ(r.out, container_id_ + "\n");
  r = crictl("ps -a -q --pod " + pod_id_ + " --name app");
  EXPECT_EQ(r.out, container_id_.substr(0, 13) + "\n");
  r = crictl("ps -q --name nothing-like-this");
  EXPECT_EQ(r.out, "");
  r = crictl("ps -o json");
  EXPECT_NE(r.out.find("\"podSandboxId\": \"" + pod_id_ + "\""), std::string::npos) << r.out;
  r = crictl("ps -o yaml");
  EXPECT_NE(r.code, 0);
}

TEST_F(Crictl, PodsAndInspectp) {
  auto r = crictl("pods");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("POD ID", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("Ready"), std::string::npos);
  EXPECT_NE(r.out.find("demo"), std::string::npos);
  r = crictl("pods -q --no-trunc");
  EXPECT_EQ(r.out, pod_id_ + "\n");
  r = crictl("inspectp " + pod_id_);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"state\": \"SANDBOX_READY\""), std::string::npos) << r.out;
}

TEST_F(Crictl, ImagesAndInspecti) {
  auto r = crictl("images");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("docker.io/rancher/mirrored-pause"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("k3s.local/busybox"), std::string::npos);
  EXPECT_NE(r.out.find("test"), std::string::npos);
  r = crictl("images -q");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("sha256:", 0), 0u) << r.out;
  r = crictl(std::string("inspecti ") + test_support::kBusyboxImage);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"repoTags\""), std::string::npos);
  r = crictl("inspecti k3s.local/no-such-image:1");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("no such image"), std::string::npos) << r.out;
}

TEST_F(Crictl, InspectShowsLogPath) {
  auto r = crictl("inspect " + container_id_);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"logPath\": \"" + sandbox_.log_directory() + "/app.log\""), std::string::npos) << r.out;
  r = crictl("inspect 000000000000dead");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("rpc error: code = NotFound"), std::string::npos) << r.out;
}

TEST_F(Crictl, LogsAndTail) {
  wait_for_log_lines();
  // containerd copies stdout and stderr concurrently, so the stderr record's place among the
  // stdout ones varies; expectations are derived from the log file's own order.
  std::vector<std::string> contents;
  {
    std::ifstream log(sandbox_.log_directory() + "/app.log");
    std::string line;
    while (std::getline(log, line)) {
      if (auto record = cri::parse_log_line(line)) contents.push_back(record->content);
    }
  }
  ASSERT_EQ(contents.size(), 6u);
  std::string all;
  for (const auto& c : contents) all += c + "\n";
  auto r = crictl("logs " + container_id_);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, all);
  std::string stdout_only;
  for (const auto& c : contents) {
    if (c != "to-stderr") stdout_only += c + "\n";
  }
  EXPECT_EQ(stdout_only, "line1\nline2\nline3\nline4\nline5\n");
  r = crictl("logs --tail 2 " + container_id_);
  EXPECT_EQ(r.out, contents[4] + "\n" + contents[5] + "\n");
  r = crictl("logs --tail=0 " + container_id_);
  EXPECT_EQ(r.out, "");
  r = crictl("logs --tail x " + container_id_);
  EXPECT_NE(r.code, 0);
}

TEST_F(Crictl, ExecRunsSynchronouslyAndPassesExitCode) {
  auto r = crictl("exec " + container_id_ + " sh -c 'echo hi; exit 4'");
  EXPECT_EQ(r.code, 4);
  EXPECT_EQ(r.out, "hi\n");
  r = crictl("exec " + container_id_ + " cat /etc/passwd");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("root:x:0:0"), std::string::npos);
}

TEST_F(Crictl, StatsListsContainer) {
  auto r = crictl("stats");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find(container_id_.substr(0, 13)), std::string::npos) << r.out;
  r = crictl("statsp");
  EXPECT_EQ(r.code, 0) << r.out;
}

TEST_F(Crictl, UsageErrors) {
  auto r = crictl("frobnicate");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("no such command"), std::string::npos);
  r = crictl("ps --bogus");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("flag provided but not defined"), std::string::npos);
  r = crictl("stop");
  EXPECT_NE(r.code, 0);
  r = crictl("-r tcp://1.2.3.4:5 version", false);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("unsupported runtime endpoint"), std::string::npos) << r.out;
}

// Runs last (gtest keeps declaration order): tears the pod down through crictl.
TEST_F(Crictl, ZzStopRemoveAndPrune) {
  auto r = crictl("rm " + container_id_);
  EXPECT_NE(r.code, 0);  // still running, no --force
  EXPECT_NE(r.out.find("is running"), std::string::npos);
  r = crictl("stop " + container_id_);
  EXPECT_EQ(r.code, 0) << r.out;
  r = crictl("ps -a");
  EXPECT_NE(r.out.find("Exited"), std::string::npos) << r.out;
  r = crictl("rm " + container_id_);
  EXPECT_EQ(r.code, 0) << r.out;
  r = crictl("stopp " + pod_id_);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "Stopped sandbox " + pod_id_ + "\n");
  r = crictl("rmp " + pod_id_);
  EXPECT_EQ(r.code, 0) << r.out;
  r = crictl("pods -q");
  EXPECT_EQ(r.out, "");
  r = crictl("rmi --prune");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("Deleted: k3s.local/busybox:test"), std::string::npos) << r.out;
  r = crictl("images -q");
  EXPECT_EQ(r.out, "");
}
