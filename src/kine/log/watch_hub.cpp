#include "log/watch_hub.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>

namespace k3s::kine::log {
namespace {

constexpr std::size_t kRecentEvents = 20000;
constexpr std::size_t kHistoryBatch = 1000;
constexpr std::size_t kMaxPass = 256;

}  // namespace

struct WatchHub::Watcher {
  int64_t id = 0;
  WatchRequest req;
  KeyRange range;
  WatchCallback callback;
  int64_t start_revision = 0;  // live events below this are not for us
  bool catching_up = false;
  std::vector<Event> held;  // live events arriving while history is being read
  int64_t held_revision = 0;
  bool progress_wanted = false;
  bool scheduled = false;
  bool finished = false;  // no more batches after what is queued
  std::vector<WatchBatch> queue;
  std::atomic<bool> cancelled{false};
  std::chrono::steady_clock::time_point last_sent = std::chrono::steady_clock::now();
};

class WatchHub::Handle : public Watch {
 public:
  Handle(std::shared_ptr<WatchHub> hub, std::shared_ptr<Watcher> watcher)
      : hub_(std::move(hub)), watcher_(std::move(watcher)) {}
  ~Handle() override { cancel(); }
  int64_t id() const override { return watcher_->id; }
  void cancel() override { hub_->cancel(watcher_); }
  void request_progress() override { hub_->request_progress(watcher_); }

 private:
  // Shared so a Watch outliving its Store stays safe to cancel.
  std::shared_ptr<WatchHub> hub_;
  std::shared_ptr<Watcher> watcher_;
};

WatchHub::WatchHub(int64_t start_revision, HistoryReader read_history, CompactRevision compact_revision,
                   std::chrono::milliseconds progress_interval)
    : read_history_(std::move(read_history)),
      compact_revision_(std::move(compact_revision)),
      progress_interval_(progress_interval),
      revision_(start_revision),
      recent_base_(start_revision),
      last_progress_tick_(std::chrono::steady_clock::now()) {
  delivery_thread_ = std::thread([this] { delivery_loop(); });
}

WatchHub::~WatchHub() { shutdown("kine: store closed"); }

int64_t WatchHub::revision() {
  std::lock_guard lock(mutex_);
  return revision_;
}

bool WatchHub::wants(const Watcher& w, const Event& event) {
  if (event.kv.mod_revision < w.start_revision) return false;
  if (!w.range.contains(event.kv.key)) return false;
  if (event.type == Event::Type::put && w.req.filter_put) return false;
  if (event.type == Event::Type::del && w.req.filter_delete) return false;
  return true;
}

std::vector<Event> WatchHub::filtered(const Watcher& w, const std::vector<Event>& events) {
  std::vector<Event> out;
  for (const auto& event : events) {
    if (!wants(w, event)) continue;
    if (w.req.prev_kv) {
      out.push_back(event);
    } else {
      // Copying the previous value only to drop it would double the work per watcher.
      Event& copy = out.emplace_back();
      copy.type = event.type;
      copy.kv = event.kv;
    }
  }
  return out;
}

void WatchHub::enqueue_locked(const std::shared_ptr<Watcher>& w, WatchBatch batch) {
  if (w->cancelled) return;
  w->queue.push_back(std::move(batch));
  if (!w->scheduled) {
    w->scheduled = true;
    ready_.push_back(w);
    ready_cv_.notify_one();
  }
}

void WatchHub::publish(std::vector<Event>&& events, int64_t revision) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  revision_ = std::max(revision_, revision);
  // Watchers that take every event of this publish share one immutable list (one per
  // form: as published, and without prev_kv for those that did not ask for it); only a
  // watcher taking some of the events gets a list of its own.
  auto published = std::make_shared<const std::vector<Event>>(std::move(events));
  bool any_prev = std::any_of(published->begin(), published->end(), [](const Event& e) { return e.prev_kv.has_value(); });
  std::shared_ptr<const std::vector<Event>> without_prev;  // built on first use
  for (const auto& [id, w] : watchers_) {
    if (w->catching_up) {
      for (auto& e : filtered(*w, *published)) w->held.push_back(std::move(e));
      w->held_revision = revision;
      continue;
    }
    std::size_t wanted = 0;
    for (const auto& event : *published) wanted += wants(*w, event) ? 1 : 0;
    if (wanted == 0) continue;
    WatchBatch batch;
    batch.revision = revision;
    if (wanted < published->size()) {
      batch.events = filtered(*w, *published);
    } else if (w->req.prev_kv || !any_prev) {
      batch.events = EventList(published);
    } else {
      if (!without_prev) {
        std::vector<Event> stripped;
        stripped.reserve(published->size());
        for (const auto& event : *published) {
          Event& copy = stripped.emplace_back();
          copy.type = event.type;
          copy.kv = event.kv;
        }
        without_prev = std::make_shared<const std::vector<Event>>(std::move(stripped));
      }
      batch.events = EventList(without_prev);
    }
    enqueue_locked(w, std::move(batch));
  }
  for (const auto& event : *published) recent_.push_back(event);
  while (recent_.size() > kRecentEvents) {
    recent_base_ = recent_.front().kv.mod_revision;
    recent_.pop_front();
  }
}

