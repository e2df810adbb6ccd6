// NodeResourcesFit (filter + LeastAllocated score) and NodeResourcesBalancedAllocation.
#include <algorithm>
#include <cmath>

#include "plugins/plugins.h"

namespace k3s::scheduler::plugins {

namespace {

class NodeResourcesFit final : public FilterPlugin, public ScorePlugin {
 public:
  std::string_view name() const override { return "NodeResourcesFit"; }

  Status filter(const CycleState&, const PodInfo& pod, const NodeInfo& node, const ClusterState&) const override {
    Status out;
    const Resources& alloc = node.allocatable();
    const Resources& used = node.requested();
    const Resources& want = pod.requests.requests;
    if (static_cast<std::int64_t>(node.pods().size()) + 1 > alloc.allowed_pods) {
      out.reasons.push_back(kReasonTooManyPods);
    }
    if (!want.empty()) {
      if (want.milli_cpu > 0 && alloc.milli_cpu < want.milli_cpu + used.milli_cpu) {
        out.reasons.push_back(insufficient_reason(kResourceCpu));
      }
      if (want.memory > 0 && alloc.memory < want.memory + used.memory) {
        out.reasons.push_back(insufficient_reason(kResourceMemory));
      }
      if (want.ephemeral_storage > 0 && alloc.ephemeral_storage < want.ephemeral_storage + used.ephemeral_storage) {
        out.reasons.push_back(insufficient_reason(kResourceEphemeralStorage));
      }
      for (const auto& [name, amount] : want.scalar) {
        if (amount > 0 && alloc.scalar_value(name) < amount + used.scalar_value(name)) {
          out.reasons.push_back(insufficient_reason(name));
        }
      }
    }
    if (!out.reasons.empty()) out.code = Code::unschedulable;
    return out;
  }

  // LeastAllocated over cpu and memory, equal weights, with the non-zero defaults.
  std::int64_t score(const CycleState&, const PodInfo& pod, const NodeInfo& node, const ClusterState&) const override {
    auto least = [](std::int64_t requested, std::int64_t capacity) -> std::int64_t {
      if (capacity == 0 || requested > capacity) return 0;
      return (capacity - requested) * kMaxNodeScore / capacity;
    };
    const auto& alloc = node.allocatable();
    std::int64_t cpu = least(node.non_zero_requested().milli_cpu + pod.requests.non_zero_requests.milli_cpu, alloc.milli_cpu);
    std::int64_t mem = least(node.non_zero_requested().memory + pod.requests.non_zero_requests.memory, alloc.memory);
    return (cpu + mem) / 2;
  }
};

class BalancedAllocation final : public ScorePlugin {
 public:
  std::string_view name() const override { return "NodeResourcesBalancedAllocation"; }

  Status pre_score(CycleState&, const PodInfo& pod, const std::vector<const NodeInfo*>&, const ClusterState&) override {
    const auto& r = pod.requests.requests;
    return r.milli_cpu == 0 && r.memory == 0 ? Status::skipped() : Status::ok();
  }

  std::int64_t score(const CycleState&, const PodInfo& pod, const NodeInfo& node, const ClusterState&) const override {
    auto fraction = [](std::int64_t requested, std::int64_t capacity) {
      if (capacity <= 0) return 1.0;
      return std::min(1.0, static_cast<double>(requested) / static_cast<double>(capacity));
    };
    const auto& alloc = node.allocatable();
    double cpu = fraction(node.requested().milli_cpu + pod.requests.requests.milli_cpu, alloc.milli_cpu);
    double mem = fraction(node.requested().memory + pod.requests.requests.memory, alloc.memory);
    double std_dev = std::abs(cpu - mem) / 2;
    return static_cast<std::int64_t>((1 - std_dev) * static_cast<double>(kMaxNodeScore));
  }
};

}  // namespace

std::shared_ptr<Plugin> make_node_resources_fit() { return std::make_shared<NodeResourcesFit>(); }
std::shared_ptr<Plugin> make_balanced_allocation() { return std::make_shared<BalancedAllocation>(); }

}  // namespace k3s::scheduler::plugins
