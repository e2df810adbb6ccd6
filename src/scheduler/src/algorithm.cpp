#include "algorithm.h"

#include <algorithm>
#include <set>

namespace k3s::scheduler {

namespace {
constexpr std::size_t kMinFeasibleNodesToFind = 100;
constexpr int kMinFeasibleNodesPercentageToFind = 5;
}  // namespace

std::size_t ScheduleAlgorithm::nodes_to_find(std::size_t all_nodes) const {
  if (all_nodes < kMinFeasibleNodesToFind || options_.percentage_of_nodes_to_score >= 100) return all_nodes;
  int pct = options_.percentage_of_nodes_to_score;
  if (pct <= 0) {
    pct = 50 - static_cast<int>(all_nodes / 125);
    pct = std::max(pct, kMinFeasibleNodesPercentageToFind);
  }
  std::size_t n = all_nodes * static_cast<std::size_t>(pct) / 100;
  return std::max(n, kMinFeasibleNodesToFind);
}

ScheduleResult ScheduleAlgorithm::schedule(const PodInfo& pod, const ClusterState& cluster) {
  ScheduleResult result;
  const auto& nodes = cluster.nodes();
  result.diagnosis.num_all_nodes = static_cast<int>(nodes.size());
  if (!pod.invalid_reason.empty()) {
    result.diagnosis.pre_filter_status = Status::unresolvable(pod.invalid_reason);
    result.message = fit_error_message(result.diagnosis);
    return result;
  }
  if (nodes.empty()) {
    result.message = kNoNodesAvailable;
    result.rejecting_plugins.push_back("NodeAdded");
    return result;
  }

  CycleState state;
  std::set<std::string> rejecting;
  Status pre = framework_.run_pre_filter(state, pod, cluster);
  std::vector<const NodeInfo*> feasible;
  if (!pre.is_success()) {
    result.diagnosis.pre_filter_status = pre;
    rejecting.insert(pre.plugin);
  } else {
    const std::size_t want = nodes_to_find(nodes.size());
    const std::size_t start = next_start_ % nodes.size();
    std::size_t i = 0;
    for (; i < nodes.size() && feasible.size() < want; ++i) {
      const NodeInfo* node = nodes[(start + i) % nodes.size()];
      Status s = framework_.run_filters_with_nominated(state, pod, *node, cluster);
      if (s.is_success()) {
        feasible.push_back(node);
      } else {
        rejecting.insert(s.plugin);
        result.diagnosis.node_statuses.push_back({node, std::move(s)});
      }
    }
    result.evaluated_nodes = static_cast<int>(i);
    next_start_ = (start + i) % nodes.size();
  }
  result.feasible_nodes = static_cast<int>(feasible.size());

  if (feasible.empty()) {
    result.rejecting_plugins.assign(rejecting.begin(), rejecting.end());
    if (framework_.has_post_filter()) {
      PostFilterResult pf = framework_.run_post_filter(state, pod, result.diagnosis, cluster);
      result.diagnosis.post_filter_message = pf.status.message();
      result.nominated_node = pf.nominated_node;
      result.victims = std::move(pf.victims);
      result.clear_nomination = pf.clear_nomination;
    }
    result.message = fit_error_message(result.diagnosis);
    return result;
  }
  if (feasible.size() == 1) {
    result.node = feasible.front()->name();
    return result;
  }

  std::vector<std::int64_t> scores = framework_.run_scores(state, pod, feasible, cluster);
  // Highest total wins; ties are broken uniformly at random (reservoir sampling).
  std::size_t best = 0;
  std::size_t ties = 1;
  for (std::size_t k = 1; k < feasible.size(); ++k) {
    if (scores[k] > scores[best]) {
      best = k;
      ties = 1;
    } else if (scores[k] == scores[best]) {
      ++ties;
      if (std::uniform_int_distribution<std::size_t>(0, ties - 1)(rng_) == 0) best = k;
    }
  }
  result.node = feasible[best]->name();
  return result;
}

}  // namespace k3s::scheduler
