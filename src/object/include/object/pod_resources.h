// Pod resource rules shared by the API server (defaulting, admission) and the kubelet.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace k3s::object {

// kube's QoS class from the containers' (and init containers') cpu and memory requests and
// limits: "Guaranteed", "Burstable" or "BestEffort". Requests missing beside a limit count as
// equal to it, as API defaulting makes them.
std::string pod_qos_class(const nlohmann::json& pod);

// API defaulting of one container: a resource with a limit and no request gets the limit as
// its request.
void default_container_requests(nlohmann::json& container);

}  // namespace k3s::object
