// The pods/eviction subresource: deletes a pod unless that would take a PodDisruptionBudget
// below what it allows (429 TooManyRequests, as kube-apiserver answers).
#pragma once

#include "context.h"

namespace k3s::apiserver {

http::Response handle_eviction(ApiContext& ctx, ResourceRequest& req);

}  // namespace k3s::apiserver
