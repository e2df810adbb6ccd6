// The RollingUpdate arithmetic of the DaemonSet controller, kept apart from the controller
// so it can be tested on plain objects. Two modes, as kube-controller-manager has them:
// with maxSurge 0 an old pod is deleted first and its node gets the new pod afterwards
// (at most maxUnavailable nodes without an available pod); with maxSurge > 0 the new pod is
// created next to the old one, and the old one goes once the new one is available
// (minReadySeconds), at most maxSurge nodes running two pods at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "controller.h"

namespace k3s::controllers::apps {

using DaemonPodsByNode = std::map<std::string, std::vector<ObjectPtr>>;

struct DaemonUpdateBudget {
  std::int64_t max_surge = 0;
  std::int64_t max_unavailable = 1;
};

// spec.updateStrategy.rollingUpdate resolved against the number of nodes that should run
// the daemon: both percentages round up; when both come out 0 (which validation forbids,
// but a percentage of a small count can do) one node may be unavailable. A malformed value
// counts as absent (kube's defaults: maxUnavailable 1, maxSurge 0).
DaemonUpdateBudget daemon_update_budget(const Json& ds, std::int64_t desired);

struct DaemonUpdatePlan {
  std::vector<std::string> create_on;  // nodes that get a pod of the current revision now
  std::vector<ObjectPtr> remove;       // old pods to delete now
  bool waiting_for_availability = false;  // a new pod is ready but not yet available
};

// One step of a rolling update towards `hash` over the live daemon pods by node. Nodes
// with no pod, or with duplicates, are left to the manage step (which creates or trims).
DaemonUpdatePlan plan_rolling_update(const Json& ds, const DaemonPodsByNode& pods,
                                     const std::map<std::string, bool>& should_run, const std::string& hash,
                                     std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// The surplus among the live (not terminating) pods of one node that should run the daemon.
// Without surge only the oldest stays; with surge the oldest pod of the current revision
// and the oldest of an old revision both stay (the update removes the old one later).
std::vector<ObjectPtr> surplus_daemon_pods(std::vector<ObjectPtr> live, const std::string& hash, bool surge);

}  // namespace k3s::controllers::apps
