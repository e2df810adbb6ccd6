// The scheduling loop against a recording ClusterWriter: what is written to the API for
// bound, unschedulable and preempting pods, and when waiting pods are retried.
#include <gtest/gtest.h>

#include <mutex>

#include "scheduler/scheduler.h"
#include "test_objects.h"

namespace k3s::scheduler {
namespace {

using Json = nlohmann::json;

class RecordingWriter : public ClusterWriter {
 public:
  struct Status {
    std::string message;
    std::optional<std::string> nominated;
  };

  void bind(const Json& pod, const std::string& node) override {
    std::lock_guard lock(mu);
    if (fail_binds > 0) {
      --fail_binds;
      throw std::runtime_error("conflict");
    }
    bindings[pod["metadata"]["name"]] = node;
  }
  void set_unschedulable(const Json& pod, const std::string& message,
                         const std::optional<std::string>& nominated) override {
    std::lock_guard lock(mu);
    statuses[pod["metadata"]["name"]].push_back({message, nominated});
  }
  void preempt(const Json& victim, const Json&, const std::string&) override {
    std::lock_guard lock(mu);
    preempted.push_back(victim["metadata"]["name"]);
  }
  void record_event(const Json& pod, const std::string& type, const std::string& reason,
                    const std::string& message) override {
    std::lock_guard lock(mu);
    events.push_back(type + " " + reason + " " + pod["metadata"]["name"].get<std::string>() + ": " + message);
  }

  std::mutex mu;
  int fail_binds = 0;
  std::map<std::string, std::string> bindings;
  std::map<std::string, std::vector<Status>> statuses;
  std::vector<std::string> preempted;
  std::vector<std::string> events;
};

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest() {
    SchedulerOptions opts;
    opts.seed = 7;
    opts.initial_backoff = std::chrono::milliseconds(0);  // retries due at once; no sleeping in tests
    opts.max_backoff = std::chrono::milliseconds(0);
    scheduler = std::make_unique<Scheduler>(writer, opts);
  }
  void drain() {
    while (scheduler->schedule_one()) {
    }
    scheduler->wait_for_writes();
  }

