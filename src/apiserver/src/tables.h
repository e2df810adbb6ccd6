// meta.k8s.io/v1 Table responses for `kubectl get`: the columns kube-apiserver prints for
// each type (priority 1 columns are the -o wide ones).
#pragma once

#include <chrono>
#include <vector>

#include <nlohmann/json.hpp>

#include "registry.h"

namespace k3s::apiserver {

using Json = nlohmann::json;

enum class IncludeObject { none, metadata, object };

// `objects` are full objects of `type`; list_metadata is the list's metadata (resourceVersion, continue).
Json build_table(const ResourceType& type, const std::vector<const Json*>& objects, IncludeObject include,
                 Json list_metadata, std::chrono::system_clock::time_point now);

// kube's duration.HumanDuration ("5s", "3m2s", "4h", "2d3h", ...).
std::string human_duration(std::chrono::seconds age);

Json partial_object_metadata(const Json& object);

}  // namespace k3s::apiserver
