// What kubectl's polymorphic helpers know about objects that run pods: where their pod
// spec is, which selector and ports a Service for them takes, and the Go type name kubectl
// shows for objects it cannot handle.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/rest_mapper.h"
#include "session.h"

namespace k3s::kubectl {

// The pod spec of a Pod, ReplicationController, Deployment, ReplicaSet, DaemonSet,
// StatefulSet, Job or CronJob (created empty when the template lacks one); nullptr for
// every other kind.
Json* pod_spec_of(Json& object);
// "*v1.ConfigMap": the Go type kubectl decodes a built-in object into
// ("*unstructured.Unstructured" for other groups).
std::string go_type_name(const client::ResourceInfo& info);
// kubectl's error for an object without a pod template ("configmaps/x the object is not a
// pod or does not have a pod template: *v1.ConfigMap").
std::string no_pod_template_error(const client::ResourceInfo& info, const std::string& name);

// The containers then the init containers of a pod spec, as kubectl's set commands visit
// them.
std::vector<Json*> all_containers(Json& pod_spec);

// filepath.Match for container name patterns ('*', '?', '[...]').
bool glob_match(const std::string& pattern, const std::string& name);

// A Service's selector for an object (expose): a Pod's labels, a Service's or
// ReplicationController's selector, a Deployment's or ReplicaSet's matchLabels. nullopt
// when the kind cannot be exposed; throws CommandError for matchExpressions.
std::optional<std::map<std::string, std::string>> selector_for_expose(const client::ResourceInfo& info,
                                                                     const Json& object);
// The ports (number, protocol) an object offers: container ports of a Pod or of a
// template, a Service's ports. Each port once, in order.
std::vector<std::pair<std::int64_t, std::string>> ports_for_expose(const client::ResourceInfo& info,
                                                                  const Json& object);

}  // namespace k3s::kubectl
