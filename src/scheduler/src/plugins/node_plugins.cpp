// Plugins that look only at the node and the pod: NodeUnschedulable, NodeName,
// TaintToleration, NodeReady, NodeAffinity, NodePorts, ImageLocality.
#include <algorithm>

#include "plugins/plugins.h"

namespace k3s::scheduler::plugins {

std::string untolerated_taint_reason(const Taint& taint) {
  return "node(s) had untolerated taint {" + taint.key + ": " + taint.value + "}";
}

std::string insufficient_reason(const std::string& resource) { return "Insufficient " + resource; }

namespace {

class NodeUnschedulable final : public FilterPlugin {
 public:
  std::string_view name() const override { return "NodeUnschedulable"; }
  Status filter(const CycleState&, const PodInfo& pod, const NodeInfo& node, const ClusterState&) const override {
    if (!node.unschedulable()) return Status::ok();
    if (tolerates_taint(pod.tolerations, {kTaintUnschedulable, "", kTaintEffectNoSchedule})) return Status::ok();
    return Status::unresolvable(kReasonUnschedulable);
  }
};

class NodeName final : public FilterPlugin {
 public:
  std::string_view name() const override { return "NodeName"; }
  Status filter(const CycleState&, const PodInfo& pod, const NodeInfo& node, const ClusterState&) const override {
    if (pod.node_name.empty() || pod.node_name == node.name()) return Status::ok();
    return Status::unresolvable(kReasonNodeName);
  }
};

bool is_hard_effect(const std::string& effect) {
  return effect == kTaintEffectNoSchedule || effect == kTaintEffectNoExecute;
}

class TaintToleration final : public FilterPlugin, public ScorePlugin {
 public:
  std::string_view name() const override { return "TaintToleration"; }

  Status filter(const CycleState&, const PodInfo& pod, const NodeInfo& node, const ClusterState&) const override {
    for (const auto& taint : node.taints()) {
      if (is_hard_effect(taint.effect) && !tolerates_taint(pod.tolerations, taint)) {
        return Status::unresolvable(untolerated_taint_reason(taint));
      }
    }
    return Status::ok();
  }

  std::int64_t score(const CycleState&, const PodInfo& pod, const NodeInfo& node, const ClusterState&) const override {
    std::int64_t intolerable = 0;
    for (const auto& taint : node.taints()) {
      if (taint.effect != kTaintEffectPreferNoSchedule) continue;
      bool tolerated = std::any_of(pod.tolerations.begin(), pod.tolerations.end(), [&](const Toleration& t) {
        return (t.effect.empty() || t.effect == kTaintEffectPreferNoSchedule) && t.tolerates(taint);
      });
      if (!tolerated) ++intolerable;
    }
    return intolerable;
  }

  void normalize(const CycleState&, const PodInfo&, std::vector<std::int64_t>& scores) const override {
    default_normalize_score(kMaxNodeScore, true, scores);
  }
};

class NodeReady final : public FilterPlugin {
 public:
  std::string_view name() const override { return "NodeReady"; }
  Status filter(const CycleState&, const PodInfo& pod, const NodeInfo& node, const ClusterState&) const override {
    if (node.ready_status() == "True") return Status::ok();
    Taint implied{node.ready_status() == "Unknown" ? kTaintUnreachable : kTaintNotReady, "", kTaintEffectNoSchedule};
    // An explicit taint of the same key was already judged by TaintToleration.
    for (const auto& t : node.taints()) {
      if (t.key == implied.key && is_hard_effect(t.effect)) return Status::ok();
    }
    if (tolerates_taint(pod.tolerations, implied)) return Status::ok();
    return Status::unresolvable(untolerated_taint_reason(implied));
  }
};

class NodeAffinity final : public PreFilterPlugin, public FilterPlugin, public ScorePlugin {
 public:
  std::string_view name() const override { return "NodeAffinity"; }

  Status pre_filter(CycleState&, const PodInfo& pod, const ClusterState&) override {
    if (pod.node_selector.empty() && !pod.required_node_affinity) return Status::skipped();
    return Status::ok();
  }

  Status filter(const CycleState&, const PodInfo& pod, const NodeInfo& node, const ClusterState&) const override {
    if (pod.matches_node_selection(node.labels(), node.name())) return Status::ok();
    return Status::unresolvable(kReasonNodeAffinity);
  }

