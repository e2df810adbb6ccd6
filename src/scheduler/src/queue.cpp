#include "queue.h"

#include <algorithm>

namespace k3s::scheduler {

// ---- events ------------------------------------------------------------------------

ClusterEvent ClusterEvent::node_added() { return {"NodeAdd", {}}; }

ClusterEvent ClusterEvent::node_changed(const NodeChange& change) {
  if (change.added) return node_added();
  ClusterEvent e{"NodeUpdate", {}};
  if (change.labels) {
    for (const char* p : {"NodeAffinity", "PodTopologySpread", "InterPodAffinity", "VolumeBinding"}) e.plugins.push_back(p);
  }
  if (change.taints) {
    e.plugins.push_back("TaintToleration");
    e.plugins.push_back("PodTopologySpread");
  }
  if (change.allocatable) e.plugins.push_back("NodeResourcesFit");
  if (change.unschedulable) e.plugins.push_back("NodeUnschedulable");
  if (change.ready) e.plugins.push_back("NodeReady");
  if (e.plugins.empty()) e.label = "NodeUpdate(irrelevant)";
  return e;
}

ClusterEvent ClusterEvent::assigned_pod_added() { return {"AssignedPodAdd", {"InterPodAffinity", "PodTopologySpread"}}; }
ClusterEvent ClusterEvent::assigned_pod_updated() {
  return {"AssignedPodUpdate", {"InterPodAffinity", "PodTopologySpread", "NodeResourcesFit"}};
}
ClusterEvent ClusterEvent::assigned_pod_deleted() {
  return {"AssignedPodDelete",
          {"NodeResourcesFit", "NodePorts", "InterPodAffinity", "PodTopologySpread", "DefaultPreemption"}};
}
ClusterEvent ClusterEvent::volume_changed() { return {"VolumeChange", {"VolumeBinding"}}; }
ClusterEvent ClusterEvent::namespace_changed() { return {"NamespaceChange", {"InterPodAffinity"}}; }

// ---- queue -------------------------------------------------------------------------

SchedulingQueue::SchedulingQueue(QueueOptions options, Now now) : options_(options), now_(std::move(now)) {}

Clock::duration SchedulingQueue::backoff_duration(int attempts) const {
  Clock::duration d = options_.initial_backoff;
  for (int i = 1; i < attempts; ++i) {
    d *= 2;
    if (d >= options_.max_backoff) return options_.max_backoff;
  }
  return std::min(d, options_.max_backoff);
}

Clock::time_point SchedulingQueue::backoff_expiry(const QueuedPod& pod) const {
  return pod.timestamp + backoff_duration(std::max(pod.attempts, 1));
}

void SchedulingQueue::push_active_locked(QueuedPod pod) {
  ActiveKey key{-static_cast<std::int64_t>(pod.pod->priority), pod.timestamp, ++seq_};
  active_index_[pod.pod->uid] = key;
  active_.emplace(key, std::move(pod));
  cv_.notify_one();
}

void SchedulingQueue::push_backoff_locked(QueuedPod pod) {
  std::string uid = pod.pod->uid;
  backoff_order_.emplace(backoff_expiry(pod), uid);
  backoff_[uid] = std::move(pod);
  cv_.notify_one();
}

void SchedulingQueue::move_to_active_or_backoff_locked(QueuedPod pod) {
  if (pod.attempts > 0 && backoff_expiry(pod) > now_()) {
    push_backoff_locked(std::move(pod));
  } else {
    push_active_locked(std::move(pod));
  }
}

bool SchedulingQueue::remove_locked(const std::string& uid) {
  if (auto it = active_index_.find(uid); it != active_index_.end()) {
    active_.erase(it->second);
    active_index_.erase(it);
    return true;
  }
  if (backoff_.erase(uid)) {
    for (auto it = backoff_order_.begin(); it != backoff_order_.end(); ++it) {
      if (it->second == uid) {
        backoff_order_.erase(it);
        break;
      }
    }
    return true;
  }
  return unschedulable_.erase(uid) > 0;
}

void SchedulingQueue::add(PodInfoPtr pod) {
  std::lock_guard lock(mu_);
  if (in_flight_.count(pod->uid)) {
    in_flight_[pod->uid] = pod;
    return;
  }
  remove_locked(pod->uid);
  QueuedPod q;
  q.pod = std::move(pod);
  q.timestamp = now_();
  push_active_locked(std::move(q));
}

void SchedulingQueue::update(PodInfoPtr pod) {
  std::lock_guard lock(mu_);
  const std::string uid = pod->uid;
  if (auto it = in_flight_.find(uid); it != in_flight_.end()) {
    it->second = std::move(pod);
    return;
  }
  if (auto it = active_index_.find(uid); it != active_index_.end()) {
    active_.at(it->second).pod = std::move(pod);
    return;
  }
  if (auto it = backoff_.find(uid); it != backoff_.end()) {
    it->second.pod = std::move(pod);
    return;
  }
  if (auto it = unschedulable_.find(uid); it != unschedulable_.end()) {
    QueuedPod q = std::move(it->second);
    unschedulable_.erase(it);
    q.pod = std::move(pod);
    move_to_active_or_backoff_locked(std::move(q));
    return;
  }
  QueuedPod q;
  q.pod = std::move(pod);
  q.timestamp = now_();
  push_active_locked(std::move(q));
}

void SchedulingQueue::remove(const std::string& uid) {
  std::lock_guard lock(mu_);
  remove_locked(uid);
  in_flight_.erase(uid);
}

bool SchedulingQueue::contains(const std::string& uid) const {
  std::lock_guard lock(mu_);
  return active_index_.count(uid) || backoff_.count(uid) || unschedulable_.count(uid) || in_flight_.count(uid);
}

std::optional<QueuedPod> SchedulingQueue::pop_active_locked() {
  if (active_.empty()) return std::nullopt;
  auto it = active_.begin();
  QueuedPod q = std::move(it->second);
  active_index_.erase(q.pod->uid);
  active_.erase(it);
  q.attempts++;
  q.cycle = ++cycle_;
  if (q.attempts == 1) q.initial_attempt = now_();
  in_flight_[q.pod->uid] = q.pod;
  return q;
}

std::optional<QueuedPod> SchedulingQueue::pop() {
  std::unique_lock lock(mu_);
  while (!closed_) {
    flush_locked(now_());
    if (auto q = pop_active_locked()) return q;
    auto wait = std::chrono::milliseconds(1000);
    if (!backoff_order_.empty()) {
      auto until = backoff_order_.begin()->first - now_();
      wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(until), std::chrono::milliseconds(1), wait);
    }
    cv_.wait_for(lock, wait);
  }
  return std::nullopt;
}

