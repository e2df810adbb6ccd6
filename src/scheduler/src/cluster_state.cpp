#include "cluster_state.h"

#include <algorithm>

#include "object/meta.h"

namespace k3s::scheduler {

namespace {

const Json& field(const Json& obj, const char* key) {
  static const Json null_json;
  if (!obj.is_object()) return null_json;
  auto it = obj.find(key);
  return it == obj.end() ? null_json : *it;
}

std::string string_field(const Json& obj, const char* key) {
  const Json& v = field(obj, key);
  return v.is_string() ? v.get<std::string>() : std::string{};
}

}  // namespace

NodeInfo& ClusterState::node_slot(const std::string& name) {
  auto& slot = nodes_[name];
  if (!slot) slot = std::make_unique<NodeInfo>(name);
  return *slot;
}

void ClusterState::rebuild_node_list() {
  node_list_.clear();
  for (auto& [name, info] : nodes_) {
    if (info->has_node()) node_list_.push_back(info.get());
  }
  std::sort(node_list_.begin(), node_list_.end(), [](const NodeInfo* a, const NodeInfo* b) { return a->name() < b->name(); });
}

void ClusterState::count_images(const NodeInfo& node, int delta) {
  for (const auto& [image, size] : node.images()) {
    int& n = image_nodes_[image];
    n += delta;
    if (n <= 0) image_nodes_.erase(image);
  }
}

NodeChange ClusterState::upsert_node(const Json& node) {
  std::string name = object::name_of(node);
  NodeInfo& info = node_slot(name);
  bool existed = info.has_node();
  if (existed) count_images(info, -1);
  NodeChange change;
  try {
    change = info.set_node(std::make_shared<const Json>(node));
  } catch (...) {
    if (existed) count_images(info, +1);
    throw;
  }
  count_images(info, +1);
  if (!existed) rebuild_node_list();
  return change;
}

void ClusterState::remove_node(const std::string& name) {
  auto it = nodes_.find(name);
  if (it == nodes_.end()) return;
  if (it->second->has_node()) count_images(*it->second, -1);
  // Pods still bound to a deleted node keep their slot until they are deleted too.
  if (it->second->pods().empty()) {
    nodes_.erase(it);
  } else {
    it->second->clear_node();
  }
  rebuild_node_list();
}

NodeInfo* ClusterState::find_node(const std::string& name) {
  auto it = nodes_.find(name);
  return it != nodes_.end() && it->second->has_node() ? it->second.get() : nullptr;
}

const NodeInfo* ClusterState::find_node(const std::string& name) const {
  auto it = nodes_.find(name);
  return it != nodes_.end() && it->second->has_node() ? it->second.get() : nullptr;
}

int ClusterState::nodes_with_image(const std::string& image) const {
  auto it = image_nodes_.find(image);
  return it == image_nodes_.end() ? 0 : it->second;
}

void ClusterState::add_or_update_pod(PodInfoPtr pod) {
  if (pod->node_name.empty()) return;
  remove_pod(pod->uid);
  node_slot(pod->node_name).add_pod(pod);
  pods_[pod->uid] = std::move(pod);
}

PodInfoPtr ClusterState::remove_pod(const std::string& uid) {
  auto it = pods_.find(uid);
  if (it == pods_.end()) return nullptr;
  PodInfoPtr pod = it->second;
  pods_.erase(it);
  auto nit = nodes_.find(pod->node_name);
  if (nit != nodes_.end()) {
    nit->second->remove_pod(uid);
    if (!nit->second->has_node() && nit->second->pods().empty()) nodes_.erase(nit);
  }
  return pod;
}

PodInfoPtr ClusterState::find_pod(const std::string& uid) const {
  auto it = pods_.find(uid);
  return it == pods_.end() ? nullptr : it->second;
}

void ClusterState::set_nominated(PodInfoPtr pod) {
  clear_nominated(pod->uid);
  if (pod->nominated_node_name.empty()) return;
  nominated_node_of_[pod->uid] = pod->nominated_node_name;
  nominated_[pod->nominated_node_name].push_back(std::move(pod));
}

void ClusterState::clear_nominated(const std::string& uid) {
  auto it = nominated_node_of_.find(uid);
  if (it == nominated_node_of_.end()) return;
  auto& list = nominated_[it->second];
  list.erase(std::remove_if(list.begin(), list.end(), [&](const PodInfoPtr& p) { return p->uid == uid; }), list.end());
  if (list.empty()) nominated_.erase(it->second);
  nominated_node_of_.erase(it);
}

const std::vector<PodInfoPtr>& ClusterState::nominated_on(const std::string& node) const {
  static const std::vector<PodInfoPtr> none;
  auto it = nominated_.find(node);
  return it == nominated_.end() ? none : it->second;
}

void ClusterState::upsert_namespace(const Json& ns) { namespaces_[object::name_of(ns)] = object::labels_of(ns); }
void ClusterState::remove_namespace(const std::string& name) { namespaces_.erase(name); }

const StringMap* ClusterState::namespace_labels(const std::string& name) const {
  auto it = namespaces_.find(name);
  return it == namespaces_.end() ? nullptr : &it->second;
}

NamespaceLabelsLookup ClusterState::namespace_lookup() const {
  return [this](const std::string& ns) { return namespace_labels(ns); };
}

void ClusterState::upsert_claim(const Json& pvc) {
  ClaimInfo info;
  info.volume_name = string_field(field(pvc, "spec"), "volumeName");
  info.storage_class = string_field(field(pvc, "spec"), "storageClassName");
  if (info.storage_class.empty()) {
    info.storage_class = object::annotation(pvc, "volume.beta.kubernetes.io/storage-class").value_or("");
  }
  info.deleting = object::is_being_deleted(pvc);
  claims_[object::namespace_of(pvc) + "/" + object::name_of(pvc)] = std::move(info);
}

void ClusterState::remove_claim(const std::string& ns, const std::string& name) { claims_.erase(ns + "/" + name); }

const ClaimInfo* ClusterState::find_claim(const std::string& ns, const std::string& name) const {
  auto it = claims_.find(ns + "/" + name);
  return it == claims_.end() ? nullptr : &it->second;
}

void ClusterState::upsert_volume(const Json& pv) {
  VolumeInfo info;
  const Json& required = field(field(field(pv, "spec"), "nodeAffinity"), "required");
  if (required.is_object()) {
    NodeSelector sel;
    if (const Json& terms = field(required, "nodeSelectorTerms"); terms.is_array()) {
      for (const Json& t : terms) sel.terms.push_back(parse_node_selector_term(t));
    }
    info.node_affinity = std::move(sel);
  }
  volumes_[object::name_of(pv)] = std::move(info);
}

void ClusterState::remove_volume(const std::string& name) { volumes_.erase(name); }

const VolumeInfo* ClusterState::find_volume(const std::string& name) const {
  auto it = volumes_.find(name);
  return it == volumes_.end() ? nullptr : &it->second;
}

void ClusterState::upsert_storage_class(const Json& sc) {
  std::string mode = string_field(sc, "volumeBindingMode");
  storage_classes_[object::name_of(sc)] = mode.empty() ? "Immediate" : mode;
}

void ClusterState::remove_storage_class(const std::string& name) { storage_classes_.erase(name); }

std::optional<std::string> ClusterState::binding_mode(const std::string& storage_class) const {
  auto it = storage_classes_.find(storage_class);
  if (it == storage_classes_.end()) return std::nullopt;
  return it->second;
}

void ClusterState::upsert_disruption_budget(const Json& pdb) {
  DisruptionBudget b;
  b.namespace_ = object::namespace_of(pdb);
  b.name = object::name_of(pdb);
  b.selector = object::labels::Selector::from_label_selector(field(field(pdb, "spec"), "selector"));
  const Json& allowed = field(field(pdb, "status"), "disruptionsAllowed");
  b.disruptions_allowed = allowed.is_number_integer() ? allowed.get<std::int64_t>() : 0;
  remove_disruption_budget(b.namespace_, b.name);
  pdbs_.push_back(std::move(b));
}

void ClusterState::remove_disruption_budget(const std::string& ns, const std::string& name) {
  pdbs_.erase(std::remove_if(pdbs_.begin(), pdbs_.end(),
                             [&](const DisruptionBudget& b) { return b.namespace_ == ns && b.name == name; }),
              pdbs_.end());
}

}  // namespace k3s::scheduler
