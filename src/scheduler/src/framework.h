// The scheduling framework: plugin interfaces for the extension points kube-scheduler
// has (PreFilter with its AddPod/RemovePod extensions, Filter, PostFilter, PreScore,
// Score + NormalizeScore with weights), the per-cycle state plugins share, and a
// Framework that runs a configured plugin set.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster_state.h"
#include "node_info.h"
#include "pod_info.h"

namespace k3s::scheduler {

inline constexpr std::int64_t kMaxNodeScore = 100;

enum class Code {
  success,
  unschedulable,                   // preemption might help
  unschedulable_and_unresolvable,  // preemption cannot help
  error,
  skip,  // PreFilter/PreScore: this plugin has nothing to do for the pod
};

struct Status {
  Code code = Code::success;
  std::vector<std::string> reasons;
  std::string plugin;  // who failed

  static Status ok() { return {}; }
  static Status skipped() { return {Code::skip, {}, {}}; }
  static Status unschedulable(std::string reason) { return {Code::unschedulable, {std::move(reason)}, {}}; }
  static Status unresolvable(std::string reason) {
    return {Code::unschedulable_and_unresolvable, {std::move(reason)}, {}};
  }
  static Status failure(std::string reason) { return {Code::error, {std::move(reason)}, {}}; }

  bool is_success() const { return code == Code::success; }
  bool is_skip() const { return code == Code::skip; }
  bool is_rejection() const { return code == Code::unschedulable || code == Code::unschedulable_and_unresolvable; }
  // Reasons joined with ", " (kube's Status.Message()).
  std::string message() const;
};

// Plugin data for one scheduling cycle. clone() lets preemption simulate on a copy.
class PluginState {
 public:
  virtual ~PluginState() = default;
  virtual std::unique_ptr<PluginState> clone() const = 0;
};

class Plugin;

class CycleState {
 public:
  CycleState() = default;
  CycleState clone() const;
  CycleState(CycleState&&) = default;
  CycleState& operator=(CycleState&&) = default;

  void write(const Plugin* owner, std::unique_ptr<PluginState> state);
  // nullptr when the plugin wrote nothing this cycle.
  PluginState* read(const Plugin* owner) const;
  template <typename T>
  T* read_as(const Plugin* owner) const {
    return static_cast<T*>(read(owner));
  }

  void mark_filter_skipped(const Plugin* plugin) { skipped_filters_.push_back(plugin); }
  bool filter_skipped(const Plugin* plugin) const;
  void mark_score_skipped(const Plugin* plugin) { skipped_scores_.push_back(plugin); }
  bool score_skipped(const Plugin* plugin) const;

