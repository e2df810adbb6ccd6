// The garbage collector's picture of ownership: every object it watches, by uid, with its
// owners and dependents. Owners that were never seen (or are gone) stay as "absent" entries
// for as long as something still points at them.
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "controller.h"
#include "object/meta.h"

namespace k3s::controllers::core {

struct GraphNode {
  bool present = false;  // false: only known as somebody's owner
  client::GroupVersionResource gvr;
  std::string api_version, kind, namespace_, name, uid;
  std::vector<object::OwnerReference> owners;
  std::vector<std::string> finalizers;
  bool deleting = false;
  std::set<std::string> dependents;  // uids

  bool has_finalizer(const std::string& f) const;
};

class OwnerGraph {
 public:
  // Records `object` of `gvr`/`kind`; returns the uids whose processing the change calls
  // for (the object itself when it has owners or deletion finalizers).
  std::vector<std::string> upsert(const client::GroupVersionResource& gvr, const std::string& kind, const Json& object);
  // Forgets `object`; returns its dependents and the owners waiting for their dependents
  // (foreground deletion), which now need processing.
  std::vector<std::string> remove(const Json& object);

  std::optional<GraphNode> get(const std::string& uid) const;
  // The present dependents of `uid`.
  std::vector<GraphNode> dependents_of(const std::string& uid) const;
  std::size_t size() const;

 private:
  void unlink_owners_locked(const std::string& uid, const std::vector<object::OwnerReference>& owners);

  mutable std::mutex mu_;
  std::unordered_map<std::string, GraphNode> nodes_;
};

}  // namespace k3s::controllers::core
