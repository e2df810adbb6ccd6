// Turns the kine table into one ordered stream of events with no gaps and no duplicates.
// Our own commits arrive directly from the writer (with exact prev_kv); everything else
// (other servers sharing the database) is found by polling rows with id > the last one
// seen, woken early by PostgreSQL NOTIFY. Databases may expose ids out of order (a slower
// transaction holding a lower id); such a hole is waited for briefly and then filled with
// a "gap-<id>" tombstone row carrying that id, which either succeeds (the id was never
// going to commit) or blocks until, and fails because, the real row committed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "log/mutations.h"
#include "sql/driver.h"

namespace k3s::kine::log {

class ChangeFeed {
 public:
  using Publish = std::function<void(std::vector<Event>&& events, int64_t revision)>;
  using CompactObserver = std::function<void(int64_t compact_revision)>;

  ChangeFeed(sql::Driver& driver, int64_t start_after, std::chrono::milliseconds poll_interval, Publish publish,
             CompactObserver on_compact_revision);
  ~ChangeFeed();

  void on_committed(std::vector<CommittedEvent>&& events);
  int64_t last_revision() const { return last_.load(); }
  void wake();
  void stop();

 private:
  void poll_loop();
  void listen_loop();
  // Returns true when it should be called again soon (a hole is being waited for).
  bool poll_once();
  void drain_known_locked(std::vector<Event>& batch);
  void fill_gap(int64_t from, int64_t to);

  sql::Driver& driver_;
  std::chrono::milliseconds poll_interval_;
  Publish publish_;
  CompactObserver on_compact_revision_;
  std::unique_ptr<sql::Connection> conn_;

  std::mutex mutex_;  // guards known_, gap_since_, and serialises publishing
  std::atomic<int64_t> last_;
  std::map<int64_t, Event> known_;
  std::chrono::steady_clock::time_point gap_since_{};
  int64_t gap_at_ = -1;

  std::mutex wake_mutex_;
  std::condition_variable wake_cv_;
  bool woken_ = false;
  std::atomic<bool> stopping_{false};
  bool reported_outage_ = false;
  std::thread poll_thread_;
  std::thread listen_thread_;
};

}  // namespace k3s::kine::log
