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

  // Called after the commit (or the failure), with the failure if any.
  using Finished = std::function<void(std::exception_ptr failure)>;

  // Queues `body` (which may run more than once, when it conflicts with another server);
  // `finished` is called exactly once, also when the writer is already stopped. It runs
  // on the writer's acknowledging thread, so answering a client (which sends on a socket)
  // overlaps the next batch's transaction instead of delaying it.
  void submit(std::function<void(Mutations&)> body, Finished finished) {
    enqueue(std::move(body), std::move(finished), false);
  }

  template <class Result>
  Result run(std::function<Result(Mutations&)> operation) {
    Result result{};
    std::promise<void> done;
    std::future<void> finished = done.get_future();
    // Waking the waiting caller is cheap: done on the writer thread itself.
    enqueue([&](Mutations& m) { result = operation(m); },
            [&](std::exception_ptr failure) {
              if (failure)
                done.set_exception(failure);
              else
                done.set_value();
            },
            true);
    finished.get();
    return result;
  }

  void stop();

 private:
  struct Job {
    std::function<void(Mutations&)> body;
    Finished finished;
    bool finish_on_writer = false;
    std::exception_ptr error;
  };

  void enqueue(std::function<void(Mutations&)> body, Finished finished, bool finish_on_writer);
  void loop();
  void acknowledge_loop();
  static void finish(Job& job);
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

  std::mutex ack_mutex_;
  std::condition_variable ack_wake_;
  std::vector<std::shared_ptr<Job>> to_acknowledge_;
  bool ack_stopping_ = false;
  std::thread ack_thread_;
};

}  // namespace k3s::kine::log
