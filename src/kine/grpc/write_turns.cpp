#include "write_turns.h"

namespace k3s::kine::grpcserver {

void WriteTurns::Seat::leave() {
  std::lock_guard lock(mutex_);
  present_ = false;
}

WriteTurns::WriteTurns(int slots) : slots_(slots > 0 ? slots : 1) {
  watchdog_ = std::thread([this] { watchdog(); });
}

WriteTurns::~WriteTurns() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  waiting_changed_.notify_all();
  watchdog_.join();
}

bool WriteTurns::request(const std::shared_ptr<Seat>& seat) {
  std::lock_guard lock(mutex_);
  if (holders_ < slots_) {
    ++holders_;
    return true;
  }
  waiting_.push_back(Waiting{seat, std::chrono::steady_clock::now()});
  // The watchdog only needs to know when there starts to be someone to watch over.
  if (waiting_.size() == 1) waiting_changed_.notify_one();
  return false;
}

void WriteTurns::release() {
  {
    std::lock_guard lock(mutex_);
    last_release_ = std::chrono::steady_clock::now();
  }
  hand_on();
}

void WriteTurns::hand_on() {
  while (true) {
    std::shared_ptr<Seat> next;
    {
      std::lock_guard lock(mutex_);
      if (waiting_.empty()) {
        --holders_;
        return;
      }
      next = std::move(waiting_.front().seat);
      waiting_.pop_front();
    }
    std::lock_guard seat_lock(next->mutex_);
    if (next->present_ && next->take_turn()) return;
  }
}

void WriteTurns::watchdog() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (waiting_.empty()) {
      waiting_changed_.wait(lock);
      continue;
    }
    auto due = std::max(last_release_, waiting_.front().since) + kPatience;
    if (std::chrono::steady_clock::now() < due) {
      waiting_changed_.wait_until(lock, due);
      continue;
    }
    // No turn has ended for a while: let the first waiting stream in beside the holders.
    ++holders_;
    last_release_ = std::chrono::steady_clock::now();
    lock.unlock();
    hand_on();
    lock.lock();
  }
}

}  // namespace k3s::kine::grpcserver
