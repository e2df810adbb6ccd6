// How kubectl picks the pod and the container that logs, exec, attach, port-forward and cp
// act on.
#pragma once

#include <ostream>
#include <string>

#include "session.h"
#include "streaming/remote_command.h"

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

// The protocol switch for a stream subresource (exec, attach, portforward) at
// `path_and_query`. A refused SPDY attempt comes back as the refusal so that the websocket
// attempt follows; the refusal of that one is thrown as the API error it is.
streaming::Upgrader stream_upgrader(Session& session, std::string path_and_query);

}  // namespace k3s::kubectl
