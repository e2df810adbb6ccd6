// One scheduling attempt for one pod against the cluster state: PreFilter, Filter over
// (a sample of) the nodes, Score, pick; on failure, PostFilter (preemption).
#pragma once

#include <random>
#include <string>
#include <vector>

#include "cluster_state.h"
#include "framework.h"
#include "pod_info.h"

namespace k3s::scheduler {

inline constexpr const char* kNoNodesAvailable = "no nodes available to schedule pods";

struct ScheduleResult {
  std::string node;  // the chosen node; empty when the pod fits nowhere
  int evaluated_nodes = 0;
  int feasible_nodes = 0;
  Diagnosis diagnosis;  // why it failed (when node is empty)
  std::string message;  // the FitError message (when node is empty)
  // From PostFilter when the pod did not fit: where it is nominated and whom to evict.
  std::string nominated_node;
  std::vector<PodInfoPtr> victims;
  bool clear_nomination = false;
  // Plugins that rejected the pod somewhere: the events that can help it.
  std::vector<std::string> rejecting_plugins;
};

struct AlgorithmOptions {
  // kube-scheduler's percentageOfNodesToScore; 0 = adaptive (all nodes below 100).
  int percentage_of_nodes_to_score = 0;
};

class ScheduleAlgorithm {
 public:
  ScheduleAlgorithm(const Framework& framework, AlgorithmOptions options, std::uint64_t seed = std::random_device{}())
      : framework_(framework), options_(options), rng_(seed) {}

  ScheduleResult schedule(const PodInfo& pod, const ClusterState& cluster);

 private:
  std::size_t nodes_to_find(std::size_t all_nodes) const;

  const Framework& framework_;
  AlgorithmOptions options_;
  std::mt19937_64 rng_;
  std::size_t next_start_ = 0;
};

}  // namespace k3s::scheduler
