// What a ResourceQuota counts: the usage of one namespace's objects for each quota key
// (pods, services, configmaps, count/<resource>[.<group>], requests.cpu, limits.memory, ...).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "object/quantity.h"

namespace k3s::object {

using Json = nlohmann::json;

// The compute resources of a pod that count against quota: per resource, the larger of the
// containers' sum and any single init container, plus spec.overhead; "requests.*" and
// "limits.*" keys ("requests.cpu", "limits.memory", ...).
std::map<std::string, Quantity> pod_compute_usage(const Json& pod);

// Quota charges a pod until it is terminal.
bool pod_counts_for_quota(const Json& pod);

// Usage of the compute keys (requests.*, limits.*, and the bare "cpu"/"memory"/
// "ephemeral-storage" aliases of requests) over `pods`, for the keys in `hard`.
std::map<std::string, Quantity> compute_usage(const std::vector<Json>& pods, const Json& hard);

// The {group, resource} a "count/<resource>[.<group>]" key names, or the built-in object
// count keys ("pods", "services", "configmaps", "secrets", "persistentvolumeclaims",
// "replicationcontrollers", "resourcequotas"); empty resource when `key` is neither.
struct CountedResource {
  std::string group, resource;
};
CountedResource counted_resource(const std::string& key);

// What one object of {group, resource} adds to each key of `hard` it touches: its count
// keys, a pod's compute keys (while it is not terminal), a Service's services.nodeports and
// services.loadbalancers, a claim's requests.storage.
std::map<std::string, Quantity> object_quota_usage(const std::string& group, const std::string& resource,
                                                   const Json& object, const Json& hard);

}  // namespace k3s::object
