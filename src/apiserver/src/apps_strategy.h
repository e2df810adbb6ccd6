// DaemonSet writes (create and update, not status): kube's per-field defaults of
// spec.updateStrategy (RollingUpdate with maxUnavailable 1 and maxSurge 0 unless given)
// and the validation of the rolling update budget -- each value a non-negative int or a
// percent of at most 100%, and exactly one of maxUnavailable / maxSurge non-zero.
#pragma once

#include <nlohmann/json.hpp>

#include "registry.h"

namespace k3s::apiserver {

// Throws a 422 Invalid ApiError naming the fields (kube's messages).
void prepare_daemon_set_write(const ResourceType& type, nlohmann::json& object);

}  // namespace k3s::apiserver
