// Subresources the API server answers by calling the node's kubelet: pods/log,
// pods/exec, pods/attach, pods/portforward and nodes/proxy. The kubelet is reached through
// the node's agent tunnel when it has one, else directly at its InternalIP and kubelet port;
// the API server authenticates with its kubelet client certificate and verifies the kubelet's
// serving certificate against the server CA. Protocol switches (websocket, SPDY) are passed
// through byte for byte after the kubelet's 101.
#pragma once

#include "context.h"

namespace k3s::apiserver {

bool is_node_proxy_subresource(const ResourceType& type, const std::string& subresource);
http::Response handle_node_proxy(ApiContext& ctx, ResourceRequest& req);

}  // namespace k3s::apiserver
