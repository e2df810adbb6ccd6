#include <gtest/gtest.h>

#include "controllers/controller_manager.h"

using k3s::controllers::apply_controller_manager_args;
using k3s::controllers::ControllerManagerOptions;

TEST(ControllerManagerArgs, KnownFlagsAreApplied) {
  ControllerManagerOptions o;
  apply_controller_manager_args(o, {"node-monitor-grace-period=1m30s", "--terminated-pod-gc-threshold=5",
                                    "controllers=*,-pod-gc", "node-cidr-mask-size-ipv4=26", "node-monitor-period=500ms",
                                    "allocate-node-cidrs=false", "node-startup-grace-period=2m"});
  EXPECT_EQ(o.node_monitor_grace_period, std::chrono::seconds(90));
  EXPECT_EQ(o.terminated_pod_gc_threshold, 5);
  EXPECT_EQ(o.controllers, (std::vector<std::string>{"*", "-pod-gc"}));
  EXPECT_EQ(o.node_cidr_mask_size_ipv4, 26);
  EXPECT_FALSE(o.allocate_node_cidrs);
  EXPECT_EQ(o.node_startup_grace_period, std::chrono::seconds(120));
  EXPECT_EQ(o.node_monitor_period, std::chrono::seconds(1));  // whole seconds, rounded up
}

TEST(ControllerManagerArgs, ClientRateLimit) {
  ControllerManagerOptions o;
  EXPECT_EQ(o.kube_api_qps, 50);
  EXPECT_EQ(o.kube_api_burst, 300);
  apply_controller_manager_args(o, {"kube-api-qps=500.5", "kube-api-burst=1000"});
  EXPECT_EQ(o.kube_api_qps, 500.5);
  EXPECT_EQ(o.kube_api_burst, 1000);
  EXPECT_THROW(apply_controller_manager_args(o, {"kube-api-qps=fast"}), std::invalid_argument);
}

TEST(ControllerManagerArgs, BadFlagsAreRejectedByName) {
  ControllerManagerOptions o;
  try {
    apply_controller_manager_args(o, {"no-such-flag=1"});
    FAIL() << "accepted an unknown flag";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown kube-controller-manager flag: --no-such-flag");
  }
  EXPECT_THROW(apply_controller_manager_args(o, {"node-monitor-grace-period=forty"}), std::invalid_argument);
  EXPECT_THROW(apply_controller_manager_args(o, {"terminated-pod-gc-threshold=12x"}), std::invalid_argument);
  EXPECT_THROW(apply_controller_manager_args(o, {"terminated-pod-gc-threshold"}), std::invalid_argument);
  EXPECT_THROW(apply_controller_manager_args(o, {"node-monitor-period=0"}), std::invalid_argument);
}
