// The NodeRestriction admission plugin: a kubelet's identity (system:node:<name> in
// system:nodes) may change only its own Node and Lease, the pods bound to it (status,
// deletion, eviction), create only mirror pods of itself, and request service-account
// tokens only for pods bound to it. RBAC (system:k3s-node) decides the verbs; this decides
// which objects.
#pragma once

namespace k3s::apiserver {

struct ApiContext;
struct ResourceRequest;

// Throws ApiError 403 when a node identity writes outside what is its own; does nothing for
// other users and for reads.
void enforce_node_restriction(ApiContext& ctx, const ResourceRequest& req);

}  // namespace k3s::apiserver
