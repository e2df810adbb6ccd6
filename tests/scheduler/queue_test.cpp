#include <gtest/gtest.h>

#include "queue.h"
#include "test_objects.h"

namespace k3s::scheduler {
namespace {

using namespace std::chrono_literals;

class QueueTest : public ::testing::Test {
 protected:
  Clock::time_point now = Clock::time_point(1h);
  SchedulingQueue queue{QueueOptions{}, [this] { return now; }};

  PodInfoPtr make(const std::string& name, int priority = 0) {
    return parse_pod(testing::pod(name, {.priority = priority}));
  }
  QueuedPod fail(const std::string& plugin) {
    auto q = queue.try_pop();
    EXPECT_TRUE(q.has_value());
    q->rejecting_plugins = {plugin};
    return *q;
  }
};

TEST_F(QueueTest, PriorityThenArrivalOrder) {
  queue.add(make("a", 1));
  now += 1ms;
  queue.add(make("b", 5));
  now += 1ms;
  queue.add(make("c", 1));
  EXPECT_EQ(queue.try_pop()->pod->name, "b");
  EXPECT_EQ(queue.try_pop()->pod->name, "a");
  EXPECT_EQ(queue.try_pop()->pod->name, "c");
  EXPECT_FALSE(queue.try_pop());
}

TEST_F(QueueTest, UnschedulablePodWaitsForRelevantEvent) {
  queue.add(make("p"));
  queue.add_unschedulable(fail("NodeResourcesFit"));
  EXPECT_EQ(queue.unschedulable_size(), 1u);
  now += 30s;
  EXPECT_FALSE(queue.try_pop());  // no busy loop
  queue.on_event(ClusterEvent::node_changed(NodeChange{.taints = true}));
  EXPECT_EQ(queue.unschedulable_size(), 1u);  // a taint change cannot help a resource shortage
  queue.on_event(ClusterEvent::assigned_pod_deleted());
  EXPECT_EQ(queue.unschedulable_size(), 0u);
  EXPECT_EQ(queue.try_pop()->pod->name, "p");  // its 1 s backoff already passed
}

TEST_F(QueueTest, EventDuringBackoffGoesThroughBackoffQueue) {
  queue.add(make("p"));
  queue.add_unschedulable(fail("NodeAffinity"));
  now += 100ms;
  queue.on_event(ClusterEvent::node_added());
  EXPECT_EQ(queue.backoff_size(), 1u);
  EXPECT_FALSE(queue.try_pop());
  now += 1s;
  EXPECT_EQ(queue.try_pop()->pod->name, "p");
}

TEST_F(QueueTest, BackoffDoublesUpToTenSeconds) {
  EXPECT_EQ(queue.backoff_duration(1), 1s);
  EXPECT_EQ(queue.backoff_duration(2), 2s);
  EXPECT_EQ(queue.backoff_duration(3), 4s);
  EXPECT_EQ(queue.backoff_duration(4), 8s);
  EXPECT_EQ(queue.backoff_duration(5), 10s);
  EXPECT_EQ(queue.backoff_duration(12), 10s);
}

TEST_F(QueueTest, AttemptsAccumulateForBackoff) {
  queue.add(make("p"));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto q = queue.try_pop();
    ASSERT_TRUE(q);
    EXPECT_EQ(q->attempts, attempt);
    queue.add_backoff(*q);
    now += queue.backoff_duration(attempt) - 1ms;
    EXPECT_FALSE(queue.try_pop());
    now += 1ms;
  }
}

TEST_F(QueueTest, LeftoverUnschedulablePodsRetriedAfterFiveMinutes) {
  queue.add(make("p"));
  queue.add_unschedulable(fail("NodeAffinity"));
  now += 4min;
  EXPECT_FALSE(queue.try_pop());
  now += 61s;
  EXPECT_EQ(queue.try_pop()->pod->name, "p");
}

TEST_F(QueueTest, EventWhileInFlightIsNotLost) {
  queue.add(make("p"));
  auto q = queue.try_pop();
  q->rejecting_plugins = {"NodeAffinity"};
  queue.on_event(ClusterEvent::node_added());  // arrives while the attempt runs
  queue.add_unschedulable(*q);
  EXPECT_EQ(queue.unschedulable_size(), 0u);
  EXPECT_EQ(queue.backoff_size(), 1u);
}

TEST_F(QueueTest, UpdateOfUnschedulablePodRequeuesIt) {
  queue.add(make("p"));
  queue.add_unschedulable(fail("NodeAffinity"));
  now += 2s;
  queue.update(make("p"));
  EXPECT_EQ(queue.try_pop()->pod->name, "p");
}

TEST_F(QueueTest, RemovedPodsAreGone) {
  queue.add(make("p"));
  queue.add_unschedulable(fail("NodeAffinity"));
  queue.remove("uid-default-p");
  queue.on_event(ClusterEvent::node_added());
  now += 1h;
  EXPECT_FALSE(queue.try_pop());
  queue.add(make("q"));
  auto q = queue.try_pop();
  queue.remove("uid-default-q");  // deleted while being scheduled
  queue.add_unschedulable(*q);
  EXPECT_EQ(queue.unschedulable_size(), 0u);
}

}  // namespace
}  // namespace k3s::scheduler