std::unique_ptr<Watch> WatchHub::watch(const WatchRequest& req, WatchCallback callback) {
  check_key(req.key);
  auto w = std::make_shared<Watcher>();
  w->req = req;
  w->range = KeyRange{req.key, req.range_end};
  w->callback = std::move(callback);

  int64_t history_to = 0;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw StoreError(Errc::unavailable, "kine: store is closed");
    w->id = next_id_++;
    w->start_revision = req.start_revision > 0 ? req.start_revision : revision_ + 1;
    int64_t compacted_at = compact_revision_();
    if (req.start_revision > 0 && req.start_revision < compacted_at) {
      WatchBatch batch;
      batch.revision = revision_;
      batch.compact_revision = compacted_at;
      w->finished = true;
      enqueue_locked(w, std::move(batch));
      return std::make_unique<Handle>(shared_from_this(), w);
    }
    watchers_.emplace(std::make_pair(w->req.group, w->id), w);
    if (w->start_revision <= revision_) {
      if (w->start_revision > recent_base_) {
        std::vector<Event> from_ring;
        auto begin = std::lower_bound(recent_.begin(), recent_.end(), w->start_revision,
                                      [](const Event& e, int64_t rev) { return e.kv.mod_revision < rev; });
        from_ring.assign(begin, recent_.end());
        std::vector<Event> mine = filtered(*w, from_ring);
        if (!mine.empty()) {
          WatchBatch batch;
          batch.revision = revision_;
          batch.events = std::move(mine);
          enqueue_locked(w, std::move(batch));
        }
      } else {
        w->catching_up = true;
        history_to = revision_;
      }
    }
  }
  if (!w->catching_up) return std::make_unique<Handle>(shared_from_this(), w);

  std::vector<Event> history;
  std::optional<StoreError> failure;
  try {
    history = read_history_(w->range, w->start_revision, history_to);
  } catch (const StoreError& e) {
    failure = e;
  }
  std::lock_guard lock(mutex_);
  if (failure) {
    watchers_.erase(std::make_pair(w->req.group, w->id));
    WatchBatch batch;
    batch.revision = revision_;
    if (failure->code() == Errc::compacted) {
      batch.compact_revision = compact_revision_();
    } else {
      batch.canceled = true;
      batch.cancel_reason = failure->what();
    }
    w->finished = true;
    w->catching_up = false;
    enqueue_locked(w, std::move(batch));
    return std::make_unique<Handle>(shared_from_this(), w);
  }
  std::vector<Event> mine = filtered(*w, history);
  for (std::size_t start = 0; start < mine.size(); start += kHistoryBatch) {
    WatchBatch batch;
    std::size_t end = std::min(mine.size(), start + kHistoryBatch);
    std::vector<Event> part(std::make_move_iterator(mine.begin() + start), std::make_move_iterator(mine.begin() + end));
    batch.revision = end == mine.size() ? history_to : part.back().kv.mod_revision;
    batch.events = std::move(part);
    enqueue_locked(w, std::move(batch));
  }
  if (!w->held.empty()) {
    WatchBatch batch;
    batch.revision = w->held_revision;
    batch.events = std::move(w->held);
    enqueue_locked(w, std::move(batch));
  }
  w->held.clear();
  w->catching_up = false;
  if (w->progress_wanted) {
    w->progress_wanted = false;
    WatchBatch batch;
    batch.revision = revision_;
    enqueue_locked(w, std::move(batch));
  }
  return std::make_unique<Handle>(shared_from_this(), w);
}

