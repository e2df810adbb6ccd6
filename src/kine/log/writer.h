// The single writer: callers queue operations; one thread takes everything pending, runs
// each inside a SAVEPOINT of one transaction, commits once and only then acknowledges
// them all (group commit). A unique violation on (name, prev_revision) means another
// server changed the key first: that operation alone is rolled back and re-evaluated.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "log/mutations.h"
#include "sql/driver.h"

namespace k3s::kine::log {

class Writer {
 public:
  // on_commit runs on the writer thread after each successful commit, before acknowledging.
  using CommitListener = std::function<void(std::vector<CommittedEvent>&&)>;
  Writer(sql::Driver& driver, CommitListener on_commit);
  ~Writer();

  template <class Result>
  Result run(std::function<Result(Mutations&)> operation) {
    Result result{};
    auto job = std::make_shared<Job>();
    job->body = [&](Mutations& m) { result = operation(m); };
    std::future<void> done = job->done.get_future();
    enqueue(job);
    done.get();
    return result;
  }

  void stop();

 private:
  struct Job {
    std::function<void(Mutations&)> body;
    std::promise<void> done;
    std::exception_ptr error;
  };

  void enqueue(const std::shared_ptr<Job>& job);
  void loop();
  void run_batch(std::vector<std::shared_ptr<Job>>& batch);
  bool ensure_connection(std::vector<std::shared_ptr<Job>>& batch);

  sql::Driver& driver_;
  CommitListener on_commit_;
  std::unique_ptr<sql::Connection> conn_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace k3s::kine::log
