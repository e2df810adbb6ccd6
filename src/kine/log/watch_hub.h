// Fans the ordered event stream out to watchers. Each watcher has its own queue, drained
// by one delivery thread that calls callbacks without holding the hub lock, so a slow or
// re-entrant callback (cancelling a watch, even its own) never stalls or deadlocks the
// writer. A watcher starting in the past is served from a ring of recent events or, when
// older, from the table, while live events for it are held back until history is out.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "kine/store.h"
#include "log/reads.h"

namespace k3s::kine::log {

class WatchHub : public std::enable_shared_from_this<WatchHub> {
 public:
  // Events (with prev_kv) of `range` with from <= revision <= to, in revision order.
  using HistoryReader = std::function<std::vector<Event>(const KeyRange& range, int64_t from, int64_t to)>;
  using CompactRevision = std::function<int64_t()>;

  WatchHub(int64_t start_revision, HistoryReader read_history, CompactRevision compact_revision,
           std::chrono::milliseconds progress_interval);
  ~WatchHub();

  void publish(std::vector<Event>&& events, int64_t revision);
  std::unique_ptr<Watch> watch(const WatchRequest& req, WatchCallback callback);
  int64_t revision();
  // Ends every watch with a canceled batch and stops delivering.
  void shutdown(const std::string& reason);

 private:
  struct Watcher;
  class Handle;

  void enqueue_locked(const std::shared_ptr<Watcher>& w, WatchBatch batch);
  void cancel(const std::shared_ptr<Watcher>& w);
  void request_progress(const std::shared_ptr<Watcher>& w);
  void delivery_loop();
  void periodic_progress_locked(std::chrono::steady_clock::time_point now);
  static bool wants(const Watcher& w, const Event& event);
  static std::vector<Event> filtered(const Watcher& w, const std::vector<Event>& events);

  HistoryReader read_history_;
  CompactRevision compact_revision_;
  std::chrono::milliseconds progress_interval_;

  std::mutex mutex_;
  std::condition_variable ready_cv_;
  std::condition_variable delivered_cv_;
  int64_t revision_;
  std::deque<Event> recent_;
  int64_t recent_base_;  // every event after this revision (up to revision_) is in recent_
  // Keyed by (group, id): publishing walks a group's watchers together.
  std::map<std::pair<uint64_t, int64_t>, std::shared_ptr<Watcher>> watchers_;
  std::deque<std::shared_ptr<Watcher>> ready_;
  std::shared_ptr<Watcher> delivering_;
  int64_t next_id_ = 1;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point last_progress_tick_;
  std::thread delivery_thread_;
};

}  // namespace k3s::kine::log
