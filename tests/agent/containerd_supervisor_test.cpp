#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "containerd_fixture.h"
#include "cri/cri.h"

using namespace k3s;

TEST(ContainerdSupervisor, StartsContainerdThatAnswersCri) {
  auto containerd = test_support::start_test_containerd(false);
  cri::Client client(containerd->endpoint());
  auto version = client.version();
  EXPECT_EQ(version.runtime_name(), "containerd");
  EXPECT_EQ(version.runtime_api_version(), "v1");
  EXPECT_TRUE(std::filesystem::exists(containerd->supervisor->paths().log_file));
  auto status = client.status();
  bool runtime_ready = false;
  for (const auto& condition : status.status().conditions()) {
    if (condition.type() == "RuntimeReady") runtime_ready = condition.status();
  }
  EXPECT_TRUE(runtime_ready);
  test_support::stop_test_containerd(containerd);
}

TEST(ContainerdSupervisor, RestartsContainerdWhenItDies) {
  auto containerd = test_support::start_test_containerd(false);
  pid_t first = containerd->supervisor->pid();
  ASSERT_GT(first, 0);
  ASSERT_EQ(kill(first, SIGKILL), 0);
  cri::Client client(containerd->endpoint());
  // Wait for a new process, not for a time: the restart is observable as a new pid answering.
  while (containerd->supervisor->restarts() < 1 || containerd->supervisor->pid() == first ||
         containerd->supervisor->pid() == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(client.wait_until_ready(std::chrono::minutes(2)));
  EXPECT_EQ(client.version().runtime_name(), "containerd");
  EXPECT_EQ(containerd->supervisor->restarts(), 1);
  test_support::stop_test_containerd(containerd);
}

TEST(ContainerdSupervisor, BrokenConfigFailsStartWithLogTail) {
  char tmpl[] = "/tmp/k3s-cri-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  agent::ContainerdOptions options;
  options.data_dir = dir;
  options.state_dir = dir + "/run";
  options.private_registry = dir + "/none.yaml";
  auto paths = agent::containerd_paths(options);
  std::filesystem::create_directories(paths.config_dir);
  std::ofstream(paths.config_template) << "version = 2\n[plugins\nthis is not toml\n";
  agent::ContainerdSupervisor supervisor(options);
  try {
    supervisor.start(std::chrono::seconds(20));
    FAIL() << "containerd started with a broken config";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("did not answer"), std::string::npos) << message;
    EXPECT_NE(message.find("containerd.log"), std::string::npos) << message;
  }
  std::filesystem::remove_all(dir);
}

TEST(ContainerRuntime, ExistingEndpointIsUsedWithoutSupervisor) {
  auto containerd = test_support::start_test_containerd(false);
  auto runtime = agent::start_container_runtime(containerd->options, containerd->endpoint(), std::chrono::seconds(30));
  EXPECT_EQ(runtime.endpoint, containerd->endpoint());
  EXPECT_EQ(runtime.supervisor, nullptr);
  test_support::stop_test_containerd(containerd);
  EXPECT_THROW(agent::start_container_runtime({}, "unix:///nonexistent/k3s.sock", std::chrono::milliseconds(300)),
               std::runtime_error);
  EXPECT_THROW(agent::start_container_runtime({}, "tcp://1.2.3.4:5", std::chrono::milliseconds(300)),
               std::invalid_argument);
}