  Status pre_score(CycleState&, const PodInfo& pod, const std::vector<const NodeInfo*>&, const ClusterState&) override {
    return pod.preferred_node_affinity.empty() ? Status::skipped() : Status::ok();
  }

  std::int64_t score(const CycleState&, const PodInfo& pod, const NodeInfo& node, const ClusterState&) const override {
    std::int64_t total = 0;
    for (const auto& t : pod.preferred_node_affinity) {
      if (t.term.matches(node.labels(), node.name())) total += t.weight;
    }
    return total;
  }

  void normalize(const CycleState&, const PodInfo&, std::vector<std::int64_t>& scores) const override {
    default_normalize_score(kMaxNodeScore, false, scores);
  }
};

class NodePorts final : public PreFilterPlugin, public FilterPlugin {
 public:
  std::string_view name() const override { return "NodePorts"; }

  Status pre_filter(CycleState&, const PodInfo& pod, const ClusterState&) override {
    return pod.host_ports.empty() ? Status::skipped() : Status::ok();
  }

  Status filter(const CycleState&, const PodInfo& pod, const NodeInfo& node, const ClusterState&) const override {
    for (const auto& want : pod.host_ports) {
      for (const auto& used : node.used_ports()) {
        if (want.conflicts_with(used)) return Status::unschedulable(kReasonNodePorts);
      }
    }
    return Status::ok();
  }
};

class ImageLocality final : public ScorePlugin {
 public:
  std::string_view name() const override { return "ImageLocality"; }

  std::int64_t score(const CycleState&, const PodInfo& pod, const NodeInfo& node,
                     const ClusterState& cluster) const override {
    constexpr std::int64_t mb = 1024 * 1024;
    constexpr std::int64_t min_threshold = 23 * mb;
    constexpr std::int64_t max_container_threshold = 1000 * mb;
    if (pod.images.empty() || node.images().empty()) return 0;
    const double total_nodes = static_cast<double>(cluster.nodes().size());
    double sum = 0;
    for (const auto& image : pod.images) {
      auto it = node.images().find(image);
      if (it == node.images().end()) continue;
      // Spread factor: an image on few nodes says less about where to go.
      sum += static_cast<double>(it->second) * (cluster.nodes_with_image(image) / total_nodes);
    }
    std::int64_t max_threshold = max_container_threshold * static_cast<std::int64_t>(pod.images.size());
    auto clamped = std::clamp(static_cast<std::int64_t>(sum), min_threshold, max_threshold);
    return kMaxNodeScore * (clamped - min_threshold) / (max_threshold - min_threshold);
  }
};

}  // namespace

std::shared_ptr<Plugin> make_node_unschedulable() { return std::make_shared<NodeUnschedulable>(); }
std::shared_ptr<Plugin> make_node_name() { return std::make_shared<NodeName>(); }
std::shared_ptr<Plugin> make_taint_toleration() { return std::make_shared<TaintToleration>(); }
std::shared_ptr<Plugin> make_node_ready() { return std::make_shared<NodeReady>(); }
std::shared_ptr<Plugin> make_node_affinity() { return std::make_shared<NodeAffinity>(); }
std::shared_ptr<Plugin> make_node_ports() { return std::make_shared<NodePorts>(); }
std::shared_ptr<Plugin> make_image_locality() { return std::make_shared<ImageLocality>(); }

Framework default_framework() {
  Framework fw;
  // Filter order is kube-scheduler's; the number is the Score weight of its default profile.
  fw.add(make_node_unschedulable(), 0);
  fw.add(make_node_name(), 0);
  fw.add(make_taint_toleration(), 3);
  fw.add(make_node_ready(), 0);
  fw.add(make_node_affinity(), 2);
  fw.add(make_node_ports(), 0);
  fw.add(make_node_resources_fit(), 1);
  fw.add(make_volume_binding(), 0);
  fw.add(make_pod_topology_spread(true), 2);
  fw.add(make_inter_pod_affinity(), 2);
  fw.add(make_balanced_allocation(), 1);
  fw.add(make_image_locality(), 1);
  fw.add(make_default_preemption(), 0);
  return fw;
}

}  // namespace k3s::scheduler::plugins
