#include "log/change_feed.h"

#include <spdlog/spdlog.h>

#include "log/reads.h"

namespace k3s::kine::log {
namespace {

constexpr int64_t kPollPage = 500;
constexpr auto kGapPatience = std::chrono::milliseconds(1000);
constexpr auto kGapRecheck = std::chrono::milliseconds(20);

}  // namespace

ChangeFeed::ChangeFeed(sql::Driver& driver, int64_t start_after, std::chrono::milliseconds poll_interval,
                       Publish publish, CompactObserver on_compact_revision)
    : driver_(driver),
      poll_interval_(poll_interval.count() > 0 ? poll_interval : std::chrono::milliseconds(1000)),
      publish_(std::move(publish)),
      on_compact_revision_(std::move(on_compact_revision)),
      last_(start_after) {
  poll_thread_ = std::thread([this] { poll_loop(); });
  if (!driver_.listen_statement().empty()) listen_thread_ = std::thread([this] { listen_loop(); });
}

ChangeFeed::~ChangeFeed() { stop(); }

void ChangeFeed::stop() {
  stopping_ = true;
  wake();
  if (poll_thread_.joinable()) poll_thread_.join();
  if (listen_thread_.joinable()) listen_thread_.join();
}

void ChangeFeed::wake() {
  {
    std::lock_guard lock(wake_mutex_);
    woken_ = true;
  }
  wake_cv_.notify_all();
}

void ChangeFeed::drain_known_locked(std::vector<Event>& batch) {
  while (!known_.empty()) {
    auto it = known_.begin();
    if (it->first <= last_) {
      known_.erase(it);
      continue;
    }
    if (it->first != last_ + 1) break;
    batch.push_back(std::move(it->second));
    last_ = it->first;
    known_.erase(it);
  }
}

void ChangeFeed::on_committed(std::vector<CommittedEvent>&& events) {
  bool hole = false;
  {
    std::lock_guard lock(mutex_);
    for (auto& committed : events)
      if (committed.revision > last_) known_.emplace(committed.revision, std::move(committed.event));
    std::vector<Event> batch;
    drain_known_locked(batch);
    if (!batch.empty()) publish_(std::move(batch), last_);
    hole = !known_.empty();
  }
  if (hole) wake();
}

void ChangeFeed::poll_loop() {
  auto wait = poll_interval_;
  while (!stopping_) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_cv_.wait_for(lock, wait, [&] { return woken_ || stopping_.load(); });
      woken_ = false;
    }
    if (stopping_) break;
    bool again = false;
    try {
      if (!conn_) conn_ = driver_.connect();
      again = poll_once();
      if (on_compact_revision_) on_compact_revision_(stored_compact_revision(*conn_));
      if (reported_outage_) spdlog::info("kine: {} reachable again; watching for changes", driver_.describe());
      reported_outage_ = false;
    } catch (const sql::SqlError& e) {
      if (!reported_outage_) spdlog::warn("kine: polling {} for changes failed: {}", driver_.describe(), e.what());
      reported_outage_ = true;
      if (e.kind() == sql::ErrorKind::connection_lost) conn_.reset();
    } catch (const std::exception& e) {
      spdlog::error("kine: change poll failed: {}", e.what());
    }
    wait = again ? kGapRecheck : poll_interval_;
  }
}

bool ChangeFeed::poll_once() {
  while (!stopping_) {
    auto rows = rows_between(*conn_, last_.load(), kNewest, nullptr, kPollPage);
    std::optional<std::pair<int64_t, int64_t>> to_fill;
    bool waiting_for_hole = false;
    bool unresolved_commits = false;
    {
      std::lock_guard lock(mutex_);
      std::vector<Event> batch;
      for (const auto& row : rows) {
        if (row.id <= last_) continue;
        if (row.id != last_ + 1) {
          int64_t hole_start = last_ + 1;
          auto now = std::chrono::steady_clock::now();
          if (gap_at_ != hole_start) {
            gap_at_ = hole_start;
            gap_since_ = now;
          }
          if (now - gap_since_ >= kGapPatience)
            to_fill = std::make_pair(hole_start, row.id - 1);
          else
            waiting_for_hole = true;
          break;
        }
        auto known = known_.find(row.id);
        if (known != known_.end()) {
          batch.push_back(std::move(known->second));
          known_.erase(known);
        } else if (!row.is_bookkeeping()) {
          batch.push_back(row.event(true));
        }
        last_ = row.id;
      }
      drain_known_locked(batch);
      if (!batch.empty()) publish_(std::move(batch), last_);
      unresolved_commits = !known_.empty();
    }
    if (to_fill) {
      fill_gap(to_fill->first, to_fill->second);
      continue;
    }
    if (waiting_for_hole) return true;
    if (static_cast<int64_t>(rows.size()) < kPollPage) return unresolved_commits;
  }
  return false;
}

void ChangeFeed::fill_gap(int64_t from, int64_t to) {
  spdlog::info("kine: revisions {}..{} still missing; filling the gap (a late commit wins instead)", from, to);
  for (int64_t id = from; id <= to; ++id) {
    try {
      conn_->modify(
          "INSERT INTO kine(id, name, created, deleted, create_revision, prev_revision, lease, value, old_value) "
          "VALUES(?, ?, 0, 1, 0, 0, 0, ?, ?)",
          {sql::Param::Int(id), sql::Param::Text(std::string(kGapKeyPrefix) + std::to_string(id)),
           sql::Param::Blob(""), sql::Param::Blob("")});
    } catch (const sql::SqlError& e) {
      // The late row committed after all; it will be read on the next pass.
      if (e.kind() != sql::ErrorKind::unique_violation) throw;
    }
  }
}

void ChangeFeed::listen_loop() {
  std::unique_ptr<sql::Connection> listener;
  while (!stopping_) {
    try {
      if (!listener) {
        listener = driver_.connect();
        listener->execute(driver_.listen_statement());
        wake();  // anything committed while we were not listening
      }
      if (listener->wait_for_notification(std::chrono::milliseconds(500))) wake();
    } catch (const sql::SqlError&) {
      listener.reset();
      for (int i = 0; i < 10 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace k3s::kine::log
