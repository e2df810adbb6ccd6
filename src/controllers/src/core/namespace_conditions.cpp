#include "namespace_conditions.h"
#include "util/strings.h"

namespace k3s::controllers::core {

namespace {

using util::join;

Json condition(const std::string& type, bool status, const std::string& reason, const std::string& message) {
  return {{"type", type}, {"status", status ? "True" : "False"}, {"reason", reason}, {"message", message}};
}

}  // namespace

Json namespace_deletion_conditions(const NamespaceContentReport& report, const Json& existing, const std::string& now) {
  std::vector<Json> conditions;
  if (report.discovery_error.empty())
    conditions.push_back(condition("NamespaceDeletionDiscoveryFailure", false, "ResourcesDiscovered",
                                   "All resources successfully discovered"));
  else
    conditions.push_back(condition("NamespaceDeletionDiscoveryFailure", true, "DiscoveryFailed",
                                   "Discovery failed for some groups: " + report.discovery_error));
  conditions.push_back(condition("NamespaceDeletionGroupVersionParsingFailure", false, "ParsedGroupVersions",
                                 "All legacy kube types successfully parsed"));
  if (report.deletion_failures.empty())
    conditions.push_back(condition("NamespaceDeletionContentFailure", false, "ContentDeleted",
                                   "All content successfully deleted, may be waiting on finalization"));
  else
    conditions.push_back(condition("NamespaceDeletionContentFailure", true, "ContentDeletionFailed",
                                   "Failed to delete all resource types, " +
                                       std::to_string(report.deletion_failures.size()) +
                                       " remaining: " + join(report.deletion_failures, ", ")));
  if (report.remaining.empty()) {
    conditions.push_back(condition("NamespaceContentRemaining", false, "ContentRemoved", "All content successfully removed"));
  } else {
    std::vector<std::string> parts;
    for (const auto& [resource, count] : report.remaining)
      parts.push_back(resource + " has " + std::to_string(count) + " resource instances");
    conditions.push_back(condition("NamespaceContentRemaining", true, "SomeResourcesRemain",
                                   "Some resources are remaining: " + join(parts, ", ")));
  }
  if (report.finalizers.empty()) {
    conditions.push_back(condition("NamespaceFinalizersRemaining", false, "ContentHasNoFinalizers",
                                   "All content-preserving finalizers finished"));
  } else {
    std::vector<std::string> parts;
    for (const auto& [finalizer, count] : report.finalizers)
      parts.push_back(finalizer + " in " + std::to_string(count) + " resource instances");
    conditions.push_back(condition("NamespaceFinalizersRemaining", true, "SomeFinalizersRemain",
                                   "Some content in the namespace has finalizers remaining: " + join(parts, ", ")));
  }

  Json out = Json::array();
  for (auto& c : conditions) {
    c["lastTransitionTime"] = now;
    if (existing.is_array()) {
      for (const auto& old : existing) {
        if (old.value("type", "") == c["type"] && old.value("status", "") == c["status"] &&
            old.contains("lastTransitionTime"))
          c["lastTransitionTime"] = old["lastTransitionTime"];
      }
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace k3s::controllers::core
