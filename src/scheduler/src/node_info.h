// A node and the pods the scheduler believes are on it (bound or assumed), with the
// aggregates the filters and scores read kept up to date incrementally.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "pod_info.h"
#include "resources.h"

namespace k3s::scheduler {

// What changed between two versions of a node; used to decide which waiting pods an
// update may help.
struct NodeChange {
  bool added = false;
  bool labels = false;
  bool taints = false;
  bool allocatable = false;
  bool unschedulable = false;
  bool ready = false;
  bool images = false;
  bool any() const { return added || labels || taints || allocatable || unschedulable || ready || images; }
};

class NodeInfo {
 public:
  explicit NodeInfo(std::string name) : name_(std::move(name)) {}

  // Replaces the node object (keeps the pods). Throws QuantityError on bad allocatable.
  NodeChange set_node(std::shared_ptr<const Json> node);
  void clear_node() { node_.reset(); }
  bool has_node() const { return node_ != nullptr; }

  const std::string& name() const { return name_; }
  const Json* node() const { return node_.get(); }
  const StringMap& labels() const { return labels_; }
  const std::vector<Taint>& taints() const { return taints_; }
  bool unschedulable() const { return unschedulable_; }
  // status of the Ready condition: "True", "False", "Unknown", or "" when absent.
  const std::string& ready_status() const { return ready_status_; }
  const Resources& allocatable() const { return allocatable_; }
  // Normalized image reference -> size in bytes.
  const std::map<std::string, std::int64_t>& images() const { return images_; }

  const std::vector<PodInfoPtr>& pods() const { return pods_; }
  const std::vector<PodInfoPtr>& pods_with_affinity() const { return pods_with_affinity_; }
  const std::vector<PodInfoPtr>& pods_with_required_anti_affinity() const { return pods_with_anti_affinity_; }
  const Resources& requested() const { return requested_; }
  const Resources& non_zero_requested() const { return non_zero_requested_; }
  const std::vector<HostPort>& used_ports() const { return used_ports_; }
  // Live (not terminating) pods here owned by the controller with this uid: the default
  // spreading asks this for every node and every pod, so it is kept as a count.
  int pods_of_controller(const std::string& controller_uid) const;
  // Live pods in `ns` whose label `key` equals `value` (the common spread selector
  // "app=x" is answered from this count instead of a scan).
  int pods_with_label(const std::string& ns, const std::string& key, const std::string& value) const;

  void add_pod(PodInfoPtr pod);
  // Returns false when no pod with that uid is here.
  bool remove_pod(const std::string& uid);

 private:
  std::string name_;
  std::shared_ptr<const Json> node_;
  StringMap labels_;
  std::vector<Taint> taints_;
  bool unschedulable_ = false;
  std::string ready_status_;
  Resources allocatable_;
  std::map<std::string, std::int64_t> images_;

  std::vector<PodInfoPtr> pods_;
  std::vector<PodInfoPtr> pods_with_affinity_;
  std::vector<PodInfoPtr> pods_with_anti_affinity_;
  Resources requested_;
  Resources non_zero_requested_;
  std::vector<HostPort> used_ports_;
  std::map<std::string, int> controller_counts_;
  std::unordered_map<std::string, int> label_counts_;  // "ns\0key\0value"
};

}  // namespace k3s::scheduler
