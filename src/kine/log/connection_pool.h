// A few reader connections (SQLite WAL and the servers all allow concurrent readers),
// opened lazily and dropped when the database goes away so the next use reconnects.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "log/store_errors.h"
#include "sql/driver.h"

namespace k3s::kine::log {

class ConnectionPool {
 public:
  ConnectionPool(sql::Driver& driver, int size) : driver_(driver), size_(size > 0 ? size : 1) {}

  // Runs fn(Connection&); database failures come out as StoreError.
  template <class Fn>
  auto with(Fn&& fn) -> decltype(fn(std::declval<sql::Connection&>())) {
    std::unique_ptr<sql::Connection> conn = acquire();
    try {
      if constexpr (std::is_void_v<decltype(fn(*conn))>) {
        fn(*conn);
        release(std::move(conn));
      } else {
        auto result = fn(*conn);
        release(std::move(conn));
        return result;
      }
    } catch (const sql::SqlError& e) {
      if (e.kind() == sql::ErrorKind::connection_lost)
        discard();
      else
        release(std::move(conn));
      throw to_store_error(e);
    } catch (...) {
      release(std::move(conn));
      throw;
    }
  }

 private:
  std::unique_ptr<sql::Connection> acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;
    lock.unlock();
    try {
      return driver_.connect();
    } catch (const sql::SqlError& e) {
      discard();
      throw to_store_error(e);
    }
  }

  void release(std::unique_ptr<sql::Connection> conn) {
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(conn));
    }
    available_.notify_one();
  }

  void discard() {
    {
      std::lock_guard lock(mutex_);
      --open_;
    }
    available_.notify_one();
  }

  sql::Driver& driver_;
  int size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<sql::Connection>> idle_;
  int open_ = 0;
};

}  // namespace k3s::kine::log
