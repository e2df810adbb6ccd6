// One worker thread per pod bound to this node, woken by informer events and by a
// runtime relist (container state changes), plus cleanup of sandboxes no pod owns.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "client/informer.h"
#include "pod_sync.h"

namespace k3s::kubelet {

class PodWorkers {
 public:
  explicit PodWorkers(SyncContext context);
  ~PodWorkers();

  // Pods from the informer (spec.nodeName=<node>).
  void update(const client::ObjectPtr& pod);
  void remove(const client::ObjectPtr& last_known);
  // After the informer's first list: sandboxes of pods that no longer exist are removed.
  void cleanup_orphans(const std::vector<client::ObjectPtr>& pods);
  // Wakes every worker (network became ready).
  void wake_all();
  // Starts the runtime relist loop.
  void start();
  void stop();
  // The pods the kubelet runs (for /pods).
  std::vector<Json> pods() const;

 private:
  struct Worker {
    std::thread thread;
    std::mutex mu;
    std::condition_variable cv;
    client::ObjectPtr pod;
    bool removed = false;
    bool wake = false;
    std::atomic<bool> done{false};
    PodState state;
  };
  void run(const std::shared_ptr<Worker>& worker);
  void relist_loop();
  void wake(const std::string& uid);

  SyncContext context_;
  PodSyncer syncer_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Worker>> workers_;  // by uid
  std::atomic<bool> stopping_{false};
  std::condition_variable stop_cv_;
  std::thread relist_;
};

}  // namespace k3s::kubelet
