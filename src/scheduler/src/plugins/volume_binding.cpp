// VolumeBinding, reduced to what a cluster without a CSI topology layer needs: claims must
// exist, immediate-mode claims must already be bound, and a bound volume's node affinity
// must admit the node. WaitForFirstConsumer claims pass (the volume controller provisions
// for the node the pod lands on).
#include "plugins/plugins.h"

namespace k3s::scheduler::plugins {

namespace {

struct BoundVolumes final : PluginState {
  std::vector<const VolumeInfo*> volumes;
  std::unique_ptr<PluginState> clone() const override { return std::make_unique<BoundVolumes>(*this); }
};

class VolumeBinding final : public PreFilterPlugin, public FilterPlugin {
 public:
  std::string_view name() const override { return "VolumeBinding"; }

  Status pre_filter(CycleState& state, const PodInfo& pod, const ClusterState& cluster) override {
    if (pod.claim_names.empty()) return Status::skipped();
    auto bound = std::make_unique<BoundVolumes>();
    bool unbound_immediate = false;
    for (const auto& claim_name : pod.claim_names) {
      const ClaimInfo* claim = cluster.find_claim(pod.namespace_, claim_name);
      if (!claim) return Status::unresolvable("persistentvolumeclaim \"" + claim_name + "\" not found");
      if (claim->deleting) return Status::unresolvable("persistentvolumeclaim \"" + claim_name + "\" is being deleted");
      if (claim->volume_name.empty()) {
        if (cluster.binding_mode(claim->storage_class) != std::optional<std::string>("WaitForFirstConsumer")) {
          unbound_immediate = true;
        }
        continue;
      }
      const VolumeInfo* volume = cluster.find_volume(claim->volume_name);
      if (!volume) return Status::unresolvable("persistentvolume \"" + claim->volume_name + "\" not found");
      if (volume->node_affinity) bound->volumes.push_back(volume);
    }
    if (unbound_immediate) return Status::unresolvable(kReasonUnboundImmediateClaims);
    if (bound->volumes.empty()) return Status::skipped();
    state.write(this, std::move(bound));
    return Status::ok();
  }

  Status filter(const CycleState& state, const PodInfo&, const NodeInfo& node, const ClusterState&) const override {
    auto* bound = state.read_as<BoundVolumes>(this);
    if (!bound) return Status::ok();
    for (const auto* v : bound->volumes) {
      if (!v->node_affinity->matches(node.labels(), node.name())) return Status::unresolvable(kReasonVolumeNodeConflict);
    }
    return Status::ok();
  }
};

}  // namespace

std::shared_ptr<Plugin> make_volume_binding() { return std::make_shared<VolumeBinding>(); }

}  // namespace k3s::scheduler::plugins
