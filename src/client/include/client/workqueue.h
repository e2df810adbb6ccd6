// Controller work queues with client-go's semantics:
//  - a key queued several times is handed out once (deduplication);
//  - a key being processed is not handed to a second worker; if it is added meanwhile it
//    is queued again when the first worker calls done();
//  - add_after() delays an add; add_rate_limited() delays by the rate limiter (per-item
//    exponential backoff combined with an overall token bucket); forget() resets the
//    item's backoff;
//  - shut_down() wakes every get() (which then returns nullopt) and ignores new adds.
// Delayed adds are moved into the queue by the workers waiting in get(), not by a thread of
// the queue's own: a controller manager runs dozens of queues, and a thread each is memory
// an edge node does not have to spare.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "client/rate_limit.h"

namespace k3s::client {

using Duration = std::chrono::steady_clock::duration;

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // How long to wait before the item may be processed again (counts a failure).
  virtual Duration when(const std::string& item) = 0;
  // Forgets the item's failures.
  virtual void forget(const std::string& item) = 0;
  virtual int num_requeues(const std::string& item) = 0;
};

// base * 2^failures, capped at max (client-go: 5 ms doubling to 1000 s).
class ItemExponentialFailureRateLimiter : public RateLimiter {
 public:
  ItemExponentialFailureRateLimiter(Duration base = std::chrono::milliseconds(5),
                                    Duration max = std::chrono::seconds(1000));
  Duration when(const std::string& item) override;
  void forget(const std::string& item) override;
  int num_requeues(const std::string& item) override;

 private:
  std::mutex mu_;
  Duration base_, max_;
  std::unordered_map<std::string, int> failures_;
};

// An overall token bucket: items wait for their reserved token (client-go: 10 qps, burst 100).
class BucketRateLimiter : public RateLimiter {
 public:
  BucketRateLimiter(double qps = 10, int burst = 100) : bucket_(qps, burst) {}
  Duration when(const std::string&) override { return bucket_.reserve(); }
  void forget(const std::string&) override {}
  int num_requeues(const std::string&) override { return 0; }

 private:
  TokenBucket bucket_;
};

// The longest delay of several limiters.
class MaxOfRateLimiter : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::shared_ptr<RateLimiter>> limiters) : limiters_(std::move(limiters)) {}
  Duration when(const std::string& item) override;
  void forget(const std::string& item) override;
  int num_requeues(const std::string& item) override;

 private:
  std::vector<std::shared_ptr<RateLimiter>> limiters_;
};

// client-go's DefaultControllerRateLimiter: max(exponential 5ms..1000s, bucket 10 qps / 100).
std::shared_ptr<RateLimiter> default_controller_rate_limiter();

class WorkQueue {
 public:
  explicit WorkQueue(std::string name = {}, std::shared_ptr<RateLimiter> limiter = default_controller_rate_limiter());
  ~WorkQueue();  // shuts down
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void add(const std::string& item);
  // Blocks until an item is available; nullopt once shut down (after draining nothing:
  // queued items are dropped, as client-go's ShutDown does).
  std::optional<std::string> get();
  // As get(), but gives up after `idle` without an item: nullopt then, too (check
  // shutting_down() to tell the two apart).
  std::optional<std::string> get_for(Duration idle);
  // Marks the item processed; re-queues it if it was added while being processed.
  void done(const std::string& item);

  // Adds after `delay` (immediately when <= 0). Repeated delays keep the earliest time.
  void add_after(const std::string& item, Duration delay);
  void add_rate_limited(const std::string& item);
  void forget(const std::string& item);
  int num_requeues(const std::string& item);

  std::size_t len();  // queued (not processing, not waiting), delayed items now due included
  // Called, under the queue's lock, whenever more items are queued than get() callers wait
  // for them: the owner may start another worker. It must not call back into the queue.
  void on_starved(std::function<void()> callback);
  void shut_down();
  bool shutting_down() const;
  const std::string& name() const { return name_; }

 private:
  void add_locked(const std::string& item);
  // Moves delayed items whose time has come into the queue; returns the next ready time.
  std::optional<std::chrono::steady_clock::time_point> promote_due_locked();
  std::optional<std::string> take(std::optional<std::chrono::steady_clock::time_point> give_up_at);
  void notify_locked();

  std::string name_;
  std::shared_ptr<RateLimiter> limiter_;

  mutable std::mutex mu_;
  std::condition_variable ready_cv_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;       // queued or to be re-queued
  std::unordered_set<std::string> processing_;  // handed out, not done yet
  bool shutting_down_ = false;
  int waiting_getters_ = 0;
  std::function<void()> on_starved_;

  // Delayed adds: ready time per item, and a time-ordered index.
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> waiting_;
  std::set<std::pair<std::chrono::steady_clock::time_point, std::string>> waiting_by_time_;
};

}  // namespace k3s::client
