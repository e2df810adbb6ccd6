#include "log/lease_keeper.h"

#include <spdlog/spdlog.h>

#include <vector>

namespace k3s::kine::log {

LeaseKeeper::LeaseKeeper(Expire expire) : expire_(std::move(expire)), thread_([this] { loop(); }) {}

LeaseKeeper::~LeaseKeeper() { stop(); }

void LeaseKeeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaseKeeper::track(int64_t id, int64_t ttl_seconds) {
  std::lock_guard lock(mutex_);
  deadlines_[id] = Clock::now() + std::chrono::seconds(ttl_seconds);
  wake_.notify_all();
}

void LeaseKeeper::forget(int64_t id) {
  std::lock_guard lock(mutex_);
  deadlines_.erase(id);
}

bool LeaseKeeper::tracked(int64_t id) {
  std::lock_guard lock(mutex_);
  return deadlines_.count(id) != 0;
}

std::optional<int64_t> LeaseKeeper::remaining_seconds(int64_t id) {
  std::lock_guard lock(mutex_);
  auto it = deadlines_.find(id);
  if (it == deadlines_.end()) return std::nullopt;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(it->second - Clock::now()).count();
  return left <= 0 ? 0 : (left + 999) / 1000;
}

void LeaseKeeper::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(200));
    if (stopping_) break;
    auto now = Clock::now();
    std::vector<int64_t> expired;
    for (const auto& [id, deadline] : deadlines_)
      if (deadline <= now) expired.push_back(id);
    for (int64_t id : expired) {
      lock.unlock();
      bool done = true;
      try {
        expire_(id);
      } catch (const std::exception& e) {
        spdlog::warn("kine: revoking expired lease {:x} failed: {}; retrying", id, e.what());
        done = false;
      }
      lock.lock();
      auto it = deadlines_.find(id);
      if (it == deadlines_.end() || it->second > Clock::now()) continue;  // renewed meanwhile
      if (done)
        deadlines_.erase(it);
      else
        it->second = Clock::now() + std::chrono::seconds(1);
    }
  }
}

}  // namespace k3s::kine::log