void WatchHub::request_progress(const std::shared_ptr<Watcher>& w) {
  std::lock_guard lock(mutex_);
  if (w->finished || w->cancelled) return;
  if (w->catching_up) {
    w->progress_wanted = true;
    return;
  }
  WatchBatch batch;
  batch.revision = revision_;
  enqueue_locked(w, std::move(batch));
}

void WatchHub::cancel(const std::shared_ptr<Watcher>& w) {
  std::unique_lock lock(mutex_);
  w->cancelled = true;
  watchers_.erase(std::make_pair(w->req.group, w->id));
  w->queue.clear();
  if (std::this_thread::get_id() == delivery_thread_.get_id()) return;  // cancelled from a callback
  delivered_cv_.wait(lock, [&] { return delivering_ != w; });
}

void WatchHub::periodic_progress_locked(std::chrono::steady_clock::time_point now) {
  if (now - last_progress_tick_ < progress_interval_) return;
  last_progress_tick_ = now;
  for (const auto& [id, w] : watchers_) {
    if (!w->req.progress_notify || w->catching_up || !w->queue.empty()) continue;
    if (now - w->last_sent < progress_interval_) continue;
    WatchBatch batch;
    batch.revision = revision_;
    enqueue_locked(w, std::move(batch));
  }
}

void WatchHub::delivery_loop() {
  std::vector<std::shared_ptr<Watcher>> pass;
  // Swapped with each watcher's queue in turn, so queues trade buffers instead of each
  // delivery freeing one and the next publish allocating another.
  std::vector<WatchBatch> batches;
  std::unique_lock lock(mutex_);
  while (true) {
    ready_cv_.wait_for(lock, std::chrono::milliseconds(250), [&] { return stopping_ || !ready_.empty(); });
    if (ready_.empty()) {
      if (stopping_) break;
      periodic_progress_locked(std::chrono::steady_clock::now());
      continue;
    }
    auto w = std::move(ready_.front());
    ready_.pop_front();
    w->scheduled = false;
    batches.clear();
    batches.swap(w->queue);
    // Tell the consumer when a watch of the same group is next in line, so it can gather
    // the group's output into one write (publish queues a group's watchers together).
    if (!batches.empty() && w->req.group != 0) {
      for (std::size_t i = 0; i + 1 < batches.size(); ++i) batches[i].more_in_group = true;
      const auto& next = ready_.empty() ? nullptr : ready_.front();
      batches.back().more_in_group = next && next->req.group == w->req.group && !next->cancelled && !next->queue.empty();
    }
    delivering_ = w;
    lock.unlock();
    for (auto& batch : batches) {
      if (w->cancelled) break;
      try {
        w->callback(std::move(batch));
      } catch (const std::exception& e) {
        spdlog::error("kine: watch {} callback threw: {}", w->id, e.what());
      }
    }
    batches.clear();
    lock.lock();
    delivering_.reset();
    delivered_cv_.notify_all();
    // One clock read per pass over the ready watchers, not per watcher: a pass delivering
    // one event to a thousand watchers would otherwise read the clock twice per watcher.
    pass.push_back(std::move(w));
    if (ready_.empty() || pass.size() >= kMaxPass) {
      auto now = std::chrono::steady_clock::now();
      for (auto& sent : pass) sent->last_sent = now;
      pass.clear();
      if (!stopping_) periodic_progress_locked(now);
    }
  }
}

void WatchHub::shutdown(const std::string& reason) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    for (const auto& [id, w] : watchers_) {
      WatchBatch batch;
      batch.revision = revision_;
      batch.canceled = true;
      batch.cancel_reason = reason;
      enqueue_locked(w, std::move(batch));
      w->finished = true;
    }
    watchers_.clear();
    stopping_ = true;
  }
  ready_cv_.notify_all();
  if (delivery_thread_.joinable()) delivery_thread_.join();
}

}  // namespace k3s::kine::log
