// A watch callback for store tests that collects the batches it is handed and lets the test
// wait for them.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "kine/store.h"

namespace k3s::kine::testing {

// Generous: a bound on waiting for something that must happen, never a performance check.
inline constexpr std::chrono::seconds kWatchPatience{30};

class Collector {
 public:
  WatchCallback callback() {
    return [this](WatchBatch batch) {
      std::lock_guard lock(mutex_);
      batches_.push_back(std::move(batch));
      cv_.notify_all();
    };
  }
  // Waits until pred(batches) holds; returns whether it did.
  bool wait(const std::function<bool(const std::vector<WatchBatch>&)>& pred) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, kWatchPatience, [&] { return pred(batches_); });
  }
  bool wait_events(std::size_t n) {
    return wait([n](const auto& batches) { return count_events(batches) >= n; });
  }
  std::vector<Event> events() {
    std::lock_guard lock(mutex_);
    std::vector<Event> out;
    for (const auto& b : batches_)
      for (const auto& e : b.events) out.push_back(e);
    return out;
  }
  // Waits for at least `count` batches (a test failure when they do not come); returns all so far.
  std::vector<WatchBatch> wait_for(std::size_t count) {
    std::unique_lock lock(mutex_);
    EXPECT_TRUE(cv_.wait_for(lock, kWatchPatience, [&] { return batches_.size() >= count; }))
        << "got " << batches_.size() << " of " << count << " batches";
    return batches_;
  }
  std::vector<WatchBatch> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  static std::size_t count_events(const std::vector<WatchBatch>& batches) {
    std::size_t n = 0;
    for (const auto& b : batches) n += b.events.size();
    return n;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<WatchBatch> batches_;
};

}  // namespace k3s::kine::testing
