// What the namespace controller found while emptying a terminating namespace, and the
// status conditions kube's namespace controller reports for it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "controller.h"

namespace k3s::controllers::core {

struct NamespaceContentReport {
  std::string discovery_error;                // non-empty: discovery failed (partially)
  std::vector<std::string> deletion_failures;  // "<resource.group>: <error>"
  std::map<std::string, int> remaining;        // resource.group -> instances still present
  std::map<std::string, int> finalizers;       // finalizer -> instances still carrying it

  bool done() const { return discovery_error.empty() && deletion_failures.empty() && remaining.empty(); }
};

// The five Namespace* conditions for `report`, keeping lastTransitionTime of conditions in
// `existing` whose status did not change.
Json namespace_deletion_conditions(const NamespaceContentReport& report, const Json& existing, const std::string& now);

}  // namespace k3s::controllers::core
