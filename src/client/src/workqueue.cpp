#include "client/workqueue.h"

#include <algorithm>

namespace k3s::client {

// ---- rate limiters ----------------------------------------------------------------------

ItemExponentialFailureRateLimiter::ItemExponentialFailureRateLimiter(Duration base, Duration max)
    : base_(base), max_(max) {}

Duration ItemExponentialFailureRateLimiter::when(const std::string& item) {
  std::lock_guard lock(mu_);
  const int failures = failures_[item]++;
  // Doubling overflows long before 2^62; cap the exponent and the result.
  if (failures >= 62) return max_;
  const double delay = static_cast<double>(base_.count()) * static_cast<double>(std::uint64_t{1} << failures);
  if (delay >= static_cast<double>(max_.count())) return max_;
  return Duration(static_cast<Duration::rep>(delay));
}

void ItemExponentialFailureRateLimiter::forget(const std::string& item) {
  std::lock_guard lock(mu_);
  failures_.erase(item);
}

int ItemExponentialFailureRateLimiter::num_requeues(const std::string& item) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(item);
  return it == failures_.end() ? 0 : it->second;
}

Duration MaxOfRateLimiter::when(const std::string& item) {
  Duration longest = Duration::zero();
  for (auto& limiter : limiters_) longest = std::max(longest, limiter->when(item));
  return longest;
}

void MaxOfRateLimiter::forget(const std::string& item) {
  for (auto& limiter : limiters_) limiter->forget(item);
}

int MaxOfRateLimiter::num_requeues(const std::string& item) {
  int most = 0;
  for (auto& limiter : limiters_) most = std::max(most, limiter->num_requeues(item));
  return most;
}

std::shared_ptr<RateLimiter> default_controller_rate_limiter() {
  return std::make_shared<MaxOfRateLimiter>(std::vector<std::shared_ptr<RateLimiter>>{
      std::make_shared<ItemExponentialFailureRateLimiter>(std::chrono::milliseconds(5), std::chrono::seconds(1000)),
      std::make_shared<BucketRateLimiter>(10, 100)});
}

// ---- WorkQueue ----------------------------------------------------------------------------

WorkQueue::WorkQueue(std::string name, std::shared_ptr<RateLimiter> limiter)
    : name_(std::move(name)), limiter_(std::move(limiter)) {
  delay_thread_ = std::thread([this] { delay_loop(); });
}

WorkQueue::~WorkQueue() {
  shut_down();
  if (delay_thread_.joinable()) delay_thread_.join();
}

void WorkQueue::add_locked(const std::string& item) {
  if (shutting_down_) return;
  if (!dirty_.insert(item).second) return;  // already queued (or pending re-queue)
  if (processing_.count(item)) return;      // re-queued by done()
  queue_.push_back(item);
  ready_cv_.notify_one();
}

void WorkQueue::add(const std::string& item) {
  std::lock_guard lock(mu_);
  add_locked(item);
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mu_);
  ready_cv_.wait(lock, [&] { return !queue_.empty() || shutting_down_; });
  if (shutting_down_) return std::nullopt;
  std::string item = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(item);
  dirty_.erase(item);
  return item;
}

void WorkQueue::done(const std::string& item) {
  std::lock_guard lock(mu_);
  processing_.erase(item);
  if (dirty_.count(item) && !shutting_down_) {
    queue_.push_back(item);
    ready_cv_.notify_one();
  }
}

void WorkQueue::add_after(const std::string& item, Duration delay) {
  if (delay <= Duration::zero()) {
    add(item);
    return;
  }
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  const auto ready_at = std::chrono::steady_clock::now() + delay;
  auto existing = waiting_.find(item);
  if (existing != waiting_.end()) {
    if (existing->second <= ready_at) return;  // keep the earlier time
    waiting_by_time_.erase({existing->second, item});
    existing->second = ready_at;
  } else {
    waiting_.emplace(item, ready_at);
  }
  waiting_by_time_.insert({ready_at, item});
  delay_cv_.notify_one();
}

void WorkQueue::delay_loop() {
  std::unique_lock lock(mu_);
  while (!shutting_down_) {
    if (waiting_by_time_.empty()) {
      delay_cv_.wait(lock);
      continue;
    }
    auto first = waiting_by_time_.begin();
    const auto now = std::chrono::steady_clock::now();
    if (first->first > now) {
      delay_cv_.wait_until(lock, first->first);
      continue;
    }
    std::string item = first->second;
    waiting_by_time_.erase(first);
    waiting_.erase(item);
    add_locked(item);
  }
}

void WorkQueue::add_rate_limited(const std::string& item) { add_after(item, limiter_->when(item)); }

void WorkQueue::forget(const std::string& item) { limiter_->forget(item); }

int WorkQueue::num_requeues(const std::string& item) { return limiter_->num_requeues(item); }

std::size_t WorkQueue::len() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkQueue::shut_down() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  ready_cv_.notify_all();
  delay_cv_.notify_all();
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mu_);
  return shutting_down_;
}

}  // namespace k3s::client
