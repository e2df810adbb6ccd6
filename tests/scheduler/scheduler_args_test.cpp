// --kube-scheduler-arg: the rate limit flags apply, other flags come back to be ignored.
#include <gtest/gtest.h>

#include "scheduler/scheduler.h"

using k3s::scheduler::apply_scheduler_args;
using k3s::scheduler::SchedulerOptions;

TEST(SchedulerArgs, RateLimitFlags) {
  SchedulerOptions o;
  auto unknown = apply_scheduler_args(o, {"--kube-api-qps=200", "kube-api-burst=400", "v=4"});
  EXPECT_EQ(o.kube_api_qps, 200);
  EXPECT_EQ(o.kube_api_burst, 400);
  EXPECT_EQ(unknown, std::vector<std::string>{"v=4"});
  EXPECT_THROW(apply_scheduler_args(o, {"kube-api-qps=lots"}), std::invalid_argument);
  EXPECT_THROW(apply_scheduler_args(o, {"kube-api-burst=10x"}), std::invalid_argument);
}
