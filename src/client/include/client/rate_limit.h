// A token bucket: `qps` tokens per second refilled up to `burst`. Used for the client-side
// request limit and the overall limit of work queues.
#pragma once

#include <chrono>
#include <mutex>

namespace k3s::client {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // qps <= 0 makes the bucket unlimited.
  TokenBucket(double qps, int burst);

  // Takes a token if one is available now.
  bool try_accept();
  // Reserves the next token and returns how long the caller must wait before using it
  // (zero when one was available).
  Clock::duration reserve();
  // Blocks until a token is available.
  void accept();

  double qps() const { return qps_; }
  int burst() const { return burst_; }

 private:
  void refill(Clock::time_point now);

  std::mutex mu_;
  double qps_;
  int burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace k3s::client
