// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does:
// candidates try to take the Lease every retry period; the holder renews it and steps down
// when it could not renew within the renew deadline. A Lease whose holder stopped renewing
// is taken over once lease_duration has passed on the candidate's own clock since it last
// saw the Lease change (so clock skew between servers does not matter).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>

#include "client/client.h"

namespace k3s::client {

struct LeaderElectionConfig {
  std::string lease_namespace = "kube-system";
  std::string lease_name;
  std::string identity;  // unique per candidate, e.g. "<hostname>_<uid>"
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  // On stop(), give the Lease up (holder cleared) so another candidate takes over at once.
  bool release_on_cancel = true;

  // Runs on its own thread while leading; the token is stopped when leadership ends and
  // the callback must then return.
  std::function<void(std::stop_token)> on_started_leading;
  // Called once leadership ended (lost, or stop()).
  std::function<void()> on_stopped_leading;
  // Called when a different holder is observed (including ourselves).
  std::function<void(const std::string& identity)> on_new_leader;
};

class LeaderElector {
 public:
  // Throws std::invalid_argument for a bad configuration (empty name or identity,
  // lease_duration <= renew_deadline, renew_deadline <= retry_period).
  LeaderElector(Client& client, LeaderElectionConfig config);
  ~LeaderElector();

  // Blocks: waits to acquire the Lease, leads until leadership is lost or stop() is
  // called, then returns. After a loss, run() may be called again to stand again.
  void run();
  // Thread-safe and final: makes run() return now and any later run() return at once.
  void stop();

  bool is_leader() const { return leading_; }
  // The holder last observed ("" when none).
  std::string leader() const;

 private:
  bool try_acquire_or_renew();
  void release();
  bool wait(std::chrono::milliseconds duration);  // false when stopped

  Client& client_;
  LeaderElectionConfig config_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> leading_{false};
  Json observed_spec_;
  std::chrono::steady_clock::time_point observed_at_{};
  std::string observed_holder_;
};

}  // namespace k3s::client
