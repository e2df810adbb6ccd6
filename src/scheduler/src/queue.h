// kube-scheduler's scheduling queue: an active queue ordered by priority then arrival, a
// backoff queue (1 s doubling to 10 s per failed attempt), and an unschedulable set that
// pods leave only when a cluster event that can help them happens, or after 5 minutes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "node_info.h"
#include "pod_info.h"

namespace k3s::scheduler {

using Clock = std::chrono::steady_clock;

struct QueueOptions {
  Clock::duration initial_backoff = std::chrono::seconds(1);
  Clock::duration max_backoff = std::chrono::seconds(10);
  Clock::duration unschedulable_timeout = std::chrono::minutes(5);
};

struct QueuedPod {
  PodInfoPtr pod;
  int attempts = 0;
  Clock::time_point timestamp{};        // when it last entered a queue
  Clock::time_point initial_attempt{};  // first pop
  std::set<std::string> rejecting_plugins;  // from its last failed attempt
  std::uint64_t cycle = 0;              // scheduling cycle of its last pop
};

// A change in the cluster and the plugins whose verdict it may change. An empty plugin
// list means "anything may have changed".
struct ClusterEvent {
  std::string label;
  std::vector<std::string> plugins;

  static ClusterEvent node_added();
  static ClusterEvent node_changed(const NodeChange& change);
  static ClusterEvent assigned_pod_added();
  static ClusterEvent assigned_pod_updated();
  static ClusterEvent assigned_pod_deleted();
  static ClusterEvent volume_changed();
  static ClusterEvent namespace_changed();
};

class SchedulingQueue {
 public:
  using Now = std::function<Clock::time_point()>;
  explicit SchedulingQueue(QueueOptions options = {}, Now now = [] { return Clock::now(); });

  // A new pending pod goes straight to the active queue.
  void add(PodInfoPtr pod);
  // A pending pod changed. In the unschedulable set a change may make it schedulable, so
  // it is moved on (to backoff if its backoff has not expired).
  void update(PodInfoPtr pod);
  void remove(const std::string& uid);
  bool contains(const std::string& uid) const;

  // Blocks until a pod is active (moving expired backoffs and leftover unschedulable pods
  // on the way) or close() is called.
  std::optional<QueuedPod> pop();
  // Non-blocking pop after a flush.
  std::optional<QueuedPod> try_pop();

  // The pod failed its attempt. If a cluster event arrived since it was popped, it goes
  // to backoff rather than waiting for another event.
  void add_unschedulable(QueuedPod pod);
  // Retry after an error (not a scheduling verdict): backoff.
  void add_backoff(QueuedPod pod);
  // The popped pod was scheduled (assumed onto a node): it leaves the queue for good.
  void done(const std::string& uid);

  void on_event(const ClusterEvent& event);
  // Moves expired backoffs to active and pods unschedulable for longer than the timeout.
  void flush();
  void close();

  std::size_t active_size() const;
  std::size_t backoff_size() const;
  std::size_t unschedulable_size() const;
  // The pods waiting for an event, with what rejected them (for tests and diagnostics).
  std::vector<QueuedPod> unschedulable_pods() const;
  Clock::duration backoff_duration(int attempts) const;

 private:
  using ActiveKey = std::tuple<std::int64_t, Clock::time_point, std::uint64_t>;  // -priority, time, seq

  void push_active_locked(QueuedPod pod);
  void push_backoff_locked(QueuedPod pod);
  void move_to_active_or_backoff_locked(QueuedPod pod);
  void flush_locked(Clock::time_point now);
  bool remove_locked(const std::string& uid);
  std::optional<QueuedPod> pop_active_locked();
  Clock::time_point backoff_expiry(const QueuedPod& pod) const;

  QueueOptions options_;
  Now now_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;
  std::uint64_t seq_ = 0;
  std::uint64_t cycle_ = 0;
  std::uint64_t move_request_cycle_ = 0;
  Clock::time_point last_leftover_flush_{};

  std::map<ActiveKey, QueuedPod> active_;
  std::unordered_map<std::string, ActiveKey> active_index_;
  std::multimap<Clock::time_point, std::string> backoff_order_;
  std::unordered_map<std::string, QueuedPod> backoff_;
  std::unordered_map<std::string, QueuedPod> unschedulable_;
  // Popped and not yet back: updates for them are remembered for when they return.
  std::unordered_map<std::string, PodInfoPtr> in_flight_;
};

}  // namespace k3s::scheduler
