// Create-only review resources (authentication.k8s.io, authorization.k8s.io).
#pragma once

#include "context.h"

namespace k3s::apiserver {

http::Response handle_review(ApiContext& ctx, ResourceRequest& req);

}  // namespace k3s::apiserver