  std::shared_ptr<RecordingWriter> writer = std::make_shared<RecordingWriter>();
  std::unique_ptr<Scheduler> scheduler;
};

TEST_F(SchedulerTest, BindsPendingPodsAndRecordsEvents) {
  scheduler->on_node(testing::node("n1"));
  scheduler->on_pod(testing::pod("web"));
  drain();
  EXPECT_EQ(writer->bindings["web"], "n1");
  ASSERT_EQ(writer->events.size(), 1u);
  EXPECT_EQ(writer->events[0], "Normal Scheduled web: Successfully assigned default/web to n1");
}

TEST_F(SchedulerTest, OnlyOwnPendingPods) {
  scheduler->on_node(testing::node("n1"));
  scheduler->on_pod(testing::pod("other", {.extra_spec = {{"schedulerName", "custom"}}}));
  scheduler->on_pod(testing::pod("bound", {.node_name = "n1"}));
  scheduler->on_pod(testing::pod("named", {.extra_spec = {{"schedulerName", "default-scheduler"}}}));
  drain();
  EXPECT_EQ(writer->bindings, (std::map<std::string, std::string>{{"named", "n1"}}));
}

TEST_F(SchedulerTest, AssumedPodsCountForTheNextPod) {
  scheduler->on_node(testing::node("n1", {.cpu = "1"}));
  scheduler->on_node(testing::node("n2", {.cpu = "1"}));
  scheduler->on_pod(testing::pod("a", {.cpu = "800m"}));
  scheduler->on_pod(testing::pod("b", {.cpu = "800m"}));
  drain();
  ASSERT_EQ(writer->bindings.size(), 2u);
  EXPECT_NE(writer->bindings["a"], writer->bindings["b"]);
}

TEST_F(SchedulerTest, UnschedulableReportedAndRetriedOnlyWhenSomethingHelps) {
  scheduler->on_node(testing::node("n1", {.cpu = "1"}));
  Json big = testing::pod("big", {.cpu = "2"});
  scheduler->on_pod(big);
  drain();
  ASSERT_EQ(writer->statuses["big"].size(), 1u);
  EXPECT_EQ(writer->statuses["big"][0].message,
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption "
            "victims found for incoming pod.");
  EXPECT_EQ(writer->events.back(),
            "Warning FailedScheduling big: " + writer->statuses["big"][0].message);
  // Our own status write comes back as a watch event: not a reason to retry.
  Json with_status = big;
  with_status["status"]["conditions"] = {{{"type", "PodScheduled"}, {"status", "False"}}};
  with_status["metadata"]["resourceVersion"] = "99";
  scheduler->on_pod(with_status);
  drain();
  EXPECT_EQ(writer->statuses["big"].size(), 1u);
  EXPECT_EQ(scheduler->stats().waiting, 1u);
  // An irrelevant node change does not help either.
  Json relabelled = testing::node("n1", {.cpu = "1", .labels = {{"x", "y"}}});
  scheduler->on_node(relabelled);
  drain();
  EXPECT_EQ(scheduler->stats().attempts, 1u);
  // More capacity does.
  scheduler->on_node(testing::node("n1", {.cpu = "4", .labels = {{"x", "y"}}}));
  drain();
  EXPECT_EQ(writer->bindings["big"], "n1");
}

TEST_F(SchedulerTest, NewNodeHelpsWhenThereWereNone) {
  scheduler->on_pod(testing::pod("p"));
  drain();
  EXPECT_EQ(writer->statuses["p"].at(0).message, "no nodes available to schedule pods");
  scheduler->on_node(testing::node("n1"));
  drain();
  EXPECT_EQ(writer->bindings["p"], "n1");
}

TEST_F(SchedulerTest, PreemptionEvictsAndNominates) {
  scheduler->on_node(testing::node("n1", {.cpu = "1"}));
  Json low = testing::pod("low", {.cpu = "1", .node_name = "n1", .priority = 1});
  scheduler->on_pod(low);
  scheduler->on_pod(testing::pod("vip", {.cpu = "1", .priority = 100}));
  drain();
  EXPECT_EQ(writer->preempted, (std::vector<std::string>{"low"}));
  ASSERT_EQ(writer->statuses["vip"].size(), 1u);
  EXPECT_EQ(writer->statuses["vip"][0].nominated, std::optional<std::string>("n1"));
  EXPECT_TRUE(writer->bindings.empty());
  // The victim's deletion arrives: the nominated pod is retried and bound.
  scheduler->on_pod_deleted(low);
  drain();
  EXPECT_EQ(writer->bindings["vip"], "n1");
}

TEST_F(SchedulerTest, PriorityFromPriorityClassWhenSpecHasNone) {
  scheduler->on_priority_class({{"metadata", {{"name", "high"}}}, {"value", 1000}});
  scheduler->on_node(testing::node("n1", {.cpu = "1"}));
  scheduler->on_pod(testing::pod("low", {.cpu = "1", .node_name = "n1", .priority = 0}));
  Json vip = testing::pod("vip", {.cpu = "1"});
  vip["spec"].erase("priority");
  vip["spec"]["priorityClassName"] = "high";
  scheduler->on_pod(vip);
  drain();
  EXPECT_EQ(writer->preempted, (std::vector<std::string>{"low"}));
}

TEST_F(SchedulerTest, FailedBindingIsRetried) {
  writer->fail_binds = 1;
  scheduler->on_node(testing::node("n1"));
  scheduler->on_pod(testing::pod("p"));
  drain();
  drain();  // the failed binding went to the (zero) backoff; the retry may already have run
  EXPECT_EQ(scheduler->stats().bind_failures, 1u);
  EXPECT_EQ(writer->bindings["p"], "n1");
}

TEST_F(SchedulerTest, DeletedPendingPodIsDropped) {
  Json p = testing::pod("p");
  scheduler->on_pod(p);
  scheduler->on_pod_deleted(p);
  scheduler->on_node(testing::node("n1"));
  drain();
  EXPECT_TRUE(writer->bindings.empty());
  EXPECT_EQ(scheduler->stats().attempts, 0u);
}

TEST_F(SchedulerTest, MalformedObjectsDoNotStopScheduling) {
  scheduler->on_node(Json{{"metadata", {{"name", "bad"}}}, {"status", {{"allocatable", {{"cpu", "many"}}}}}});
  scheduler->on_disruption_budget(Json{{"metadata", {{"name", "x"}, {"namespace", "d"}}},
                                       {"spec", {{"selector", {{"matchExpressions", {{{"key", "a"}, {"operator", "Bogus"}}}}}}}}});
  scheduler->on_node(testing::node("n1"));
  scheduler->on_pod(testing::pod("p"));
  drain();
  EXPECT_EQ(writer->bindings["p"], "n1");
}

TEST_F(SchedulerTest, RunStopsOnRequest) {
  scheduler->on_node(testing::node("n1"));
  scheduler->on_pod(testing::pod("p"));
  std::stop_source stop;
  std::thread runner([&] { scheduler->run(stop.get_token()); });
  for (int i = 0; i < 2000; ++i) {
    {
      std::lock_guard lock(writer->mu);
      if (!writer->bindings.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop.request_stop();
  runner.join();
  EXPECT_EQ(writer->bindings["p"], "n1");
}

}  // namespace
}  // namespace k3s::scheduler
