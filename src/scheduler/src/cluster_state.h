// The scheduler's view of the cluster: nodes with the pods on them (bound or assumed),
// and the other objects plugins consult (namespaces, claims, volumes, storage classes,
// disruption budgets), all updated incrementally from watch events.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "node_info.h"
#include "pod_info.h"

namespace k3s::scheduler {

struct ClaimInfo {
  std::string volume_name;  // spec.volumeName; empty while unbound
  std::string storage_class;
  bool deleting = false;
};

struct VolumeInfo {
  std::optional<NodeSelector> node_affinity;  // spec.nodeAffinity.required
};

struct DisruptionBudget {
  std::string namespace_;
  std::string name;
  object::labels::Selector selector;
  std::int64_t disruptions_allowed = 0;
};

class ClusterState {
 public:
  ClusterState() = default;
  ClusterState(const ClusterState&) = delete;
  ClusterState& operator=(const ClusterState&) = delete;

  // ---- nodes ----
  // Throws QuantityError (allocatable) -- callers report and skip the node.
  NodeChange upsert_node(const Json& node);
  void remove_node(const std::string& name);
  // Nodes that exist, in name order. Pointers stay valid until the node is removed.
  const std::vector<NodeInfo*>& nodes() const { return node_list_; }
  NodeInfo* find_node(const std::string& name);
  const NodeInfo* find_node(const std::string& name) const;
  // How many nodes hold an image (normalized reference).
  int nodes_with_image(const std::string& image) const;

  // ---- pods on nodes ----
  // Places (or moves) a pod with a node name; bound and assumed pods alike.
  void add_or_update_pod(PodInfoPtr pod);
  // Returns the pod that was removed, if it was known.
  PodInfoPtr remove_pod(const std::string& uid);
  PodInfoPtr find_pod(const std::string& uid) const;
  std::size_t pod_count() const { return pods_.size(); }

  // ---- pods nominated to nodes by preemption (not yet bound) ----
  void set_nominated(PodInfoPtr pod);  // uses pod->nominated_node_name; "" clears
  void clear_nominated(const std::string& uid);
  const std::vector<PodInfoPtr>& nominated_on(const std::string& node) const;

  // ---- other objects ----
  void upsert_namespace(const Json& ns);
  void remove_namespace(const std::string& name);
  const StringMap* namespace_labels(const std::string& name) const;
  NamespaceLabelsLookup namespace_lookup() const;

  void upsert_claim(const Json& pvc);
  void remove_claim(const std::string& ns, const std::string& name);
  const ClaimInfo* find_claim(const std::string& ns, const std::string& name) const;

  void upsert_volume(const Json& pv);
  void remove_volume(const std::string& name);
  const VolumeInfo* find_volume(const std::string& name) const;

  void upsert_storage_class(const Json& sc);
  void remove_storage_class(const std::string& name);
  // volumeBindingMode of a class; nullopt when the class is unknown.
  std::optional<std::string> binding_mode(const std::string& storage_class) const;

  // Throws object::labels::SelectorError on a malformed selector.
  void upsert_disruption_budget(const Json& pdb);
  void remove_disruption_budget(const std::string& ns, const std::string& name);
  const std::vector<DisruptionBudget>& disruption_budgets() const { return pdbs_; }

 private:
  NodeInfo& node_slot(const std::string& name);
  void rebuild_node_list();
  void count_images(const NodeInfo& node, int delta);

  std::unordered_map<std::string, std::unique_ptr<NodeInfo>> nodes_;  // includes placeholders
  std::vector<NodeInfo*> node_list_;
  std::unordered_map<std::string, PodInfoPtr> pods_;  // uid -> pod with node
  std::unordered_map<std::string, int> image_nodes_;
  std::unordered_map<std::string, std::vector<PodInfoPtr>> nominated_;  // node -> pods
  std::unordered_map<std::string, std::string> nominated_node_of_;     // uid -> node
  std::unordered_map<std::string, StringMap> namespaces_;
  std::map<std::string, ClaimInfo> claims_;  // "ns/name"
  std::unordered_map<std::string, VolumeInfo> volumes_;
  std::unordered_map<std::string, std::string> storage_classes_;
  std::vector<DisruptionBudget> pdbs_;
};

}  // namespace k3s::scheduler
