// How kubectl picks the pod and the container that logs, exec, attach, port-forward and cp
// act on.
#pragma once

#include <ostream>
#include <string>

#include "session.h"

namespace k3s::kubectl {

// POD or TYPE/NAME: the pod itself, or for a workload (deployment, replicaset, job, ...,
// service) the first of the pods its selector matches. `pod_word_error` is kubectl's
// NotFound text for a bare pod name when the command words it differently (logs).
Json pod_for_target(Session& session, const std::string& ns, const std::string& target);

// -c when given; else the kubectl.kubernetes.io/default-container annotation or the first
// container, with kubectl's "Defaulted container ..." note on `notes` when the pod has more
// than one.
std::string container_for(const Json& pod, const std::string& requested, std::ostream& notes);

// The names of the pod's (regular) containers.
std::vector<std::string> container_names(const Json& pod);

}  // namespace k3s::kubectl
