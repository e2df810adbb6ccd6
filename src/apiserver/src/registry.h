// The one table of API resources. Discovery, routing, storage keys, table printing and
// field selectors are all derived from these entries; CustomResourceDefinitions will add
// entries at runtime, so lookups are thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace k3s::apiserver {

struct ResourceType {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string resource;  // plural, "pods"
  std::string kind;      // "Pod"
  std::string singular;  // "pod"
  std::vector<std::string> short_names;
  std::vector<std::string> categories;  // "all"
  bool namespaced = true;
  std::vector<std::string> verbs;
  std::vector<std::string> subresources;  // "status", "scale"
  // Key prefix in the datastore, without trailing '/'. Follows kube-apiserver's names
  // where they differ from the resource (services/specs, minions, controllers, ...), so
  // a datastore written by one is readable by the other's tooling (etcdctl, kine).
  std::string storage_prefix;
  // metadata.generation is bumped only when this part of the object changes; empty = never
  // tracked (ConfigMaps, Secrets ...).
  std::string generation_field;
  // False for request-only resources (reviews): nothing is stored, create computes the answer.
  bool stored = true;
  // Extra field-selector labels beyond metadata.name / metadata.namespace, as JSON pointers.
  std::map<std::string, std::string> selectable_fields;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  bool has_verb(const std::string& verb) const;
  bool has_subresource(const std::string& sub) const;
};

class Registry {
 public:
  void add(ResourceType type);
  // Exact group/version/resource.
  std::shared_ptr<const ResourceType> find(const std::string& group, const std::string& version,
                                           const std::string& resource) const;
  std::vector<std::shared_ptr<const ResourceType>> resources(const std::string& group,
                                                             const std::string& version) const;
  // Groups in discovery order, with their versions (preferred first).
  struct GroupVersions {
    std::string group;
    std::vector<std::string> versions;
  };
  std::vector<GroupVersions> groups() const;
  // One entry per distinct storage prefix (the first version registered for it).
  std::vector<std::shared_ptr<const ResourceType>> storage_types() const;

 private:
  mutable std::shared_mutex mu_;
  std::vector<std::shared_ptr<const ResourceType>> types_;
  std::vector<GroupVersions> groups_;
};

// Fills `registry` with every built-in type the server serves.
void register_builtin_types(Registry& registry);

}  // namespace k3s::apiserver
