#include <gtest/gtest.h>

#include "pod_sync.h"

using namespace k3s::kubelet;

namespace {

Json pod_with(const std::string& restart_policy) {
  return {{"metadata", {{"name", "p"}, {"namespace", "default"}, {"uid", "u"}}},
          {"spec", {{"restartPolicy", restart_policy},
                    {"containers", Json::array({{{"name", "a"}, {"image", "busybox"}}})}}},
          {"status", {{"phase", "Pending"}}}};
}

ContainerInstance instance(v1::ContainerState state, uint32_t attempt, int exit_code = 0) {
  ContainerInstance c;
  c.id = "id" + std::to_string(attempt);
  c.name = "a";
  c.attempt = attempt;
  c.state = state;
  c.exit_code = exit_code;
  c.started_at = 1'700'000'000'000'000'000;
  c.finished_at = state == v1::CONTAINER_EXITED ? c.started_at + 1'000'000'000 : 0;
  c.image_ref = "sha256:img";
  return c;
}

}  // namespace

TEST(PodStatus, RunningAndReady) {
  PodState state;
  state.pod_ip = "10.42.0.5";
  state.start_time = "2026-01-01T00:00:00Z";
  auto status = compute_pod_status(pod_with("Always"), state, {instance(v1::CONTAINER_RUNNING, 0)}, "192.168.1.2", true);
  EXPECT_EQ(status["phase"], "Running");
  EXPECT_EQ(status["podIP"], "10.42.0.5");
  EXPECT_EQ(status["hostIP"], "192.168.1.2");
  EXPECT_EQ(status["qosClass"], "BestEffort");
  const auto& cs = status["containerStatuses"][0];
  EXPECT_TRUE(cs["ready"].get<bool>());
  EXPECT_TRUE(cs["started"].get<bool>());
  EXPECT_EQ(cs["containerID"], "containerd://id0");
  EXPECT_TRUE(cs["state"].contains("running"));
  bool ready = false;
  for (const auto& c : status["conditions"])
    if (c["type"] == "Ready") ready = c["status"] == "True";
  EXPECT_TRUE(ready);
}

TEST(PodStatus, CrashLoopShowsWaitingAndLastState) {
  PodState state;
  state.waiting["a"] = {"CrashLoopBackOff", "back-off 10s restarting failed container=a pod=p_default(u)"};
  auto status = compute_pod_status(pod_with("Always"), state,
                                   {instance(v1::CONTAINER_EXITED, 0, 1), instance(v1::CONTAINER_EXITED, 1, 1)}, "n", true);
  EXPECT_EQ(status["phase"], "Running");
  const auto& cs = status["containerStatuses"][0];
  EXPECT_EQ(cs["state"]["waiting"]["reason"], "CrashLoopBackOff");
  EXPECT_EQ(cs["lastState"]["terminated"]["exitCode"], 1);
  EXPECT_EQ(cs["lastState"]["terminated"]["reason"], "Error");
  EXPECT_EQ(cs["restartCount"], 1);
  EXPECT_FALSE(cs["ready"].get<bool>());
}

TEST(PodStatus, TerminalPhases) {
  PodState state;
  EXPECT_EQ(compute_pod_status(pod_with("Never"), state, {instance(v1::CONTAINER_EXITED, 0, 0)}, "n", true)["phase"],
            "Succeeded");
  EXPECT_EQ(compute_pod_status(pod_with("Never"), state, {instance(v1::CONTAINER_EXITED, 0, 2)}, "n", true)["phase"],
            "Failed");
  EXPECT_EQ(compute_pod_status(pod_with("OnFailure"), state, {instance(v1::CONTAINER_EXITED, 0, 0)}, "n", true)["phase"],
            "Succeeded");
  EXPECT_EQ(compute_pod_status(pod_with("Always"), state, {}, "n", false)["phase"], "Pending");
}

TEST(PodStatus, InitContainersGateInitialized) {
  Json pod = pod_with("Always");
  pod["spec"]["initContainers"] = Json::array({{{"name", "init"}, {"image", "busybox"}}});
  PodState state;
  auto status = compute_pod_status(pod, state, {}, "n", true);
  EXPECT_EQ(status["phase"], "Pending");
  EXPECT_EQ(status["containerStatuses"][0]["state"]["waiting"]["reason"], "PodInitializing");
  for (const auto& c : status["conditions"])
    if (c["type"] == "Initialized") {
      EXPECT_EQ(c["status"], "False");
      EXPECT_EQ(c["message"], "containers with incomplete status: [init]");
    }
}
