#include "client/rate_limit.h"

#include <algorithm>
#include <thread>

namespace k3s::client {

TokenBucket::TokenBucket(double qps, int burst)
    : qps_(qps), burst_(std::max(1, burst)), tokens_(std::max(1, burst)), last_(Clock::now()) {}

void TokenBucket::refill(Clock::time_point now) {
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min<double>(burst_, tokens_ + elapsed * qps_);
}

bool TokenBucket::try_accept() {
  if (qps_ <= 0) return true;
  std::lock_guard lock(mu_);
  refill(Clock::now());
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

TokenBucket::Clock::duration TokenBucket::reserve() {
  if (qps_ <= 0) return Clock::duration::zero();
  std::lock_guard lock(mu_);
  refill(Clock::now());
  tokens_ -= 1;  // may go negative: later callers queue behind this reservation
  if (tokens_ >= 0) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-tokens_ / qps_));
}

void TokenBucket::accept() {
  auto wait = reserve();
  if (wait > Clock::duration::zero()) std::this_thread::sleep_for(wait);
}

}  // namespace k3s::client
