// Lease deadlines kept in memory (the leases themselves are rows of kine_lease) and the
// thread that revokes expired ones, which deletes their keys.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace k3s::kine::log {

class LeaseKeeper {
 public:
  using Clock = std::chrono::steady_clock;
  // Called from the keeper thread; throwing means "try again shortly".
  using Expire = std::function<void(int64_t id)>;

  explicit LeaseKeeper(Expire expire);
  ~LeaseKeeper();

  void track(int64_t id, int64_t ttl_seconds);  // (re)starts the full TTL
  void forget(int64_t id);
  bool tracked(int64_t id);
  std::optional<int64_t> remaining_seconds(int64_t id);
  void stop();

 private:
  void loop();

  Expire expire_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<int64_t, Clock::time_point> deadlines_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace k3s::kine::log
