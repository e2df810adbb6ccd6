// Collects per-operation latencies from many threads and summarises them.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace k3s::bench {

class LatencyRecorder {
 public:
  void add(std::chrono::nanoseconds latency) {
    std::lock_guard lock(mutex_);
    samples_.push_back(latency.count());
  }
  void add_all(const std::vector<int64_t>& nanos) {
    std::lock_guard lock(mutex_);
    samples_.insert(samples_.end(), nanos.begin(), nanos.end());
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return samples_.size();
  }
  // q in [0,1]; milliseconds.
  double quantile_ms(double q) {
    std::lock_guard lock(mutex_);
    if (samples_.empty()) return 0;
    std::sort(samples_.begin(), samples_.end());
    std::size_t index = std::min(samples_.size() - 1, static_cast<std::size_t>(q * samples_.size()));
    return samples_[index] / 1e6;
  }

 private:
  std::mutex mutex_;
  std::vector<int64_t> samples_;
};

}  // namespace k3s::bench
