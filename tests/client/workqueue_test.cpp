#include "client/workqueue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

using namespace k3s::client;
using namespace std::chrono_literals;

namespace {

// A limiter with no overall bucket, so tests see the per-item backoff alone.
std::shared_ptr<RateLimiter> exponential_only() {
  return std::make_shared<ItemExponentialFailureRateLimiter>(5ms, 1000s);
}

}  // namespace

TEST(WorkQueue, DeduplicatesQueuedKeys) {
  WorkQueue q("dedup", exponential_only());
  q.add("a");
  q.add("b");
  q.add("a");
  EXPECT_EQ(q.len(), 2u);
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.get(), "b");
  EXPECT_EQ(q.len(), 0u);
}

TEST(WorkQueue, KeyInProcessingIsNotHandedOutTwiceAndRequeuedAfterDone) {
  WorkQueue q("processing", exponential_only());
  q.add("a");
  auto first = q.get();
  ASSERT_EQ(first, "a");
  q.add("a");  // added while processing
  EXPECT_EQ(q.len(), 0u) << "must not be handed to a second worker";

  // A second worker blocks until done() re-queues it.
  auto second = std::async(std::launch::async, [&] { return q.get(); });
  EXPECT_EQ(second.wait_for(100ms), std::future_status::timeout);
  q.done("a");
  ASSERT_EQ(second.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(second.get(), "a");
  q.done("a");
  EXPECT_EQ(q.len(), 0u);
}

TEST(WorkQueue, DoneWithoutReAddDoesNotRequeue) {
  WorkQueue q("done", exponential_only());
  q.add("a");
  ASSERT_EQ(q.get(), "a");
  q.done("a");
  EXPECT_EQ(q.len(), 0u);
}

TEST(WorkQueue, ShutdownWakesBlockedGetAndIgnoresAdds) {
  WorkQueue q("shutdown", exponential_only());
  auto waiter = std::async(std::launch::async, [&] { return q.get(); });
  std::this_thread::sleep_for(50ms);
  q.shut_down();
  ASSERT_EQ(waiter.wait_for(30s), std::future_status::ready);
  EXPECT_FALSE(waiter.get().has_value());
  q.add("x");
  EXPECT_EQ(q.len(), 0u);
  EXPECT_TRUE(q.shutting_down());
  EXPECT_FALSE(q.get().has_value());
}

TEST(WorkQueue, AddAfterDeliversLaterAndKeepsEarliest) {
  WorkQueue q("delay", exponential_only());
  q.add_after("late", 1h);
  q.add_after("soon", 20ms);
  q.add_after("late", 30ms);  // earlier time wins
  EXPECT_EQ(q.len(), 0u);
  std::set<std::string> got;
  for (int i = 0; i < 2; ++i) {
    auto item = std::async(std::launch::async, [&] { return q.get(); });
    ASSERT_EQ(item.wait_for(30s), std::future_status::ready);
    got.insert(*item.get());
  }
  EXPECT_EQ(got, (std::set<std::string>{"late", "soon"}));
  q.add_after("now", 0ms);
  EXPECT_EQ(q.len(), 1u);
}

TEST(WorkQueue, ItemExponentialBackoff) {
  ItemExponentialFailureRateLimiter limiter(5ms, 1000s);
  EXPECT_EQ(limiter.when("a"), Duration(5ms));
  EXPECT_EQ(limiter.when("a"), Duration(10ms));
  EXPECT_EQ(limiter.when("a"), Duration(20ms));
  EXPECT_EQ(limiter.when("b"), Duration(5ms));
  EXPECT_EQ(limiter.num_requeues("a"), 3);
  for (int i = 0; i < 100; ++i) limiter.when("a");
  EXPECT_EQ(limiter.when("a"), Duration(1000s));
  limiter.forget("a");
  EXPECT_EQ(limiter.num_requeues("a"), 0);
  EXPECT_EQ(limiter.when("a"), Duration(5ms));
}

TEST(WorkQueue, DefaultLimiterCombinesBackoffAndBucket) {
  auto limiter = default_controller_rate_limiter();
  // The bucket allows a burst of 100 without delay; per-item backoff still applies.
  EXPECT_EQ(limiter->when("a"), Duration(5ms));
  EXPECT_EQ(limiter->when("a"), Duration(10ms));
  for (int i = 0; i < 200; ++i) limiter->when("item-" + std::to_string(i));
  // The burst is spent: a fresh item now waits for the bucket rather than 5 ms.
  EXPECT_GT(limiter->when("fresh"), Duration(5ms));
}

TEST(WorkQueue, RateLimitedAddAndForget) {
  WorkQueue q("limited", exponential_only());
  q.add_rate_limited("a");
  EXPECT_EQ(q.num_requeues("a"), 1);
  auto item = std::async(std::launch::async, [&] { return q.get(); });
  ASSERT_EQ(item.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(item.get(), "a");
  q.forget("a");
  EXPECT_EQ(q.num_requeues("a"), 0);
  q.done("a");
}

TEST(WorkQueue, ManyWorkersNeverShareAKey) {
  WorkQueue q("workers", exponential_only());
  std::mutex mu;
  std::set<std::string> in_flight;
  std::atomic<bool> overlap{false};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto item = q.get()) {
        {
          std::lock_guard lock(mu);
          if (!in_flight.insert(*item).second) overlap = true;
        }
        std::this_thread::sleep_for(1ms);
        {
          std::lock_guard lock(mu);
          in_flight.erase(*item);
        }
        ++processed;
        q.done(*item);
      }
    });
  }
  for (int i = 0; i < 500; ++i) q.add("key-" + std::to_string(i % 7));
  // Wait until the queue drains, then stop.
  for (int i = 0; i < 3000 && (q.len() > 0 || processed.load() == 0); ++i) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(50ms);
  q.shut_down();
  for (auto& t : workers) t.join();
  EXPECT_FALSE(overlap);
  EXPECT_GE(processed.load(), 7);
}

TEST(WorkQueue, GetForGivesUpWhenIdleAndStillSeesDelayedItems) {
  WorkQueue q("idle", exponential_only());
  EXPECT_FALSE(q.get_for(20ms).has_value());
  EXPECT_FALSE(q.shutting_down());
  q.add_after("later", 10ms);
  auto item = q.get_for(30s);  // woken by the delayed item, not by the 30 s limit
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(*item, "later");
}

TEST(WorkQueue, DelayedItemWakesAGetterAlreadyWaitingForever) {
  WorkQueue q("sleeper", exponential_only());
  auto waiter = std::async(std::launch::async, [&] { return q.get(); });
  std::this_thread::sleep_for(20ms);  // let it block with nothing due
  q.add_after("x", 10ms);
  ASSERT_EQ(waiter.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(waiter.get(), "x");
}

TEST(WorkQueue, StarvedCallbackOnlyWhenNoGetterIsThereToTakeTheItem) {
  WorkQueue q("starved", exponential_only());
  std::atomic<int> starved{0};
  q.on_starved([&] { ++starved; });
  // The caller of get() promotes the delayed item and takes it itself: not starvation.
  q.add_after("x", 10ms);
  ASSERT_EQ(q.get(), "x");
  EXPECT_EQ(starved.load(), 0);
  q.add("y");  // nobody is waiting
  EXPECT_EQ(starved.load(), 1);
  q.add("y");  // already queued: nothing new to take
  EXPECT_EQ(starved.load(), 1);
  q.done("x");
}