std::optional<QueuedPod> SchedulingQueue::try_pop() {
  std::lock_guard lock(mu_);
  flush_locked(now_());
  return pop_active_locked();
}

void SchedulingQueue::add_unschedulable(QueuedPod pod) {
  std::lock_guard lock(mu_);
  auto fl = in_flight_.find(pod.pod->uid);
  if (fl == in_flight_.end()) return;  // deleted while it was being scheduled
  if (fl->second) pod.pod = fl->second;  // the newest version seen meanwhile
  in_flight_.erase(fl);
  pod.timestamp = now_();
  if (move_request_cycle_ >= pod.cycle) {
    // Something changed while it was being tried: the verdict may be stale.
    push_backoff_locked(std::move(pod));
  } else {
    unschedulable_[pod.pod->uid] = std::move(pod);
  }
}

void SchedulingQueue::add_backoff(QueuedPod pod) {
  std::lock_guard lock(mu_);
  auto fl = in_flight_.find(pod.pod->uid);
  if (fl == in_flight_.end()) return;
  if (fl->second) pod.pod = fl->second;
  in_flight_.erase(fl);
  pod.timestamp = now_();
  push_backoff_locked(std::move(pod));
}

void SchedulingQueue::done(const std::string& uid) {
  std::lock_guard lock(mu_);
  in_flight_.erase(uid);
}

void SchedulingQueue::on_event(const ClusterEvent& event) {
  std::lock_guard lock(mu_);
  if (!event.plugins.empty() && event.label.find("irrelevant") != std::string::npos) return;
  move_request_cycle_ = cycle_;
  std::vector<std::string> moving;
  for (const auto& [uid, q] : unschedulable_) {
    bool helps = event.plugins.empty() || q.rejecting_plugins.empty() ||
                 std::any_of(event.plugins.begin(), event.plugins.end(),
                             [&](const std::string& p) { return q.rejecting_plugins.count(p) > 0; });
    if (helps) moving.push_back(uid);
  }
  for (const auto& uid : moving) {
    QueuedPod q = std::move(unschedulable_.at(uid));
    unschedulable_.erase(uid);
    move_to_active_or_backoff_locked(std::move(q));
  }
}

void SchedulingQueue::flush_locked(Clock::time_point now) {
  while (!backoff_order_.empty() && backoff_order_.begin()->first <= now) {
    std::string uid = backoff_order_.begin()->second;
    backoff_order_.erase(backoff_order_.begin());
    auto it = backoff_.find(uid);
    if (it == backoff_.end()) continue;
    QueuedPod q = std::move(it->second);
    backoff_.erase(it);
    push_active_locked(std::move(q));
  }
  // Scanning for leftovers is O(unschedulable pods): do it every 30 s at most, as kube does.
  if (now - last_leftover_flush_ < std::min<Clock::duration>(std::chrono::seconds(30), options_.unschedulable_timeout)) {
    return;
  }
  last_leftover_flush_ = now;
  std::vector<std::string> stale;
  for (const auto& [uid, q] : unschedulable_) {
    if (now - q.timestamp >= options_.unschedulable_timeout) stale.push_back(uid);
  }
  for (const auto& uid : stale) {
    QueuedPod q = std::move(unschedulable_.at(uid));
    unschedulable_.erase(uid);
    move_to_active_or_backoff_locked(std::move(q));
  }
}

void SchedulingQueue::flush() {
  std::lock_guard lock(mu_);
  flush_locked(now_());
}

void SchedulingQueue::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

std::size_t SchedulingQueue::active_size() const {
  std::lock_guard lock(mu_);
  return active_.size();
}
std::size_t SchedulingQueue::backoff_size() const {
  std::lock_guard lock(mu_);
  return backoff_.size();
}
std::size_t SchedulingQueue::unschedulable_size() const {
  std::lock_guard lock(mu_);
  return unschedulable_.size();
}

std::vector<QueuedPod> SchedulingQueue::unschedulable_pods() const {
  std::lock_guard lock(mu_);
  std::vector<QueuedPod> out;
  for (const auto& [uid, q] : unschedulable_) out.push_back(q);
  return out;
}

}  // namespace k3s::scheduler