 private:
  std::vector<std::pair<const Plugin*, std::unique_ptr<PluginState>>> entries_;
  std::vector<const Plugin*> skipped_filters_;
  std::vector<const Plugin*> skipped_scores_;
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string_view name() const = 0;
};

class PreFilterPlugin : public virtual Plugin {
 public:
  virtual Status pre_filter(CycleState& state, const PodInfo& pod, const ClusterState& cluster) = 0;
  // Keep the cycle state right when a simulation adds or removes `other` on `node`
  // (preemption victims, nominated pods).
  virtual void add_pod(CycleState&, const PodInfo& /*pod*/, const PodInfoPtr& /*other*/, const NodeInfo& /*node*/,
                       const ClusterState&) const {}
  virtual void remove_pod(CycleState&, const PodInfo& /*pod*/, const PodInfoPtr& /*other*/, const NodeInfo& /*node*/,
                          const ClusterState&) const {}
};

class FilterPlugin : public virtual Plugin {
 public:
  virtual Status filter(const CycleState& state, const PodInfo& pod, const NodeInfo& node,
                        const ClusterState& cluster) const = 0;
};

class ScorePlugin : public virtual Plugin {
 public:
  // Called once with the feasible nodes; Status::skipped() leaves this plugin out.
  virtual Status pre_score(CycleState&, const PodInfo&, const std::vector<const NodeInfo*>& /*nodes*/,
                           const ClusterState&) {
    return Status::ok();
  }
  virtual std::int64_t score(const CycleState& state, const PodInfo& pod, const NodeInfo& node,
                             const ClusterState& cluster) const = 0;
  // Rescales scores (parallel to the feasible nodes) into [0, kMaxNodeScore].
  virtual void normalize(const CycleState&, const PodInfo&, std::vector<std::int64_t>& /*scores*/) const {}
};

struct NodeStatus {
  const NodeInfo* node = nullptr;
  Status status;
};

// Why a pod did not fit: every node that was evaluated and failed, or the PreFilter
// rejection that applied to all.
struct Diagnosis {
  int num_all_nodes = 0;
  std::vector<NodeStatus> node_statuses;
  Status pre_filter_status;  // rejection from PreFilter (then node_statuses is empty)
  std::string post_filter_message;
};

// "0/3 nodes are available: 1 node(s) had untolerated taint {a: b}, 2 Insufficient cpu.
// preemption: ..." exactly as kube-scheduler's FitError words it.
std::string fit_error_message(const Diagnosis& diagnosis);

class Framework;

struct PostFilterResult {
  Status status;
  std::string nominated_node;        // where the pod should go once victims are gone
  std::vector<PodInfoPtr> victims;   // pods to delete
  bool clear_nomination = false;     // the pod's nominatedNodeName should be cleared
};

class PostFilterPlugin : public virtual Plugin {
 public:
  virtual PostFilterResult post_filter(CycleState& state, const PodInfo& pod, const Diagnosis& diagnosis,
                                       const ClusterState& cluster, const Framework& framework) = 0;
};

class Framework {
 public:
  // Plugins run in the order added; a plugin implementing several interfaces takes part
  // in each. score_weight applies to its Score.
  void add(std::shared_ptr<Plugin> plugin, std::int64_t score_weight = 1);

  Status run_pre_filter(CycleState& state, const PodInfo& pod, const ClusterState& cluster) const;
  void run_add_pod(CycleState& state, const PodInfo& pod, const PodInfoPtr& other, const NodeInfo& node,
                   const ClusterState& cluster) const;
  void run_remove_pod(CycleState& state, const PodInfo& pod, const PodInfoPtr& other, const NodeInfo& node,
                      const ClusterState& cluster) const;
  // First failing filter's status (plugin set), or success.
  Status run_filters(const CycleState& state, const PodInfo& pod, const NodeInfo& node,
                     const ClusterState& cluster) const;
  // As run_filters, but with the pods nominated to this node that have at least the pod's
  // priority counted as if they were already there (kube's RunFilterPluginsWithNominatedPods).
  Status run_filters_with_nominated(const CycleState& state, const PodInfo& pod, const NodeInfo& node,
                                    const ClusterState& cluster) const;
  // Weighted sum of all scores, parallel to `nodes`.
  std::vector<std::int64_t> run_scores(CycleState& state, const PodInfo& pod, const std::vector<const NodeInfo*>& nodes,
                                       const ClusterState& cluster) const;
  PostFilterResult run_post_filter(CycleState& state, const PodInfo& pod, const Diagnosis& diagnosis,
                                   const ClusterState& cluster) const;

  bool has_post_filter() const { return !post_filters_.empty(); }
  std::vector<std::string> plugin_names() const;

 private:
  std::vector<std::shared_ptr<Plugin>> plugins_;
  std::vector<PreFilterPlugin*> pre_filters_;
  std::vector<FilterPlugin*> filters_;
  std::vector<std::pair<ScorePlugin*, std::int64_t>> scorers_;
  std::vector<PostFilterPlugin*> post_filters_;
};

// kube's DefaultNormalizeScore: scale to [0, max] by the largest score, optionally reversed.
void default_normalize_score(std::int64_t max_priority, bool reverse, std::vector<std::int64_t>& scores);

}  // namespace k3s::scheduler
