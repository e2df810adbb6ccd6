#include "log/writer.h"

#include <spdlog/spdlog.h>

#include "kine/store.h"
#include "log/store_errors.h"

namespace k3s::kine::log {
namespace {

constexpr std::size_t kMaxBatch = 256;
constexpr int kMaxConflictRetries = 16;

}  // namespace

Writer::Writer(sql::Driver& driver, CommitListener on_commit)
    : driver_(driver), on_commit_(std::move(on_commit)) {
  ack_thread_ = std::thread([this] { acknowledge_loop(); });
  thread_ = std::thread([this] { loop(); });
}

Writer::~Writer() { stop(); }

void Writer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(ack_mutex_);
    ack_stopping_ = true;
  }
  ack_wake_.notify_all();
  if (ack_thread_.joinable()) ack_thread_.join();
}

void Writer::finish(Job& job) {
  try {
    job.finished(job.error);
  } catch (const std::exception& e) {
    spdlog::error("kine: acknowledging a write failed: {}", e.what());
  }
}

void Writer::enqueue(std::function<void(Mutations&)> body, Finished finished, bool finish_on_writer) {
  auto job = std::make_shared<Job>();
  job->body = std::move(body);
  job->finished = std::move(finished);
  job->finish_on_writer = finish_on_writer;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      pending_.push_back(std::move(job));
      job.reset();
    }
  }
  if (job) {
    job->finished(std::make_exception_ptr(StoreError(Errc::unavailable, "kine: store is closed")));
    return;
  }
  wake_.notify_one();
}

void Writer::loop() {
  while (true) {
    std::vector<std::shared_ptr<Job>> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty() && stopping_) return;
      while (!pending_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
    }
    run_batch(batch);
    std::vector<std::shared_ptr<Job>> deferred;
    for (auto& job : batch) {
      if (job->finish_on_writer)
        finish(*job);
      else
        deferred.push_back(std::move(job));
    }
    if (deferred.empty()) continue;
    {
      std::lock_guard lock(ack_mutex_);
      for (auto& job : deferred) to_acknowledge_.push_back(std::move(job));
    }
    ack_wake_.notify_one();
  }
}

void Writer::acknowledge_loop() {
  std::unique_lock lock(ack_mutex_);
  while (true) {
    ack_wake_.wait(lock, [&] { return ack_stopping_ || !to_acknowledge_.empty(); });
    if (to_acknowledge_.empty()) return;  // stopping, and everything is answered
    std::vector<std::shared_ptr<Job>> jobs;
    jobs.swap(to_acknowledge_);
    lock.unlock();
    for (auto& job : jobs) finish(*job);
    lock.lock();
  }
}

bool Writer::ensure_connection(std::vector<std::shared_ptr<Job>>& batch) {
  if (conn_) return true;
  try {
    conn_ = driver_.connect();
    return true;
  } catch (const sql::SqlError& e) {
    spdlog::warn("kine: writer cannot reach {}: {}", driver_.describe(), e.what());
    auto error = std::make_exception_ptr(to_store_error(e));
    for (auto& job : batch) job->error = error;
    return false;
  }
}

void Writer::run_batch(std::vector<std::shared_ptr<Job>>& batch) {
  if (!ensure_connection(batch)) return;
  std::vector<CommittedEvent> events;
  try {
    conn_->execute(driver_.begin_statement());
    for (auto& job : batch) {
      std::size_t events_before = events.size();
      for (int attempt = 0;; ++attempt) {
        conn_->execute("SAVEPOINT kine_op");
        try {
          Mutations mutations(*conn_, events);
          job->body(mutations);
          conn_->execute("RELEASE SAVEPOINT kine_op");
          break;
        } catch (const sql::SqlError& e) {
          if (e.kind() == sql::ErrorKind::connection_lost) throw;
          conn_->execute("ROLLBACK TO SAVEPOINT kine_op");
          conn_->execute("RELEASE SAVEPOINT kine_op");
          events.resize(events_before);
          if (e.kind() == sql::ErrorKind::other) {
            // This operation alone is bad (e.g. a key the database cannot store); the batch goes on.
            job->error = std::make_exception_ptr(to_store_error(e));
            break;
          }
          if (attempt >= kMaxConflictRetries) {
            job->error = std::make_exception_ptr(
                StoreError(Errc::unavailable, "kine: write kept conflicting with other servers; retry"));
            break;
          }
          continue;
        } catch (const StoreError&) {
          conn_->execute("ROLLBACK TO SAVEPOINT kine_op");
          conn_->execute("RELEASE SAVEPOINT kine_op");
          events.resize(events_before);
          job->error = std::current_exception();
          break;
        }
      }
    }
    if (!events.empty() && !driver_.change_notify_statement().empty())
      conn_->execute(driver_.change_notify_statement());
    conn_->execute("COMMIT");
  } catch (const sql::SqlError& e) {
    spdlog::warn("kine: write transaction on {} failed: {}", driver_.describe(), e.what());
    if (e.kind() == sql::ErrorKind::connection_lost) {
      conn_.reset();
    } else {
      try {
        conn_->execute("ROLLBACK");
      } catch (const sql::SqlError&) {
        conn_.reset();
      }
    }
    auto error = std::make_exception_ptr(to_store_error(e));
    for (auto& job : batch) job->error = error;
    return;
  }
  if (!events.empty()) on_commit_(std::move(events));
}

}  // namespace k3s::kine::log
