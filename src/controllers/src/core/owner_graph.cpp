#include "core/owner_graph.h"

#include <algorithm>

namespace k3s::controllers::core {

bool GraphNode::has_finalizer(const std::string& f) const {
  return std::find(finalizers.begin(), finalizers.end(), f) != finalizers.end();
}

void OwnerGraph::unlink_owners_locked(const std::string& uid, const std::vector<object::OwnerReference>& owners) {
  for (const auto& ref : owners) {
    auto it = nodes_.find(ref.uid);
    if (it == nodes_.end()) continue;
    it->second.dependents.erase(uid);
    if (!it->second.present && it->second.dependents.empty()) nodes_.erase(it);
  }
}

std::vector<std::string> OwnerGraph::upsert(const client::GroupVersionResource& gvr, const std::string& kind,
                                            const Json& object) {
  const std::string uid = object::uid_of(object);
  if (uid.empty()) return {};
  std::lock_guard lock(mu_);
  const std::vector<object::OwnerReference> old_owners = nodes_[uid].owners;
  const bool owners_changed = !nodes_[uid].present || old_owners != object::owner_references_of(object);
  unlink_owners_locked(uid, old_owners);
  GraphNode& current = nodes_[uid];  // looked up again: an object owning itself may have been unlinked
  current.present = true;
  current.gvr = gvr;
  current.kind = kind;
  current.api_version = gvr.api_version();
  current.namespace_ = object::namespace_of(object);
  current.name = object::name_of(object);
  current.uid = uid;
  current.owners = object::owner_references_of(object);
  current.finalizers = object::finalizers_of(object);
  current.deleting = object::is_being_deleted(object);
  for (const auto& ref : current.owners) {
    if (ref.uid.empty()) continue;
    GraphNode& owner = nodes_[ref.uid];
    owner.dependents.insert(uid);
    if (!owner.present) owner.uid = ref.uid;
  }
  const GraphNode& after = nodes_[uid];
  std::vector<std::string> out;
  const bool deletion_work =
      after.deleting && (after.has_finalizer("orphan") || after.has_finalizer("foregroundDeletion"));
  if ((owners_changed && !after.owners.empty()) || deletion_work) out.push_back(uid);
  return out;
}

std::vector<std::string> OwnerGraph::remove(const Json& object) {
  const std::string uid = object::uid_of(object);
  std::lock_guard lock(mu_);
  auto it = nodes_.find(uid);
  if (it == nodes_.end()) return {};
  std::vector<std::string> out(it->second.dependents.begin(), it->second.dependents.end());
  for (const auto& ref : it->second.owners) {
    auto owner = nodes_.find(ref.uid);
    if (owner != nodes_.end() && owner->second.present && owner->second.has_finalizer("foregroundDeletion"))
      out.push_back(ref.uid);
  }
  unlink_owners_locked(uid, it->second.owners);
  it = nodes_.find(uid);
  if (it->second.dependents.empty()) {
    nodes_.erase(it);
  } else {
    it->second.present = false;
    it->second.owners.clear();
    it->second.finalizers.clear();
    it->second.deleting = false;
  }
  return out;
}

std::optional<GraphNode> OwnerGraph::get(const std::string& uid) const {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(uid);
  if (it == nodes_.end()) return std::nullopt;
  return it->second;
}

std::vector<GraphNode> OwnerGraph::dependents_of(const std::string& uid) const {
  std::lock_guard lock(mu_);
  std::vector<GraphNode> out;
  auto it = nodes_.find(uid);
  if (it == nodes_.end()) return out;
  for (const auto& d : it->second.dependents) {
    auto dep = nodes_.find(d);
    if (dep != nodes_.end() && dep->second.present) out.push_back(dep->second);
  }
  return out;
}

std::size_t OwnerGraph::size() const {
  std::lock_guard lock(mu_);
  return nodes_.size();
}

}  // namespace k3s::controllers::core
