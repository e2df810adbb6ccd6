// A pod's whole life through the CRI client against a real containerd: sandbox from the
// project's pause image, a busybox container, exec, logs, stats, stop, remove.
#include <gtest/gtest.h>

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

class PodLifecycle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { containerd_ = test_support::start_test_containerd(true); }
  static void TearDownTestSuite() { test_support::stop_test_containerd(containerd_); }

  static v1::PodSandboxConfig sandbox_config(const std::string& name, bool host_network) {
    v1::PodSandboxConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_metadata()->set_namespace_("default");
    config.mutable_metadata()->set_uid("uid-" + name);
    // A host-network pod shares the node's UTS namespace, so runc refuses a hostname.
    if (!host_network) config.set_hostname(name);
    config.set_log_directory(containerd_->data_dir + "/pods/" + name);
    (*config.mutable_labels())["app"] = name;
    if (host_network) {
      config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(v1::NODE);
    }
    return config;
  }

  static std::unique_ptr<test_support::TestContainerd> containerd_;
};
std::unique_ptr<test_support::TestContainerd> PodLifecycle::containerd_;

}  // namespace

TEST_F(PodLifecycle, ImagesFromAirgapArchiveAreListed) {
  cri::Client client(containerd_->endpoint());
  bool pause = false, busybox = false;
  for (const auto& image : client.list_images()) {
    for (const auto& tag : image.repo_tags()) {
      pause |= tag == test_support::kPauseImage;
      busybox |= tag == test_support::kBusyboxImage;
    }
  }
  EXPECT_TRUE(pause);
  EXPECT_TRUE(busybox);
  auto fs_info = client.image_fs_info();
  EXPECT_GT(fs_info.image_filesystems_size(), 0);
}

TEST_F(PodLifecycle, RunsPodExecsLogsStopsAndRemoves) {
  cri::Client client(containerd_->endpoint());
  auto sandbox = sandbox_config("lifecycle", true);
  fs::create_directories(sandbox.log_directory());
  std::string pod_id = client.run_pod_sandbox(sandbox);
  ASSERT_FALSE(pod_id.empty());
  auto pod_status = client.pod_sandbox_status(pod_id);
  EXPECT_EQ(pod_status.status().state(), v1::SANDBOX_READY);
  EXPECT_EQ(pod_status.status().metadata().name(), "lifecycle");

  v1::ContainerConfig container;
  container.mutable_metadata()->set_name("main");
  container.mutable_image()->set_image(test_support::kBusyboxImage);
  container.add_command("sh");
  container.add_args("-c");
  container.add_args("echo started; echo oops >&2; echo $GREETING; exec sleep 3600");
  auto* env = container.add_envs();
  env->set_key("GREETING");
  env->set_value("hello-from-env");
  container.set_log_path("main/0.log");
  std::string container_id = client.create_container(pod_id, container, sandbox);
  client.start_container(container_id);

  auto status = client.container_status(container_id).status();
  EXPECT_EQ(status.state(), v1::CONTAINER_RUNNING);
  EXPECT_EQ(status.log_path(), sandbox.log_directory() + "/main/0.log");

  auto exec = client.exec_sync(container_id, {"sh", "-c", "echo out; echo err >&2; cat /proc/1/cmdline; exit 3"}, 30);
  EXPECT_EQ(exec.exit_code(), 3);
  EXPECT_EQ(exec.stdout().substr(0, 4), "out\n");
  EXPECT_EQ(exec.stderr(), "err\n");

  // Logs are written by containerd as the container prints; wait for the three lines.
  std::vector<cri::LogRecord> records;
  while (records.size() < 3) {
    records.clear();
    std::ifstream log(status.log_path());
    std::string line;
    while (std::getline(log, line)) {
      if (auto record = cri::parse_log_line(line)) records.push_back(*record);
    }
    if (records.size() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  bool saw_started = false, saw_stderr = false, saw_env = false;
  for (const auto& r : records) {
    saw_started |= r.stream == "stdout" && r.content == "started";
    saw_stderr |= r.stream == "stderr" && r.content == "oops";
    saw_env |= r.content == "hello-from-env";
  }
  EXPECT_TRUE(saw_started);
  EXPECT_TRUE(saw_stderr);
  EXPECT_TRUE(saw_env);

  v1::ContainerFilter filter;
  filter.set_pod_sandbox_id(pod_id);
  auto containers = client.list_containers(filter);
  ASSERT_EQ(containers.size(), 1u);
  EXPECT_EQ(containers[0].id(), container_id);

  auto stats = client.container_stats(container_id);
  EXPECT_EQ(stats.attributes().id(), container_id);

  client.stop_container(container_id, 2);
  status = client.container_status(container_id).status();
  EXPECT_EQ(status.state(), v1::CONTAINER_EXITED);
  EXPECT_NE(status.exit_code(), 0);  // sleep was killed by the stop signal
  client.remove_container(container_id);
  try {
    client.container_status(container_id);
    FAIL() << "removed container still has a status";
  } catch (const cri::Error& e) {
    EXPECT_TRUE(e.not_found()) << e.what();
  }

  client.stop_pod_sandbox(pod_id);
  EXPECT_EQ(client.pod_sandbox_status(pod_id).status().state(), v1::SANDBOX_NOTREADY);
  client.remove_pod_sandbox(pod_id);
  v1::PodSandboxFilter pod_filter;
  pod_filter.set_id(pod_id);
  EXPECT_TRUE(client.list_pod_sandbox(pod_filter).empty());
}

TEST_F(PodLifecycle, ContainerExitCodeIsReported) {
  cri::Client client(containerd_->endpoint());
  auto sandbox = sandbox_config("exits", true);
  fs::create_directories(sandbox.log_directory());
  auto pod_id = client.run_pod_sandbox(sandbox);
  v1::ContainerConfig container;
  container.mutable_metadata()->set_name("job");
  container.mutable_image()->set_image(test_support::kBusyboxImage);
  container.add_command("sh");
  container.add_args("-c");
  container.add_args("exit 7");
  container.set_log_path("job.log");
  auto id = client.create_container(pod_id, container, sandbox);
  client.start_container(id);
  v1::ContainerStatus status;
  do {
    status = client.container_status(id).status();
    if (status.state() != v1::CONTAINER_EXITED) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (status.state() != v1::CONTAINER_EXITED);
  EXPECT_EQ(status.exit_code(), 7);
  EXPECT_EQ(status.reason(), "Error");
  client.remove_container(id);
  client.stop_pod_sandbox(pod_id);
  client.remove_pod_sandbox(pod_id);
}

TEST_F(PodLifecycle, UnknownIdsAreNotFound) {
  cri::Client client(containerd_->endpoint());
  EXPECT_THROW(client.container_status("0123456789abcdef"), cri::Error);
  try {
    client.pod_sandbox_status("does-not-exist");
    FAIL();
  } catch (const cri::Error& e) {
    EXPECT_TRUE(e.not_found()) << e.what();
  }
}
