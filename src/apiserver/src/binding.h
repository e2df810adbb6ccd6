// The pods/binding subresource: how the scheduler assigns a pending pod to a node.
#pragma once

#include "context.h"

namespace k3s::apiserver {

http::Response handle_binding(ApiContext& ctx, ResourceRequest& req);

}  // namespace k3s::apiserver
