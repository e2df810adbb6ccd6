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
    : name_(std::move(name)), limiter_(std::move(limiter)) {}

WorkQueue::~WorkQueue() { shut_down(); }

void WorkQueue::notify_locked() {
  ready_cv_.notify_one();
  if (on_starved_ && queue_.size() > static_cast<std::size_t>(waiting_getters_)) on_starved_();
}

void WorkQueue::add_locked(const std::string& item) {
  if (shutting_down_) return;
  if (!dirty_.insert(item).second) return;  // already queued (or pending re-queue)
  if (processing_.count(item)) return;      // re-queued by done()
  queue_.push_back(item);
  notify_locked();
}

void WorkQueue::add(const std::string& item) {
  std::lock_guard lock(mu_);
  add_locked(item);
}

std::optional<std::chrono::steady_clock::time_point> WorkQueue::promote_due_locked() {
  const auto now = std::chrono::steady_clock::now();
  while (!waiting_by_time_.empty()) {
    auto first = waiting_by_time_.begin();
    if (first->first > now) return first->first;
    std::string item = first->second;
    waiting_by_time_.erase(first);
    waiting_.erase(item);
    add_locked(item);
  }
  return std::nullopt;
}

std::optional<std::string> WorkQueue::take(std::optional<std::chrono::steady_clock::time_point> give_up_at) {
  std::unique_lock lock(mu_);
  // Counted from the start: the item this caller promotes is one it takes itself, so it
  // must not look like starvation.
  ++waiting_getters_;
  struct Leave {
    int& getters;
    ~Leave() { --getters; }
  } leave{waiting_getters_};
  for (;;) {
    if (shutting_down_) return std::nullopt;
    auto wake_at = promote_due_locked();
    if (!queue_.empty()) break;
    if (give_up_at) {
      if (std::chrono::steady_clock::now() >= *give_up_at) return std::nullopt;
      if (!wake_at || *give_up_at < *wake_at) wake_at = give_up_at;
    }
    if (wake_at)
      ready_cv_.wait_until(lock, *wake_at);
    else
      ready_cv_.wait(lock);
  }
  std::string item = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(item);
  dirty_.erase(item);
  return item;
}

std::optional<std::string> WorkQueue::get() { return take(std::nullopt); }

std::optional<std::string> WorkQueue::get_for(Duration idle) { return take(std::chrono::steady_clock::now() + idle); }

void WorkQueue::done(const std::string& item) {
  std::lock_guard lock(mu_);
  processing_.erase(item);
  if (dirty_.count(item) && !shutting_down_) {
    queue_.push_back(item);
    notify_locked();
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
  // A waiting getter may be asleep until a later time (or for good): let every one of
  // them recompute when to wake.
  ready_cv_.notify_all();
}

void WorkQueue::add_rate_limited(const std::string& item) { add_after(item, limiter_->when(item)); }

void WorkQueue::forget(const std::string& item) { limiter_->forget(item); }

int WorkQueue::num_requeues(const std::string& item) { return limiter_->num_requeues(item); }

std::size_t WorkQueue::len() {
  std::lock_guard lock(mu_);
  promote_due_locked();
  return queue_.size();
}

void WorkQueue::on_starved(std::function<void()> callback) {
  std::lock_guard lock(mu_);
  on_starved_ = std::move(callback);
}

void WorkQueue::shut_down() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  ready_cv_.notify_all();
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mu_);
  return shutting_down_;
}

}  // namespace k3s::client
