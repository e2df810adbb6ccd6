// The scale subresource (autoscaling/v1 Scale) of workloads: deployments, replicasets,
// statefulsets, replicationcontrollers.
#pragma once

#include "context.h"

namespace k3s::apiserver {

http::Response handle_scale(ApiContext& ctx, ResourceRequest& req);

}  // namespace k3s::apiserver
